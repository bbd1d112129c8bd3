/*
 * ng reply parsing: cookie, result, error-reason, warning and sdp slices,
 * malformed replies, and replies shaped like rtpengine's own.  Inputs sit
 * right before a guard page.
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

static rng_bnode nodes[4096];
static rng_reply R;
static guard G;

static int parse_cap(const char *s, size_t len, uint32_t cap)
{
	guard_free(&G);
	guard_dup(&G, s, len);
	R.doc.nodes = nodes;
	R.doc.cap = cap;
	return rng_reply_parse(&R, G.p, len);
}

static int parse(const char *s, size_t len)
{
	return parse_cap(s, len, 4096);
}

#define PARSEL(lit) parse((lit), sizeof(lit) - 1)

static int teardown(void **state)
{
	(void)state;
	guard_free(&G);
	return 0;
}

/* "<cookie> " + a dict of string pairs (key, value, ..., NULL). */
static size_t mkreply(char *buf, size_t cap, const char *cookie, ...)
{
	rng_benc e;
	size_t clen = strlen(cookie);
	const char *k;
	va_list ap;

	assert_true(clen + 1 < cap);
	memcpy(buf, cookie, clen);
	buf[clen] = ' ';
	rng_benc_init(&e, buf + clen + 1, cap - clen - 1);
	rng_benc_dict(&e);
	va_start(ap, cookie);
	while((k = va_arg(ap, const char *)) != NULL)
		rng_benc_kv_cstr(&e, k, va_arg(ap, const char *));
	va_end(ap);
	rng_benc_end(&e);
	assert_int_equal(rng_benc_finish(&e), RNG_OK);
	return clen + 1 + e.len;
}

static int slice_eq(rng_slice s, const char *want)
{
	return s.s != NULL && s.len == strlen(want)
		   && memcmp(s.s, want, s.len) == 0;
}

static int in_input(rng_slice s)
{
	return s.s >= G.p && s.s + s.len <= G.p + G.len;
}

static void test_pong(void **state)
{
	(void)state;
	assert_int_equal(PARSEL("5a3f09e1c2d4_1 d6:result4:ponge"), RNG_OK);
	assert_true(slice_eq(R.cookie, "5a3f09e1c2d4_1"));
	assert_ptr_equal(R.cookie.s, G.p);
	assert_int_equal(R.result, RNG_RESULT_PONG);
	assert_true(slice_eq(R.result_str, "pong"));
	assert_true(in_input(R.result_str));
	assert_null(R.error_reason.s);
	assert_null(R.warning.s);
	assert_null(R.sdp.s);
	assert_non_null(R.root);
	assert_ptr_equal(R.root, &R.doc.nodes[0]);
	assert_int_equal(R.root->type, RNG_BDICT);
	/* a one-byte cookie */
	assert_int_equal(PARSEL("x d6:result4:ponge"), RNG_OK);
	assert_true(slice_eq(R.cookie, "x"));
}

static void test_results(void **state)
{
	static const struct
	{
		const char *str;
		rng_result want;
	} t[] = {
			{"ok", RNG_RESULT_OK},
			{"pong", RNG_RESULT_PONG},
			{"error", RNG_RESULT_ERROR},
			{"load limit", RNG_RESULT_LOAD_LIMIT},
			{"OK", RNG_RESULT_OTHER},
			{"ok ", RNG_RESULT_OTHER},
			{"o", RNG_RESULT_OTHER},
			{"", RNG_RESULT_OTHER},
			{"load", RNG_RESULT_OTHER},
			{"load limits", RNG_RESULT_OTHER},
			{"errors", RNG_RESULT_OTHER},
			{"something new", RNG_RESULT_OTHER},
	};
	char buf[256];
	size_t i, n;
	(void)state;

	for(i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = mkreply(buf, sizeof(buf), "ck_1", "result", t[i].str, NULL);
		assert_int_equal(parse(buf, n), RNG_OK);
		assert_int_equal(R.result, t[i].want);
		assert_true(slice_eq(R.result_str, t[i].str));
	}
}

