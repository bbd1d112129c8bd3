/*
 * ims_medsec: a call's media through the e2ae procedures and the AGW.
 */
#include <string.h>
#include <strings.h>

#include "core/dprint.h"

#include "medsec_agw.h"
#include "medsec_call.h"
#include "medsec_e2ae.h"
#include "medsec_ht.h"
#include "medsec_policy_shm.h"
#include "medsec_reg.h"
#include "medsec_pv.h"
#include "medsec_sip.h"
#include "medsec_stats.h"

medsec_policy_t medsec_policy;
int medsec_reject_unregistered = 0;
int medsec_session_timeout = 7200;
int medsec_session_table_size = 4096;

/*
 * The early dialogs of a call.  Parallel forks of the initial INVITE (the
 * same Call-ID and From tag reaching this proxy in several transactions)
 * are told apart by the upstream Via branch, each with its own AGW branch
 * ("via-branch"); forks further downstream answer one INVITE with several
 * To tags, each an AGW branch of its own ("to-tag").
 */
#define MEDSEC_MAX_BRANCHES 4
#define MEDSEC_TAG_MAX 64

typedef struct medsec_branch
{
	uint32_t via;	/* hash of the upstream Via branch; 0: a free slot */
	uint8_t to_len; /* 0 until the early dialog answered */
	char to_tag[MEDSEC_TAG_MAX];
} medsec_branch_t;

/* what a call keeps between its messages */
typedef struct medsec_call
{
	int node;			  /* AGW node, -1 when the media is not anchored */
	uint8_t answered;	  /* an answer went through (the call is counted) */
	uint8_t confirmed;	  /* a 2xx answered the initial INVITE */
	uint8_t late;		  /* INVITE without SDP: 1 the offer will be in a reply,
				   * 2 it was, the answer comes in the PRACK or ACK */
	uint8_t late_from_ue; /* that INVITE came from the UE side */
	uint8_t late_ue_e2ae; /* and the UE it serves is e2ae */
	uint64_t packets;	  /* RTP packets the AGW had seen at the last expiry */
	medsec_branch_t br[MEDSEC_MAX_BRANCHES];
	medsec_e2ae_state_t st;
} medsec_call_t;

static medsec_ht_t *_medsec_calls = NULL;

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

int medsec_call_side(const str *side)
{
	if(side->len == 2 && strncasecmp(side->s, "ue", 2) == 0)
		return 1;
	if(side->len == 4 && strncasecmp(side->s, "core", 4) == 0)
		return 0;
	return -1;
}

int medsec_call_init(void)
{
	_medsec_calls = medsec_ht_new(
			(unsigned int)medsec_session_table_size, sizeof(medsec_call_t));
	return _medsec_calls ? 0 : -1;
}

void medsec_call_destroy(void)
{
	medsec_ht_free(_medsec_calls);
	_medsec_calls = NULL;
}

/* medsec_ht_merge: an existing entry stays as it is */
static void keep_stored(void *stored, const void *value, void *param)
{
}

/* Calls that expire in one pass and are checked on their AGW node; more
 * are only forgotten (rtpengine's own timeouts end their media). */
#define MEDSEC_EXPIRE_BATCH 32
#define MEDSEC_CALLID_MAX 256

typedef struct expired
{
	unsigned int n, lost;
	struct
	{
		int len;
		char callid[MEDSEC_CALLID_MAX];
		medsec_call_t call;
	} c[MEDSEC_EXPIRE_BATCH];
} expired_t;

static int expire_one(const str *key, const void *value, int ttl, void *p)
{
	const medsec_call_t *call = value;
	expired_t *x = p;

	if(call->node < 0)
		return 0;
	if(x->n == MEDSEC_EXPIRE_BATCH || key->len > MEDSEC_CALLID_MAX) {
		x->lost++;
		return 0;
	}
	x->c[x->n].len = key->len;
	memcpy(x->c[x->n].callid, key->s, key->len);
	x->c[x->n].call = *call;
	x->n++;
	return 0;
}

