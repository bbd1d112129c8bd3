/*
 * Failover test of the rtpengine-ng node set against two real rtpengine
 * instances.  The harness stops one node when told to, on this dialogue:
 *   stdout "STOP <uri>"  ->  harness stops that node  ->  stdin "stopped"
 * Checks: a new call fails over to the live node; a command for a call the
 * dead node holds reports the failure and never moves to the live node.
 *
 * usage: ng_failover URI-A URI-B
 */
#include <stdio.h>
#include <string.h>

#include "rtpengine-ng/rng.h"

#define CHECK(cond, ...)                  \
	do {                                  \
		if(!(cond)) {                     \
			fprintf(stderr, "FAIL: ");    \
			fprintf(stderr, __VA_ARGS__); \
			fprintf(stderr, "\n");        \
			return 1;                     \
		}                                 \
	} while(0)

static const char sdp[] = "v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
						  "c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
						  "m=audio 40000 RTP/AVP 0\r\n";

static size_t build(char *buf, size_t cap, const char *cmd, const char *callid,
		int with_sdp)
{
	rng_benc e;

	rng_benc_init(&e, buf, cap);
	rng_benc_dict(&e);
	rng_benc_kv_cstr(&e, "command", cmd);
	rng_benc_kv_cstr(&e, "call-id", callid);
	rng_benc_kv_cstr(&e, "from-tag", "ft");
	if(with_sdp) {
		rng_benc_kv_cstr(&e, "sdp", sdp);
		if(strcmp(cmd, "answer") == 0)
			rng_benc_kv_cstr(&e, "to-tag", "tt");
	}
	rng_benc_end(&e);
	return rng_benc_finish(&e) == RNG_OK ? e.len : 0;
}

/* A Call-ID whose preferred node (all nodes up) is want. */
static void callid_for(rng_client *c, unsigned want, int n, char *out)
{
	int i;
	for(i = 0;; i++) {
		sprintf(out, "failover-%d-%d", n, i);
		if(rng_client_pick(c, out, strlen(out)) == (int)want)
			return;
	}
}

int main(int argc, char **argv)
{
	char buf[4096], line[64], cid[64], cid2[64];
	rng_conf conf;
	rng_client *c;
	rng_node_info info;
	const rng_reply *rep;
	unsigned node, dead, live;
	size_t len;
	int r, i;

	CHECK(argc == 3, "usage: ng_failover URI-A URI-B");
	rng_conf_default(&conf);
	conf.timeout_ms = 200;
	conf.retries = 1;
	conf.recheck_ms = 60000;
	c = rng_client_new(NULL, &conf);
	CHECK(c != NULL, "client");
	CHECK(rng_client_add_node(c, argv[1], 1) == 0, "add %s", argv[1]);
	CHECK(rng_client_add_node(c, argv[2], 1) == 1, "add %s", argv[2]);
	CHECK(rng_client_ping(c, 0) == RNG_OK && rng_client_ping(c, 1) == RNG_OK,
			"both nodes answer ping");

	/* a call established on node A */
	callid_for(c, 0, 1, cid);
	len = build(buf, sizeof(buf), "offer", cid, 1);
	r = rng_client_request_new(c, cid, strlen(cid), buf, len, &rep, &node);
	CHECK(r == RNG_OK && rep->result == RNG_RESULT_OK && node == 0,
			"offer on node A: %s", rng_strerror(r));
	printf("call %s on node %u\n", cid, node);
	dead = 0;
	live = 1;

	printf("STOP %s\n", argv[1]);
	fflush(stdout);
	CHECK(fgets(line, sizeof(line), stdin) && strncmp(line, "stopped", 7) == 0,
			"harness did not confirm the stop");

	/* a new call that prefers the dead node fails over to the live one */
	callid_for(c, dead, 2, cid2);
	len = build(buf, sizeof(buf), "offer", cid2, 1);
	r = rng_client_request_new(c, cid2, strlen(cid2), buf, len, &rep, &node);
	CHECK(r == RNG_OK && node == live, "new call failed over: %s, node %u",
			rng_strerror(r), node);
	rng_client_node_info(c, dead, &info);
	CHECK(!info.up && info.failovers == 1 && info.timeouts == 1,
			"dead node marked down (up=%d failovers=%llu timeouts=%llu)",
			info.up, (unsigned long long)info.failovers,
			(unsigned long long)info.timeouts);
	printf("new call %s failed over to node %u\n", cid2, node);

	/* the existing call's answer reports the failure, and does not move */
	len = build(buf, sizeof(buf), "answer", cid, 1);
	r = rng_client_request(c, dead, buf, len, &rep);
	CHECK(r == RNG_ERR_TIMEOUT || r == RNG_ERR_REFUSED,
			"answer to the dead node reports failure, got %s", rng_strerror(r));
	printf("answer for %s: %s\n", cid, rng_strerror(r));
	len = build(buf, sizeof(buf), "query", cid, 0);
	r = rng_client_request(c, live, buf, len, &rep);
	CHECK(r == RNG_OK && rep->result == RNG_RESULT_ERROR,
			"live node does not know the old call");

	/* further new calls all land on the live node without waiting */
	for(i = 0; i < 10; i++) {
		sprintf(cid, "failover-more-%d", i);
		CHECK(rng_client_pick(c, cid, strlen(cid)) == (int)live,
				"new call %d picks the live node", i);
	}

	len = build(buf, sizeof(buf), "delete", cid2, 0);
	r = rng_client_request(c, live, buf, len, &rep);
	CHECK(r == RNG_OK && rep->result == RNG_RESULT_OK, "delete on live node");
	rng_client_free(c);
	printf("ok\n");
	return 0;
}
