/*
 * ims_medsec: e2ae SDP procedures (TS 33.328 7.2.1, 7.3.1).  Pure.
 */
#include <string.h>

#include "medsec_e2ae.h"

static int fail(medsec_e2ae_result_t *res, int status, medsec_e2ae_code_t code,
		const char *reason)
{
	res->status = status;
	res->code = code;
	res->reason = reason;
	res->use_agw = 0;
	res->len = 0;
	return status;
}

static void res_init(medsec_e2ae_result_t *res)
{
	memset(res, 0, sizeof(*res));
}

static int is_3ge2ae(const medsec_sdp_line_t *l, medsec_slice_t *val)
{
	return medsec_sdp_attr(l, "3ge2ae", val);
}

static int slice_is(medsec_slice_t v, const char *s)
{
	size_t n = strlen(s);
	return v.len == n && memcmp(v.s, s, n) == 0;
}

static int is_dtls_attr(const medsec_sdp_line_t *l)
{
	return medsec_sdp_attr(l, "setup", NULL)
		   || medsec_sdp_attr(l, "fingerprint", NULL)
		   || medsec_sdp_attr(l, "tls-id", NULL);
}

static int active(const medsec_sdp_media_t *m)
{
	return m->port_num != 0;
}

/* Media-level "a=3ge2ae:requested" in media i. */
static int media_requested(const medsec_sdp_t *sdp, int i)
{
	const medsec_sdp_media_t *m = &sdp->media[i];
	medsec_slice_t v;
	int l;

	for(l = m->mline + 1; l < m->end; l++)
		if(is_3ge2ae(&sdp->lines[l], &v) && slice_is(v, "requested"))
			return 1;
	return 0;
}

/* a=key-mgmt at session level or in media i. */
static int has_keymgmt(const medsec_sdp_t *sdp, int i)
{
	int l;

	for(l = 0; l < sdp->nlines; l++)
		if((sdp->lines[l].media < 0 || sdp->lines[l].media == i)
				&& medsec_sdp_attr(&sdp->lines[l], "key-mgmt", NULL))
			return 1;
	return 0;
}

/* Key-params as written: from after the suite to before the session
 * params (or the end of the value). */
static medsec_slice_t key_params(const medsec_crypto_t *c, medsec_slice_t val)
{
	medsec_slice_t kp;
	const char *end = val.s + val.len;

	kp.s = c->suite_s + c->suite_len;
	while(kp.s < end && (*kp.s == ' ' || *kp.s == '\t'))
		kp.s++;
	if(c->params_len > 0)
		end = c->params_s;
	while(end > kp.s && (end[-1] == ' ' || end[-1] == '\t'))
		end--;
	kp.len = (size_t)(end - kp.s);
	return kp;
}

/* a=crypto:<tag> <CANONICAL-SUITE> <key-params>[ <session-params>] */
static void write_crypto(
		medsec_sdpw_t *w, const medsec_crypto_t *c, medsec_slice_t val)
{
	medsec_slice_t kp = key_params(c, val);

	medsec_sdpw_cstr(w, "a=crypto:");
	medsec_sdpw_uint(w, c->tag);
	medsec_sdpw_cstr(w, " ");
	medsec_sdpw_cstr(w, medsec_suite_name(c->suite));
	medsec_sdpw_cstr(w, " ");
	medsec_sdpw_raw(w, kp.s, kp.len);
	if(c->params_len > 0) {
		medsec_sdpw_cstr(w, " ");
		medsec_sdpw_raw(w, c->params_s, c->params_len);
	}
	medsec_sdpw_eol(w);
}

/* Copy every line but the a=3ge2ae ones. */
static void copy_stripped(const medsec_sdp_t *sdp, medsec_sdpw_t *w)
{
	int l;

	for(l = 0; l < sdp->nlines; l++)
		if(!is_3ge2ae(&sdp->lines[l], NULL))
			medsec_sdpw_line(w, &sdp->lines[l]);
}