static void test_error_reason(void **state)
{
	char buf[256];
	size_t n;
	(void)state;

	n = mkreply(buf, sizeof(buf), "c_2", "error-reason", "Unknown call-ID",
			"result", "error", NULL);
	assert_int_equal(parse(buf, n), RNG_OK);
	assert_int_equal(R.result, RNG_RESULT_ERROR);
	assert_true(slice_eq(R.error_reason, "Unknown call-ID"));
	assert_true(in_input(R.error_reason));
	assert_null(R.warning.s);
	/* literal, rtpengine's key order */
	assert_int_equal(PARSEL("c_3 d12:error-reason15:Unknown call-ID6:resu"
							"lt5:errore"),
			RNG_OK);
	assert_true(slice_eq(R.error_reason, "Unknown call-ID"));
	/* a non-string error-reason is absent */
	assert_int_equal(PARSEL("c d12:error-reasoni5e6:result5:errore"), RNG_OK);
	assert_int_equal(R.result, RNG_RESULT_ERROR);
	assert_null(R.error_reason.s);
	assert_int_equal(R.error_reason.len, 0);
	/* load limit */
	n = mkreply(buf, sizeof(buf), "c_4", "result", "load limit", "message",
			"Parallel session limit reached", NULL);
	assert_int_equal(parse(buf, n), RNG_OK);
	assert_int_equal(R.result, RNG_RESULT_LOAD_LIMIT);
	assert_true(rng_bstr_eq(
			rng_reply_get(&R, "message"), "Parallel session limit reached"));
}

static void test_warning(void **state)
{
	char buf[256];
	size_t n;
	(void)state;

	n = mkreply(buf, sizeof(buf), "c_5", "result", "ok", "warning",
			"Unknown flag encountered: 'SDES-only-AES_CM_128_HMAC_SHA1_80'",
			NULL);
	assert_int_equal(parse(buf, n), RNG_OK);
	assert_int_equal(R.result, RNG_RESULT_OK);
	assert_true(slice_eq(R.warning,
			"Unknown flag encountered: 'SDES-only-AES_CM_128_HMAC_SHA1_80'"));
	assert_true(in_input(R.warning));
	assert_null(R.error_reason.s);
	/* empty warning is present, with length 0 */
	n = mkreply(buf, sizeof(buf), "c_6", "result", "ok", "warning", "", NULL);
	assert_int_equal(parse(buf, n), RNG_OK);
	assert_non_null(R.warning.s);
	assert_int_equal(R.warning.len, 0);
}

static const char offer_sdp[] =
		"v=0\r\n"
		"o=- 1545997027 1 IN IP4 203.0.113.1\r\n"
		"s=tester\r\n"
		"t=0 0\r\n"
		"m=audio 30000 RTP/SAVP 0 8 101\r\n"
		"c=IN IP4 203.0.113.1\r\n"
		"a=rtpmap:0 PCMU/8000\r\n"
		"a=rtpmap:8 PCMA/8000\r\n"
		"a=rtpmap:101 telephone-event/8000\r\n"
		"a=fmtp:101 0-15\r\n"
		"a=sendrecv\r\n"
		"a=rtcp:30001\r\n"
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 "
		"inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^31\r\n"
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 "
		"inline:NzB4d1BINUAvLEw6UzF3WSJ+PSdFcGdUJShpX1Zj|2^31\r\n"
		"a=crypto:3 AES_256_CM_HMAC_SHA1_80 "
		"inline:d0RmdmcmVCspeEc3QGZiNWpVLFJhQX1cfHAwJSoj+5Zp1x6eBaGDsA3nnzN+kQ="
		"=\r\n"
		"a=ptime:20\r\n";

