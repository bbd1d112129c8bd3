/*
 * ims_medsec: the operator's crypto policy (which SDES lines are acceptable,
 * and in which order of preference).  Pure.
 */
#ifndef MEDSEC_POLICY_H
#define MEDSEC_POLICY_H

#include <stddef.h>

#include "medsec_crypto.h"

typedef struct medsec_policy
{
	medsec_suite_t suites[MEDSEC_SUITE_COUNT]; /* allowed, preferred first */
	int nsuites;
	int allow_weak;		/* accept UNENCRYPTED_* / UNAUTHENTICATED_SRTP */
	int allow_mki;		/* accept lines with an MKI */
	int allow_lifetime; /* accept lines with a lifetime */
	int allow_kdr;		/* accept a non-zero KDR */
} medsec_policy_t;

/* AES_CM_128_HMAC_SHA1_80, AES_CM_128_HMAC_SHA1_32; MKI and lifetime
 * accepted; weak session parameters and non-zero KDR refused. */
void medsec_policy_default(medsec_policy_t *p);

/*
 * Set the allowed suites from a list ("A,B C"; commas and/or spaces), in
 * preference order.  NULL and F8 suites are always refused: a NULL suite
 * crashes rtpengine 10.5 and F8 is not in the e2ae profile.  Returns 0, or
 * -1 with *why set (unknown or refused suite, duplicate, empty list).
 */
int medsec_policy_set_suites(
		medsec_policy_t *p, const char *list, size_t len, const char **why);

/* Preference rank of a suite (0 = best), or -1 when not allowed. */
int medsec_policy_rank(const medsec_policy_t *p, medsec_suite_t s);

/* 1 when a parsed, usable line is acceptable; 0 with *why set otherwise. */
int medsec_policy_accepts(
		const medsec_policy_t *p, const medsec_crypto_t *c, const char **why);

/* medsec_policy_accepts() without the suite: its session parameters, MKI
 * and lifetime only (for an answer, whose suite must be one offered). */
int medsec_policy_accepts_params(
		const medsec_policy_t *p, const medsec_crypto_t *c, const char **why);

/*
 * The allowed suites as a list medsec_policy_set_suites() takes back
 * ("A B", preferred first), NUL-terminated in buf.  Returns its length, or
 * -1 when cap is too small (buf then holds "").
 */
int medsec_policy_format(const medsec_policy_t *p, char *buf, size_t cap);

/* Bit (1 << suite) set for every known suite the policy does not allow:
 * what the AGW must be told to leave out. */
unsigned medsec_policy_excluded(const medsec_policy_t *p);

#endif