static int finish(medsec_e2ae_result_t *res, medsec_sdpw_t *w)
{
	if(w->err)
		return fail(res, 500, MEDSEC_E2AE_MALFORMED_SDP, "SDP too large");
	res->len = w->len;
	return 0;
}

static int parse(const medsec_e2ae_ctx_t *ctx, const char *s, size_t len,
		medsec_e2ae_result_t *res, int status)
{
	switch(medsec_sdp_parse(s, len, ctx->sdp)) {
		case MEDSEC_SDP_OK:
			return 0;
		case MEDSEC_SDP_TOO_MANY_MEDIA:
			return fail(res, status, MEDSEC_E2AE_MALFORMED_SDP,
					"too many media lines");
		case MEDSEC_SDP_TOO_BIG:
			return fail(
					res, status, MEDSEC_E2AE_MALFORMED_SDP, "SDP too large");
		default:
			return fail(
					res, status, MEDSEC_E2AE_MALFORMED_SDP, "malformed SDP");
	}
}

/* The best acceptable crypto line of media i (line index), or -1 with
 * *why set to the reason of the last refusal. */
static int choose_crypto(const medsec_e2ae_ctx_t *ctx, int i,
		medsec_crypto_t *best, const char **why)
{
	const medsec_sdp_t *sdp = ctx->sdp;
	const medsec_sdp_media_t *m = &sdp->media[i];
	int l, best_l = -1, best_rank = 0;

	*why = "no crypto line";
	for(l = m->mline + 1; l < m->end; l++) {
		medsec_slice_t v;
		medsec_crypto_t c;
		medsec_crypto_err_t e;
		int rank;

		if(!medsec_sdp_attr(&sdp->lines[l], "crypto", &v))
			continue;
		e = medsec_crypto_parse(v.s, v.len, &c);
		if(e != MEDSEC_CRYPTO_OK) {
			*why = medsec_crypto_strerror(e);
			continue;
		}
		if(!medsec_policy_accepts(ctx->pol, &c, why))
			continue;
		rank = medsec_policy_rank(ctx->pol, c.suite);
		if(best_l < 0 || rank < best_rank) {
			best_l = l;
			best_rank = rank;
			*best = c;
		}
	}
	return best_l;
}

/* Originating offer from an e2ae UE: one crypto line per e2ae m-line. */
static int offer_e2ae_orig(const medsec_e2ae_ctx_t *ctx,
		medsec_e2ae_state_t *st, medsec_sdpw_t *w, medsec_e2ae_result_t *res)
{
	const medsec_sdp_t *sdp = ctx->sdp;
	int chosen[MEDSEC_SDP_MAX_MEDIA];
	medsec_crypto_t cc[MEDSEC_SDP_MAX_MEDIA];
	int i, l;

	for(i = 0; i < sdp->nmedia; i++) {
		const char *why;
		chosen[i] = -1;
		if(!st->m[i].e2ae)
			continue;
		chosen[i] = choose_crypto(ctx, i, &cc[i], &why);
		if(chosen[i] < 0) {
			fail(res, 488, MEDSEC_E2AE_NO_CRYPTO,
					"no acceptable crypto line for e2ae");
			res->detail = why;
			return res->status;
		}
		st->m[i].noffered = 1;
		st->m[i].offered[0].tag = cc[i].tag;
		st->m[i].offered[0].suite = (uint8_t)cc[i].suite;
	}
	for(l = 0; l < sdp->nlines; l++) {
		const medsec_sdp_line_t *ln = &sdp->lines[l];
		medsec_slice_t v;
		if(is_3ge2ae(ln, NULL))
			continue;
		if(ln->media >= 0 && st->m[ln->media].e2ae
				&& medsec_sdp_attr(ln, "crypto", &v)) {
			if(l == chosen[ln->media])
				write_crypto(w, &cc[ln->media], v);
			continue;
		}
		medsec_sdpw_line(w, ln);
	}
	res->use_agw = 1;
	res->transport = "RTP/AVP";
	return finish(res, w);
}

