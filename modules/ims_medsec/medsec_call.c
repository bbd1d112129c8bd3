/*
 * ims_medsec: a call's media through the e2ae procedures and the AGW.
 */
#include <string.h>
#include <strings.h>

#include "core/dprint.h"

#include "medsec_agw.h"
#include "medsec_call.h"
#include "medsec_e2ae.h"
#include "medsec_ht.h"
#include "medsec_reg.h"
#include "medsec_sip.h"
#include "medsec_stats.h"

medsec_policy_t medsec_policy;
int medsec_reject_unregistered = 0;
int medsec_session_timeout = 7200;
int medsec_session_table_size = 4096;

/* what a call keeps between its messages */
typedef struct medsec_call
{
	int node;	  /* AGW node, -1 when the media is not anchored */
	int answered; /* an answer went through (the call is counted) */
	medsec_e2ae_state_t st;
} medsec_call_t;

static medsec_ht_t *_medsec_calls = NULL;

/* per-process scratch: the SIP hot path does not allocate */
static medsec_sdp_t _medsec_sdp;
static char _medsec_out1[MEDSEC_SDP_MAX_LEN];
static char _medsec_out2[MEDSEC_SDP_MAX_LEN];

int medsec_call_set_suites(modparam_t type, void *val)
{
	const char *why = "";
	char *s = (char *)val;

	if(medsec_policy_set_suites(&medsec_policy, s, strlen(s), &why) < 0) {
		LM_ERR("e2ae_suites '%s': %s\n", s, why);
		return -1;
	}
	return 0;
}

int medsec_call_side(const str *side)
{
	if(side->len == 2 && strncasecmp(side->s, "ue", 2) == 0)
		return 1;
	if(side->len == 4 && strncasecmp(side->s, "core", 4) == 0)
		return 0;
	return -1;
}

int medsec_call_init(void)
{
	_medsec_calls = medsec_ht_new(
			(unsigned int)medsec_session_table_size, sizeof(medsec_call_t));
	return _medsec_calls ? 0 : -1;
}

void medsec_call_destroy(void)
{
	medsec_ht_free(_medsec_calls);
	_medsec_calls = NULL;
}

void medsec_call_expire(void)
{
	unsigned int n;

	if(_medsec_calls && (n = medsec_ht_expire(_medsec_calls)) > 0)
		LM_INFO("forgot %u calls unused for %d s\n", n, medsec_session_timeout);
}

unsigned int medsec_call_count(void)
{
	return _medsec_calls ? medsec_ht_count(_medsec_calls) : 0;
}

static void ctx_init(medsec_e2ae_ctx_t *ctx, int from_ue, int ue_e2ae)
{
	ctx->pol = &medsec_policy;
	ctx->from_ue = from_ue;
	ctx->ue_e2ae = ue_e2ae;
	ctx->reject_unregistered = medsec_reject_unregistered;
	ctx->sdp = &_medsec_sdp;
}

/* Replace the body when the new one differs. */
static int set_body(sip_msg_t *msg, const str *body, const char *s, size_t len)
{
	str n;

	if(len == (size_t)body->len && memcmp(body->s, s, len) == 0)
		return 0;
	n.s = (char *)s;
	n.len = (int)len;
	return medsec_sip_replace_body(msg, body, &n);
}

const char *medsec_call_mode_name(int mode)
{
	switch(mode) {
		case MEDSEC_MODE_E2AE:
			return "e2ae";
		case MEDSEC_MODE_E2E:
			return "end-to-end";
		case MEDSEC_MODE_PLAIN:
			return "plain";
		case MEDSEC_MODE_REFUSED:
			return "refused";
	}
	return "none";
}

typedef struct call_walk
{
	medsec_call_walk_f f;
	void *param;
} call_walk_t;

static int call_walk_one(const str *key, const void *value, int ttl, void *p)
{
	const medsec_call_t *call = value;
	call_walk_t *w = p;

	return w->f(key, call->node, &call->st, ttl, w->param);
}

unsigned int medsec_call_walk(medsec_call_walk_f f, void *param)
{
	call_walk_t w = {f, param};

	return _medsec_calls ? medsec_ht_walk(_medsec_calls, call_walk_one, &w) : 0;
}

static int mode_code(int mode)
{
	return mode == MEDSEC_MODE_E2AE	 ? MEDSEC_OK
		   : mode == MEDSEC_MODE_E2E ? MEDSEC_E2E
									 : MEDSEC_PLAIN;
}

/* e2ae refused an offer or an answer: log, and reply to a request. */
static int refused(sip_msg_t *msg, const medsec_ids_t *ids, const char *what,
		const medsec_e2ae_result_t *res)
{
	LM_NOTICE("%s refused (call %.*s): %s%s%s\n", what, ids->callid.len,
			ids->callid.s, res->reason, res->detail ? ": " : "",
			res->detail ? res->detail : "");
	medsec_stats_inc(MEDSEC_ST_REFUSED);
	medsec_sip_refuse(
			msg, res->status, "Not Acceptable Here", res->reason, NULL);
	return MEDSEC_ERR_REFUSED;
}

