/*
 * libFuzzer harness: the SDP media walk and the e2ae rewrites.  The input is
 * used as every SDP of a call in turn (offer, AGW offer reply, answer, AGW
 * answer reply), for an originating and a terminating e2ae UE; the first
 * byte picks the flags.  Nothing may crash, and every output fits its
 * buffer and parses again.
 */
#include <assert.h>
#include <stdint.h>
#include <string.h>

#include "medsec_e2ae.h"

static medsec_sdp_t scratch, check;
static char out[MEDSEC_SDP_MAX_LEN];

static void reparse(const medsec_e2ae_result_t *res, int r)
{
	assert(res->len <= sizeof(out));
	if(r == 0 && res->len > 0)
		assert(medsec_sdp_parse(out, res->len, &check) == MEDSEC_SDP_OK);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	medsec_policy_t pol;
	medsec_e2ae_ctx_t ctx;
	medsec_e2ae_state_t st;
	medsec_e2ae_result_t res;
	const char *s;
	int r;

	if(size < 1)
		return 0;
	medsec_policy_default(&pol);
	ctx.pol = &pol;
	ctx.sdp = &scratch;
	ctx.from_ue = data[0] & 1;
	ctx.ue_e2ae = (data[0] >> 1) & 1;
	ctx.reject_unregistered = (data[0] >> 2) & 1;
	s = (const char *)data + 1;
	size--;

	r = medsec_e2ae_offer(&ctx, s, size, &st, out, sizeof(out), &res);
	reparse(&res, r);
	if(r != 0)
		return 0;
	r = medsec_e2ae_offer_reply(&ctx, &st, s, size, out, sizeof(out), &res);
	reparse(&res, r);
	ctx.from_ue = !ctx.from_ue;
	r = medsec_e2ae_answer(&ctx, &st, s, size, out, sizeof(out), &res);
	reparse(&res, r);
	r = medsec_e2ae_answer_reply(&ctx, &st, s, size, out, sizeof(out), &res);
	reparse(&res, r);
	return 0;
}
