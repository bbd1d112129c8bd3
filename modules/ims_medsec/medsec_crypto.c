/*
 * ims_medsec: the SDES crypto attribute (RFC 4568, RFC 6188, RFC 7714).
 *
 * Pure: parses bytes, never allocates, never touches Kamailio state, never
 * calls locale-dependent libc functions.  Every loop is bounded by the
 * input length, and the input by MC_MAX_LINE.
 *
 * Order of the checks (the first failure is returned):
 *   1. the whole line: at most MC_MAX_LINE bytes, only VCHAR, SP and HTAB
 *      (else SYNTAX);
 *   2. tag (BAD_TAG), suite token (SYNTAX when not 1*(ALPHA/DIGIT/"_"));
 *   3. unknown suite: the key-params are checked against the generic
 *      RFC 4568 grammar only (key-method ":" key-info, SYNTAX) and the line
 *      is UNKNOWN_SUITE: an unknown suite's key-info is not interpreted;
 *   4. known suite: the first key-param (BAD_KEY, BAD_LIFETIME, BAD_MKI,
 *      SYNTAX for misplaced fields), then further key-params (generic
 *      syntax, then MULTI_KEY), then each session parameter in order.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "medsec_ascii.h"
#include "medsec_crypto.h"

#define MC_MAX_LINE 4096
#define MC_MAX_TAG_DIGITS 9
#define MC_MAX_LIFETIME ((uint64_t)1 << 48)
#define MC_MAX_LIFETIME_EXP 48
#define MC_MAX_MKI_LEN 128
#define MC_MAX_MKI_LEN_DIGITS 3
#define MC_MAX_KDR 24
#define MC_MIN_WSH 64
#define MC_MAX_WSH 0x7fffffffu

/* clang-format off */
static const struct mc_suite
{
	const char *name;
	size_t name_len;
	unsigned key_len; /* master key + master salt, bytes */
} mc_suites[MEDSEC_SUITE_COUNT] = {
	[MEDSEC_SUITE_UNKNOWN] = {"", 0, 0},
#define MC_SUITE(id, klen) [MEDSEC_SUITE_##id] = {#id, sizeof(#id) - 1, klen}
	MC_SUITE(AES_CM_128_HMAC_SHA1_80, 30),
	MC_SUITE(AES_CM_128_HMAC_SHA1_32, 30),
	MC_SUITE(AES_192_CM_HMAC_SHA1_80, 38),
	MC_SUITE(AES_192_CM_HMAC_SHA1_32, 38),
	MC_SUITE(AES_256_CM_HMAC_SHA1_80, 46),
	MC_SUITE(AES_256_CM_HMAC_SHA1_32, 46),
	MC_SUITE(AEAD_AES_128_GCM, 28),
	MC_SUITE(AEAD_AES_256_GCM, 44),
	MC_SUITE(F8_128_HMAC_SHA1_80, 30),
	MC_SUITE(F8_128_HMAC_SHA1_32, 30),
	MC_SUITE(NULL_HMAC_SHA1_80, 30),
	MC_SUITE(NULL_HMAC_SHA1_32, 30),
#undef MC_SUITE
};

static const char *const mc_errors[] = {
	[MEDSEC_CRYPTO_OK] = "ok",
	[MEDSEC_CRYPTO_SYNTAX] = "crypto attribute syntax error",
	[MEDSEC_CRYPTO_BAD_TAG] = "bad crypto tag (not 1-9 digits)",
	[MEDSEC_CRYPTO_UNKNOWN_SUITE] = "unknown crypto suite",
	[MEDSEC_CRYPTO_BAD_KEY] = "bad key (base64, length or key method)",
	[MEDSEC_CRYPTO_BAD_LIFETIME] = "bad key lifetime",
	[MEDSEC_CRYPTO_BAD_MKI] = "bad MKI value or length",
	[MEDSEC_CRYPTO_MULTI_KEY] = "more than one key (not supported)",
	[MEDSEC_CRYPTO_BAD_PARAM] = "malformed session parameter",
	[MEDSEC_CRYPTO_UNKNOWN_PARAM] = "unknown mandatory session parameter",
};
/* clang-format on */

