/*
 * ims_medsec: the e2ae procedures of TS 33.328 7.2.1 (originating) and 7.3.1
 * (terminating) as pure SDP transformations.
 *
 * Pure: the Kamailio glue gives it SDP bodies and the facts it needs (which
 * side sent the body, whether the UE is e2ae-registered, the policy), and
 * gets back the SDP to hand to the AGW or to forward, the ng options, and a
 * small state to keep between offer and answer.
 *
 * An offer goes through medsec_e2ae_offer() (what to send to the AGW) and
 * medsec_e2ae_offer_reply() (the AGW's SDP toward the answerer); an answer
 * through medsec_e2ae_answer() and medsec_e2ae_answer_reply().  When
 * use_agw is 0 (end-to-end security), the body from medsec_e2ae_offer() or
 * medsec_e2ae_answer() is forwarded as it is.
 */
#ifndef MEDSEC_E2AE_H
#define MEDSEC_E2AE_H

#include <stddef.h>
#include <stdint.h>

#include "medsec_crypto.h"
#include "medsec_policy.h"
#include "medsec_sdp.h"

#define MEDSEC_MAX_OFFERED 8

typedef enum medsec_mode
{
	MEDSEC_MODE_NONE = 0,
	MEDSEC_MODE_PLAIN = 1,	 /* anchored in the AGW, no SRTP termination */
	MEDSEC_MODE_E2AE = 2,	 /* SRTP terminated in the AGW on the UE side */
	MEDSEC_MODE_E2E = 3,	 /* end-to-end security: untouched, not anchored */
	MEDSEC_MODE_REFUSED = 4, /* its final answer was refused: reject again */
} medsec_mode_t;

/* Why an offer is end-to-end (for counters). */
#define MEDSEC_E2E_SDES 1 /* SRTP offer without "requested" */
#define MEDSEC_E2E_KMS 2  /* a=key-mgmt (TS 33.328 5.4.3, MIKEY-TICKET) */
#define MEDSEC_E2E_UNREGISTERED 3 /* "requested" from a UE without mediasec */

typedef struct medsec_e2ae_media
{
	uint8_t e2ae;	  /* this m-line is e2ae */
	uint8_t noffered; /* crypto lines the answer may pick from */
	struct
	{
		uint32_t tag;
		uint8_t suite;
	} offered[MEDSEC_MAX_OFFERED];
} medsec_e2ae_media_t;

/* What an offer decided, kept (in shared memory) until its answer. */
typedef struct medsec_e2ae_state
{
	uint8_t mode;		   /* medsec_mode_t */
	uint8_t offer_from_ue; /* the offerer is the UE */
	uint8_t e2e_reason;	   /* MEDSEC_E2E_* when mode is E2E */
	uint8_t nmedia;
	medsec_e2ae_media_t m[MEDSEC_SDP_MAX_MEDIA];
} medsec_e2ae_state_t;

typedef struct medsec_e2ae_ctx
{
	const medsec_policy_t *pol;
	int from_ue; /* the body comes from the UE side */
	int ue_e2ae; /* the served UE registered mediasec and policy allows */
	int reject_unregistered; /* "requested" without mediasec: 488 */
	medsec_sdp_t *sdp; /* scratch, large: the caller keeps one per process */
} medsec_e2ae_ctx_t;

/* Why a step failed, for counters (the text is in the result's reason). */
typedef enum medsec_e2ae_code
{
	MEDSEC_E2AE_OK = 0,
	/* the SDP does not parse, is too large or has too many media lines */
	MEDSEC_E2AE_MALFORMED_SDP,
	/* an e2ae media line of the UE's offer has no acceptable crypto line */
	MEDSEC_E2AE_NO_CRYPTO,
	/* what the P-CSCF does not allow: e2ae requested without an e2ae
	 * registration (reject_unregistered), e2ae and end-to-end media mixed
	 * in one offer; the glue adds forks that differ */
	MEDSEC_E2AE_POLICY,
	/* an answer that does not fit its offer (media lines, crypto tag and
	 * suite, one crypto line, session parameters) */
	MEDSEC_E2AE_ANSWER,
	/* the AGW's SDP failed a check (offer_reply, answer_reply) */
	MEDSEC_E2AE_AGW_SDP,
} medsec_e2ae_code_t;

typedef struct medsec_e2ae_result
{
	int status;				 /* 0, or the SIP code to refuse with (488, 500) */
	medsec_e2ae_code_t code; /* MEDSEC_E2AE_OK, or why it failed */
	const char *reason;		 /* static text for the Warning header and logs */
	const char *detail;		 /* NULL, or why (e.g. the last line's refusal) */
	int use_agw;			 /* send the body to the AGW */
	const char *transport;	 /* ng transport-protocol for an offer, or NULL */
	unsigned sdes_no;		 /* ng SDES-no-<suite>: bit (1 << suite) */
	size_t len;				 /* bytes written to the output buffer */
	/* medsec_e2ae_answer() of a terminating e2ae call: the suite the UE
	 * chose per media line (MEDSEC_SUITE_UNKNOWN: none) */
	uint8_t suite[MEDSEC_SDP_MAX_MEDIA];
} medsec_e2ae_result_t;

int medsec_e2ae_offer(const medsec_e2ae_ctx_t *ctx, const char *sdp, size_t len,
		medsec_e2ae_state_t *st, char *out, size_t cap,
		medsec_e2ae_result_t *res);
int medsec_e2ae_offer_reply(const medsec_e2ae_ctx_t *ctx,
		medsec_e2ae_state_t *st, const char *sdp, size_t len, char *out,
		size_t cap, medsec_e2ae_result_t *res);
int medsec_e2ae_answer(const medsec_e2ae_ctx_t *ctx,
		const medsec_e2ae_state_t *st, const char *sdp, size_t len, char *out,
		size_t cap, medsec_e2ae_result_t *res);
int medsec_e2ae_answer_reply(const medsec_e2ae_ctx_t *ctx,
		const medsec_e2ae_state_t *st, const char *sdp, size_t len, char *out,
		size_t cap, medsec_e2ae_result_t *res);

/* "ok", "malformed_sdp", "no_acceptable_crypto", "policy", "answer",
 * "agw_sdp" (static). */
const char *medsec_e2ae_code_name(medsec_e2ae_code_t code);

/*
 * An answer that must not pass but cannot be dropped (a proxy forwards
 * every 2xx, RFC 3261 16.7): the same SDP with every media line rejected
 * (port 0) and only the m= lines kept, so no key, address or indication
 * leaks and no media flows.  The e2ae media lines of st get the protocol
 * of the offer they answer (RTP/SAVP toward a UE offerer, RTP/AVP toward
 * the core).  A body that does not parse becomes a session without media.
 * Returns the length written, or 0 when out is too small.
 */
/* The suite media line i uses once answered: the one line an originating
 * offer gave the AGW, or answered[i] (the UE's pick in a terminating
 * answer, NULL when unknown); MEDSEC_SUITE_UNKNOWN when not e2ae. */
medsec_suite_t medsec_e2ae_line_suite(
		const medsec_e2ae_state_t *st, const uint8_t *answered, int i);

size_t medsec_e2ae_reject_all(medsec_sdp_t *scratch,
		const medsec_e2ae_state_t *st, const char *sdp, size_t len, char *out,
		size_t cap);

#endif
