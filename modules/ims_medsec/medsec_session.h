/*
 * ims_medsec: the session table (Call-ID -> the call's legs, medsec_leg.h)
 * in shared memory, which leg a message belongs to, the AGW identifiers of
 * a leg, teardown, and the expiry of calls that lost their SIP.
 */
#ifndef MEDSEC_SESSION_H
#define MEDSEC_SESSION_H

#include "core/parser/msg_parser.h"

#include "medsec_leg.h"
#include "medsec_sip.h"

/* Call-IDs kept whole for the AGW call names and the expiry pass. */
#define MEDSEC_CALLID_MAX 256

extern int medsec_session_timeout;
extern int medsec_session_table_size;

int medsec_session_init(void);
void medsec_session_destroy(void);
/* Seconds between expiry passes: a fifth of session_timeout, 1..60. */
int medsec_session_timer_interval(void);
void medsec_session_expire(void);
/* Calls in the table. */
unsigned int medsec_session_count(void);

/* Copy the call to c; refresh its expiry when refresh is set.  0 when it
 * is known, -1 otherwise. */
int medsec_session_get(const str *callid, medsec_call_t *c, int refresh);
/*
 * Store the call computed from base (what this process read, NULL when it
 * found none): merged with what other processes stored meanwhile
 * (medsec_call_merge).  A call left without legs is removed.  1 when it
 * merged into an entry stored meanwhile by another process (base NULL),
 * 0 otherwise, -1 on error.
 */
int medsec_session_store(
		const str *callid, const medsec_call_t *c, const medsec_call_t *base);
/* The same; *roles: the roles (bits, medsec_leg_roles) the stored entry
 * had before this merge, under its lock (0 when inserted): what a new leg
 * joined, whatever other processes stored meanwhile. */
int medsec_session_store_roles(const str *callid, const medsec_call_t *c,
		const medsec_call_t *base, unsigned int *roles);

/* The leg a message belongs to (medsec_leg_role, medsec_leg_pick): side 1
 * or 0 when the script told it (offers), -1 otherwise.  -1 when none. */
int medsec_session_leg(sip_msg_t *msg, const medsec_ids_t *ids,
		const medsec_call_t *c, int side);
/* The passage facts of a message (medsec_leg_role's input). */
void medsec_session_passage(sip_msg_t *msg, const medsec_ids_t *ids,
		const medsec_call_t *c, int side, medsec_passage_t *p);

/* ids with the leg's AGW call name: the Call-ID, or "<Call-ID>;mo" /
 * ";mt" (in a per-process buffer, valid until the next call). */
void medsec_session_ng_name(medsec_ids_t *ids, const medsec_leg_t *l);
/* ng delete of the leg's whole AGW call (Call-ID and From tag), when it is
 * anchored. */
int medsec_session_agw_delete(const medsec_ids_t *ids, const medsec_leg_t *l);

/* ids names one early dialog's AGW branch for a delete: its own tag (the
 * To tag of the dialog) as from-tag, no to-tag.  A delete that names the
 * caller's tag with the dialog's as to-tag removes that branch only on
 * rtpengine 10.5; 12.5 removes both monologues of that dialogue, the
 * caller's included, and with it the whole call (case 68).  Naming the
 * branch's own monologue removes just that one on both. */
void medsec_session_branch_ids(medsec_ids_t *ids, const char *tag, int len);

/* Release leg i on the AGW: its fork's branch when a sibling leg goes on
 * with the AGW call, else the whole AGW call of its role. */
int medsec_session_leg_release(
		const medsec_ids_t *ids, const medsec_call_t *c, int i);

/* BYE, a failed initial INVITE (failure_route) or one never relayed:
 * releases what the message's leg holds on the AGW (medsec_delete()). */
int medsec_session_delete(sip_msg_t *msg);

/* Called per leg with the table slot locked (copy, do not block): ttl in
 * seconds.  Non-zero stops. */
typedef int (*medsec_session_walk_f)(
		const str *callid, const medsec_leg_t *l, int ttl, void *param);
unsigned int medsec_session_walk(medsec_session_walk_f f, void *param);

#endif
