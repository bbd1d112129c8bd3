/*
 * bencode encoder and decoder: round trips, rejected inputs, limits, the
 * encoder's sticky errors and tree traversal.  Every decoder input sits
 * right before a guard page, so a one-byte over-read crashes the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "rtpengine-ng/rng.h"
#include "guard.h"

#define NODES 70000

static rng_bnode nodes[NODES];
static rng_bdoc D;
static guard G;

/* Decode a guarded copy of s; nodes stay valid until the next call. */
static int dec_cap(const char *s, size_t len, uint32_t cap, size_t *consumed)
{
	guard_free(&G);
	guard_dup(&G, s, len);
	D.nodes = nodes;
	D.cap = cap;
	D.n = 12345;
	return rng_bdecode(&D, G.p, len, consumed);
}

static int dec(const char *s, size_t len, size_t *consumed)
{
	return dec_cap(s, len, NODES, consumed);
}

#define DECL(lit) dec((lit), sizeof(lit) - 1, NULL)

static int teardown(void **state)
{
	(void)state;
	guard_free(&G);
	return 0;
}

/* ---- encoder output ---- */

static void build_sample(rng_benc *e)
{
	rng_benc_dict(e);
	rng_benc_kv_cstr(e, "command", "ping");
	rng_benc_kv_int(e, "n", 42);
	rng_benc_kv_int(e, "neg", -7);
	rng_benc_cstr(e, "l");
	rng_benc_list(e);
	rng_benc_cstr(e, "a");
	rng_benc_str(e, NULL, 0);
	rng_benc_int(e, 0);
	rng_benc_end(e);
	rng_benc_cstr(e, "e");
	rng_benc_dict(e);
	rng_benc_end(e);
	rng_benc_kv_str(e, "bin", "x\0y", 3);
	rng_benc_end(e);
}

static const char sample[] =
		"d7:command4:ping1:ni42e3:negi-7e1:ll1:a0:i0ee1:ede3:bin3:x\0ye";

static void test_encode_exact(void **state)
{
	char buf[256];
	rng_benc e;
	(void)state;

	rng_benc_init(&e, buf, sizeof(buf));
	build_sample(&e);
	assert_int_equal(rng_benc_finish(&e), RNG_OK);
	assert_int_equal(e.len, sizeof(sample) - 1);
	assert_memory_equal(buf, sample, sizeof(sample) - 1);
	assert_int_equal(e.depth, 0);
}

/* ---- round trips ---- */

static void test_roundtrip_strings(void **state)
{
	static char buf[RNG_MAX_MSG];
	static char big[60000];
	char all[256];
	const rng_bnode *n;
	rng_benc e;
	size_t used, i;
	(void)state;

	for(i = 0; i < sizeof(all); i++)
		all[i] = (char)i;
	for(i = 0; i < sizeof(big); i++)
		big[i] = (char)(i * 7 + 3);
	rng_benc_init(&e, buf, sizeof(buf));
	rng_benc_list(&e);
	rng_benc_str(&e, "a\0b\0", 4);
	rng_benc_str(&e, "", 0);
	rng_benc_str(&e, all, sizeof(all));
	rng_benc_str(&e, "\0", 1);
	rng_benc_str(&e, big, sizeof(big));
	rng_benc_end(&e);
	assert_int_equal(rng_benc_finish(&e), RNG_OK);

	assert_int_equal(dec(buf, e.len, &used), RNG_OK);
	assert_int_equal(used, e.len);
	assert_int_equal(D.n, 6);
	assert_int_equal(D.nodes[0].type, RNG_BLIST);
	assert_int_equal(D.nodes[0].count, 5);
	assert_int_equal(D.nodes[0].next, 6);
	n = rng_bchild(&D, &D.nodes[0]);
	assert_non_null(n);
	assert_int_equal(n->type, RNG_BSTR);
	assert_int_equal(n->len, 4);
	assert_memory_equal(n->s, "a\0b\0", 4);
	/* strings point into the input */
	assert_true(n->s >= G.p && n->s + n->len <= G.p + G.len);
	n = rng_bnext(&D, &D.nodes[0], n);
	assert_int_equal(n->type, RNG_BSTR);
	assert_int_equal(n->len, 0);
	assert_true(rng_bstr_eq(n, ""));
	n = rng_bnext(&D, &D.nodes[0], n);
	assert_int_equal(n->len, 256);
	assert_memory_equal(n->s, all, 256);
	n = rng_bnext(&D, &D.nodes[0], n);
	assert_int_equal(n->len, 1);
	assert_int_equal(n->s[0], 0);
	n = rng_bnext(&D, &D.nodes[0], n);
	assert_int_equal(n->len, sizeof(big));
	assert_memory_equal(n->s, big, sizeof(big));
	assert_null(rng_bnext(&D, &D.nodes[0], n));

	/* a lone empty string */
	assert_int_equal(DECL("0:"), RNG_OK);
	assert_int_equal(D.n, 1);
	assert_int_equal(D.nodes[0].type, RNG_BSTR);
	assert_int_equal(D.nodes[0].len, 0);
}

