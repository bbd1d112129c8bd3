/*
 * The client handle against in-process UDP peers on 127.0.0.1: request and
 * reply, cookies, foreign and late replies, retransmission, timeouts, node
 * selection, failover, lazy recheck, URIs and the allocator.
 */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "rtpengine-ng/rng.h"
#include "peer.h"

#define NPEERS 3
static test_peer P[NPEERS];
static rng_client *C;

static const char BODY[] = "d7:command5:offer7:call-id3:abc8:from-tag2:ft"
						   "3:sdp4:v=0\ne";
#define BODYLEN (sizeof(BODY) - 1)

static int teardown(void **state)
{
	int i;
	(void)state;
	rng_client_free(C);
	C = NULL;
	for(i = 0; i < NPEERS; i++)
		peer_stop(&P[i]);
	return 0;
}

static unsigned long long now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ULL
		   + (unsigned long long)ts.tv_nsec / 1000000ULL;
}

static rng_client *client(
		unsigned timeout_ms, unsigned retries, unsigned recheck_ms)
{
	rng_conf conf;
	rng_client *c;
	rng_conf_default(&conf);
	conf.timeout_ms = timeout_ms;
	conf.retries = retries;
	conf.recheck_ms = recheck_ms;
	c = rng_client_new(NULL, &conf);
	assert_non_null(c);
	return c;
}

/* Start peer i and add it to C; returns the node index. */
static int add_peer(int i, unsigned weight)
{
	char uri[64];
	int n;
	assert_int_equal(peer_start(&P[i]), 0);
	n = rng_client_add_node(C, peer_uri(&P[i], uri, sizeof(uri)), weight);
	assert_true(n >= 0);
	return n;
}

static rng_node_info info(unsigned node)
{
	rng_node_info in;
	assert_int_equal(rng_client_node_info(C, node, &in), RNG_OK);
	return in;
}

static void script(int i, const peer_script *s)
{
	peer_set(&P[i], s);
}

static void mute(int i, int on)
{
	peer_script s = PEER_SCRIPT_DEFAULT;
	s.mute = on;
	script(i, &s);
}

static int slice_is(rng_slice s, const char *want)
{
	return s.s != NULL && s.len == strlen(want)
		   && memcmp(s.s, want, s.len) == 0;
}

/* A key whose first choice is node want (any of the first 10000 tried). */
static void key_for(unsigned want, char *key, size_t len)
{
	int i;
	for(i = 0; i < 10000; i++) {
		snprintf(key, len, "call-%d@example.org", i);
		if(rng_client_pick(C, key, strlen(key)) == (int)want)
			return;
	}
	fail_msg("no key picks node %u", want);
}

/* ---- request and reply ---- */

static void test_request_reply(void **state)
{
	static const char reply[] = "d3:sdp12:v=0\r\ns=-\r\n\r\n6:result2:ok"
								"7:warning5:hello5:extrai7ee";
	peer_script s = PEER_SCRIPT_DEFAULT;
	const rng_reply *r = NULL;
	char cookie[PEER_COOKIE_MAX];
	rng_node_info in;
	(void)state;

	C = client(200, 1, 10000);
	assert_int_equal(rng_client_node_count(C), 0);
	assert_int_equal(add_peer(0, 1), 0);
	assert_int_equal(rng_client_node_count(C), 1);
	s.reply = reply;
	script(0, &s);

	assert_int_equal(rng_client_request(C, 0, BODY, BODYLEN, &r), RNG_OK);
	assert_non_null(r);
	assert_int_equal(r->result, RNG_RESULT_OK);
	assert_true(slice_is(r->sdp, "v=0\r\ns=-\r\n\r\n"));
	assert_true(slice_is(r->warning, "hello"));
	assert_true(rng_reply_get(r, "extra")->i == 7);
	/* the peer saw exactly our body, with the cookie the reply echoes */
	assert_int_equal(peer_count(&P[0]), 1);
	assert_int_equal(P[0].last_body_len, BODYLEN);
	assert_memory_equal(P[0].last_body, BODY, BODYLEN);
	assert_int_equal(peer_cookie(&P[0], 0, cookie, sizeof(cookie)), 0);
	assert_true(slice_is(r->cookie, cookie));
	assert_null(memchr(cookie, ' ', strlen(cookie)));

	in = info(0);
	assert_int_equal(in.requests, 1);
	assert_int_equal(in.timeouts, 0);
	assert_int_equal(in.errors, 0);
	assert_int_equal(in.foreign, 0);
	assert_int_equal(in.up, 1);
	assert_int_equal(in.enabled, 1);
	assert_int_equal(in.weight, 1);

	/* reply pointer is optional */
	assert_int_equal(rng_client_request(C, 0, BODY, BODYLEN, NULL), RNG_OK);
	/* ping */
	assert_int_equal(rng_client_ping(C, 0), RNG_OK);
	assert_int_equal(peer_pings(&P[0]), 1);
	/* a ping answered with something other than pong */
	s.pong = 0;
	script(0, &s);
	assert_int_equal(rng_client_ping(C, 0), RNG_ERR_REPLY);
	/* not a healthy node: it stays out of new calls until a recheck */
	assert_int_equal(info(0).up, 0);
}

static void test_large_reply(void **state)
{
	static char reply[30000];
	peer_script s = PEER_SCRIPT_DEFAULT;
	const rng_reply *r;
	size_t n;
	(void)state;

	n = (size_t)sprintf(reply, "d6:result2:ok3:sdp%u:", 29000u);
	memset(reply + n, 'a', 29000);
	n += 29000;
	reply[n++] = 'e';
	C = client(200, 0, 10000);
	add_peer(0, 1);
	s.reply = reply;
	s.reply_len = n;
	script(0, &s);
	assert_int_equal(rng_client_request(C, 0, BODY, BODYLEN, &r), RNG_OK);
	assert_int_equal(r->sdp.len, 29000);
	assert_int_equal(r->sdp.s[28999], 'a');
}

