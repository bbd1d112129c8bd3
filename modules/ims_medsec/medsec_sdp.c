/*
 * ims_medsec: SDP media walk and writer.  Pure.
 */
#include <string.h>

#include "medsec_sdp.h"

static int is_space(char c)
{
	return c == ' ' || c == '\t';
}

/* Next space-separated field of [*p, end). */
static medsec_slice_t next_field(const char **p, const char *end)
{
	medsec_slice_t f;

	while(*p < end && is_space(**p))
		(*p)++;
	f.s = *p;
	while(*p < end && !is_space(**p))
		(*p)++;
	f.len = (size_t)(*p - f.s);
	return f;
}

static int parse_mline(medsec_sdp_media_t *m, const medsec_sdp_line_t *l)
{
	const char *p = l->s + 2, *end = l->s + l->len;
	size_t i;

	m->type = next_field(&p, end);
	m->port = next_field(&p, end);
	m->proto = next_field(&p, end);
	while(p < end && is_space(*p))
		p++;
	m->fmts.s = p;
	m->fmts.len = (size_t)(end - p);
	if(m->type.len == 0 || m->port.len == 0 || m->proto.len == 0)
		return MEDSEC_SDP_SYNTAX;
	m->port_num = 0;
	for(i = 0; i < m->port.len && m->port.s[i] != '/'; i++) {
		char c = m->port.s[i];
		if(c < '0' || c > '9')
			return MEDSEC_SDP_SYNTAX;
		m->port_num = m->port_num * 10 + (unsigned long)(c - '0');
		if(m->port_num > 65535)
			return MEDSEC_SDP_SYNTAX;
	}
	if(i == 0)
		return MEDSEC_SDP_SYNTAX;
	return MEDSEC_SDP_OK;
}

medsec_sdp_err_t medsec_sdp_parse(const char *s, size_t len, medsec_sdp_t *sdp)
{
	const char *p = s, *end = s + len;
	int crlf = -1;

	sdp->nlines = 0;
	sdp->nmedia = 0;
	sdp->eol = "\r\n";
	if(s == NULL || len > MEDSEC_SDP_MAX_LEN)
		return MEDSEC_SDP_TOO_BIG;
	while(p < end) {
		const char *nl = memchr(p, '\n', (size_t)(end - p));
		const char *le = nl ? nl : end;
		medsec_sdp_line_t *l;

		if(nl && crlf < 0)
			crlf = (le > p && le[-1] == '\r');
		if(le > p && le[-1] == '\r')
			le--;
		if(le == p) {
			p = nl ? nl + 1 : end;
			continue;
		}
		if(sdp->nlines >= MEDSEC_SDP_MAX_LINES)
			return MEDSEC_SDP_TOO_BIG;
		if(le - p < 2 || p[1] != '=' || p[0] < 'a' || p[0] > 'z')
			return MEDSEC_SDP_SYNTAX;
		/* a stray CR or a NUL inside a line is not SDP */
		if(memchr(p, '\r', (size_t)(le - p))
				|| memchr(p, '\0', (size_t)(le - p)))
			return MEDSEC_SDP_SYNTAX;
		l = &sdp->lines[sdp->nlines];
		l->s = p;
		l->len = (size_t)(le - p);
		l->type = p[0];
		if(l->type == 'm') {
			medsec_sdp_media_t *m;
			if(sdp->nmedia >= MEDSEC_SDP_MAX_MEDIA)
				return MEDSEC_SDP_TOO_MANY_MEDIA;
			if(sdp->nmedia > 0)
				sdp->media[sdp->nmedia - 1].end = sdp->nlines;
			m = &sdp->media[sdp->nmedia];
			m->mline = sdp->nlines;
			if(parse_mline(m, l) != MEDSEC_SDP_OK)
				return MEDSEC_SDP_SYNTAX;
			sdp->nmedia++;
		}
		l->media = (short)(sdp->nmedia - 1);
		sdp->nlines++;
		p = nl ? nl + 1 : end;
	}
	if(sdp->nmedia > 0)
		sdp->media[sdp->nmedia - 1].end = sdp->nlines;
	/* a session description starts with its version line (RFC 4566) */
	if(sdp->nlines == 0 || sdp->lines[0].type != 'v')
		return MEDSEC_SDP_SYNTAX;
	if(crlf == 0)
		sdp->eol = "\n";
	return MEDSEC_SDP_OK;
}

int medsec_sdp_attr(
		const medsec_sdp_line_t *l, const char *name, medsec_slice_t *val)
{
	size_t n = strlen(name);

	if(l->type != 'a' || l->len < 2 + n || memcmp(l->s + 2, name, n) != 0)
		return 0;
	if(l->len == 2 + n) {
		if(val) {
			val->s = l->s + l->len;
			val->len = 0;
		}
		return 1;
	}
	if(l->s[2 + n] != ':')
		return 0;
	if(val) {
		val->s = l->s + 3 + n;
		val->len = l->len - 3 - n;
	}
	return 1;
}

static int proto_is(const medsec_sdp_media_t *m, const char *p)
{
	size_t n = strlen(p);
	return m->proto.len == n && memcmp(m->proto.s, p, n) == 0;
}

int medsec_sdp_is_srtp(const medsec_sdp_media_t *m)
{
	return proto_is(m, "RTP/SAVP") || proto_is(m, "RTP/SAVPF")
		   || proto_is(m, "UDP/TLS/RTP/SAVP")
		   || proto_is(m, "UDP/TLS/RTP/SAVPF");
}

int medsec_sdp_is_rtp(const medsec_sdp_media_t *m)
{
	return proto_is(m, "RTP/AVP") || proto_is(m, "RTP/AVPF");
}

void medsec_sdpw_init(medsec_sdpw_t *w, char *buf, size_t cap, const char *eol)
{
	w->buf = buf;
	w->cap = cap;
	w->len = 0;
	w->err = 0;
	w->eol = eol;
}

void medsec_sdpw_raw(medsec_sdpw_t *w, const char *s, size_t len)
{
	if(w->err)
		return;
	if(len > w->cap - w->len) {
		w->err = 1;
		return;
	}
	memcpy(w->buf + w->len, s, len);
	w->len += len;
}

void medsec_sdpw_cstr(medsec_sdpw_t *w, const char *s)
{
	medsec_sdpw_raw(w, s, strlen(s));
}

void medsec_sdpw_uint(medsec_sdpw_t *w, unsigned long v)
{
	char tmp[24];
	size_t n = sizeof(tmp);

	do {
		tmp[--n] = (char)('0' + v % 10);
		v /= 10;
	} while(v);
	medsec_sdpw_raw(w, tmp + n, sizeof(tmp) - n);
}

void medsec_sdpw_eol(medsec_sdpw_t *w)
{
	medsec_sdpw_cstr(w, w->eol);
}

void medsec_sdpw_line(medsec_sdpw_t *w, const medsec_sdp_line_t *l)
{
	medsec_sdpw_raw(w, l->s, l->len);
	medsec_sdpw_eol(w);
}
