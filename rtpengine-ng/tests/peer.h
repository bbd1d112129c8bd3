/*
 * A tiny in-process rtpengine stand-in for the unit tests: one pthread with
 * a UDP socket bound to 127.0.0.1:0 that answers ng requests as told by a
 * script, and records what it saw.  Header-only; every function is static.
 *
 *   test_peer p;
 *   peer_start(&p);                  // default: answer "d6:result2:oke"
 *   p's port: p.port, URI: peer_uri(&p, buf, sizeof(buf))
 *   peer_script s = PEER_SCRIPT_DEFAULT; s.drop_first = 1; peer_set(&p, &s);
 *   ... peer_count(&p), peer_cookie(&p, i, out, sizeof(out)) ...
 *   peer_stop(&p);                   // closes the port: a dead node
 *
 * A request is "<cookie> <body>"; the answer is "<cookie> <reply>", where
 * reply is the script's canned bencoded dictionary, or a pong when the body
 * is a ping (unless pong is 0).
 */
#ifndef RNG_TEST_PEER_H
#define RNG_TEST_PEER_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#define PEER_MAX_COOKIES 4096
#define PEER_COOKIE_MAX 64

typedef struct peer_script
{
	const char *reply;	 /* body answered after "<cookie> " */
	size_t reply_len;	 /* 0: strlen(reply) */
	unsigned drop_first; /* ignore the first N requests (counted from now) */
	unsigned late_first; /* delay the first N answers by late_ms */
	unsigned late_ms;
	/* precede every answer with one for another cookie: 1 "foreign_cookie_1",
	 * 2 the request's cookie with a "0" appended (same prefix) */
	int foreign_first;
	int mute; /* answer nothing at all */
	int pong; /* answer a ping with "d6:result4:ponge" */
} peer_script;

#define PEER_SCRIPT_DEFAULT                   \
	{                                         \
		"d6:result2:oke", 0, 0, 0, 0, 0, 0, 1 \
	}

typedef struct test_peer
{
	int fd;
	unsigned short port;
	pthread_t thr;
	int running;
	int stop; /* set with __atomic_store_n */
	pthread_mutex_t mu;
	peer_script script;
	unsigned seen_at_set; /* datagrams seen when the script was set */
	unsigned answered_since_set;
	/* records */
	unsigned ndgrams;  /* every datagram received */
	unsigned nanswers; /* answers sent with the request's cookie */
	unsigned npings;
	unsigned ncookies;
	char cookies[PEER_MAX_COOKIES][PEER_COOKIE_MAX];
	char last_body[2048];
	size_t last_body_len;
} test_peer;

static void peer_sleep_ms(unsigned ms)
{
	struct timespec ts;
	ts.tv_sec = ms / 1000;
	ts.tv_nsec = (long)(ms % 1000) * 1000000L;
	while(nanosleep(&ts, &ts) < 0 && errno == EINTR)
		;
}

static void peer_send(test_peer *p, const struct sockaddr_in *to,
		const char *cookie, size_t clen, const char *body, size_t blen)
{
	char out[70000]; /* on the peer thread's stack */
	if(clen + 1 + blen > sizeof(out))
		return;
	memcpy(out, cookie, clen);
	out[clen] = ' ';
	memcpy(out + clen + 1, body, blen);
	(void)sendto(p->fd, out, clen + 1 + blen, 0, (const struct sockaddr *)to,
			sizeof(*to));
}

static void *peer_main(void *arg)
{
	test_peer *p = (test_peer *)arg;
	char in[70000];

	while(!__atomic_load_n(&p->stop, __ATOMIC_ACQUIRE)) {
		struct pollfd pfd = {p->fd, POLLIN, 0};
		struct sockaddr_in from;
		socklen_t flen = sizeof(from);
		ssize_t n;
		const char *sp, *body, *reply;
		size_t clen, blen, rlen;
		unsigned idx, late = 0;
		int is_ping, answer;
		peer_script s;

		if(poll(&pfd, 1, 10) <= 0)
			continue;
		n = recvfrom(p->fd, in, sizeof(in), 0, (struct sockaddr *)&from, &flen);
		if(n <= 0)
			continue;
		sp = memchr(in, ' ', (size_t)n);
		clen = sp ? (size_t)(sp - in) : (size_t)n;
		body = sp ? sp + 1 : in + n;
		blen = (size_t)n - (size_t)(body - in);
		is_ping = memmem(body, blen, "7:command4:ping", 15) != NULL;

		pthread_mutex_lock(&p->mu);
		s = p->script;
		idx = p->ndgrams - p->seen_at_set;
		p->ndgrams++;
		if(is_ping)
			p->npings++;
		if(p->ncookies < PEER_MAX_COOKIES) {
			size_t l = clen < PEER_COOKIE_MAX - 1 ? clen : PEER_COOKIE_MAX - 1;
			memcpy(p->cookies[p->ncookies], in, l);
			p->cookies[p->ncookies][l] = '\0';
			p->ncookies++;
		}
		p->last_body_len =
				blen < sizeof(p->last_body) ? blen : sizeof(p->last_body);
		memcpy(p->last_body, body, p->last_body_len);
		answer = !s.mute && idx >= s.drop_first;
		if(answer) {
			if(p->answered_since_set < s.late_first)
				late = s.late_ms;
			p->answered_since_set++;
		}
		pthread_mutex_unlock(&p->mu);

		if(!answer)
			continue;
		if(late)
			peer_sleep_ms(late);
		if(is_ping && s.pong) {
			reply = "d6:result4:ponge";
			rlen = strlen(reply);
		} else {
			reply = s.reply ? s.reply : "d6:result2:oke";
			rlen = s.reply && s.reply_len ? s.reply_len : strlen(reply);
		}
		if(s.foreign_first) {
			static const char fr[] =
					"d12:error-reason7:foreign6:result5:errore";
			char fc[PEER_COOKIE_MAX + 1];
			size_t fl = clen < PEER_COOKIE_MAX - 1 ? clen : PEER_COOKIE_MAX - 1;
			if(s.foreign_first == 2) {
				memcpy(fc, in, fl);
				fc[fl++] = '0';
			} else {
				memcpy(fc, "foreign_cookie_1", 16);
				fl = 16;
			}
			peer_send(p, &from, fc, fl, fr, sizeof(fr) - 1);
		}
		peer_send(p, &from, in, clen, reply, rlen);
		pthread_mutex_lock(&p->mu);
		p->nanswers++;
		pthread_mutex_unlock(&p->mu);
	}
	return NULL;
}

