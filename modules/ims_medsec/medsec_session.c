/*
 * ims_medsec: the session table, leg lookup, teardown and expiry.
 */
#include <string.h>

#include "core/dprint.h"

#include "medsec_agw.h"
#include "medsec_ht.h"
#include "medsec_session.h"

int medsec_session_timeout = 7200;
int medsec_session_table_size = 4096;

static medsec_ht_t *_medsec_calls = NULL;

int medsec_session_init(void)
{
	_medsec_calls = medsec_ht_new(
			(unsigned int)medsec_session_table_size, sizeof(medsec_call_t));
	return _medsec_calls ? 0 : -1;
}

void medsec_session_destroy(void)
{
	medsec_ht_free(_medsec_calls);
	_medsec_calls = NULL;
}

int medsec_session_timer_interval(void)
{
	int s = medsec_session_timeout / 5;

	return s < 1 ? 1 : s > 60 ? 60 : s;
}

unsigned int medsec_session_count(void)
{
	return _medsec_calls ? medsec_ht_count(_medsec_calls) : 0;
}

int medsec_session_get(const str *callid, medsec_call_t *c, int refresh)
{
	return medsec_ht_get(
			_medsec_calls, callid, c, refresh ? medsec_session_timeout : 0);
}

typedef struct store_param
{
	const medsec_call_t *base;
	int legs;			/* legs left in the stored value */
	unsigned int roles; /* roles the stored value had before the merge */
} store_param_t;

static void store_merge(void *stored, const void *value, void *param)
{
	store_param_t *p = param;

	p->roles = medsec_leg_roles(stored);
	if(medsec_call_merge(stored, value, p->base) > 0)
		LM_WARN("a call has more than %d legs: the newest is not kept\n",
				MEDSEC_MAX_LEGS);
	p->legs = medsec_leg_count(stored, MEDSEC_ROLE_NONE);
}

int medsec_session_store(
		const str *callid, const medsec_call_t *c, const medsec_call_t *base)
{
	return medsec_session_store_roles(callid, c, base, NULL);
}

int medsec_session_store_roles(const str *callid, const medsec_call_t *c,
		const medsec_call_t *base, unsigned int *roles)
{
	store_param_t p = {base, medsec_leg_count(c, MEDSEC_ROLE_NONE), 0};
	int r;

	if(base == NULL && p.legs == 0)
		return 0;
	r = medsec_ht_merge(
			_medsec_calls, callid, c, medsec_session_timeout, store_merge, &p);
	if(r >= 0 && p.legs == 0)
		medsec_ht_del(_medsec_calls, callid);
	if(roles)
		*roles = r == 1 ? p.roles : 0;
	return r;
}

void medsec_session_passage(sip_msg_t *msg, const medsec_ids_t *ids,
		const medsec_call_t *c, int side, medsec_passage_t *p)
{
	p->initial = medsec_sip_initial_invite(msg, ids);
	p->side = side;
	p->sender_caller =
			c->caller == 0
			|| c->caller == medsec_leg_hash(ids->from_tag.s, ids->from_tag.len);
	/* the Via walk only where it decides: a hairpin, side unknown */
	p->first = 1;
	if(side < 0
			&& medsec_leg_roles(c)
					   == ((1U << MEDSEC_ROLE_ORIG) | (1U << MEDSEC_ROLE_TERM)))
		p->first = medsec_sip_first_passage(msg);
}

int medsec_session_leg(sip_msg_t *msg, const medsec_ids_t *ids,
		const medsec_call_t *c, int side)
{
	medsec_passage_t p;
	const str *callee;
	uint32_t via = 0;
	int role;

	medsec_session_passage(msg, ids, c, side, &p);
	role = medsec_leg_role(c, &p);
	if(role == MEDSEC_ROLE_NONE)
		return -1;
	if(ids->cseq_invite && ids->via_branch.len > 0)
		via = medsec_leg_hash(ids->via_branch.s, ids->via_branch.len);
	callee = p.sender_caller ? &ids->to_tag : &ids->from_tag;
	return medsec_leg_pick(c, role, via, callee->s, callee->len);
}

