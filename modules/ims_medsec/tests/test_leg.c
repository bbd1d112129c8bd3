/*
 * The legs of a call (medsec_leg.c): which leg a message belongs to in
 * each call shape (one passage, a hairpin's two, parallel forks, early
 * dialogs), the AGW call naming, and the merge of concurrent updates.
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "medsec_leg.h"

#define ORIG MEDSEC_ROLE_ORIG
#define TERM MEDSEC_ROLE_TERM

static uint32_t h(const char *s)
{
	return medsec_leg_hash(s, strlen(s));
}

static int dlg(medsec_leg_t *l, const char *tag)
{
	int added;

	return medsec_dialog_add(l, tag, strlen(tag), &added);
}

static int pick(
		const medsec_call_t *c, int role, const char *via, const char *callee)
{
	return medsec_leg_pick(
			c, role, via ? h(via) : 0, callee, callee ? strlen(callee) : 0);
}

static int role(const medsec_call_t *c, int initial, int side,
		int sender_caller, int first)
{
	medsec_passage_t p = {initial, side, sender_caller, first};

	return medsec_leg_role(c, &p);
}

static void test_hash_never_zero(void **state)
{
	(void)state;
	assert_int_not_equal(medsec_leg_hash("", 0), 0);
	assert_int_equal(h("z9hG4bK1"), h("z9hG4bK1"));
	assert_int_not_equal(h("z9hG4bK1"), h("z9hG4bK2"));
}

/* One passage: every message of the call goes to its one leg. */
static void test_one_passage(void **state)
{
	medsec_call_t c;
	int i;
	(void)state;

	medsec_call_clear(&c);
	assert_int_equal(role(&c, 0, -1, 1, 1), MEDSEC_ROLE_NONE);
	assert_int_equal(role(&c, 1, 1, 1, 1), ORIG);
	i = medsec_leg_add(&c, ORIG, h("vA"));
	assert_int_equal(i, 0);
	assert_int_equal(c.leg[i].node, -1);
	assert_int_equal(c.leg[i].named, 0);
	/* a reply, a BYE from either end, from either side */
	assert_int_equal(role(&c, 0, -1, 0, 1), ORIG);
	assert_int_equal(role(&c, 0, 0, 0, 0), ORIG);
	assert_int_equal(pick(&c, ORIG, "other", "tagB"), i);
	assert_int_equal(pick(&c, TERM, NULL, NULL), -1);
	assert_int_equal(medsec_leg_add(&c, ORIG, 0), -1);
}

/* A hairpin: the second passage gets a named AGW call; each message goes
 * to the passage that serves the UE on its side. */
static void test_hairpin_roles(void **state)
{
	medsec_call_t c;
	int o, t;
	(void)state;

	medsec_call_clear(&c);
	o = medsec_leg_add(&c, ORIG, h("vA"));
	c.leg[o].node = 1;
	t = medsec_leg_add(&c, TERM, h("vS"));
	assert_int_equal(c.leg[o].named, 0);
	assert_int_equal(c.leg[t].named, 1);
	assert_int_equal(c.leg[t].node, -1); /* its own AGW call */
	assert_int_equal(medsec_leg_roles(&c), (1U << ORIG) | (1U << TERM));
	/* initial INVITE: the side decides */
	assert_int_equal(role(&c, 1, 1, 1, 1), ORIG);
	assert_int_equal(role(&c, 1, 0, 1, 0), TERM);
	/* A's request: from the UE side at its first passage (A's leg), from
	 * the core at the second (B's leg) */
	assert_int_equal(role(&c, 0, 1, 1, 1), ORIG);
	assert_int_equal(role(&c, 0, 0, 1, 0), TERM);
	assert_int_equal(role(&c, 0, -1, 1, 1), ORIG);
	assert_int_equal(role(&c, 0, -1, 1, 0), TERM);
	/* B's request: the other way round */
	assert_int_equal(role(&c, 0, 1, 0, 1), TERM);
	assert_int_equal(role(&c, 0, 0, 0, 0), ORIG);
	assert_int_equal(role(&c, 0, -1, 0, 1), TERM);
	assert_int_equal(role(&c, 0, -1, 0, 0), ORIG);
	/* a failed initial INVITE seen in failure_route: side unknown */
	assert_int_equal(role(&c, 1, -1, 1, 0), TERM);
	assert_int_equal(role(&c, 1, -1, 1, 1), ORIG);
	/* once A's leg is gone (BYE's first passage), the rest is B's */
	medsec_leg_remove(&c, o);
	assert_int_equal(role(&c, 0, -1, 1, 0), TERM);
	assert_int_equal(role(&c, 0, -1, 1, 1), TERM);
}

