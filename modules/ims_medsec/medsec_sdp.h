/*
 * ims_medsec: SDP media walk and writer.
 *
 * Pure: parses bytes into line and media tables the caller provides, never
 * allocates, never touches Kamailio state.  Lines keep pointing into the
 * parsed body; a rewrite writes a new body into a caller buffer.
 */
#ifndef MEDSEC_SDP_H
#define MEDSEC_SDP_H

#include <stddef.h>

#define MEDSEC_SDP_MAX_LEN 32768
#define MEDSEC_SDP_MAX_LINES 512
#define MEDSEC_SDP_MAX_MEDIA 16

typedef enum medsec_sdp_err
{
	MEDSEC_SDP_OK = 0,
	MEDSEC_SDP_SYNTAX = -1,			/* no v= line first, or a line is not
							 * "<letter>=<text>", or no m= port */
	MEDSEC_SDP_TOO_BIG = -2,		/* over MEDSEC_SDP_MAX_LEN or MAX_LINES */
	MEDSEC_SDP_TOO_MANY_MEDIA = -3, /* over MEDSEC_SDP_MAX_MEDIA m-lines */
} medsec_sdp_err_t;

typedef struct medsec_slice
{
	const char *s;
	size_t len;
} medsec_slice_t;

typedef struct medsec_sdp_line
{
	const char *s; /* the whole line, without its line ending */
	size_t len;
	char type;	 /* the letter before '=' */
	short media; /* -1 at session level, else the media index */
} medsec_sdp_line_t;

typedef struct medsec_sdp_media
{
	int mline;			  /* index of the m= line */
	int end;			  /* index after the last line of the section */
	medsec_slice_t type;  /* audio, video, ... */
	medsec_slice_t port;  /* port text, maybe "port/count" */
	medsec_slice_t proto; /* RTP/AVP, RTP/SAVP, ... */
	medsec_slice_t fmts;  /* the rest of the m= line */
	unsigned long port_num;
} medsec_sdp_media_t;

typedef struct medsec_sdp
{
	medsec_sdp_line_t lines[MEDSEC_SDP_MAX_LINES];
	int nlines;
	medsec_sdp_media_t media[MEDSEC_SDP_MAX_MEDIA];
	int nmedia;
	const char *eol; /* "\r\n" or "\n", as the body uses */
} medsec_sdp_t;

/* Parse a body.  Lines may end with CRLF or LF; a last line without one is
 * accepted; empty lines are skipped. */
medsec_sdp_err_t medsec_sdp_parse(const char *s, size_t len, medsec_sdp_t *sdp);

/* 1 when the line is "a=<name>" or "a=<name>:<value>" (name compared
 * exactly, as SDP attribute names are case-sensitive); the value (after the
 * colon, possibly empty) goes to val when not NULL. */
int medsec_sdp_attr(
		const medsec_sdp_line_t *l, const char *name, medsec_slice_t *val);

/* 1 when the media's protocol is one of the SRTP profiles (RTP/SAVP,
 * RTP/SAVPF, UDP/TLS/RTP/SAVP, UDP/TLS/RTP/SAVPF). */
int medsec_sdp_is_srtp(const medsec_sdp_media_t *m);
/* 1 when the media's protocol is RTP/AVP or RTP/AVPF. */
int medsec_sdp_is_rtp(const medsec_sdp_media_t *m);

/* A writer with a sticky error: build a body, check err once. */
typedef struct medsec_sdpw
{
	char *buf;
	size_t cap;
	size_t len;
	int err;
	const char *eol;
} medsec_sdpw_t;

void medsec_sdpw_init(medsec_sdpw_t *w, char *buf, size_t cap, const char *eol);
/* Append bytes (no line ending). */
void medsec_sdpw_raw(medsec_sdpw_t *w, const char *s, size_t len);
void medsec_sdpw_cstr(medsec_sdpw_t *w, const char *s);
void medsec_sdpw_uint(medsec_sdpw_t *w, unsigned long v);
/* End the current line. */
void medsec_sdpw_eol(medsec_sdpw_t *w);
/* Append a parsed line and its line ending. */
void medsec_sdpw_line(medsec_sdpw_t *w, const medsec_sdp_line_t *l);

#endif
