/*
 * ims_medsec: module statistics (kamcmd stats.get_statistics ims_medsec:).
 *
 * Counters are Kamailio counters (per process, summed when read); the
 * gauges "registrations" and "sessions" are function statistics reading
 * the current sizes of the shared tables.
 */
#ifndef MEDSEC_STATS_H
#define MEDSEC_STATS_H

#include <stdint.h>

#include "medsec_e2ae.h"

typedef enum medsec_stat
{
	MEDSEC_ST_REFUSED = 0,	/* e2ae_refused: 488 sent, answer refused */
	MEDSEC_ST_FAILED,		/* e2ae_failed: AGW unavailable or bad SDP */
	MEDSEC_ST_AGW_REQUESTS, /* agw_requests: ng offer/answer/delete */
	MEDSEC_ST_AGW_FAILURES, /* agw_failures: no reply, or an error */
	MEDSEC_ST_REG_MEDIASEC, /* registrations_mediasec: 401/200 indicated */
	MEDSEC_ST_APPLIED_ORIG, /* e2ae_applied_orig */
	MEDSEC_ST_APPLIED_TERM, /* e2ae_applied_term */
	MEDSEC_ST_E2E_SDES,		/* e2e_passthrough */
	MEDSEC_ST_E2E_KMS,		/* e2e_kms */
	MEDSEC_ST_PLAIN,		/* plain_anchored */
	MEDSEC_ST_SUITE_80,		/* suite_aes_cm_128_hmac_sha1_80 */
	MEDSEC_ST_SUITE_32,		/* suite_aes_cm_128_hmac_sha1_32 */
	MEDSEC_ST_SUITE_OTHER,	/* suite_other */
	MEDSEC_ST_AGW_WARNINGS, /* agw_warnings: replies with a warning */
	MEDSEC_ST_FORKS,		/* forked_branches: early dialogs beyond one */
	MEDSEC_ST_HAIRPIN, /* hairpin_calls: a call's second passage (UE to UE) */
	/* e2ae_refused by reason (they add up to it) */
	MEDSEC_ST_REFUSED_NO_CRYPTO, /* e2ae_refused_no_acceptable_crypto */
	MEDSEC_ST_REFUSED_MALFORMED, /* e2ae_refused_malformed_sdp */
	MEDSEC_ST_REFUSED_POLICY,	 /* e2ae_refused_policy */
	MEDSEC_ST_REFUSED_ANSWER,	 /* e2ae_refused_answer */
	/* e2ae_failed by reason (they add up to it) */
	MEDSEC_ST_FAILED_AGW_UNAVAILABLE, /* e2ae_failed_agw_unavailable */
	MEDSEC_ST_FAILED_AGW_ERROR,		  /* e2ae_failed_agw_error */
	MEDSEC_ST_AGW_TIMEOUTS,	 /* agw_timeouts: ng commands without a reply */
	MEDSEC_ST_AGW_FAILOVERS, /* agw_failovers: new calls moved past a node */
	MEDSEC_ST_REG_ENDED, /* registrations_ended: with ims_usrloc_pcscf's contact */
	MEDSEC_ST_COUNT
} medsec_stat_t;

/* Register the statistics (mod_init, before the fork). */
int medsec_stats_init(void);

void medsec_stats_inc(medsec_stat_t s);
void medsec_stats_add(medsec_stat_t s, unsigned long n);

/* An offer or answer refused by e2ae (code: the result's, or
 * MEDSEC_E2AE_POLICY for what the glue refuses itself): e2ae_refused and
 * its e2ae_refused_<reason>. */
void medsec_stats_refused(medsec_e2ae_code_t code);

/* The media of an offer or answer could not be set up in the AGW: r is
 * MEDSEC_ERR_AGW (no node answered, none enabled, overloaded: 503) or
 * another error (the AGW's error reply, its SDP failed a check: 500).
 * Counts e2ae_failed and its e2ae_failed_<reason>. */
void medsec_stats_failed(int r);

/* A new call's offer is passed end-to-end (mode E2E): counts it by its
 * e2e_reason. */
void medsec_stats_e2e(const medsec_e2ae_state_t *st);

/* A call's first answer went through the AGW: counts its mode (e2ae
 * originating or terminating, plain) and, per e2ae media line, the suite
 * in use: the line chosen at the offer (originating) or, from answered
 * (indexed by media line, may be NULL), the one the UE answered with
 * (terminating). */
void medsec_stats_session(
		const medsec_e2ae_state_t *st, const uint8_t *answered);

#endif
