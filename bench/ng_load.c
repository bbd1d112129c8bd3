/*
 * ng_load: the ceiling of the media path, configuration (c) of make bench.
 *
 * Drives rtpengine over ng with the call sequence a P-CSCF sends for an
 * originating e2ae call, without SIP: offer (the UE's RTP/SAVP SDP with two
 * AES_CM_128 crypto lines, transport-protocol RTP/AVP, ICE=remove,
 * DTLS=off, the SDES-no-<suite> filters of the default suite policy), answer
 * (the core's RTP/AVP SDP), a hold, delete.  Calls are offered open-loop at
 * a fixed rate, spread over worker processes (each one blocking on its ng
 * round trips, like a SIP worker), each through its own rtpengine-ng client.
 *
 * Usage: ng_load -n URI -r RATE -t SECONDS [-w WORKERS] [-H HOLD_MS]
 *                [-g GRACE_S] [-p CALLID_PREFIX]
 *
 * Prints one line:
 *   offered=N ok=N failed=N unstarted=N elapsed=S offer_answer_us=U cpu_s=C
 * A call is ok when offer and answer returned result ok with an SDP and the
 * delete returned ok.  Calls that could not start within SECONDS + GRACE_S
 * (the workers fell behind) are "unstarted" and count as failed in the
 * bench.  offer_answer_us is the mean time of offer + answer per call;
 * cpu_s the CPU time (user + system) the workers used.
 * Exit status: 0 when the run completed (whatever the failures), 1 on a
 * usage or set-up error.  No key is ever printed.
 */
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/random.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rtpengine-ng/rng.h"

#define MAX_WORKERS 64
#define SDP_MAX 1024

/* the suites the default policy does not allow: one SDES-no-<suite> each */
static const char *const no_suites[] = {"AEAD_AES_256_GCM", "AEAD_AES_128_GCM",
		"AES_256_CM_HMAC_SHA1_80", "AES_256_CM_HMAC_SHA1_32",
		"AES_192_CM_HMAC_SHA1_80", "AES_192_CM_HMAC_SHA1_32",
		"F8_128_HMAC_SHA1_80", "F8_128_HMAC_SHA1_32", "NULL_HMAC_SHA1_80",
		"NULL_HMAC_SHA1_32"};

typedef struct load_conf
{
	const char *uri;
	double rate;
	unsigned seconds;
	unsigned workers;
	unsigned hold_ms;
	unsigned grace_s;
	const char *prefix;
} load_conf_t;

typedef struct load_counts
{
	uint64_t ok, failed, unstarted;
	uint64_t oa_ns; /* sum of offer + answer times of ok calls */
} load_counts_t;

typedef struct pending
{
	uint64_t call;
	uint64_t due_ns;
} pending_t;

typedef struct worker
{
	const load_conf_t *conf;
	unsigned id;
	rng_client *client;
	char offer_sdp[SDP_MAX];
	char answer_sdp[SDP_MAX];
	char msg[4096];
	pending_t *queue; /* ring of calls waiting for their delete */
	size_t qcap, qhead, qlen;
	load_counts_t *out;
} worker_t;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void sleep_until(uint64_t t)
{
	struct timespec ts;

	ts.tv_sec = (time_t)(t / 1000000000ULL);
	ts.tv_nsec = (long)(t % 1000000000ULL);
	while(clock_nanosleep(CLOCK_MONOTONIC, TIMER_ABSTIME, &ts, NULL) == EINTR)
		;
}

