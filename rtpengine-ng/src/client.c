/*
 * The client handle: a weighted set of rtpengine nodes, unique cookies,
 * retransmission with the same cookie, node health and failover.
 */
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/random.h>

#include "rtpengine-ng/rng.h"
#include "internal.h"

#define RNG_MAX_NODES 64
#define RNG_URI_MAX 80
#define RNG_COOKIE_MAX 48
/* largest UDP payload over IPv4: cookie, space and body must fit */
#define RNG_UDP_MAX 65507

typedef struct rng_node
{
	char uri[RNG_URI_MAX];
	struct sockaddr_storage addr;
	socklen_t alen;
	int fd;
	unsigned weight;
	int up;
	int enabled;
	unsigned long long recheck_at;
	uint64_t requests, timeouts, errors, foreign, failovers;
} rng_node;

struct rng_client
{
	rng_allocator alloc;
	rng_conf conf;
	rng_node nodes[RNG_MAX_NODES];
	unsigned nnodes;
	/* cookie = prefix + counter; the prefix is random per process */
	pid_t pid;
	char prefix[24];
	uint64_t counter;
	char cookie[RNG_COOKIE_MAX];
	size_t cookie_len;
	rng_reply reply;
	char *rbuf; /* RNG_MAX_MSG + 1 bytes */
};

static void *default_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return malloc(size);
}

static void default_free(void *ctx, void *ptr)
{
	(void)ctx;
	free(ptr);
}

void rng_conf_default(rng_conf *conf)
{
	conf->timeout_ms = 1000;
	conf->retries = 2;
	conf->recheck_ms = 10000;
	conf->max_items = 4096;
}

/* Random bits for the cookie prefix: getrandom, else time and pid. */
static uint64_t random64(void)
{
	uint64_t v = 0;
	if(getrandom(&v, sizeof(v), GRND_NONBLOCK) != (ssize_t)sizeof(v))
		v = rng_now_ms() * 6364136223846793005ULL ^ ((uint64_t)getpid() << 32)
			^ (uint64_t)(uintptr_t)&v;
	return v;
}

static void new_prefix(rng_client *c)
{
	c->pid = getpid();
	snprintf(c->prefix, sizeof(c->prefix), "%012llx%x",
			(unsigned long long)(random64() & 0xffffffffffffULL),
			(unsigned)c->pid);
	c->counter = 0;
}

/* A forked copy of a handle gets sockets of its own: sharing the parent's
 * would let each process read (and drop as foreign) the other's replies. */
static void reopen_sockets(rng_client *c)
{
	unsigned i;

	for(i = 0; i < c->nnodes; i++) {
		rng_node *n = &c->nodes[i];
		if(n->fd >= 0)
			close(n->fd);
		n->fd = rng_udp_open(&n->addr, n->alen);
		if(n->fd < 0)
			n->fd = -1;
	}
}

static void next_cookie(rng_client *c)
{
	/* a forked copy of a handle must not reuse its parent's cookies */
	if(getpid() != c->pid) {
		new_prefix(c);
		reopen_sockets(c);
	}
	c->counter++;
	c->cookie_len = (size_t)snprintf(c->cookie, sizeof(c->cookie), "%s_%llx",
			c->prefix, (unsigned long long)c->counter);
}

rng_client *rng_client_new(const rng_allocator *alloc, const rng_conf *conf)
{
	rng_allocator a = {default_alloc, default_free, NULL};
	rng_client *c;

	if(alloc != NULL)
		a = *alloc;
	if(a.alloc == NULL || a.free == NULL)
		return NULL;
	c = a.alloc(a.ctx, sizeof(*c));
	if(c == NULL)
		return NULL;
	memset(c, 0, sizeof(*c));
	c->alloc = a;
	if(conf != NULL)
		c->conf = *conf;
	else
		rng_conf_default(&c->conf);
	if(c->conf.max_items == 0)
		c->conf.max_items = 4096;
	if(c->conf.timeout_ms == 0)
		c->conf.timeout_ms = 1000;
	c->rbuf = a.alloc(a.ctx, RNG_MAX_MSG + 1);
	c->reply.doc.nodes =
			a.alloc(a.ctx, sizeof(rng_bnode) * (size_t)c->conf.max_items);
	c->reply.doc.cap = c->conf.max_items;
	if(c->rbuf == NULL || c->reply.doc.nodes == NULL) {
		rng_client_free(c);
		return NULL;
	}
	new_prefix(c);
	return c;
}