/* ---- character classes (ASCII only, no locale) ---- */

static int mc_is_digit(unsigned char c)
{
	return c >= '0' && c <= '9';
}

static int mc_is_alpha(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z');
}

static int mc_is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static int mc_is_vchar(unsigned char c)
{
	return c >= 0x21 && c <= 0x7e;
}

/* ALPHA / DIGIT / "_": crypto-suite and key-method characters */
static int mc_is_name_char(unsigned char c)
{
	return mc_is_alpha(c) || mc_is_digit(c) || c == '_';
}

static int mc_is_b64(unsigned char c)
{
	return mc_is_alpha(c) || mc_is_digit(c) || c == '+' || c == '/';
}

/* index of the first c in s[0..n), or n */
static size_t mc_find(const char *s, size_t n, char c)
{
	size_t i;

	for(i = 0; i < n && s[i] != c; i++)
		;
	return i;
}

/* Decimal 1*DIGIT, at most max_digits digits (0: any number, leading
 * zeros included), value <= max.  0 on success. */
static int mc_dec(
		const char *s, size_t n, size_t max_digits, uint64_t max, uint64_t *out)
{
	uint64_t v = 0;
	size_t i;

	if(n == 0 || (max_digits && n > max_digits))
		return -1;
	for(i = 0; i < n; i++) {
		if(!mc_is_digit((unsigned char)s[i]))
			return -1;
		v = v * 10 + (uint64_t)(s[i] - '0');
		if(v > max) /* max <= 2^48, so v * 10 + 9 never overflows */
			return -1;
	}
	*out = v;
	return 0;
}

/* ---- suites ---- */

const char *medsec_suite_name(medsec_suite_t s)
{
	if((unsigned)s >= MEDSEC_SUITE_COUNT)
		return "";
	return mc_suites[s].name;
}

medsec_suite_t medsec_suite_by_name(const char *s, size_t len)
{
	unsigned i;

	if(s == NULL || len == 0)
		return MEDSEC_SUITE_UNKNOWN;
	for(i = 1; i < MEDSEC_SUITE_COUNT; i++) {
		if(mc_suites[i].name_len == len
				&& medsec_ascii_ieq(s, len, mc_suites[i].name))
			return (medsec_suite_t)i;
	}
	return MEDSEC_SUITE_UNKNOWN;
}

unsigned medsec_suite_key_len(medsec_suite_t s)
{
	if((unsigned)s >= MEDSEC_SUITE_COUNT)
		return 0;
	return mc_suites[s].key_len;
}

const char *medsec_crypto_strerror(medsec_crypto_err_t e)
{
	if((unsigned)e >= sizeof(mc_errors) / sizeof(mc_errors[0])
			|| mc_errors[e] == NULL)
		return "unknown crypto error";
	return mc_errors[e];
}

/* ---- base64 ---- */

long medsec_base64_decoded_len(const char *s, size_t len)
{
	size_t n = len, pad = 0, i, d;

	if(len == 0)
		return 0;
	if(s == NULL)
		return -1;
	while(n > 0 && s[n - 1] == '=') {
		n--;
		if(++pad > 2)
			return -1;
	}
	for(i = 0; i < n; i++) {
		if(!mc_is_b64((unsigned char)s[i]))
			return -1;
	}
	/* one character carries 6 bits: a lone one is never a whole byte */
	if(n % 4 == 1)
		return -1;
	/* padding is all or nothing: up to the next multiple of 4 */
	if(pad != 0 && (n + pad) % 4 != 0)
		return -1;
	d = n / 4 * 3 + (n % 4 ? n % 4 - 1 : 0);
	if(d > (size_t)LONG_MAX)
		return -1;
	return (long)d;
}

/* ---- key-params ---- */

/*
 * Generic RFC 4568 key-params: key-param *(";" key-param), each
 * key-method ":" key-info with key-method 1*(ALPHA/DIGIT/"_") and a
 * non-empty key-info (s has no WSP: VCHAR only, checked by the caller).
 */
