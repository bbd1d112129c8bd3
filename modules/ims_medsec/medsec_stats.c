/*
 * ims_medsec: module statistics.
 */
#include "core/counters.h"
#include "core/dprint.h"

#include "medsec_agw.h"
#include "medsec_session.h"
#include "medsec_crypto.h"
#include "medsec_reg.h"
#include "medsec_stats.h"

static stat_var *_medsec_st[MEDSEC_ST_COUNT];

static counter_val_t st_registrations(void)
{
	return (counter_val_t)medsec_reg_count();
}

static counter_val_t st_sessions(void)
{
	return (counter_val_t)medsec_session_count();
}

/* clang-format off */
static stat_export_t _medsec_stat_exports[] = {
	{"e2ae_refused",                  0, &_medsec_st[MEDSEC_ST_REFUSED]},
	{"e2ae_failed",                   0, &_medsec_st[MEDSEC_ST_FAILED]},
	{"agw_requests",                  0, &_medsec_st[MEDSEC_ST_AGW_REQUESTS]},
	{"agw_failures",                  0, &_medsec_st[MEDSEC_ST_AGW_FAILURES]},
	{"registrations_mediasec",        0, &_medsec_st[MEDSEC_ST_REG_MEDIASEC]},
	{"e2ae_applied_orig",             0, &_medsec_st[MEDSEC_ST_APPLIED_ORIG]},
	{"e2ae_applied_term",             0, &_medsec_st[MEDSEC_ST_APPLIED_TERM]},
	{"e2e_passthrough",               0, &_medsec_st[MEDSEC_ST_E2E_SDES]},
	{"e2e_kms",                       0, &_medsec_st[MEDSEC_ST_E2E_KMS]},
	{"plain_anchored",                0, &_medsec_st[MEDSEC_ST_PLAIN]},
	{"suite_aes_cm_128_hmac_sha1_80", 0, &_medsec_st[MEDSEC_ST_SUITE_80]},
	{"suite_aes_cm_128_hmac_sha1_32", 0, &_medsec_st[MEDSEC_ST_SUITE_32]},
	{"suite_other",                   0, &_medsec_st[MEDSEC_ST_SUITE_OTHER]},
	{"agw_warnings",                  0, &_medsec_st[MEDSEC_ST_AGW_WARNINGS]},
	{"forked_branches",               0, &_medsec_st[MEDSEC_ST_FORKS]},
	{"hairpin_calls",                 0, &_medsec_st[MEDSEC_ST_HAIRPIN]},
	{"agw_timeouts",                  0, &_medsec_st[MEDSEC_ST_AGW_TIMEOUTS]},
	{"agw_failovers",                 0, &_medsec_st[MEDSEC_ST_AGW_FAILOVERS]},
	{"registrations_ended",           0, &_medsec_st[MEDSEC_ST_REG_ENDED]},
	{"e2ae_refused_no_acceptable_crypto", 0,
		&_medsec_st[MEDSEC_ST_REFUSED_NO_CRYPTO]},
	{"e2ae_refused_malformed_sdp",    0,
		&_medsec_st[MEDSEC_ST_REFUSED_MALFORMED]},
	{"e2ae_refused_policy",           0,
		&_medsec_st[MEDSEC_ST_REFUSED_POLICY]},
	{"e2ae_refused_answer",           0,
		&_medsec_st[MEDSEC_ST_REFUSED_ANSWER]},
	{"e2ae_failed_agw_unavailable",   0,
		&_medsec_st[MEDSEC_ST_FAILED_AGW_UNAVAILABLE]},
	{"e2ae_failed_agw_error",         0,
		&_medsec_st[MEDSEC_ST_FAILED_AGW_ERROR]},
	{"registrations", STAT_IS_FUNC | STAT_NO_RESET,
		(stat_var **)st_registrations},
	{"sessions",      STAT_IS_FUNC | STAT_NO_RESET,
		(stat_var **)st_sessions},
	{0, 0, 0}
};
/* clang-format on */

int medsec_stats_init(void)
{
	if(register_module_stats("ims_medsec", _medsec_stat_exports) != 0) {
		LM_ERR("cannot register the statistics\n");
		return -1;
	}
	return 0;
}

void medsec_stats_inc(medsec_stat_t s)
{
	medsec_stats_add(s, 1);
}

void medsec_stats_add(medsec_stat_t s, unsigned long n)
{
	if(s < MEDSEC_ST_COUNT && _medsec_st[s] != NULL && n > 0)
		update_stat(_medsec_st[s], (long)n);
}

/* The counter of a refusal's reason.  Only offers and answers are
 * refused (the AGW's SDP fails, see medsec_stats_failed): what is neither
 * malformed, nor a crypto or answer mismatch, is the P-CSCF's policy. */
static medsec_stat_t refused_stat(medsec_e2ae_code_t code)
{
	switch(code) {
		case MEDSEC_E2AE_NO_CRYPTO:
			return MEDSEC_ST_REFUSED_NO_CRYPTO;
		case MEDSEC_E2AE_MALFORMED_SDP:
			return MEDSEC_ST_REFUSED_MALFORMED;
		case MEDSEC_E2AE_ANSWER:
			return MEDSEC_ST_REFUSED_ANSWER;
		default:
			return MEDSEC_ST_REFUSED_POLICY;
	}
}

void medsec_stats_refused(medsec_e2ae_code_t code)
{
	medsec_stats_inc(MEDSEC_ST_REFUSED);
	medsec_stats_inc(refused_stat(code));
}

void medsec_stats_failed(int r)
{
	medsec_stats_inc(MEDSEC_ST_FAILED);
	medsec_stats_inc(r == MEDSEC_ERR_AGW ? MEDSEC_ST_FAILED_AGW_UNAVAILABLE
										 : MEDSEC_ST_FAILED_AGW_ERROR);
}

void medsec_stats_e2e(const medsec_e2ae_state_t *st)
{
	medsec_stats_inc(st->e2e_reason == MEDSEC_E2E_KMS ? MEDSEC_ST_E2E_KMS
													  : MEDSEC_ST_E2E_SDES);
}

static void count_suite(unsigned int suite)
{
	switch(suite) {
		case MEDSEC_SUITE_AES_CM_128_HMAC_SHA1_80:
			medsec_stats_inc(MEDSEC_ST_SUITE_80);
			break;
		case MEDSEC_SUITE_AES_CM_128_HMAC_SHA1_32:
			medsec_stats_inc(MEDSEC_ST_SUITE_32);
			break;
		case MEDSEC_SUITE_UNKNOWN:
			break;
		default:
			medsec_stats_inc(MEDSEC_ST_SUITE_OTHER);
	}
}

void medsec_stats_session(
		const medsec_e2ae_state_t *st, const uint8_t *answered)
{
	int i;

	if(st->mode == MEDSEC_MODE_PLAIN) {
		medsec_stats_inc(MEDSEC_ST_PLAIN);
		return;
	}
	if(st->mode != MEDSEC_MODE_E2AE)
		return;
	medsec_stats_inc(st->offer_from_ue ? MEDSEC_ST_APPLIED_ORIG
									   : MEDSEC_ST_APPLIED_TERM);
	for(i = 0; i < st->nmedia && i < MEDSEC_SDP_MAX_MEDIA; i++)
		count_suite(medsec_e2ae_line_suite(st, answered, i));
}
