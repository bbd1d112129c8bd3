/*
 * ims_medsec: a call's offers and answers through the e2ae procedures and
 * the AGW, one leg at a time (medsec_leg.h).  Each step: find the leg,
 * transform (medsec_e2ae.c), anchor (medsec_agw.c), commit (the session
 * table and the message body).
 */
#include <string.h>
#include <strings.h>

#include "core/dprint.h"

#include "medsec_agw.h"
#include "medsec_call.h"
#include "medsec_e2ae.h"
#include "medsec_policy_shm.h"
#include "medsec_pv.h"
#include "medsec_reg.h"
#include "medsec_session.h"
#include "medsec_sip.h"
#include "medsec_stats.h"

medsec_policy_t medsec_policy;
int medsec_reject_unregistered = 0;
int medsec_hairpin_refuse_plain = 0;

/* per-process scratch: the SIP hot path does not allocate */
static medsec_sdp_t _medsec_sdp;
static char _medsec_out1[MEDSEC_SDP_MAX_LEN];
static char _medsec_out2[MEDSEC_SDP_MAX_LEN];
/* bytes of each scratch body that may hold keys, wiped after the message */
static size_t _medsec_dirty1, _medsec_dirty2;

/* A scratch write returned rc (0 ok): len bytes were written, or, on an
 * error, possibly the whole buffer. */
static void dirty(size_t *d, int rc, size_t len, size_t cap)
{
	size_t n = rc == 0 && len < cap ? len : cap;

	if(n > *d)
		*d = n;
}

int medsec_call_set_suites(modparam_t type, void *val)
{
	const char *why = "";
	char *s = (char *)val;

	if(medsec_policy_set_suites(&medsec_policy, s, strlen(s), &why) < 0) {
		LM_ERR("e2ae_suites '%s': %s\n", s, why);
		return -1;
	}
	return 0;
}

int medsec_call_set_hairpin_peer(modparam_t type, void *val)
{
	const char *s = (const char *)val;

	if(strcasecmp(s, "plain") == 0)
		medsec_hairpin_refuse_plain = 0;
	else if(strcasecmp(s, "refuse") == 0)
		medsec_hairpin_refuse_plain = 1;
	else {
		LM_ERR("hairpin_plain_peer '%s': \"plain\" or \"refuse\"\n", s);
		return -1;
	}
	return 0;
}

int medsec_call_side(const str *side)
{
	if(side->len == 2 && strncasecmp(side->s, "ue", 2) == 0)
		return 1;
	if(side->len == 4 && strncasecmp(side->s, "core", 4) == 0)
		return 0;
	return -1;
}

const char *medsec_call_mode_name(int mode)
{
	switch(mode) {
		case MEDSEC_MODE_E2AE:
			return "e2ae";
		case MEDSEC_MODE_E2E:
			return "end-to-end";
		case MEDSEC_MODE_PLAIN:
			return "plain";
		case MEDSEC_MODE_REFUSED:
			return "refused";
	}
	return "none";
}

/* What one offer or answer works on. */
typedef struct step
{
	sip_msg_t *msg;
	medsec_ids_t ids;	/* the message's own */
	medsec_ids_t ng;	/* oriented for rtpengine, the leg's AGW call name */
	medsec_call_t call; /* what this process computes */
	medsec_call_t base; /* what it read */
	int known;			/* base holds a stored call */
	int li;				/* the leg's index in call */
	int new_leg;		/* this offer made the leg */
	str body;			/* the message's SDP */
	str sdp1;			/* what the AGW gets */
	medsec_e2ae_ctx_t ctx;
	medsec_e2ae_result_t res;
} step_t;

#define LEG(s) (&(s)->call.leg[(s)->li])

/* Everything the module refuses or fails itself: SIP reply (requests
 * only), Warning, counter, return code. */