static void test_roundtrip_ints(void **state)
{
	static const struct
	{
		int64_t v;
		const char *text;
	} t[] = {
			{0, "i0e"},
			{1, "i1e"},
			{-1, "i-1e"},
			{42, "i42e"},
			{-42, "i-42e"},
			{1000000000000000000LL, "i1000000000000000000e"},
			{INT64_MAX, "i9223372036854775807e"},
			{INT64_MAX - 1, "i9223372036854775806e"},
			{INT64_MIN, "i-9223372036854775808e"},
			{INT64_MIN + 1, "i-9223372036854775807e"},
	};
	size_t i, used;
	(void)state;

	for(i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		char buf[32];
		rng_benc e;
		rng_benc_init(&e, buf, sizeof(buf));
		rng_benc_int(&e, t[i].v);
		assert_int_equal(rng_benc_finish(&e), RNG_OK);
		assert_int_equal(e.len, strlen(t[i].text));
		assert_memory_equal(buf, t[i].text, e.len);
		assert_int_equal(dec(buf, e.len, &used), RNG_OK);
		assert_int_equal(used, e.len);
		assert_int_equal(D.n, 1);
		assert_int_equal(D.nodes[0].type, RNG_BINT);
		assert_true(D.nodes[0].i == t[i].v);
		assert_int_equal(D.nodes[0].next, 1);
	}
}

