/*
 * ims_medsec: the SDES crypto attribute (RFC 4568, RFC 6188, RFC 7714).
 *
 * Pure: parses bytes, never allocates, never touches Kamailio state.
 *
 *   a=crypto:<tag> <crypto-suite> <key-params> [<session-params>]
 *   key-params = key-param *(";" key-param)
 *   key-param  = "inline:" <base64 key||salt> ["|" lifetime] ["|" MKI ":" len]
 */
#ifndef MEDSEC_CRYPTO_H
#define MEDSEC_CRYPTO_H

#include <stddef.h>
#include <stdint.h>

/* Known suites.  MEDSEC_SUITE_UNKNOWN for anything else (the line is then
 * unusable, not an error). */
typedef enum medsec_suite
{
	MEDSEC_SUITE_UNKNOWN = 0,
	MEDSEC_SUITE_AES_CM_128_HMAC_SHA1_80,
	MEDSEC_SUITE_AES_CM_128_HMAC_SHA1_32,
	MEDSEC_SUITE_AES_192_CM_HMAC_SHA1_80,
	MEDSEC_SUITE_AES_192_CM_HMAC_SHA1_32,
	MEDSEC_SUITE_AES_256_CM_HMAC_SHA1_80,
	MEDSEC_SUITE_AES_256_CM_HMAC_SHA1_32,
	MEDSEC_SUITE_AEAD_AES_128_GCM,
	MEDSEC_SUITE_AEAD_AES_256_GCM,
	MEDSEC_SUITE_F8_128_HMAC_SHA1_80,
	MEDSEC_SUITE_F8_128_HMAC_SHA1_32,
	MEDSEC_SUITE_NULL_HMAC_SHA1_80,
	MEDSEC_SUITE_NULL_HMAC_SHA1_32,
	MEDSEC_SUITE_COUNT
} medsec_suite_t;

/* Canonical (upper-case, IANA) name of a suite; "" for UNKNOWN. */
const char *medsec_suite_name(medsec_suite_t s);
/* Suite by name, case-insensitive; MEDSEC_SUITE_UNKNOWN when not known. */
medsec_suite_t medsec_suite_by_name(const char *s, size_t len);
/* Master key + salt length in bytes (30, 38, 46, 28, 44); 0 for UNKNOWN. */
unsigned medsec_suite_key_len(medsec_suite_t s);

/* Session parameter flags found on a line. */
#define MEDSEC_SP_UNENCRYPTED_SRTP (1u << 0)
#define MEDSEC_SP_UNENCRYPTED_SRTCP (1u << 1)
#define MEDSEC_SP_UNAUTHENTICATED_SRTP (1u << 2)
#define MEDSEC_SP_KDR (1u << 3)		  /* KDR=n present (value in kdr) */
#define MEDSEC_SP_FEC_ORDER (1u << 4) /* FEC_ORDER=... present */
#define MEDSEC_SP_FEC_KEY (1u << 5)	  /* FEC_KEY=... present */
#define MEDSEC_SP_WSH (1u << 6)		  /* WSH=n present (value in wsh) */
#define MEDSEC_SP_IGNORED (1u << 7)	  /* an unknown "-name" param, ignorable */

/* Why a line is unusable (0 when it is usable). */
typedef enum medsec_crypto_err
{
	MEDSEC_CRYPTO_OK = 0,
	MEDSEC_CRYPTO_SYNTAX,		 /* not the RFC 4568 grammar */
	MEDSEC_CRYPTO_BAD_TAG,		 /* not 1-9 digits */
	MEDSEC_CRYPTO_UNKNOWN_SUITE, /* syntactically fine, suite not known */
	MEDSEC_CRYPTO_BAD_KEY,		 /* bad base64, wrong length for the suite,
								  * or a key-method other than inline */
	MEDSEC_CRYPTO_BAD_LIFETIME,	 /* not decimal / 2^n, or 0, or > 2^48 */
	MEDSEC_CRYPTO_BAD_MKI,		 /* MKI value or length (1-128) invalid */
	MEDSEC_CRYPTO_MULTI_KEY,	 /* more than one key-param (not supported) */
	MEDSEC_CRYPTO_BAD_PARAM,	 /* malformed known session parameter */
	MEDSEC_CRYPTO_UNKNOWN_PARAM, /* unknown mandatory session parameter */
} medsec_crypto_err_t;

/* Short English reason for an error, for logs and Warning headers. */
const char *medsec_crypto_strerror(medsec_crypto_err_t e);

/*
 * One parsed line.  Slices point into the parsed input.  The key itself is
 * never copied here: key.s/key.len is the base64 text, to be handed on
 * (never logged).
 */
typedef struct medsec_crypto
{
	uint32_t tag; /* 0..999999999 */
	medsec_suite_t suite;
	const char *suite_s; /* suite as written */
	size_t suite_len;
	const char *key_s; /* base64 key||salt as written (secret!) */
	size_t key_len;
	uint64_t lifetime; /* 0 = not given; else packets (2^n expanded) */
	int has_mki;
	uint32_t mki_value;
	uint32_t mki_len;	  /* bytes, 1..128 */
	unsigned sp_flags;	  /* MEDSEC_SP_* */
	unsigned kdr;		  /* when MEDSEC_SP_KDR */
	unsigned wsh;		  /* when MEDSEC_SP_WSH */
	const char *params_s; /* the session-params text, possibly empty */
	size_t params_len;
} medsec_crypto_t;

/*
 * Parse the value of one crypto attribute: the text after "a=crypto:" up to
 * (not including) the end of line (the caller strips "\r\n").  Returns
 * MEDSEC_CRYPTO_OK and fills c, or the first reason the line is unusable
 * (c is then partly filled: tag and suite when they parsed).  Never reads
 * outside s[0..len).  Tag 0 is accepted (seen in the wild).
 */
medsec_crypto_err_t medsec_crypto_parse(
		const char *s, size_t len, medsec_crypto_t *c);

/* Decoded length of a base64 text (padding optional), or -1 when it is not
 * valid base64 (RFC 4648 alphabet, no whitespace). */
long medsec_base64_decoded_len(const char *s, size_t len);

#endif