static int call_offer(sip_msg_t *msg, int from_ue)
{
	medsec_ids_t ids;
	medsec_e2ae_ctx_t ctx;
	medsec_e2ae_result_t res;
	medsec_call_t call, old;
	str body, agw_sdp, sdp1;
	int ue_e2ae, r, known;

	if(medsec_sip_ids(msg, &ids) < 0 || medsec_sip_sdp(msg, &body) < 0) {
		medsec_sip_refuse(msg, 400, "Bad Request",
				"no SDP offer or no dialog identifiers", NULL);
		return MEDSEC_ERR_MSG;
	}
	known = medsec_ht_get(_medsec_calls, &ids.callid, &old, 0) == 0;
	if(msg->first_line.type == SIP_REQUEST)
		ue_e2ae = from_ue ? medsec_reg_contact_is_e2ae(msg)
						  : medsec_reg_uri_is_e2ae(GET_RURI(msg));
	else /* an offer in a reply: the UE is the one the request went to */
		ue_e2ae = known && old.st.mode == MEDSEC_MODE_E2AE;
	ctx_init(&ctx, from_ue, ue_e2ae);

	if(medsec_e2ae_offer(&ctx, body.s, (size_t)body.len, &call.st, _medsec_out1,
			   sizeof(_medsec_out1), &res)
			!= 0)
		return refused(msg, &ids, "offer", &res);
	call.node = known ? old.node : -1;
	call.answered = known ? old.answered : 0;
	if(!res.use_agw) {
		if(call.node >= 0) /* the call was anchored: it no longer is */
			medsec_agw_delete_call(&ids, call.node);
		call.node = -1;
		if(medsec_ht_set(
				   _medsec_calls, &ids.callid, &call, medsec_session_timeout)
						< 0
				|| set_body(msg, &body, _medsec_out1, res.len) < 0)
			return MEDSEC_ERR_MSG;
		if(!known)
			medsec_stats_e2e(&call.st);
		LM_INFO("call %.*s: %s media passed untouched\n", ids.callid.len,
				ids.callid.s, medsec_call_mode_name(call.st.mode));
		return MEDSEC_E2E;
	}
	sdp1.s = _medsec_out1;
	sdp1.len = (int)res.len;
	r = medsec_agw_sdp("offer", &ids, &sdp1, res.transport, res.sdes_no,
			&call.node, &agw_sdp);
	if(r != MEDSEC_OK) {
		medsec_stats_inc(MEDSEC_ST_FAILED);
		/* a node that answered may hold a half-made session: release it */
		if(!known && call.node >= 0)
			medsec_agw_delete_call(&ids, call.node);
		if(r == MEDSEC_ERR_AGW)
			medsec_sip_refuse(msg, 503, "Service Unavailable",
					"media gateway unavailable", "Retry-After: 30\r\n");
		else
			medsec_sip_refuse(msg, 500, "Server Internal Error",
					"media gateway refused the session", NULL);
		return r;
	}
	if(medsec_e2ae_offer_reply(&ctx, &call.st, agw_sdp.s, (size_t)agw_sdp.len,
			   _medsec_out2, sizeof(_medsec_out2), &res)
			!= 0) {
		LM_ERR("gateway offer for call %.*s failed a check: %s\n",
				ids.callid.len, ids.callid.s, res.reason);
		medsec_stats_inc(MEDSEC_ST_FAILED);
		if(!known)
			medsec_agw_delete_call(&ids, call.node);
		medsec_sip_refuse(msg, 500, "Server Internal Error", res.reason, NULL);
		return MEDSEC_ERR_INTERNAL;
	}
	if(medsec_ht_set(_medsec_calls, &ids.callid, &call, medsec_session_timeout)
					< 0
			|| set_body(msg, &body, _medsec_out2, res.len) < 0) {
		if(!known)
			medsec_agw_delete_call(&ids, call.node);
		return MEDSEC_ERR_MSG;
	}
	LM_INFO("call %.*s: %s offer from the %s through gateway node %d\n",
			ids.callid.len, ids.callid.s, medsec_call_mode_name(call.st.mode),
			from_ue ? "UE" : "core", call.node);
	return mode_code(call.st.mode);
}

/*
 * An answer that must not pass.  A provisional reply can be dropped by the
 * script; a final one cannot (a proxy forwards every 2xx, and tm ignores
 * "drop" for it), so its SDP is replaced with every media line rejected,
 * and the call's AGW session is released: no key, no media address and no
 * keyless media get through.
 */
static int answer_failed(sip_msg_t *msg, const medsec_ids_t *ids,
		medsec_call_t *call, const str *body, int r)
{
	size_t n;

	if(msg->first_line.type != SIP_REPLY
			|| msg->first_line.u.reply.statuscode < 200)
		return r;
	n = medsec_e2ae_reject_all(&_medsec_sdp, &call->st, body->s,
			(size_t)body->len, _medsec_out2, sizeof(_medsec_out2));
	if(n == 0 || set_body(msg, body, _medsec_out2, n) < 0)
		LM_ERR("cannot reject the media of call %.*s\n", ids->callid.len,
				ids->callid.s);
	if(call->node >= 0)
		medsec_agw_delete_call(ids, call->node);
	/* retransmissions of this answer must be rejected too */
	call->node = -1;
	call->st.mode = MEDSEC_MODE_REFUSED;
	medsec_ht_set(_medsec_calls, &ids->callid, call, medsec_session_timeout);
	LM_NOTICE("final answer of call %.*s refused: every media line rejected,"
			  " gateway session released\n",
			ids->callid.len, ids->callid.s);
	return r;
}