static void test_roundtrip_nested(void **state)
{
	static const char msg[] = "d1:ad1:bl0:lelleedeee1:cle1:dde1:ei-5ee";
	char buf[128];
	rng_benc e;
	const rng_bnode *root, *a, *b, *k, *x;
	size_t used;
	(void)state;

	rng_benc_init(&e, buf, sizeof(buf));
	rng_benc_dict(&e);
	rng_benc_cstr(&e, "a");
	rng_benc_dict(&e);
	rng_benc_cstr(&e, "b");
	rng_benc_list(&e);
	rng_benc_cstr(&e, "");
	rng_benc_list(&e);
	rng_benc_end(&e);
	rng_benc_list(&e);
	rng_benc_list(&e);
	rng_benc_end(&e);
	rng_benc_end(&e);
	rng_benc_dict(&e);
	rng_benc_end(&e);
	rng_benc_end(&e);
	rng_benc_end(&e);
	rng_benc_cstr(&e, "c");
	rng_benc_list(&e);
	rng_benc_end(&e);
	rng_benc_cstr(&e, "d");
	rng_benc_dict(&e);
	rng_benc_end(&e);
	rng_benc_kv_int(&e, "e", -5);
	rng_benc_end(&e);
	assert_int_equal(rng_benc_finish(&e), RNG_OK);
	assert_int_equal(e.len, sizeof(msg) - 1);
	assert_memory_equal(buf, msg, e.len);

	assert_int_equal(dec(buf, e.len, &used), RNG_OK);
	assert_int_equal(used, e.len);
	/* d a d b l "" l l l d c l d d e i  -> 16 nodes */
	assert_int_equal(D.n, 16);
	root = &D.nodes[0];
	assert_int_equal(root->type, RNG_BDICT);
	assert_int_equal(root->count, 8);
	assert_int_equal(root->next, 16);
	a = rng_bdict_get(&D, root, "a");
	assert_non_null(a);
	assert_int_equal(a->type, RNG_BDICT);
	assert_int_equal(a->count, 2);
	b = rng_bdict_get(&D, a, "b");
	assert_non_null(b);
	assert_int_equal(b->type, RNG_BLIST);
	assert_int_equal(b->count, 4);
	k = rng_bchild(&D, b);
	assert_true(rng_bstr_eq(k, ""));
	k = rng_bnext(&D, b, k); /* le */
	assert_int_equal(k->type, RNG_BLIST);
	assert_int_equal(k->count, 0);
	assert_null(rng_bchild(&D, k));
	k = rng_bnext(&D, b, k); /* llee */
	assert_int_equal(k->type, RNG_BLIST);
	assert_int_equal(k->count, 1);
	x = rng_bchild(&D, k);
	assert_int_equal(x->type, RNG_BLIST);
	assert_null(rng_bnext(&D, k, x));
	k = rng_bnext(&D, b, k); /* de */
	assert_int_equal(k->type, RNG_BDICT);
	assert_int_equal(k->count, 0);
	assert_null(rng_bchild(&D, k));
	assert_null(rng_bnext(&D, b, k));
	x = rng_bdict_get(&D, root, "c");
	assert_int_equal(x->type, RNG_BLIST);
	assert_int_equal(x->count, 0);
	x = rng_bdict_get(&D, root, "d");
	assert_int_equal(x->type, RNG_BDICT);
	assert_int_equal(x->count, 0);
	x = rng_bdict_get(&D, root, "e");
	assert_int_equal(x->type, RNG_BINT);
	assert_true(x->i == -5);
	/* "b" lives in a nested dict only */
	assert_null(rng_bdict_get(&D, root, "b"));

	/* empty containers alone */
	assert_int_equal(DECL("le"), RNG_OK);
	assert_int_equal(D.n, 1);
	assert_int_equal(D.nodes[0].count, 0);
	assert_int_equal(D.nodes[0].next, 1);
	assert_int_equal(DECL("de"), RNG_OK);
	assert_int_equal(D.nodes[0].type, RNG_BDICT);
	assert_null(rng_bchild(&D, &D.nodes[0]));
	assert_null(rng_bdict_get(&D, &D.nodes[0], "a"));
}

/* ---- rejected inputs ---- */

static void test_reject(void **state)
{
	static const struct
	{
		const char *in;
		int want; /* 0: any error */
	} t[] = {
			{"i01e", RNG_ERR_PARSE},
			{"i00e", RNG_ERR_PARSE},
			{"i-0e", RNG_ERR_PARSE},
			{"i-00e", RNG_ERR_PARSE},
			{"i-01e", RNG_ERR_PARSE},
			{"ie", RNG_ERR_PARSE},
			{"i-e", RNG_ERR_PARSE},
			{"i--1e", RNG_ERR_PARSE},
			{"i+1e", RNG_ERR_PARSE},
			{"i1.5e", RNG_ERR_PARSE},
			{"i 1e", RNG_ERR_PARSE},
			{"i1 e", RNG_ERR_PARSE},
			{"i0x1e", RNG_ERR_PARSE},
			{"02:ab", RNG_ERR_PARSE},
			{"00:", RNG_ERR_PARSE},
			{"-1:a", RNG_ERR_PARSE},
			{"+1:a", RNG_ERR_PARSE},
			{"1a:x", RNG_ERR_PARSE},
			{":", RNG_ERR_PARSE},
			{":a", RNG_ERR_PARSE},
			{" i1e", RNG_ERR_PARSE},
			{"x", RNG_ERR_PARSE},
			{"e", RNG_ERR_PARSE},
			{"ee", RNG_ERR_PARSE},
			{"i9223372036854775808e", 0},
			{"i-9223372036854775809e", 0},
			{"i99999999999999999999e", 0},
			{"i-99999999999999999999e", 0},
			{"i18446744073709551616e", 0},
			{"99999999999999999999:a", 0},
			{"18446744073709551617:a", 0},
			{"65536:a", 0},
			{"di1ei2ee", RNG_ERR_PARSE},
			{"dlee1:ae", RNG_ERR_PARSE},
			{"ddee1:ae", RNG_ERR_PARSE},
			{"d1:ai1ei2ei3ee", RNG_ERR_PARSE},
			{"d1:ae", RNG_ERR_PARSE},
			{"d1:a1:b1:ce", RNG_ERR_PARSE},
			{"d1:ad1:bee", RNG_ERR_PARSE},
			{"l1:ad1:aee", RNG_ERR_PARSE},
			{"lx", RNG_ERR_PARSE},
			{"l-e", RNG_ERR_PARSE},
			{"", RNG_ERR_TRUNC},
			{"i", RNG_ERR_TRUNC},
			{"i-", RNG_ERR_TRUNC},
			{"i12", RNG_ERR_TRUNC},
			{"l", RNG_ERR_TRUNC},
			{"d", RNG_ERR_TRUNC},
			{"3:ab", RNG_ERR_TRUNC},
			{"12", RNG_ERR_TRUNC},
			{"0", RNG_ERR_TRUNC},
			{"d1:a", RNG_ERR_TRUNC},
			{"li1e", RNG_ERR_TRUNC},
	};
	size_t i;
	(void)state;

	for(i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int r = dec(t[i].in, strlen(t[i].in), NULL);
		if(t[i].want ? r != t[i].want : r >= 0)
			fail_msg("'%s': got %d (%s), want %d", t[i].in, r, rng_strerror(r),
					t[i].want);
	}
	/* overflowing integers are errors, not wrapped values */
	assert_true(DECL("i9223372036854775808e") < 0);
	assert_int_equal(DECL("i9223372036854775807e"), RNG_OK);
	assert_int_equal(DECL("i-9223372036854775808e"), RNG_OK);
	assert_true(D.nodes[0].i == INT64_MIN);
}

