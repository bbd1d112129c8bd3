/*
 * ims_medsec: Security-Client / Security-Server / Security-Verify header
 * values (RFC 3329 grammar, TS 24.229 7.2A.7 media mechanisms).
 *
 * Pure: parses bytes, never allocates, never touches Kamailio state.
 *
 *   header-value  = sec-mechanism *("," sec-mechanism)
 *   sec-mechanism = mechanism-name *(";" mech-parameters)
 *   mech-parameters = token ["=" (token / quoted-string / IPv6reference)]
 *
 * Tokens are case-insensitive; whitespace (SP, HTAB, folded CRLF) around
 * separators is allowed.  An empty value, an empty entry (",,") or a
 * trailing "," is malformed.
 */
#ifndef MEDSEC_SECAGREE_H
#define MEDSEC_SECAGREE_H

#include <stddef.h>

/* Limits: a header value longer than this, or with more mechanisms, is
 * treated as malformed (the capability is then not recognised). */
#define MEDSEC_SECAGREE_MAX_LEN 8192
#define MEDSEC_SECAGREE_MAX_MECHS 64
#define MEDSEC_SECAGREE_MAX_PARAMS 32

/* Result flags of medsec_secagree_scan(). */
#define MEDSEC_SA_MEDIASEC (1u << 0) /* "sdes-srtp" with a "mediasec" param */
#define MEDSEC_SA_IPSEC (1u << 1)	 /* at least one "ipsec-3gpp" entry */
#define MEDSEC_SA_IPSEC_ENC \
	(1u << 2)					/* an ipsec-3gpp entry with ealg != null
									   * (an absent ealg counts as null) */
#define MEDSEC_SA_TLS (1u << 3) /* a "tls" entry */

/*
 * Scan one header value.  Returns the MEDSEC_SA_* flags found, or -1 when
 * the value is malformed or over a limit (then nothing is recognised).
 * "sdes-srtp" without "mediasec" does not set MEDSEC_SA_MEDIASEC;
 * "mediasec" matches as a whole parameter name only (not "mediasecx").
 */
int medsec_secagree_scan(const char *s, size_t len);

/*
 * Copy the header value without its media mechanisms (entries that carry a
 * "mediasec" parameter), keeping every other entry byte for byte, each
 * (but the first kept) preceded by the separator that preceded it in the
 * input (", " usually), so the result is never longer than the input.
 * Writes at most cap bytes to out and sets *out_len (0 on error).
 * Returns the number of entries removed (0: out is an exact copy of the
 * input), or -1 when the value is malformed, over a limit or out is too
 * small (nothing is written then).  When every entry was removed *out_len
 * is 0 (the caller removes the whole header).
 */
int medsec_secagree_strip_mediasec(
		const char *s, size_t len, char *out, size_t cap, size_t *out_len);

/*
 * 1 when the value holds an entry whose mechanism name is mech (a
 * NUL-terminated token, compared case-insensitively) and, when param is
 * neither NULL nor empty, which carries a parameter of that name; 0 when
 * none does; -1 when the value is malformed or over a limit, or mech is
 * empty.  "sdes-srtp" + "mediasec" is the e2ae capability
 * (MEDSEC_SA_MEDIASEC); the e2e capabilities of TS 33.328 7.1 have no
 * stage 3 syntax, so their mechanism is configured.
 */
int medsec_secagree_has(
		const char *s, size_t len, const char *mech, const char *param);

#endif