void rng_client_free(rng_client *c)
{
	unsigned i;
	rng_allocator a;

	if(c == NULL)
		return;
	for(i = 0; i < c->nnodes; i++)
		if(c->nodes[i].fd >= 0)
			close(c->nodes[i].fd);
	a = c->alloc;
	/* replies carry SDES keys: wipe them before giving memory back */
	if(c->rbuf) {
		explicit_bzero(c->rbuf, RNG_MAX_MSG + 1);
		a.free(a.ctx, c->rbuf);
	}
	if(c->reply.doc.nodes) {
		explicit_bzero(c->reply.doc.nodes,
				sizeof(rng_bnode) * (size_t)c->reply.doc.cap);
		a.free(a.ctx, c->reply.doc.nodes);
	}
	a.free(a.ctx, c);
}

int rng_client_add_node(rng_client *c, const char *uri, unsigned weight)
{
	rng_node *n;
	int fd;

	if(c == NULL || uri == NULL || strlen(uri) >= RNG_URI_MAX)
		return RNG_ERR_INVAL;
	if(c->nnodes >= RNG_MAX_NODES)
		return RNG_ERR_LIMIT;
	n = &c->nodes[c->nnodes];
	memset(n, 0, sizeof(*n));
	if(rng_udp_parse_uri(uri, &n->addr, &n->alen) != RNG_OK)
		return RNG_ERR_INVAL;
	fd = rng_udp_open(&n->addr, n->alen);
	if(fd < 0)
		return fd;
	n->fd = fd;
	strcpy(n->uri, uri);
	n->weight = weight ? weight : 1;
	n->up = 1;
	n->enabled = 1;
	return (int)c->nnodes++;
}

unsigned rng_client_node_count(const rng_client *c)
{
	return c ? c->nnodes : 0;
}

int rng_client_node_info(const rng_client *c, unsigned node, rng_node_info *i)
{
	const rng_node *n;

	if(c == NULL || i == NULL || node >= c->nnodes)
		return RNG_ERR_INVAL;
	n = &c->nodes[node];
	i->uri = n->uri;
	i->weight = n->weight;
	i->up = n->up;
	i->enabled = n->enabled;
	i->requests = n->requests;
	i->timeouts = n->timeouts;
	i->errors = n->errors;
	i->foreign = n->foreign;
	i->failovers = n->failovers;
	return RNG_OK;
}

int rng_client_node_enable(rng_client *c, unsigned node, int enabled)
{
	if(c == NULL || node >= c->nnodes)
		return RNG_ERR_INVAL;
	c->nodes[node].enabled = enabled ? 1 : 0;
	return RNG_OK;
}

static void mark_down(rng_client *c, rng_node *n)
{
	n->up = 0;
	n->recheck_at = rng_now_ms() + c->conf.recheck_ms;
}

/* Send the current cookie + body to n and wait for the matching reply,
 * retransmitting the same datagram on timeout. */
static int transact(rng_client *c, rng_node *n, const char *body, size_t len,
		unsigned tries, unsigned timeout_ms)
{
	unsigned t;
	int r = RNG_ERR_TIMEOUT;

	n->requests++;
	for(t = 0; t < tries; t++) {
		unsigned long long deadline;
		r = rng_udp_send(n->fd, c->cookie, c->cookie_len, body, len);
		if(r != RNG_OK)
			continue;
		r = RNG_ERR_TIMEOUT;
		deadline = rng_now_ms() + timeout_ms;
		for(;;) {
			unsigned long long now = rng_now_ms();
			int got;
			if(now >= deadline)
				break;
			got = rng_udp_recv(
					n->fd, c->rbuf, RNG_MAX_MSG, (unsigned)(deadline - now));
			if(got == 0)
				break;
			if(got < 0) {
				r = got;
				break;
			}
			/* late replies to earlier commands, or foreign datagrams */
			if((size_t)got <= c->cookie_len
					|| memcmp(c->rbuf, c->cookie, c->cookie_len) != 0
					|| c->rbuf[c->cookie_len] != ' ') {
				n->foreign++;
				continue;
			}
			c->rbuf[got] = '\0';
			r = rng_reply_parse(&c->reply, c->rbuf, (size_t)got);
			if(r != RNG_OK) {
				n->errors++;
				return r;
			}
			return RNG_OK;
		}
		if(r == RNG_ERR_REFUSED) {
			/* ICMP unreachable: let the rest of the wait pass quietly */
			continue;
		}
	}
	if(r != RNG_ERR_REFUSED && r != RNG_ERR_SOCKET)
		r = RNG_ERR_TIMEOUT;
	n->timeouts++;
	mark_down(c, n);
	return r;
}

