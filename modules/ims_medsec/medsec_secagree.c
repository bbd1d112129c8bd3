/*
 * ims_medsec: Security-Client / Security-Server / Security-Verify header
 * values (RFC 3329 grammar, TS 24.229 7.2A.7 media mechanisms).
 *
 * Pure: parses bytes, never allocates, never touches Kamailio state, never
 * calls locale-dependent libc functions.  One pass over at most
 * MEDSEC_SECAGREE_MAX_LEN bytes; it stops at the first error or at the
 * first mechanism over MEDSEC_SECAGREE_MAX_MECHS.
 *
 * Grammar (RFC 3329 section 2.2 with RFC 3261 generic-param):
 *   value         = SWS sec-mechanism *(COMMA sec-mechanism) SWS
 *   sec-mechanism = token *(SEMI token [EQUAL gen-value])
 *   gen-value     = token / quoted-string / IPv6reference
 *   SWS           = *(SP / HTAB / CRLF-or-LF followed by SP / HTAB)
 * A CR / LF run at the very end of the value is tolerated as well.
 */
#include <stddef.h>
#include <string.h>

#include "medsec_ascii.h"
#include "medsec_secagree.h"

/* What one sec-mechanism is. */
typedef struct sa_entry
{
	size_t start;	 /* the entry, from its name to the end of its last */
	size_t end;		 /* parameter, without surrounding whitespace */
	size_t sep;		 /* the separator before it (SWS "," SWS) starts here */
	size_t name_end; /* end of the mechanism name */
	unsigned flags;	 /* MEDSEC_SA_* set by this entry */
	int mediasec;	 /* carries a "mediasec" parameter */
	int want;		 /* carries the parameter it->want */
} sa_entry_t;

typedef struct sa_iter
{
	const char *s;
	size_t len;
	size_t pos;		  /* next entry's "," or len */
	size_t prev_end;  /* end of the previous entry */
	unsigned count;	  /* entries returned so far */
	const char *want; /* a parameter name to look for, or NULL */
} sa_iter_t;

/* ---- character classes (ASCII only, no locale) ---- */

static int sa_is_wsp(unsigned char c)
{
	return c == ' ' || c == '\t';
}

