/*
 * The suite policy (medsec_policy.c): the list parser shared by the
 * modparam e2ae_suites and the RPC ims_medsec.suites_set, its formatting
 * back into a list, and the acceptance of crypto lines.
 *
 * Lists are given in guarded buffers (guard.h): the parser must not read
 * one byte past the length it is given (no NUL terminator is relied on).
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include "guard.h"
#include "medsec_policy.h"

static guard g;

static int teardown(void **state)
{
	(void)state;
	guard_free(&g);
	return 0;
}

/* medsec_policy_set_suites on a guarded copy of list */
static int set(medsec_policy_t *p, const char *list, const char **why)
{
	size_t len = strlen(list);

	*why = NULL;
	return medsec_policy_set_suites(p, guard_dup(&g, list, len), len, why);
}

static void format(const medsec_policy_t *p, char *buf, size_t cap)
{
	assert_true(medsec_policy_format(p, buf, cap) >= 0);
}

static void test_default(void **state)
{
	medsec_policy_t p;
	char buf[128];
	(void)state;

	medsec_policy_default(&p);
	format(&p, buf, sizeof(buf));
	assert_string_equal(buf, "AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32");
	assert_int_equal(p.allow_weak, 0);
	assert_int_equal(p.allow_mki, 1);
	assert_int_equal(p.allow_lifetime, 1);
}

static void test_valid_lists(void **state)
{
	static const struct
	{
		const char *in, *out;
	} cases[] = {
			{"AES_CM_128_HMAC_SHA1_32", "AES_CM_128_HMAC_SHA1_32"},
			{"AES_CM_128_HMAC_SHA1_32 AES_CM_128_HMAC_SHA1_80",
					"AES_CM_128_HMAC_SHA1_32 AES_CM_128_HMAC_SHA1_80"},
			{" ,AES_CM_128_HMAC_SHA1_80,\tAES_256_CM_HMAC_SHA1_80 , ",
					"AES_CM_128_HMAC_SHA1_80 AES_256_CM_HMAC_SHA1_80"},
			/* names are case-insensitive; printed canonical */
			{"aes_cm_128_hmac_sha1_80", "AES_CM_128_HMAC_SHA1_80"},
			{"AEAD_AES_256_GCM AEAD_AES_128_GCM",
					"AEAD_AES_256_GCM AEAD_AES_128_GCM"},
	};
	medsec_policy_t p;
	const char *why;
	char buf[256];
	size_t i;
	(void)state;

	for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		medsec_policy_default(&p);
		p.allow_mki = 0; /* the other fields are kept */
		assert_int_equal(set(&p, cases[i].in, &why), 0);
		format(&p, buf, sizeof(buf));
		assert_string_equal(buf, cases[i].out);
		assert_int_equal(p.allow_mki, 0);
		/* what format prints parses back to the same policy */
		{
			medsec_policy_t q = p;
			char again[256];
			assert_int_equal(set(&q, buf, &why), 0);
			format(&q, again, sizeof(again));
			assert_string_equal(again, buf);
		}
	}
}

static void test_invalid_lists_change_nothing(void **state)
{
	static const struct
	{
		const char *in, *why;
	} cases[] = {
			{"NULL_HMAC_SHA1_80", "NULL and F8 suites are never allowed"},
			{"NULL_HMAC_SHA1_32", "NULL and F8 suites are never allowed"},
			{"F8_128_HMAC_SHA1_80", "NULL and F8 suites are never allowed"},
			{"AES_CM_128_HMAC_SHA1_80 F8_128_HMAC_SHA1_32",
					"NULL and F8 suites are never allowed"},
			{"", "empty suite list"},
			{" , \t,", "empty suite list"},
			{"FOO", "unknown crypto suite in list"},
			{"AES_CM_128_HMAC_SHA1_80 FOO", "unknown crypto suite in list"},
			/* a prefix of a name is not the name */
			{"AES_CM_128_HMAC_SHA1", "unknown crypto suite in list"},
			{"AES_CM_128_HMAC_SHA1_80;AES_CM_128_HMAC_SHA1_32",
					"unknown crypto suite in list"},
			{"AES_CM_128_HMAC_SHA1_80 aes_cm_128_hmac_sha1_80",
					"suite listed twice"},
	};
	medsec_policy_t p, before;
	const char *why;
	size_t i;
	(void)state;

	for(i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		medsec_policy_default(&p);
		assert_int_equal(set(&p, "AES_CM_128_HMAC_SHA1_32", &why), 0);
		before = p;
		assert_int_equal(set(&p, cases[i].in, &why), -1);
		assert_non_null(why);
		assert_string_equal(why, cases[i].why);
		assert_memory_equal(&p, &before, sizeof(p));
	}
}

