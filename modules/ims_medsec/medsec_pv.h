/*
 * ims_medsec: what the script can read about the last offer or answer
 * ($medsec(...)), and the lawful-interception hook that hands the SDES
 * keys of e2ae sessions to the script (event_route[medsec:li-keys] or
 * a KEMI callback), off unless li_keys is set.
 */
#ifndef MEDSEC_PV_H
#define MEDSEC_PV_H

#include "core/pvar.h"
#include "core/str.h"
#include "core/parser/msg_parser.h"

#include "medsec_e2ae.h"
#include "medsec_sdp.h"

extern int medsec_li_keys;	   /* modparam li_keys */
extern str medsec_li_callback; /* modparam li_callback (KEMI) */

/* $medsec(name) */
int medsec_pv_parse_name(pv_spec_t *sp, str *in);
int medsec_pv_get(sip_msg_t *msg, pv_param_t *param, pv_value_t *res);

/* mod_init: find the event route; -1 when li_keys is set without one. */
int medsec_li_init(void);

/* Start of medsec_offer()/medsec_answer(): forget the last outcome. */
void medsec_outcome_reset(void);
/* The reason of a refusal or a failure (static text). */
void medsec_outcome_reason(const char *reason);
/* End: the result from the return code (MEDSEC_* of medsec_agw.h). */
void medsec_outcome_result(int code);

/* After an e2ae answer: $medsec(suite) is the suite of the first e2ae
 * media line (answered: the UE's picks of a terminating answer). */
void medsec_outcome_suite(
		const medsec_e2ae_state_t *st, const uint8_t *answered);

/*
 * An SDP of an e2ae session with the SDES keys of one side: ue_keys 1 for
 * the keys the UE sends with (its SDP toward the AGW), 0 for the AGW's
 * toward the UE.  With li_keys set, the event route (or KEMI callback)
 * runs once per crypto line; otherwise nothing is done.
 */
void medsec_outcome_keys(sip_msg_t *msg, medsec_sdp_t *scratch, const char *s,
		size_t len, int ue_keys);

#endif
