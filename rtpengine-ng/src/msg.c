/*
 * ng reply parsing and status strings.  Pure: no allocation, no I/O.
 */
#include <string.h>

#include "rtpengine-ng/rng.h"

const char *rng_strerror(int status)
{
	switch(status) {
		case RNG_OK:
			return "ok";
		case RNG_ERR_INVAL:
			return "invalid argument";
		case RNG_ERR_NOMEM:
			return "out of memory";
		case RNG_ERR_PARSE:
			return "malformed message";
		case RNG_ERR_LIMIT:
			return "message exceeds a limit";
		case RNG_ERR_TRUNC:
			return "truncated message";
		case RNG_ERR_SPACE:
			return "buffer too small";
		case RNG_ERR_SOCKET:
			return "socket error";
		case RNG_ERR_TIMEOUT:
			return "no reply from rtpengine";
		case RNG_ERR_REFUSED:
			return "rtpengine port unreachable";
		case RNG_ERR_NO_NODE:
			return "no rtpengine node available";
		case RNG_ERR_REPLY:
			return "reply without a valid result";
	}
	return "unknown error";
}

static rng_slice slice_of(const rng_bnode *n)
{
	rng_slice s = {NULL, 0};
	if(n != NULL && n->type == RNG_BSTR) {
		s.s = n->s;
		s.len = n->len;
	}
	return s;
}

static rng_result result_code(rng_slice s)
{
	static const struct
	{
		const char *name;
		rng_result code;
	} map[] = {{"ok", RNG_RESULT_OK}, {"pong", RNG_RESULT_PONG},
			{"error", RNG_RESULT_ERROR}, {"load limit", RNG_RESULT_LOAD_LIMIT}};
	size_t i;

	for(i = 0; i < sizeof(map) / sizeof(map[0]); i++)
		if(strlen(map[i].name) == s.len && memcmp(map[i].name, s.s, s.len) == 0)
			return map[i].code;
	return RNG_RESULT_OTHER;
}

int rng_reply_parse(rng_reply *r, const char *buf, size_t len)
{
	const char *sp;
	size_t used;
	int ret;

	if(r == NULL || (buf == NULL && len > 0))
		return RNG_ERR_INVAL;
	r->root = NULL;
	r->cookie.s = r->result_str.s = r->error_reason.s = r->warning.s =
			r->sdp.s = NULL;
	r->cookie.len = r->result_str.len = r->error_reason.len = r->warning.len =
			r->sdp.len = 0;
	r->result = 0;
	if(len > RNG_MAX_MSG)
		return RNG_ERR_LIMIT;
	sp = len ? memchr(buf, ' ', len) : NULL;
	if(sp == NULL || sp == buf)
		return RNG_ERR_PARSE;
	ret = rng_bdecode(&r->doc, sp + 1, len - (size_t)(sp + 1 - buf), &used);
	if(ret != RNG_OK)
		return ret;
	if(used != len - (size_t)(sp + 1 - buf))
		return RNG_ERR_PARSE;
	if(r->doc.nodes[0].type != RNG_BDICT)
		return RNG_ERR_PARSE;
	r->root = &r->doc.nodes[0];
	r->cookie.s = buf;
	r->cookie.len = (size_t)(sp - buf);
	r->result_str = slice_of(rng_bdict_get(&r->doc, r->root, "result"));
	if(r->result_str.s == NULL)
		return RNG_ERR_REPLY;
	r->result = result_code(r->result_str);
	r->error_reason = slice_of(rng_bdict_get(&r->doc, r->root, "error-reason"));
	r->warning = slice_of(rng_bdict_get(&r->doc, r->root, "warning"));
	r->sdp = slice_of(rng_bdict_get(&r->doc, r->root, "sdp"));
	return RNG_OK;
}

const rng_bnode *rng_reply_get(const rng_reply *r, const char *key)
{
	if(r == NULL || r->root == NULL || key == NULL)
		return NULL;
	return rng_bdict_get(&r->doc, r->root, key);
}
