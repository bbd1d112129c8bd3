/*
 * Security-Client / -Server / -Verify values (medsec_secagree.c): the
 * reference's sample headers, mediasec detection, ipsec-3gpp ealg, quoted
 * strings, folding, limits (and their speed), stripping, and the golden
 * pairs in golden/secagree/.  Inputs and output buffers sit right before a
 * guard page, so a one-byte over-read or over-write crashes the test.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <cmocka.h>

#include "medsec_secagree.h"
#include "guard.h"
#include "golden.h"

static guard G, O;

#define MS MEDSEC_SA_MEDIASEC
#define IP MEDSEC_SA_IPSEC
#define ENC MEDSEC_SA_IPSEC_ENC
#define TLS MEDSEC_SA_TLS

#define SAMPLE_IPSEC                                                     \
	"ipsec-3gpp;prot=esp;mod=trans;spi-c=45597;spi-s=45598;port-c=6101;" \
	"port-s=6100;alg=hmac-sha-1-96;ealg=null"

static int teardown(void **state)
{
	(void)state;
	guard_free(&G);
	guard_free(&O);
	return 0;
}

static int scan_n(const char *s, size_t n)
{
	guard_dup(&G, s, n);
	return medsec_secagree_scan(G.p, n);
}

static int scan(const char *s)
{
	return scan_n(s, strlen(s));
}

#define assert_scan(s, exp)                                               \
	do {                                                                  \
		int r_ = scan(s);                                                 \
		if(r_ != (exp))                                                   \
			fail_msg("scan \"%s\": expected %d, got %d", (s), (exp), r_); \
	} while(0)

/* Strip a guarded copy of s[0..n) into a guarded buffer of cap bytes;
 * res gets a NUL-terminated copy of the output. */
static int strip_n(const char *s, size_t n, size_t cap, char *res,
		size_t res_cap, size_t *olen)
{
	int r;

	guard_dup(&G, s, n);
	guard_dup(&O, NULL, cap);
	*olen = 12345;
	r = medsec_secagree_strip_mediasec(G.p, n, O.p, cap, olen);
	assert_true(r >= -1);
	assert_true(*olen <= cap && *olen <= n && *olen < res_cap);
	if(r < 0)
		assert_int_equal(*olen, 0);
	memcpy(res, O.p, *olen);
	res[*olen] = '\0';
	return r;
}

#define assert_strip(s, exp_r, exp_out)                                      \
	do {                                                                     \
		char b_[9000];                                                       \
		size_t l_, n_ = strlen(s);                                           \
		int r_ = strip_n((s), n_, n_, b_, sizeof(b_), &l_);                  \
		if(r_ != (exp_r) || strcmp(b_, (exp_out)) != 0)                      \
			fail_msg("strip \"%s\": expected %d [%s], got %d [%s]", (s),     \
					(exp_r), (exp_out), r_, b_);                             \
		/* exactly the output size fits, one byte less does not */           \
		if(r_ >= 0) {                                                        \
			assert_int_equal(strip_n((s), n_, l_, b_, sizeof(b_), &l_), r_); \
			if(l_ > 0)                                                       \
				assert_int_equal(                                            \
						strip_n((s), n_, l_ - 1, b_, sizeof(b_), &l_), -1);  \
		}                                                                    \
	} while(0)

/* ---- scan ---- */

static void test_samples(void **state)
{
	(void)state;
	assert_scan(SAMPLE_IPSEC, IP);
	assert_scan("sdes-srtp;mediasec", MS);
	assert_scan(SAMPLE_IPSEC ", sdes-srtp;mediasec", IP | MS);
	assert_strip(SAMPLE_IPSEC ", sdes-srtp;mediasec", 1, SAMPLE_IPSEC);
	assert_strip("sdes-srtp;mediasec", 1, "");
	assert_strip(SAMPLE_IPSEC, 0, SAMPLE_IPSEC);
}

