/*
 * ims_medsec: locale-free ASCII helpers shared by the pure parsers.
 */
#ifndef MEDSEC_ASCII_H
#define MEDSEC_ASCII_H

#include <stddef.h>

static inline unsigned char medsec_ascii_lower(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') ? (unsigned char)(c - 'A' + 'a') : c;
}

/* s[0..n) equals the NUL-terminated literal lit, ignoring ASCII case. */
static inline int medsec_ascii_ieq(const char *s, size_t n, const char *lit)
{
	size_t i;

	for(i = 0; i < n; i++) {
		if(lit[i] == '\0'
				|| medsec_ascii_lower((unsigned char)s[i])
						   != medsec_ascii_lower((unsigned char)lit[i]))
			return 0;
	}
	return lit[n] == '\0';
}

#endif