/* base64 of n random bytes into out (NUL-terminated) */
static void random_key(char *out, size_t n)
{
	static const char b64[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned char raw[48];
	size_t i, o = 0;

	if(n > sizeof(raw) || getrandom(raw, n, 0) != (ssize_t)n) {
		memset(raw, 0x5a, sizeof(raw));
	}
	for(i = 0; i < n; i += 3) {
		unsigned v = (unsigned)raw[i] << 16;
		if(i + 1 < n)
			v |= (unsigned)raw[i + 1] << 8;
		if(i + 2 < n)
			v |= raw[i + 2];
		out[o++] = b64[(v >> 18) & 63];
		out[o++] = b64[(v >> 12) & 63];
		out[o++] = i + 1 < n ? b64[(v >> 6) & 63] : '=';
		out[o++] = i + 2 < n ? b64[v & 63] : '=';
	}
	out[o] = '\0';
	explicit_bzero(raw, sizeof(raw));
}

static void make_sdps(worker_t *w)
{
	char k1[64], k2[64];

	random_key(k1, 30);
	random_key(k2, 30);
	snprintf(w->offer_sdp, sizeof(w->offer_sdp),
			"v=0\r\no=ue 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
			"c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
			"m=audio 40000 RTP/SAVP 0 8\r\n"
			"a=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n"
			"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n"
			"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:%s\r\n"
			"a=sendrecv\r\n",
			k1, k2);
	snprintf(w->answer_sdp, sizeof(w->answer_sdp),
			"v=0\r\no=core 1 1 IN IP4 127.0.0.1\r\ns=-\r\n"
			"c=IN IP4 127.0.0.1\r\nt=0 0\r\n"
			"m=audio 40010 RTP/AVP 0\r\n"
			"a=rtpmap:0 PCMU/8000\r\na=sendrecv\r\n");
	explicit_bzero(k1, sizeof(k1));
	explicit_bzero(k2, sizeof(k2));
}

static void call_ids(const worker_t *w, uint64_t call, char *cid, size_t cap)
{
	snprintf(cid, cap, "%s-%u-%" PRIu64 "@ng-load", w->conf->prefix,
			(unsigned)getpid(), call);
}

/* Send the encoded message; 0 when rtpengine answered ok (with an SDP
 * when want_sdp). */
static int send_msg(worker_t *w, rng_benc *e, int want_sdp)
{
	const rng_reply *rep;

	rng_benc_end(e);
	if(rng_benc_finish(e) != RNG_OK)
		return -1;
	if(rng_client_request(w->client, 0, w->msg, e->len, &rep) != RNG_OK)
		return -1;
	if(rep->result != RNG_RESULT_OK)
		return -1;
	if(want_sdp && (rep->sdp.s == NULL || rep->sdp.len == 0))
		return -1;
	return 0;
}

static int do_offer(worker_t *w, const char *cid)
{
	rng_benc e;
	size_t i;

	rng_benc_init(&e, w->msg, sizeof(w->msg));
	rng_benc_dict(&e);
	rng_benc_kv_cstr(&e, "command", "offer");
	rng_benc_kv_cstr(&e, "call-id", cid);
	rng_benc_kv_cstr(&e, "from-tag", "ue-tag");
	rng_benc_kv_cstr(&e, "sdp", w->offer_sdp);
	rng_benc_kv_cstr(&e, "ICE", "remove");
	rng_benc_kv_cstr(&e, "DTLS", "off");
	rng_benc_kv_cstr(&e, "transport-protocol", "RTP/AVP");
	rng_benc_cstr(&e, "SDES");
	rng_benc_list(&e);
	for(i = 0; i < sizeof(no_suites) / sizeof(no_suites[0]); i++) {
		char flag[48];
		snprintf(flag, sizeof(flag), "no-%s", no_suites[i]);
		rng_benc_cstr(&e, flag);
	}
	rng_benc_end(&e);
	return send_msg(w, &e, 1);
}

static int do_answer(worker_t *w, const char *cid)
{
	rng_benc e;

	rng_benc_init(&e, w->msg, sizeof(w->msg));
	rng_benc_dict(&e);
	rng_benc_kv_cstr(&e, "command", "answer");
	rng_benc_kv_cstr(&e, "call-id", cid);
	rng_benc_kv_cstr(&e, "from-tag", "ue-tag");
	rng_benc_kv_cstr(&e, "to-tag", "core-tag");
	rng_benc_kv_cstr(&e, "sdp", w->answer_sdp);
	rng_benc_kv_cstr(&e, "ICE", "remove");
	rng_benc_kv_cstr(&e, "DTLS", "off");
	return send_msg(w, &e, 1);
}

static int do_delete(worker_t *w, const char *cid)
{
	rng_benc e;

	rng_benc_init(&e, w->msg, sizeof(w->msg));
	rng_benc_dict(&e);
	rng_benc_kv_cstr(&e, "command", "delete");
	rng_benc_kv_cstr(&e, "call-id", cid);
	rng_benc_kv_cstr(&e, "from-tag", "ue-tag");
	return send_msg(w, &e, 0);
}

/* Delete every held call due by t (all of them when t is UINT64_MAX). */
static void run_deletes(worker_t *w, uint64_t t)
{
	char cid[128];

	while(w->qlen > 0 && w->queue[w->qhead].due_ns <= t) {
		call_ids(w, w->queue[w->qhead].call, cid, sizeof(cid));
		if(do_delete(w, cid) == 0)
			w->out->ok++;
		else
			w->out->failed++;
		w->qhead = (w->qhead + 1) % w->qcap;
		w->qlen--;
	}
}

static void one_call(worker_t *w, uint64_t call)
{
	char cid[128];
	uint64_t t0 = now_ns(), t1;
	size_t tail;

	call_ids(w, call, cid, sizeof(cid));
	if(do_offer(w, cid) < 0) {
		w->out->failed++;
		do_delete(w, cid); /* a half-made session, if any */
		return;
	}
	if(do_answer(w, cid) < 0) {
		w->out->failed++;
		do_delete(w, cid);
		return;
	}
	t1 = now_ns();
	w->out->oa_ns += t1 - t0;
	if(w->qlen == w->qcap) /* cannot happen: qcap covers the hold */
		run_deletes(w, UINT64_MAX);
	tail = (w->qhead + w->qlen) % w->qcap;
	w->queue[tail].call = call;
	w->queue[tail].due_ns = t1 + (uint64_t)w->conf->hold_ms * 1000000ULL;
	w->qlen++;
}

static int worker_run(worker_t *w, uint64_t start, uint64_t total)
{
	const load_conf_t *c = w->conf;
	uint64_t interval = (uint64_t)(1e9 / c->rate);
	uint64_t deadline =
			start + (uint64_t)(c->seconds + c->grace_s) * 1000000000ULL;
	uint64_t call, at, t;

	/* calls w->id, w->id + workers, ... at start + call * interval */
	for(call = w->id; call < total; call += c->workers) {
		at = start + call * interval;
		for(;;) {
			t = now_ns();
			if(w->qlen > 0 && w->queue[w->qhead].due_ns <= t) {
				run_deletes(w, t);
				continue;
			}
			if(t >= at)
				break;
			if(w->qlen > 0 && w->queue[w->qhead].due_ns < at)
				sleep_until(w->queue[w->qhead].due_ns);
			else
				sleep_until(at);
		}
		if(t >= deadline)
			break;
		one_call(w, call);
	}
	for(; call < total; call += c->workers)
		w->out->unstarted++;
	/* the held calls end on time */
	while(w->qlen > 0) {
		sleep_until(w->queue[w->qhead].due_ns);
		run_deletes(w, now_ns());
	}
	return 0;
}

static int usage(void)
{
	fprintf(stderr, "usage: ng_load -n URI -r RATE -t SECONDS [-w WORKERS] "
					"[-H HOLD_MS] [-g GRACE_S] [-p CALLID_PREFIX]\n");
	return 1;
}

static int worker_main(const load_conf_t *conf, unsigned id, uint64_t start,
		uint64_t total, load_counts_t *out)
{
	worker_t w;
	rng_conf rc;
	int r;

	memset(&w, 0, sizeof(w));
	w.conf = conf;
	w.id = id;
	w.out = out;
	rng_conf_default(&rc);
	rc.timeout_ms = 1000;
	rc.retries = 2;
	w.client = rng_client_new(NULL, &rc);
	if(w.client == NULL || rng_client_add_node(w.client, conf->uri, 1) < 0) {
		fprintf(stderr, "ng_load: cannot set up a client for %s\n", conf->uri);
		return 1;
	}
	/* the calls one worker holds at once, with room to spare */
	w.qcap = (size_t)(conf->rate / conf->workers * (conf->hold_ms / 1000.0 + 1)
					  * 4)
			 + 64;
	w.queue = calloc(w.qcap, sizeof(*w.queue));
	if(w.queue == NULL)
		return 1;
	make_sdps(&w);
	r = worker_run(&w, start, total);
	explicit_bzero(w.offer_sdp, sizeof(w.offer_sdp));
	explicit_bzero(w.msg, sizeof(w.msg));
	free(w.queue);
	rng_client_free(w.client);
	return r;
}

int main(int argc, char **argv)
{
	load_conf_t conf = {NULL, 0, 0, 4, 200, 5, "ngl"};
	load_counts_t *counts, sum;
	struct rusage ru;
	pid_t pids[MAX_WORKERS];
	uint64_t start, total, end;
	unsigned i;
	int opt, bad = 0;

	while((opt = getopt(argc, argv, "n:r:t:w:H:g:p:")) != -1) {
		switch(opt) {
			case 'n':
				conf.uri = optarg;
				break;
			case 'r':
				conf.rate = atof(optarg);
				break;
			case 't':
				conf.seconds = (unsigned)atoi(optarg);
				break;
			case 'w':
				conf.workers = (unsigned)atoi(optarg);
				break;
			case 'H':
				conf.hold_ms = (unsigned)atoi(optarg);
				break;
			case 'g':
				conf.grace_s = (unsigned)atoi(optarg);
				break;
			case 'p':
				conf.prefix = optarg;
				break;
			default:
				return usage();
		}
	}
	if(conf.uri == NULL || conf.rate <= 0 || conf.seconds == 0
			|| conf.workers == 0 || conf.workers > MAX_WORKERS)
		return usage();
	counts = mmap(NULL, conf.workers * sizeof(*counts), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if(counts == MAP_FAILED) {
		perror("ng_load: mmap");
		return 1;
	}
	memset(counts, 0, conf.workers * sizeof(*counts));
	total = (uint64_t)(conf.rate * conf.seconds + 0.5);
	/* a common start a little ahead, once every worker is forked */
	start = now_ns() + 100000000ULL;
	for(i = 0; i < conf.workers; i++) {
		pids[i] = fork();
		if(pids[i] < 0) {
			perror("ng_load: fork");
			bad = 1;
			break;
		}
		if(pids[i] == 0)
			_exit(worker_main(&conf, i, start, total, &counts[i]));
	}
	for(unsigned j = 0; j < i; j++) {
		int st;
		while(waitpid(pids[j], &st, 0) < 0 && errno == EINTR)
			;
		if(!WIFEXITED(st) || WEXITSTATUS(st) != 0)
			bad = 1;
	}
	end = now_ns();
	getrusage(RUSAGE_CHILDREN, &ru);
	memset(&sum, 0, sizeof(sum));
	for(i = 0; i < conf.workers; i++) {
		sum.ok += counts[i].ok;
		sum.failed += counts[i].failed;
		sum.unstarted += counts[i].unstarted;
		sum.oa_ns += counts[i].oa_ns;
	}
	printf("offered=%" PRIu64 " ok=%" PRIu64 " failed=%" PRIu64
		   " unstarted=%" PRIu64 " elapsed=%.2f offer_answer_us=%.0f"
		   " cpu_s=%.2f\n",
			total, sum.ok, sum.failed, sum.unstarted,
			(double)(end - start) / 1e9,
			sum.ok ? (double)sum.oa_ns / (double)sum.ok / 1000.0 : 0.0,
			(double)(ru.ru_utime.tv_sec + ru.ru_stime.tv_sec)
					+ (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec)
							  / 1e6);
	return bad;
}