/* A body too big for one datagram is the caller's problem: it must not mark
 * healthy nodes down, nor fail a new call over through every node. */
static void test_body_too_big(void **state)
{
	static char body[RNG_MAX_MSG];
	const rng_reply *r;
	unsigned node = 99;
	size_t n;
	int ret;
	(void)state;

	n = (size_t)sprintf(body, "d7:command5:offer3:sdp%u:", 65500u);
	memset(body + n, 'x', 65500);
	n += 65500;
	body[n++] = 'e';
	C = client(50, 1, 60000);
	add_peer(0, 1);
	add_peer(1, 1);
	ret = rng_client_request(C, 0, body, n, &r);
	assert_true(ret < 0);
	assert_int_not_equal(ret, RNG_ERR_TIMEOUT);
	assert_int_equal(info(0).up, 1);
	assert_int_equal(info(0).timeouts, 0);
	ret = rng_client_request_new(C, "k", 1, body, n, &r, &node);
	assert_true(ret < 0);
	assert_int_not_equal(ret, RNG_ERR_NO_NODE);
	assert_int_equal(info(0).up, 1);
	assert_int_equal(info(1).up, 1);
	assert_int_equal(info(0).failovers + info(1).failovers, 0);
	/* the largest body that fits still goes through */
	n = (size_t)sprintf(body, "d3:sdp%u:", 65400u);
	memset(body + n, 'y', 65400);
	n += 65400;
	body[n++] = 'e';
	assert_int_equal(rng_client_request(C, 0, body, n, &r), RNG_OK);
	assert_int_equal(P[0].last_body_len, sizeof(P[0].last_body));
}

static void test_bad_reply(void **state)
{
	peer_script s = PEER_SCRIPT_DEFAULT;
	const rng_reply *r = NULL;
	unsigned node = 99;
	(void)state;

	C = client(100, 1, 10000);
	add_peer(0, 1);
	s.reply = "garbage";
	script(0, &s);
	assert_int_equal(
			rng_client_request(C, 0, BODY, BODYLEN, &r), RNG_ERR_PARSE);
	assert_null(r);
	assert_int_equal(info(0).errors, 1);
	assert_int_equal(info(0).up, 1); /* it answered: not down */
	assert_int_equal(peer_count(&P[0]), 1);
	s.reply = "d3:foo3:bare";
	script(0, &s);
	assert_int_equal(
			rng_client_request(C, 0, BODY, BODYLEN, &r), RNG_ERR_REPLY);
	/* a node that answers badly is not failed over from */
	assert_int_equal(
			rng_client_request_new(C, "k", 1, BODY, BODYLEN, &r, &node),
			RNG_ERR_REPLY);
	assert_int_equal(info(0).failovers, 0);
}

static void test_bad_args(void **state)
{
	rng_node_info in;
	(void)state;

	C = client(100, 0, 10000);
	assert_int_equal(
			rng_client_request(NULL, 0, BODY, BODYLEN, NULL), RNG_ERR_INVAL);
	assert_int_equal(rng_client_request(C, 0, BODY, BODYLEN, NULL),
			RNG_ERR_INVAL); /* no node 0 */
	add_peer(0, 1);
	assert_int_equal(
			rng_client_request(C, 1, BODY, BODYLEN, NULL), RNG_ERR_INVAL);
	assert_int_equal(rng_client_request(C, 0, NULL, 5, NULL), RNG_ERR_INVAL);
	assert_int_equal(rng_client_request(C, 0, BODY, 0, NULL), RNG_ERR_INVAL);
	assert_int_equal(rng_client_ping(C, 1), RNG_ERR_INVAL);
	assert_int_equal(rng_client_ping(NULL, 0), RNG_ERR_INVAL);
	assert_int_equal(rng_client_node_info(C, 1, &in), RNG_ERR_INVAL);
	assert_int_equal(rng_client_node_info(C, 0, NULL), RNG_ERR_INVAL);
	assert_int_equal(rng_client_node_info(NULL, 0, &in), RNG_ERR_INVAL);
	assert_int_equal(rng_client_node_enable(C, 1, 1), RNG_ERR_INVAL);
	assert_int_equal(rng_client_node_enable(NULL, 0, 1), RNG_ERR_INVAL);
	assert_int_equal(rng_client_pick(NULL, "k", 1), RNG_ERR_INVAL);
	assert_int_equal(rng_client_pick(C, NULL, 1), RNG_ERR_INVAL);
	assert_int_equal(rng_client_pick(C, NULL, 0), 0);
	assert_int_equal(
			rng_client_request_new(NULL, "k", 1, BODY, BODYLEN, NULL, NULL),
			RNG_ERR_INVAL);
	assert_int_equal(rng_client_request_new(C, "k", 1, NULL, 3, NULL, NULL),
			RNG_ERR_INVAL);
	assert_int_equal(
			rng_client_request_new(C, NULL, 1, BODY, BODYLEN, NULL, NULL),
			RNG_ERR_INVAL);
	assert_int_equal(rng_client_node_count(NULL), 0);
	rng_client_recheck(NULL);
	rng_client_free(NULL);
	/* nothing reached the peer */
	assert_int_equal(peer_count(&P[0]), 0);
}

/* ---- cookies ---- */

static int cmpstr(const void *a, const void *b)
{
	return strcmp((const char *)a, (const char *)b);
}