typedef enum fail
{
	F_IDS,		  /* no Call-ID, From tag or CSeq */
	F_NO_SDP,	  /* an offer without SDP where one is needed */
	F_NO_LEG,	  /* an in-dialog offer for a call or leg never seen */
	F_NO_OFFER,	  /* an answer in a PRACK/ACK without an offer in a reply */
	F_FORKS,	  /* more legs than MEDSEC_MAX_LEGS */
	F_PEER_PLAIN, /* hairpin_plain_peer "refuse" */
	F_AGW_DOWN,	  /* no AGW node answered (or load limit) */
	F_AGW_ERROR,  /* the AGW answered with an error */
	F_AGW_CHECK,  /* the AGW's SDP failed a check (reason: the check's) */
	F_STORE,	  /* the session could not be stored or the body replaced */
	F_COUNT
} fail_t;

enum
{
	C_NONE,
	C_FAILED,
	C_REFUSED
};

/* clang-format off */
static const struct
{
	int status;
	const char *phrase;
	const char *warning;
	int rc;
	int counter;
	const char *hdrs;
} _fail[F_COUNT] = {
	[F_IDS] = {400, "Bad Request", "no dialog identifiers",
		MEDSEC_ERR_MSG, C_NONE, NULL},
	[F_NO_SDP] = {400, "Bad Request", "no SDP offer",
		MEDSEC_ERR_MSG, C_NONE, NULL},
	[F_NO_LEG] = {481, "Call/Transaction Does Not Exist",
		"no media session for this dialog", MEDSEC_ERR_NOCALL, C_NONE, NULL},
	[F_NO_OFFER] = {488, "Not Acceptable Here", "SDP answers no pending offer",
		MEDSEC_ERR_MSG, C_NONE, NULL},
	[F_FORKS] = {503, "Service Unavailable", "too many forked branches",
		MEDSEC_ERR_AGW, C_NONE, NULL},
	[F_PEER_PLAIN] = {488, "Not Acceptable Here",
		"the called UE cannot receive e2ae media", MEDSEC_ERR_REFUSED,
		C_REFUSED, NULL},
	[F_AGW_DOWN] = {503, "Service Unavailable", "media gateway unavailable",
		MEDSEC_ERR_AGW, C_FAILED, "Retry-After: 30\r\n"},
	[F_AGW_ERROR] = {500, "Server Internal Error",
		"media gateway refused the session", MEDSEC_ERR_INTERNAL, C_FAILED,
		NULL},
	[F_AGW_CHECK] = {500, "Server Internal Error", NULL,
		MEDSEC_ERR_INTERNAL, C_FAILED, NULL},
	[F_STORE] = {500, "Server Internal Error", "session state lost",
		MEDSEC_ERR_MSG, C_NONE, NULL},
};
/* clang-format on */

/* Fail a step: count, log once, reply to a request; the return code. */
static int fail(step_t *s, fail_t f, const char *reason)
{
	const char *w = reason ? reason : _fail[f].warning;

	if(_fail[f].counter == C_FAILED)
		medsec_stats_failed(_fail[f].rc);
	else if(_fail[f].counter == C_REFUSED)
		medsec_stats_refused(MEDSEC_E2AE_POLICY);
	medsec_outcome_reason(w);
	LM_NOTICE("call %.*s: %d %s\n", s->ids.callid.len,
			s->ids.callid.s ? s->ids.callid.s : "", _fail[f].status, w);
	medsec_sip_refuse(
			s->msg, _fail[f].status, _fail[f].phrase, w, _fail[f].hdrs);
	return _fail[f].rc;
}

/* e2ae refused an offer or an answer: log, and reply to a request. */
static int refused(step_t *s, const char *what)
{
	const medsec_e2ae_result_t *res = &s->res;

	LM_NOTICE("%s refused (call %.*s): %s%s%s\n", what, s->ids.callid.len,
			s->ids.callid.s, res->reason, res->detail ? ": " : "",
			res->detail ? res->detail : "");
	medsec_stats_refused(res->code);
	medsec_outcome_reason(res->reason);
	medsec_sip_refuse(s->msg, res->status,
			res->status == 488	 ? "Not Acceptable Here"
			: res->status == 400 ? "Bad Request"
								 : "Server Internal Error",
			res->reason, NULL);
	return MEDSEC_ERR_REFUSED;
}

