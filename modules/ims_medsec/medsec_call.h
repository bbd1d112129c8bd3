/*
 * ims_medsec: offers and answers of a call's legs: the e2ae procedures
 * (medsec_e2ae.c) applied to SIP messages, with the AGW driven through
 * medsec_agw.c and the legs kept in the session table (medsec_session.c).
 */
#ifndef MEDSEC_CALL_H
#define MEDSEC_CALL_H

#include "core/sr_module.h"
#include "core/parser/msg_parser.h"

#include "medsec_e2ae.h"
#include "medsec_policy.h"

extern medsec_policy_t medsec_policy;
extern int medsec_reject_unregistered;
/* modparam "hairpin_plain_peer": 1 for "refuse" */
extern int medsec_hairpin_refuse_plain;

/* modparam "e2ae_suites" */
int medsec_call_set_suites(modparam_t type, void *val);
/* modparam "hairpin_plain_peer": "plain" or "refuse" */
int medsec_call_set_hairpin_peer(modparam_t type, void *val);
/* 1 for "ue", 0 for "core", -1 otherwise. */
int medsec_call_side(const str *side);

/* "e2ae", "end-to-end", "plain", "refused" or "none". */
const char *medsec_call_mode_name(int mode);

/* from_ue: the offer comes from the UE side ("ue") or the core ("core"). */
int medsec_call_offer(sip_msg_t *msg, int from_ue);
int medsec_call_answer(sip_msg_t *msg);

#endif