static int mc_generic_key_params(const char *s, size_t n)
{
	size_t i = 0, end, m;

	for(;;) {
		end = i + mc_find(s + i, n - i, ';');
		for(m = i; m < end && mc_is_name_char((unsigned char)s[m]); m++)
			;
		if(m == i || m >= end || s[m] != ':' || m + 1 >= end)
			return -1;
		if(end == n)
			return 0;
		i = end + 1;
	}
}

/* lifetime = ["2^"] 1*DIGIT, 2^1..2^48 or 1..2^48 */
static int mc_lifetime(const char *s, size_t n, uint64_t *out)
{
	uint64_t v;

	if(n >= 2 && s[0] == '2' && s[1] == '^') {
		if(mc_dec(s + 2, n - 2, 0, MC_MAX_LIFETIME_EXP, &v) < 0 || v < 1)
			return -1;
		*out = (uint64_t)1 << v;
		return 0;
	}
	if(mc_dec(s, n, 0, MC_MAX_LIFETIME, &v) < 0 || v < 1)
		return -1;
	*out = v;
	return 0;
}

/* mki = mki-value ":" mki-length; value 1*DIGIT fitting in the length,
 * length 1*3DIGIT in 1..128 */
static int mc_mki(const char *s, size_t n, uint32_t *value, uint32_t *mlen)
{
	size_t colon = mc_find(s, n, ':'), ln;
	uint64_t v, l;

	if(colon >= n)
		return -1;
	ln = n - colon - 1;
	if(mc_dec(s + colon + 1, ln, MC_MAX_MKI_LEN_DIGITS, MC_MAX_MKI_LEN, &l) < 0
			|| l < 1)
		return -1;
	if(mc_dec(s, colon, 0, 0xffffffffu, &v) < 0)
		return -1;
	if(l < 4 && v >= ((uint64_t)1 << (8 * l)))
		return -1;
	*value = (uint32_t)v;
	*mlen = (uint32_t)l;
	return 0;
}

/*
 * One SRTP key-param, s[0..n) (no ";", no WSP):
 *   "inline:" key-salt ["|" lifetime] ["|" mki]
 * key_len: the suite's master key + salt length.  Fills the key, lifetime
 * and MKI fields of c.
 */
static medsec_crypto_err_t mc_key_param(
		const char *s, size_t n, unsigned key_len, medsec_crypto_t *c)
{
	size_t i, f, klen;
	int seen = 0; /* 0: nothing after the key, 1: lifetime, 2: MKI */
	uint64_t lt;

	if(n < 7 || !medsec_ascii_ieq(s, 7, "INLINE:")) {
		/* another key-method (RFC 4568 allows extensions): unusable */
		return mc_generic_key_params(s, n) < 0 ? MEDSEC_CRYPTO_SYNTAX
											   : MEDSEC_CRYPTO_BAD_KEY;
	}
	i = 7;
	klen = mc_find(s + i, n - i, '|');
	if(medsec_base64_decoded_len(s + i, klen) != (long)key_len || key_len == 0)
		return MEDSEC_CRYPTO_BAD_KEY;
	c->key_s = s + i;
	c->key_len = klen;
	i += klen;
	while(i < n) {
		i++; /* "|" */
		f = mc_find(s + i, n - i, '|');
		if(mc_find(s + i, f, ':') < f) {
			if(seen == 2)
				return MEDSEC_CRYPTO_SYNTAX;
			if(mc_mki(s + i, f, &c->mki_value, &c->mki_len) < 0)
				return MEDSEC_CRYPTO_BAD_MKI;
			c->has_mki = 1;
			seen = 2;
		} else {
			if(seen != 0)
				return MEDSEC_CRYPTO_SYNTAX;
			if(mc_lifetime(s + i, f, &lt) < 0)
				return MEDSEC_CRYPTO_BAD_LIFETIME;
			c->lifetime = lt;
			seen = 1;
		}
		i += f;
	}
	return MEDSEC_CRYPTO_OK;
}