/* Replace the script; drop_first and late_first count from now on. */
static void peer_set(test_peer *p, const peer_script *s)
{
	pthread_mutex_lock(&p->mu);
	p->script = *s;
	p->seen_at_set = p->ndgrams;
	p->answered_since_set = 0;
	pthread_mutex_unlock(&p->mu);
}

/* Bind to 127.0.0.1 (port 0: any) and start answering.  0 or -1. */
static int peer_start_port(test_peer *p, unsigned short port)
{
	struct sockaddr_in a;
	socklen_t alen = sizeof(a);
	peer_script def = PEER_SCRIPT_DEFAULT;

	memset(p, 0, sizeof(*p));
	p->fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if(p->fd < 0)
		return -1;
	memset(&a, 0, sizeof(a));
	a.sin_family = AF_INET;
	a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	a.sin_port = htons(port);
	if(bind(p->fd, (struct sockaddr *)&a, sizeof(a)) < 0
			|| getsockname(p->fd, (struct sockaddr *)&a, &alen) < 0) {
		close(p->fd);
		p->fd = -1;
		return -1;
	}
	p->port = ntohs(a.sin_port);
	p->script = def;
	pthread_mutex_init(&p->mu, NULL);
	if(pthread_create(&p->thr, NULL, peer_main, p) != 0) {
		close(p->fd);
		p->fd = -1;
		return -1;
	}
	p->running = 1;
	return 0;
}

static int peer_start(test_peer *p)
{
	return peer_start_port(p, 0);
}

/* Stop the thread and close the socket: the port then refuses (ICMP). */
static void peer_stop(test_peer *p)
{
	if(!p->running)
		return;
	__atomic_store_n(&p->stop, 1, __ATOMIC_RELEASE);
	pthread_join(p->thr, NULL);
	close(p->fd);
	p->fd = -1;
	p->running = 0;
	pthread_mutex_destroy(&p->mu);
}

/* "udp:127.0.0.1:PORT" */
static const char *peer_uri(const test_peer *p, char *buf, size_t len)
{
	snprintf(buf, len, "udp:127.0.0.1:%u", (unsigned)p->port);
	return buf;
}

static unsigned peer_count(test_peer *p)
{
	unsigned n;
	pthread_mutex_lock(&p->mu);
	n = p->ndgrams;
	pthread_mutex_unlock(&p->mu);
	return n;
}

static unsigned peer_answers(test_peer *p)
{
	unsigned n;
	pthread_mutex_lock(&p->mu);
	n = p->nanswers;
	pthread_mutex_unlock(&p->mu);
	return n;
}

static unsigned peer_pings(test_peer *p)
{
	unsigned n;
	pthread_mutex_lock(&p->mu);
	n = p->npings;
	pthread_mutex_unlock(&p->mu);
	return n;
}

/* Copy the i-th cookie seen (in arrival order); 0, or -1 when none. */
static int peer_cookie(test_peer *p, unsigned i, char *out, size_t len)
{
	int r = -1;
	pthread_mutex_lock(&p->mu);
	if(i < p->ncookies) {
		snprintf(out, len, "%s", p->cookies[i]);
		r = 0;
	}
	pthread_mutex_unlock(&p->mu);
	return r;
}

/* Wait until the peer has seen n datagrams, up to ms; 0 when it has. */
static int peer_wait_count(test_peer *p, unsigned n, unsigned ms)
{
	unsigned waited = 0;
	while(peer_count(p) < n) {
		if(waited >= ms)
			return -1;
		peer_sleep_ms(2);
		waited += 2;
	}
	return 0;
}

#endif