static void test_offer_reply(void **state)
{
	char buf[2048];
	size_t n, i, crypto = 0;
	(void)state;

	/* rtpengine sorts its keys */
	n = mkreply(buf, sizeof(buf), "6b8b4567327b_1", "result", "ok", "sdp",
			offer_sdp, NULL);
	assert_int_equal(parse(buf, n), RNG_OK);
	assert_int_equal(R.result, RNG_RESULT_OK);
	assert_true(slice_eq(R.sdp, offer_sdp));
	assert_true(in_input(R.sdp));
	for(i = 0; i + 9 <= R.sdp.len; i++)
		if(memcmp(R.sdp.s + i, "a=crypto:", 9) == 0)
			crypto++;
	assert_int_equal(crypto, 3);
	assert_null(R.warning.s);
	/* sdp, then result, then a warning */
	n = mkreply(buf, sizeof(buf), "6b8b4567327b_2", "sdp", offer_sdp, "result",
			"ok", "warning", "Unknown flag", NULL);
	assert_int_equal(parse(buf, n), RNG_OK);
	assert_true(slice_eq(R.sdp, offer_sdp));
	assert_true(slice_eq(R.warning, "Unknown flag"));
	assert_true(slice_eq(R.cookie, "6b8b4567327b_2"));
}

/* A query reply: nested dicts and lists, integers. */
static size_t mkquery(char *buf, size_t cap)
{
	rng_benc e;
	memcpy(buf, "q_7 ", 4);
	rng_benc_init(&e, buf + 4, cap - 4);
	rng_benc_dict(&e);
	rng_benc_kv_int(&e, "created", 1700000000);
	rng_benc_kv_int(&e, "created_us", 123456);
	rng_benc_kv_int(&e, "last signal", 1700000005);
	rng_benc_kv_cstr(&e, "result", "ok");
	rng_benc_cstr(&e, "tags");
	rng_benc_dict(&e);
	rng_benc_cstr(&e, "tag-0a");
	rng_benc_dict(&e);
	rng_benc_kv_cstr(&e, "tag", "tag-0a");
	rng_benc_kv_int(&e, "created", 1700000000);
	rng_benc_cstr(&e, "in dialogue with");
	rng_benc_cstr(&e, "tag-1b");
	rng_benc_cstr(&e, "medias");
	rng_benc_list(&e);
	rng_benc_dict(&e);
	rng_benc_kv_int(&e, "index", 1);
	rng_benc_kv_cstr(&e, "type", "audio");
	rng_benc_kv_cstr(&e, "protocol", "RTP/SAVP");
	rng_benc_cstr(&e, "streams");
	rng_benc_list(&e);
	rng_benc_dict(&e);
	rng_benc_kv_int(&e, "local port", 30000);
	rng_benc_cstr(&e, "endpoint");
	rng_benc_dict(&e);
	rng_benc_kv_cstr(&e, "family", "IPv4");
	rng_benc_kv_cstr(&e, "address", "10.0.0.1");
	rng_benc_kv_int(&e, "port", 4000);
	rng_benc_end(&e);
	rng_benc_kv_cstr(&e, "crypto suite", "AES_CM_128_HMAC_SHA1_80");
	rng_benc_cstr(&e, "stats");
	rng_benc_dict(&e);
	rng_benc_kv_int(&e, "packets", 100);
	rng_benc_kv_int(&e, "bytes", 17200);
	rng_benc_kv_int(&e, "errors", 0);
	rng_benc_end(&e);
	rng_benc_cstr(&e, "flags");
	rng_benc_list(&e);
	rng_benc_cstr(&e, "RTP");
	rng_benc_cstr(&e, "filled");
	rng_benc_end(&e);
	rng_benc_end(&e); /* stream */
	rng_benc_end(&e); /* streams */
	rng_benc_end(&e); /* media */
	rng_benc_end(&e); /* medias */
	rng_benc_end(&e); /* tag-0a */
	rng_benc_cstr(&e, "tag-1b");
	rng_benc_dict(&e);
	rng_benc_kv_cstr(&e, "tag", "tag-1b");
	rng_benc_cstr(&e, "medias");
	rng_benc_list(&e);
	rng_benc_end(&e);
	rng_benc_end(&e); /* tag-1b */
	rng_benc_end(&e); /* tags */
	rng_benc_cstr(&e, "totals");
	rng_benc_dict(&e);
	rng_benc_cstr(&e, "RTP");
	rng_benc_dict(&e);
	rng_benc_kv_int(&e, "packets", 200);
	rng_benc_kv_int(&e, "bytes", 34400);
	rng_benc_kv_int(&e, "errors", -1);
	rng_benc_end(&e);
	rng_benc_cstr(&e, "RTCP");
	rng_benc_dict(&e);
	rng_benc_kv_int(&e, "packets", 4);
	rng_benc_end(&e);
	rng_benc_end(&e); /* totals */
	rng_benc_end(&e);
	assert_int_equal(rng_benc_finish(&e), RNG_OK);
	return 4 + e.len;
}

