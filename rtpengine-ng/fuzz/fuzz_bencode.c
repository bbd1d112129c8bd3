/*
 * libFuzzer harness for the bencode decoder and encoder.
 *
 * Each input is decoded twice, with a small node cap and a large one, and
 * the two outcomes must agree.  A decoded tree must be well formed (every
 * `next` and `count` consistent with rng_bchild/rng_bnext, strings inside
 * the input), and re-encoding it with the encoder must give back exactly
 * the bytes consumed (the decoder accepts only canonical integers and
 * lengths) into a buffer of exactly that size, which decodes to the same
 * tree again.
 */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "rtpengine-ng/rng.h"

#define SMALL_CAP 8
#define BIG_CAP (RNG_MAX_MSG + 1) /* every item takes two bytes or more */

static rng_bnode small_nodes[SMALL_CAP];
static rng_bnode big_nodes[BIG_CAP];
static rng_bnode again_nodes[BIG_CAP];

#define CHECK(x)              \
	do {                      \
		if(!(x))              \
			__builtin_trap(); \
	} while(0)

static int is_decode_error(int r)
{
	return r == RNG_ERR_PARSE || r == RNG_ERR_TRUNC || r == RNG_ERR_LIMIT;
}

/* Structure of the subtree at index i; returns the index after it. */
static uint32_t check_node(const rng_bdoc *d, uint32_t i, const char *buf,
		size_t used, unsigned depth)
{
	const rng_bnode *n = &d->nodes[i], *c;
	uint32_t count = 0, at = i + 1;

	CHECK(i < d->n);
	CHECK(n->next > i && n->next <= d->n);
	CHECK(depth <= RNG_BENCODE_MAX_DEPTH);
	switch(n->type) {
		case RNG_BSTR:
			CHECK(n->next == i + 1);
			CHECK(n->s >= buf && n->len <= used
					&& (size_t)(n->s - buf) <= used - n->len);
			return n->next;
		case RNG_BINT:
			CHECK(n->next == i + 1);
			return n->next;
		case RNG_BLIST:
		case RNG_BDICT:
			break;
		default:
			CHECK(0);
	}
	CHECK(depth < RNG_BENCODE_MAX_DEPTH); /* containers nest 32 deep */
	if(n->count == 0)
		CHECK(rng_bchild(d, n) == NULL);
	for(c = rng_bchild(d, n); c; c = rng_bnext(d, n, c)) {
		uint32_t ci = (uint32_t)(c - d->nodes);
		CHECK(ci == at);
		if(n->type == RNG_BDICT && (count & 1) == 0)
			CHECK(c->type == RNG_BSTR); /* keys are strings */
		at = check_node(d, ci, buf, used, depth + 1);
		CHECK(at == c->next);
		count++;
	}
	CHECK(count == n->count);
	CHECK(at == n->next);
	if(n->type == RNG_BDICT)
		CHECK((count & 1) == 0);
	return n->next;
}

static void encode_node(rng_benc *e, const rng_bdoc *d, const rng_bnode *n)
{
	const rng_bnode *c;
	switch(n->type) {
		case RNG_BSTR:
			rng_benc_str(e, n->s, n->len);
			return;
		case RNG_BINT:
			rng_benc_int(e, n->i);
			return;
		case RNG_BLIST:
			rng_benc_list(e);
			break;
		default:
			rng_benc_dict(e);
			break;
	}
	for(c = rng_bchild(d, n); c; c = rng_bnext(d, n, c))
		encode_node(e, d, c);
	rng_benc_end(e);
}

static void same_tree(const rng_bdoc *a, const rng_bdoc *b)
{
	uint32_t i;
	CHECK(a->n == b->n);
	for(i = 0; i < a->n; i++) {
		const rng_bnode *x = &a->nodes[i], *y = &b->nodes[i];
		CHECK(x->type == y->type && x->next == y->next);
		if(x->type == RNG_BSTR)
			CHECK(x->len == y->len
					&& (x->len == 0 || memcmp(x->s, y->s, x->len) == 0));
		else if(x->type == RNG_BINT)
			CHECK(x->i == y->i);
		else
			CHECK(x->count == y->count);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *buf = (const char *)data;
	rng_bdoc small = {small_nodes, SMALL_CAP, 0};
	rng_bdoc big = {big_nodes, BIG_CAP, 0};
	rng_bdoc again = {again_nodes, BIG_CAP, 0};
	size_t used_small = 0, used_big = 0, used;
	int rs, rb, r;
	char *out;
	rng_benc e;

	rs = rng_bdecode(&small, buf, size, &used_small);
	rb = rng_bdecode(&big, buf, size, &used_big);
	CHECK(rs == RNG_OK || is_decode_error(rs));
	CHECK(rb == RNG_OK || is_decode_error(rb));

	/* the cap changes nothing but the item limit */
	if(rs == RNG_OK) {
		CHECK(rb == RNG_OK);
		CHECK(used_small == used_big);
		CHECK(small.n == big.n && small.n <= SMALL_CAP);
		same_tree(&small, &big);
	} else if(rs != RNG_ERR_LIMIT) {
		CHECK(rb == rs);
	}
	if(rb != RNG_OK) {
		if(size == 0)
			CHECK(rb == RNG_ERR_TRUNC);
		return 0;
	}
	if(big.n > SMALL_CAP)
		CHECK(rs == RNG_ERR_LIMIT);
	else
		CHECK(rs == RNG_OK);

	CHECK(used_big > 0 && used_big <= size && size <= RNG_MAX_MSG);
	CHECK(big.n > 0 && big.n <= big.cap);
	CHECK(check_node(&big, 0, buf, used_big, 0) == big.n);

	/* the consumed prefix alone decodes the same */
	r = rng_bdecode(&again, buf, used_big, &used);
	CHECK(r == RNG_OK && used == used_big);
	same_tree(&big, &again);

	/* re-encode into exactly used_big bytes: canonical, so identical */
	out = malloc(used_big);
	CHECK(out != NULL);
	rng_benc_init(&e, out, used_big);
	encode_node(&e, &big, &big.nodes[0]);
	CHECK(rng_benc_finish(&e) == RNG_OK);
	CHECK(e.len == used_big);
	CHECK(memcmp(out, buf, used_big) == 0);
	r = rng_bdecode(&again, out, e.len, &used);
	CHECK(r == RNG_OK && used == e.len);
	same_tree(&big, &again);
	/* one byte less does not fit */
	if(used_big > 1) {
		rng_benc_init(&e, out, used_big - 1);
		encode_node(&e, &big, &big.nodes[0]);
		CHECK(rng_benc_finish(&e) == RNG_ERR_SPACE);
		CHECK(e.len <= used_big - 1);
	}
	free(out);
	return 0;
}
