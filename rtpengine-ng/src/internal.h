/*
 * Internal declarations shared by the library's source files.  Nothing here
 * is exported: the library is built with -fvisibility=hidden.
 */
#ifndef RTPENGINE_NG_INTERNAL_H
#define RTPENGINE_NG_INTERNAL_H

#include <stddef.h>
#include <sys/socket.h>

/* Parse "udp:HOST:PORT" / "HOST:PORT" / "udp:[V6]:PORT" into addr.
 * Returns RNG_OK or RNG_ERR_INVAL. */
int rng_udp_parse_uri(
		const char *uri, struct sockaddr_storage *addr, socklen_t *alen);
/* A non-blocking UDP socket connected to addr, or a negative status. */
int rng_udp_open(const struct sockaddr_storage *addr, socklen_t alen);
/* Send cookie, a space, then body, as one datagram. */
int rng_udp_send(
		int fd, const char *cookie, size_t clen, const char *body, size_t blen);
/* Wait up to timeout_ms for a datagram; returns its length, 0 on timeout,
 * or RNG_ERR_REFUSED / RNG_ERR_SOCKET. */
int rng_udp_recv(int fd, char *buf, size_t cap, unsigned timeout_ms);
/* Monotonic milliseconds. */
unsigned long long rng_now_ms(void);

#endif