/* ---- session parameters ---- */

static medsec_crypto_err_t mc_session_param(
		const char *s, size_t n, unsigned key_len, medsec_crypto_t *c)
{
	size_t eq = mc_find(s, n, '=');
	const char *v = s + eq + 1;
	size_t vn = eq < n ? n - eq - 1 : 0;
	int has_v = eq < n;
	unsigned flag;
	uint64_t x;

	if(s[0] == '-') {
		c->sp_flags |= MEDSEC_SP_IGNORED;
		return MEDSEC_CRYPTO_OK;
	}
	if(medsec_ascii_ieq(s, eq, "UNENCRYPTED_SRTP"))
		flag = MEDSEC_SP_UNENCRYPTED_SRTP;
	else if(medsec_ascii_ieq(s, eq, "UNENCRYPTED_SRTCP"))
		flag = MEDSEC_SP_UNENCRYPTED_SRTCP;
	else if(medsec_ascii_ieq(s, eq, "UNAUTHENTICATED_SRTP"))
		flag = MEDSEC_SP_UNAUTHENTICATED_SRTP;
	else if(medsec_ascii_ieq(s, eq, "KDR"))
		flag = MEDSEC_SP_KDR;
	else if(medsec_ascii_ieq(s, eq, "FEC_ORDER"))
		flag = MEDSEC_SP_FEC_ORDER;
	else if(medsec_ascii_ieq(s, eq, "FEC_KEY"))
		flag = MEDSEC_SP_FEC_KEY;
	else if(medsec_ascii_ieq(s, eq, "WSH"))
		flag = MEDSEC_SP_WSH;
	else
		return MEDSEC_CRYPTO_UNKNOWN_PARAM;

	/* a known parameter given twice is ambiguous */
	if(c->sp_flags & flag)
		return MEDSEC_CRYPTO_BAD_PARAM;

	switch(flag) {
		case MEDSEC_SP_UNENCRYPTED_SRTP:
		case MEDSEC_SP_UNENCRYPTED_SRTCP:
		case MEDSEC_SP_UNAUTHENTICATED_SRTP:
			if(has_v)
				return MEDSEC_CRYPTO_BAD_PARAM;
			break;
		case MEDSEC_SP_KDR: /* "KDR=" 1*2DIGIT, 0..24 */
			if(!has_v || mc_dec(v, vn, 2, MC_MAX_KDR, &x) < 0)
				return MEDSEC_CRYPTO_BAD_PARAM;
			c->kdr = (unsigned)x;
			break;
		case MEDSEC_SP_FEC_ORDER:
			if(!has_v
					|| !(medsec_ascii_ieq(v, vn, "FEC_SRTP")
							|| medsec_ascii_ieq(v, vn, "SRTP_FEC")))
				return MEDSEC_CRYPTO_BAD_PARAM;
			break;
		case MEDSEC_SP_FEC_KEY: {
			/* "FEC_KEY=" key-params: every key-param must be a valid
			 * inline key for the suite */
			medsec_crypto_t fec;
			size_t i = 0, end;

			if(!has_v || vn == 0)
				return MEDSEC_CRYPTO_BAD_PARAM;
			for(;;) {
				end = i + mc_find(v + i, vn - i, ';');
				memset(&fec, 0, sizeof(fec));
				if(mc_key_param(v + i, end - i, key_len, &fec)
						!= MEDSEC_CRYPTO_OK)
					return MEDSEC_CRYPTO_BAD_PARAM;
				if(end == vn)
					break;
				i = end + 1;
			}
			break;
		}
		default: /* MEDSEC_SP_WSH: "WSH=" 2*DIGIT, >= 64 */
			if(!has_v || vn < 2 || mc_dec(v, vn, 0, MC_MAX_WSH, &x) < 0
					|| x < MC_MIN_WSH)
				return MEDSEC_CRYPTO_BAD_PARAM;
			c->wsh = (unsigned)x;
			break;
	}
	c->sp_flags |= flag;
	return MEDSEC_CRYPTO_OK;
}