static void test_bad_args(void **state)
{
	rng_bdoc doc;
	rng_bnode one;
	(void)state;

	assert_int_equal(rng_bdecode(NULL, "i1e", 3, NULL), RNG_ERR_INVAL);
	doc.nodes = NULL;
	doc.cap = 4;
	assert_int_equal(rng_bdecode(&doc, "i1e", 3, NULL), RNG_ERR_INVAL);
	doc.nodes = &one;
	doc.cap = 0;
	assert_int_equal(rng_bdecode(&doc, "i1e", 3, NULL), RNG_ERR_INVAL);
	doc.cap = 1;
	assert_int_equal(rng_bdecode(&doc, NULL, 3, NULL), RNG_ERR_INVAL);
	assert_int_equal(rng_bdecode(&doc, NULL, 0, NULL), RNG_ERR_TRUNC);
	assert_int_equal(rng_bdecode(&doc, "i1e", 3, NULL), RNG_OK);
	assert_int_equal(doc.n, 1);
}

/* Valid messages whose every proper prefix must fail with TRUNC. */
static const char *const valid_msgs[] = {
		"i0e",
		"i-9223372036854775808e",
		"0:",
		"12:hello world!",
		"le",
		"de",
		"lllleeee",
		"d7:command4:pinge",
		"d1:ad1:bl0:lelleedeee1:cle1:dde1:ei-5ee",
		"d7:command5:offer7:call-id12:abc@10.0.0.18:from-tag6:tag-0a"
		"3:sdp98:v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 "
		"10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\na=sendrecv\r\n"
		"5:flagsl13:trust-addresse4:SDESl7:no-NULLe3:ICE6:removee",
};

static void test_truncated_everywhere(void **state)
{
	size_t i, cut, used;
	(void)state;

	for(i = 0; i < sizeof(valid_msgs) / sizeof(valid_msgs[0]); i++) {
		const char *m = valid_msgs[i];
		size_t len = strlen(m);
		int r = dec(m, len, &used);
		if(r != RNG_OK)
			fail_msg("valid message %zu rejected: %d", i, r);
		assert_int_equal(used, len);
		for(cut = 0; cut < len; cut++) {
			r = dec(m, cut, &used);
			if(r != RNG_ERR_TRUNC)
				fail_msg("message %zu cut at %zu: got %d, want TRUNC", i, cut,
						r);
		}
	}
}