int medsec_e2ae_offer(const medsec_e2ae_ctx_t *ctx, const char *s, size_t len,
		medsec_e2ae_state_t *st, char *out, size_t cap,
		medsec_e2ae_result_t *res)
{
	const medsec_sdp_t *sdp = ctx->sdp;
	medsec_sdpw_t w;
	int i, n_req = 0, n_e2e = 0, n_kms = 0, n_rtp = 0;

	res_init(res);
	memset(st, 0, sizeof(*st));
	st->offer_from_ue = (uint8_t)(ctx->from_ue != 0);
	if(parse(ctx, s, len, res, 488))
		return res->status;
	st->nmedia = (uint8_t)sdp->nmedia;
	medsec_sdpw_init(&w, out, cap, sdp->eol);

	for(i = 0; i < sdp->nmedia; i++) {
		const medsec_sdp_media_t *m = &sdp->media[i];
		if(!active(m))
			continue;
		if(has_keymgmt(sdp, i))
			n_kms++;
		else if(medsec_sdp_is_srtp(m) && media_requested(sdp, i)) {
			n_req++;
			st->m[i].e2ae = 1;
		} else if(medsec_sdp_is_srtp(m))
			n_e2e++;
		else if(medsec_sdp_is_rtp(m))
			n_rtp++;
	}

	if(!ctx->from_ue && n_req > 0) {
		/* "requested" is the UE's word: from the core it is SRTP of the far
		 * end, i.e. end-to-end (the indication is removed below) */
		n_e2e += n_req;
		n_req = 0;
		memset(st->m, 0, sizeof(st->m));
	}
	if(ctx->from_ue && n_req > 0 && !ctx->ue_e2ae) {
		if(ctx->reject_unregistered)
			return fail(res, 488, MEDSEC_E2AE_POLICY,
					"e2ae requested without mediasec registration");
		n_e2e += n_req;
		n_req = 0;
		st->e2e_reason = MEDSEC_E2E_UNREGISTERED;
		memset(st->m, 0, sizeof(st->m));
	}
	if(n_req > 0 && (n_e2e > 0 || n_kms > 0))
		return fail(res, 488, MEDSEC_E2AE_POLICY,
				"e2ae and end-to-end media mixed in one offer");
	if(ctx->from_ue && n_req > 0) {
		st->mode = MEDSEC_MODE_E2AE;
		return offer_e2ae_orig(ctx, st, &w, res);
	}
	memset(st->m, 0, sizeof(st->m));
	if(n_e2e > 0 || n_kms > 0) {
		/* end-to-end security: forwarded untouched but for indications */
		st->mode = MEDSEC_MODE_E2E;
		if(!st->e2e_reason)
			st->e2e_reason = n_kms ? MEDSEC_E2E_KMS : MEDSEC_E2E_SDES;
		copy_stripped(sdp, &w);
		return finish(res, &w);
	}
	res->use_agw = 1;
	if(!ctx->from_ue && ctx->ue_e2ae && n_rtp > 0) {
		/* terminating: SRTP toward the UE on every active RTP m-line */
		st->mode = MEDSEC_MODE_E2AE;
		for(i = 0; i < sdp->nmedia; i++)
			if(active(&sdp->media[i]) && medsec_sdp_is_rtp(&sdp->media[i]))
				st->m[i].e2ae = 1;
		res->transport = "RTP/SAVP";
		res->sdes_no = medsec_policy_excluded(ctx->pol);
	} else {
		st->mode = MEDSEC_MODE_PLAIN;
	}
	copy_stripped(sdp, &w);
	return finish(res, &w);
}

