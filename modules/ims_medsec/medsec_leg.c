/*
 * ims_medsec: the legs of a call (pure).
 */
#include <string.h>

#include "medsec_leg.h"

void medsec_call_clear(medsec_call_t *c)
{
	int i;

	memset(c, 0, sizeof(*c));
	for(i = 0; i < MEDSEC_MAX_LEGS; i++)
		c->leg[i].node = -1;
}

uint32_t medsec_leg_hash(const char *s, size_t len)
{
	uint32_t h = 2166136261u;
	size_t i;

	for(i = 0; i < len; i++)
		h = (h ^ (unsigned char)s[i]) * 16777619u;
	return h ? h : 1;
}

int medsec_leg_find(const medsec_call_t *c, int role, uint32_t via)
{
	int i;

	for(i = 0; i < MEDSEC_MAX_LEGS; i++)
		if(c->leg[i].via != 0 && c->leg[i].role == role
				&& (via == 0 || c->leg[i].via == via))
			return i;
	return -1;
}

unsigned int medsec_leg_roles(const medsec_call_t *c)
{
	unsigned int r = 0;
	int i;

	for(i = 0; i < MEDSEC_MAX_LEGS; i++)
		if(c->leg[i].via != 0)
			r |= 1U << c->leg[i].role;
	return r;
}

int medsec_leg_count(const medsec_call_t *c, int role)
{
	int i, n = 0;

	for(i = 0; i < MEDSEC_MAX_LEGS; i++)
		if(c->leg[i].via != 0
				&& (role == MEDSEC_ROLE_NONE || c->leg[i].role == role))
			n++;
	return n;
}

int medsec_leg_add(medsec_call_t *c, int role, uint32_t via)
{
	int i, sib = medsec_leg_find(c, role, 0);
	int other = role == MEDSEC_ROLE_ORIG ? MEDSEC_ROLE_TERM : MEDSEC_ROLE_ORIG;
	medsec_leg_t *l;

	for(i = 0; i < MEDSEC_MAX_LEGS && c->leg[i].via != 0; i++)
		;
	if(i == MEDSEC_MAX_LEGS || via == 0)
		return -1;
	l = &c->leg[i];
	memset(l, 0, sizeof(*l));
	l->via = via;
	l->role = (uint8_t)role;
	l->node = -1;
	if(sib >= 0) {
		l->node = c->leg[sib].node;
		l->named = c->leg[sib].named;
	} else {
		l->named = medsec_leg_find(c, other, 0) >= 0;
	}
	return i;
}

void medsec_leg_remove(medsec_call_t *c, int i)
{
	if(i < 0 || i >= MEDSEC_MAX_LEGS)
		return;
	memset(&c->leg[i], 0, sizeof(c->leg[i]));
	c->leg[i].node = -1;
}

int medsec_leg_sibling(const medsec_call_t *c, int i)
{
	int j;

	for(j = 0; j < MEDSEC_MAX_LEGS; j++)
		if(j != i && c->leg[j].via != 0 && c->leg[j].role == c->leg[i].role)
			return j;
	return -1;
}

int medsec_dialog_find(const medsec_leg_t *l, const char *tag, size_t len)
{
	int i;

	if(len == 0)
		return -1;
	for(i = 0; i < MEDSEC_MAX_DIALOGS; i++)
		if(l->dlg[i].len == len && memcmp(l->dlg[i].tag, tag, len) == 0)
			return i;
	return -1;
}

int medsec_dialog_add(medsec_leg_t *l, const char *tag, size_t len, int *added)
{
	int i = medsec_dialog_find(l, tag, len);

	*added = 0;
	if(i >= 0)
		return i;
	if(len == 0 || len > MEDSEC_TAG_MAX)
		return -1;
	for(i = 0; i < MEDSEC_MAX_DIALOGS && l->dlg[i].len != 0; i++)
		;
	if(i == MEDSEC_MAX_DIALOGS)
		return -1;
	memcpy(l->dlg[i].tag, tag, len);
	l->dlg[i].len = (uint8_t)len;
	*added = 1;
	return i;
}

int medsec_leg_pick(const medsec_call_t *c, int role, uint32_t via,
		const char *callee_tag, size_t len)
{
	int i, only = -1, n = 0, confirmed = -1;

	if(via != 0 && (i = medsec_leg_find(c, role, via)) >= 0)
		return i;
	for(i = 0; i < MEDSEC_MAX_LEGS; i++) {
		if(c->leg[i].via == 0 || c->leg[i].role != role)
			continue;
		if(medsec_dialog_find(&c->leg[i], callee_tag, len) >= 0)
			return i;
		if(c->leg[i].confirmed && confirmed < 0)
			confirmed = i;
		only = i;
		n++;
	}
	if(confirmed >= 0)
		return confirmed;
	return n == 1 ? only : -1;
}

