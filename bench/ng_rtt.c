/*
 * ng_rtt: the ng client's round trip against a raw UDP ping-pong, and its
 * throughput with concurrent worker processes (make bench, item 3).
 *
 *   ng_rtt -n URI rtt [-c COUNT] [-b BLOCK]
 *       COUNT pings through rtpengine-ng (rng_client_request with the ng
 *       "ping" command) and COUNT raw pings (one connected UDP socket,
 *       "<cookie> d7:command4:pinge" sent, the matching "pong" received
 *       with a blocking recv), alternating in blocks of BLOCK so that both
 *       see the same load.  Prints
 *         client_us=MEAN client_p50_us=P50 raw_us=MEAN raw_p50_us=P50
 *   ng_rtt -n URI tput [-w WORKERS] [-t SECONDS]
 *       WORKERS processes, each with its own client, ping back to back for
 *       SECONDS.  Prints  workers=N ops=N ops_per_s=R errors=N
 *
 * URI is "udp:127.0.0.1:PORT".  Exit status 1 on a set-up error or when a
 * ping failed in rtt mode.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "rtpengine-ng/rng.h"

#define PING "d7:command4:pinge"
#define MAX_WORKERS 64

typedef struct raw_pinger
{
	int fd;
	uint64_t counter;
	char buf[2048];
} raw_pinger_t;

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

/* "udp:A.B.C.D:PORT" (IPv4 loopback is all the bench uses) */
static int raw_open(raw_pinger_t *p, const char *uri)
{
	struct sockaddr_in sin;
	struct timeval tv = {2, 0};
	const char *s = uri, *colon;
	char host[64];

	if(strncmp(s, "udp:", 4) == 0)
		s += 4;
	colon = strrchr(s, ':');
	if(colon == NULL || (size_t)(colon - s) >= sizeof(host))
		return -1;
	memcpy(host, s, (size_t)(colon - s));
	host[colon - s] = '\0';
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)atoi(colon + 1));
	if(inet_pton(AF_INET, host, &sin.sin_addr) != 1)
		return -1;
	p->fd = socket(AF_INET, SOCK_DGRAM, 0);
	if(p->fd < 0 || connect(p->fd, (struct sockaddr *)&sin, sizeof(sin)) < 0)
		return -1;
	setsockopt(p->fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	p->counter = 0;
	return 0;
}

/* One raw ping: 0 when the pong with our cookie came back. */
static int raw_ping(raw_pinger_t *p)
{
	char msg[96];
	int n, clen;
	ssize_t got;

	clen = snprintf(msg, sizeof(msg), "raw%u_%" PRIu64, (unsigned)getpid(),
			++p->counter);
	n = clen + snprintf(msg + clen, sizeof(msg) - (size_t)clen, " " PING);
	if(send(p->fd, msg, (size_t)n, 0) != n)
		return -1;
	for(;;) {
		got = recv(p->fd, p->buf, sizeof(p->buf) - 1, 0);
		if(got < 0 && errno == EINTR)
			continue;
		if(got <= clen)
			return -1;
		if(memcmp(p->buf, msg, (size_t)clen) != 0 || p->buf[clen] != ' ')
			continue; /* a late reply to an earlier ping */
		p->buf[got] = '\0';
		return strstr(p->buf + clen, "4:pong") ? 0 : -1;
	}
}

static int client_ping(rng_client *c)
{
	const rng_reply *rep;

	if(rng_client_request(c, 0, PING, sizeof(PING) - 1, &rep) != RNG_OK)
		return -1;
	return rep->result == RNG_RESULT_PONG ? 0 : -1;
}