/* The AGW's SDP toward the UE of a terminating call: only allowed suites,
 * best first, then the indication; no DTLS attributes.  Records what was
 * offered so that the UE's answer can be checked. */
static int offer_reply_term(const medsec_e2ae_ctx_t *ctx,
		medsec_e2ae_state_t *st, medsec_sdpw_t *w, medsec_e2ae_result_t *res)
{
	const medsec_sdp_t *sdp = ctx->sdp;
	int i, l;

	for(l = 0; l < sdp->nlines && sdp->lines[l].media < 0; l++)
		if(!is_3ge2ae(&sdp->lines[l], NULL))
			medsec_sdpw_line(w, &sdp->lines[l]);
	for(i = 0; i < sdp->nmedia; i++) {
		const medsec_sdp_media_t *m = &sdp->media[i];
		medsec_e2ae_media_t *sm = &st->m[i];
		int rank, written = 0;

		for(l = m->mline; l < m->end && !sm->e2ae; l++)
			if(!is_3ge2ae(&sdp->lines[l], NULL))
				medsec_sdpw_line(w, &sdp->lines[l]);
		if(!sm->e2ae)
			continue;
		if(!medsec_sdp_is_srtp(m))
			return fail(res, 500, MEDSEC_E2AE_AGW_SDP,
					"gateway did not offer SRTP to the UE");
		sm->noffered = 0;
		for(l = m->mline; l < m->end; l++) {
			const medsec_sdp_line_t *ln = &sdp->lines[l];
			if(is_3ge2ae(ln, NULL) || is_dtls_attr(ln)
					|| medsec_sdp_attr(ln, "crypto", NULL))
				continue;
			medsec_sdpw_line(w, ln);
		}
		/* crypto lines in the operator's order of preference */
		for(rank = 0; rank < ctx->pol->nsuites; rank++) {
			for(l = m->mline + 1; l < m->end; l++) {
				medsec_slice_t v;
				medsec_crypto_t c;
				const char *why;
				if(!medsec_sdp_attr(&sdp->lines[l], "crypto", &v)
						|| medsec_crypto_parse(v.s, v.len, &c)
								   != MEDSEC_CRYPTO_OK
						|| c.suite != ctx->pol->suites[rank]
						|| !medsec_policy_accepts(ctx->pol, &c, &why)
						|| sm->noffered >= MEDSEC_MAX_OFFERED)
					continue;
				write_crypto(w, &c, v);
				sm->offered[sm->noffered].tag = c.tag;
				sm->offered[sm->noffered].suite = (uint8_t)c.suite;
				sm->noffered++;
				written++;
			}
		}
		if(written == 0)
			return fail(res, 500, MEDSEC_E2AE_AGW_SDP,
					"gateway offered no allowed crypto suite");
		medsec_sdpw_cstr(w, "a=3ge2ae:applied");
		medsec_sdpw_eol(w);
	}
	return finish(res, w);
}

/* Toward the core: e2ae m-lines must carry no SRTP any more. */
static int to_core_checked(const medsec_e2ae_ctx_t *ctx,
		const medsec_e2ae_state_t *st, medsec_sdpw_t *w,
		medsec_e2ae_result_t *res)
{
	const medsec_sdp_t *sdp = ctx->sdp;
	int l;

	for(l = 0; l < sdp->nlines; l++) {
		const medsec_sdp_line_t *ln = &sdp->lines[l];
		if(ln->media >= 0 && st->m[ln->media].e2ae
				&& active(&sdp->media[ln->media])
				&& (medsec_sdp_attr(ln, "crypto", NULL)
						|| (ln->type == 'm'
								&& !medsec_sdp_is_rtp(&sdp->media[ln->media]))))
			return fail(res, 500, MEDSEC_E2AE_AGW_SDP,
					"gateway left SRTP toward the core");
	}
	copy_stripped(sdp, w);
	return finish(res, w);
}