int rng_client_request(rng_client *c, unsigned node, const char *body,
		size_t len, const rng_reply **reply)
{
	int r;

	if(c == NULL || node >= c->nnodes || body == NULL || len == 0)
		return RNG_ERR_INVAL;
	next_cookie(c);
	/* too big for a datagram: the caller's error, not the node's, so
	 * neither mark it down nor let rng_client_request_new fail over */
	if(len > RNG_UDP_MAX - 1 - c->cookie_len)
		return RNG_ERR_LIMIT;
	r = transact(c, &c->nodes[node], body, len, c->conf.retries + 1,
			c->conf.timeout_ms);
	if(r == RNG_OK && reply)
		*reply = &c->reply;
	return r;
}

int rng_client_ping(rng_client *c, unsigned node)
{
	static const char ping[] = "d7:command4:pinge";
	int r;

	if(c == NULL || node >= c->nnodes)
		return RNG_ERR_INVAL;
	next_cookie(c);
	/* a single short try: pings must not stall a SIP worker for long */
	r = transact(
			c, &c->nodes[node], ping, sizeof(ping) - 1, 1, c->conf.timeout_ms);
	if(r == RNG_OK && c->reply.result == RNG_RESULT_PONG) {
		c->nodes[node].up = 1;
		return RNG_OK;
	}
	/* no answer, or not the answer of a healthy node: keep it down */
	mark_down(c, &c->nodes[node]);
	return r == RNG_OK ? RNG_ERR_REPLY : r;
}

void rng_client_recheck(rng_client *c)
{
	unsigned i;
	unsigned long long now = rng_now_ms();

	for(i = 0; c && i < c->nnodes; i++)
		if(c->nodes[i].enabled && !c->nodes[i].up
				&& now >= c->nodes[i].recheck_at)
			rng_client_ping(c, i);
}

/* 64-bit FNV-1a of the key, mixed with the node index. */
static uint64_t hrw_hash(const char *key, size_t len, unsigned node)
{
	uint64_t h =
			1469598103934665603ULL ^ ((uint64_t)node * 0x9e3779b97f4a7c15ULL);
	size_t i;

	for(i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	/* final avalanche (splitmix64) */
	h ^= h >> 30;
	h *= 0xbf58476d1ce4e5b9ULL;
	h ^= h >> 27;
	h *= 0x94d049bb133111ebULL;
	h ^= h >> 31;
	return h;
}

/* Best node for key among enabled nodes that are up and not in skip. */
static int pick_best(const rng_client *c, const char *key, size_t len,
		const unsigned char *skip)
{
	double best = 0.0;
	int best_i = RNG_ERR_NO_NODE;
	unsigned i;

	for(i = 0; i < c->nnodes; i++) {
		const rng_node *n = &c->nodes[i];
		double u, score;
		if(!n->enabled || !n->up || (skip && skip[i]))
			continue;
		/* weighted rendezvous hashing: score = -w / ln(u), u in (0,1) */
		u = ((double)(hrw_hash(key, len, i) >> 11) + 0.5) / 9007199254740992.0;
		score = -(double)n->weight / log(u);
		if(best_i < 0 || score > best) {
			best = score;
			best_i = (int)i;
		}
	}
	return best_i;
}

int rng_client_pick(rng_client *c, const char *key, size_t len)
{
	if(c == NULL || (key == NULL && len > 0))
		return RNG_ERR_INVAL;
	rng_client_recheck(c);
	return pick_best(c, key, len, NULL);
}

int rng_client_request_new(rng_client *c, const char *key, size_t keylen,
		const char *body, size_t len, const rng_reply **reply, unsigned *node)
{
	unsigned char tried[RNG_MAX_NODES];
	int i, r = RNG_ERR_NO_NODE;

	if(c == NULL || body == NULL || len == 0 || (key == NULL && keylen > 0))
		return RNG_ERR_INVAL;
	rng_client_recheck(c);
	memset(tried, 0, sizeof(tried));
	while((i = pick_best(c, key, keylen, tried)) >= 0) {
		tried[i] = 1;
		r = rng_client_request(c, (unsigned)i, body, len, reply);
		if(r == RNG_OK) {
			if(node)
				*node = (unsigned)i;
			return RNG_OK;
		}
		if(r != RNG_ERR_TIMEOUT && r != RNG_ERR_REFUSED && r != RNG_ERR_SOCKET)
			return r; /* the node answered, but not usefully */
		c->nodes[i].failovers++;
	}
	return r == RNG_ERR_NO_NODE ? r : RNG_ERR_NO_NODE;
}