void medsec_session_ng_name(medsec_ids_t *ids, const medsec_leg_t *l)
{
	static char name[MEDSEC_CALLID_MAX + 4];
	int n = ids->callid.len;

	if(!l->named)
		return;
	if(n > MEDSEC_CALLID_MAX)
		n = MEDSEC_CALLID_MAX; /* rtpengine only needs it unique enough */
	memcpy(name, ids->callid.s, n);
	memcpy(name + n, l->role == MEDSEC_ROLE_TERM ? ";mt" : ";mo", 3);
	ids->callid.s = name;
	ids->callid.len = n + 3;
}

void medsec_session_branch_ids(medsec_ids_t *ids, const char *tag, int len)
{
	ids->from_tag.s = (char *)tag;
	ids->from_tag.len = len;
	ids->to_tag.len = 0;
}

int medsec_session_agw_delete(const medsec_ids_t *ids, const medsec_leg_t *l)
{
	medsec_ids_t w = *ids;

	if(l->node < 0)
		return MEDSEC_OK;
	w.to_tag.len = 0;
	w.via_branch.len = 0;
	medsec_session_ng_name(&w, l);
	return medsec_agw_delete(&w, l->node);
}

/* One parallel fork of a role whose AGW call goes on: its AGW branch (by
 * Via branch, and To tag per early dialog) goes. */
static int fork_delete(const medsec_ids_t *ids, const medsec_leg_t *l)
{
	medsec_ids_t b = *ids;
	int i, r = MEDSEC_OK, any = 0;

	if(l->node < 0)
		return MEDSEC_OK;
	b.to_tag.len = 0;
	medsec_session_ng_name(&b, l);
	for(i = 0; i < MEDSEC_MAX_DIALOGS; i++) {
		if(l->dlg[i].len == 0)
			continue;
		medsec_session_branch_ids(&b, l->dlg[i].tag, l->dlg[i].len);
		r = medsec_agw_delete(&b, l->node);
		any = 1;
	}
	return any ? r : medsec_agw_delete(&b, l->node);
}

int medsec_session_leg_release(
		const medsec_ids_t *ids, const medsec_call_t *c, int i)
{
	if(medsec_leg_sibling(c, i) >= 0)
		return fork_delete(ids, &c->leg[i]);
	return medsec_session_agw_delete(ids, &c->leg[i]);
}

/* BYE and the like: every leg of the role goes, with its AGW call. */
static int role_delete(const medsec_ids_t *ids, medsec_call_t *c, int i)
{
	int role = c->leg[i].role, r, j;

	r = medsec_session_agw_delete(ids, &c->leg[i]);
	for(j = 0; j < MEDSEC_MAX_LEGS; j++)
		if(c->leg[j].via != 0 && c->leg[j].role == role)
			medsec_leg_remove(c, j);
	return r;
}

int medsec_session_delete(sip_msg_t *msg)
{
	medsec_ids_t ids;
	medsec_call_t c, base;
	int i, r;

	if(medsec_sip_ids(msg, &ids) < 0)
		return MEDSEC_ERR_MSG;
	if(medsec_session_get(&ids.callid, &c, 0) < 0)
		return MEDSEC_ERR_NOCALL;
	base = c;
	if((i = medsec_session_leg(msg, &ids, &c, -1)) < 0) {
		LM_NOTICE("%.*s for call %.*s matches none of its legs\n",
				msg->first_line.type == SIP_REQUEST
						? msg->first_line.u.request.method.len
						: 5,
				msg->first_line.type == SIP_REQUEST
						? msg->first_line.u.request.method.s
						: "reply",
				ids.callid.len, ids.callid.s);
		return MEDSEC_ERR_NOCALL;
	}
	if(medsec_sip_initial_invite(msg, &ids) && medsec_leg_sibling(&c, i) >= 0) {
		/* a failed parallel fork: the others go on */
		r = fork_delete(&ids, &c.leg[i]);
		LM_INFO("call %.*s: a forked branch ended, %d left (%s leg)\n",
				ids.callid.len, ids.callid.s,
				medsec_leg_count(&c, c.leg[i].role) - 1,
				medsec_role_name(c.leg[i].role));
		medsec_leg_remove(&c, i);
	} else {
		LM_INFO("call %.*s: %s leg released\n", ids.callid.len, ids.callid.s,
				medsec_role_name(c.leg[i].role));
		r = role_delete(&ids, &c, i);
	}
	/* the AGW state is gone (or unreachable): forget the leg either way */
	medsec_session_store(&ids.callid, &c, &base);
	return r;
}

