/*
 * freeport: hand out local port ranges for the tests.
 *
 * Usage:
 *   freeport [N]
 *       print a base port P such that P .. P+N-1 can all be bound now
 *       (random draw; N defaults to 1, at most 10000)
 *   freeport -l LEDGER [-o OWNER] [-x FILE]... [N]
 *       take a range from the port ledger LEDGER (created when missing)
 *       for OWNER (a word: "SESSION/CASE" for a case of a test/run.sh
 *       session) and print its base.  The ledger is locked (flock) for the
 *       whole transaction, so that concurrent callers never get
 *       overlapping ranges: the parallel cases of a session, and the
 *       sessions that share the ledger (test/run.sh's default ledger is
 *       one per checkout, test/out/ports.ledger, also seen from a chroot
 *       that mounts the checkout at the same path)
 *   freeport -l LEDGER -r OWNER
 *       release OWNER's ranges (run.sh, once the case's processes ended)
 *   freeport -l LEDGER -S SESSION -p PID
 *       a session begins, run by process PID (run.sh): while PID lives,
 *       the ranges of its owners "SESSION/..." are live unless released
 *   freeport -l LEDGER -E SESSION
 *       the session ended: none of its ranges is live any more
 *
 * Ports are drawn below the kernel's ephemeral port range
 * (net.ipv4.ip_local_port_range, 32768..60999 by default) and from 10000
 * up: a port that is free now must not be taken a moment later by some
 * process's outgoing socket (Kamailio's workers open UDP sockets to
 * rtpengine after the test chose its ports).  Every port of a candidate
 * range is really bound (UDP, then TCP, on 127.0.0.1 and on ::1 when the
 * host has it, without SO_REUSEADDR) and released at once before the base
 * is printed.
 *
 * The ledger is a text file of lines, appended to:
 *   take BASE N OWNER       a range handed out
 *   free OWNER              OWNER's ranges are released
 *   session ID PID START    a session, run by PID (START: the process's
 *                           start time, so that a recycled pid is not it)
 *   end ID                  the session ended
 *   next PORT               where the next take starts (after compaction)
 * A take continues from the end of the ledger's last range (the first one
 * of a new ledger starts at a random port), so a port is handed out again
 * only after the cursor went once round the whole space (about 22,000
 * ports), and never while its range is live: taken, not released, and its
 * session (if it names one) still running.  The ranges of every -x FILE
 * (lines "BASE N ...": a run's own list of ranges) are skipped too, and
 * so are ports that fail the bind check.  When the ledger grows past
 * 256 kB it is rewritten with its live entries only.  Lines the program
 * does not understand are ignored.
 *
 * Exit status: 0 (and the base on stdout, for a take); 1 when no range is
 * free or the ledger cannot be used (the reason on stderr); 2 on a usage
 * error.
 *
 * The bind check is inherently racy (another program may take a port after
 * we release it, and a daemon binds its media ports only when a call needs
 * them); callers retry on new ports when a daemon fails to bind.
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/time.h>
#include <unistd.h>

#define BASE_MIN 10000
#define EPHEMERAL_DEFAULT 32768
#define MAX_COUNT 10000
#define MAX_ATTEMPTS 500
#define MAX_EXCLUDE 16
#define COMPACT_SIZE (256 * 1024)

/* Return 1 when port can be bound on the loopback address of family af
 * with the given socket type.  ::1 missing (no IPv6, or no loopback
 * address) counts as free: nobody can be bound there either. */
static int port_free_af(int af, int type, unsigned port)
{
	struct sockaddr_in sin;
	struct sockaddr_in6 sin6;
	struct sockaddr *sa;
	socklen_t len;
	int fd, ok, one = 1;

	fd = socket(af, type, 0);
	if(fd < 0)
		return af == AF_INET6;
	if(af == AF_INET) {
		memset(&sin, 0, sizeof(sin));
		sin.sin_family = AF_INET;
		sin.sin_port = htons((unsigned short)port);
		sin.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
		sa = (struct sockaddr *)&sin;
		len = sizeof(sin);
	} else {
		(void)setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
		memset(&sin6, 0, sizeof(sin6));
		sin6.sin6_family = AF_INET6;
		sin6.sin6_port = htons((unsigned short)port);
		sin6.sin6_addr = in6addr_loopback;
		sa = (struct sockaddr *)&sin6;
		len = sizeof(sin6);
	}
	ok = bind(fd, sa, len) == 0;
	if(!ok && af == AF_INET6 && errno == EADDRNOTAVAIL)
		ok = 1;
	close(fd);
	return ok;
}