static void test_format_small_buffer(void **state)
{
	medsec_policy_t p;
	char buf[64];
	int n;
	(void)state;

	medsec_policy_default(&p);
	n = medsec_policy_format(&p, buf, sizeof(buf));
	assert_int_equal(n, (int)strlen("AES_CM_128_HMAC_SHA1_80 "
									"AES_CM_128_HMAC_SHA1_32"));
	/* exactly the length plus the NUL fits; one byte less does not */
	assert_int_equal(medsec_policy_format(&p, buf, (size_t)n + 1), n);
	assert_int_equal(medsec_policy_format(&p, buf, (size_t)n), -1);
	assert_string_equal(buf, "");
	assert_int_equal(medsec_policy_format(&p, buf, 0), -1);
}

static medsec_crypto_t line(medsec_suite_t s)
{
	medsec_crypto_t c;

	memset(&c, 0, sizeof(c));
	c.suite = s;
	return c;
}

static void test_accepts(void **state)
{
	medsec_policy_t p;
	medsec_crypto_t c;
	const char *why;
	(void)state;

	medsec_policy_default(&p);
	assert_int_equal(set(&p, "AES_CM_128_HMAC_SHA1_32", &why), 0);
	assert_int_equal(
			medsec_policy_rank(&p, MEDSEC_SUITE_AES_CM_128_HMAC_SHA1_32), 0);
	assert_int_equal(
			medsec_policy_rank(&p, MEDSEC_SUITE_AES_CM_128_HMAC_SHA1_80), -1);

	c = line(MEDSEC_SUITE_AES_CM_128_HMAC_SHA1_80);
	assert_int_equal(medsec_policy_accepts(&p, &c, &why), 0);
	assert_string_equal(why, "crypto suite not allowed");
	/* the parameters alone: an answer's suite is checked against its offer */
	assert_int_equal(medsec_policy_accepts_params(&p, &c, &why), 1);

	c.sp_flags = MEDSEC_SP_UNENCRYPTED_SRTP;
	assert_int_equal(medsec_policy_accepts_params(&p, &c, &why), 0);
	assert_string_equal(why, "unencrypted or unauthenticated SRTP refused");

	c = line(MEDSEC_SUITE_AES_CM_128_HMAC_SHA1_32);
	assert_int_equal(medsec_policy_accepts(&p, &c, &why), 1);
	c.has_mki = 1;
	p.allow_mki = 0;
	assert_int_equal(medsec_policy_accepts(&p, &c, &why), 0);
	assert_string_equal(why, "MKI refused");
}

static void test_excluded(void **state)
{
	medsec_policy_t p;
	const char *why;
	unsigned mask;
	int s;
	(void)state;

	medsec_policy_default(&p);
	assert_int_equal(set(&p, "AES_CM_128_HMAC_SHA1_32", &why), 0);
	mask = medsec_policy_excluded(&p);
	for(s = 1; s < MEDSEC_SUITE_COUNT; s++)
		assert_int_equal(!!(mask & (1u << s)),
				s != MEDSEC_SUITE_AES_CM_128_HMAC_SHA1_32);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test_teardown(test_default, teardown),
			cmocka_unit_test_teardown(test_valid_lists, teardown),
			cmocka_unit_test_teardown(
					test_invalid_lists_change_nothing, teardown),
			cmocka_unit_test_teardown(test_format_small_buffer, teardown),
			cmocka_unit_test_teardown(test_accepts, teardown),
			cmocka_unit_test_teardown(test_excluded, teardown),
	};
	return cmocka_run_group_tests_name("medsec_policy", tests, NULL, NULL);
}