static void test_offer_shape(void **state)
{
	static const char m[] =
			"d7:command5:offer7:call-id12:abc@10.0.0.18:from-tag6:tag-0a"
			"3:sdp98:v=0\r\no=- 1 1 IN IP4 10.0.0.1\r\ns=-\r\nc=IN IP4 "
			"10.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/SAVP 0\r\na=sendrecv\r\n"
			"5:flagsl13:trust-addresse4:SDESl7:no-NULLee";
	const rng_bnode *sdp, *flags;
	(void)state;

	assert_int_equal(DECL(m), RNG_OK);
	assert_true(
			rng_bstr_eq(rng_bdict_get(&D, &D.nodes[0], "command"), "offer"));
	sdp = rng_bdict_get(&D, &D.nodes[0], "sdp");
	assert_non_null(sdp);
	assert_int_equal(sdp->len, 98);
	assert_memory_equal(sdp->s, "v=0\r\n", 5);
	assert_memory_equal(sdp->s + 98 - 12, "a=sendrecv\r\n", 12);
	flags = rng_bdict_get(&D, &D.nodes[0], "flags");
	assert_int_equal(flags->type, RNG_BLIST);
	assert_true(rng_bstr_eq(rng_bchild(&D, flags), "trust-address"));
}

/* ---- limits ---- */

static void nest(char *buf, unsigned depth, int dict)
{
	size_t p = 0;
	unsigned i;
	for(i = 0; i < depth; i++) {
		if(dict) {
			memcpy(buf + p, "d1:k", 4);
			p += 4;
		} else
			buf[p++] = 'l';
	}
	memcpy(buf + p, "i7e", 3);
	p += 3;
	for(i = 0; i < depth; i++)
		buf[p++] = 'e';
	buf[p] = '\0';
}

static void test_depth_limit(void **state)
{
	char buf[1024];
	(void)state;

	nest(buf, RNG_BENCODE_MAX_DEPTH, 0);
	assert_int_equal(dec(buf, strlen(buf), NULL), RNG_OK);
	assert_int_equal(D.n, RNG_BENCODE_MAX_DEPTH + 1);
	assert_int_equal(D.nodes[RNG_BENCODE_MAX_DEPTH].i, 7);
	nest(buf, RNG_BENCODE_MAX_DEPTH + 1, 0);
	assert_int_equal(dec(buf, strlen(buf), NULL), RNG_ERR_LIMIT);
	nest(buf, RNG_BENCODE_MAX_DEPTH, 1);
	assert_int_equal(dec(buf, strlen(buf), NULL), RNG_OK);
	nest(buf, RNG_BENCODE_MAX_DEPTH + 1, 1);
	assert_int_equal(dec(buf, strlen(buf), NULL), RNG_ERR_LIMIT);
	/* far too deep, and truncated: the limit is hit first */
	memset(buf, 'l', 500);
	assert_int_equal(dec(buf, 500, NULL), RNG_ERR_LIMIT);
	/* depth is not cumulative: many siblings at the maximum depth */
	{
		size_t p = 0;
		unsigned i;
		buf[p++] = 'l';
		for(i = 0; i < 10; i++) {
			memset(buf + p, 'l', RNG_BENCODE_MAX_DEPTH - 1);
			p += RNG_BENCODE_MAX_DEPTH - 1;
			memset(buf + p, 'e', RNG_BENCODE_MAX_DEPTH - 1);
			p += RNG_BENCODE_MAX_DEPTH - 1;
		}
		buf[p++] = 'e';
		assert_int_equal(dec(buf, p, NULL), RNG_OK);
		assert_int_equal(D.nodes[0].count, 10);
	}
}