static void test_cookies_unique(void **state)
{
	static char ck[2000][PEER_COOKIE_MAX];
	char a[PEER_COOKIE_MAX], b[PEER_COOKIE_MAX];
	rng_client *c2;
	char uri[64];
	int i;
	(void)state;

	C = client(500, 0, 10000);
	add_peer(0, 1);
	for(i = 0; i < 2000; i++) {
		const rng_reply *r;
		assert_int_equal(rng_client_request(C, 0, BODY, BODYLEN, &r), RNG_OK);
		assert_true(r->cookie.len > 0 && r->cookie.len < PEER_COOKIE_MAX);
	}
	assert_int_equal(P[0].ncookies, 2000);
	for(i = 0; i < 2000; i++)
		assert_int_equal(
				peer_cookie(&P[0], (unsigned)i, ck[i], PEER_COOKIE_MAX), 0);
	qsort(ck, 2000, PEER_COOKIE_MAX, cmpstr);
	for(i = 1; i < 2000; i++)
		if(strcmp(ck[i - 1], ck[i]) == 0)
			fail_msg("cookie %s used twice", ck[i]);

	/* two handles in one process start with different cookies */
	c2 = client(500, 0, 10000);
	assert_int_equal(
			rng_client_add_node(c2, peer_uri(&P[0], uri, sizeof(uri)), 1), 0);
	assert_int_equal(rng_client_request(c2, 0, BODY, BODYLEN, NULL), RNG_OK);
	assert_int_equal(peer_cookie(&P[0], 2000, a, sizeof(a)), 0);
	rng_client_free(c2);
	c2 = client(500, 0, 10000);
	assert_int_equal(rng_client_add_node(c2, uri, 1), 0);
	assert_int_equal(rng_client_request(c2, 0, BODY, BODYLEN, NULL), RNG_OK);
	assert_int_equal(peer_cookie(&P[0], 2001, b, sizeof(b)), 0);
	rng_client_free(c2);
	assert_string_not_equal(a, b);
}