static int mode_code(int mode)
{
	return mode == MEDSEC_MODE_E2AE	 ? MEDSEC_OK
		   : mode == MEDSEC_MODE_E2E ? MEDSEC_E2E
									 : MEDSEC_PLAIN;
}

/* Replace the body when the new one differs. */
static int set_body(sip_msg_t *msg, const str *body, const char *s, size_t len)
{
	str n;

	if(len == (size_t)body->len && memcmp(body->s, s, len) == 0)
		return 0;
	n.s = (char *)s;
	n.len = (int)len;
	return medsec_sip_replace_body(msg, body, &n);
}

static void ctx_init(medsec_e2ae_ctx_t *ctx, int from_ue, int ue_e2ae)
{
	ctx->pol = &medsec_policy;
	ctx->from_ue = from_ue;
	ctx->ue_e2ae = ue_e2ae;
	ctx->reject_unregistered = medsec_reject_unregistered;
	ctx->sdp = &_medsec_sdp;
}

/* The message's identifiers and the stored call (or an empty one), its
 * expiry refreshed when refresh is set. */
static int step_begin(step_t *s, sip_msg_t *msg, int refresh)
{
	memset(&s->ids, 0, sizeof(s->ids));
	s->msg = msg;
	s->li = -1;
	s->new_leg = 0;
	if(medsec_sip_ids(msg, &s->ids) < 0)
		return -1;
	s->known = medsec_session_get(&s->ids.callid, &s->base, refresh) == 0;
	if(s->known)
		s->call = s->base;
	else
		medsec_call_clear(&s->call);
	return 0;
}

/*
 * ng identifiers oriented for rtpengine: from-tag is the offerer's tag.
 * An offer in a reply (late offer) and an answer in a request (ACK, PRACK)
 * come from the callee's side of the dialog, so the tags swap.  The
 * upstream Via branch goes along for the initial INVITE only (it separates
 * parallel forks; in-dialog messages are found by their tags).  The
 * Call-ID is the leg's AGW call name.
 */
static void ng_ids(step_t *s, int offer, int initial)
{
	int swap = offer ? s->msg->first_line.type == SIP_REPLY
					 : s->msg->first_line.type == SIP_REQUEST;

	s->ng = s->ids;
	if(swap) {
		s->ng.from_tag = s->ids.to_tag;
		s->ng.to_tag = s->ids.from_tag;
	}
	if(!initial)
		s->ng.via_branch.len = 0;
	medsec_session_ng_name(&s->ng, LEG(s));
}

/* The leg an offer in a request is for: an initial INVITE makes it (a
 * new passage, a parallel fork) when it is new; anything else must find
 * it.  0, or the failure. */
static int offer_leg(step_t *s, int from_ue)
{
	int role = from_ue ? MEDSEC_ROLE_ORIG : MEDSEC_ROLE_TERM;
	uint32_t via;

	if(!medsec_sip_initial_invite(s->msg, &s->ids)) {
		if(!s->known
				|| (s->li = medsec_session_leg(
							s->msg, &s->ids, &s->call, from_ue))
						   < 0)
			return F_NO_LEG;
		return 0;
	}
	if(s->call.caller == 0)
		s->call.caller =
				medsec_leg_hash(s->ids.from_tag.s, s->ids.from_tag.len);
	via = medsec_leg_hash(s->ids.via_branch.s, s->ids.via_branch.len);
	if((s->li = medsec_leg_find(&s->call, role, via)) >= 0)
		return 0;
	if((s->li = medsec_leg_add(&s->call, role, via)) < 0) {
		LM_NOTICE("call %.*s: more than %d legs\n", s->ids.callid.len,
				s->ids.callid.s, MEDSEC_MAX_LEGS);
		return F_FORKS;
	}
	s->new_leg = 1;
	return 0;
}