/* ---- the line ---- */

medsec_crypto_err_t medsec_crypto_parse(
		const char *s, size_t len, medsec_crypto_t *c)
{
	medsec_crypto_t scratch;
	size_t i, end, tok, kp_end, first;
	medsec_crypto_err_t e;
	unsigned key_len;

	if(c == NULL)
		c = &scratch;
	memset(c, 0, sizeof(*c));
	c->params_s = s;
	if(s == NULL || len == 0 || len > MC_MAX_LINE)
		return MEDSEC_CRYPTO_SYNTAX;
	for(i = 0; i < len; i++) {
		if(!mc_is_vchar((unsigned char)s[i]) && !mc_is_wsp((unsigned char)s[i]))
			return MEDSEC_CRYPTO_SYNTAX;
	}
	/* trailing whitespace is tolerated */
	end = len;
	while(end > 0 && mc_is_wsp((unsigned char)s[end - 1]))
		end--;
	c->params_s = s + end;

	/* tag = 1*9DIGIT */
	for(i = 0; i < end && !mc_is_wsp((unsigned char)s[i]); i++) {
		if(!mc_is_digit((unsigned char)s[i]) || i >= MC_MAX_TAG_DIGITS) {
			c->tag = 0;
			return MEDSEC_CRYPTO_BAD_TAG;
		}
		c->tag = c->tag * 10 + (uint32_t)(s[i] - '0');
	}
	if(i == 0)
		return MEDSEC_CRYPTO_BAD_TAG;
	while(i < end && mc_is_wsp((unsigned char)s[i]))
		i++;

	/* crypto-suite = 1*(ALPHA / DIGIT / "_") */
	tok = i;
	for(; i < end && !mc_is_wsp((unsigned char)s[i]); i++) {
		if(!mc_is_name_char((unsigned char)s[i]))
			return MEDSEC_CRYPTO_SYNTAX;
	}
	if(i == tok)
		return MEDSEC_CRYPTO_SYNTAX;
	c->suite_s = s + tok;
	c->suite_len = i - tok;
	c->suite = medsec_suite_by_name(c->suite_s, c->suite_len);
	key_len = medsec_suite_key_len(c->suite);
	while(i < end && mc_is_wsp((unsigned char)s[i]))
		i++;

	/* key-params, one token */
	tok = i;
	while(i < end && !mc_is_wsp((unsigned char)s[i]))
		i++;
	if(i == tok)
		return MEDSEC_CRYPTO_SYNTAX;
	kp_end = i;
	while(i < end && mc_is_wsp((unsigned char)s[i]))
		i++;
	c->params_s = s + i;
	c->params_len = end - i;

	if(c->suite == MEDSEC_SUITE_UNKNOWN) {
		if(mc_generic_key_params(s + tok, kp_end - tok) < 0)
			return MEDSEC_CRYPTO_SYNTAX;
		return MEDSEC_CRYPTO_UNKNOWN_SUITE;
	}

	/* the first key-param; more are not supported */
	first = tok + mc_find(s + tok, kp_end - tok, ';');
	e = mc_key_param(s + tok, first - tok, key_len, c);
	if(e != MEDSEC_CRYPTO_OK)
		return e;
	if(first < kp_end) {
		if(mc_generic_key_params(s + first + 1, kp_end - first - 1) < 0)
			return MEDSEC_CRYPTO_SYNTAX;
		return MEDSEC_CRYPTO_MULTI_KEY;
	}

	/* session-params, separated by 1*WSP */
	while(i < end) {
		tok = i;
		while(i < end && !mc_is_wsp((unsigned char)s[i]))
			i++;
		e = mc_session_param(s + tok, i - tok, key_len, c);
		if(e != MEDSEC_CRYPTO_OK)
			return e;
		while(i < end && mc_is_wsp((unsigned char)s[i]))
			i++;
	}
	return MEDSEC_CRYPTO_OK;
}