static void test_mediasec(void **state)
{
	(void)state;
	assert_scan("sdes-srtp;mediasec;q=0.5", MS);
	assert_scan("sdes-srtp;q=0.5;mediasec", MS);
	assert_scan("SDES-SRTP;MediaSec", MS);
	assert_scan("Sdes-Srtp;MEDIASEC", MS);
	assert_scan("sdes-srtp ; mediasec", MS);
	assert_scan("  sdes-srtp\t;\tmediasec  ", MS);
	assert_scan("sdes-srtp;mediasec=1", MS);
	assert_scan("sdes-srtp;mediasec=\"x\"", MS);
	/* not the capability */
	assert_scan("sdes-srtp", 0);
	assert_scan("sdes-srtp;q=0.5", 0);
	assert_scan("sdes-srtp;mediasecx", 0);
	assert_scan("sdes-srtp;xmediasec", 0);
	assert_scan("sdes-srtp;media-sec", 0);
	assert_scan("sdes-srtp;x=mediasec", 0);
	assert_scan("sdes-srtp;x=\"a;mediasec\"", 0);
	assert_scan("sdes-srtp;x=\"a, sdes-srtp;mediasec\"", 0);
	assert_scan("sdes-srtpx;mediasec", 0);
	assert_scan("xsdes-srtp;mediasec", 0);
	assert_scan("msrp-tls;mediasec", 0);
	assert_scan("sdes-srtp, mediasec", 0);
	/* quoted strings with escapes, "," and ";" inside */
	assert_scan("sdes-srtp;x=\"a\\\"b,;mediasec\";mediasec", MS);
	assert_scan("sdes-srtp;x=\"\\\\\";mediasec", MS);
	assert_scan("sdes-srtp;x=\"\";mediasec", MS);
	assert_scan("sdes-srtp;x=\"caf\xc3\xa9\";mediasec", MS);
	assert_scan("sdes-srtp;x = \"a b\" ; mediasec", MS);
	/* IPv6 reference values (RFC 3261 gen-value = token / host / qs) */
	assert_scan("sdes-srtp;x=[2001:db8::1];mediasec", MS);
	assert_scan("sdes-srtp;x=[::ffff:1.2.3.4];mediasec", MS);
	/* several entries */
	assert_scan("digest, tls;q=0.2, sdes-srtp;mediasec", TLS | MS);
	assert_scan("sdes-srtp, sdes-srtp;mediasec", MS);
}

static void test_ipsec(void **state)
{
	(void)state;
	assert_scan("ipsec-3gpp;alg=hmac-sha-1-96;ealg=null", IP);
	assert_scan("ipsec-3gpp;alg=hmac-sha-1-96;ealg=NULL", IP);
	assert_scan("ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc", IP | ENC);
	assert_scan("ipsec-3gpp;alg=hmac-sha-1-96;ealg=des-ede3-cbc", IP | ENC);
	assert_scan("IPSEC-3GPP;ALG=hmac-md5-96;EALG=AES-CBC", IP | ENC);
	assert_scan("ipsec-3gpp;alg=hmac-sha-1-96", IP);
	assert_scan("ipsec-3gpp", IP);
	assert_scan("ipsec-3gpp;ealg", IP);
	assert_scan("ipsec-3gpp;ealg=\"aes-cbc\"", IP);
	assert_scan("ipsec-3gpp;ealg=nullx", IP | ENC);
	assert_scan("ipsec-3gpp;ealg=null;ealg=aes-cbc", IP);
	assert_scan("ipsec-3gpp;ealgx=aes-cbc", IP);
	assert_scan("ipsec-3gppx;ealg=aes-cbc", 0);
	assert_scan("ipsec-ike;ealg=aes-cbc", 0);
	assert_scan("sdes-srtp;ealg=aes-cbc;mediasec", MS);
	/* one encrypting entry among several is enough */
	assert_scan("ipsec-3gpp;ealg=null, ipsec-3gpp;ealg=aes-cbc", IP | ENC);
	assert_scan("ipsec-3gpp;alg=hmac-sha-1-96;ealg=aes-cbc;spi-c=1, "
				"ipsec-3gpp;alg=hmac-sha-1-96;ealg=null;spi-c=2, "
				"sdes-srtp;mediasec",
			IP | ENC | MS);
	assert_scan("tls", TLS);
	assert_scan("TLS;q=0.1", TLS);
	assert_scan("tlsx", 0);
	assert_scan("msrp-tls", 0);
	assert_scan("digest;d-alg=md5;d-qop=auth", 0);
}