static void test_item_limit(void **state)
{
	size_t used;
	(void)state;

	/* l i1e i2e i3e e: 4 nodes */
	assert_int_equal(dec_cap("li1ei2ei3ee", 11, 4, &used), RNG_OK);
	assert_int_equal(D.n, 4);
	assert_int_equal(dec_cap("li1ei2ei3ee", 11, 3, &used), RNG_ERR_LIMIT);
	assert_int_equal(dec_cap("li1ei2ei3ee", 11, 1, &used), RNG_ERR_LIMIT);
	assert_int_equal(dec_cap("i1e", 3, 1, &used), RNG_OK);
	assert_int_equal(dec_cap("le", 2, 1, &used), RNG_OK);
	/* d 1:a i1e e: 3 nodes */
	assert_int_equal(dec_cap("d1:ai1ee", 8, 3, &used), RNG_OK);
	assert_int_equal(dec_cap("d1:ai1ee", 8, 2, &used), RNG_ERR_LIMIT);
	/* many items, one node each */
	{
		static char buf[3 * 20000 + 2];
		size_t p = 0;
		unsigned i;
		buf[p++] = 'l';
		for(i = 0; i < 20000; i++) {
			memcpy(buf + p, "i1e", 3);
			p += 3;
		}
		buf[p++] = 'e';
		assert_int_equal(dec_cap(buf, p, 20001, &used), RNG_OK);
		assert_int_equal(D.nodes[0].count, 20000);
		assert_int_equal(dec_cap(buf, p, 20000, &used), RNG_ERR_LIMIT);
		assert_int_equal(dec_cap(buf, p, 4096, &used), RNG_ERR_LIMIT);
	}
}

static void test_size_limit(void **state)
{
	static char buf[RNG_MAX_MSG + 16];
	size_t used;
	int h;
	(void)state;

	/* exactly RNG_MAX_MSG bytes: "65529:" + 65529 */
	h = snprintf(buf, sizeof(buf), "%u:", RNG_MAX_MSG - 6);
	assert_int_equal(h, 6);
	memset(buf + h, 'x', RNG_MAX_MSG - 6);
	assert_int_equal(dec(buf, RNG_MAX_MSG, &used), RNG_OK);
	assert_int_equal(used, RNG_MAX_MSG);
	assert_int_equal(D.nodes[0].len, RNG_MAX_MSG - 6);
	/* one byte more */
	h = snprintf(buf, sizeof(buf), "%u:", RNG_MAX_MSG - 5);
	memset(buf + h, 'x', RNG_MAX_MSG - 5);
	assert_int_equal(dec(buf, RNG_MAX_MSG + 1, &used), RNG_ERR_LIMIT);
	/* a small item followed by too much trailing data */
	memcpy(buf, "i1e", 3);
	assert_int_equal(dec(buf, RNG_MAX_MSG + 1, &used), RNG_ERR_LIMIT);
}

static void test_trailing(void **state)
{
	size_t used = 999;
	(void)state;

	assert_int_equal(DECL("i1eXYZ"), RNG_OK);
	assert_int_equal(dec("i1eXYZ", 6, &used), RNG_OK);
	assert_int_equal(used, 3);
	assert_int_equal(dec("lee", 3, &used), RNG_OK);
	assert_int_equal(used, 2);
	assert_int_equal(dec("d1:ai1eed", 9, &used), RNG_OK);
	assert_int_equal(used, 8);
	assert_int_equal(dec("3:abcdef", 8, &used), RNG_OK);
	assert_int_equal(used, 5);
	assert_int_equal(dec("i1ei2e", 6, &used), RNG_OK);
	assert_int_equal(used, 3);
	assert_int_equal(D.n, 1);
}

/* ---- encoder errors ---- */

static void test_encoder_space(void **state)
{
	char full[256];
	rng_benc e;
	size_t want, cap;
	(void)state;

	rng_benc_init(&e, full, sizeof(full));
	build_sample(&e);
	assert_int_equal(rng_benc_finish(&e), RNG_OK);
	want = e.len;

	for(cap = 0; cap <= want; cap++) {
		guard g;
		char *b = guard_dup(&g, NULL, cap);
		rng_benc_init(&e, b, cap);
		build_sample(&e); /* writing past cap would fault */
		if(cap < want) {
			assert_int_equal(e.err, RNG_ERR_SPACE);
			assert_int_equal(rng_benc_finish(&e), RNG_ERR_SPACE);
		} else
			assert_int_equal(rng_benc_finish(&e), RNG_OK);
		assert_true(e.len <= cap);
		assert_memory_equal(b, full, e.len);
		guard_free(&g);
	}
	/* NULL buffer of size 0: the first byte is out of space */
	rng_benc_init(&e, NULL, 0);
	assert_int_equal(e.err, RNG_OK);
	rng_benc_int(&e, 1);
	assert_int_equal(rng_benc_finish(&e), RNG_ERR_SPACE);
	assert_int_equal(e.len, 0);
}