static int check_media_count(const medsec_e2ae_ctx_t *ctx,
		const medsec_e2ae_state_t *st, medsec_e2ae_result_t *res, int status,
		medsec_e2ae_code_t code)
{
	if(ctx->sdp->nmedia != st->nmedia)
		return fail(res, status, code, "media lines differ from the offer");
	return 0;
}

int medsec_e2ae_offer_reply(const medsec_e2ae_ctx_t *ctx,
		medsec_e2ae_state_t *st, const char *s, size_t len, char *out,
		size_t cap, medsec_e2ae_result_t *res)
{
	medsec_sdpw_t w;

	res_init(res);
	if(parse(ctx, s, len, res, 500)
			|| check_media_count(ctx, st, res, 500, MEDSEC_E2AE_AGW_SDP))
		return res->status;
	medsec_sdpw_init(&w, out, cap, ctx->sdp->eol);
	if(st->mode == MEDSEC_MODE_E2AE && !st->offer_from_ue)
		return offer_reply_term(ctx, st, &w, res);
	if(st->mode == MEDSEC_MODE_E2AE)
		return to_core_checked(ctx, st, &w, res);
	copy_stripped(ctx->sdp, &w);
	return finish(res, &w);
}

/* The single crypto line of an answered e2ae m-line must be one that was
 * offered (same tag and suite) and acceptable.  Returns its line index. */
static int answer_crypto(const medsec_e2ae_ctx_t *ctx,
		const medsec_e2ae_media_t *sm, int i, medsec_crypto_t *c,
		const char **why)
{
	const medsec_sdp_t *sdp = ctx->sdp;
	const medsec_sdp_media_t *m = &sdp->media[i];
	int l, found = -1, k;

	for(l = m->mline + 1; l < m->end; l++) {
		medsec_slice_t v;
		medsec_crypto_err_t e;
		if(!medsec_sdp_attr(&sdp->lines[l], "crypto", &v))
			continue;
		if(found >= 0) {
			*why = "more than one crypto line in the answer";
			return -1;
		}
		e = medsec_crypto_parse(v.s, v.len, c);
		if(e != MEDSEC_CRYPTO_OK) {
			*why = medsec_crypto_strerror(e);
			return -1;
		}
		found = l;
	}
	if(found < 0) {
		*why = "no crypto line in the answer";
		return -1;
	}
	if(!medsec_sdp_is_srtp(m)) {
		*why = "answer is not RTP/SAVP";
		return -1;
	}
	for(k = 0; k < sm->noffered; k++)
		if(sm->offered[k].tag == c->tag && sm->offered[k].suite == c->suite)
			break;
	if(k == sm->noffered) {
		*why = "answer crypto tag or suite was not offered";
		return -1;
	}
	/* the suite was allowed when it was offered: the policy may have
	 * changed since (ims_medsec.suites_set), the session parameters not */
	if(!medsec_policy_accepts_params(ctx->pol, c, why))
		return -1;
	return found;
}

