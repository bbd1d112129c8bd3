/*
 * The a=crypto attribute parser (medsec_crypto.c): the sample lines of
 * e2ae-protocol.md, the suite table, base64, lifetimes, MKIs, every
 * session parameter, limits, truncation at every byte, and the golden
 * pairs in golden/crypto/.  Every input sits right before a guard page, so
 * a one-byte over-read crashes the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <cmocka.h>

#include "medsec_crypto.h"
#include "guard.h"
#include "golden.h"

static guard G;

/* 30, 38, 46, 28 and 44 byte keys, base64 (the first ones from the
 * reference's sample lines) */
#define K30 "WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz"
#define K30B "TAaxNnQt8/qLQMnDuG4vxYfWl6K7eBK/ufk04pR4"
#define K46 "8AbZePWwsKhLGX3GlXA+yHYPQ3cgraer/9DkFJYCOPZZy3o9wC0NIbIFYZfyHw=="
#define K44 "oJzigckA3E7VxafV0JyOiPV8BS3m6IaqDS8bCseg4KjQ6CqmR0ShaNFJdhQ="
#define S80 "AES_CM_128_HMAC_SHA1_80"
#define L80 "1 " S80 " inline:" K30

static const char *const err_names[] = {"OK", "SYNTAX", "BAD_TAG",
		"UNKNOWN_SUITE", "BAD_KEY", "BAD_LIFETIME", "BAD_MKI", "MULTI_KEY",
		"BAD_PARAM", "UNKNOWN_PARAM"};

/* ---- helpers ---- */

/* Every slice of an OK result lies inside in[0..len). */
static void check_slices(const char *in, size_t len, const medsec_crypto_t *c)
{
	assert_true(c->suite_s >= in && c->suite_len <= len
				&& (size_t)(c->suite_s - in) <= len - c->suite_len);
	assert_true(c->key_s >= in && c->key_len <= len
				&& (size_t)(c->key_s - in) <= len - c->key_len);
	assert_true(c->params_s >= in && c->params_len <= len
				&& (size_t)(c->params_s - in) <= len - c->params_len);
}

/* One-line summary of a result; the key never appears in it. */
static void summary(
		medsec_crypto_err_t e, const medsec_crypto_t *c, char *out, size_t cap)
{
	size_t n;
	const char *sep = " params=";

	if(e != MEDSEC_CRYPTO_OK) {
		n = (size_t)snprintf(
				out, cap, "err %s", (unsigned)e < 10 ? err_names[e] : "?");
		if(c->suite_len > 0 && n < cap)
			snprintf(out + n, cap - n, " tag=%u suite=%.*s", c->tag,
					(int)c->suite_len, c->suite_s);
		return;
	}
	n = (size_t)snprintf(out, cap, "ok tag=%u suite=%s", c->tag,
			medsec_suite_name(c->suite));
#define ADD(...)                                                  \
	do {                                                          \
		if(n < cap)                                               \
			n += (size_t)snprintf(out + n, cap - n, __VA_ARGS__); \
	} while(0)
#define FLAG(f, ...)            \
	do {                        \
		if(c->sp_flags & (f)) { \
			ADD("%s", sep);     \
			ADD(__VA_ARGS__);   \
			sep = ",";          \
		}                       \
	} while(0)
	if(c->lifetime)
		ADD(" lifetime=%llu", (unsigned long long)c->lifetime);
	if(c->has_mki)
		ADD(" mki=%u:%u", c->mki_value, c->mki_len);
	FLAG(MEDSEC_SP_UNENCRYPTED_SRTP, "UNENCRYPTED_SRTP");
	FLAG(MEDSEC_SP_UNENCRYPTED_SRTCP, "UNENCRYPTED_SRTCP");
	FLAG(MEDSEC_SP_UNAUTHENTICATED_SRTP, "UNAUTHENTICATED_SRTP");
	FLAG(MEDSEC_SP_KDR, "KDR=%u", c->kdr);
	FLAG(MEDSEC_SP_FEC_ORDER, "FEC_ORDER");
	FLAG(MEDSEC_SP_FEC_KEY, "FEC_KEY");
	FLAG(MEDSEC_SP_WSH, "WSH=%u", c->wsh);
	FLAG(MEDSEC_SP_IGNORED, "IGNORED");
#undef FLAG
#undef ADD
}

/* Parse a guarded copy of s[0..len). */
static medsec_crypto_err_t parse_n(
		const char *s, size_t len, medsec_crypto_t *c)
{
	medsec_crypto_err_t e;

	guard_dup(&G, s, len);
	e = medsec_crypto_parse(G.p, len, c);
	assert_true((unsigned)e <= MEDSEC_CRYPTO_UNKNOWN_PARAM);
	if(e == MEDSEC_CRYPTO_OK)
		check_slices(G.p, len, c);
	return e;
}

static medsec_crypto_err_t parse(const char *s, medsec_crypto_t *c)
{
	return parse_n(s, strlen(s), c);
}

/* The summary of parsing s must be exp. */
#define assert_line(s, exp)                                              \
	do {                                                                 \
		medsec_crypto_t c_;                                              \
		char b_[512];                                                    \
		medsec_crypto_err_t e_ = parse((s), &c_);                        \
		summary(e_, &c_, b_, sizeof(b_));                                \
		if(strcmp(b_, (exp)) != 0)                                       \
			fail_msg("line \"%s\"\n  expected: %s\n  got:      %s", (s), \
					(exp), b_);                                          \
	} while(0)

/* The error of parsing s must be exp. */
#define assert_err(s, exp)                                                    \
	do {                                                                      \
		medsec_crypto_t c_;                                                   \
		medsec_crypto_err_t e_ = parse((s), &c_);                             \
		if(e_ != (exp))                                                       \
			fail_msg("line \"%s\": expected %s, got %s", (s), err_names[exp], \
					err_names[e_]);                                           \
	} while(0)