static void test_encoder_unbalanced(void **state)
{
	char buf[64];
	rng_benc e;
	(void)state;

	/* nothing written */
	rng_benc_init(&e, buf, sizeof(buf));
	assert_int_equal(rng_benc_finish(&e), RNG_ERR_INVAL);
	/* end without a container */
	rng_benc_init(&e, buf, sizeof(buf));
	rng_benc_end(&e);
	assert_int_equal(e.err, RNG_ERR_INVAL);
	assert_int_equal(e.len, 0);
	rng_benc_int(&e, 5); /* sticky: nothing more is written */
	assert_int_equal(e.len, 0);
	assert_int_equal(rng_benc_finish(&e), RNG_ERR_INVAL);
	/* one end too many */
	rng_benc_init(&e, buf, sizeof(buf));
	rng_benc_list(&e);
	rng_benc_end(&e);
	rng_benc_end(&e);
	assert_int_equal(rng_benc_finish(&e), RNG_ERR_INVAL);
	assert_int_equal(e.len, 2);
	/* a container left open */
	rng_benc_init(&e, buf, sizeof(buf));
	rng_benc_dict(&e);
	rng_benc_kv_int(&e, "a", 1);
	assert_int_equal(e.err, RNG_OK);
	assert_int_equal(rng_benc_finish(&e), RNG_ERR_INVAL);
	rng_benc_end(&e);
	assert_int_equal(rng_benc_finish(&e), RNG_OK);
	/* the first error sticks */
	rng_benc_init(&e, buf, 2);
	rng_benc_cstr(&e, "abc");
	assert_int_equal(e.err, RNG_ERR_SPACE);
	rng_benc_end(&e);
	assert_int_equal(e.err, RNG_ERR_SPACE);
	/* bad arguments */
	rng_benc_init(&e, NULL, 10);
	assert_int_equal(rng_benc_finish(&e), RNG_ERR_INVAL);
	rng_benc_init(&e, buf, sizeof(buf));
	rng_benc_str(&e, NULL, 3);
	assert_int_equal(rng_benc_finish(&e), RNG_ERR_INVAL);
	assert_int_equal(e.len, 0);
	rng_benc_init(&e, buf, sizeof(buf));
	rng_benc_cstr(&e, NULL);
	assert_int_equal(rng_benc_finish(&e), RNG_ERR_INVAL);
	rng_benc_init(&e, buf, sizeof(buf));
	rng_benc_kv_cstr(&e, "k", NULL);
	assert_int_equal(e.err, RNG_ERR_INVAL);
	rng_benc_init(&e, buf, sizeof(buf));
	rng_benc_str(&e, NULL, 0);
	assert_int_equal(rng_benc_finish(&e), RNG_OK);
	assert_memory_equal(buf, "0:", 2);
}

static void test_encoder_depth(void **state)
{
	char buf[128];
	rng_benc e;
	unsigned i;
	(void)state;

	rng_benc_init(&e, buf, sizeof(buf));
	for(i = 0; i < RNG_BENCODE_MAX_DEPTH; i++)
		rng_benc_list(&e);
	assert_int_equal(e.err, RNG_OK);
	assert_int_equal(e.depth, RNG_BENCODE_MAX_DEPTH);
	for(i = 0; i < RNG_BENCODE_MAX_DEPTH; i++)
		rng_benc_end(&e);
	assert_int_equal(rng_benc_finish(&e), RNG_OK);
	/* and the decoder takes it */
	assert_int_equal(dec(buf, e.len, NULL), RNG_OK);

	rng_benc_init(&e, buf, sizeof(buf));
	for(i = 0; i < RNG_BENCODE_MAX_DEPTH; i++)
		rng_benc_dict(&e);
	rng_benc_list(&e);
	assert_int_equal(e.err, RNG_ERR_LIMIT);
	assert_int_equal(e.len, RNG_BENCODE_MAX_DEPTH);
	for(i = 0; i < RNG_BENCODE_MAX_DEPTH + 1; i++)
		rng_benc_end(&e);
	assert_int_equal(rng_benc_finish(&e), RNG_ERR_LIMIT);
	assert_int_equal(e.len, RNG_BENCODE_MAX_DEPTH);
}