static int call_answer(sip_msg_t *msg)
{
	medsec_ids_t ids;
	medsec_e2ae_ctx_t ctx;
	medsec_e2ae_result_t res, agw_res;
	medsec_call_t call;
	str body, agw_sdp, sdp1;
	int r;

	if(medsec_sip_ids(msg, &ids) < 0 || medsec_sip_sdp(msg, &body) < 0)
		return MEDSEC_ERR_MSG;
	if(ids.to_tag.len == 0) {
		LM_ERR("answer without a To tag (call %.*s)\n", ids.callid.len,
				ids.callid.s);
		return MEDSEC_ERR_MSG;
	}
	if(medsec_ht_get(_medsec_calls, &ids.callid, &call, medsec_session_timeout)
			< 0) {
		LM_NOTICE(
				"answer for unknown call %.*s\n", ids.callid.len, ids.callid.s);
		return MEDSEC_ERR_NOCALL;
	}
	if(call.st.mode == MEDSEC_MODE_REFUSED)
		return answer_failed(msg, &ids, &call, &body, MEDSEC_ERR_REFUSED);
	ctx_init(&ctx, !call.st.offer_from_ue, call.st.mode == MEDSEC_MODE_E2AE);
	if(medsec_e2ae_answer(&ctx, &call.st, body.s, (size_t)body.len,
			   _medsec_out1, sizeof(_medsec_out1), &res)
			!= 0) {
		r = refused(msg, &ids, "answer", &res);
		return answer_failed(msg, &ids, &call, &body, r);
	}
	if(!res.use_agw) {
		if(set_body(msg, &body, _medsec_out1, res.len) < 0)
			return MEDSEC_ERR_MSG;
		return MEDSEC_E2E;
	}
	sdp1.s = _medsec_out1;
	sdp1.len = (int)res.len;
	r = medsec_agw_sdp("answer", &ids, &sdp1, NULL, 0, &call.node, &agw_sdp);
	if(r != MEDSEC_OK) {
		medsec_stats_inc(MEDSEC_ST_FAILED);
		return answer_failed(msg, &ids, &call, &body, r);
	}
	if(medsec_e2ae_answer_reply(&ctx, &call.st, agw_sdp.s, (size_t)agw_sdp.len,
			   _medsec_out2, sizeof(_medsec_out2), &agw_res)
			!= 0) {
		LM_ERR("gateway answer for call %.*s failed a check: %s\n",
				ids.callid.len, ids.callid.s, agw_res.reason);
		medsec_stats_inc(MEDSEC_ST_FAILED);
		return answer_failed(msg, &ids, &call, &body, MEDSEC_ERR_INTERNAL);
	}
	if(set_body(msg, &body, _medsec_out2, agw_res.len) < 0)
		return MEDSEC_ERR_MSG;
	if(!call.answered) {
		/* count the call once, not per re-INVITE or retransmission */
		call.answered = 1;
		medsec_ht_set(
				_medsec_calls, &ids.callid, &call, medsec_session_timeout);
		medsec_stats_session(&call.st, res.suite);
	}
	LM_INFO("call %.*s: %s answer through gateway node %d\n", ids.callid.len,
			ids.callid.s, medsec_call_mode_name(call.st.mode), call.node);
	return mode_code(call.st.mode);
}

/* The scratch bodies held SDES keys: wipe what was used (the message's own
 * copies belong to Kamailio). */
static void wipe_scratch(void)
{
	explicit_bzero(_medsec_out1, sizeof(_medsec_out1));
	explicit_bzero(_medsec_out2, sizeof(_medsec_out2));
}

int medsec_call_offer(sip_msg_t *msg, int from_ue)
{
	int r = call_offer(msg, from_ue);
	wipe_scratch();
	return r;
}

int medsec_call_answer(sip_msg_t *msg)
{
	int r = call_answer(msg);
	wipe_scratch();
	return r;
}

int medsec_call_delete(sip_msg_t *msg)
{
	medsec_ids_t ids;
	medsec_call_t call;
	int r = MEDSEC_OK;

	if(medsec_sip_ids(msg, &ids) < 0)
		return MEDSEC_ERR_MSG;
	if(medsec_ht_get(_medsec_calls, &ids.callid, &call, 0) < 0)
		return MEDSEC_ERR_NOCALL;
	if(call.node >= 0)
		r = medsec_agw_delete_call(&ids, call.node);
	/* the AGW state is gone (or unreachable): forget the call either way */
	medsec_ht_del(_medsec_calls, &ids.callid);
	return r;
}
