/*
 * freeport: print a base port P such that P .. P+N-1 can all be bound on
 * 127.0.0.1 for both UDP and TCP at the time of the check.
 *
 * Usage: freeport [N]        (N defaults to 1, at most 1000)
 *
 * Ranges are drawn at random below the kernel's ephemeral port range
 * (net.ipv4.ip_local_port_range, 32768..60999 by default) and from 10000 up:
 * a port that is free now must not be taken a moment later by some
 * process's outgoing socket (Kamailio's workers open UDP sockets to
 * rtpengine after the test chose its ports).  Every port of a candidate
 * range is also really bound (UDP, then TCP, without SO_REUSEADDR) and
 * released at once before the base is printed.
 * Exit status: 0 and the base on stdout; 1 after many failed attempts;
 * 2 on a usage error.
 *
 * The check is inherently racy (another process may take a port after we
 * release it); callers keep ranges per test run and retry if a daemon
 * fails to bind.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#define BASE_MIN 10000
#define EPHEMERAL_DEFAULT 32768
#define MAX_COUNT 1000
#define MAX_ATTEMPTS 500

/* Return 1 when 127.0.0.1:port can be bound with the given socket type. */
static int port_free(int type, unsigned port)
{
	struct sockaddr_in sin;
	int fd, ok;

	fd = socket(AF_INET, type, 0);
	if(fd < 0)
		return 0;
	memset(&sin, 0, sizeof(sin));
	sin.sin_family = AF_INET;
	sin.sin_port = htons((unsigned short)port);
	sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	ok = bind(fd, (struct sockaddr *)&sin, sizeof(sin)) == 0;
	close(fd);
	return ok;
}

/* The first port of the kernel's ephemeral range. */
static unsigned ephemeral_low(void)
{
	FILE *f = fopen("/proc/sys/net/ipv4/ip_local_port_range", "r");
	unsigned lo = EPHEMERAL_DEFAULT, hi;

	if(f != NULL) {
		if(fscanf(f, "%u %u", &lo, &hi) != 2)
			lo = EPHEMERAL_DEFAULT;
		fclose(f);
	}
	return lo;
}

/* Seed from /dev/urandom, falling back to time and pid. */
static void seed(void)
{
	unsigned s = 0;
	struct timeval tv;
	int fd;

	fd = open("/dev/urandom", O_RDONLY);
	if(fd >= 0) {
		if(read(fd, &s, sizeof(s)) != (ssize_t)sizeof(s))
			s = 0;
		close(fd);
	}
	gettimeofday(&tv, NULL);
	s ^= (unsigned)tv.tv_usec ^ ((unsigned)tv.tv_sec << 8)
		 ^ ((unsigned)getpid() << 16);
	srandom(s);
}

int main(int argc, char **argv)
{
	long n = 1;
	char *end;
	int attempt;
	unsigned limit;

	if(argc > 2) {
		fprintf(stderr, "usage: %s [N]\n", argv[0]);
		return 2;
	}
	if(argc == 2) {
		errno = 0;
		n = strtol(argv[1], &end, 10);
		if(errno || *end || end == argv[1] || n < 1 || n > MAX_COUNT) {
			fprintf(stderr, "%s: N must be 1..%d\n", argv[0], MAX_COUNT);
			return 2;
		}
	}
	seed();
	limit = ephemeral_low();
	if(limit < BASE_MIN + (unsigned)n + 1000)
		limit = EPHEMERAL_DEFAULT; /* odd settings: the default floor */
	for(attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		/* base .. base+n-1 stays below the ephemeral range */
		unsigned base = BASE_MIN
						+ (unsigned)(random() % (limit - BASE_MIN - (unsigned)n));
		long i;

		for(i = 0; i < n; i++) {
			if(!port_free(SOCK_DGRAM, base + (unsigned)i)
					|| !port_free(SOCK_STREAM, base + (unsigned)i))
				break;
		}
		if(i == n) {
			printf("%u\n", base);
			return 0;
		}
	}
	fprintf(stderr, "%s: no free range of %ld ports after %d attempts\n",
			argv[0], n, MAX_ATTEMPTS);
	return 1;
}