static rng_client *client_open(const char *uri)
{
	rng_client *c = rng_client_new(NULL, NULL);

	if(c != NULL && rng_client_add_node(c, uri, 1) < 0) {
		rng_client_free(c);
		c = NULL;
	}
	return c;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void stats(uint64_t *v, unsigned n, double *mean, double *p50)
{
	uint64_t sum = 0;
	unsigned i;

	for(i = 0; i < n; i++)
		sum += v[i];
	qsort(v, n, sizeof(*v), cmp_u64);
	*mean = (double)sum / n / 1000.0;
	*p50 = (double)v[n / 2] / 1000.0;
}

static int run_rtt(const char *uri, unsigned count, unsigned block)
{
	rng_client *c = client_open(uri);
	raw_pinger_t raw;
	uint64_t *tc, *tr, t0;
	unsigned nc = 0, nr = 0, i;
	double cm, cp, rm, rp;

	if(c == NULL || raw_open(&raw, uri) < 0) {
		fprintf(stderr, "ng_rtt: cannot reach %s\n", uri);
		return 1;
	}
	tc = calloc(count, sizeof(*tc));
	tr = calloc(count, sizeof(*tr));
	if(tc == NULL || tr == NULL)
		return 1;
	/* warm-up: sockets, caches, rtpengine's threads */
	for(i = 0; i < 200; i++)
		if(client_ping(c) < 0 || raw_ping(&raw) < 0) {
			fprintf(stderr, "ng_rtt: warm-up ping failed\n");
			return 1;
		}
	while(nc < count || nr < count) {
		for(i = 0; i < block && nc < count; i++) {
			t0 = now_ns();
			if(client_ping(c) < 0)
				return 1;
			tc[nc++] = now_ns() - t0;
		}
		for(i = 0; i < block && nr < count; i++) {
			t0 = now_ns();
			if(raw_ping(&raw) < 0)
				return 1;
			tr[nr++] = now_ns() - t0;
		}
	}
	stats(tc, count, &cm, &cp);
	stats(tr, count, &rm, &rp);
	printf("client_us=%.2f client_p50_us=%.2f raw_us=%.2f raw_p50_us=%.2f\n",
			cm, cp, rm, rp);
	free(tc);
	free(tr);
	close(raw.fd);
	rng_client_free(c);
	return 0;
}

static int run_tput(const char *uri, unsigned workers, unsigned seconds)
{
	uint64_t *ops, total = 0, errs = 0, start, end;
	pid_t pids[MAX_WORKERS];
	unsigned i, n = 0;

	ops = mmap(NULL, 2 * workers * sizeof(*ops), PROT_READ | PROT_WRITE,
			MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if(ops == MAP_FAILED)
		return 1;
	memset(ops, 0, 2 * workers * sizeof(*ops));
	start = now_ns() + 50000000ULL;
	end = start + (uint64_t)seconds * 1000000000ULL;
	for(i = 0; i < workers; i++) {
		pids[i] = fork();
		if(pids[i] < 0)
			break;
		if(pids[i] == 0) {
			rng_client *c = client_open(uri);
			if(c == NULL)
				_exit(1);
			while(now_ns() < start)
				;
			while(now_ns() < end) {
				if(client_ping(c) == 0)
					ops[2 * i]++;
				else
					ops[2 * i + 1]++;
			}
			rng_client_free(c);
			_exit(0);
		}
		n++;
	}
	for(i = 0; i < n; i++) {
		int st;
		while(waitpid(pids[i], &st, 0) < 0 && errno == EINTR)
			;
	}
	for(i = 0; i < n; i++) {
		total += ops[2 * i];
		errs += ops[2 * i + 1];
	}
	printf("workers=%u ops=%" PRIu64 " ops_per_s=%.0f errors=%" PRIu64 "\n",
			workers, total, (double)total / seconds, errs);
	return n == workers ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *uri = NULL;
	unsigned count = 20000, block = 500, workers = 1, seconds = 3;
	int opt;

	while((opt = getopt(argc, argv, "n:c:b:w:t:")) != -1) {
		switch(opt) {
			case 'n':
				uri = optarg;
				break;
			case 'c':
				count = (unsigned)atoi(optarg);
				break;
			case 'b':
				block = (unsigned)atoi(optarg);
				break;
			case 'w':
				workers = (unsigned)atoi(optarg);
				break;
			case 't':
				seconds = (unsigned)atoi(optarg);
				break;
			default:
				return 1;
		}
	}
	if(uri == NULL || optind >= argc || count == 0 || block == 0 || workers == 0
			|| workers > MAX_WORKERS || seconds == 0) {
		fprintf(stderr,
				"usage: ng_rtt -n URI rtt [-c COUNT] [-b BLOCK]\n"
				"       ng_rtt -n URI tput [-w WORKERS] [-t SECONDS]\n");
		return 1;
	}
	if(strcmp(argv[optind], "rtt") == 0)
		return run_rtt(uri, count, block);
	if(strcmp(argv[optind], "tput") == 0)
		return run_tput(uri, workers, seconds);
	fprintf(stderr, "ng_rtt: unknown mode %s\n", argv[optind]);
	return 1;
}
