/*
 * libFuzzer harness for ng reply parsing: rng_reply_parse, then a walk of
 * every node with rng_bchild / rng_bnext, a lookup of every dictionary key
 * with rng_bdict_get, and checks that every slice lies in the datagram.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtpengine-ng/rng.h"

#define CAP 4096
#define SMALL_CAP 16

static rng_bnode nodes[CAP];
static rng_bnode small_nodes[SMALL_CAP];
static rng_bnode body_nodes[CAP];
static unsigned char seen[CAP];

#define CHECK(x)              \
	do {                      \
		if(!(x))              \
			__builtin_trap(); \
	} while(0)

static const char *in_buf;
static size_t in_len;
static volatile unsigned sink;

static void check_bytes(const char *s, size_t len)
{
	size_t i;
	CHECK(s >= in_buf && len <= in_len && (size_t)(s - in_buf) <= in_len - len);
	for(i = 0; i < len; i++) /* touch them: ASan checks the range too */
		sink += (unsigned char)s[i];
}

static void check_slice(rng_slice s, const rng_bnode *n)
{
	if(n == NULL || n->type != RNG_BSTR) {
		CHECK(s.s == NULL && s.len == 0);
		return;
	}
	CHECK(s.s == n->s && s.len == n->len);
	check_bytes(s.s, s.len);
}

/* The first value for key k (a string node) in dict, by hand. */
static const rng_bnode *first_value(
		const rng_bdoc *d, const rng_bnode *dict, const rng_bnode *k)
{
	const rng_bnode *c, *v;
	for(c = rng_bchild(d, dict); c; c = rng_bnext(d, dict, v)) {
		v = rng_bnext(d, dict, c);
		CHECK(v != NULL);
		if(c->len == k->len && (k->len == 0 || memcmp(c->s, k->s, k->len) == 0))
			return v;
	}
	CHECK(0);
	return NULL;
}

static unsigned walk(const rng_bdoc *d, const rng_bnode *n, unsigned depth)
{
	uint32_t idx = (uint32_t)(n - d->nodes);
	const rng_bnode *c;
	unsigned visited = 1, count = 0;

	CHECK(idx < d->n && !seen[idx]);
	seen[idx] = 1;
	CHECK(depth <= RNG_BENCODE_MAX_DEPTH);
	switch(n->type) {
		case RNG_BSTR:
			check_bytes(n->s, n->len);
			return 1;
		case RNG_BINT:
			return 1;
		case RNG_BLIST:
		case RNG_BDICT:
			break;
		default:
			CHECK(0);
	}
	for(c = rng_bchild(d, n); c; c = rng_bnext(d, n, c)) {
		if(n->type == RNG_BDICT && (count & 1) == 0) {
			const rng_bnode *v;
			CHECK(c->type == RNG_BSTR);
			v = rng_bnext(d, n, c);
			CHECK(v != NULL);
			/* lookup by a NUL-terminated copy of the key */
			if(c->len < 256 && memchr(c->s, '\0', c->len) == NULL) {
				char key[256];
				memcpy(key, c->s, c->len);
				key[c->len] = '\0';
				CHECK(rng_bdict_get(d, n, key) == first_value(d, n, c));
			}
		}
		visited += walk(d, c, depth + 1);
		count++;
	}
	CHECK(count == n->count);
	return visited;
}

static rng_result expect_result(rng_slice s)
{
	if(s.len == 2 && memcmp(s.s, "ok", 2) == 0)
		return RNG_RESULT_OK;
	if(s.len == 4 && memcmp(s.s, "pong", 4) == 0)
		return RNG_RESULT_PONG;
	if(s.len == 5 && memcmp(s.s, "error", 5) == 0)
		return RNG_RESULT_ERROR;
	if(s.len == 10 && memcmp(s.s, "load limit", 10) == 0)
		return RNG_RESULT_LOAD_LIMIT;
	return RNG_RESULT_OTHER;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const keys[] = {"result", "error-reason", "warning",
			"sdp", "call-id", "tags", "totals", "", "created"};
	const char *buf = (const char *)data;
	rng_reply r, rs;
	int ret, ret_small;
	size_t i;

	in_buf = buf;
	in_len = size;
	memset(&r, 0, sizeof(r));
	r.doc.nodes = nodes;
	r.doc.cap = CAP;
	ret = rng_reply_parse(&r, buf, size);

	memset(&rs, 0, sizeof(rs));
	rs.doc.nodes = small_nodes;
	rs.doc.cap = SMALL_CAP;
	ret_small = rng_reply_parse(&rs, buf, size);
	if(ret_small == RNG_OK)
		CHECK(ret == RNG_OK && rs.result == r.result && rs.doc.n == r.doc.n);
	else if(ret_small != RNG_ERR_LIMIT)
		CHECK(ret == ret_small);

	if(ret != RNG_OK) {
		CHECK(ret == RNG_ERR_PARSE || ret == RNG_ERR_TRUNC
				|| ret == RNG_ERR_LIMIT || ret == RNG_ERR_REPLY);
		if(ret != RNG_ERR_REPLY) {
			CHECK(r.root == NULL);
			CHECK(rng_reply_get(&r, "result") == NULL);
		}
		CHECK(r.result_str.s == NULL && r.sdp.s == NULL);
		return 0;
	}

	/* the framing */
	CHECK(r.root == &r.doc.nodes[0] && r.root->type == RNG_BDICT);
	CHECK(r.cookie.s == buf && r.cookie.len > 0 && r.cookie.len < size);
	CHECK(memchr(r.cookie.s, ' ', r.cookie.len) == NULL);
	CHECK(buf[r.cookie.len] == ' ');
	CHECK(r.root->next == r.doc.n);
	/* the dictionary is the whole rest of the datagram */
	{
		rng_bdoc body = {body_nodes, CAP, 0};
		size_t blen = size - r.cookie.len - 1, used = 0;
		CHECK(rng_bdecode(&body, buf + r.cookie.len + 1, blen, &used)
				== RNG_OK);
		CHECK(used == blen && body.n == r.doc.n);
	}

	/* the typed fields */
	CHECK(r.result_str.s != NULL);
	check_slice(r.result_str, rng_reply_get(&r, "result"));
	CHECK(r.result == expect_result(r.result_str));
	check_slice(r.error_reason, rng_reply_get(&r, "error-reason"));
	check_slice(r.warning, rng_reply_get(&r, "warning"));
	check_slice(r.sdp, rng_reply_get(&r, "sdp"));
	for(i = 0; i < sizeof(keys) / sizeof(keys[0]); i++) {
		const rng_bnode *v = rng_reply_get(&r, keys[i]);
		if(v != NULL)
			CHECK(v > r.root && v < r.doc.nodes + r.doc.n);
	}

	/* every node exactly once */
	memset(seen, 0, r.doc.n);
	CHECK(walk(&r.doc, r.root, 0) == r.doc.n);
	return 0;
}
