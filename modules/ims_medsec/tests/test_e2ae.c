/*
 * The e2ae procedures (medsec_e2ae.c) on golden call flows.
 *
 * Each golden/e2ae/NAME.in is a flow of steps, each starting with a line
 *   @STEP [from_ue=0|1] [ue_e2ae=0|1] [reject_unregistered=0|1]
 *         [suites=A,B]
 * (STEP: offer, offer_reply, answer, answer_reply, reject_all) followed by
 * the SDP of
 * that step (the body received, or the AGW's SDP for the *_reply steps).
 * suites= (commas, no blank) sets the policy's suite list from that step
 * on, as ims_medsec.suites_set does between two messages of a call.
 * The state of the offer carries over to the later steps.  NAME.out holds,
 * per step, a result line and the SDP produced.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "golden.h"
#include "medsec_e2ae.h"

static medsec_sdp_t sdp_scratch;

static void appendf(char *out, size_t cap, const char *fmt, ...)
{
	size_t l = strlen(out);
	va_list ap;

	if(l + 1 >= cap)
		return;
	va_start(ap, fmt);
	vsnprintf(out + l, cap - l, fmt, ap);
	va_end(ap);
}

static int opt(const char *line, size_t len, const char *name, int dflt)
{
	char key[32];
	const char *p;
	size_t kl = (size_t)snprintf(key, sizeof(key), " %s=", name);

	for(p = line; p + kl < line + len; p++)
		if(memcmp(p, key, kl) == 0)
			return p[kl] == '1';
	return dflt;
}

static void e2ae_flow(const char *in, size_t len, char *out, size_t cap)
{
	static char sdp[MEDSEC_SDP_MAX_LEN], res_sdp[MEDSEC_SDP_MAX_LEN];
	medsec_policy_t pol;
	medsec_e2ae_state_t st;
	medsec_e2ae_ctx_t ctx;
	const char *p = in, *end = in + len;

	medsec_policy_default(&pol);
	memset(&st, 0, sizeof(st));
	memset(&ctx, 0, sizeof(ctx));
	ctx.pol = &pol;
	ctx.sdp = &sdp_scratch;
	out[0] = '\0';
	while(p < end) {
		const char *hdr = p, *hend = memchr(p, '\n', (size_t)(end - p));
		const char *body, *bend;
		medsec_e2ae_result_t res;
		char step[32] = "";
		size_t blen;
		int r = -1;

		if(hend == NULL || *hdr != '@') {
			appendf(out, cap, "bad flow file\n");
			return;
		}
		{
			/* the input is not NUL-terminated (guard page): no sscanf */
			size_t i;
			for(i = 0; hdr + 1 + i < hend && hdr[1 + i] != ' '
					   && i + 1 < sizeof(step);
					i++)
				step[i] = hdr[1 + i];
			step[i] = '\0';
		}
		ctx.from_ue = opt(hdr, (size_t)(hend - hdr), "from_ue", ctx.from_ue);
		ctx.ue_e2ae = opt(hdr, (size_t)(hend - hdr), "ue_e2ae", ctx.ue_e2ae);
		ctx.reject_unregistered = opt(hdr, (size_t)(hend - hdr),
				"reject_unregistered", ctx.reject_unregistered);
		{
			const char *k = memmem(hdr, (size_t)(hend - hdr), " suites=", 8);
			const char *v, *ve, *why = "";
			if(k) {
				v = k + 8;
				for(ve = v; ve < hend && *ve != ' '; ve++)
					;
				if(medsec_policy_set_suites(&pol, v, (size_t)(ve - v), &why)
						< 0) {
					appendf(out, cap, "bad suites= (%s)\n", why);
					return;
				}
			}
		}
		body = hend + 1;
		for(bend = body; bend < end; bend++)
			if(*bend == '@' && (bend == body || bend[-1] == '\n'))
				break;
		blen = (size_t)(bend - body);
		/* the body as a message carries it: its own copy, CRLF ends */
		{
			size_t i, n = 0;
			for(i = 0; i < blen && n + 2 < sizeof(sdp); i++) {
				if(body[i] == '\n')
					sdp[n++] = '\r';
				sdp[n++] = body[i];
			}
			blen = n;
		}
		if(strcmp(step, "offer") == 0)
			r = medsec_e2ae_offer(
					&ctx, sdp, blen, &st, res_sdp, sizeof(res_sdp), &res);
		else if(strcmp(step, "offer_reply") == 0)
			r = medsec_e2ae_offer_reply(
					&ctx, &st, sdp, blen, res_sdp, sizeof(res_sdp), &res);
		else if(strcmp(step, "answer") == 0)
			r = medsec_e2ae_answer(
					&ctx, &st, sdp, blen, res_sdp, sizeof(res_sdp), &res);
		else if(strcmp(step, "answer_reply") == 0)
			r = medsec_e2ae_answer_reply(
					&ctx, &st, sdp, blen, res_sdp, sizeof(res_sdp), &res);
		else if(strcmp(step, "reject_all") == 0) {
			memset(&res, 0, sizeof(res));
			res.len = medsec_e2ae_reject_all(
					&sdp_scratch, &st, sdp, blen, res_sdp, sizeof(res_sdp));
			r = res.len ? 0 : -1;
		} else {
			appendf(out, cap, "unknown step %s\n", step);
			return;
		}
		appendf(out, cap, "== %s: status=%d", step, res.status);
		if(r != 0) {
			appendf(out, cap, " code=%s reason=\"%s\"",
					medsec_e2ae_code_name(res.code), res.reason);
			if(res.detail)
				appendf(out, cap, " detail=\"%s\"", res.detail);
			appendf(out, cap, "\n");
			return; /* a refused step ends the flow */
		}
		appendf(out, cap, " mode=%d use_agw=%d", st.mode, res.use_agw);
		if(res.transport)
			appendf(out, cap, " transport=%s", res.transport);
		if(res.sdes_no) {
			int s;
			appendf(out, cap, " sdes_no=");
			for(s = 1; s < MEDSEC_SUITE_COUNT; s++)
				if(res.sdes_no & (1u << s))
					appendf(out, cap, "%s,",
							medsec_suite_name((medsec_suite_t)s));
		}
		appendf(out, cap, "\n");
		{
			size_t i, n = strlen(out);
			for(i = 0; i < res.len && n + 1 < cap; i++)
				if(res_sdp[i] != '\r')
					out[n++] = res_sdp[i];
			out[n] = '\0';
		}
		p = bend;
	}
	/* drop the final newline: golden files end with one */
	if(out[0] && out[strlen(out) - 1] == '\n')
		out[strlen(out) - 1] = '\0';
}

static void test_golden_flows(void **state)
{
	unsigned n;
	int failed;
	(void)state;

	failed = golden_run("e2ae", e2ae_flow, &n);
	print_message("%u golden e2ae flows\n", n);
	assert_int_equal(failed, 0);
	assert_true(n >= 10);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_golden_flows),
	};
	return cmocka_run_group_tests_name("medsec_e2ae", tests, NULL, NULL);
}