/* Parallel forks of one passage share its AGW call; each has its leg. */
static void test_parallel_forks(void **state)
{
	medsec_call_t c;
	int a, b, x;
	(void)state;

	medsec_call_clear(&c);
	a = medsec_leg_add(&c, TERM, h("v1"));
	c.leg[a].node = 2;
	c.leg[a].st.mode = MEDSEC_MODE_E2AE;
	b = medsec_leg_add(&c, TERM, h("v2"));
	assert_int_equal(c.leg[b].node, 2);
	assert_int_equal(c.leg[b].named, 0);
	assert_int_equal(c.leg[b].st.mode, MEDSEC_MODE_NONE);
	assert_int_equal(medsec_leg_sibling(&c, a), b);
	assert_int_equal(medsec_leg_sibling(&c, b), a);
	assert_int_equal(medsec_leg_count(&c, TERM), 2);
	/* replies by their Via, in-dialog messages by their dialog */
	assert_int_equal(pick(&c, TERM, "v1", "x"), a);
	assert_int_equal(pick(&c, TERM, "v2", "x"), b);
	assert_int_not_equal(dlg(&c.leg[b], "tagB2"), -1);
	assert_int_equal(pick(&c, TERM, NULL, "tagB2"), b);
	/* ambiguous without a dialog, until one leg is confirmed */
	assert_int_equal(pick(&c, TERM, NULL, "tagZ"), -1);
	c.leg[a].confirmed = 1;
	assert_int_equal(pick(&c, TERM, NULL, "tagZ"), a);
	/* the table is bounded */
	x = medsec_leg_add(&c, TERM, h("v3"));
	assert_int_not_equal(x, -1);
	assert_int_not_equal(medsec_leg_add(&c, ORIG, h("v4")), -1);
	assert_int_equal(medsec_leg_add(&c, TERM, h("v5")), -1);
}

static void test_dialogs(void **state)
{
	medsec_leg_t l;
	char big[MEDSEC_TAG_MAX + 1];
	int added, i;
	(void)state;

	memset(&l, 0, sizeof(l));
	assert_int_equal(medsec_dialog_add(&l, "a", 0, &added), -1);
	memset(big, 'x', sizeof(big));
	assert_int_equal(medsec_dialog_add(&l, big, sizeof(big), &added), -1);
	assert_int_equal(medsec_dialog_add(&l, big, MEDSEC_TAG_MAX, &added), 0);
	assert_int_equal(added, 1);
	assert_int_equal(medsec_dialog_add(&l, big, MEDSEC_TAG_MAX, &added), 0);
	assert_int_equal(added, 0);
	for(i = 1; i < MEDSEC_MAX_DIALOGS; i++)
		assert_int_equal(
				medsec_dialog_add(&l, (char[]){'0' + i}, 1, &added), i);
	assert_int_equal(medsec_dialog_add(&l, "z", 1, &added), -1);
	assert_int_equal(medsec_dialog_find(&l, "2", 1), 2);
	assert_int_equal(medsec_dialog_find(&l, "", 0), -1);
}

/* Two processes add different early dialogs to one leg at once (two
 * forks' 183s): neither is lost. */
static void test_merge_concurrent_dialogs(void **state)
{
	medsec_call_t base, p1, p2, stored;
	int i;
	(void)state;

	medsec_call_clear(&base);
	i = medsec_leg_add(&base, ORIG, h("vA"));
	p1 = p2 = stored = base;
	dlg(&p1.leg[i], "t1");
	dlg(&p2.leg[i], "t2");
	assert_int_equal(medsec_call_merge(&stored, &p1, &base), 0);
	assert_int_equal(medsec_call_merge(&stored, &p2, &base), 0);
	assert_int_not_equal(medsec_dialog_find(&stored.leg[i], "t1", 2), -1);
	assert_int_not_equal(medsec_dialog_find(&stored.leg[i], "t2", 2), -1);
	/* one removes t1 (its dialog lost) while another adds t3 */
	base = p1 = p2 = stored;
	memset(&p1.leg[i].dlg[medsec_dialog_find(&p1.leg[i], "t1", 2)], 0,
			sizeof(medsec_dialog_t));
	dlg(&p2.leg[i], "t3");
	medsec_call_merge(&stored, &p2, &base);
	medsec_call_merge(&stored, &p1, &base);
	assert_int_equal(medsec_dialog_find(&stored.leg[i], "t1", 2), -1);
	assert_int_not_equal(medsec_dialog_find(&stored.leg[i], "t2", 2), -1);
	assert_int_not_equal(medsec_dialog_find(&stored.leg[i], "t3", 2), -1);
}

