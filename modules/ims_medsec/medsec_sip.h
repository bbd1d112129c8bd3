/*
 * ims_medsec: access to the parts of a SIP message the AGW needs (dialog
 * identifiers and the SDP body), and replacement of the body through lumps.
 */
#ifndef MEDSEC_SIP_H
#define MEDSEC_SIP_H

#include "core/str.h"
#include "core/parser/msg_parser.h"

typedef struct medsec_ids
{
	str callid;
	str from_tag;
	str to_tag; /* empty when the To header has no tag */
	/* branch of the upstream Via (a request's top Via, the Via under ours
	 * in a reply): one per forked INVITE; empty when there is none */
	str via_branch;
	int cseq_invite; /* the CSeq method is INVITE */
} medsec_ids_t;

/* Call-ID, From and To tags, upstream Via branch and CSeq method; -1 when
 * one is unusable. */
int medsec_sip_ids(sip_msg_t *msg, medsec_ids_t *ids);
/* 1 for an initial INVITE: a request without To tag (ids from
 * medsec_sip_ids). */
int medsec_sip_initial_invite(sip_msg_t *msg, const medsec_ids_t *ids);
/* 1 when this is the request's first passage through this proxy: no Via
 * of ours in a request, none under the top one (ours) in a reply; 0 when
 * the request passed here before (a hairpin's second passage). */
int medsec_sip_first_passage(sip_msg_t *msg);
/* "IP4" or "IP6": the address family of where a request goes next (its
 * forced send socket, else the host of its destination URI or
 * Request-URI when that is an IP address); NULL when unknown or for a
 * reply. */
const char *medsec_sip_out_family(sip_msg_t *msg);
/* The SDP body (application/sdp); -1 when the message carries none. */
int medsec_sip_sdp(sip_msg_t *msg, str *body);
/* Replace the body (found by medsec_sip_sdp) with a copy of sdp. */
int medsec_sip_replace_body(sip_msg_t *msg, const str *body, const str *sdp);

#endif

/* Bind the sl API (for refusals); in mod_init. */
int medsec_sip_init(void);
/* Reply to a request with code, reason and "Warning: 399 ims_medsec
 * \"<warning>\"" (statefully when a transaction exists).  Extra headers
 * (each ending in CRLF) may be given in hdrs, or NULL. */
int medsec_sip_refuse(sip_msg_t *msg, int code, const char *reason,
		const char *warning, const char *hdrs);
