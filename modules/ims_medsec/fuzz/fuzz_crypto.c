/*
 * libFuzzer harness for the a=crypto parser (medsec_crypto.c).
 *
 * Each input is parsed as one attribute value.  The result must be a known
 * error code; every slice must lie inside the input; an OK result must
 * satisfy every documented range (key length for the suite, lifetime,
 * MKI, KDR, WSH), and must survive two rewrites unchanged: one more
 * trailing space, and the suite name in lower case.  The base64 length
 * and the suite lookup run on the raw input too.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "medsec_crypto.h"

#define MAX_LINE 4096

#define CHECK(x)              \
	do {                      \
		if(!(x))              \
			__builtin_trap(); \
	} while(0)

static int inside(const char *buf, size_t size, const char *p, size_t n)
{
	return p >= buf && n <= size && (size_t)(p - buf) <= size - n;
}

static void same(const medsec_crypto_t *a, const medsec_crypto_t *b)
{
	CHECK(a->tag == b->tag && a->suite == b->suite);
	CHECK(a->key_len == b->key_len && a->suite_len == b->suite_len);
	CHECK(a->lifetime == b->lifetime && a->has_mki == b->has_mki);
	CHECK(a->mki_value == b->mki_value && a->mki_len == b->mki_len);
	CHECK(a->sp_flags == b->sp_flags && a->kdr == b->kdr && a->wsh == b->wsh);
	CHECK(a->params_len == b->params_len);
}

static void check_ok(const char *buf, size_t size, const medsec_crypto_t *c)
{
	CHECK(c->suite > MEDSEC_SUITE_UNKNOWN && c->suite < MEDSEC_SUITE_COUNT);
	CHECK(c->tag <= 999999999u);
	CHECK(inside(buf, size, c->suite_s, c->suite_len));
	CHECK(inside(buf, size, c->key_s, c->key_len));
	CHECK(inside(buf, size, c->params_s, c->params_len));
	CHECK(medsec_suite_by_name(c->suite_s, c->suite_len) == c->suite);
	CHECK(medsec_base64_decoded_len(c->key_s, c->key_len)
			== (long)medsec_suite_key_len(c->suite));
	CHECK(c->lifetime <= ((uint64_t)1 << 48));
	if(c->has_mki) {
		CHECK(c->has_mki == 1);
		CHECK(c->mki_len >= 1 && c->mki_len <= 128);
		if(c->mki_len < 4)
			CHECK(c->mki_value < (1u << (8 * c->mki_len)));
	} else {
		CHECK(c->mki_len == 0 && c->mki_value == 0);
	}
	CHECK(c->sp_flags < (1u << 8));
	if(c->sp_flags & MEDSEC_SP_KDR)
		CHECK(c->kdr <= 24);
	else
		CHECK(c->kdr == 0);
	if(c->sp_flags & MEDSEC_SP_WSH)
		CHECK(c->wsh >= 64);
	else
		CHECK(c->wsh == 0);
	/* the params slice ends at the last non-blank byte */
	if(c->params_len > 0) {
		char last = c->params_s[c->params_len - 1];
		CHECK(last != ' ' && last != '\t');
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	medsec_crypto_t c, d;
	medsec_crypto_err_t e, e2;
	medsec_suite_t s;
	char *copy;
	long b;
	size_t i;

	e = medsec_crypto_parse(buf, size, &c);
	CHECK((unsigned)e <= MEDSEC_CRYPTO_UNKNOWN_PARAM);
	CHECK(medsec_crypto_strerror(e)[0] != '\0');
	if(size > MAX_LINE || size == 0)
		CHECK(e == MEDSEC_CRYPTO_SYNTAX);
	CHECK(c.tag <= 999999999u);
	if(c.suite_len > 0) {
		CHECK(inside(buf, size, c.suite_s, c.suite_len));
		CHECK(medsec_suite_by_name(c.suite_s, c.suite_len) == c.suite);
	}
	if(e == MEDSEC_CRYPTO_UNKNOWN_SUITE)
		CHECK(c.suite == MEDSEC_SUITE_UNKNOWN && c.suite_len > 0);
	if(e == MEDSEC_CRYPTO_OK)
		check_ok(buf, size, &c);

	/* the same line with one more trailing blank, and with the suite name
	 * in lower case, parses the same way */
	if(e != MEDSEC_CRYPTO_SYNTAX && size < MAX_LINE) {
		copy = malloc(size + 1);
		CHECK(copy != NULL);
		memcpy(copy, buf, size);
		copy[size] = (size & 1) ? '\t' : ' ';
		e2 = medsec_crypto_parse(copy, size + 1, &d);
		CHECK(e2 == e);
		if(e == MEDSEC_CRYPTO_OK)
			same(&c, &d);
		if(c.suite_len > 0) {
			memcpy(copy, buf, size);
			for(i = (size_t)(c.suite_s - buf);
					i < (size_t)(c.suite_s - buf) + c.suite_len; i++)
				if(copy[i] >= 'A' && copy[i] <= 'Z')
					copy[i] = (char)(copy[i] + 32);
			e2 = medsec_crypto_parse(copy, size, &d);
			CHECK(e2 == e);
			if(e == MEDSEC_CRYPTO_OK)
				same(&c, &d);
		}
		free(copy);
	}

	/* raw helpers */
	b = medsec_base64_decoded_len(buf, size);
	CHECK(b >= -1);
	if(b >= 0)
		CHECK((size_t)b <= size / 4 * 3 + 2);
	s = medsec_suite_by_name(buf, size);
	CHECK((unsigned)s < MEDSEC_SUITE_COUNT);
	if(s != MEDSEC_SUITE_UNKNOWN)
		CHECK(strlen(medsec_suite_name(s)) == size);
	return 0;
}