/* Store the call; a new leg is counted by what it joined (decided under
 * the table's lock: forks and passages may arrive at the same instant):
 * a leg of its own role (a parallel fork) or only the other role's (a
 * hairpin's second passage).  -1 when it could not be stored. */
static int commit_store(step_t *s)
{
	unsigned int roles, own = 1U << LEG(s)->role;

	if(medsec_session_store_roles(
			   &s->ids.callid, &s->call, s->known ? &s->base : NULL, &roles)
			< 0)
		return -1;
	if(s->new_leg && (roles & own))
		medsec_stats_inc(MEDSEC_ST_FORKS);
	else if(s->new_leg && roles != 0)
		medsec_stats_inc(MEDSEC_ST_HAIRPIN);
	return 0;
}

/* Whether the UE this offer's leg serves is e2ae-registered. */
static int offer_ue_e2ae(step_t *s, int from_ue)
{
	const medsec_leg_t *l = LEG(s);

	if(s->msg->first_line.type == SIP_REQUEST)
		return from_ue ? medsec_reg_contact_is_e2ae(s->msg)
					   : medsec_reg_uri_is_e2ae(GET_RURI(s->msg));
	if(l->late) /* the UE is the one the INVITE went to */
		return l->late_ue_e2ae;
	return l->st.mode == MEDSEC_MODE_E2AE;
}

/* hairpin_plain_peer "refuse": the callee's leg of a hairpin whose
 * caller is e2ae must be e2ae too. */
static int peer_refused(const step_t *s)
{
	int o = medsec_leg_find(&s->call, MEDSEC_ROLE_ORIG, 0);

	return medsec_hairpin_refuse_plain && s->new_leg
		   && LEG(s)->role == MEDSEC_ROLE_TERM && o >= 0
		   && s->call.leg[o].st.mode == MEDSEC_MODE_E2AE
		   && LEG(s)->st.mode != MEDSEC_MODE_E2AE;
}

/* A refused offer of a hairpin's second passage is a hairpin call too
 * (commit_store counts the others): as far as this process read. */
static void count_refused_passage(const step_t *s)
{
	unsigned int own = 1U << LEG(s)->role;

	if(s->new_leg && s->known && !(medsec_leg_roles(&s->base) & own))
		medsec_stats_inc(MEDSEC_ST_HAIRPIN);
}

/* Transform: the e2ae offer procedure on the body (into _medsec_out1). */
static int offer_transform(step_t *s, int from_ue)
{
	medsec_leg_t *l = LEG(s);
	int r;

	/* a suite list set by RPC applies from this offer on */
	medsec_policy_shm_sync(&medsec_policy);
	ctx_init(&s->ctx, from_ue, offer_ue_e2ae(s, from_ue));
	r = medsec_e2ae_offer(&s->ctx, s->body.s, (size_t)s->body.len, &l->st,
			_medsec_out1, sizeof(_medsec_out1), &s->res);
	dirty(&_medsec_dirty1, r, s->res.len, sizeof(_medsec_out1));
	if(r != 0) {
		count_refused_passage(s);
		return refused(s, "offer");
	}
	if(peer_refused(s)) {
		count_refused_passage(s);
		return fail(s, F_PEER_PLAIN, NULL);
	}
	s->sdp1.s = _medsec_out1;
	s->sdp1.len = (int)s->res.len;
	return 0;
}

/* End-to-end media: the body passes (indications removed), not anchored. */
static int offer_untouched(step_t *s)
{
	medsec_leg_t *l = LEG(s);

	if(l->node >= 0) { /* the leg was anchored: it no longer is */
		medsec_session_leg_release(&s->ids, &s->call, s->li);
		l->node = -1;
	}
	if(commit_store(s) < 0
			|| set_body(s->msg, &s->body, s->sdp1.s, s->sdp1.len) < 0)
		return fail(s, F_STORE, NULL);
	if(s->new_leg)
		medsec_stats_e2e(&l->st);
	LM_INFO("call %.*s: %s media passed untouched (%s leg)\n",
			s->ids.callid.len, s->ids.callid.s,
			medsec_call_mode_name(l->st.mode), medsec_role_name(l->role));
	return MEDSEC_E2E;
}

