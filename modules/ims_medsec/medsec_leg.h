/*
 * ims_medsec: the legs of a call, as pure data (no Kamailio include, no
 * allocation; unit-tested in tests/test_leg.c).
 *
 * One SIP call (one Call-ID) may cross this P-CSCF more than once and fork:
 *
 *   - a passage: the call enters from the access side for its caller (the
 *     originating leg, role ORIG: medsec_offer("ue") on the initial INVITE)
 *     and from the core side for its callee (role TERM).  A UE calling a UE
 *     of the same P-CSCF (a hairpin) has both, with the same Call-ID, From
 *     tag and CSeq: the S-CSCF is a proxy;
 *   - a parallel fork: the same passage in several INVITE transactions (the
 *     S-CSCF rings two contacts), told apart by the upstream Via branch;
 *   - an early dialog: a downstream fork answers one INVITE with several To
 *     tags.
 *
 * A leg is (role, upstream Via branch of its initial INVITE): it has its
 * own e2ae state (each fork may be e2ae, plain or end-to-end) and its early
 * dialogs.  The legs of one role share one AGW call (rtpengine branches by
 * via-branch and to-tag); a role that joins a call whose other role exists
 * gets an AGW call of its own, named "<Call-ID>;mo" or "<Call-ID>;mt" (';'
 * cannot occur in a SIP Call-ID), so rtpengine never sees its own SDP come
 * back under the call and From tag it issued it for.
 */
#ifndef MEDSEC_LEG_H
#define MEDSEC_LEG_H

#include <stddef.h>
#include <stdint.h>

#include "medsec_e2ae.h"

#define MEDSEC_MAX_LEGS 4
#define MEDSEC_MAX_DIALOGS 4 /* early dialogs per leg */
#define MEDSEC_TAG_MAX 64

typedef enum medsec_role
{
	MEDSEC_ROLE_NONE = 0,
	MEDSEC_ROLE_ORIG = 1, /* serves the caller (the From-tag party) */
	MEDSEC_ROLE_TERM = 2, /* serves the callee */
} medsec_role_t;

/* An early dialog: the callee's tag (the To tag of the initial INVITE). */
typedef struct medsec_dialog
{
	uint8_t len; /* 0: a free slot */
	char tag[MEDSEC_TAG_MAX];
} medsec_dialog_t;

typedef struct medsec_leg
{
	uint32_t via;		  /* hash of the upstream Via branch; 0: free slot */
	int32_t node;		  /* AGW node, -1 when the media is not anchored */
	uint64_t packets;	  /* RTP packets the AGW had seen at the last expiry */
	uint8_t role;		  /* medsec_role_t */
	uint8_t named;		  /* its AGW call is "<Call-ID>;mo" / ";mt" */
	uint8_t answered;	  /* an answer went through (the leg is counted) */
	uint8_t confirmed;	  /* a 2xx answered its initial INVITE */
	uint8_t late;		  /* INVITE without SDP: 1 the offer will be in a reply,
						   * 2 it was, the answer comes in the PRACK or ACK */
	uint8_t late_from_ue; /* that INVITE came from the UE side */
	uint8_t late_ue_e2ae; /* and the UE it serves is e2ae */
	uint8_t suite; /* first e2ae line's suite once answered (medsec_suite_t) */
	medsec_dialog_t dlg[MEDSEC_MAX_DIALOGS];
	medsec_e2ae_state_t st;
} medsec_leg_t;

/* What a call keeps between its messages (the session table's value). */
typedef struct medsec_call
{
	uint32_t caller; /* hash of the caller's From tag; 0 until known */
	uint32_t pad;
	medsec_leg_t leg[MEDSEC_MAX_LEGS];
} medsec_call_t;

/* An empty call: no leg, every node -1. */
void medsec_call_clear(medsec_call_t *c);

/* FNV-1a of s, never 0 (0 marks a free slot). */
uint32_t medsec_leg_hash(const char *s, size_t len);

/* The leg of role with this Via hash (via 0: the first leg of role), or
 * -1. */
int medsec_leg_find(const medsec_call_t *c, int role, uint32_t via);
/* Bit (1 << role) for each role that has a leg. */
unsigned int medsec_leg_roles(const medsec_call_t *c);
/* Legs in use (of role; MEDSEC_ROLE_NONE: of any role). */
int medsec_leg_count(const medsec_call_t *c, int role);

/*
 * Take a free slot for the leg (role, via): a parallel fork of a role that
 * has a leg shares its AGW call (node, name); the first leg of a role that
 * joins the other role's call gets a named AGW call.  The index, or -1 when
 * every slot is taken.
 */
int medsec_leg_add(medsec_call_t *c, int role, uint32_t via);
/* Free slot i. */
void medsec_leg_remove(medsec_call_t *c, int i);
/* Another leg of the same role as leg i (its AGW call goes on), or -1. */
int medsec_leg_sibling(const medsec_call_t *c, int i);

/* The early dialog with this callee tag, or -1. */
int medsec_dialog_find(const medsec_leg_t *l, const char *tag, size_t len);
/* Its slot (added when new; *added set to 1 then), or -1 when the tag is
 * empty, longer than MEDSEC_TAG_MAX, or every slot is taken. */
int medsec_dialog_add(medsec_leg_t *l, const char *tag, size_t len, int *added);

/*
 * The leg of role that an in-dialog message or a reply belongs to, given
 * the callee's tag (empty when unknown) and the upstream Via hash (0 when
 * it does not apply): the leg of that Via, else the leg holding that early
 * dialog, else the confirmed leg, else the only leg of role; -1 otherwise.
 */
int medsec_leg_pick(const medsec_call_t *c, int role, uint32_t via,
		const char *callee_tag, size_t len);

/* What SIP tells about one passage of a message through this proxy. */
typedef struct medsec_passage
{
	int initial;	   /* an initial INVITE (a request without To tag) */
	int side;		   /* 1: arrived from the UE side, 0: from the core,
						* -1: unknown (replies, in-dialog teardown) */
	int sender_caller; /* the request's From tag is the caller's */
	int first;		   /* the request's first passage through this proxy
						* (no Via of ours in a request, none under our top
						* one in a reply) */
} medsec_passage_t;

/*
 * The role a message serves.  An initial INVITE: its side.  A call with
 * legs of one role: that role.  A hairpin (both roles): the passage nearer
 * the request's sender serves the sender, the other the receiver; the side,
 * when known, tells which passage this is (from the UE side: the sender's),
 * else the Via stack does.  MEDSEC_ROLE_NONE when the call has no leg.
 */
int medsec_leg_role(const medsec_call_t *c, const medsec_passage_t *p);

/*
 * Several processes handle one call's messages at once (a hairpin's two
 * passages, two forks' 183s).  A process stores what it computed (mine)
 * from the value it read (base; NULL when it found none) into the value
 * stored meanwhile: legs it removed go, legs it changed or added replace
 * the stored ones (their early dialogs merged: its additions and removals
 * applied to the stored set), legs it did not touch stay as stored.
 * Returns the number of legs that found no free slot (dropped).
 */
int medsec_call_merge(medsec_call_t *stored, const medsec_call_t *mine,
		const medsec_call_t *base);

/* "orig", "term" or "none" (static). */
const char *medsec_role_name(int role);

#endif