typedef struct walk
{
	medsec_session_walk_f f;
	void *param;
} walk_t;

static int walk_one(const str *key, const void *value, int ttl, void *p)
{
	const medsec_call_t *c = value;
	walk_t *w = p;
	int i;

	for(i = 0; i < MEDSEC_MAX_LEGS; i++)
		if(c->leg[i].via != 0 && w->f(key, &c->leg[i], ttl, w->param))
			return 1;
	return 0;
}

unsigned int medsec_session_walk(medsec_session_walk_f f, void *param)
{
	walk_t w = {f, param};

	return _medsec_calls ? medsec_ht_walk(_medsec_calls, walk_one, &w) : 0;
}

/* Calls that expire in one pass and are checked on their AGW node; more
 * are only forgotten (rtpengine's own timeouts end their media). */
#define MEDSEC_EXPIRE_BATCH 32

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
	int i, anchored = 0;

	for(i = 0; i < MEDSEC_MAX_LEGS; i++)
		anchored |= call->leg[i].via != 0 && call->leg[i].node >= 0;
	if(!anchored)
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

/* medsec_ht_merge: an entry re-created meanwhile stays as it is */
static void keep_stored(void *stored, const void *value, void *param)
{
}

/* 1 when media moved on an AGW call of c since the last check (the
 * packet totals are updated in c). */
static int media_moved(const str *callid, medsec_call_t *c)
{
	medsec_ids_t ids;
	medsec_leg_t *l;
	uint64_t pkts;
	int i, moved = 0;

	memset(&ids, 0, sizeof(ids));
	for(i = 0; i < MEDSEC_MAX_LEGS; i++) {
		l = &c->leg[i];
		if(l->via == 0 || l->node < 0 || medsec_leg_find(c, l->role, 0) != i)
			continue; /* one query per AGW call (per role) */
		ids.callid = *callid;
		medsec_session_ng_name(&ids, l);
		if(medsec_agw_packets(&ids, l->node, &pkts) == MEDSEC_OK
				&& pkts > l->packets) {
			l->packets = pkts;
			moved = 1;
		}
	}
	return moved;
}

/*
 * A call without a SIP message for session_timeout seconds is checked on
 * its AGW node(s): when media moved since the last check (rtpengine's RTP
 * packet total grew), it is a long call and is kept for another period;
 * otherwise the dialog died without a BYE: each of its AGW calls is
 * deleted (ng delete with the Call-ID alone) and the call forgotten.  The
 * ng requests are sent out of the table's locks.
 */
void medsec_session_expire(void)
{
	static expired_t x; /* the timer process's own */
	medsec_ids_t ids;
	unsigned int n, i, kept = 0, deleted = 0;
	medsec_call_t *c;
	str key;
	int j;

	if(_medsec_calls == NULL)
		return;
	x.n = x.lost = 0;
	n = medsec_ht_expire_f(_medsec_calls, expire_one, &x);
	if(n == 0)
		return;
	memset(&ids, 0, sizeof(ids));
	for(i = 0; i < x.n; i++) {
		c = &x.c[i].call;
		key.s = x.c[i].callid;
		key.len = x.c[i].len;
		if(media_moved(&key, c)) {
			medsec_ht_merge(_medsec_calls, &key, c, medsec_session_timeout,
					keep_stored, NULL);
			kept++;
			continue;
		}
		ids.callid = key;
		for(j = 0; j < MEDSEC_MAX_LEGS; j++)
			if(c->leg[j].via != 0 && medsec_leg_find(c, c->leg[j].role, 0) == j)
				medsec_session_agw_delete(&ids, &c->leg[j]);
		deleted++;
	}
	LM_INFO("%u calls without a message for %d s: %u kept (media flows), %u"
			" deleted on the gateway, %u forgotten\n",
			n, medsec_session_timeout, kept, deleted, n - kept - deleted);
}