/* What a failed offer made on the AGW goes: a new leg's session or
 * branch; a re-offer leaves the call as it was. */
static void offer_release(step_t *s)
{
	if(s->new_leg && LEG(s)->node >= 0)
		medsec_session_leg_release(&s->ids, &s->call, s->li);
}

/* Anchor: the AGW gets sdp1; its SDP toward the answerer, checked, goes
 * to _medsec_out2. */
static int offer_anchor(step_t *s)
{
	medsec_leg_t *l = LEG(s);
	str agw;
	int r, sib = medsec_leg_sibling(&s->call, s->li);

	if(l->node < 0 && sib >= 0) /* a parallel fork joins its AGW call */
		l->node = s->call.leg[sib].node;
	/* each side's SDP in that side's address family (IPv6 UEs, IPv4 core) */
	r = medsec_agw_sdp("offer", &s->ng, &s->sdp1, s->res.transport,
			s->res.sdes_no, medsec_sip_out_family(s->msg), &l->node, &agw);
	if(r != MEDSEC_OK) {
		/* a node that answered may hold a half-made session */
		offer_release(s);
		return fail(s, r == MEDSEC_ERR_AGW ? F_AGW_DOWN : F_AGW_ERROR, NULL);
	}
	r = medsec_e2ae_offer_reply(&s->ctx, &l->st, agw.s, (size_t)agw.len,
			_medsec_out2, sizeof(_medsec_out2), &s->res);
	dirty(&_medsec_dirty2, r, s->res.len, sizeof(_medsec_out2));
	if(r != 0) {
		LM_ERR("gateway offer for call %.*s failed a check: %s\n",
				s->ids.callid.len, s->ids.callid.s, s->res.reason);
		offer_release(s);
		return fail(s, F_AGW_CHECK, s->res.reason);
	}
	return 0;
}

/* Commit: the session, then the body; LI keys; the outcome. */
static int offer_commit(step_t *s, int from_ue)
{
	medsec_leg_t *l = LEG(s);

	if(commit_store(s) < 0
			|| set_body(s->msg, &s->body, _medsec_out2, s->res.len) < 0) {
		offer_release(s);
		return fail(s, F_STORE, NULL);
	}
	if(l->st.mode == MEDSEC_MODE_E2AE) {
		if(from_ue)
			medsec_outcome_keys(
					s->msg, &_medsec_sdp, s->sdp1.s, (size_t)s->sdp1.len, 1);
		else
			medsec_outcome_keys(
					s->msg, &_medsec_sdp, _medsec_out2, s->res.len, 0);
	}
	LM_INFO("call %.*s: %s offer from the %s through gateway node %d%s (%s"
			" leg)\n",
			s->ids.callid.len, s->ids.callid.s,
			medsec_call_mode_name(l->st.mode), from_ue ? "UE" : "core", l->node,
			medsec_leg_sibling(&s->call, s->li) >= 0 ? " (forked branch)" : "",
			medsec_role_name(l->role));
	return mode_code(l->st.mode);
}

/* An offer for the leg s->li with s->body: transform, anchor, commit. */
static int offer_steps(step_t *s, int from_ue)
{
	medsec_leg_t *l = LEG(s);
	int r;

	if((r = offer_transform(s, from_ue)) != 0)
		return r;
	/* an offer in a reply waits for its answer in the PRACK or the ACK; a
	 * later reply with SDP repeats it (RFC 3261 13.2.1) */
	l->late = s->msg->first_line.type == SIP_REPLY && l->late ? 2 : 0;
	if(!s->res.use_agw)
		return offer_untouched(s);
	ng_ids(s, 1, medsec_sip_initial_invite(s->msg, &s->ids));
	if((r = offer_anchor(s)) != 0)
		return r;
	return offer_commit(s, from_ue);
}

/* An INVITE without SDP: the offer will come in its 18x/2xx reply (from
 * the other side) and the answer in the PRACK or the ACK. */