static void test_whitespace(void **state)
{
	(void)state;
	assert_scan("ipsec-3gpp ;ealg = aes-cbc , sdes-srtp ;  mediasec",
			IP | ENC | MS);
	assert_scan("ipsec-3gpp;ealg=null,\r\n sdes-srtp;mediasec", IP | MS);
	assert_scan("ipsec-3gpp;ealg=null\r\n\t,\r\n  sdes-srtp;\r\n mediasec",
			IP | MS);
	assert_scan("ipsec-3gpp;ealg=null,\n sdes-srtp;mediasec", IP | MS);
	assert_scan("\r\n sdes-srtp;mediasec", MS);
	assert_scan("sdes-srtp;x=\"a\r\n b\";mediasec", MS);
	/* a trailing line break is tolerated */
	assert_scan("sdes-srtp;mediasec\r\n", MS);
	assert_scan("sdes-srtp;mediasec \r\n", MS);
	/* a line break that is not a fold is not */
	assert_scan("ipsec-3gpp;ealg=null,\r\nsdes-srtp;mediasec", -1);
	assert_scan("ipsec-3gpp;ealg=null\r\n, sdes-srtp;mediasec", -1);
	assert_scan("sdes-srtp;x=\"a\r\nb\";mediasec", -1);
	assert_scan("sdes-srtp;\rmediasec", -1);
	assert_scan("sdes-srtp\r;mediasec", -1);
	/* no separator between tokens */
	assert_scan("sdes-srtp mediasec", -1);
	assert_scan("sdes-srtp;mediasec x", -1);
}

static void test_malformed(void **state)
{
	(void)state;
	assert_int_equal(medsec_secagree_scan(NULL, 0), -1);
	assert_int_equal(medsec_secagree_scan(NULL, 5), -1);
	assert_scan("", -1);
	assert_scan(" ", -1);
	assert_scan("\t \r\n ", -1);
	assert_scan(",", -1);
	assert_scan(";", -1);
	assert_scan(";;,", -1);
	assert_scan("sdes-srtp;mediasec,", -1);
	assert_scan("sdes-srtp;mediasec, ", -1);
	assert_scan(", sdes-srtp;mediasec", -1);
	assert_scan("tls,,sdes-srtp;mediasec", -1);
	assert_scan("sdes-srtp;;mediasec", -1);
	assert_scan("sdes-srtp;mediasec;", -1);
	assert_scan("sdes-srtp;=x;mediasec", -1);
	assert_scan("sdes-srtp;x=;mediasec", -1);
	assert_scan("sdes-srtp;x=", -1);
	assert_scan("sdes-srtp;x==y;mediasec", -1);
	assert_scan("sdes-srtp;x=y=z;mediasec", -1);
	assert_scan("\"sdes-srtp\";mediasec", -1);
	assert_scan("sdes-srtp;\"mediasec\"", -1);
	assert_scan("sdes-srtp;x=\"unterminated;mediasec", -1);
	assert_scan("sdes-srtp;x=\"esc at end\\", -1);
	assert_scan("sdes-srtp;x=\"a\"b;mediasec", -1);
	assert_scan("sdes-srtp;x=\"a\x01\";mediasec", -1);
	assert_scan("sdes-srtp;x=\"a\\\xc3\";mediasec", -1);
	assert_scan("sdes-srtp;x=[];mediasec", -1);
	assert_scan("sdes-srtp;x=[::1;mediasec", -1);
	assert_scan("sdes-srtp;x=[zz];mediasec", -1);
	assert_scan("sdes-srtp;x=<a>;mediasec", -1);
	assert_scan("sdes srtp;mediasec", -1);
	assert_scan("sdes-srtp;media sec", -1);
	assert_scan("sdes-srtp/1;mediasec", -1);
	assert_scan("sdes-srtp;mediasec\x7f", -1);
	assert_scan("s\xc3\xa9;mediasec", -1);
	assert_scan("garbage (((", -1);
	assert_scan("\x01\x02\x03", -1);
	{
		static const char nul[] = "sdes-srtp;mediasec\0, tls";
		assert_int_equal(scan_n(nul, sizeof(nul) - 1), -1);
		assert_int_equal(scan_n(nul, 18), MS);
	}
}

/* n copies of item joined by sep */
static size_t repeat(
		char *buf, size_t cap, const char *item, const char *sep, unsigned n)
{
	size_t o = 0, il = strlen(item), sl = strlen(sep);
	unsigned i;

	for(i = 0; i < n; i++) {
		if(i > 0) {
			assert_true(o + sl < cap);
			memcpy(buf + o, sep, sl);
			o += sl;
		}
		assert_true(o + il < cap);
		memcpy(buf + o, item, il);
		o += il;
	}
	buf[o] = '\0';
	return o;
}