int medsec_leg_role(const medsec_call_t *c, const medsec_passage_t *p)
{
	unsigned int roles = medsec_leg_roles(c);
	int served_caller;

	if(p->initial && p->side >= 0)
		return p->side ? MEDSEC_ROLE_ORIG : MEDSEC_ROLE_TERM;
	if(roles == (1U << MEDSEC_ROLE_ORIG))
		return MEDSEC_ROLE_ORIG;
	if(roles == (1U << MEDSEC_ROLE_TERM))
		return MEDSEC_ROLE_TERM;
	if(roles == 0)
		return MEDSEC_ROLE_NONE;
	/* a hairpin: the passage nearer the sender serves the sender */
	if(p->side >= 0)
		served_caller = p->side == p->sender_caller;
	else
		served_caller = p->first == p->sender_caller;
	return served_caller ? MEDSEC_ROLE_ORIG : MEDSEC_ROLE_TERM;
}

/* dialogs of s, with mine's additions and removals against base applied */
static void dialog_merge(
		medsec_leg_t *s, const medsec_leg_t *m, const medsec_leg_t *b)
{
	int i, j, added;

	for(i = 0; b && i < MEDSEC_MAX_DIALOGS; i++) {
		if(b->dlg[i].len == 0
				|| medsec_dialog_find(m, b->dlg[i].tag, b->dlg[i].len) >= 0)
			continue;
		j = medsec_dialog_find(s, b->dlg[i].tag, b->dlg[i].len);
		if(j >= 0)
			memset(&s->dlg[j], 0, sizeof(s->dlg[j]));
	}
	for(i = 0; i < MEDSEC_MAX_DIALOGS; i++) {
		if(m->dlg[i].len == 0
				|| (b
						&& medsec_dialog_find(b, m->dlg[i].tag, m->dlg[i].len)
								   >= 0))
			continue;
		medsec_dialog_add(s, m->dlg[i].tag, m->dlg[i].len, &added);
	}
}

/* mine's leg l, changed or added, written over the stored one */
static int leg_put(
		medsec_call_t *s, const medsec_leg_t *l, const medsec_leg_t *b)
{
	medsec_dialog_t dlg[MEDSEC_MAX_DIALOGS];
	medsec_leg_t tmp;
	int i = medsec_leg_find(s, l->role, l->via), confirmed = 0;

	if(i < 0) {
		for(i = 0; i < MEDSEC_MAX_LEGS && s->leg[i].via != 0; i++)
			;
		if(i == MEDSEC_MAX_LEGS)
			return -1;
		memset(&s->leg[i], 0, sizeof(s->leg[i]));
	} else {
		confirmed = s->leg[i].confirmed;
	}
	tmp = s->leg[i];
	dialog_merge(&tmp, l, b);
	memcpy(dlg, tmp.dlg, sizeof(dlg));
	s->leg[i] = *l;
	memcpy(s->leg[i].dlg, dlg, sizeof(dlg));
	s->leg[i].confirmed |= (uint8_t)confirmed;
	return 0;
}

int medsec_call_merge(medsec_call_t *stored, const medsec_call_t *mine,
		const medsec_call_t *base)
{
	const medsec_leg_t *b, *m;
	int i, j, dropped = 0;

	for(i = 0; base && i < MEDSEC_MAX_LEGS; i++) {
		b = &base->leg[i];
		if(b->via == 0 || medsec_leg_find(mine, b->role, b->via) >= 0)
			continue;
		medsec_leg_remove(stored, medsec_leg_find(stored, b->role, b->via));
	}
	for(i = 0; i < MEDSEC_MAX_LEGS; i++) {
		m = &mine->leg[i];
		if(m->via == 0)
			continue;
		j = base ? medsec_leg_find(base, m->role, m->via) : -1;
		b = j >= 0 ? &base->leg[j] : NULL;
		if(b && memcmp(b, m, sizeof(*m)) == 0)
			continue;
		if(leg_put(stored, m, b) < 0)
			dropped++;
	}
	if(stored->caller == 0)
		stored->caller = mine->caller;
	return dropped;
}

const char *medsec_role_name(int role)
{
	return role == MEDSEC_ROLE_ORIG	  ? "orig"
		   : role == MEDSEC_ROLE_TERM ? "term"
									  : "none";
}