static int late_offer(step_t *s, int from_ue)
{
	medsec_leg_t *l = LEG(s);

	l->late = 1;
	l->late_from_ue = (uint8_t)from_ue;
	if(s->new_leg)
		l->late_ue_e2ae = from_ue ? medsec_reg_contact_is_e2ae(s->msg)
								  : medsec_reg_uri_is_e2ae(GET_RURI(s->msg));
	else
		l->late_ue_e2ae = l->st.mode == MEDSEC_MODE_E2AE;
	if(medsec_session_store(&s->ids.callid, &s->call, s->known ? &s->base : 0)
			< 0)
		return fail(s, F_STORE, NULL);
	LM_INFO("call %.*s: INVITE without SDP from the %s (%s leg): the offer"
			" comes in the reply\n",
			s->ids.callid.len, s->ids.callid.s, from_ue ? "UE" : "core",
			medsec_role_name(l->role));
	return MEDSEC_LATE;
}

static int call_offer(sip_msg_t *msg, int from_ue)
{
	step_t s;
	int f;

	if(step_begin(&s, msg, 0) < 0)
		return fail(&s, F_IDS, NULL);
	if((f = offer_leg(&s, from_ue)) != 0)
		return fail(&s, f, NULL);
	if(medsec_sip_sdp(msg, &s.body) < 0) {
		if(msg->REQ_METHOD == METHOD_INVITE)
			return late_offer(&s, from_ue);
		return fail(&s, F_NO_SDP, NULL);
	}
	return offer_steps(&s, from_ue);
}

/*
 * An answer that must not pass.  A provisional reply can be dropped by the
 * script and a PRACK refused; a final reply cannot (a proxy forwards every
 * 2xx, and tm ignores "drop" for it), nor can an ACK: their SDP is replaced
 * with every media line rejected, and the leg's AGW session is released:
 * no key, no media address and no keyless media get through.
 */
static int answer_failed(step_t *s, int r)
{
	medsec_leg_t *l = LEG(s);
	size_t n;

	if(s->msg->first_line.type == SIP_REPLY
					? s->msg->first_line.u.reply.statuscode < 200
					: s->msg->REQ_METHOD != METHOD_ACK)
		return r;
	n = medsec_e2ae_reject_all(&_medsec_sdp, &l->st, s->body.s,
			(size_t)s->body.len, _medsec_out2, sizeof(_medsec_out2));
	dirty(&_medsec_dirty2, n == 0, n, sizeof(_medsec_out2));
	if(n == 0 || set_body(s->msg, &s->body, _medsec_out2, n) < 0)
		LM_ERR("cannot reject the media of call %.*s\n", s->ids.callid.len,
				s->ids.callid.s);
	if(l->node >= 0)
		medsec_session_leg_release(&s->ids, &s->call, s->li);
	/* retransmissions of this answer must be rejected too */
	l->node = -1;
	l->st.mode = MEDSEC_MODE_REFUSED;
	medsec_session_store(&s->ids.callid, &s->call, &s->base);
	LM_NOTICE("final answer of call %.*s refused: every media line"
			  " rejected, gateway session released (%s leg)\n",
			s->ids.callid.len, s->ids.callid.s, medsec_role_name(l->role));
	return r;
}

/* A 2xx answered the leg's initial INVITE: its other early dialogs lost;
 * their AGW branches go. */
static void drop_losers(step_t *s, int winner)
{
	medsec_leg_t *l = LEG(s);
	medsec_ids_t b = s->ids;
	int i;

	b.via_branch.len = 0;
	medsec_session_ng_name(&b, l);
	for(i = 0; i < MEDSEC_MAX_DIALOGS; i++) {
		if(i == winner || l->dlg[i].len == 0)
			continue;
		medsec_session_branch_ids(&b, l->dlg[i].tag, l->dlg[i].len);
		if(l->node >= 0)
			medsec_agw_delete(&b, l->node);
		LM_INFO("call %.*s: early dialog %.*s lost, its gateway branch"
				" released\n",
				s->ids.callid.len, s->ids.callid.s, l->dlg[i].len,
				l->dlg[i].tag);
		memset(&l->dlg[i], 0, sizeof(l->dlg[i]));
	}
}

