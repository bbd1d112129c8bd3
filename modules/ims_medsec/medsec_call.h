/*
 * ims_medsec: offer, answer and teardown of a call's media: the e2ae
 * procedures (medsec_e2ae.c) applied to SIP messages, with the AGW driven
 * through medsec_agw.c and the call's state kept in shared memory.
 */
#ifndef MEDSEC_CALL_H
#define MEDSEC_CALL_H

#include "core/sr_module.h"
#include "core/parser/msg_parser.h"

#include "medsec_e2ae.h"
#include "medsec_policy.h"

extern medsec_policy_t medsec_policy;
extern int medsec_reject_unregistered;
extern int medsec_session_timeout;
extern int medsec_session_table_size;

/* modparam "e2ae_suites" */
int medsec_call_set_suites(modparam_t type, void *val);
/* 1 for "ue", 0 for "core", -1 otherwise. */
int medsec_call_side(const str *side);

int medsec_call_init(void);
void medsec_call_destroy(void);
void medsec_call_expire(void);
/* Seconds between expiry passes: a fifth of session_timeout, 1..60. */
int medsec_call_timer_interval(void);
unsigned int medsec_call_count(void);

/* "e2ae", "end-to-end", "plain", "refused" or "none". */
const char *medsec_call_mode_name(int mode);

/* Called per live call with its table slot locked (copy, do not block):
 * node is the AGW node or -1; ttl the seconds left.  Non-zero stops. */
typedef int (*medsec_call_walk_f)(const str *callid, int node,
		const medsec_e2ae_state_t *st, int ttl, void *param);
unsigned int medsec_call_walk(medsec_call_walk_f f, void *param);

/* from_ue: the offer comes from the UE side ("ue") or the core ("core"). */
int medsec_call_offer(sip_msg_t *msg, int from_ue);
int medsec_call_answer(sip_msg_t *msg);
int medsec_call_delete(sip_msg_t *msg);

#endif