static void test_query_reply(void **state)
{
	char buf[4096];
	size_t n;
	const rng_bnode *tags, *tag, *medias, *media, *streams, *stream, *x;
	(void)state;

	n = mkquery(buf, sizeof(buf));
	assert_int_equal(parse(buf, n), RNG_OK);
	assert_int_equal(R.result, RNG_RESULT_OK);
	assert_true(slice_eq(R.cookie, "q_7"));
	assert_null(R.sdp.s);
	x = rng_reply_get(&R, "created");
	assert_non_null(x);
	assert_int_equal(x->type, RNG_BINT);
	assert_true(x->i == 1700000000);
	tags = rng_reply_get(&R, "tags");
	assert_non_null(tags);
	assert_int_equal(tags->type, RNG_BDICT);
	assert_int_equal(tags->count, 4);
	tag = rng_bdict_get(&R.doc, tags, "tag-0a");
	assert_non_null(tag);
	assert_true(rng_bstr_eq(
			rng_bdict_get(&R.doc, tag, "in dialogue with"), "tag-1b"));
	medias = rng_bdict_get(&R.doc, tag, "medias");
	assert_int_equal(medias->type, RNG_BLIST);
	assert_int_equal(medias->count, 1);
	media = rng_bchild(&R.doc, medias);
	assert_true(
			rng_bstr_eq(rng_bdict_get(&R.doc, media, "protocol"), "RTP/SAVP"));
	streams = rng_bdict_get(&R.doc, media, "streams");
	stream = rng_bchild(&R.doc, streams);
	assert_null(rng_bnext(&R.doc, streams, stream));
	assert_true(rng_bstr_eq(rng_bdict_get(&R.doc, stream, "crypto suite"),
			"AES_CM_128_HMAC_SHA1_80"));
	x = rng_bdict_get(
			&R.doc, rng_bdict_get(&R.doc, stream, "stats"), "packets");
	assert_true(x->i == 100);
	x = rng_bdict_get(
			&R.doc, rng_bdict_get(&R.doc, stream, "endpoint"), "port");
	assert_true(x->i == 4000);
	/* the second tag, and the totals after the nested tags dict */
	tag = rng_bdict_get(&R.doc, tags, "tag-1b");
	assert_int_equal(rng_bdict_get(&R.doc, tag, "medias")->count, 0);
	x = rng_bdict_get(&R.doc,
			rng_bdict_get(&R.doc, rng_reply_get(&R, "totals"), "RTP"),
			"errors");
	assert_true(x->i == -1);
	/* nested keys are not top-level keys */
	assert_null(rng_reply_get(&R, "packets"));
	assert_null(rng_reply_get(&R, "tag"));
	/* a small item limit rejects it */
	assert_int_equal(parse_cap(buf, n, 20), RNG_ERR_LIMIT);
	assert_null(R.root);
}