/* The early dialog a reply to the leg's initial INVITE belongs to (added
 * when its To tag is new: a fork downstream), or -1. */
static int answer_dialog(step_t *s)
{
	medsec_leg_t *l = LEG(s);
	int i, added, others = 0;

	for(i = 0; i < MEDSEC_MAX_DIALOGS; i++)
		others += l->dlg[i].len != 0;
	i = medsec_dialog_add(
			l, s->ids.to_tag.s, (size_t)s->ids.to_tag.len, &added);
	if(added && others > 0)
		medsec_stats_inc(MEDSEC_ST_FORKS);
	return i;
}

/* Anchor an answer (sdp1) and check the AGW's SDP into _medsec_out2. */
static int answer_anchor(step_t *s, medsec_e2ae_result_t *agw_res)
{
	medsec_leg_t *l = LEG(s);
	str agw;
	int r;

	r = medsec_agw_sdp(
			"answer", &s->ng, &s->sdp1, NULL, 0, NULL, &l->node, &agw);
	if(r != MEDSEC_OK) {
		medsec_stats_failed(r);
		medsec_outcome_reason(r == MEDSEC_ERR_AGW ? _fail[F_AGW_DOWN].warning
												  : _fail[F_AGW_ERROR].warning);
		return answer_failed(s, r);
	}
	r = medsec_e2ae_answer_reply(&s->ctx, &l->st, agw.s, (size_t)agw.len,
			_medsec_out2, sizeof(_medsec_out2), agw_res);
	dirty(&_medsec_dirty2, r, agw_res->len, sizeof(_medsec_out2));
	if(r != 0) {
		LM_ERR("gateway answer for call %.*s failed a check: %s\n",
				s->ids.callid.len, s->ids.callid.s, agw_res->reason);
		medsec_stats_failed(MEDSEC_ERR_INTERNAL);
		medsec_outcome_reason(agw_res->reason);
		return answer_failed(s, MEDSEC_ERR_INTERNAL);
	}
	if(set_body(s->msg, &s->body, _medsec_out2, agw_res->len) < 0)
		return MEDSEC_ERR_MSG;
	return 0;
}

/* The answer's outcome, the leg's bookkeeping, and the store. */
static int answer_commit(
		step_t *s, const medsec_e2ae_result_t *agw_res, int initial, int dialog)
{
	medsec_leg_t *l = LEG(s);
	int i;

	if(l->st.mode == MEDSEC_MODE_E2AE) {
		medsec_outcome_suite(&l->st, s->res.suite);
		for(i = 0; i < l->st.nmedia && !l->st.m[i].e2ae; i++)
			;
		l->suite = (uint8_t)medsec_e2ae_line_suite(&l->st, s->res.suite, i);
		if(s->ctx.from_ue)
			medsec_outcome_keys(
					s->msg, &_medsec_sdp, s->sdp1.s, (size_t)s->sdp1.len, 1);
		else
			medsec_outcome_keys(
					s->msg, &_medsec_sdp, _medsec_out2, agw_res->len, 0);
	}
	if(initial && s->msg->first_line.u.reply.statuscode >= 200) {
		l->confirmed = 1;
		drop_losers(s, dialog);
	}
	l->late = 0;
	if(!l->answered) {
		/* count the leg once, not per re-INVITE or retransmission */
		l->answered = 1;
		medsec_stats_session(&l->st, s->res.suite);
	}
	medsec_session_store(&s->ids.callid, &s->call, &s->base);
	LM_INFO("call %.*s: %s answer through gateway node %d (%s leg)\n",
			s->ids.callid.len, s->ids.callid.s,
			medsec_call_mode_name(l->st.mode), l->node,
			medsec_role_name(l->role));
	return mode_code(l->st.mode);
}