/* ---- traversal ---- */

static void test_traversal(void **state)
{
	static const char m[] = "d1:ad1:bi1ee1:bi2e3:key4:val13:key4:val23:k\0y"
							"i9e1:lli1eli2ei3eei4eee";
	const rng_bnode *root, *v, *c, *l;
	unsigned n;
	(void)state;

	assert_int_equal(dec(m, sizeof(m) - 1, NULL), RNG_OK);
	root = &D.nodes[0];
	assert_int_equal(root->count, 12);
	/* the top-level "b", not the nested one */
	v = rng_bdict_get(&D, root, "b");
	assert_non_null(v);
	assert_true(v->i == 2);
	/* duplicate keys: the first wins */
	assert_true(rng_bstr_eq(rng_bdict_get(&D, root, "key"), "val1"));
	/* keys are compared in full */
	assert_null(rng_bdict_get(&D, root, "ke"));
	assert_null(rng_bdict_get(&D, root, "keys"));
	assert_null(rng_bdict_get(&D, root, ""));
	assert_null(rng_bdict_get(&D, root, "k"));	  /* "k\0y" is not "k" */
	assert_null(rng_bdict_get(&D, root, "val1")); /* values are not keys */
	/* lookups on non-dicts */
	assert_null(rng_bdict_get(&D, NULL, "a"));
	assert_null(rng_bdict_get(&D, v, "a"));
	l = rng_bdict_get(&D, root, "l");
	assert_null(rng_bdict_get(&D, l, "i1e"));
	/* walking a list skips nested subtrees */
	n = 0;
	for(c = rng_bchild(&D, l); c; c = rng_bnext(&D, l, c))
		n++;
	assert_int_equal(n, l->count);
	assert_int_equal(n, 3);
	c = rng_bchild(&D, l);
	assert_true(c->i == 1);
	c = rng_bnext(&D, l, c);
	assert_int_equal(c->type, RNG_BLIST);
	c = rng_bnext(&D, l, c);
	assert_true(c->i == 4);
	assert_null(rng_bnext(&D, l, c));
	/* walking the root dict: 12 children, the last one is l's value */
	n = 0;
	for(c = rng_bchild(&D, root); c; c = rng_bnext(&D, root, c))
		n++;
	assert_int_equal(n, 12);
	/* scalars have no children */
	assert_null(rng_bchild(&D, v));
	assert_null(rng_bchild(&D, NULL));
	assert_null(rng_bnext(&D, root, NULL));
	assert_null(rng_bnext(&D, NULL, root));
	/* rng_bstr_eq */
	assert_true(rng_bstr_eq(rng_bchild(&D, root), "a"));
	assert_false(rng_bstr_eq(rng_bchild(&D, root), "ab"));
	assert_false(rng_bstr_eq(rng_bchild(&D, root), ""));
	assert_false(rng_bstr_eq(v, "2"));
	assert_false(rng_bstr_eq(NULL, "a"));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test_teardown(test_encode_exact, teardown),
			cmocka_unit_test_teardown(test_roundtrip_strings, teardown),
			cmocka_unit_test_teardown(test_roundtrip_ints, teardown),
			cmocka_unit_test_teardown(test_roundtrip_nested, teardown),
			cmocka_unit_test_teardown(test_reject, teardown),
			cmocka_unit_test_teardown(test_bad_args, teardown),
			cmocka_unit_test_teardown(test_truncated_everywhere, teardown),
			cmocka_unit_test_teardown(test_offer_shape, teardown),
			cmocka_unit_test_teardown(test_depth_limit, teardown),
			cmocka_unit_test_teardown(test_item_limit, teardown),
			cmocka_unit_test_teardown(test_size_limit, teardown),
			cmocka_unit_test_teardown(test_trailing, teardown),
			cmocka_unit_test_teardown(test_encoder_space, teardown),
			cmocka_unit_test_teardown(test_encoder_unbalanced, teardown),
			cmocka_unit_test_teardown(test_encoder_depth, teardown),
			cmocka_unit_test_teardown(test_traversal, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