/*
 * A call without a SIP message for session_timeout seconds is checked on
 * its AGW node: when media moved since the last check (rtpengine's RTP
 * packet total grew), it is a long call and is kept for another period;
 * otherwise the dialog died without a BYE: its whole session is deleted on
 * the node (ng delete with the Call-ID alone) and the call forgotten.  The
 * ng requests are sent out of the table's locks.
 */
void medsec_call_expire(void)
{
	static expired_t x; /* the timer process's own */
	medsec_ids_t ids;
	unsigned int n, i, kept = 0, deleted = 0;
	uint64_t pkts;
	str key;

	if(_medsec_calls == NULL)
		return;
	x.n = x.lost = 0;
	n = medsec_ht_expire_f(_medsec_calls, expire_one, &x);
	if(n == 0)
		return;
	memset(&ids, 0, sizeof(ids));
	for(i = 0; i < x.n; i++) {
		medsec_call_t *call = &x.c[i].call;
		key.s = x.c[i].callid;
		key.len = x.c[i].len;
		ids.callid = key;
		if(medsec_agw_packets(&ids, call->node, &pkts) == MEDSEC_OK
				&& pkts > call->packets) {
			call->packets = pkts;
			/* a message that re-created the call meanwhile wins */
			medsec_ht_merge(_medsec_calls, &key, call, medsec_session_timeout,
					keep_stored, NULL);
			kept++;
			continue;
		}
		medsec_agw_delete(&ids, call->node);
		deleted++;
	}
	LM_INFO("%u calls without a message for %d s: %u kept (media flows), %u"
			" deleted on the gateway, %u forgotten\n",
			n, medsec_session_timeout, kept, deleted, n - kept - deleted);
}

int medsec_call_timer_interval(void)
{
	int s = medsec_session_timeout / 5;

	return s < 1 ? 1 : s > 60 ? 60 : s;
}

unsigned int medsec_call_count(void)
{
	return _medsec_calls ? medsec_ht_count(_medsec_calls) : 0;
}