/* The leg an answer belongs to; -1 (logged, a request refused) when none. */
static int answer_leg(step_t *s)
{
	if(s->ids.to_tag.len == 0) {
		LM_ERR("answer without a To tag (call %.*s)\n", s->ids.callid.len,
				s->ids.callid.s);
		return MEDSEC_ERR_MSG;
	}
	if(!s->known && s->msg->first_line.type == SIP_REQUEST)
		return fail(s, F_NO_LEG, NULL); /* a PRACK or an ACK */
	if(!s->known) {
		LM_NOTICE("answer for unknown call %.*s\n", s->ids.callid.len,
				s->ids.callid.s);
		return MEDSEC_ERR_NOCALL;
	}
	s->li = medsec_session_leg(s->msg, &s->ids, &s->call, -1);
	if(s->li < 0)
		return fail(s, F_NO_LEG, NULL);
	return 0;
}

static int call_answer(sip_msg_t *msg)
{
	medsec_e2ae_result_t agw_res;
	medsec_leg_t *l;
	step_t s;
	int r, initial, dialog = -1;

	if(step_begin(&s, msg, 1) < 0 || medsec_sip_sdp(msg, &s.body) < 0)
		return MEDSEC_ERR_MSG;
	if((r = answer_leg(&s)) != 0)
		return r;
	l = LEG(&s);
	if(l->late && msg->first_line.type == SIP_REPLY) {
		/* late offer: this reply carries the offer, from the other side;
		 * a refused one cannot pass in a 2xx either */
		r = offer_steps(&s, !l->late_from_ue);
		return r < 0 ? answer_failed(&s, r) : r;
	}
	if(l->st.mode == MEDSEC_MODE_REFUSED)
		return answer_failed(&s, MEDSEC_ERR_REFUSED);
	/* an answer in a PRACK or an ACK needs an offer in a reply */
	if(msg->first_line.type == SIP_REQUEST && l->late != 2)
		return fail(&s, F_NO_OFFER, NULL);
	ctx_init(&s.ctx, !l->st.offer_from_ue, l->st.mode == MEDSEC_MODE_E2AE);
	r = medsec_e2ae_answer(&s.ctx, &l->st, s.body.s, (size_t)s.body.len,
			_medsec_out1, sizeof(_medsec_out1), &s.res);
	dirty(&_medsec_dirty1, r, s.res.len, sizeof(_medsec_out1));
	if(r != 0)
		return answer_failed(&s, refused(&s, "answer"));
	if(!s.res.use_agw)
		return set_body(msg, &s.body, _medsec_out1, s.res.len) < 0
					   ? MEDSEC_ERR_MSG
					   : MEDSEC_E2E;
	/* a reply to the leg's initial INVITE answers one of its early dialogs */
	initial = msg->first_line.type == SIP_REPLY && s.ids.cseq_invite
			  && !l->confirmed
			  && l->via
						 == medsec_leg_hash(
								 s.ids.via_branch.s, s.ids.via_branch.len);
	if(initial)
		dialog = answer_dialog(&s);
	ng_ids(&s, 0, initial);
	s.sdp1.s = _medsec_out1;
	s.sdp1.len = (int)s.res.len;
	if((r = answer_anchor(&s, &agw_res)) != 0)
		return r;
	return answer_commit(&s, &agw_res, initial, dialog);
}

/* The scratch bodies held SDES keys: wipe what was used (the message's own
 * copies belong to Kamailio). */
static void wipe_scratch(void)
{
	explicit_bzero(_medsec_out1, _medsec_dirty1);
	explicit_bzero(_medsec_out2, _medsec_dirty2);
	_medsec_dirty1 = _medsec_dirty2 = 0;
}

int medsec_call_offer(sip_msg_t *msg, int from_ue)
{
	int r;

	medsec_outcome_reset();
	r = call_offer(msg, from_ue);
	medsec_outcome_result(r);
	wipe_scratch();
	return r;
}

int medsec_call_answer(sip_msg_t *msg)
{
	int r;

	medsec_outcome_reset();
	r = call_answer(msg);
	medsec_outcome_result(r);
	wipe_scratch();
	return r;
}