static void test_reply_get(void **state)
{
	(void)state;
	assert_int_equal(PARSEL("c d7:call-id3:abc6:result2:ok3:numi-3ee"), RNG_OK);
	assert_true(rng_bstr_eq(rng_reply_get(&R, "call-id"), "abc"));
	assert_true(rng_reply_get(&R, "num")->i == -3);
	assert_true(rng_bstr_eq(rng_reply_get(&R, "result"), "ok"));
	assert_null(rng_reply_get(&R, "missing"));
	assert_null(rng_reply_get(&R, "call"));
	assert_null(rng_reply_get(&R, "abc"));
	assert_null(rng_reply_get(&R, NULL));
	assert_null(rng_reply_get(NULL, "result"));
	/* nothing after a failed parse */
	assert_int_equal(PARSEL("c d7:call-id3:abc6:result2:okee"), RNG_ERR_PARSE);
	assert_null(rng_reply_get(&R, "call-id"));
}

static void test_malformed(void **state)
{
	static const struct
	{
		const char *in;
		int want;
	} t[] = {
			{"d6:result2:oke", RNG_ERR_PARSE},	/* no space */
			{" d6:result2:oke", RNG_ERR_PARSE}, /* empty cookie */
			{"c", RNG_ERR_PARSE},
			{"", RNG_ERR_PARSE},
			{"c ", RNG_ERR_TRUNC},
			{"c d6:result2:ok", RNG_ERR_TRUNC},
			{"c  d6:result2:oke", RNG_ERR_PARSE}, /* two spaces */
			{"c d6:result2:oke ", RNG_ERR_PARSE}, /* trailing bytes */
			{"c d6:result2:oke\n", RNG_ERR_PARSE},
			{"c d6:result2:oke\r\n", RNG_ERR_PARSE},
			{"c d6:result2:okee", RNG_ERR_PARSE},
			{"c d6:result2:okede", RNG_ERR_PARSE},
			{"c l6:result2:oke", RNG_ERR_PARSE}, /* not a dict */
			{"c 2:ok", RNG_ERR_PARSE},
			{"c i0e", RNG_ERR_PARSE},
			{"c le", RNG_ERR_PARSE},
			{"c de", RNG_ERR_REPLY},
			{"c d3:foo3:bare", RNG_ERR_REPLY},
			{"c d6:resulti0ee", RNG_ERR_REPLY},
			{"c d6:resultl2:okee", RNG_ERR_REPLY},
			{"c d6:resultd2:ok2:okee", RNG_ERR_REPLY},
			{"c d4:infod6:result2:okee", RNG_ERR_REPLY},
			{"c d7:results2:oke", RNG_ERR_REPLY},
			{"c d5:resul2:oke", RNG_ERR_REPLY},
			{"c d6:result2:ok", RNG_ERR_TRUNC},
			{"c d6:result02:oke", RNG_ERR_PARSE},
			{"c di1e2:oke", RNG_ERR_PARSE},
			{"c d6:resulte", RNG_ERR_PARSE},
			{"a b d6:result2:oke", RNG_ERR_PARSE},
			{"c xyz", RNG_ERR_PARSE},
	};
	size_t i;
	(void)state;

	for(i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		int r = parse(t[i].in, strlen(t[i].in));
		if(r != t[i].want)
			fail_msg("'%s': got %d (%s), want %d", t[i].in, r, rng_strerror(r),
					t[i].want);
		if(r != RNG_OK) {
			if(r != RNG_ERR_REPLY)
				assert_null(R.root);
			assert_null(R.result_str.s);
			assert_null(R.sdp.s);
		}
	}
}

static void test_reset_after_failure(void **state)
{
	char buf[1024];
	size_t n;
	(void)state;

	n = mkreply(buf, sizeof(buf), "c_8", "result", "ok", "sdp", offer_sdp,
			"warning", "w", "error-reason", "e", NULL);
	assert_int_equal(parse(buf, n), RNG_OK);
	assert_non_null(R.sdp.s);
	assert_int_equal(PARSEL("c_9 d6:result2:ok"), RNG_ERR_TRUNC);
	assert_null(R.root);
	assert_null(R.cookie.s);
	assert_null(R.result_str.s);
	assert_null(R.error_reason.s);
	assert_null(R.warning.s);
	assert_null(R.sdp.s);
	assert_int_equal(R.cookie.len + R.sdp.len + R.warning.len, 0);
	assert_int_equal((int)R.result, 0);
}