static int port_free(unsigned port)
{
	return port_free_af(AF_INET, SOCK_DGRAM, port)
		   && port_free_af(AF_INET, SOCK_STREAM, port)
		   && port_free_af(AF_INET6, SOCK_DGRAM, port)
		   && port_free_af(AF_INET6, SOCK_STREAM, port);
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

/* The random mode: the program as it always was. */
static int take_random(unsigned n, unsigned limit)
{
	int attempt;

	for(attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
		/* base .. base+n-1 stays below the ephemeral range */
		unsigned base =
				BASE_MIN + (unsigned)(random() % (limit - BASE_MIN - n));
		unsigned i;

		for(i = 0; i < n; i++) {
			if(!port_free(base + i))
				break;
		}
		if(i == n) {
			printf("%u\n", base);
			return 0;
		}
	}
	fprintf(stderr, "freeport: no free range of %u ports after %d attempts\n",
			n, MAX_ATTEMPTS);
	return 1;
}

/* ----- the ledger ----- */

struct range
{
	unsigned base, n;
	const char *owner; /* NULL: an excluded range (-x) */
	int freed;
};

struct session
{
	const char *id;
	const char *pid, *start; /* as written */
	int live;
};

static struct range *ranges;
static size_t nranges, rcap;
static struct session *sessions;
static size_t nsessions, scap;

/* arr (n elements of size elem, room for *cap) with room for one more:
 * arr itself, or a larger copy (*cap doubled, first when it was 0); NULL
 * when memory runs out (arr and *cap unchanged). */
static void *grow(void *arr, size_t *cap, size_t n, size_t elem, size_t first)
{
	size_t c;
	void *p;

	if(n < *cap)
		return arr;
	c = *cap ? 2 * *cap : first;
	p = realloc(arr, c * elem);
	if(p != NULL)
		*cap = c;
	return p;
}

static int add_range(unsigned base, unsigned n, const char *owner)
{
	struct range *r = grow(ranges, &rcap, nranges, sizeof(*r), 256);

	if(r == NULL)
		return -1;
	ranges = r;
	ranges[nranges].base = base;
	ranges[nranges].n = n;
	ranges[nranges].owner = owner;
	ranges[nranges].freed = 0;
	nranges++;
	return 0;
}

/* The start time (clock ticks since boot, field 22 of /proc/PID/stat) of
 * process PID, as text into buf; 0 when there is no such process. */
static int proc_start(const char *pid, char *buf, size_t size)
{
	char path[64], stat[1024], *p, *save = NULL;
	FILE *f;
	size_t len;
	int field;

	snprintf(path, sizeof(path), "/proc/%s/stat", pid);
	f = fopen(path, "r");
	if(f == NULL)
		return 0;
	len = fread(stat, 1, sizeof(stat) - 1, f);
	fclose(f);
	stat[len] = '\0';
	p = strrchr(stat, ')'); /* the comm may hold blanks and ')' */
	if(p == NULL)
		return 0;
	/* after ")": field 3 (state) onwards */
	for(field = 3, p = strtok_r(p + 1, " ", &save); p != NULL && field < 22;
			p = strtok_r(NULL, " ", &save))
		field++;
	if(p == NULL)
		return 0;
	snprintf(buf, size, "%s", p);
	return 1;
}

static int add_session(const char *id, const char *pid, const char *start)
{
	char now[32];
	struct session *r = grow(sessions, &scap, nsessions, sizeof(*r), 16);

	if(r == NULL)
		return -1;
	sessions = r;
	sessions[nsessions].id = id;
	sessions[nsessions].pid = pid;
	sessions[nsessions].start = start;
	sessions[nsessions].live =
			proc_start(pid, now, sizeof(now)) && strcmp(now, start) == 0;
	nsessions++;
	return 0;
}

static struct session *find_session(const char *id, size_t len)
{
	size_t i;

	for(i = nsessions; i-- > 0;) {
		if(strlen(sessions[i].id) == len
				&& strncmp(sessions[i].id, id, len) == 0)
			return &sessions[i];
	}
	return NULL;
}

/* A range is live: taken, not released, its session (if any) running. */
static int range_live(const struct range *r)
{
	const char *slash;
	const struct session *se;

	if(r->owner == NULL)
		return 1;
	if(r->freed)
		return 0;
	slash = strchr(r->owner, '/');
	if(slash == NULL)
		return 1;
	se = find_session(r->owner, (size_t)(slash - r->owner));
	return se == NULL || se->live;
}

/* Read a whole file from fd into a NUL-terminated buffer. */
static char *slurp(int fd, size_t *lenp)
{
	size_t len = 0, size = 65536;
	char *buf = malloc(size + 1), *b;
	ssize_t r;

	if(buf == NULL)
		return NULL;
	if(lseek(fd, 0, SEEK_SET) < 0) {
		free(buf);
		return NULL;
	}
	while((r = read(fd, buf + len, size - len)) != 0) {
		if(r < 0) {
			if(errno == EINTR)
				continue;
			free(buf);
			return NULL;
		}
		len += (size_t)r;
		if(len == size) {
			size *= 2;
			b = realloc(buf, size + 1);
			if(b == NULL) {
				free(buf);
				return NULL;
			}
			buf = b;
		}
	}
	buf[len] = '\0';
	*lenp = len;
	return buf;
}

/* Parse the ledger text (modified in place): its ranges, sessions and the
 * cursor (the end of the last range taken, or a "next" line; 0 when
 * none). */
static int parse_ledger(char *text, unsigned *cursor)
{
	char *line, *save = NULL, *w, *s2, *a, *b, *c;
	unsigned base, n;
	size_t i;

	*cursor = 0;
	for(line = strtok_r(text, "\n", &save); line != NULL;
			line = strtok_r(NULL, "\n", &save)) {
		w = strtok_r(line, " \t", &s2);
		if(w == NULL)
			continue;
		a = strtok_r(NULL, " \t", &s2);
		b = a ? strtok_r(NULL, " \t", &s2) : NULL;
		c = b ? strtok_r(NULL, " \t", &s2) : NULL;
		if(strcmp(w, "take") == 0 && c != NULL) {
			base = (unsigned)strtoul(a, NULL, 10);
			n = (unsigned)strtoul(b, NULL, 10);
			if(base == 0 || n == 0)
				continue;
			if(add_range(base, n, c) < 0)
				return -1;
			*cursor = base + n;
		} else if(strcmp(w, "free") == 0 && a != NULL) {
			for(i = 0; i < nranges; i++) {
				if(ranges[i].owner != NULL && strcmp(ranges[i].owner, a) == 0)
					ranges[i].freed = 1;
			}
		} else if(strcmp(w, "session") == 0 && c != NULL) {
			if(add_session(a, b, c) < 0)
				return -1;
		} else if(strcmp(w, "end") == 0 && a != NULL) {
			struct session *se = find_session(a, strlen(a));

			if(se != NULL)
				se->live = 0;
		} else if(strcmp(w, "next") == 0 && a != NULL) {
			*cursor = (unsigned)strtoul(a, NULL, 10);
		}
	}
	return 0;
}

/* Add the ranges of an exclusion file (lines "BASE N ..."). */
static int read_exclude(const char *path)
{
	FILE *f = fopen(path, "r");
	char line[512];
	unsigned base, n;

	if(f == NULL)
		return errno == ENOENT ? 0 : -1;
	while(fgets(line, sizeof(line), f) != NULL) {
		if(sscanf(line, "%u %u", &base, &n) == 2 && base > 0 && n > 0) {
			if(add_range(base, n, NULL) < 0) {
				fclose(f);
				return -1;
			}
		}
	}
	fclose(f);
	return 0;
}

/* The end of the live or excluded range that meets base .. base+n-1, the
 * furthest one; 0 when none does. */
static unsigned overlap_end(unsigned base, unsigned n)
{
	unsigned end = 0;
	size_t i;

	for(i = 0; i < nranges; i++) {
		const struct range *r = &ranges[i];

		if(!range_live(r))
			continue;
		if(base < r->base + r->n && r->base < base + n && r->base + r->n > end)
			end = r->base + r->n;
	}
	return end;
}

static int write_all(int fd, const char *s)
{
	size_t len = strlen(s);
	ssize_t w;

	while(len > 0) {
		w = write(fd, s, len);
		if(w < 0) {
			if(errno == EINTR)
				continue;
			return -1;
		}
		s += w;
		len -= (size_t)w;
	}
	return 0;
}

/* Rewrite the ledger (locked, opened O_RDWR without O_APPEND by the caller
 * for this) with its live sessions and ranges and the cursor. */
static int compact(int fd, unsigned cursor)
{
	char line[4200];
	size_t i;

	if(ftruncate(fd, 0) < 0 || lseek(fd, 0, SEEK_SET) < 0)
		return -1;
	for(i = 0; i < nsessions; i++) {
		if(!sessions[i].live)
			continue;
		snprintf(line, sizeof(line), "session %s %s %s\n", sessions[i].id,
				sessions[i].pid, sessions[i].start);
		if(write_all(fd, line) < 0)
			return -1;
	}
	for(i = 0; i < nranges; i++) {
		if(ranges[i].owner == NULL || !range_live(&ranges[i]))
			continue;
		snprintf(line, sizeof(line), "take %u %u %s\n", ranges[i].base,
				ranges[i].n, ranges[i].owner);
		if(write_all(fd, line) < 0)
			return -1;
	}
	snprintf(line, sizeof(line), "next %u\n", cursor);
	return write_all(fd, line);
}

static int valid_word(const char *o)
{
	if(*o == '\0' || strlen(o) > 4000)
		return 0;
	for(; *o; o++) {
		if(*o == ' ' || *o == '\t' || *o == '\n' || *o == '\r')
			return 0;
	}
	return 1;
}

enum op
{
	OP_TAKE,
	OP_RELEASE,
	OP_SESSION,
	OP_END
};

static int ledger(const char *path, enum op op, const char *owner,
		const char *pid, const char **excl, int nexcl, unsigned n,
		unsigned limit)
{
	char *text = NULL, line[4200], start[32];
	unsigned cursor, base, end, i;
	size_t len = 0;
	int fd, wrapped = 0, k, rc = 1;

	/* not O_APPEND: compaction rewrites it; appends seek to the end */
	fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0644);
	if(fd < 0) {
		fprintf(stderr, "freeport: cannot open the ledger %s: %s\n", path,
				strerror(errno));
		return 1;
	}
	while(flock(fd, LOCK_EX) < 0) {
		if(errno != EINTR) {
			fprintf(stderr, "freeport: cannot lock %s: %s\n", path,
					strerror(errno));
			close(fd);
			return 1;
		}
	}
	if(lseek(fd, 0, SEEK_END) < 0)
		goto io;
	switch(op) {
		case OP_RELEASE:
			snprintf(line, sizeof(line), "free %s\n", owner);
			break;
		case OP_END:
			snprintf(line, sizeof(line), "end %s\n", owner);
			break;
		case OP_SESSION:
			if(!proc_start(pid, start, sizeof(start))) {
				fprintf(stderr, "freeport: no process %s\n", pid);
				goto out;
			}
			snprintf(line, sizeof(line), "session %s %s %s\n", owner, pid,
					start);
			break;
		default:
			line[0] = '\0';
	}
	if(line[0] != '\0') {
		if(write_all(fd, line) < 0)
			goto io;
		rc = 0;
		goto out;
	}
	text = slurp(fd, &len);
	if(text == NULL || parse_ledger(text, &cursor) < 0) {
		fprintf(stderr, "freeport: cannot read the ledger %s\n", path);
		goto out;
	}
	for(k = 0; k < nexcl; k++) {
		if(read_exclude(excl[k]) < 0) {
			fprintf(stderr, "freeport: cannot read %s: %s\n", excl[k],
					strerror(errno));
			goto out;
		}
	}
	if(cursor == 0) /* a new ledger: start anywhere */
		cursor = BASE_MIN + (unsigned)(random() % (limit - BASE_MIN - n));
	base = cursor;
	for(;;) {
		if(base < BASE_MIN)
			base = BASE_MIN;
		if(base + n > limit) {
			if(wrapped++) {
				fprintf(stderr,
						"freeport: no free range of %u ports in %u..%u "
						"(ledger %s)\n",
						n, BASE_MIN, limit - 1, path);
				goto out;
			}
			base = BASE_MIN;
		}
		/* once round: back past the start without finding one */
		if(wrapped && base >= cursor) {
			fprintf(stderr, "freeport: no free range of %u ports (ledger %s)\n",
					n, path);
			goto out;
		}
		end = overlap_end(base, n);
		if(end != 0) {
			base = end;
			continue;
		}
		for(i = 0; i < n; i++) {
			if(!port_free(base + i))
				break;
		}
		if(i < n) {
			base = base + i + 1;
			continue;
		}
		break;
	}
	if(len > COMPACT_SIZE && compact(fd, cursor) < 0)
		goto io;
	snprintf(line, sizeof(line), "take %u %u %s\n", base, n, owner);
	if(write_all(fd, line) < 0)
		goto io;
	printf("%u\n", base);
	rc = 0;
	goto out;
io:
	fprintf(stderr, "freeport: cannot write %s: %s\n", path, strerror(errno));
out:
	free(text);
	close(fd); /* releases the lock */
	return rc;
}

