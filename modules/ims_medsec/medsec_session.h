/*
 * ims_medsec: per-call state shared by all processes (shared memory).
 *
 * Every command of one call must reach the rtpengine node that took its
 * first offer, whichever SIP worker handles it.  This table maps a Call-ID
 * to that node.  Entries are removed on delete and expire when unused.
 */
#ifndef MEDSEC_SESSION_H
#define MEDSEC_SESSION_H

#include "core/str.h"

int medsec_session_init(unsigned int size);
void medsec_session_destroy(void);

/* Record (or update) the node of a call. */
int medsec_session_set(const str *callid, int node);
/* The node of a known call, refreshing its expiry; -1 when unknown. */
int medsec_session_node(const str *callid);
/* Forget a call; 0 when it was known, -1 otherwise. */
int medsec_session_del(const str *callid);
/* Number of calls known. */
unsigned int medsec_session_count(void);
/* Timer callback: drop calls unused for longer than the session timeout. */
void medsec_session_expire(unsigned int ticks, void *param);

extern int medsec_session_timeout;

#endif
