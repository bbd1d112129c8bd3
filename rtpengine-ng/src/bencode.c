/*
 * bencode encoder and decoder.  Pure: no allocation, no I/O.
 */
#include <string.h>
#include <stdio.h>

#include "rtpengine-ng/rng.h"

/* ---- encoder ---- */

void rng_benc_init(rng_benc *e, char *buf, size_t cap)
{
	e->buf = buf;
	e->cap = cap;
	e->len = 0;
	e->err = (buf == NULL && cap > 0) ? RNG_ERR_INVAL : RNG_OK;
	e->depth = 0;
}

static void benc_put(rng_benc *e, const char *s, size_t len)
{
	if(e->err)
		return;
	if(len > e->cap - e->len) {
		e->err = RNG_ERR_SPACE;
		return;
	}
	if(len)
		memcpy(e->buf + e->len, s, len);
	e->len += len;
}

static void benc_open(rng_benc *e, char c)
{
	if(!e->err && e->depth >= RNG_BENCODE_MAX_DEPTH)
		e->err = RNG_ERR_LIMIT;
	benc_put(e, &c, 1);
	if(!e->err)
		e->depth++;
}

void rng_benc_dict(rng_benc *e)
{
	benc_open(e, 'd');
}

void rng_benc_list(rng_benc *e)
{
	benc_open(e, 'l');
}

void rng_benc_end(rng_benc *e)
{
	if(!e->err && e->depth == 0)
		e->err = RNG_ERR_INVAL;
	benc_put(e, "e", 1);
	if(!e->err)
		e->depth--;
}

void rng_benc_str(rng_benc *e, const char *s, size_t len)
{
	char hdr[24];
	int n;

	if(!e->err && s == NULL && len > 0)
		e->err = RNG_ERR_INVAL;
	n = snprintf(hdr, sizeof(hdr), "%zu:", len);
	benc_put(e, hdr, (size_t)n);
	benc_put(e, s, len);
}

void rng_benc_cstr(rng_benc *e, const char *s)
{
	if(s == NULL) {
		if(!e->err)
			e->err = RNG_ERR_INVAL;
		return;
	}
	rng_benc_str(e, s, strlen(s));
}

void rng_benc_int(rng_benc *e, int64_t v)
{
	char buf[32];
	int n = snprintf(buf, sizeof(buf), "i%llde", (long long)v);
	benc_put(e, buf, (size_t)n);
}

void rng_benc_kv_str(rng_benc *e, const char *key, const char *s, size_t len)
{
	rng_benc_cstr(e, key);
	rng_benc_str(e, s, len);
}

void rng_benc_kv_cstr(rng_benc *e, const char *key, const char *s)
{
	rng_benc_cstr(e, key);
	rng_benc_cstr(e, s);
}

void rng_benc_kv_int(rng_benc *e, const char *key, int64_t v)
{
	rng_benc_cstr(e, key);
	rng_benc_int(e, v);
}

int rng_benc_finish(const rng_benc *e)
{
	if(e->err)
		return e->err;
	return e->depth == 0 && e->len > 0 ? RNG_OK : RNG_ERR_INVAL;
}

/* ---- decoder ---- */

/* Parse an unsigned decimal without leading zeros ("0" alone is fine),
 * stopping at term.  Returns bytes used, or a negative status. */
static int dec_digits(
		const char *p, const char *end, char term, uint64_t max, uint64_t *out)
{
	const char *s = p;
	uint64_t v = 0;

	if(p >= end)
		return RNG_ERR_TRUNC;
	if(*p < '0' || *p > '9')
		return RNG_ERR_PARSE;
	if(*p == '0' && p + 1 < end && p[1] != term)
		return RNG_ERR_PARSE;
	while(p < end && *p >= '0' && *p <= '9') {
		unsigned d = (unsigned)(*p - '0');
		if(v > (max - d) / 10)
			return RNG_ERR_LIMIT;
		v = v * 10 + d;
		p++;
	}
	if(p >= end)
		return RNG_ERR_TRUNC;
	if(*p != term)
		return RNG_ERR_PARSE;
	*out = v;
	return (int)(p - s) + 1;
}

static int dec_int(const char *p, const char *end, int64_t *out)
{
	int neg = 0, n;
	uint64_t v;

	/* p points after 'i' */
	if(p < end && *p == '-') {
		neg = 1;
		p++;
		if(p < end && *p == '0')
			return RNG_ERR_PARSE; /* "-0" and "-01" are invalid */
	}
	n = dec_digits(p, end, 'e', neg ? (uint64_t)INT64_MAX + 1 : INT64_MAX, &v);
	if(n < 0)
		return n;
	*out = neg ? (int64_t)(0 - v) : (int64_t)v;
	return n + neg;
}