static int teardown(void **state)
{
	(void)state;
	guard_free(&G);
	return 0;
}

static size_t b64(const unsigned char *in, size_t n, char *out, int pad)
{
	static const char a[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	size_t i, o = 0;

	for(i = 0; i + 2 < n; i += 3) {
		out[o++] = a[in[i] >> 2];
		out[o++] = a[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		out[o++] = a[((in[i + 1] & 15) << 2) | (in[i + 2] >> 6)];
		out[o++] = a[in[i + 2] & 63];
	}
	if(n - i == 1) {
		out[o++] = a[in[i] >> 2];
		out[o++] = a[(in[i] & 3) << 4];
		if(pad) {
			out[o++] = '=';
			out[o++] = '=';
		}
	} else if(n - i == 2) {
		out[o++] = a[in[i] >> 2];
		out[o++] = a[((in[i] & 3) << 4) | (in[i + 1] >> 4)];
		out[o++] = a[(in[i + 1] & 15) << 2];
		if(pad)
			out[o++] = '=';
	}
	out[o] = '\0';
	return o;
}

/* ---- the reference's sample lines ---- */

static void test_samples(void **state)
{
	(void)state;
	assert_line("1 AES_CM_128_HMAC_SHA1_80 "
				"inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 "
				"FEC_ORDER=FEC_SRTP",
			"ok tag=1 suite=AES_CM_128_HMAC_SHA1_80 lifetime=1048576 "
			"mki=1:4 params=FEC_ORDER");
	assert_line("2 AES_CM_128_HMAC_SHA1_80 "
				"inline:TAaxNnQt8/qLQMnDuG4vxYfWl6K7eBK/ufk04pR4|2^31|1:1",
			"ok tag=2 suite=AES_CM_128_HMAC_SHA1_80 lifetime=2147483648 "
			"mki=1:1");
	assert_line("0 AES_CM_128_HMAC_SHA1_80 "
				"inline:f0oLKTuMYwXqrKa7Ch+MOBvLe8YnXnD6Kmnj4LQ2",
			"ok tag=0 suite=AES_CM_128_HMAC_SHA1_80");
	assert_line("1 aes_cm_128_hmac_sha1_80 "
				"inline:WnD7c1ksDGs+dIefCEo8omPg4uO8DYIinNGL5yxQ",
			"ok tag=1 suite=AES_CM_128_HMAC_SHA1_80");
	assert_line("3 AES_256_CM_HMAC_SHA1_80 "
				"inline:8AbZePWwsKhLGX3GlXA+yHYPQ3cgraer/"
				"9DkFJYCOPZZy3o9wC0NIbIFYZfyHw==",
			"ok tag=3 suite=AES_256_CM_HMAC_SHA1_80");
	assert_line("1 AEAD_AES_256_GCM_8 "
				"inline:oJzigckA3E7VxafV0JyOiPV8BS3m6IaqDS8bCseg4KjQ6CqmR0Sh"
				"aNFJdhQ=",
			"err UNKNOWN_SUITE tag=1 suite=AEAD_AES_256_GCM_8");
}

static void test_sample_fields(void **state)
{
	static const char line[] =
			"1 AES_CM_128_HMAC_SHA1_80 inline:" K30 "|2^20|1:4 "
			"FEC_ORDER=FEC_SRTP";
	medsec_crypto_t c;
	(void)state;

	assert_int_equal(parse(line, &c), MEDSEC_CRYPTO_OK);
	assert_int_equal(c.tag, 1);
	assert_int_equal(c.suite, MEDSEC_SUITE_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(c.suite_len, strlen(S80));
	assert_memory_equal(c.suite_s, S80, c.suite_len);
	assert_int_equal(c.key_len, strlen(K30));
	assert_memory_equal(c.key_s, K30, c.key_len);
	assert_true(c.lifetime == 1048576);
	assert_int_equal(c.has_mki, 1);
	assert_int_equal(c.mki_value, 1);
	assert_int_equal(c.mki_len, 4);
	assert_int_equal(c.sp_flags, MEDSEC_SP_FEC_ORDER);
	assert_int_equal(c.params_len, strlen("FEC_ORDER=FEC_SRTP"));
	assert_memory_equal(c.params_s, "FEC_ORDER=FEC_SRTP", c.params_len);
	assert_ptr_equal(c.params_s, G.p + strlen(line) - c.params_len);

	/* no session params: an empty slice at the end */
	assert_int_equal(parse(L80 "  \t", &c), MEDSEC_CRYPTO_OK);
	assert_int_equal(c.params_len, 0);
	assert_true(c.lifetime == 0 && c.has_mki == 0 && c.sp_flags == 0);

	/* partly filled on errors after the suite */
	assert_int_equal(parse("7 AES_256_CM_HMAC_SHA1_32 inline:" K30, &c),
			MEDSEC_CRYPTO_BAD_KEY);
	assert_int_equal(c.tag, 7);
	assert_int_equal(c.suite, MEDSEC_SUITE_AES_256_CM_HMAC_SHA1_32);
	assert_int_equal(
			parse("1 FOO_BAR inline:" K30, &c), MEDSEC_CRYPTO_UNKNOWN_SUITE);
	assert_int_equal(c.tag, 1);
	assert_int_equal(c.suite, MEDSEC_SUITE_UNKNOWN);
	assert_int_equal(c.suite_len, 7);
	assert_memory_equal(c.suite_s, "FOO_BAR", 7);

	/* c may be NULL */
	guard_dup(&G, line, strlen(line));
	assert_int_equal(
			medsec_crypto_parse(G.p, strlen(line), NULL), MEDSEC_CRYPTO_OK);
}

/* ---- suites ---- */

static void test_suite_table(void **state)
{
	static const struct
	{
		medsec_suite_t s;
		const char *name;
		unsigned key_len;
	} t[] = {
			{MEDSEC_SUITE_AES_CM_128_HMAC_SHA1_80, "AES_CM_128_HMAC_SHA1_80",
					30},
			{MEDSEC_SUITE_AES_CM_128_HMAC_SHA1_32, "AES_CM_128_HMAC_SHA1_32",
					30},
			{MEDSEC_SUITE_AES_192_CM_HMAC_SHA1_80, "AES_192_CM_HMAC_SHA1_80",
					38},
			{MEDSEC_SUITE_AES_192_CM_HMAC_SHA1_32, "AES_192_CM_HMAC_SHA1_32",
					38},
			{MEDSEC_SUITE_AES_256_CM_HMAC_SHA1_80, "AES_256_CM_HMAC_SHA1_80",
					46},
			{MEDSEC_SUITE_AES_256_CM_HMAC_SHA1_32, "AES_256_CM_HMAC_SHA1_32",
					46},
			{MEDSEC_SUITE_AEAD_AES_128_GCM, "AEAD_AES_128_GCM", 28},
			{MEDSEC_SUITE_AEAD_AES_256_GCM, "AEAD_AES_256_GCM", 44},
			{MEDSEC_SUITE_F8_128_HMAC_SHA1_80, "F8_128_HMAC_SHA1_80", 30},
			{MEDSEC_SUITE_F8_128_HMAC_SHA1_32, "F8_128_HMAC_SHA1_32", 30},
			{MEDSEC_SUITE_NULL_HMAC_SHA1_80, "NULL_HMAC_SHA1_80", 30},
			{MEDSEC_SUITE_NULL_HMAC_SHA1_32, "NULL_HMAC_SHA1_32", 30},
	};
	char lower[64];
	size_t i, j, n;
	(void)state;

	assert_int_equal(sizeof(t) / sizeof(t[0]), MEDSEC_SUITE_COUNT - 1);
	for(i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		n = strlen(t[i].name);
		assert_string_equal(medsec_suite_name(t[i].s), t[i].name);
		assert_int_equal(medsec_suite_key_len(t[i].s), t[i].key_len);
		guard_dup(&G, t[i].name, n);
		assert_int_equal(medsec_suite_by_name(G.p, n), t[i].s);
		for(j = 0; j < n; j++)
			lower[j] = (t[i].name[j] >= 'A' && t[i].name[j] <= 'Z')
							   ? (char)(t[i].name[j] + 32)
							   : t[i].name[j];
		guard_dup(&G, lower, n);
		assert_int_equal(medsec_suite_by_name(G.p, n), t[i].s);
		/* every proper prefix is unknown */
		for(j = 0; j < n; j++) {
			guard_dup(&G, t[i].name, j);
			assert_int_equal(
					medsec_suite_by_name(G.p, j), MEDSEC_SUITE_UNKNOWN);
		}
	}
	assert_string_equal(medsec_suite_name(MEDSEC_SUITE_UNKNOWN), "");
	assert_string_equal(medsec_suite_name(MEDSEC_SUITE_COUNT), "");
	assert_string_equal(medsec_suite_name((medsec_suite_t)-1), "");
	assert_int_equal(medsec_suite_key_len(MEDSEC_SUITE_UNKNOWN), 0);
	assert_int_equal(medsec_suite_key_len(MEDSEC_SUITE_COUNT), 0);
	assert_int_equal(medsec_suite_by_name(NULL, 0), MEDSEC_SUITE_UNKNOWN);
	assert_int_equal(medsec_suite_by_name("", 0), MEDSEC_SUITE_UNKNOWN);
	assert_int_equal(medsec_suite_by_name("AEAD_AES_256_GCM_8", 18),
			MEDSEC_SUITE_UNKNOWN);
	assert_int_equal(medsec_suite_by_name("AEAD_AES_256_GCM_16", 19),
			MEDSEC_SUITE_UNKNOWN);
	assert_int_equal(medsec_suite_by_name("AES_CM_128_HMAC_SHA1_800", 24),
			MEDSEC_SUITE_UNKNOWN);
	assert_int_equal(medsec_suite_by_name("AES_CM_128_HMAC_SHA1_8", 22),
			MEDSEC_SUITE_UNKNOWN);
	/* the length, not a NUL, ends the name */
	assert_int_equal(medsec_suite_by_name("AEAD_AES_128_GCMxyz", 16),
			MEDSEC_SUITE_AEAD_AES_128_GCM);
	/* no locale tricks: non-ASCII bytes never fold */
	assert_int_equal(medsec_suite_by_name("AEAD_AES_128_GC\xcd", 16),
			MEDSEC_SUITE_UNKNOWN);
}

/* For every suite, a key one byte short, exact and one byte long, with and
 * without padding. */
static void test_key_length_per_suite(void **state)
{
	unsigned char raw[64];
	char key[128], line[256];
	unsigned s, L;
	int delta, pad;
	(void)state;

	for(s = 0; s < sizeof(raw); s++)
		raw[s] = (unsigned char)(s * 37 + 11);
	for(s = 1; s < MEDSEC_SUITE_COUNT; s++) {
		L = medsec_suite_key_len((medsec_suite_t)s);
		for(delta = -1; delta <= 1; delta++) {
			for(pad = 0; pad <= 1; pad++) {
				b64(raw, L + delta, key, pad);
				snprintf(line, sizeof(line), "5 %s inline:%s|2^10",
						medsec_suite_name((medsec_suite_t)s), key);
				assert_err(line,
						delta == 0 ? MEDSEC_CRYPTO_OK : MEDSEC_CRYPTO_BAD_KEY);
			}
		}
	}
	/* a key for another suite */
	assert_err("1 AES_192_CM_HMAC_SHA1_80 inline:" K30, MEDSEC_CRYPTO_BAD_KEY);
	assert_err("1 AEAD_AES_128_GCM inline:" K30, MEDSEC_CRYPTO_BAD_KEY);
	assert_err("1 AEAD_AES_256_GCM inline:" K46, MEDSEC_CRYPTO_BAD_KEY);
	assert_err("1 AEAD_AES_256_GCM inline:" K44, MEDSEC_CRYPTO_OK);
	assert_err("1 AES_256_CM_HMAC_SHA1_32 inline:" K46, MEDSEC_CRYPTO_OK);
}

/* ---- base64 ---- */

static long b64len(const char *s)
{
	size_t n = strlen(s);
	guard_dup(&G, s, n);
	return medsec_base64_decoded_len(G.p, n);
}

static void test_base64(void **state)
{
	(void)state;
	assert_int_equal(b64len(""), 0);
	assert_int_equal(medsec_base64_decoded_len(NULL, 0), 0);
	assert_int_equal(medsec_base64_decoded_len(NULL, 4), -1);
	assert_int_equal(b64len("QQ"), 1);
	assert_int_equal(b64len("QQ=="), 1);
	assert_int_equal(b64len("QUI"), 2);
	assert_int_equal(b64len("QUI="), 2);
	assert_int_equal(b64len("QUJD"), 3);
	assert_int_equal(b64len(K30), 30);
	assert_int_equal(b64len(K46), 46);
	assert_int_equal(b64len(K44), 44);
	assert_int_equal(b64len("+/+/"), 3);
	/* wrong padding */
	assert_int_equal(b64len("QQ="), -1);
	assert_int_equal(b64len("QUI=="), -1);
	assert_int_equal(b64len("QUJD="), -1);
	assert_int_equal(b64len("QUJD===="), -1);
	assert_int_equal(b64len("Q==="), -1);
	assert_int_equal(b64len("="), -1);
	assert_int_equal(b64len("=="), -1);
	assert_int_equal(b64len("===="), -1);
	/* a lone sextet, characters outside the alphabet, padding inside */
	assert_int_equal(b64len("Q"), -1);
	assert_int_equal(b64len("QUJDR"), -1);
	assert_int_equal(b64len("QU=D"), -1);
	assert_int_equal(b64len("QQ==QQ=="), -1);
	assert_int_equal(b64len("QU JD"), -1);
	assert_int_equal(b64len("QU-D"), -1);
	assert_int_equal(b64len("QU_D"), -1);
	assert_int_equal(b64len("QU.D"), -1);
	assert_int_equal(b64len("QUJ\x80"), -1);
	{
		static const char nul[4] = {'Q', 'U', 0, 'D'};
		guard_dup(&G, nul, 4);
		assert_int_equal(medsec_base64_decoded_len(G.p, 4), -1);
	}
}

static void test_bad_keys(void **state)
{
	(void)state;
	/* bad base64 */
	assert_err("1 " S80 " inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGV!",
			MEDSEC_CRYPTO_BAD_KEY);
	assert_err("1 " S80 " inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubG==z",
			MEDSEC_CRYPTO_BAD_KEY);
	assert_err("1 " S80 " inline:" K30 "=", MEDSEC_CRYPTO_BAD_KEY);
	assert_err("1 " S80 " inline:" K30 "==", MEDSEC_CRYPTO_BAD_KEY);
	assert_err("1 " S80 " inline:-_" K30, MEDSEC_CRYPTO_BAD_KEY);
	assert_err("1 " S80 " inline:", MEDSEC_CRYPTO_BAD_KEY);
	assert_err("1 " S80 " inline:|2^20", MEDSEC_CRYPTO_BAD_KEY);
	assert_err("1 " S80 " inline:" K30 ":x", MEDSEC_CRYPTO_BAD_KEY);
	/* key-method: inline, case-insensitive; others are unusable */
	assert_err("1 " S80 " INLINE:" K30, MEDSEC_CRYPTO_OK);
	assert_err("1 " S80 " Inline:" K30, MEDSEC_CRYPTO_OK);
	assert_err("1 " S80 " uri:http://example.com/key", MEDSEC_CRYPTO_BAD_KEY);
	assert_err("1 " S80 " inlin:" K30, MEDSEC_CRYPTO_BAD_KEY);
	/* not key-method ":" key-info at all */
	assert_err("1 " S80 " inline", MEDSEC_CRYPTO_SYNTAX);
	assert_err("1 " S80 " " K30, MEDSEC_CRYPTO_SYNTAX);
	assert_err("1 " S80 " :" K30, MEDSEC_CRYPTO_SYNTAX);
	assert_err("1 " S80 " in-line:" K30, MEDSEC_CRYPTO_SYNTAX);
}

/* ---- tag, suite, separators ---- */

static void test_tag(void **state)
{
	(void)state;
	assert_line("0 " S80 " inline:" K30, "ok tag=0 suite=" S80);
	assert_line("00 " S80 " inline:" K30, "ok tag=0 suite=" S80);
	assert_line("999999999 " S80 " inline:" K30, "ok tag=999999999 suite=" S80);
	assert_line("000000001 " S80 " inline:" K30, "ok tag=1 suite=" S80);
	assert_err("1234567890 " S80 " inline:" K30, MEDSEC_CRYPTO_BAD_TAG);
	assert_err("0000000000 " S80 " inline:" K30, MEDSEC_CRYPTO_BAD_TAG);
	assert_err("4294967297 " S80 " inline:" K30, MEDSEC_CRYPTO_BAD_TAG);
	assert_err("a " S80 " inline:" K30, MEDSEC_CRYPTO_BAD_TAG);
	assert_err("1a " S80 " inline:" K30, MEDSEC_CRYPTO_BAD_TAG);
	assert_err("-1 " S80 " inline:" K30, MEDSEC_CRYPTO_BAD_TAG);
	assert_err("+1 " S80 " inline:" K30, MEDSEC_CRYPTO_BAD_TAG);
	assert_err(" 1 " S80 " inline:" K30, MEDSEC_CRYPTO_BAD_TAG);
	assert_err("1:" S80 " inline:" K30, MEDSEC_CRYPTO_BAD_TAG);
}

static void test_separators_and_syntax(void **state)
{
	char line[5000];
	size_t n;
	(void)state;

	assert_line("1\t" S80 "\t\tinline:" K30 " \t KDR=0\t",
			"ok tag=1 suite=" S80 " params=KDR=0");
	assert_line("1     " S80 "   inline:" K30 "    ", "ok tag=1 suite=" S80);
	assert_err("", MEDSEC_CRYPTO_SYNTAX);
	assert_err("1", MEDSEC_CRYPTO_SYNTAX);
	assert_err("1 ", MEDSEC_CRYPTO_SYNTAX);
	assert_err("1 " S80, MEDSEC_CRYPTO_SYNTAX);
	assert_err("1 " S80 "  \t", MEDSEC_CRYPTO_SYNTAX);
	assert_err("1 AES-CM-128 inline:" K30, MEDSEC_CRYPTO_SYNTAX);
	assert_err("1 AES_CM_128_HMAC_SHA1_80: inline:" K30, MEDSEC_CRYPTO_SYNTAX);
	/* only SP and HTAB separate; CR, LF, NUL, DEL, non-ASCII are errors */
	assert_err("1 " S80 "\rinline:" K30, MEDSEC_CRYPTO_SYNTAX);
	assert_err("1 " S80 " inline:" K30 "\r\n", MEDSEC_CRYPTO_SYNTAX);
	assert_err("1 " S80 " inline:" K30 "\n", MEDSEC_CRYPTO_SYNTAX);
	assert_err("1 " S80 "\vinline:" K30, MEDSEC_CRYPTO_SYNTAX);
	assert_err("1 " S80 " inline:" K30 " \x7f", MEDSEC_CRYPTO_SYNTAX);
	assert_err("1 " S80 " inline:" K30 " \xc3\xa9", MEDSEC_CRYPTO_SYNTAX);
	{
		static const char nul[] = "1 " S80 " inline:" K30 " \0KDR=1";
		medsec_crypto_t c;
		assert_int_equal(
				parse_n(nul, sizeof(nul) - 1, &c), MEDSEC_CRYPTO_SYNTAX);
	}
	/* unknown suites: generic syntax first */
	assert_err("1 FOO inline:x", MEDSEC_CRYPTO_UNKNOWN_SUITE);
	assert_err("1 FOO inline:x;inline:y KDR=99 anything",
			MEDSEC_CRYPTO_UNKNOWN_SUITE);
	assert_err("1 FOO uri:x", MEDSEC_CRYPTO_UNKNOWN_SUITE);
	assert_err("1 FOO inline:", MEDSEC_CRYPTO_SYNTAX);
	assert_err("1 FOO inline", MEDSEC_CRYPTO_SYNTAX);
	assert_err("1 FOO inline:x;", MEDSEC_CRYPTO_SYNTAX);
	assert_err("1 FOO", MEDSEC_CRYPTO_SYNTAX);
	assert_err("1 FOO-BAR inline:x", MEDSEC_CRYPTO_SYNTAX);

	/* 4096 bytes is the limit, trailing whitespace included */
	n = (size_t)snprintf(line, sizeof(line), "%s", L80);
	memset(line + n, ' ', sizeof(line) - n);
	{
		medsec_crypto_t c;
		assert_int_equal(parse_n(line, 4096, &c), MEDSEC_CRYPTO_OK);
		assert_int_equal(parse_n(line, 4097, &c), MEDSEC_CRYPTO_SYNTAX);
		assert_int_equal(parse_n(line, sizeof(line), &c), MEDSEC_CRYPTO_SYNTAX);
	}
	/* so is a line of many ignorable params */
	n = (size_t)snprintf(line, sizeof(line), "%s", L80);
	while(n + 3 <= 4096) {
		memcpy(line + n, " -x", 3);
		n += 3;
	}
	{
		medsec_crypto_t c;
		assert_int_equal(parse_n(line, n, &c), MEDSEC_CRYPTO_OK);
		assert_int_equal(c.sp_flags, MEDSEC_SP_IGNORED);
		memcpy(line + n, " -x", 3);
		assert_int_equal(parse_n(line, n + 3, &c), MEDSEC_CRYPTO_SYNTAX);
	}
	/* NULL input */
	assert_int_equal(medsec_crypto_parse(NULL, 0, NULL), MEDSEC_CRYPTO_SYNTAX);
	assert_int_equal(medsec_crypto_parse(NULL, 10, NULL), MEDSEC_CRYPTO_SYNTAX);
}

/* ---- lifetime and MKI ---- */

static void test_lifetime(void **state)
{
	(void)state;
	assert_line(L80 "|2^1", "ok tag=1 suite=" S80 " lifetime=2");
	assert_line(L80 "|2^20", "ok tag=1 suite=" S80 " lifetime=1048576");
	assert_line(L80 "|2^020", "ok tag=1 suite=" S80 " lifetime=1048576");
	assert_line(L80 "|2^48", "ok tag=1 suite=" S80 " lifetime=281474976710656");
	assert_line(L80 "|1", "ok tag=1 suite=" S80 " lifetime=1");
	assert_line(L80 "|3000", "ok tag=1 suite=" S80 " lifetime=3000");
	assert_line(L80 "|281474976710656",
			"ok tag=1 suite=" S80 " lifetime=281474976710656");
	assert_line(L80 "|000281474976710656",
			"ok tag=1 suite=" S80 " lifetime=281474976710656");
	assert_err(L80 "|2^99", MEDSEC_CRYPTO_BAD_LIFETIME);
	assert_err(L80 "|2^49", MEDSEC_CRYPTO_BAD_LIFETIME);
	assert_err(L80 "|2^0", MEDSEC_CRYPTO_BAD_LIFETIME);
	assert_err(L80 "|2^", MEDSEC_CRYPTO_BAD_LIFETIME);
	assert_err(L80 "|2^-1", MEDSEC_CRYPTO_BAD_LIFETIME);
	assert_err(L80 "|2^99999999999999999999999", MEDSEC_CRYPTO_BAD_LIFETIME);
	assert_err(L80 "|3^20", MEDSEC_CRYPTO_BAD_LIFETIME);
	assert_err(L80 "|0", MEDSEC_CRYPTO_BAD_LIFETIME);
	assert_err(L80 "|281474976710657", MEDSEC_CRYPTO_BAD_LIFETIME);
	assert_err(L80 "|18446744073709551617", MEDSEC_CRYPTO_BAD_LIFETIME);
	assert_err(L80 "|1e6", MEDSEC_CRYPTO_BAD_LIFETIME);
	assert_err(L80 "|", MEDSEC_CRYPTO_BAD_LIFETIME);
	assert_err(L80 "|-5", MEDSEC_CRYPTO_BAD_LIFETIME);
	/* order and count of the "|" fields */
	assert_line(
			L80 "|2^20|1:4", "ok tag=1 suite=" S80 " lifetime=1048576 mki=1:4");
	assert_line(L80 "|1:4", "ok tag=1 suite=" S80 " mki=1:4");
	assert_err(L80 "|1:4|2^20", MEDSEC_CRYPTO_SYNTAX);
	assert_err(L80 "|2^20|2^20", MEDSEC_CRYPTO_SYNTAX);
	assert_err(L80 "|1:4|1:4", MEDSEC_CRYPTO_SYNTAX);
	assert_err(L80 "|2^20|1:4|", MEDSEC_CRYPTO_SYNTAX);
	assert_err(L80 "|2^20|1:4|x", MEDSEC_CRYPTO_SYNTAX);
}

static void test_mki(void **state)
{
	(void)state;
	assert_line(L80 "|1:1", "ok tag=1 suite=" S80 " mki=1:1");
	assert_line(L80 "|0:1", "ok tag=1 suite=" S80 " mki=0:1");
	assert_line(L80 "|255:1", "ok tag=1 suite=" S80 " mki=255:1");
	assert_line(L80 "|65535:2", "ok tag=1 suite=" S80 " mki=65535:2");
	assert_line(L80 "|16777215:3", "ok tag=1 suite=" S80 " mki=16777215:3");
	assert_line(L80 "|4294967295:4", "ok tag=1 suite=" S80 " mki=4294967295:4");
	assert_line(L80 "|7:128", "ok tag=1 suite=" S80 " mki=7:128");
	assert_line(L80 "|007:004", "ok tag=1 suite=" S80 " mki=7:4");
	assert_err(L80 "|1:0", MEDSEC_CRYPTO_BAD_MKI);
	assert_err(L80 "|1:200", MEDSEC_CRYPTO_BAD_MKI);
	assert_err(L80 "|1:129", MEDSEC_CRYPTO_BAD_MKI);
	assert_err(L80 "|1:0004", MEDSEC_CRYPTO_BAD_MKI);
	assert_err(L80 "|256:1", MEDSEC_CRYPTO_BAD_MKI);
	assert_err(L80 "|65536:2", MEDSEC_CRYPTO_BAD_MKI);
	assert_err(L80 "|16777216:3", MEDSEC_CRYPTO_BAD_MKI);
	assert_err(L80 "|4294967296:4", MEDSEC_CRYPTO_BAD_MKI);
	assert_err(L80 "|4294967296:128", MEDSEC_CRYPTO_BAD_MKI);
	assert_err(L80 "|99999999999999999999999:8", MEDSEC_CRYPTO_BAD_MKI);
	assert_err(L80 "|:4", MEDSEC_CRYPTO_BAD_MKI);
	assert_err(L80 "|1:", MEDSEC_CRYPTO_BAD_MKI);
	assert_err(L80 "|:", MEDSEC_CRYPTO_BAD_MKI);
	assert_err(L80 "|1:4:4", MEDSEC_CRYPTO_BAD_MKI);
	assert_err(L80 "|a:4", MEDSEC_CRYPTO_BAD_MKI);
	assert_err(L80 "|1:-4", MEDSEC_CRYPTO_BAD_MKI);
	assert_err(L80 "|2^20|1:0", MEDSEC_CRYPTO_BAD_MKI);
}

/* ---- key-params: several keys ---- */

static void test_multi_key(void **state)
{
	(void)state;
	assert_err(L80 ";inline:" K30B, MEDSEC_CRYPTO_MULTI_KEY);
	assert_err(
			L80 "|2^20|1:4;inline:" K30B "|2^20|2:4", MEDSEC_CRYPTO_MULTI_KEY);
	assert_err(L80 ";inline:" K30B " FOO", MEDSEC_CRYPTO_MULTI_KEY);
	assert_err(L80 ";", MEDSEC_CRYPTO_SYNTAX);
	assert_err(L80 ";;inline:" K30B, MEDSEC_CRYPTO_SYNTAX);
	assert_err(L80 ";garbage", MEDSEC_CRYPTO_SYNTAX);
	/* the first key is checked first */
	assert_err("1 " S80 " inline:AAAA;inline:" K30, MEDSEC_CRYPTO_BAD_KEY);
	assert_err(L80 "|2^99;inline:" K30B, MEDSEC_CRYPTO_BAD_LIFETIME);
}

/* ---- session parameters ---- */

static void test_session_params(void **state)
{
	(void)state;
	assert_line(L80 " KDR=0", "ok tag=1 suite=" S80 " params=KDR=0");
	assert_line(L80 " KDR=24", "ok tag=1 suite=" S80 " params=KDR=24");
	assert_line(L80 " KDR=07", "ok tag=1 suite=" S80 " params=KDR=7");
	assert_line(L80 " kdr=3", "ok tag=1 suite=" S80 " params=KDR=3");
	assert_err(L80 " KDR=25", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " KDR=99", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " KDR=001", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " KDR=", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " KDR", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " KDR=x", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " KDR=-1", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " KDR=1 KDR=1", MEDSEC_CRYPTO_BAD_PARAM);

	assert_line(L80 " UNENCRYPTED_SRTP",
			"ok tag=1 suite=" S80 " params=UNENCRYPTED_SRTP");
	assert_line(L80 " UNENCRYPTED_SRTCP",
			"ok tag=1 suite=" S80 " params=UNENCRYPTED_SRTCP");
	assert_line(L80 " UNAUTHENTICATED_SRTP",
			"ok tag=1 suite=" S80 " params=UNAUTHENTICATED_SRTP");
	assert_line(L80 " unencrypted_srtp",
			"ok tag=1 suite=" S80 " params=UNENCRYPTED_SRTP");
	assert_err(L80 " UNENCRYPTED_SRTP=1", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " UNENCRYPTED_SRTP=", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " UNAUTHENTICATED_SRTP UNAUTHENTICATED_SRTP",
			MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " UNENCRYPTED_SRT", MEDSEC_CRYPTO_UNKNOWN_PARAM);
	assert_err(L80 " UNENCRYPTED_SRTPX", MEDSEC_CRYPTO_UNKNOWN_PARAM);

	assert_line(L80 " FEC_ORDER=FEC_SRTP",
			"ok tag=1 suite=" S80 " params=FEC_ORDER");
	assert_line(L80 " FEC_ORDER=SRTP_FEC",
			"ok tag=1 suite=" S80 " params=FEC_ORDER");
	assert_line(L80 " fec_order=srtp_fec",
			"ok tag=1 suite=" S80 " params=FEC_ORDER");
	assert_err(L80 " FEC_ORDER=", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " FEC_ORDER", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " FEC_ORDER=FEC", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " FEC_ORDER=FEC_SRTPX", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " FEC_ORDER=FEC_SRTP=", MEDSEC_CRYPTO_BAD_PARAM);

	assert_line(L80 " FEC_KEY=inline:" K30B,
			"ok tag=1 suite=" S80 " params=FEC_KEY");
	assert_line(L80 " FEC_KEY=inline:" K30B "|2^20|1:4",
			"ok tag=1 suite=" S80 " params=FEC_KEY");
	assert_line(L80 " FEC_KEY=inline:" K30B ";inline:" K30 "|1:4",
			"ok tag=1 suite=" S80 " params=FEC_KEY");
	assert_line("1 " S80 " inline:" K30 "|1:4 FEC_KEY=inline:" K30B,
			"ok tag=1 suite=" S80 " mki=1:4 params=FEC_KEY");
	assert_err(L80 " FEC_KEY=", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " FEC_KEY", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " FEC_KEY=inline:AAAA", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " FEC_KEY=inline:" K46, MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " FEC_KEY=inline:" K30B "|2^99", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " FEC_KEY=inline:" K30B "|1:200", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " FEC_KEY=inline:" K30B ";", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " FEC_KEY=uri:x", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " FEC_KEY=inline:" K30B " FEC_KEY=inline:" K30,
			MEDSEC_CRYPTO_BAD_PARAM);
	/* the FEC key does not replace the master key's fields */
	{
		medsec_crypto_t c;
		assert_int_equal(parse(L80 " FEC_KEY=inline:" K30B "|2^20|9:4", &c),
				MEDSEC_CRYPTO_OK);
		assert_int_equal(c.key_len, strlen(K30));
		assert_memory_equal(c.key_s, K30, c.key_len);
		assert_true(c.lifetime == 0 && !c.has_mki);
	}

	assert_line(L80 " WSH=64", "ok tag=1 suite=" S80 " params=WSH=64");
	assert_line(L80 " WSH=128", "ok tag=1 suite=" S80 " params=WSH=128");
	assert_line(L80 " WSH=0064", "ok tag=1 suite=" S80 " params=WSH=64");
	assert_line(L80 " WSH=2147483647",
			"ok tag=1 suite=" S80 " params=WSH=2147483647");
	assert_err(L80 " WSH=63", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " WSH=0", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " WSH=2147483648", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " WSH=99999999999999999999999", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " WSH=", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " WSH", MEDSEC_CRYPTO_BAD_PARAM);
	assert_err(L80 " WSH=64x", MEDSEC_CRYPTO_BAD_PARAM);

	assert_line(L80 " -FOO", "ok tag=1 suite=" S80 " params=IGNORED");
	assert_line(L80 " -FOO=bar -", "ok tag=1 suite=" S80 " params=IGNORED");
	assert_err(L80 " FOO", MEDSEC_CRYPTO_UNKNOWN_PARAM);
	assert_err(L80 " FOO=1", MEDSEC_CRYPTO_UNKNOWN_PARAM);
	assert_err(L80 " =1", MEDSEC_CRYPTO_UNKNOWN_PARAM);
	assert_err(L80 " KDR=1 FOO", MEDSEC_CRYPTO_UNKNOWN_PARAM);
	assert_err(L80 " FOO KDR=99", MEDSEC_CRYPTO_UNKNOWN_PARAM);
	assert_err(L80 " KDR=99 FOO", MEDSEC_CRYPTO_BAD_PARAM);

	/* all of them */
	{
		static const char all[] = L80
				"|2^31|3:2 KDR=4 UNENCRYPTED_SRTP UNENCRYPTED_SRTCP "
				"UNAUTHENTICATED_SRTP FEC_ORDER=SRTP_FEC FEC_KEY=inline:" K30B
				" WSH=256 -X-VENDOR=1";
		medsec_crypto_t c;
		assert_line(all,
				"ok tag=1 suite=" S80 " lifetime=2147483648 mki=3:2 "
				"params=UNENCRYPTED_SRTP,UNENCRYPTED_SRTCP,"
				"UNAUTHENTICATED_SRTP,KDR=4,FEC_ORDER,FEC_KEY,WSH=256,IGNORED");
		assert_int_equal(parse(all, &c), MEDSEC_CRYPTO_OK);
		assert_int_equal(c.kdr, 4);
		assert_int_equal(c.wsh, 256);
		assert_int_equal(c.params_len,
				strlen(all) - (strlen(L80) + strlen("|2^31|3:2 ")));
		assert_memory_equal(c.params_s, "KDR=4 ", 6);
	}
}

static void test_strerror(void **state)
{
	unsigned e;
	(void)state;
	for(e = 0; e <= MEDSEC_CRYPTO_UNKNOWN_PARAM; e++) {
		const char *s = medsec_crypto_strerror((medsec_crypto_err_t)e);
		assert_non_null(s);
		assert_true(strlen(s) > 0);
	}
	assert_string_equal(medsec_crypto_strerror(MEDSEC_CRYPTO_OK), "ok");
	assert_non_null(medsec_crypto_strerror((medsec_crypto_err_t)99));
	assert_non_null(medsec_crypto_strerror((medsec_crypto_err_t)-1));
}

/* ---- truncation ---- */

static const char *const valid_lines[] = {
		"1 AES_CM_128_HMAC_SHA1_80 "
		"inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 "
		"FEC_ORDER=FEC_SRTP",
		"2 AES_CM_128_HMAC_SHA1_80 "
		"inline:TAaxNnQt8/qLQMnDuG4vxYfWl6K7eBK/ufk04pR4|2^31|1:1",
		"0 AES_CM_128_HMAC_SHA1_80 "
		"inline:f0oLKTuMYwXqrKa7Ch+MOBvLe8YnXnD6Kmnj4LQ2",
		"1 aes_cm_128_hmac_sha1_80 "
		"inline:WnD7c1ksDGs+dIefCEo8omPg4uO8DYIinNGL5yxQ",
		"3 AES_256_CM_HMAC_SHA1_80 "
		"inline:8AbZePWwsKhLGX3GlXA+yHYPQ3cgraer/"
		"9DkFJYCOPZZy3o9wC0NIbIFYZfyHw==",
		"123456789 AEAD_AES_256_GCM inline:" K44 "|281474976710656|4294967295:4"
		" KDR=24 WSH=64 -x FEC_KEY=inline:" K44 "|2^48|7:128 "
		"UNENCRYPTED_SRTCP\t",
};

/* Every prefix of a valid line is an error or a (shorter) valid line. */
static void test_truncation(void **state)
{
	size_t i, k, len, nok;
	medsec_crypto_t c;
	medsec_crypto_err_t e;
	(void)state;

	for(i = 0; i < sizeof(valid_lines) / sizeof(valid_lines[0]); i++) {
		len = strlen(valid_lines[i]);
		assert_int_equal(parse_n(valid_lines[i], len, &c), MEDSEC_CRYPTO_OK);
		nok = 0;
		for(k = 0; k < len; k++) {
			e = parse_n(valid_lines[i], k, &c); /* checks the slices */
			if(e == MEDSEC_CRYPTO_OK)
				nok++;
		}
		/* a prefix ending inside the key is never valid */
		assert_true(nok < len / 2);
	}
}

/* ---- golden pairs ---- */

static void crypto_golden(const char *in, size_t len, char *out, size_t cap)
{
	medsec_crypto_t c;
	medsec_crypto_err_t e = medsec_crypto_parse(in, len, &c);

	if(e == MEDSEC_CRYPTO_OK)
		check_slices(in, len, &c);
	summary(e, &c, out, cap);
}

static void test_golden(void **state)
{
	unsigned n;
	int failed;
	(void)state;

	failed = golden_run("crypto", crypto_golden, &n);
	print_message("%u golden crypto pairs\n", n);
	assert_int_equal(failed, 0);
	assert_true(n >= 20);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test_teardown(test_samples, teardown),
			cmocka_unit_test_teardown(test_sample_fields, teardown),
			cmocka_unit_test_teardown(test_suite_table, teardown),
			cmocka_unit_test_teardown(test_key_length_per_suite, teardown),
			cmocka_unit_test_teardown(test_base64, teardown),
			cmocka_unit_test_teardown(test_bad_keys, teardown),
			cmocka_unit_test_teardown(test_tag, teardown),
			cmocka_unit_test_teardown(test_separators_and_syntax, teardown),
			cmocka_unit_test_teardown(test_lifetime, teardown),
			cmocka_unit_test_teardown(test_mki, teardown),
			cmocka_unit_test_teardown(test_multi_key, teardown),
			cmocka_unit_test_teardown(test_session_params, teardown),
			cmocka_unit_test_teardown(test_strerror, teardown),
			cmocka_unit_test_teardown(test_truncation, teardown),
			cmocka_unit_test_teardown(test_golden, teardown),
	};
	return cmocka_run_group_tests_name("medsec_crypto", tests, NULL, NULL);
}