static int sa_is_alnum(unsigned char c)
{
	return (c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z')
		   || (c >= '0' && c <= '9');
}

/* RFC 3261 token: alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" /
 * "`" / "'" / "~" */
static int sa_is_token(unsigned char c)
{
	if(sa_is_alnum(c))
		return 1;
	switch(c) {
		case '-':
		case '.':
		case '!':
		case '%':
		case '*':
		case '_':
		case '+':
		case '`':
		case '\'':
		case '~':
			return 1;
	}
	return 0;
}

static int sa_is_hex(unsigned char c)
{
	return (c >= '0' && c <= '9') || (c >= 'A' && c <= 'F')
		   || (c >= 'a' && c <= 'f');
}

/* ---- lexing ---- */

/* Length of a line break at s[i] (CRLF or LF), 0 when none. */
static size_t sa_eol(const char *s, size_t len, size_t i)
{
	if(i < len && s[i] == '\n')
		return 1;
	if(i + 1 < len && s[i] == '\r' && s[i + 1] == '\n')
		return 2;
	return 0;
}

/* Skip SWS: SP, HTAB and line folds (a line break followed by SP/HTAB). */
static size_t sa_sws(const char *s, size_t len, size_t i)
{
	size_t k;

	for(;;) {
		while(i < len && sa_is_wsp((unsigned char)s[i]))
			i++;
		k = sa_eol(s, len, i);
		if(k == 0 || i + k >= len || !sa_is_wsp((unsigned char)s[i + k]))
			return i;
		i += k;
	}
}

static size_t sa_token(const char *s, size_t len, size_t i)
{
	while(i < len && sa_is_token((unsigned char)s[i]))
		i++;
	return i;
}

/* quoted-string at s[i] == '"'; the index after the closing quote, or 0.
 * qdtext is LWS / %x21 / %x23-5B / %x5D-7E / bytes >= 0x80 (UTF8-NONASCII,
 * not validated further); quoted-pair is "\" and %x00-09 / %x0B-0C /
 * %x0E-7F. */
static size_t sa_quoted(const char *s, size_t len, size_t i)
{
	unsigned char c;
	size_t k;

	for(i++; i < len; i++) {
		c = (unsigned char)s[i];
		if(c == '"')
			return i + 1;
		if(c == '\\') {
			if(i + 1 >= len)
				return 0;
			c = (unsigned char)s[++i];
			if(c > 0x7f || c == '\r' || c == '\n')
				return 0;
		} else if(c == '\r' || c == '\n') {
			k = sa_eol(s, len, i);
			if(k == 0 || i + k >= len || !sa_is_wsp((unsigned char)s[i + k]))
				return 0;
			i += k; /* the WSP after the fold is plain qdtext */
		} else if((c < 0x20 && c != '\t') || c == 0x7f) {
			return 0;
		}
	}
	return 0;
}

/* IPv6reference at s[i] == '['; the index after "]", or 0. */
static size_t sa_ipv6ref(const char *s, size_t len, size_t i)
{
	size_t j;

	for(j = i + 1;
			j < len
			&& (sa_is_hex((unsigned char)s[j]) || s[j] == ':' || s[j] == '.');
			j++)
		;
	if(j == i + 1 || j >= len || s[j] != ']')
		return 0;
	return j + 1;
}

/* ---- entries ---- */

static void sa_iter_init(sa_iter_t *it, const char *s, size_t len)
{
	it->s = s;
	it->len = len;
	it->pos = 0;
	it->prev_end = 0;
	it->count = 0;
	it->want = NULL;
}

/* ealg parameters of an ipsec-3gpp entry, and how many name encryption */
typedef struct sa_enc
{
	unsigned nealg, nenc;
} sa_enc_t;

/* One mech-parameter at s[i] == ';': SEMI token [EQUAL gen-value], noted
 * in e (and in enc for an ipsec-3gpp entry).  The index after it, or 0
 * when it is malformed. */
static size_t sa_param(const sa_iter_t *it, sa_entry_t *e, size_t i,
		int is_ipsec, sa_enc_t *enc)
{
	const char *s = it->s;
	size_t len = it->len, n, nlen, v, vend = 0;
	int has_value = 0, value_is_token = 0;

	n = sa_sws(s, len, i + 1);
	i = sa_token(s, len, n);
	if(i == n)
		return 0;
	nlen = i - n;
	v = sa_sws(s, len, i);
	if(v < len && s[v] == '=') {
		v = sa_sws(s, len, v + 1);
		if(v >= len)
			return 0;
		if(s[v] == '"') {
			vend = sa_quoted(s, len, v);
		} else if(s[v] == '[') {
			vend = sa_ipv6ref(s, len, v);
		} else {
			vend = sa_token(s, len, v);
			value_is_token = 1;
		}
		if(vend <= v)
			return 0;
		has_value = 1;
		i = vend;
	}
	e->end = i;
	if(medsec_ascii_ieq(s + n, nlen, "mediasec"))
		e->mediasec = 1;
	if(it->want && medsec_ascii_ieq(s + n, nlen, it->want))
		e->want = 1;
	if(is_ipsec && medsec_ascii_ieq(s + n, nlen, "ealg")) {
		/* only a plain token other than "null" is encryption: an absent,
		 * empty or quoted value is not */
		enc->nealg++;
		if(has_value && value_is_token
				&& !medsec_ascii_ieq(s + v, vend - v, "null"))
			enc->nenc++;
	}
	return i;
}

/*
 * The next sec-mechanism: 1 with e filled, 0 after the last one, -1 when
 * the value is malformed or over a limit.  The first call also rejects an
 * empty or over-long value.
 */
static int sa_next(sa_iter_t *it, sa_entry_t *e)
{
	const char *s = it->s;
	size_t len = it->len, i = it->pos, n;
	unsigned nparams = 0;
	sa_enc_t enc = {0, 0};
	int is_sdes, is_ipsec;

	if(it->count == 0) {
		if(s == NULL || len == 0 || len > MEDSEC_SECAGREE_MAX_LEN)
			return -1;
		i = sa_sws(s, len, 0);
	} else {
		if(i >= len)
			return 0;
		/* COMMA = SWS "," SWS (the SWS before it was skipped already) */
		if(s[i] != ',')
			return -1;
		i = sa_sws(s, len, i + 1);
	}
	if(++it->count > MEDSEC_SECAGREE_MAX_MECHS)
		return -1;
	e->sep = it->prev_end;

	/* mechanism-name */
	n = i;
	i = sa_token(s, len, i);
	if(i == n)
		return -1;
	e->start = n;
	e->end = i;
	e->name_end = i;
	e->flags = 0;
	e->mediasec = 0;
	e->want = 0;
	is_sdes = medsec_ascii_ieq(s + n, i - n, "sdes-srtp");
	is_ipsec = medsec_ascii_ieq(s + n, i - n, "ipsec-3gpp");
	if(is_ipsec)
		e->flags |= MEDSEC_SA_IPSEC;
	if(medsec_ascii_ieq(s + n, i - n, "tls"))
		e->flags |= MEDSEC_SA_TLS;

	/* *(SEMI token [EQUAL gen-value]) */
	for(;;) {
		i = sa_sws(s, len, i);
		if(i >= len || s[i] != ';')
			break;
		if(++nparams > MEDSEC_SECAGREE_MAX_PARAMS)
			return -1;
		i = sa_param(it, e, i, is_ipsec, &enc);
		if(i == 0)
			return -1;
	}
	if(is_sdes && e->mediasec)
		e->flags |= MEDSEC_SA_MEDIASEC;
	if(is_ipsec && enc.nealg > 0 && enc.nenc == enc.nealg)
		e->flags |= MEDSEC_SA_IPSEC_ENC;

	/* "," next, or the end of the value */
	if(i < len && s[i] != ',') {
		/* a CR / LF run at the very end of the value is tolerated */
		while(i < len && (s[i] == '\r' || s[i] == '\n'))
			i++;
		if(i < len)
			return -1;
	}
	it->pos = i;
	it->prev_end = e->end;
	return 1;
}

/* ---- API ---- */

int medsec_secagree_scan(const char *s, size_t len)
{
	sa_iter_t it;
	sa_entry_t e;
	unsigned flags = 0;
	int r;

	sa_iter_init(&it, s, len);
	while((r = sa_next(&it, &e)) > 0)
		flags |= e.flags;
	if(r < 0)
		return -1;
	return (int)flags;
}

int medsec_secagree_strip_mediasec(
		const char *s, size_t len, char *out, size_t cap, size_t *out_len)
{
	sa_iter_t it;
	sa_entry_t e;
	size_t need = 0, o = 0, n;
	int r, removed = 0, kept = 0;

	if(out_len == NULL)
		return -1;
	*out_len = 0;

	/* pass 1: validate everything and size the result */
	sa_iter_init(&it, s, len);
	while((r = sa_next(&it, &e)) > 0) {
		if(e.mediasec) {
			removed++;
		} else {
			need += e.end - (kept ? e.sep : e.start);
			kept++;
		}
	}
	if(r < 0)
		return -1;
	if(removed == 0)
		need = len; /* an exact copy */
	if(need > cap || (need > 0 && out == NULL))
		return -1;
	if(removed == 0) {
		memcpy(out, s, len);
		*out_len = len;
		return 0;
	}

	/* pass 2: the kept entries, each with the separator that preceded it
	 * in the input (but the first) */
	kept = 0;
	sa_iter_init(&it, s, len);
	while(sa_next(&it, &e) > 0) {
		if(e.mediasec)
			continue;
		n = e.end - (kept ? e.sep : e.start);
		memcpy(out + o, s + e.end - n, n);
		o += n;
		kept++;
	}
	*out_len = o;
	return removed;
}

int medsec_secagree_has(
		const char *s, size_t len, const char *mech, const char *param)
{
	sa_iter_t it;
	sa_entry_t e;
	int r, found = 0;

	if(mech == NULL || mech[0] == '\0')
		return -1;
	sa_iter_init(&it, s, len);
	it.want = (param && param[0]) ? param : NULL;
	while((r = sa_next(&it, &e)) > 0)
		if(medsec_ascii_ieq(s + e.start, e.name_end - e.start, mech)
				&& (it.want == NULL || e.want))
			found = 1;
	return r < 0 ? -1 : found;
}