static int usage(const char *prog)
{
	fprintf(stderr,
			"usage: %s [N]\n"
			"       %s -l LEDGER [-o OWNER] [-x FILE]... [N]\n"
			"       %s -l LEDGER -r OWNER\n"
			"       %s -l LEDGER -S SESSION -p PID\n"
			"       %s -l LEDGER -E SESSION\n",
			prog, prog, prog, prog, prog);
	return 2;
}

int main(int argc, char **argv)
{
	long n = 1;
	char *end;
	const char *path = NULL, *owner = NULL, *pid = NULL, *excl[MAX_EXCLUDE];
	int opt, nexcl = 0, nops = 0;
	enum op op = OP_TAKE;
	unsigned limit;

	while((opt = getopt(argc, argv, "l:o:r:S:E:p:x:")) != -1) {
		switch(opt) {
			case 'l':
				path = optarg;
				break;
			case 'o':
				owner = optarg;
				break;
			case 'r':
				owner = optarg;
				op = OP_RELEASE;
				nops++;
				break;
			case 'S':
				owner = optarg;
				op = OP_SESSION;
				nops++;
				break;
			case 'E':
				owner = optarg;
				op = OP_END;
				nops++;
				break;
			case 'p':
				pid = optarg;
				break;
			case 'x':
				if(nexcl == MAX_EXCLUDE)
					return usage(argv[0]);
				excl[nexcl++] = optarg;
				break;
			default:
				return usage(argv[0]);
		}
	}
	if(argc - optind > 1 || nops > 1 || ((owner || nexcl || pid) && !path)
			|| (op != OP_TAKE && (argc - optind != 0 || nexcl))
			|| ((op == OP_SESSION) != (pid != NULL))
			|| (pid && strspn(pid, "0123456789") != strlen(pid))
			|| (owner && !valid_word(owner))
			|| ((op == OP_SESSION || op == OP_END) && strchr(owner, '/')))
		return usage(argv[0]);
	if(owner == NULL)
		owner = "-";
	if(argc - optind == 1) {
		errno = 0;
		n = strtol(argv[optind], &end, 10);
		if(errno || *end || end == argv[optind] || n < 1 || n > MAX_COUNT) {
			fprintf(stderr, "%s: N must be 1..%d\n", argv[0], MAX_COUNT);
			return 2;
		}
	}
	seed();
	limit = ephemeral_low();
	if(limit < BASE_MIN + (unsigned)n + 1000)
		limit = EPHEMERAL_DEFAULT; /* odd settings: the default floor */
	if(limit < BASE_MIN + (unsigned)n + 1000) {
		fprintf(stderr, "%s: %ld ports do not fit below %u\n", argv[0], n,
				limit);
		return 1;
	}
	if(path != NULL)
		return ledger(path, op, owner, pid, excl, nexcl, (unsigned)n, limit);
	return take_random((unsigned)n, limit);
}