int medsec_e2ae_answer(const medsec_e2ae_ctx_t *ctx,
		const medsec_e2ae_state_t *st, const char *s, size_t len, char *out,
		size_t cap, medsec_e2ae_result_t *res)
{
	const medsec_sdp_t *sdp = ctx->sdp;
	medsec_sdpw_t w;
	int i, l, lines[MEDSEC_SDP_MAX_MEDIA];
	medsec_crypto_t cc[MEDSEC_SDP_MAX_MEDIA];

	res_init(res);
	if(parse(ctx, s, len, res, 488)
			|| check_media_count(ctx, st, res, 488, MEDSEC_E2AE_ANSWER))
		return res->status;
	medsec_sdpw_init(&w, out, cap, sdp->eol);
	res->use_agw =
			(st->mode == MEDSEC_MODE_PLAIN || st->mode == MEDSEC_MODE_E2AE);
	if(st->mode != MEDSEC_MODE_E2AE || st->offer_from_ue) {
		copy_stripped(sdp, &w);
		return finish(res, &w);
	}
	/* terminating: the UE's answer */
	for(i = 0; i < sdp->nmedia; i++) {
		const char *why;
		lines[i] = -1;
		if(!st->m[i].e2ae || !active(&sdp->media[i]))
			continue;
		lines[i] = answer_crypto(ctx, &st->m[i], i, &cc[i], &why);
		if(lines[i] < 0)
			return fail(res, 488, MEDSEC_E2AE_ANSWER, why);
		res->suite[i] = (uint8_t)cc[i].suite;
	}
	for(l = 0; l < sdp->nlines; l++) {
		const medsec_sdp_line_t *ln = &sdp->lines[l];
		medsec_slice_t v;
		if(is_3ge2ae(ln, NULL))
			continue;
		if(ln->media >= 0 && l == lines[ln->media]
				&& medsec_sdp_attr(ln, "crypto", &v)) {
			write_crypto(&w, &cc[ln->media], v);
			continue;
		}
		medsec_sdpw_line(&w, ln);
	}
	return finish(res, &w);
}

/* The AGW's answer toward an originating e2ae UE: exactly the chosen tag
 * and suite with a well-formed key, then the confirmation. */
static int answer_reply_orig(const medsec_e2ae_ctx_t *ctx,
		const medsec_e2ae_state_t *st, medsec_sdpw_t *w,
		medsec_e2ae_result_t *res)
{
	const medsec_sdp_t *sdp = ctx->sdp;
	int i, l;

	for(i = 0; i < sdp->nmedia; i++) {
		const medsec_sdp_media_t *m = &sdp->media[i];
		medsec_crypto_t c;
		const char *why;
		int cl = -1;

		if(st->m[i].e2ae && active(m)) {
			cl = answer_crypto(ctx, &st->m[i], i, &c, &why);
			if(cl < 0)
				return fail(res, 500, MEDSEC_E2AE_AGW_SDP,
						"gateway answer does not match the chosen crypto");
		}
		for(l = m->mline; l < m->end; l++) {
			const medsec_sdp_line_t *ln = &sdp->lines[l];
			if(is_3ge2ae(ln, NULL) || (cl >= 0 && is_dtls_attr(ln)))
				continue;
			medsec_sdpw_line(w, ln);
			if(l == cl) {
				medsec_sdpw_cstr(w, "a=3ge2ae:applied");
				medsec_sdpw_eol(w);
			}
		}
	}
	return finish(res, w);
}

int medsec_e2ae_answer_reply(const medsec_e2ae_ctx_t *ctx,
		const medsec_e2ae_state_t *st, const char *s, size_t len, char *out,
		size_t cap, medsec_e2ae_result_t *res)
{
	const medsec_sdp_t *sdp = ctx->sdp;
	medsec_sdpw_t w;
	int l;

	res_init(res);
	if(parse(ctx, s, len, res, 500)
			|| check_media_count(ctx, st, res, 500, MEDSEC_E2AE_AGW_SDP))
		return res->status;
	medsec_sdpw_init(&w, out, cap, sdp->eol);
	if(st->mode == MEDSEC_MODE_E2AE && st->offer_from_ue) {
		/* session-level lines first, then each media section */
		for(l = 0; l < sdp->nlines && sdp->lines[l].media < 0; l++)
			if(!is_3ge2ae(&sdp->lines[l], NULL))
				medsec_sdpw_line(&w, &sdp->lines[l]);
		return answer_reply_orig(ctx, st, &w, res);
	}
	if(st->mode == MEDSEC_MODE_E2AE)
		return to_core_checked(ctx, st, &w, res);
	copy_stripped(sdp, &w);
	return finish(res, &w);
}

