/*
 * ims_medsec: crypto policy.  Pure.
 */
#include <string.h>

#include "medsec_policy.h"

void medsec_policy_default(medsec_policy_t *p)
{
	p->suites[0] = MEDSEC_SUITE_AES_CM_128_HMAC_SHA1_80;
	p->suites[1] = MEDSEC_SUITE_AES_CM_128_HMAC_SHA1_32;
	p->nsuites = 2;
	p->allow_weak = 0;
	p->allow_mki = 1;
	p->allow_lifetime = 1;
	p->allow_kdr = 0;
}

static int is_sep(char c)
{
	return c == ',' || c == ' ' || c == '\t';
}

int medsec_policy_set_suites(
		medsec_policy_t *p, const char *list, size_t len, const char **why)
{
	medsec_policy_t n = *p;
	size_t i = 0;

	n.nsuites = 0;
	while(i < len) {
		size_t start;
		medsec_suite_t s;
		while(i < len && is_sep(list[i]))
			i++;
		if(i >= len)
			break;
		start = i;
		while(i < len && !is_sep(list[i]))
			i++;
		s = medsec_suite_by_name(list + start, i - start);
		if(s == MEDSEC_SUITE_UNKNOWN) {
			*why = "unknown crypto suite in list";
			return -1;
		}
		if(s == MEDSEC_SUITE_NULL_HMAC_SHA1_80
				|| s == MEDSEC_SUITE_NULL_HMAC_SHA1_32
				|| s == MEDSEC_SUITE_F8_128_HMAC_SHA1_80
				|| s == MEDSEC_SUITE_F8_128_HMAC_SHA1_32) {
			*why = "NULL and F8 suites are never allowed";
			return -1;
		}
		if(medsec_policy_rank(&n, s) >= 0) {
			*why = "suite listed twice";
			return -1;
		}
		n.suites[n.nsuites++] = s;
	}
	if(n.nsuites == 0) {
		*why = "empty suite list";
		return -1;
	}
	*p = n;
	return 0;
}

int medsec_policy_rank(const medsec_policy_t *p, medsec_suite_t s)
{
	int i;

	for(i = 0; i < p->nsuites; i++)
		if(p->suites[i] == s)
			return i;
	return -1;
}

int medsec_policy_accepts(
		const medsec_policy_t *p, const medsec_crypto_t *c, const char **why)
{
	if(medsec_policy_rank(p, c->suite) < 0) {
		*why = "crypto suite not allowed";
		return 0;
	}
	return medsec_policy_accepts_params(p, c, why);
}

int medsec_policy_accepts_params(
		const medsec_policy_t *p, const medsec_crypto_t *c, const char **why)
{
	if(!p->allow_weak
			&& (c->sp_flags
					& (MEDSEC_SP_UNENCRYPTED_SRTP | MEDSEC_SP_UNENCRYPTED_SRTCP
							| MEDSEC_SP_UNAUTHENTICATED_SRTP))) {
		*why = "unencrypted or unauthenticated SRTP refused";
		return 0;
	}
	if(!p->allow_mki && c->has_mki) {
		*why = "MKI refused";
		return 0;
	}
	if(!p->allow_lifetime && c->lifetime) {
		*why = "key lifetime refused";
		return 0;
	}
	if(!p->allow_kdr && (c->sp_flags & MEDSEC_SP_KDR) && c->kdr != 0) {
		*why = "non-zero KDR refused";
		return 0;
	}
	if(c->sp_flags & MEDSEC_SP_FEC_KEY) {
		*why = "FEC_KEY not supported";
		return 0;
	}
	return 1;
}

unsigned medsec_policy_excluded(const medsec_policy_t *p)
{
	unsigned mask = 0;
	int s;

	for(s = 1; s < MEDSEC_SUITE_COUNT; s++)
		if(medsec_policy_rank(p, (medsec_suite_t)s) < 0)
			mask |= 1u << s;
	return mask;
}

int medsec_policy_format(const medsec_policy_t *p, char *buf, size_t cap)
{
	size_t n = 0, l;
	int i;

	if(cap == 0)
		return -1;
	buf[0] = '\0';
	for(i = 0; i < p->nsuites; i++) {
		const char *name = medsec_suite_name(p->suites[i]);
		l = strlen(name);
		if(n + (i ? 1 : 0) + l + 1 > cap) {
			buf[0] = '\0';
			return -1;
		}
		if(i)
			buf[n++] = ' ';
		memcpy(buf + n, name, l);
		n += l;
		buf[n] = '\0';
	}
	return (int)n;
}