static void test_limits(void **state)
{
	static char buf[40000];
	char out[9000];
	size_t n, l;
	unsigned i;
	(void)state;

	/* mechanisms: 64 are fine, 65 are not */
	n = repeat(buf, sizeof(buf), "tls", ",", MEDSEC_SECAGREE_MAX_MECHS);
	assert_int_equal(scan_n(buf, n), TLS);
	n = repeat(buf, sizeof(buf), "tls", ",", MEDSEC_SECAGREE_MAX_MECHS + 1);
	assert_int_equal(scan_n(buf, n), -1);
	assert_int_equal(strip_n(buf, n, n, out, sizeof(out), &l), -1);
	n = repeat(buf, sizeof(buf), "sdes-srtp;mediasec", ", ",
			MEDSEC_SECAGREE_MAX_MECHS);
	assert_int_equal(scan_n(buf, n), MS);
	assert_int_equal(strip_n(buf, n, n, out, sizeof(out), &l),
			MEDSEC_SECAGREE_MAX_MECHS);
	assert_int_equal(l, 0);

	/* parameters per mechanism: 32 are fine, 33 are not */
	memcpy(buf, "sdes-srtp", 9);
	n = 9;
	for(i = 0; i < MEDSEC_SECAGREE_MAX_PARAMS - 1; i++) {
		memcpy(buf + n, ";q", 2);
		n += 2;
	}
	memcpy(buf + n, ";mediasec", 9);
	n += 9;
	assert_int_equal(scan_n(buf, n), MS);
	memcpy(buf + n, ";q", 2);
	assert_int_equal(scan_n(buf, n + 2), -1);
	/* the count is per mechanism */
	memcpy(buf + n, ",tls;q;q;q", 10);
	assert_int_equal(scan_n(buf, n + 10), MS | TLS);

	/* length: 8192 bytes are fine, 8193 are not */
	memset(buf, ' ', sizeof(buf));
	memcpy(buf, "sdes-srtp;mediasec", 18);
	assert_int_equal(scan_n(buf, MEDSEC_SECAGREE_MAX_LEN), MS);
	assert_int_equal(scan_n(buf, MEDSEC_SECAGREE_MAX_LEN + 1), -1);
	memset(buf, 0, sizeof(buf));
	memcpy(buf, "sdes-srtp;x=\"", 13);
	memset(buf + 13, 'a', MEDSEC_SECAGREE_MAX_LEN - 24);
	memcpy(buf + MEDSEC_SECAGREE_MAX_LEN - 11, "\";mediasec", 10);
	assert_int_equal(scan_n(buf, MEDSEC_SECAGREE_MAX_LEN - 1), MS);
	assert_int_equal(strip_n(buf, MEDSEC_SECAGREE_MAX_LEN - 1,
							 MEDSEC_SECAGREE_MAX_LEN, out, sizeof(out), &l),
			1);
	assert_int_equal(l, 0);
}

/* The 1,000-entry value: rejected, and fast. */
static void test_thousand_entries(void **state)
{
	static char buf[40000];
	char out[16];
	size_t n, nshort, l;
	struct timespec t0, t1;
	double ms;
	unsigned i;
	(void)state;

	n = repeat(buf, sizeof(buf), "sdes-srtp;mediasec", ", ", 1000);
	assert_true(n > MEDSEC_SECAGREE_MAX_LEN);
	assert_int_equal(scan_n(buf, n), -1);
	assert_int_equal(strip_n(buf, n, n, out, sizeof(out), &l), -1);
	/* short entries: under the length limit, over the mechanism limit */
	nshort = repeat(buf + 20000, sizeof(buf) - 20000, "a", ",", 1000);
	assert_true(nshort < MEDSEC_SECAGREE_MAX_LEN);
	assert_int_equal(scan_n(buf + 20000, nshort), -1);

	guard_dup(&G, buf + 20000, nshort);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for(i = 0; i < 10000; i++)
		assert_int_equal(medsec_secagree_scan(G.p, nshort), -1);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	ms = (double)(t1.tv_sec - t0.tv_sec) * 1e3
		 + (double)(t1.tv_nsec - t0.tv_nsec) / 1e6;
	print_message("10000 scans of the 1000-entry value: %.1f ms\n", ms);
	assert_true(ms < 2000.0);
}