static void test_truncated_everywhere(void **state)
{
	char buf[4096];
	size_t n, cut;
	int r;
	(void)state;

	n = mkquery(buf, sizeof(buf));
	for(cut = 0; cut < n; cut++) {
		r = parse(buf, cut);
		if(r >= 0)
			fail_msg("query reply cut at %zu parsed", cut);
	}
	n = mkreply(
			buf, sizeof(buf), "c_10", "result", "ok", "sdp", offer_sdp, NULL);
	for(cut = 0; cut < n; cut++) {
		r = parse(buf, cut);
		if(r >= 0)
			fail_msg("offer reply cut at %zu parsed", cut);
	}
	assert_int_equal(parse(buf, n), RNG_OK);
}

static void test_limits_and_args(void **state)
{
	static char big[RNG_MAX_MSG + 2];
	rng_reply r;
	size_t h;
	(void)state;

	/* RNG_MAX_MSG bytes in all: "c " + "N:" + N bytes + "e" framing */
	memcpy(big, "c d6:result2:ok3:pad", 20);
	h = 20 + (size_t)sprintf(big + 20, "%u:", RNG_MAX_MSG - 20 - 6 - 1);
	memset(big + h, 'p', RNG_MAX_MSG - h - 1);
	big[RNG_MAX_MSG - 1] = 'e';
	assert_int_equal(parse(big, RNG_MAX_MSG), RNG_OK);
	assert_int_equal(rng_reply_get(&R, "pad")->len, RNG_MAX_MSG - 27);
	assert_int_equal(parse(big, RNG_MAX_MSG + 1), RNG_ERR_LIMIT);

	assert_int_equal(rng_reply_parse(NULL, "c de", 4), RNG_ERR_INVAL);
	memset(&r, 0, sizeof(r));
	assert_int_equal(rng_reply_parse(&r, NULL, 4), RNG_ERR_INVAL);
	assert_int_equal(
			rng_reply_parse(&r, "c d6:result2:oke", 16), RNG_ERR_INVAL);
	r.doc.nodes = nodes;
	r.doc.cap = 3;
	assert_int_equal(rng_reply_parse(&r, "c d6:result2:oke", 16), RNG_OK);
	r.doc.cap = 2;
	assert_int_equal(
			rng_reply_parse(&r, "c d6:result2:oke", 16), RNG_ERR_LIMIT);
	assert_int_equal(rng_reply_parse(&r, NULL, 0), RNG_ERR_PARSE);
}

static void test_strerror(void **state)
{
	int s;
	(void)state;
	for(s = 0; s >= RNG_ERR_REPLY; s--) {
		assert_non_null(rng_strerror(s));
		assert_string_not_equal(rng_strerror(s), "unknown error");
	}
	assert_string_equal(rng_strerror(RNG_OK), "ok");
	assert_string_equal(rng_strerror(-999), "unknown error");
	assert_string_equal(rng_strerror(1), "unknown error");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test_teardown(test_pong, teardown),
			cmocka_unit_test_teardown(test_results, teardown),
			cmocka_unit_test_teardown(test_error_reason, teardown),
			cmocka_unit_test_teardown(test_warning, teardown),
			cmocka_unit_test_teardown(test_offer_reply, teardown),
			cmocka_unit_test_teardown(test_query_reply, teardown),
			cmocka_unit_test_teardown(test_reply_get, teardown),
			cmocka_unit_test_teardown(test_malformed, teardown),
			cmocka_unit_test_teardown(test_reset_after_failure, teardown),
			cmocka_unit_test_teardown(test_truncated_everywhere, teardown),
			cmocka_unit_test_teardown(test_limits_and_args, teardown),
			cmocka_unit_test_teardown(test_strerror, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