size_t medsec_e2ae_reject_all(medsec_sdp_t *sdp, const medsec_e2ae_state_t *st,
		const char *s, size_t len, char *out, size_t cap)
{
	medsec_sdpw_t w;
	int i, l;

	if(medsec_sdp_parse(s, len, sdp) != MEDSEC_SDP_OK) {
		sdp->nlines = 0;
		sdp->nmedia = 0;
		sdp->eol = "\r\n";
	}
	medsec_sdpw_init(&w, out, cap, sdp->eol);
	/* session level: identity lines only, no attributes, no address */
	for(l = 0; l < sdp->nlines && sdp->lines[l].media < 0; l++) {
		const medsec_sdp_line_t *ln = &sdp->lines[l];
		if(ln->type == 'a' || ln->type == 'k')
			continue;
		if(ln->type == 'c') {
			int v6 = ln->len >= 10 && memcmp(ln->s + 5, "IP6", 3) == 0;
			medsec_sdpw_cstr(&w, v6 ? "c=IN IP6 ::" : "c=IN IP4 0.0.0.0");
			medsec_sdpw_eol(&w);
			continue;
		}
		medsec_sdpw_line(&w, ln);
	}
	if(sdp->nlines == 0) {
		medsec_sdpw_cstr(&w, "v=0");
		medsec_sdpw_eol(&w);
		medsec_sdpw_cstr(&w, "o=- 0 0 IN IP4 0.0.0.0");
		medsec_sdpw_eol(&w);
		medsec_sdpw_cstr(&w, "s=-");
		medsec_sdpw_eol(&w);
		medsec_sdpw_cstr(&w, "t=0 0");
		medsec_sdpw_eol(&w);
	}
	for(i = 0; i < sdp->nmedia; i++) {
		const medsec_sdp_media_t *m = &sdp->media[i];
		medsec_sdpw_cstr(&w, "m=");
		medsec_sdpw_raw(&w, m->type.s, m->type.len);
		medsec_sdpw_cstr(&w, " 0 ");
		if(i < st->nmedia && st->m[i].e2ae) {
			int feedback =
					m->proto.len > 0 && m->proto.s[m->proto.len - 1] == 'F';
			medsec_sdpw_cstr(&w, st->offer_from_ue ? "RTP/SAVP" : "RTP/AVP");
			if(feedback)
				medsec_sdpw_cstr(&w, "F");
		} else {
			medsec_sdpw_raw(&w, m->proto.s, m->proto.len);
		}
		if(m->fmts.len) {
			medsec_sdpw_cstr(&w, " ");
			medsec_sdpw_raw(&w, m->fmts.s, m->fmts.len);
		}
		medsec_sdpw_eol(&w);
	}
	return w.err ? 0 : w.len;
}

const char *medsec_e2ae_code_name(medsec_e2ae_code_t code)
{
	switch(code) {
		case MEDSEC_E2AE_OK:
			return "ok";
		case MEDSEC_E2AE_MALFORMED_SDP:
			return "malformed_sdp";
		case MEDSEC_E2AE_NO_CRYPTO:
			return "no_acceptable_crypto";
		case MEDSEC_E2AE_POLICY:
			return "policy";
		case MEDSEC_E2AE_ANSWER:
			return "answer";
		case MEDSEC_E2AE_AGW_SDP:
			return "agw_sdp";
	}
	return "unknown";
}

medsec_suite_t medsec_e2ae_line_suite(
		const medsec_e2ae_state_t *st, const uint8_t *answered, int i)
{
	if(i < 0 || i >= st->nmedia || i >= MEDSEC_SDP_MAX_MEDIA || !st->m[i].e2ae)
		return MEDSEC_SUITE_UNKNOWN;
	if(st->offer_from_ue)
		return st->m[i].noffered == 1
					   ? (medsec_suite_t)st->m[i].offered[0].suite
					   : MEDSEC_SUITE_UNKNOWN;
	return answered ? (medsec_suite_t)answered[i] : MEDSEC_SUITE_UNKNOWN;
}