/* ---- strip ---- */

static void test_strip(void **state)
{
	(void)state;
	assert_strip("ipsec-3gpp;ealg=null, sdes-srtp;mediasec", 1,
			"ipsec-3gpp;ealg=null");
	assert_strip("sdes-srtp;mediasec, ipsec-3gpp;ealg=null", 1,
			"ipsec-3gpp;ealg=null");
	assert_strip("a, sdes-srtp;mediasec, b", 1, "a, b");
	assert_strip("a,sdes-srtp;mediasec,b", 1, "a,b");
	assert_strip("a , msrp-tls;mediasec ; q=0.1 ,  b ; x = \"y,z\"", 1,
			"a ,  b ; x = \"y,z\"");
	assert_strip("SDES-SRTP;MediaSec;q=0.5, tls, bfcp-tls;mediasec, "
				 "udptl-dtls;mediasec",
			3, "tls");
	assert_strip("  sdes-srtp;mediasec  ", 1, "");
	assert_strip("sdes-srtp;mediasec, sdes-srtp;mediasec", 2, "");
	assert_strip(
			"tls;x=\"mediasec\", sdes-srtp;mediasec", 1, "tls;x=\"mediasec\"");
	assert_strip("ipsec-3gpp;ealg=null,\r\n sdes-srtp;mediasec,\r\n tls", 1,
			"ipsec-3gpp;ealg=null,\r\n tls");
	assert_strip("sdes-srtp;mediasec\r\n", 1, "");
	assert_strip("tls, sdes-srtp;mediasec\r\n", 1, "tls");
	/* nothing removed: an exact copy, spacing and line break included */
	assert_strip("  ipsec-3gpp;ealg=null ,tls  ", 0,
			"  ipsec-3gpp;ealg=null ,tls  ");
	assert_strip("sdes-srtp", 0, "sdes-srtp");
	assert_strip("sdes-srtp;mediasecx", 0, "sdes-srtp;mediasecx");
	assert_strip("tls\r\n", 0, "tls\r\n");
	/* malformed */
	assert_strip("", -1, "");
	assert_strip("tls,", -1, "");
	assert_strip("sdes-srtp;mediasec, \"x\"", -1, "");
	assert_strip("sdes-srtp;x=\"a", -1, "");
	{
		size_t l = 99;
		char out[64];
		assert_int_equal(medsec_secagree_strip_mediasec(
								 "tls", 3, out, sizeof(out), NULL),
				-1);
		assert_int_equal(
				medsec_secagree_strip_mediasec("tls", 3, NULL, 3, &l), -1);
		assert_int_equal(l, 0);
		assert_int_equal(medsec_secagree_strip_mediasec(
								 "sdes-srtp;mediasec", 18, NULL, 0, &l),
				1);
		assert_int_equal(l, 0);
		assert_int_equal(
				medsec_secagree_strip_mediasec(NULL, 0, out, sizeof(out), &l),
				-1);
	}
}

/* The stripped value never carries a media mechanism and is valid. */
static void test_strip_rescan(void **state)
{
	static const char *const in[] = {
			SAMPLE_IPSEC ", sdes-srtp;mediasec",
			"sdes-srtp;mediasec, " SAMPLE_IPSEC ", msrp-tls;mediasec, tls",
			"a , msrp-tls;mediasec ; q=0.1 ,  b ; x = \"y,z\"",
			"ipsec-3gpp;ealg=aes-cbc,\r\n sdes-srtp;mediasec,\r\n tls",
	};
	char out[512];
	size_t i, l;
	int r, before, after;
	(void)state;

	for(i = 0; i < sizeof(in) / sizeof(in[0]); i++) {
		before = scan(in[i]);
		assert_true(before >= 0);
		r = strip_n(in[i], strlen(in[i]), strlen(in[i]), out, sizeof(out), &l);
		assert_true(r > 0);
		after = scan(out);
		assert_true(after >= 0);
		assert_int_equal(after & MS, 0);
		assert_int_equal(after & ~before, 0);
		assert_int_equal(after, before & ~MS);
	}
}

/* ---- golden pairs ---- */

