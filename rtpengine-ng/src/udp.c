/*
 * UDP transport for ng messages: address parsing and datagram I/O.
 */
#include <errno.h>
#include <poll.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <fcntl.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/uio.h>

#include "rtpengine-ng/rng.h"
#include "internal.h"

int rng_udp_parse_uri(
		const char *uri, struct sockaddr_storage *addr, socklen_t *alen)
{
	char host[64];
	const char *h, *hend, *port;
	unsigned long p = 0;
	size_t hlen;

	if(uri == NULL)
		return RNG_ERR_INVAL;
	if(strncmp(uri, "udp:", 4) == 0)
		uri += 4;
	if(uri[0] == '[') {
		h = uri + 1;
		hend = strchr(h, ']');
		if(hend == NULL || hend[1] != ':')
			return RNG_ERR_INVAL;
		port = hend + 2;
	} else {
		h = uri;
		hend = strrchr(uri, ':');
		if(hend == NULL)
			return RNG_ERR_INVAL;
		port = hend + 1;
	}
	hlen = (size_t)(hend - h);
	if(hlen == 0 || hlen >= sizeof(host) || *port == '\0')
		return RNG_ERR_INVAL;
	for(; *port; port++) {
		if(*port < '0' || *port > '9')
			return RNG_ERR_INVAL;
		p = p * 10 + (unsigned long)(*port - '0');
		if(p > 65535)
			return RNG_ERR_INVAL;
	}
	if(p == 0)
		return RNG_ERR_INVAL;
	memcpy(host, h, hlen);
	host[hlen] = '\0';
	memset(addr, 0, sizeof(*addr));
	if(uri[0] != '[') {
		struct sockaddr_in *a4 = (struct sockaddr_in *)addr;
		if(inet_pton(AF_INET, host, &a4->sin_addr) != 1)
			return RNG_ERR_INVAL;
		a4->sin_family = AF_INET;
		a4->sin_port = htons((unsigned short)p);
		*alen = sizeof(*a4);
	} else {
		struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)addr;
		if(inet_pton(AF_INET6, host, &a6->sin6_addr) != 1)
			return RNG_ERR_INVAL;
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((unsigned short)p);
		*alen = sizeof(*a6);
	}
	return RNG_OK;
}

int rng_udp_open(const struct sockaddr_storage *addr, socklen_t alen)
{
	int fd = socket(
			addr->ss_family, SOCK_DGRAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
	if(fd < 0)
		return RNG_ERR_SOCKET;
	if(connect(fd, (const struct sockaddr *)addr, alen) < 0) {
		close(fd);
		return RNG_ERR_SOCKET;
	}
	return fd;
}

int rng_udp_send(
		int fd, const char *cookie, size_t clen, const char *body, size_t blen)
{
	struct iovec iov[3];
	struct msghdr mh;
	ssize_t n;

	iov[0].iov_base = (void *)cookie;
	iov[0].iov_len = clen;
	iov[1].iov_base = (void *)" ";
	iov[1].iov_len = 1;
	iov[2].iov_base = (void *)body;
	iov[2].iov_len = blen;
	memset(&mh, 0, sizeof(mh));
	mh.msg_iov = iov;
	mh.msg_iovlen = 3;
	do {
		n = sendmsg(fd, &mh, MSG_NOSIGNAL);
	} while(n < 0 && errno == EINTR);
	if(n < 0)
		return errno == ECONNREFUSED ? RNG_ERR_REFUSED : RNG_ERR_SOCKET;
	return RNG_OK;
}

unsigned long long rng_now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (unsigned long long)ts.tv_sec * 1000ULL
		   + (unsigned long long)ts.tv_nsec / 1000000ULL;
}

int rng_udp_recv(int fd, char *buf, size_t cap, unsigned timeout_ms)
{
	unsigned long long deadline = rng_now_ms() + timeout_ms;
	struct pollfd pfd;
	ssize_t n;
	int r;

	for(;;) {
		unsigned long long now = rng_now_ms();
		if(now >= deadline)
			return 0;
		pfd.fd = fd;
		pfd.events = POLLIN;
		pfd.revents = 0;
		r = poll(&pfd, 1, (int)(deadline - now));
		if(r < 0 && errno == EINTR)
			continue;
		if(r < 0)
			return RNG_ERR_SOCKET;
		if(r == 0)
			return 0;
		n = recv(fd, buf, cap, MSG_TRUNC);
		if(n < 0) {
			if(errno == EINTR || errno == EAGAIN || errno == EWOULDBLOCK)
				continue;
			return errno == ECONNREFUSED ? RNG_ERR_REFUSED : RNG_ERR_SOCKET;
		}
		if(n == 0 || (size_t)n > cap)
			continue; /* empty, or larger than any valid reply */
		return (int)n;
	}
}