static void ctx_init(medsec_e2ae_ctx_t *ctx, int from_ue, int ue_e2ae)
{
	ctx->pol = &medsec_policy;
	ctx->from_ue = from_ue;
	ctx->ue_e2ae = ue_e2ae;
	ctx->reject_unregistered = medsec_reject_unregistered;
	ctx->sdp = &_medsec_sdp;
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

typedef struct call_walk
{
	medsec_call_walk_f f;
	void *param;
} call_walk_t;

static int call_walk_one(const str *key, const void *value, int ttl, void *p)
{
	const medsec_call_t *call = value;
	call_walk_t *w = p;

	return w->f(key, call->node, &call->st, ttl, w->param);
}

unsigned int medsec_call_walk(medsec_call_walk_f f, void *param)
{
	call_walk_t w = {f, param};

	return _medsec_calls ? medsec_ht_walk(_medsec_calls, call_walk_one, &w) : 0;
}

static int mode_code(int mode)
{
	return mode == MEDSEC_MODE_E2AE	 ? MEDSEC_OK
		   : mode == MEDSEC_MODE_E2E ? MEDSEC_E2E
									 : MEDSEC_PLAIN;
}

/* e2ae refused an offer or an answer: log, and reply to a request. */
static int refused(sip_msg_t *msg, const medsec_ids_t *ids, const char *what,
		const medsec_e2ae_result_t *res)
{
	LM_NOTICE("%s refused (call %.*s): %s%s%s\n", what, ids->callid.len,
			ids->callid.s, res->reason, res->detail ? ": " : "",
			res->detail ? res->detail : "");
	medsec_stats_refused(res->code);
	medsec_outcome_reason(res->reason);
	medsec_sip_refuse(msg, res->status,
			res->status == 488	 ? "Not Acceptable Here"
			: res->status == 400 ? "Bad Request"
								 : "Server Internal Error",
			res->reason, NULL);
	return MEDSEC_ERR_REFUSED;
}

static uint32_t branch_hash(const str *b)
{
	uint32_t h = 2166136261u; /* FNV-1a */
	int i;

	for(i = 0; i < b->len; i++)
		h = (h ^ (unsigned char)b->s[i]) * 16777619u;
	return h ? h : 1;
}

/* The slot of the branch with this Via and To tag (to NULL: any), or -1. */
static int branch_find(const medsec_call_t *call, uint32_t via, const str *to)
{
	int i;

	for(i = 0; i < MEDSEC_MAX_BRANCHES; i++) {
		if(call->br[i].via != via)
			continue;
		if(to == NULL
				|| (call->br[i].to_len == to->len
						&& memcmp(call->br[i].to_tag, to->s, to->len) == 0))
			return i;
	}
	return -1;
}

static int branch_same(const medsec_branch_t *a, const medsec_branch_t *b)
{
	return a->via == b->via && a->to_len == b->to_len
		   && memcmp(a->to_tag, b->to_tag, a->to_len) == 0;
}

static int branch_in(const medsec_branch_t *set, const medsec_branch_t *b)
{
	int i;

	for(i = 0; i < MEDSEC_MAX_BRANCHES; i++)
		if(set[i].via != 0 && branch_same(&set[i], b))
			return i;
	return -1;
}

/*
 * Several processes handle one call's messages at once (the 183s of two
 * forks, say).  A process stores what it computed from the value it read
 * (base, NULL when it found none): its own branch changes (added, removed,
 * answered) are applied to the branches stored meanwhile; the rest is its.
 */
static void call_merge(void *stored, const void *value, void *param)
{
	medsec_call_t *s = stored;
	const medsec_call_t *m = value, *b = param;
	medsec_branch_t br[MEDSEC_MAX_BRANCHES];
	int i, j, confirmed = s->confirmed;

	memcpy(br, s->br, sizeof(br));
	for(i = 0; b && i < MEDSEC_MAX_BRANCHES; i++)
		if(b->br[i].via != 0 && branch_in(m->br, &b->br[i]) < 0
				&& (j = branch_in(br, &b->br[i])) >= 0)
			memset(&br[j], 0, sizeof(br[j]));
	for(i = 0; i < MEDSEC_MAX_BRANCHES; i++) {
		if(m->br[i].via == 0 || (b && branch_in(b->br, &m->br[i]) >= 0)
				|| branch_in(br, &m->br[i]) >= 0)
			continue;
		for(j = 0; j < MEDSEC_MAX_BRANCHES && br[j].via != 0; j++)
			;
		if(j < MEDSEC_MAX_BRANCHES)
			br[j] = m->br[i];
	}
	*s = *m;
	memcpy(s->br, br, sizeof(br));
	s->confirmed |= confirmed;
}

/* Store a call computed from base (what this process read, or NULL). */
static int call_store(
		const str *callid, medsec_call_t *call, const medsec_call_t *base)
{
	return medsec_ht_merge(_medsec_calls, callid, call, medsec_session_timeout,
			call_merge, (void *)base);
}

/* Take a free slot for a branch; -1 when none is left. */
static int branch_add(medsec_call_t *call, uint32_t via)
{
	int i;

	for(i = 0; i < MEDSEC_MAX_BRANCHES; i++) {
		if(call->br[i].via == 0) {
			call->br[i].via = via;
			call->br[i].to_len = 0;
			return i;
		}
	}
	return -1;
}

static void branch_set_tag(medsec_branch_t *br, const str *to)
{
	/* a longer tag is not kept: that branch then goes with the call */
	if(to->len <= 0 || to->len > MEDSEC_TAG_MAX)
		return;
	memcpy(br->to_tag, to->s, to->len);
	br->to_len = (uint8_t)to->len;
}

/* The identifiers of the whole call for ng: its From tag only. */
static medsec_ids_t whole_call(const medsec_ids_t *ids)
{
	medsec_ids_t w = *ids;

	w.to_tag.len = 0;
	w.via_branch.len = 0;
	return w;
}

/*
 * ng identifiers oriented for rtpengine: from-tag is the offerer's tag.
 * An offer in a reply (late offer) and an answer in a request (ACK, PRACK)
 * come from the callee's side of the dialog, so the tags swap.  The
 * upstream Via branch goes along for the initial INVITE only (it separates
 * parallel forks; in-dialog messages are found by their tags).
 */
static medsec_ids_t ng_ids(
		sip_msg_t *msg, const medsec_ids_t *ids, int offer, int initial)
{
	medsec_ids_t n = *ids;
	int swap = offer ? msg->first_line.type == SIP_REPLY
					 : msg->first_line.type == SIP_REQUEST;

	if(swap) {
		n.from_tag = ids->to_tag;
		n.to_tag = ids->from_tag;
	}
	if(!initial)
		n.via_branch.len = 0;
	return n;
}

/* An INVITE without SDP: the offer will come in its 18x/2xx reply (from
 * the other side) and the answer in the PRACK or the ACK. */
static int late_offer(sip_msg_t *msg, const medsec_ids_t *ids, int from_ue,
		const medsec_call_t *old)
{
	medsec_call_t call;

	if(old) {
		call = *old;
	} else {
		memset(&call, 0, sizeof(call));
		call.node = -1;
	}
	if(ids->to_tag.len == 0
			&& branch_find(&call, branch_hash(&ids->via_branch), NULL) < 0)
		branch_add(&call, branch_hash(&ids->via_branch));
	call.late = 1;
	call.late_from_ue = (uint8_t)from_ue;
	if(old && ids->to_tag.len > 0)
		call.late_ue_e2ae = old->st.mode == MEDSEC_MODE_E2AE;
	else
		call.late_ue_e2ae = from_ue ? medsec_reg_contact_is_e2ae(msg)
									: medsec_reg_uri_is_e2ae(GET_RURI(msg));
	if(call_store(&ids->callid, &call, old) < 0)
		return MEDSEC_ERR_MSG;
	LM_INFO("call %.*s: INVITE without SDP from the %s: the offer comes in"
			" the reply\n",
			ids->callid.len, ids->callid.s, from_ue ? "UE" : "core");
	return MEDSEC_LATE;
}

/* Release what a failed offer made on the AGW: the whole call when it is
 * new, the branch when it is a parallel fork. */
static void offer_release(const medsec_ids_t *ids, const medsec_ids_t *ng,
		int node, int known, int fork)
{
	medsec_ids_t w;

	if(node < 0 || (known && !fork))
		return;
	if(fork) {
		medsec_agw_delete(ng, node);
	} else {
		w = whole_call(ids);
		medsec_agw_delete(&w, node);
	}
}

static int call_offer(sip_msg_t *msg, int from_ue)
{
	medsec_ids_t ids, ng, w;
	medsec_e2ae_ctx_t ctx;
	medsec_e2ae_result_t res;
	medsec_call_t call, old;
	str body, agw_sdp, sdp1;
	int ue_e2ae, r, known, initial, fork, stored;
	uint32_t via = 0;

	if(medsec_sip_ids(msg, &ids) < 0) {
		medsec_sip_refuse(
				msg, 400, "Bad Request", "no dialog identifiers", NULL);
		return MEDSEC_ERR_MSG;
	}
	known = medsec_ht_get(_medsec_calls, &ids.callid, &old, 0) == 0;
	if(medsec_sip_sdp(msg, &body) < 0) {
		if(msg->first_line.type == SIP_REQUEST
				&& msg->REQ_METHOD == METHOD_INVITE)
			return late_offer(msg, &ids, from_ue, known ? &old : NULL);
		medsec_sip_refuse(msg, 400, "Bad Request", "no SDP offer", NULL);
		return MEDSEC_ERR_MSG;
	}
	initial = msg->first_line.type == SIP_REQUEST && ids.to_tag.len == 0;
	if(initial)
		via = branch_hash(&ids.via_branch);
	/* a parallel fork: the same call in another INVITE transaction */
	fork = initial && known && branch_find(&old, via, NULL) < 0;
	if(msg->first_line.type == SIP_REQUEST)
		ue_e2ae = from_ue ? medsec_reg_contact_is_e2ae(msg)
						  : medsec_reg_uri_is_e2ae(GET_RURI(msg));
	else if(known && old.late) /* the UE is the one the INVITE went to */
		ue_e2ae = old.late_ue_e2ae;
	else
		ue_e2ae = known && old.st.mode == MEDSEC_MODE_E2AE;
	/* a suite list set by RPC applies from this offer on */
	medsec_policy_shm_sync(&medsec_policy);
	ctx_init(&ctx, from_ue, ue_e2ae);

	if(known) {
		call = old;
	} else {
		memset(&call, 0, sizeof(call));
		call.node = -1;
	}
	r = medsec_e2ae_offer(&ctx, body.s, (size_t)body.len, &call.st,
			_medsec_out1, sizeof(_medsec_out1), &res);
	dirty(&_medsec_dirty1, r, res.len, sizeof(_medsec_out1));
	if(r != 0)
		return refused(msg, &ids, "offer", &res);
	if(fork
			&& (call.st.mode != old.st.mode
					|| call.st.offer_from_ue != old.st.offer_from_ue)) {
		/* one state serves every branch of a call */
		res.code = MEDSEC_E2AE_POLICY;
		res.reason = "forked branches differ in media security";
		res.detail = NULL;
		res.status = 488;
		return refused(msg, &ids, "offer", &res);
	}
	if(initial && branch_find(&call, via, NULL) < 0) {
		if(branch_add(&call, via) < 0) {
			LM_NOTICE("call %.*s: more than %d forked branches\n",
					ids.callid.len, ids.callid.s, MEDSEC_MAX_BRANCHES);
			medsec_outcome_reason("too many forked branches");
			medsec_sip_refuse(msg, 503, "Service Unavailable",
					"too many forked branches", NULL);
			return MEDSEC_ERR_AGW;
		}
		if(fork)
			medsec_stats_inc(MEDSEC_ST_FORKS);
	}
	/* an offer in a reply waits for its answer in the PRACK or the ACK; a
	 * later reply with SDP repeats it (RFC 3261 13.2.1) */
	call.late = msg->first_line.type == SIP_REPLY && known && old.late ? 2 : 0;
	ng = ng_ids(msg, &ids, 1, initial);
	if(!res.use_agw) {
		if(call.node >= 0) { /* the call was anchored: it no longer is */
			w = whole_call(&ids);
			medsec_agw_delete(&w, call.node);
		}
		call.node = -1;
		if(call_store(&ids.callid, &call, known ? &old : NULL) < 0
				|| set_body(msg, &body, _medsec_out1, res.len) < 0)
			return MEDSEC_ERR_MSG;
		if(!known)
			medsec_stats_e2e(&call.st);
		LM_INFO("call %.*s: %s media passed untouched\n", ids.callid.len,
				ids.callid.s, medsec_call_mode_name(call.st.mode));
		return MEDSEC_E2E;
	}
	sdp1.s = _medsec_out1;
	sdp1.len = (int)res.len;
	r = medsec_agw_sdp("offer", &ng, &sdp1, res.transport, res.sdes_no,
			&call.node, &agw_sdp);
	if(r != MEDSEC_OK) {
		medsec_stats_failed(r);
		/* a node that answered may hold a half-made session: release it */
		offer_release(&ids, &ng, call.node, known, fork);
		if(r == MEDSEC_ERR_AGW) {
			medsec_outcome_reason("media gateway unavailable");
			medsec_sip_refuse(msg, 503, "Service Unavailable",
					"media gateway unavailable", "Retry-After: 30\r\n");
		} else {
			medsec_outcome_reason("media gateway refused the session");
			medsec_sip_refuse(msg, 500, "Server Internal Error",
					"media gateway refused the session", NULL);
		}
		return r;
	}
	r = medsec_e2ae_offer_reply(&ctx, &call.st, agw_sdp.s, (size_t)agw_sdp.len,
			_medsec_out2, sizeof(_medsec_out2), &res);
	dirty(&_medsec_dirty2, r, res.len, sizeof(_medsec_out2));
	if(r != 0) {
		LM_ERR("gateway offer for call %.*s failed a check: %s\n",
				ids.callid.len, ids.callid.s, res.reason);
		medsec_stats_failed(MEDSEC_ERR_INTERNAL);
		offer_release(&ids, &ng, call.node, known, fork);
		medsec_outcome_reason(res.reason);
		medsec_sip_refuse(msg, 500, "Server Internal Error", res.reason, NULL);
		return MEDSEC_ERR_INTERNAL;
	}
	stored = call_store(&ids.callid, &call, known ? &old : NULL);
	if(stored < 0 || set_body(msg, &body, _medsec_out2, res.len) < 0) {
		offer_release(&ids, &ng, call.node, known, fork);
		return MEDSEC_ERR_MSG;
	}
	if(initial && !known && stored == 1) {
		/* another INVITE of the call got there first, at the same time: a
		 * parallel fork too (its branch was merged in) */
		fork = 1;
		medsec_stats_inc(MEDSEC_ST_FORKS);
	}
	if(call.st.mode == MEDSEC_MODE_E2AE) {
		if(from_ue)
			medsec_outcome_keys(msg, &_medsec_sdp, sdp1.s, (size_t)sdp1.len, 1);
		else
			medsec_outcome_keys(msg, &_medsec_sdp, _medsec_out2, res.len, 0);
	}
	LM_INFO("call %.*s: %s offer from the %s through gateway node %d%s\n",
			ids.callid.len, ids.callid.s, medsec_call_mode_name(call.st.mode),
			from_ue ? "UE" : "core", call.node, fork ? " (forked branch)" : "");
	return mode_code(call.st.mode);
}

/*
 * An answer that must not pass.  A provisional reply can be dropped by the
 * script and a PRACK refused; a final reply cannot (a proxy forwards every
 * 2xx, and tm ignores "drop" for it), nor can an ACK: their SDP is replaced
 * with every media line rejected, and the call's AGW session is released:
 * no key, no media address and no keyless media get through.
 */
static int answer_failed(sip_msg_t *msg, const medsec_ids_t *ids,
		medsec_call_t *call, const str *body, int r)
{
	medsec_ids_t w;
	size_t n;

	if(msg->first_line.type == SIP_REPLY
					? msg->first_line.u.reply.statuscode < 200
					: msg->REQ_METHOD != METHOD_ACK)
		return r;
	n = medsec_e2ae_reject_all(&_medsec_sdp, &call->st, body->s,
			(size_t)body->len, _medsec_out2, sizeof(_medsec_out2));
	dirty(&_medsec_dirty2, n == 0, n, sizeof(_medsec_out2));
	if(n == 0 || set_body(msg, body, _medsec_out2, n) < 0)
		LM_ERR("cannot reject the media of call %.*s\n", ids->callid.len,
				ids->callid.s);
	if(call->node >= 0) {
		w = whole_call(ids);
		medsec_agw_delete(&w, call->node);
	}
	/* retransmissions of this answer must be rejected too */
	call->node = -1;
	call->st.mode = MEDSEC_MODE_REFUSED;
	call_store(&ids->callid, call, NULL);
	LM_NOTICE("final answer of call %.*s refused: every media line rejected,"
			  " gateway session released\n",
			ids->callid.len, ids->callid.s);
	return r;
}

/* A 2xx answered the initial INVITE: the early dialogs of other To tags
 * lost; their AGW branches go.  Branches that never answered go when
 * their INVITE transaction fails (medsec_call_delete). */
static void drop_losers(
		const medsec_ids_t *ids, medsec_call_t *call, int winner)
{
	medsec_ids_t b = whole_call(ids);
	int i;

	for(i = 0; i < MEDSEC_MAX_BRANCHES; i++) {
		if(i == winner || call->br[i].via == 0 || call->br[i].to_len == 0)
			continue;
		b.to_tag.s = call->br[i].to_tag;
		b.to_tag.len = call->br[i].to_len;
		if(call->node >= 0)
			medsec_agw_delete(&b, call->node);
		LM_INFO("call %.*s: early dialog %.*s lost, its gateway branch"
				" released\n",
				ids->callid.len, ids->callid.s, b.to_tag.len, b.to_tag.s);
		memset(&call->br[i], 0, sizeof(call->br[i]));
	}
}

/* The early dialog a reply to the initial INVITE belongs to: its branch
 * slot, added when the To tag is new (a fork downstream), or -1. */
static int answer_branch(medsec_call_t *call, const medsec_ids_t *ids)
{
	uint32_t via = branch_hash(&ids->via_branch);
	int i;

	if((i = branch_find(call, via, &ids->to_tag)) >= 0)
		return i;
	if((i = branch_find(call, via, NULL)) >= 0 && call->br[i].to_len == 0) {
		branch_set_tag(&call->br[i], &ids->to_tag);
		return i;
	}
	if((i = branch_add(call, via)) < 0)
		return -1;
	branch_set_tag(&call->br[i], &ids->to_tag);
	medsec_stats_inc(MEDSEC_ST_FORKS);
	return i;
}

static int call_answer(sip_msg_t *msg)
{
	medsec_ids_t ids, ng;
	medsec_e2ae_ctx_t ctx;
	medsec_e2ae_result_t res, agw_res;
	medsec_call_t call, base;
	str body, agw_sdp, sdp1;
	int r, initial, branch = -1, final2xx;

	if(medsec_sip_ids(msg, &ids) < 0 || medsec_sip_sdp(msg, &body) < 0)
		return MEDSEC_ERR_MSG;
	if(ids.to_tag.len == 0) {
		LM_ERR("answer without a To tag (call %.*s)\n", ids.callid.len,
				ids.callid.s);
		return MEDSEC_ERR_MSG;
	}
	if(medsec_ht_get(_medsec_calls, &ids.callid, &call, medsec_session_timeout)
			< 0) {
		LM_NOTICE(
				"answer for unknown call %.*s\n", ids.callid.len, ids.callid.s);
		return MEDSEC_ERR_NOCALL;
	}
	base = call;
	if(call.late && msg->first_line.type == SIP_REPLY) {
		/* late offer: this reply carries the offer, from the other side;
		 * a refused one cannot pass in a 2xx either */
		r = call_offer(msg, !call.late_from_ue);
		if(r < 0)
			return answer_failed(msg, &ids, &call, &body, r);
		return r;
	}
	if(call.st.mode == MEDSEC_MODE_REFUSED)
		return answer_failed(msg, &ids, &call, &body, MEDSEC_ERR_REFUSED);
	if(msg->first_line.type == SIP_REQUEST && call.late != 2) {
		/* an answer in a PRACK or an ACK needs an offer in a reply */
		LM_NOTICE("call %.*s: SDP in a request that answers no offer\n",
				ids.callid.len, ids.callid.s);
		medsec_sip_refuse(msg, 488, "Not Acceptable Here",
				"SDP answers no pending offer", NULL);
		return MEDSEC_ERR_MSG;
	}
	ctx_init(&ctx, !call.st.offer_from_ue, call.st.mode == MEDSEC_MODE_E2AE);
	r = medsec_e2ae_answer(&ctx, &call.st, body.s, (size_t)body.len,
			_medsec_out1, sizeof(_medsec_out1), &res);
	dirty(&_medsec_dirty1, r, res.len, sizeof(_medsec_out1));
	if(r != 0) {
		r = refused(msg, &ids, "answer", &res);
		return answer_failed(msg, &ids, &call, &body, r);
	}
	if(!res.use_agw) {
		if(set_body(msg, &body, _medsec_out1, res.len) < 0)
			return MEDSEC_ERR_MSG;
		return MEDSEC_E2E;
	}
	/* a reply to the initial INVITE answers one of its early dialogs */
	initial = msg->first_line.type == SIP_REPLY && ids.cseq_invite
			  && !call.confirmed
			  && branch_find(&call, branch_hash(&ids.via_branch), NULL) >= 0;
	final2xx = initial && msg->first_line.u.reply.statuscode >= 200;
	if(initial)
		branch = answer_branch(&call, &ids);
	ng = ng_ids(msg, &ids, 0, initial);
	sdp1.s = _medsec_out1;
	sdp1.len = (int)res.len;
	r = medsec_agw_sdp("answer", &ng, &sdp1, NULL, 0, &call.node, &agw_sdp);
	if(r != MEDSEC_OK) {
		medsec_stats_failed(r);
		medsec_outcome_reason(r == MEDSEC_ERR_AGW
									  ? "media gateway unavailable"
									  : "media gateway refused the session");
		return answer_failed(msg, &ids, &call, &body, r);
	}
	r = medsec_e2ae_answer_reply(&ctx, &call.st, agw_sdp.s, (size_t)agw_sdp.len,
			_medsec_out2, sizeof(_medsec_out2), &agw_res);
	dirty(&_medsec_dirty2, r, agw_res.len, sizeof(_medsec_out2));
	if(r != 0) {
		LM_ERR("gateway answer for call %.*s failed a check: %s\n",
				ids.callid.len, ids.callid.s, agw_res.reason);
		medsec_stats_failed(MEDSEC_ERR_INTERNAL);
		medsec_outcome_reason(agw_res.reason);
		return answer_failed(msg, &ids, &call, &body, MEDSEC_ERR_INTERNAL);
	}
	if(set_body(msg, &body, _medsec_out2, agw_res.len) < 0)
		return MEDSEC_ERR_MSG;
	if(call.st.mode == MEDSEC_MODE_E2AE) {
		medsec_outcome_suite(&call.st, res.suite);
		if(ctx.from_ue)
			medsec_outcome_keys(msg, &_medsec_sdp, sdp1.s, (size_t)sdp1.len, 1);
		else
			medsec_outcome_keys(
					msg, &_medsec_sdp, _medsec_out2, agw_res.len, 0);
	}
	if(final2xx) {
		call.confirmed = 1;
		drop_losers(&ids, &call, branch);
	}
	call.late = 0;
	if(!call.answered) {
		/* count the call once, not per re-INVITE or retransmission */
		call.answered = 1;
		medsec_stats_session(&call.st, res.suite);
	}
	call_store(&ids.callid, &call, &base);
	LM_INFO("call %.*s: %s answer through gateway node %d\n", ids.callid.len,
			ids.callid.s, medsec_call_mode_name(call.st.mode), call.node);
	return mode_code(call.st.mode);
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

/*
 * An initial INVITE transaction that failed (or was never relayed) ends
 * its own branch: the whole call goes only when no other branch is left
 * and no 2xx answered.  Returns 1 when it handled the message.
 */
static int delete_branch(
		sip_msg_t *msg, const medsec_ids_t *ids, medsec_call_t *call, int *r)
{
	medsec_call_t base = *call;
	medsec_ids_t b;
	uint32_t via;
	int i, others = 0;

	if(msg->first_line.type != SIP_REQUEST || msg->REQ_METHOD != METHOD_INVITE
			|| ids->to_tag.len > 0)
		return 0;
	via = branch_hash(&ids->via_branch);
	for(i = 0; i < MEDSEC_MAX_BRANCHES; i++)
		if(call->br[i].via != 0 && call->br[i].via != via)
			others++;
	if(!call->confirmed && others == 0)
		return 0;
	b = whole_call(ids);
	b.via_branch = ids->via_branch;
	for(i = 0; i < MEDSEC_MAX_BRANCHES; i++) {
		if(call->br[i].via != via)
			continue;
		b.to_tag.s = call->br[i].to_tag;
		b.to_tag.len = call->br[i].to_len;
		if(call->node >= 0)
			*r = medsec_agw_delete(&b, call->node);
		memset(&call->br[i], 0, sizeof(call->br[i]));
	}
	call_store(&ids->callid, call, &base);
	LM_INFO("call %.*s: a forked branch ended, %d left\n", ids->callid.len,
			ids->callid.s, others);
	return 1;
}

int medsec_call_delete(sip_msg_t *msg)
{
	medsec_ids_t ids, w;
	medsec_call_t call;
	int r = MEDSEC_OK;

	if(medsec_sip_ids(msg, &ids) < 0)
		return MEDSEC_ERR_MSG;
	if(medsec_ht_get(_medsec_calls, &ids.callid, &call, 0) < 0)
		return MEDSEC_ERR_NOCALL;
	if(delete_branch(msg, &ids, &call, &r))
		return r;
	if(call.node >= 0) {
		w = whole_call(&ids);
		r = medsec_agw_delete(&w, call.node);
	}
	/* the AGW state is gone (or unreachable): forget the call either way */
	medsec_ht_del(_medsec_calls, &ids.callid);
	return r;
}