static void secagree_golden(const char *in, size_t len, char *out, size_t cap)
{
	static char buf[MEDSEC_SECAGREE_MAX_LEN + 1];
	int f = medsec_secagree_scan(in, len), r;
	size_t n = 0, l = 0;
	const char *sep = "";

#define ADD(...)                                                  \
	do {                                                          \
		if(n < cap)                                               \
			n += (size_t)snprintf(out + n, cap - n, __VA_ARGS__); \
	} while(0)
	if(f < 0) {
		ADD("scan -1");
	} else if(f == 0) {
		ADD("scan none");
	} else {
		ADD("scan ");
		if(f & MS) {
			ADD("%sMEDIASEC", sep);
			sep = ",";
		}
		if(f & IP) {
			ADD("%sIPSEC", sep);
			sep = ",";
		}
		if(f & ENC) {
			ADD("%sIPSEC_ENC", sep);
			sep = ",";
		}
		if(f & TLS)
			ADD("%sTLS", sep);
	}
	r = medsec_secagree_strip_mediasec(in, len, buf, sizeof(buf), &l);
	if(r < 0)
		ADD("\nstrip -1");
	else
		ADD("\nstrip %d [%.*s]", r, (int)l, buf);
#undef ADD
}

static void test_golden(void **state)
{
	unsigned n;
	int failed;
	(void)state;

	failed = golden_run("secagree", secagree_golden, &n);
	print_message("%u golden secagree pairs\n", n);
	assert_int_equal(failed, 0);
	assert_true(n >= 15);
}

static int has(const char *s, const char *mech, const char *param)
{
	size_t n = strlen(s);

	guard_dup(&G, s, n);
	return medsec_secagree_has(G.p, n, mech, param);
}

/* A mechanism by name, with or without a parameter: how the configured
 * e2e capabilities (e2e_sdes_mechanism, e2e_kms_mechanism) are found. */
static void test_has(void **state)
{
	(void)state;
	assert_int_equal(
			has(SAMPLE_IPSEC ", sdes-srtp;mediasec", "sdes-srtp", "mediasec"),
			1);
	assert_int_equal(has("SDES-SRTP;MediaSec", "sdes-srtp", "mediasec"), 1);
	assert_int_equal(has("sdes-srtp", "sdes-srtp", "mediasec"), 0);
	assert_int_equal(has("sdes-srtp", "sdes-srtp", NULL), 1);
	assert_int_equal(has("sdes-srtp;e2e", "sdes-srtp", ""), 1);
	/* the parameter belongs to the matching entry, not to another one */
	assert_int_equal(has("sdes-srtp, tls;e2e", "sdes-srtp", "e2e"), 0);
	assert_int_equal(
			has("tls;e2e, sdes-srtp;q=0.1;e2e", "sdes-srtp", "e2e"), 1);
	/* whole names only, parameter values are not names */
	assert_int_equal(has("sdes-srtpx;e2e", "sdes-srtp", "e2e"), 0);
	assert_int_equal(has("sdes-srtp;x=e2e", "sdes-srtp", "e2e"), 0);
	assert_int_equal(has("sdes-srtp;e2ex", "sdes-srtp", "e2e"), 0);
	assert_int_equal(has("mikey-ticket;q=0.5", "mikey-ticket", NULL), 1);
	/* malformed values and an empty mechanism */
	assert_int_equal(has("sdes-srtp;e2e,", "sdes-srtp", "e2e"), -1);
	assert_int_equal(has("sdes-srtp", "", NULL), -1);
	assert_int_equal(medsec_secagree_has(NULL, 0, "sdes-srtp", NULL), -1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test_teardown(test_samples, teardown),
			cmocka_unit_test_teardown(test_mediasec, teardown),
			cmocka_unit_test_teardown(test_ipsec, teardown),
			cmocka_unit_test_teardown(test_whitespace, teardown),
			cmocka_unit_test_teardown(test_malformed, teardown),
			cmocka_unit_test_teardown(test_limits, teardown),
			cmocka_unit_test_teardown(test_thousand_entries, teardown),
			cmocka_unit_test_teardown(test_strip, teardown),
			cmocka_unit_test_teardown(test_strip_rescan, teardown),
			cmocka_unit_test_teardown(test_golden, teardown),
			cmocka_unit_test_teardown(test_has, teardown),
	};
	return cmocka_run_group_tests_name("medsec_secagree", tests, NULL, NULL);
}