/* A hairpin's two passages handled at once: each leg keeps its own
 * update; a leg removed by one process goes; an untouched leg stays. */
static void test_merge_legs(void **state)
{
	medsec_call_t base, p1, p2, stored;
	int o, t;
	(void)state;

	medsec_call_clear(&base);
	o = medsec_leg_add(&base, ORIG, h("vA"));
	t = medsec_leg_add(&base, TERM, h("vS"));
	p1 = p2 = stored = base;
	p1.leg[o].st.mode = MEDSEC_MODE_E2AE;
	p1.leg[o].node = 0;
	p2.leg[t].st.mode = MEDSEC_MODE_PLAIN;
	p2.leg[t].confirmed = 1;
	medsec_call_merge(&stored, &p1, &base);
	medsec_call_merge(&stored, &p2, &base);
	assert_int_equal(stored.leg[o].st.mode, MEDSEC_MODE_E2AE);
	assert_int_equal(stored.leg[o].node, 0);
	assert_int_equal(stored.leg[t].st.mode, MEDSEC_MODE_PLAIN);
	assert_int_equal(stored.leg[t].confirmed, 1);
	/* a stale writer does not undo "confirmed" */
	p1 = base;
	p1.leg[t].answered = 1;
	medsec_call_merge(&stored, &p1, &base);
	assert_int_equal(stored.leg[t].confirmed, 1);
	/* a removal */
	base = p1 = stored;
	medsec_leg_remove(&p1, o);
	medsec_call_merge(&stored, &p1, &base);
	assert_int_equal(medsec_leg_count(&stored, MEDSEC_ROLE_NONE), 1);
	assert_int_equal(medsec_leg_find(&stored, TERM, 0), t);
}

/* Two INVITEs of a call, both seen as new (no base): the second merges
 * its leg into the first's entry; a full entry drops and counts. */
static void test_merge_new_and_full(void **state)
{
	medsec_call_t a, b, stored;
	int i;
	(void)state;

	medsec_call_clear(&a);
	medsec_call_clear(&b);
	a.caller = h("fromA");
	b.caller = h("fromA");
	medsec_leg_add(&a, TERM, h("v1"));
	medsec_leg_add(&b, TERM, h("v2"));
	stored = a;
	assert_int_equal(medsec_call_merge(&stored, &b, NULL), 0);
	assert_int_equal(medsec_leg_count(&stored, TERM), 2);
	assert_int_equal(stored.caller, h("fromA"));
	for(i = 3; i <= 4; i++) {
		medsec_call_clear(&b);
		medsec_leg_add(&b, TERM, h(i == 3 ? "v3" : "v4"));
		assert_int_equal(medsec_call_merge(&stored, &b, NULL), 0);
	}
	medsec_call_clear(&b);
	medsec_leg_add(&b, TERM, h("v5"));
	assert_int_equal(medsec_call_merge(&stored, &b, NULL), 1);
	assert_int_equal(medsec_leg_count(&stored, TERM), MEDSEC_MAX_LEGS);
}

static void test_role_names(void **state)
{
	(void)state;
	assert_string_equal(medsec_role_name(ORIG), "orig");
	assert_string_equal(medsec_role_name(TERM), "term");
	assert_string_equal(medsec_role_name(7), "none");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test(test_hash_never_zero),
			cmocka_unit_test(test_one_passage),
			cmocka_unit_test(test_hairpin_roles),
			cmocka_unit_test(test_parallel_forks),
			cmocka_unit_test(test_dialogs),
			cmocka_unit_test(test_merge_concurrent_dialogs),
			cmocka_unit_test(test_merge_legs),
			cmocka_unit_test(test_merge_new_and_full),
			cmocka_unit_test(test_role_names),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