int rng_bdecode(rng_bdoc *doc, const char *buf, size_t len, size_t *consumed)
{
	uint32_t stack[RNG_BENCODE_MAX_DEPTH];
	unsigned depth = 0;
	const char *p = buf, *end;
	rng_bnode *n;
	int r;

	if(doc == NULL || doc->nodes == NULL || doc->cap == 0
			|| (buf == NULL && len > 0))
		return RNG_ERR_INVAL;
	doc->n = 0;
	if(len > RNG_MAX_MSG)
		return RNG_ERR_LIMIT;
	if(len == 0)
		return RNG_ERR_TRUNC;
	end = buf + len; /* after the checks: buf may be NULL */

	do {
		if(p >= end)
			return RNG_ERR_TRUNC;
		if(*p == 'e') {
			/* closes the innermost container */
			rng_bnode *c;
			if(depth == 0)
				return RNG_ERR_PARSE;
			c = &doc->nodes[stack[--depth]];
			if(c->type == RNG_BDICT && (c->count & 1))
				return RNG_ERR_PARSE; /* key without value */
			c->next = doc->n;
			p++;
			continue;
		}
		if(doc->n >= doc->cap)
			return RNG_ERR_LIMIT;
		if(depth > 0) {
			rng_bnode *parent = &doc->nodes[stack[depth - 1]];
			/* dictionary keys must be strings */
			if(parent->type == RNG_BDICT && !(parent->count & 1)
					&& (*p < '0' || *p > '9'))
				return RNG_ERR_PARSE;
			parent->count++;
		}
		n = &doc->nodes[doc->n];
		memset(n, 0, sizeof(*n));
		doc->n++;
		switch(*p) {
			case 'd':
			case 'l':
				if(depth >= RNG_BENCODE_MAX_DEPTH)
					return RNG_ERR_LIMIT;
				n->type = (*p == 'd') ? RNG_BDICT : RNG_BLIST;
				stack[depth++] = doc->n - 1;
				p++;
				continue;
			case 'i':
				r = dec_int(p + 1, end, &n->i);
				if(r < 0)
					return r;
				n->type = RNG_BINT;
				p += 1 + r;
				break;
			default: {
				uint64_t slen;
				r = dec_digits(p, end, ':', RNG_MAX_MSG, &slen);
				if(r < 0)
					return r == RNG_ERR_LIMIT ? RNG_ERR_TRUNC : r;
				p += r;
				if(slen > (uint64_t)(end - p))
					return RNG_ERR_TRUNC;
				n->type = RNG_BSTR;
				n->s = p;
				n->len = (size_t)slen;
				p += slen;
				break;
			}
		}
		n->next = doc->n;
	} while(depth > 0);

	if(consumed)
		*consumed = (size_t)(p - buf);
	return RNG_OK;
}

const rng_bnode *rng_bchild(const rng_bdoc *doc, const rng_bnode *n)
{
	(void)doc;
	if(n == NULL || (n->type != RNG_BDICT && n->type != RNG_BLIST)
			|| n->count == 0)
		return NULL;
	return n + 1;
}

const rng_bnode *rng_bnext(
		const rng_bdoc *doc, const rng_bnode *parent, const rng_bnode *child)
{
	if(parent == NULL || child == NULL || child->next >= parent->next
			|| child->next >= doc->n)
		return NULL;
	return &doc->nodes[child->next];
}

int rng_bstr_eq(const rng_bnode *n, const char *s)
{
	size_t l = strlen(s);
	return n != NULL && n->type == RNG_BSTR && n->len == l
		   && (l == 0 || memcmp(n->s, s, l) == 0);
}

const rng_bnode *rng_bdict_get(
		const rng_bdoc *doc, const rng_bnode *dict, const char *key)
{
	const rng_bnode *k, *v;

	if(dict == NULL || dict->type != RNG_BDICT)
		return NULL;
	for(k = rng_bchild(doc, dict); k; k = rng_bnext(doc, dict, v)) {
		v = rng_bnext(doc, dict, k);
		if(v == NULL)
			return NULL;
		if(rng_bstr_eq(k, key))
			return v;
	}
	return NULL;
}
