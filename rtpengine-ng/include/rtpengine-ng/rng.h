/*
 * rtpengine-ng: a small client library for rtpengine's ng control protocol.
 *
 * Three layers, each usable on its own:
 *   - bencode: an encoder writing into a caller buffer, and a zero-copy
 *     decoder writing nodes into a caller array (rng_bencode_*);
 *   - ng messages: reply parsing with typed access (rng_reply_*);
 *   - transport: a client holding a weighted set of rtpengine nodes over UDP,
 *     with retransmission, cookie matching and failover (rng_client_*).
 *
 * The library has no global state.  Memory comes from the allocator given to
 * rng_client_new(); the bencode and reply layers never allocate.  Every
 * function returning int returns RNG_OK (0) or a negative rng_status.
 */
#ifndef RTPENGINE_NG_RNG_H
#define RTPENGINE_NG_RNG_H

#include <stddef.h>
#include <stdint.h>

#if defined(__GNUC__)
#define RNG_API __attribute__((visibility("default")))
#else
#define RNG_API
#endif

#ifdef __cplusplus
extern "C"
{
#endif

	/** Status codes: RNG_OK is 0, errors are negative. */
	typedef enum rng_status
	{
		RNG_OK = 0,
		RNG_ERR_INVAL = -1,	   /**< bad argument */
		RNG_ERR_NOMEM = -2,	   /**< the allocator failed */
		RNG_ERR_PARSE = -3,	   /**< malformed input */
		RNG_ERR_LIMIT = -4,	   /**< a depth, item or size limit was hit */
		RNG_ERR_TRUNC = -5,	   /**< input ended too early */
		RNG_ERR_SPACE = -6,	   /**< output buffer too small */
		RNG_ERR_SOCKET = -7,   /**< a socket call failed */
		RNG_ERR_TIMEOUT = -8,  /**< no reply after all retransmissions */
		RNG_ERR_REFUSED = -9,  /**< the node's port is closed (ICMP) */
		RNG_ERR_NO_NODE = -10, /**< no node is usable for a new call */
		RNG_ERR_REPLY = -11,   /**< the reply lacks a valid result */
	} rng_status;

	/** A short, static, English description of a status code. */
	RNG_API const char *rng_strerror(int status);

/* ------------------------------------------------------------------ */
/* bencode                                                            */
/* ------------------------------------------------------------------ */

/** Largest nesting depth the decoder and encoder accept. */
#define RNG_BENCODE_MAX_DEPTH 32
/** Largest message either side of the library handles (one datagram). */
#define RNG_MAX_MSG 65535

	/**
 * Encoder.  Writes into a caller buffer; the first failure (no space,
 * unbalanced end, too deep) sticks in err, so a whole message can be built
 * and checked once with rng_bencode_finish().
 */
	typedef struct rng_benc
	{
		char *buf;
		size_t cap;
		size_t len;
		int err;
		unsigned depth;
	} rng_benc;

	RNG_API void rng_benc_init(rng_benc *e, char *buf, size_t cap);
	RNG_API void rng_benc_dict(rng_benc *e);
	RNG_API void rng_benc_list(rng_benc *e);
	RNG_API void rng_benc_end(rng_benc *e);
	RNG_API void rng_benc_str(rng_benc *e, const char *s, size_t len);
	RNG_API void rng_benc_cstr(rng_benc *e, const char *s);
	RNG_API void rng_benc_int(rng_benc *e, int64_t v);
	/** Dictionary entry helpers: key (NUL-terminated) followed by a value. */
	RNG_API void rng_benc_kv_str(
			rng_benc *e, const char *key, const char *s, size_t len);
	RNG_API void rng_benc_kv_cstr(rng_benc *e, const char *key, const char *s);
	RNG_API void rng_benc_kv_int(rng_benc *e, const char *key, int64_t v);
	/** RNG_OK when the message is complete and balanced, else the first error. */
	RNG_API int rng_benc_finish(const rng_benc *e);

	typedef enum rng_btype
	{
		RNG_BSTR = 1,
		RNG_BINT = 2,
		RNG_BLIST = 3,
		RNG_BDICT = 4,
	} rng_btype;

	/**
 * One decoded item.  Nodes are stored in pre-order: the first child of a
 * container is the node right after it, and `next` is the index of the node
 * after this item's whole subtree (the next sibling, if any).  A dictionary's
 * children alternate key, value.  Strings point into the decoded input,
 * which must outlive the nodes.
 */
	typedef struct rng_bnode
	{
		uint8_t type;	/**< rng_btype */
		uint32_t next;	/**< index after this subtree */
		uint32_t count; /**< children (a dict counts keys and values) */
		const char *s;	/**< RNG_BSTR: bytes (not NUL-terminated) */
		size_t len;		/**< RNG_BSTR: length */
		int64_t i;		/**< RNG_BINT: value */
	} rng_bnode;

	/** Caller-provided node storage for the decoder. */
	typedef struct rng_bdoc
	{
		rng_bnode *nodes;
		uint32_t cap; /**< capacity of nodes: the item limit */
		uint32_t n;	  /**< nodes used by the last decode */
	} rng_bdoc;

	/**
 * Decode exactly one bencoded item from buf[0..len).  On success nodes[0] is
 * the root and *consumed (if not NULL) the bytes used.  Never reads past
 * len, never recurses, never allocates.
 * Errors: RNG_ERR_INVAL, RNG_ERR_PARSE, RNG_ERR_TRUNC, RNG_ERR_LIMIT (depth
 * over RNG_BENCODE_MAX_DEPTH, more items than cap, len over RNG_MAX_MSG).
 */
	RNG_API int rng_bdecode(
			rng_bdoc *doc, const char *buf, size_t len, size_t *consumed);

	/** Value for a key (NUL-terminated) in a dictionary node, or NULL. */
	RNG_API const rng_bnode *rng_bdict_get(
			const rng_bdoc *doc, const rng_bnode *dict, const char *key);
	/** First child of a container, or NULL when it is empty. */
	RNG_API const rng_bnode *rng_bchild(
			const rng_bdoc *doc, const rng_bnode *n);
	/** Next sibling of a child of parent, or NULL after the last one. */
	RNG_API const rng_bnode *rng_bnext(const rng_bdoc *doc,
			const rng_bnode *parent, const rng_bnode *child);
	/** 1 when n is a string equal to the NUL-terminated s, else 0. */
	RNG_API int rng_bstr_eq(const rng_bnode *n, const char *s);

	/* ------------------------------------------------------------------ */
	/* ng replies                                                         */
	/* ------------------------------------------------------------------ */

	typedef enum rng_result
	{
		RNG_RESULT_OK = 1,
		RNG_RESULT_PONG = 2,
		RNG_RESULT_ERROR = 3,
		RNG_RESULT_LOAD_LIMIT = 4,
		RNG_RESULT_OTHER = 5,
	} rng_result;

	/** A string slice into a message buffer; s is NULL when absent. */
	typedef struct rng_slice
	{
		const char *s;
		size_t len;
	} rng_slice;

	/** A parsed reply.  All slices point into the datagram given to the parser. */
	typedef struct rng_reply
	{
		rng_bdoc doc; /**< caller sets nodes and cap before parsing */
		const rng_bnode *root;
		rng_slice cookie;
		rng_result result;
		rng_slice result_str;
		rng_slice error_reason;
		rng_slice warning;
		rng_slice sdp;
	} rng_reply;

	/**
 * Parse a datagram "<cookie> <bencoded dict>".  The dictionary must carry a
 * string `result`.  Errors: RNG_ERR_PARSE (no cookie, not a dict, trailing
 * bytes), RNG_ERR_REPLY (no or non-string result), and the decoder's errors.
 */
	RNG_API int rng_reply_parse(rng_reply *r, const char *buf, size_t len);
	/** Any other key of the reply's dictionary, or NULL. */
	RNG_API const rng_bnode *rng_reply_get(const rng_reply *r, const char *key);

	/* ------------------------------------------------------------------ */
	/* client: node set and UDP transport                                 */
	/* ------------------------------------------------------------------ */

	/** Memory for a client handle; ctx is passed back on every call. */
	typedef struct rng_allocator
	{
		void *(*alloc)(void *ctx, size_t size);
		void (*free)(void *ctx, void *ptr);
		void *ctx;
	} rng_allocator;

	typedef struct rng_conf
	{
		unsigned timeout_ms; /**< wait per try (default 1000) */
		unsigned retries;	 /**< retransmissions after the first try (2) */
		unsigned
				recheck_ms; /**< a down node is pinged again after this (10000) */
		unsigned max_items; /**< reply decoder item limit (4096) */
	} rng_conf;

	/** Per-node counters and state, for monitoring. */
	typedef struct rng_node_info
	{
		const char *uri; /**< as given to rng_client_add_node */
		unsigned weight;
		int up;		 /**< 0 after a timeout until a ping succeeds */
		int enabled; /**< 0 when an operator disabled it */
		uint64_t requests, timeouts, errors, foreign, failovers;
	} rng_node_info;

	typedef struct rng_client rng_client;

	/** Fill conf with the defaults. */
	RNG_API void rng_conf_default(rng_conf *conf);

	/**
 * A new client with no node.  alloc NULL means malloc/free.  The cookie
 * prefix is random per handle and per process, so cookies stay unique
 * across forked workers and restarts.  Returns NULL when out of memory.
 */
	RNG_API rng_client *rng_client_new(
			const rng_allocator *alloc, const rng_conf *conf);
	/** Close sockets and free the handle; reply buffers are wiped first. */
	RNG_API void rng_client_free(rng_client *c);

	/**
 * Add a node "udp:HOST:PORT" (the "udp:" prefix is optional; HOST is an IPv4
 * or IPv6 literal, IPv6 in brackets).  weight 0 means 1.  Returns the node's
 * index (>= 0), RNG_ERR_INVAL for a bad URI, RNG_ERR_SOCKET or RNG_ERR_NOMEM.
 */
	RNG_API int rng_client_add_node(
			rng_client *c, const char *uri, unsigned weight);
	RNG_API unsigned rng_client_node_count(const rng_client *c);
	RNG_API int rng_client_node_info(
			const rng_client *c, unsigned node, rng_node_info *info);
	/** Operator switch: a disabled node takes no new call. */
	RNG_API int rng_client_node_enable(
			rng_client *c, unsigned node, int enabled);

	/**
 * The node for a new call with this key (normally the Call-ID): weighted
 * rendezvous hashing over the enabled nodes that are up, so a key keeps its
 * node while the set is healthy.  A down node whose recheck time has passed
 * is pinged first (lazy recheck).  Returns the index or RNG_ERR_NO_NODE.
 */
	RNG_API int rng_client_pick(rng_client *c, const char *key, size_t len);

	/**
 * Send one command (a complete bencoded dictionary) to a node and wait for
 * its reply.  A try that times out is retransmitted with the same cookie;
 * datagrams with another cookie are discarded.  When every try fails the
 * node is marked down and RNG_ERR_TIMEOUT / RNG_ERR_REFUSED is returned:
 * the command is never moved to another node.  On success reply is parsed
 * into storage owned by the client, valid until its next request.
 */
	RNG_API int rng_client_request(rng_client *c, unsigned node,
			const char *body, size_t len, const rng_reply **reply);

	/**
 * A command that starts a new call: pick a node for key, send, and if that
 * node fails, mark it down and try the next best node, until one answers or
 * none is left.  *node receives the node that answered.
 */
	RNG_API int rng_client_request_new(rng_client *c, const char *key,
			size_t keylen, const char *body, size_t len,
			const rng_reply **reply, unsigned *node);

	/** Send a ping to a node; RNG_OK when it answered pong (marks it up). */
	RNG_API int rng_client_ping(rng_client *c, unsigned node);
	/** Ping every down node whose recheck time has passed (for a timer). */
	RNG_API void rng_client_recheck(rng_client *c);

#ifdef __cplusplus
}
#endif

#endif