static void test_cookies_fork(void **state)
{
	char a[PEER_COOKIE_MAX], b[PEER_COOKIE_MAX];
	const rng_reply *r;
	int status;
	pid_t pid;
	(void)state;

	C = client(500, 0, 10000);
	add_peer(0, 1);
	/* fork before the first request: both copies would start alike */
	pid = fork();
	assert_true(pid >= 0);
	if(pid == 0) {
		int ret = rng_client_request(C, 0, BODY, BODYLEN, &r);
		_exit(ret == RNG_OK ? 0 : 10 - ret);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	assert_int_equal(rng_client_request(C, 0, BODY, BODYLEN, &r), RNG_OK);
	assert_int_equal(peer_count(&P[0]), 2);
	assert_int_equal(peer_cookie(&P[0], 0, a, sizeof(a)), 0); /* child */
	assert_int_equal(peer_cookie(&P[0], 1, b, sizeof(b)), 0); /* parent */
	assert_true(slice_is(r->cookie, b));
	assert_string_not_equal(a, b);

	/* and after the parent has used some cookies */
	pid = fork();
	assert_true(pid >= 0);
	if(pid == 0) {
		int ret = rng_client_request(C, 0, BODY, BODYLEN, &r);
		_exit(ret == RNG_OK ? 0 : 10 - ret);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(rng_client_request(C, 0, BODY, BODYLEN, &r), RNG_OK);
	assert_int_equal(peer_cookie(&P[0], 2, a, sizeof(a)), 0);
	assert_int_equal(peer_cookie(&P[0], 3, b, sizeof(b)), 0);
	assert_string_not_equal(a, b);
}

/* A handle made before fork() and used by both processes at once: each must
 * get its own replies (the sockets are not shared after the fork). */
static void test_fork_concurrent(void **state)
{
	int status, i, fails = 0;
	pid_t pid;
	(void)state;

	C = client(100, 1, 10000);
	add_peer(0, 1);
	pid = fork();
	assert_true(pid >= 0);
	if(pid == 0) {
		int bad = 0;
		for(i = 0; i < 200; i++)
			if(rng_client_request(C, 0, BODY, BODYLEN, NULL) != RNG_OK)
				bad++;
		bad += (int)info(0).foreign;
		_exit(bad > 100 ? 100 : bad);
	}
	for(i = 0; i < 200; i++)
		if(rng_client_request(C, 0, BODY, BODYLEN, NULL) != RNG_OK)
			fails++;
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0); /* child: no failure, no theft */
	assert_int_equal(fails, 0);
	assert_int_equal(info(0).foreign, 0);
	assert_int_equal(info(0).timeouts, 0);
	assert_int_equal(peer_count(&P[0]), 400);
}

/* ---- foreign and late replies ---- */

static void test_foreign_cookie(void **state)
{
	peer_script s = PEER_SCRIPT_DEFAULT;
	char cookie[PEER_COOKIE_MAX];
	const rng_reply *r;
	(void)state;

	C = client(300, 0, 10000);
	add_peer(0, 1);
	s.foreign_first = 1;
	script(0, &s);
	assert_int_equal(rng_client_request(C, 0, BODY, BODYLEN, &r), RNG_OK);
	assert_int_equal(peer_cookie(&P[0], 0, cookie, sizeof(cookie)), 0);
	assert_true(slice_is(r->cookie, cookie));
	assert_int_equal(info(0).foreign, 1);
	assert_int_equal(info(0).errors, 0);
	assert_int_equal(rng_client_request(C, 0, BODY, BODYLEN, &r), RNG_OK);
	assert_int_equal(r->result, RNG_RESULT_OK);
	assert_int_equal(info(0).foreign, 2);
	assert_int_equal(peer_count(&P[0]), 2); /* no retransmission needed */

	/* our cookie plus one more character: same prefix, still foreign */
	s.foreign_first = 2;
	script(0, &s);
	assert_int_equal(rng_client_request(C, 0, BODY, BODYLEN, &r), RNG_OK);
	assert_int_equal(r->result, RNG_RESULT_OK);
	assert_null(r->error_reason.s);
	assert_int_equal(peer_cookie(&P[0], 2, cookie, sizeof(cookie)), 0);
	assert_true(slice_is(r->cookie, cookie));
	assert_int_equal(info(0).foreign, 3);
	assert_int_equal(info(0).errors, 0);
}

static void test_late_reply(void **state)
{
	peer_script s = PEER_SCRIPT_DEFAULT;
	char c0[PEER_COOKIE_MAX], c1[PEER_COOKIE_MAX];
	const rng_reply *r;
	(void)state;

	C = client(50, 0, 10000);
	add_peer(0, 1);
	s.late_first = 1;
	s.late_ms = 150;
	script(0, &s);
	assert_int_equal(
			rng_client_request(C, 0, BODY, BODYLEN, &r), RNG_ERR_TIMEOUT);
	assert_int_equal(info(0).up, 0);
	peer_sleep_ms(200); /* the late answer is now queued on our socket */
	assert_int_equal(peer_answers(&P[0]), 1);
	assert_int_equal(rng_client_request(C, 0, BODY, BODYLEN, &r), RNG_OK);
	assert_int_equal(peer_cookie(&P[0], 0, c0, sizeof(c0)), 0);
	assert_int_equal(peer_cookie(&P[0], 1, c1, sizeof(c1)), 0);
	assert_string_not_equal(c0, c1);
	assert_true(slice_is(r->cookie, c1));
	assert_int_equal(info(0).foreign, 1);
}

/* ---- retransmission and timeouts ---- */

static void test_retransmit_same_cookie(void **state)
{
	peer_script s = PEER_SCRIPT_DEFAULT;
	char c0[PEER_COOKIE_MAX], c1[PEER_COOKIE_MAX], c2[PEER_COOKIE_MAX];
	const rng_reply *r;
	(void)state;

	C = client(50, 2, 10000);
	add_peer(0, 1);
	s.drop_first = 1;
	script(0, &s);
	assert_int_equal(rng_client_request(C, 0, BODY, BODYLEN, &r), RNG_OK);
	assert_int_equal(peer_count(&P[0]), 2);
	assert_int_equal(peer_cookie(&P[0], 0, c0, sizeof(c0)), 0);
	assert_int_equal(peer_cookie(&P[0], 1, c1, sizeof(c1)), 0);
	assert_string_equal(c0, c1);
	assert_true(slice_is(r->cookie, c0));
	assert_int_equal(info(0).timeouts, 0);
	assert_int_equal(info(0).up, 1);
	assert_int_equal(info(0).requests, 1);

	/* two drops: the third try, still the same cookie */
	s.drop_first = 2;
	script(0, &s);
	assert_int_equal(rng_client_request(C, 0, BODY, BODYLEN, &r), RNG_OK);
	assert_int_equal(peer_count(&P[0]), 5);
	assert_int_equal(peer_cookie(&P[0], 2, c0, sizeof(c0)), 0);
	assert_int_equal(peer_cookie(&P[0], 3, c1, sizeof(c1)), 0);
	assert_int_equal(peer_cookie(&P[0], 4, c2, sizeof(c2)), 0);
	assert_string_equal(c0, c1);
	assert_string_equal(c1, c2);
	assert_true(slice_is(r->cookie, c0));
	/* a new command gets a new cookie */
	assert_int_equal(rng_client_request(C, 0, BODY, BODYLEN, &r), RNG_OK);
	assert_int_equal(peer_cookie(&P[0], 5, c1, sizeof(c1)), 0);
	assert_string_not_equal(c0, c1);
}

static void test_timeout_marks_down(void **state)
{
	char c0[PEER_COOKIE_MAX], c[PEER_COOKIE_MAX];
	unsigned long long t0, el;
	const rng_reply *r = NULL;
	rng_node_info in;
	unsigned i;
	(void)state;

	C = client(40, 2, 10000);
	add_peer(0, 1);
	mute(0, 1);
	t0 = now_ms();
	assert_int_equal(
			rng_client_request(C, 0, BODY, BODYLEN, &r), RNG_ERR_TIMEOUT);
	el = now_ms() - t0;
	assert_null(r);
	assert_true(el >= 3 * 40 - 5);
	assert_true(el < 1000);
	assert_int_equal(peer_wait_count(&P[0], 3, 200), 0);
	peer_sleep_ms(20);
	assert_int_equal(peer_count(&P[0]), 3); /* retries + 1 tries */
	assert_int_equal(peer_cookie(&P[0], 0, c0, sizeof(c0)), 0);
	for(i = 1; i < 3; i++) {
		assert_int_equal(peer_cookie(&P[0], i, c, sizeof(c)), 0);
		assert_string_equal(c, c0);
	}
	in = info(0);
	assert_int_equal(in.up, 0);
	assert_int_equal(in.timeouts, 1);
	assert_int_equal(in.requests, 1);
	/* retries 0: exactly one try */
	rng_client_free(C);
	C = client(40, 0, 10000);
	add_peer(1, 1);
	mute(1, 1);
	assert_int_equal(
			rng_client_request(C, 0, BODY, BODYLEN, &r), RNG_ERR_TIMEOUT);
	peer_sleep_ms(20);
	assert_int_equal(peer_count(&P[1]), 1);
	assert_int_equal(info(0).up, 0);
}

static void test_closed_port(void **state)
{
	unsigned long long t0;
	int r;
	(void)state;

	C = client(50, 2, 10000);
	add_peer(0, 1);
	peer_stop(&P[0]);
	t0 = now_ms();
	r = rng_client_request(C, 0, BODY, BODYLEN, NULL);
	assert_true(r == RNG_ERR_REFUSED || r == RNG_ERR_TIMEOUT);
	assert_true(now_ms() - t0 < 1000);
	assert_int_equal(info(0).up, 0);
	assert_int_equal(info(0).timeouts, 1);
	/* and again, with the node already down */
	r = rng_client_request(C, 0, BODY, BODYLEN, NULL);
	assert_true(r == RNG_ERR_REFUSED || r == RNG_ERR_TIMEOUT);
	r = rng_client_ping(C, 0);
	assert_true(r == RNG_ERR_REFUSED || r == RNG_ERR_TIMEOUT);
	assert_int_equal(info(0).up, 0);
}

/* ---- node selection ---- */

static void test_pick_deterministic(void **state)
{
	rng_client *c2;
	char key[64], uri[64];
	int i, a, b;
	(void)state;

	C = client(100, 0, 10000);
	c2 = client(100, 0, 10000);
	for(i = 0; i < NPEERS; i++) {
		add_peer(i, 1);
		assert_int_equal(
				rng_client_add_node(c2, peer_uri(&P[i], uri, sizeof(uri)), 1),
				i);
	}
	for(i = 0; i < 500; i++) {
		snprintf(key, sizeof(key), "%08x-%d@10.0.0.1",
				(unsigned)i * 2654435761u, i);
		a = rng_client_pick(C, key, strlen(key));
		assert_true(a >= 0 && a < NPEERS);
		assert_int_equal(rng_client_pick(C, key, strlen(key)), a);
		b = rng_client_pick(c2, key, strlen(key));
		assert_int_equal(a, b); /* same node set, same choice */
	}
	/* a key with NUL bytes and the empty key are fine too */
	a = rng_client_pick(C, "a\0b", 3);
	assert_true(a >= 0);
	assert_int_equal(rng_client_pick(C, "a\0b", 3), a);
	assert_true(rng_client_pick(C, "", 0) >= 0);
	rng_client_free(c2);
	/* picking sends nothing while every node is up */
	for(i = 0; i < NPEERS; i++)
		assert_int_equal(peer_count(&P[i]), 0);
}

static unsigned share(
		const unsigned *w, unsigned n, unsigned keys, unsigned *hits)
{
	char key[64];
	unsigned i;
	for(i = 0; i < n; i++) {
		char uri[32];
		snprintf(uri, sizeof(uri), "127.0.0.1:%u", 40000 + i);
		assert_int_equal(rng_client_add_node(C, uri, w[i]), (int)i);
		hits[i] = 0;
	}
	for(i = 0; i < keys; i++) {
		int p;
		snprintf(key, sizeof(key), "a84b4c76e66710@192.0.2.%u-%u", i % 250, i);
		p = rng_client_pick(C, key, strlen(key));
		assert_true(p >= 0 && p < (int)n);
		hits[p]++;
	}
	return keys;
}

static void test_pick_weights(void **state)
{
	static const unsigned w13[] = {1, 3};
	static const unsigned w1111[] = {1, 1, 1, 1};
	static const unsigned w0[] = {0, 1};
	static const unsigned w125[] = {1, 2, 5};
	unsigned hits[4], i;
	(void)state;

	/* no traffic: nodes on unused loopback ports, never down */
	C = client(100, 0, 10000);
	share(w13, 2, 4000, hits);
	assert_true(hits[0] >= 4000 * 20 / 100 && hits[0] <= 4000 * 30 / 100);
	assert_true(hits[1] >= 4000 * 70 / 100 && hits[1] <= 4000 * 80 / 100);
	assert_int_equal(info(1).weight, 3);
	rng_client_free(C);

	C = client(100, 0, 10000);
	share(w1111, 4, 4000, hits);
	for(i = 0; i < 4; i++)
		assert_true(hits[i] >= 4000 * 20 / 100 && hits[i] <= 4000 * 30 / 100);
	rng_client_free(C);

	/* weight 0 means 1 */
	C = client(100, 0, 10000);
	share(w0, 2, 4000, hits);
	assert_int_equal(info(0).weight, 1);
	assert_true(hits[0] >= 4000 * 40 / 100 && hits[0] <= 4000 * 60 / 100);
	rng_client_free(C);

	C = client(100, 0, 10000);
	share(w125, 3, 8000, hits);
	assert_true(hits[0] >= 8000 * 9 / 100 && hits[0] <= 8000 * 16 / 100);
	assert_true(hits[1] >= 8000 * 21 / 100 && hits[1] <= 8000 * 29 / 100);
	assert_true(hits[2] >= 8000 * 57 / 100 && hits[2] <= 8000 * 68 / 100);
}

static void test_pick_skips(void **state)
{
	static int before[1000];
	char key[64];
	int i, p, moved = 0;
	(void)state;

	C = client(30, 0, 60000);
	for(i = 0; i < NPEERS; i++)
		add_peer(i, 1);
	for(i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		before[i] = rng_client_pick(C, key, strlen(key));
	}
	/* disabled: never picked, and only its keys move */
	assert_int_equal(rng_client_node_enable(C, 1, 0), RNG_OK);
	assert_int_equal(info(1).enabled, 0);
	for(i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		p = rng_client_pick(C, key, strlen(key));
		assert_int_not_equal(p, 1);
		if(before[i] != 1)
			assert_int_equal(p, before[i]);
		else
			moved++;
	}
	assert_true(moved > 200 && moved < 470);
	/* enabled again: back to the first choices */
	assert_int_equal(rng_client_node_enable(C, 1, 1), RNG_OK);
	for(i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		assert_int_equal(rng_client_pick(C, key, strlen(key)), before[i]);
	}
	/* down (a timeout) is skipped too, with no recheck before 60 s */
	mute(2, 1);
	assert_int_equal(
			rng_client_request(C, 2, BODY, BODYLEN, NULL), RNG_ERR_TIMEOUT);
	assert_int_equal(info(2).up, 0);
	for(i = 0; i < 1000; i++) {
		snprintf(key, sizeof(key), "k%d", i);
		p = rng_client_pick(C, key, strlen(key));
		assert_int_not_equal(p, 2);
		if(before[i] != 2)
			assert_int_equal(p, before[i]);
	}
	assert_int_equal(peer_pings(&P[2]), 0);
	/* nothing left */
	rng_client_node_enable(C, 0, 0);
	rng_client_node_enable(C, 1, 0);
	assert_int_equal(rng_client_pick(C, "k1", 2), RNG_ERR_NO_NODE);
	assert_int_equal(
			rng_client_request_new(C, "k1", 2, BODY, BODYLEN, NULL, NULL),
			RNG_ERR_NO_NODE);
	rng_client_free(C);
	/* no node at all */
	C = client(30, 0, 60000);
	assert_int_equal(rng_client_pick(C, "k1", 2), RNG_ERR_NO_NODE);
	assert_int_equal(
			rng_client_request_new(C, "k1", 2, BODY, BODYLEN, NULL, NULL),
			RNG_ERR_NO_NODE);
}

/* ---- failover ---- */

static void failover(int dead_by_close)
{
	char key[64];
	const rng_reply *r = NULL;
	unsigned node = 99;
	rng_node_info a, b;
	int ret;

	C = client(40, 1, 60000);
	add_peer(0, 1);
	add_peer(1, 1);
	key_for(0, key, sizeof(key));
	if(dead_by_close)
		peer_stop(&P[0]);
	else
		mute(0, 1);
	ret = rng_client_request_new(C, key, strlen(key), BODY, BODYLEN, &r, &node);
	assert_int_equal(ret, RNG_OK);
	assert_int_equal(node, 1);
	assert_non_null(r);
	assert_int_equal(r->result, RNG_RESULT_OK);
	a = info(0);
	b = info(1);
	assert_int_equal(a.up, 0);
	assert_int_equal(a.failovers, 1);
	assert_int_equal(a.timeouts, 1);
	assert_int_equal(b.up, 1);
	assert_int_equal(b.failovers, 0);
	assert_int_equal(b.requests, 1);
	assert_int_equal(peer_count(&P[1]), 1);
	if(!dead_by_close)
		assert_int_equal(peer_count(&P[0]), 2); /* retries + 1 */
	/* the key now goes straight to node 1 */
	node = 99;
	ret = rng_client_request_new(C, key, strlen(key), BODY, BODYLEN, &r, &node);
	assert_int_equal(ret, RNG_OK);
	assert_int_equal(node, 1);
	assert_int_equal(info(0).failovers, 1);
	assert_int_equal(info(0).requests, 1);
	/* both dead: no node answers */
	if(dead_by_close)
		peer_stop(&P[1]);
	else
		mute(1, 1);
	ret = rng_client_request_new(C, key, strlen(key), BODY, BODYLEN, &r, &node);
	assert_true(ret < 0);
	assert_int_equal(info(1).up, 0);
	assert_int_equal(info(1).failovers, 1);
	assert_int_equal(rng_client_pick(C, key, strlen(key)), RNG_ERR_NO_NODE);
}

static void test_failover_closed(void **state)
{
	(void)state;
	failover(1);
}

static void test_failover_timeout(void **state)
{
	(void)state;
	failover(0);
}

static void test_failover_first_choice_ok(void **state)
{
	char key[64];
	unsigned node = 99;
	const rng_reply *r;
	(void)state;

	C = client(40, 1, 60000);
	add_peer(0, 1);
	add_peer(1, 1);
	key_for(1, key, sizeof(key));
	assert_int_equal(rng_client_request_new(
							 C, key, strlen(key), BODY, BODYLEN, &r, &node),
			RNG_OK);
	assert_int_equal(node, 1);
	assert_int_equal(peer_count(&P[0]), 0);
	assert_int_equal(peer_count(&P[1]), 1);
	/* node may be NULL */
	assert_int_equal(rng_client_request_new(
							 C, key, strlen(key), BODY, BODYLEN, NULL, NULL),
			RNG_OK);
}

static void test_request_never_moves(void **state)
{
	int r;
	(void)state;

	C = client(40, 1, 60000);
	add_peer(0, 1);
	add_peer(1, 1);
	peer_stop(&P[0]);
	r = rng_client_request(C, 0, BODY, BODYLEN, NULL);
	assert_true(r == RNG_ERR_REFUSED || r == RNG_ERR_TIMEOUT);
	mute(1, 0);
	assert_int_equal(peer_count(&P[1]), 0);
	assert_int_equal(info(0).failovers, 0);
	assert_int_equal(info(1).requests, 0);
	/* same with a silent node */
	mute(1, 1);
	assert_int_equal(
			rng_client_request(C, 1, BODY, BODYLEN, NULL), RNG_ERR_TIMEOUT);
	assert_int_equal(info(0).requests, 1);
}

/* ---- lazy recheck ---- */

static void test_lazy_recheck(void **state)
{
	char key[64];
	unsigned pings;
	(void)state;

	C = client(30, 0, 100);
	add_peer(0, 1);
	add_peer(1, 1);
	key_for(0, key, sizeof(key));
	mute(0, 1);
	assert_int_equal(
			rng_client_request(C, 0, BODY, BODYLEN, NULL), RNG_ERR_TIMEOUT);
	assert_int_equal(info(0).up, 0);
	mute(0, 0); /* it comes back */
	/* before recheck_ms: skipped, not pinged */
	assert_int_equal(rng_client_pick(C, key, strlen(key)), 1);
	assert_int_equal(peer_pings(&P[0]), 0);
	peer_sleep_ms(130);
	/* after: pinged on the next pick, up, and chosen again */
	assert_int_equal(rng_client_pick(C, key, strlen(key)), 0);
	assert_int_equal(peer_pings(&P[0]), 1);
	assert_int_equal(info(0).up, 1);
	/* an up node is not pinged */
	assert_int_equal(rng_client_pick(C, key, strlen(key)), 0);
	assert_int_equal(peer_pings(&P[0]), 1);

	/* a node still dead at recheck time stays down for another period */
	mute(0, 1);
	assert_int_equal(
			rng_client_request(C, 0, BODY, BODYLEN, NULL), RNG_ERR_TIMEOUT);
	peer_sleep_ms(130);
	pings = peer_count(&P[0]);
	assert_int_equal(rng_client_pick(C, key, strlen(key)), 1);
	peer_sleep_ms(10);
	assert_int_equal(peer_count(&P[0]), pings + 1); /* one ping try */
	assert_int_equal(rng_client_pick(C, key, strlen(key)), 1);
	peer_sleep_ms(10);
	assert_int_equal(peer_count(&P[0]), pings + 1); /* not again yet */
	assert_int_equal(info(0).up, 0);

	/* rng_client_recheck does the same from a timer */
	mute(0, 0);
	peer_sleep_ms(130);
	rng_client_recheck(C);
	assert_int_equal(info(0).up, 1);
	/* a disabled node is not rechecked */
	mute(0, 1);
	assert_int_equal(
			rng_client_request(C, 0, BODY, BODYLEN, NULL), RNG_ERR_TIMEOUT);
	rng_client_node_enable(C, 0, 0);
	mute(0, 0);
	peer_sleep_ms(130);
	pings = peer_pings(&P[0]);
	rng_client_recheck(C);
	assert_int_equal(peer_pings(&P[0]), pings);
	assert_int_equal(info(0).up, 0);

	/* request_new rechecks too */
	rng_client_node_enable(C, 0, 1);
	{
		unsigned node = 99;
		assert_int_equal(rng_client_request_new(C, key, strlen(key), BODY,
								 BODYLEN, NULL, &node),
				RNG_OK);
		assert_int_equal(node, 0);
		assert_int_equal(info(0).up, 1);
	}
}

/* ---- URIs ---- */

static void test_uris(void **state)
{
	static const char *const bad[] = {
			"",
			"udp:",
			"udp",
			"udp:udp:127.0.0.1:5",
			"tcp:127.0.0.1:5",
			"1.2.3.4",
			"1.2.3.4:",
			"1.2.3.4:0",
			"1.2.3.4:00",
			"1.2.3.4:65536",
			"1.2.3.4:99999999999999999999",
			"1.2.3.4:-1",
			"1.2.3.4:+5",
			"1.2.3.4:5x",
			"1.2.3.4:5 ",
			" 1.2.3.4:5",
			"1.2.3:5",
			"1.2.3.4.5:5",
			"256.1.1.1:5",
			":5",
			"localhost:2223",
			"udp:localhost:2223",
			"rtpengine.example.com:2223",
			"::1:5",
			"[::1]",
			"[::1]:",
			"[::1]:0",
			"[::1]:65536",
			"[::1]5",
			"[::1:5",
			"::1]:5",
			"[]:5",
			"[1.2.3.4]:5",
			"[localhost]:5",
			"[fe80::1%lo]:5",
			"udp:[::1]",
			("udp:127.0.0.1:22230000000000000000000000000000000000000000000000"
			 "0000000000000000000000000000000000000000"),
	};
	static const char *const good[] = {
			"udp:127.0.0.1:2223",
			"127.0.0.1:1",
			"127.0.0.1:65535",
			"udp:127.0.0.2:22222",
	};
	/* documented as valid (IPv6 literal in brackets) */
	static const char *const good6[] = {"[::1]:5", "udp:[::1]:2223"};
	rng_node_info in;
	size_t i;
	int n = 0, r;
	(void)state;

	C = client(100, 0, 10000);
	for(i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		r = rng_client_add_node(C, bad[i], 1);
		if(r != RNG_ERR_INVAL)
			fail_msg("'%s' accepted: %d", bad[i], r);
	}
	assert_int_equal(rng_client_add_node(C, NULL, 1), RNG_ERR_INVAL);
	assert_int_equal(
			rng_client_add_node(NULL, "127.0.0.1:5", 1), RNG_ERR_INVAL);
	assert_int_equal(rng_client_node_count(C), 0);
	for(i = 0; i < sizeof(good) / sizeof(good[0]); i++) {
		assert_int_equal(rng_client_add_node(C, good[i], 2), n);
		assert_int_equal(rng_client_node_info(C, (unsigned)n, &in), RNG_OK);
		assert_string_equal(in.uri, good[i]);
		assert_int_equal(in.weight, 2);
		n++;
	}
	for(i = 0; i < sizeof(good6) / sizeof(good6[0]); i++) {
		r = rng_client_add_node(C, good6[i], 1);
		/* RNG_ERR_SOCKET only where the host has no IPv6 at all */
		if(r == RNG_ERR_SOCKET)
			continue;
		assert_int_equal(r, n);
		n++;
	}
	assert_int_equal(rng_client_node_count(C), (unsigned)n);
}

static void test_node_limit(void **state)
{
	char uri[32];
	int i, r;
	(void)state;

	C = client(100, 0, 10000);
	for(i = 0;; i++) {
		snprintf(uri, sizeof(uri), "127.0.0.1:%d", 41000 + i);
		r = rng_client_add_node(C, uri, 1);
		if(r < 0)
			break;
		assert_int_equal(r, i);
		assert_true(i < 10000);
	}
	assert_int_equal(r, RNG_ERR_LIMIT);
	assert_true(i >= 16);
	assert_int_equal(rng_client_node_count(C), (unsigned)i);
}

/* ---- allocator ---- */

typedef struct actr
{
	unsigned calls, allocs, frees, fail_at;
	size_t live;
	unsigned wiped, unwiped;
	size_t wipe_sizes[2];
} actr;

static void *ct_alloc(void *ctx, size_t size)
{
	actr *a = ctx;
	size_t *p;
	a->calls++;
	if(a->fail_at && a->calls >= a->fail_at)
		return NULL;
	p = malloc(size + 16);
	if(p == NULL)
		return NULL;
	p[0] = size;
	a->allocs++;
	a->live += size;
	return (char *)p + 16;
}

static void ct_free(void *ctx, void *ptr)
{
	actr *a = ctx;
	size_t *p, size, i;
	if(ptr == NULL)
		return;
	p = (size_t *)((char *)ptr - 16);
	size = p[0];
	if(size == a->wipe_sizes[0] || size == a->wipe_sizes[1]) {
		const unsigned char *b = ptr;
		for(i = 0; i < size && b[i] == 0; i++)
			;
		if(i == size)
			a->wiped++;
		else
			a->unwiped++;
	}
	a->frees++;
	a->live -= size;
	free(p);
}

static void test_allocator_balanced(void **state)
{
	actr a;
	rng_allocator al = {ct_alloc, ct_free, &a};
	rng_conf conf;
	peer_script s = PEER_SCRIPT_DEFAULT;
	char uri[64];
	const rng_reply *r;
	(void)state;

	memset(&a, 0, sizeof(a));
	rng_conf_default(&conf);
	conf.timeout_ms = 200;
	conf.max_items = 100;
	a.wipe_sizes[0] = RNG_MAX_MSG + 1;
	a.wipe_sizes[1] = sizeof(rng_bnode) * 100;
	C = rng_client_new(&al, &conf);
	assert_non_null(C);
	assert_true(a.allocs > 0);
	assert_int_equal(peer_start(&P[0]), 0);
	assert_int_equal(
			rng_client_add_node(C, peer_uri(&P[0], uri, sizeof(uri)), 1), 0);
	assert_int_equal(rng_client_add_node(C, "127.0.0.1:9", 1), 1);
	s.reply = "d6:result2:ok3:sdp20:a=crypto:1 SECRETKEYe";
	script(0, &s);
	assert_int_equal(rng_client_request(C, 0, BODY, BODYLEN, &r), RNG_OK);
	assert_int_equal(rng_client_ping(C, 0), RNG_OK);
	rng_client_free(C);
	C = NULL;
	assert_int_equal(a.allocs, a.frees);
	assert_int_equal(a.live, 0);
	/* the reply buffer and the node array were wiped before free */
	assert_int_equal(a.wiped, 2);
	assert_int_equal(a.unwiped, 0);

	/* defaults: NULL conf, and a conf with zeros */
	memset(&a, 0, sizeof(a));
	C = rng_client_new(&al, NULL);
	assert_non_null(C);
	rng_client_free(C);
	memset(&conf, 0, sizeof(conf));
	C = rng_client_new(&al, &conf);
	assert_non_null(C);
	rng_client_free(C);
	C = NULL;
	assert_int_equal(a.allocs, a.frees);
	assert_int_equal(a.live, 0);
}

static void test_allocator_failing(void **state)
{
	actr a;
	rng_allocator al = {ct_alloc, ct_free, &a};
	rng_allocator half = {ct_alloc, NULL, &a};
	unsigned k, total;
	rng_client *c;
	(void)state;

	/* how many allocations a client takes */
	memset(&a, 0, sizeof(a));
	c = rng_client_new(&al, NULL);
	assert_non_null(c);
	total = a.allocs;
	rng_client_free(c);
	assert_true(total >= 1);
	for(k = 1; k <= total; k++) {
		memset(&a, 0, sizeof(a));
		a.fail_at = k;
		c = rng_client_new(&al, NULL);
		assert_null(c);
		assert_int_equal(a.allocs, a.frees);
		assert_int_equal(a.live, 0);
	}
	/* failing only after creation: fine */
	memset(&a, 0, sizeof(a));
	a.fail_at = total + 1;
	c = rng_client_new(&al, NULL);
	assert_non_null(c);
	assert_true(rng_client_add_node(c, "127.0.0.1:9", 1) >= 0);
	rng_client_free(c);
	assert_int_equal(a.allocs, a.frees);
	/* an allocator without free is refused */
	memset(&a, 0, sizeof(a));
	assert_null(rng_client_new(&half, NULL));
	assert_int_equal(a.allocs, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
			cmocka_unit_test_teardown(test_request_reply, teardown),
			cmocka_unit_test_teardown(test_large_reply, teardown),
			cmocka_unit_test_teardown(test_body_too_big, teardown),
			cmocka_unit_test_teardown(test_bad_reply, teardown),
			cmocka_unit_test_teardown(test_bad_args, teardown),
			cmocka_unit_test_teardown(test_cookies_unique, teardown),
			cmocka_unit_test_teardown(test_cookies_fork, teardown),
			cmocka_unit_test_teardown(test_fork_concurrent, teardown),
			cmocka_unit_test_teardown(test_foreign_cookie, teardown),
			cmocka_unit_test_teardown(test_late_reply, teardown),
			cmocka_unit_test_teardown(test_retransmit_same_cookie, teardown),
			cmocka_unit_test_teardown(test_timeout_marks_down, teardown),
			cmocka_unit_test_teardown(test_closed_port, teardown),
			cmocka_unit_test_teardown(test_pick_deterministic, teardown),
			cmocka_unit_test_teardown(test_pick_weights, teardown),
			cmocka_unit_test_teardown(test_pick_skips, teardown),
			cmocka_unit_test_teardown(test_failover_closed, teardown),
			cmocka_unit_test_teardown(test_failover_timeout, teardown),
			cmocka_unit_test_teardown(test_failover_first_choice_ok, teardown),
			cmocka_unit_test_teardown(test_request_never_moves, teardown),
			cmocka_unit_test_teardown(test_lazy_recheck, teardown),
			cmocka_unit_test_teardown(test_uris, teardown),
			cmocka_unit_test_teardown(test_node_limit, teardown),
			cmocka_unit_test_teardown(test_allocator_balanced, teardown),
			cmocka_unit_test_teardown(test_allocator_failing, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
