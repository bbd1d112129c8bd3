/*
 * tls_relay: a UE's TLS client for the tests, in front of a SIP UA that
 * speaks plain TCP (Debian's SIPp is built without TLS).
 *
 *   sipp -t t1 --TCP--> tls_relay --TLS--> Kamailio's tls: socket
 *
 * It listens on --listen ADDR:PORT (TCP).  For each connection accepted
 * there it opens a TLS connection to --connect ADDR:PORT, verifying the
 * server's certificate against --ca FILE (PEM) and its address against the
 * certificate's IP subjectAltName (the address of --connect), and relays
 * bytes both ways until either side closes.  Several connections may be up
 * at once (one SIPp after another, each with its own).  A handshake that
 * fails (certificate not trusted, wrong address, no TLS) closes the
 * accepted connection and is logged; the relay keeps listening.
 *
 * One line per event on stdout, e.g.
 *   listening on 127.0.0.1:40000, TLS to 127.0.0.1:40002, CA ca.pem
 *   conn 1: from 127.0.0.1:40010: TLS TLSv1.3 TLS_AES_256_GCM_SHA384, server certificate verified: subject CN=...; issuer CN=...
 *   conn 1: closed by client (up 1234 bytes, down 567 bytes)
 *   conn 2: from ...: TLS handshake failed: certificate verify failed
 * No key material is printed.  SIGTERM ends it.
 *
 * Build: cc -O2 -o tls_relay tls_relay.c -lssl -lcrypto
 */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509v3.h>

#define MAX_CONNS 16
#define BUF_SIZE 16384

struct conn
{
	int id;
	int cfd; /* the plain TCP side (SIPp) */
	int tfd; /* the TLS side */
	SSL *ssl;
	unsigned long up, down;
};

static struct conn conns[MAX_CONNS];
static int nconns;

static void usage(void)
{
	fprintf(stderr, "usage: tls_relay --listen ADDR:PORT --connect ADDR:PORT "
					"--ca FILE\n");
	exit(2);
}

/* "a.b.c.d:port" into sin; the address part into addr (for the IP check). */
static int parse_hostport(
		const char *s, struct sockaddr_in *sin, char *addr, size_t n)
{
	const char *colon = strrchr(s, ':');
	char *end;
	long port;

	if(colon == NULL || (size_t)(colon - s) >= n)
		return -1;
	memcpy(addr, s, colon - s);
	addr[colon - s] = '\0';
	port = strtol(colon + 1, &end, 10);
	if(*end != '\0' || port <= 0 || port > 65535)
		return -1;
	memset(sin, 0, sizeof(*sin));
	sin->sin_family = AF_INET;
	sin->sin_port = htons((unsigned short)port);
	return inet_pton(AF_INET, addr, &sin->sin_addr) == 1 ? 0 : -1;
}

static const char *ssl_err(void)
{
	static char buf[256];
	unsigned long e = ERR_get_error();

	if(e == 0)
		return "connection closed";
	ERR_error_string_n(e, buf, sizeof(buf));
	ERR_clear_error();
	return buf;
}

static void set_nonblock(int fd)
{
	fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK);
}

/* Wait until fd is ready for what SSL wants after err; 0 to retry. */
static int ssl_wait(struct conn *c, int err)
{
	struct pollfd p = {c->tfd, 0, 0};

	if(err == SSL_ERROR_WANT_READ)
		p.events = POLLIN;
	else if(err == SSL_ERROR_WANT_WRITE)
		p.events = POLLOUT;
	else
		return -1;
	return poll(&p, 1, 5000) == 1 ? 0 : -1;
}

static int write_all(int fd, const char *b, size_t n)
{
	ssize_t w;

	while(n > 0) {
		w = write(fd, b, n);
		if(w < 0 && errno == EINTR)
			continue;
		if(w <= 0)
			return -1;
		b += w;
		n -= (size_t)w;
	}
	return 0;
}

static void close_conn(int i, const char *why)
{
	struct conn *c = &conns[i];

	printf("conn %d: closed by %s (up %lu bytes, down %lu bytes)\n", c->id, why,
			c->up, c->down);
	if(c->ssl) {
		SSL_shutdown(c->ssl);
		SSL_free(c->ssl);
	}
	close(c->tfd);
	close(c->cfd);
	conns[i] = conns[--nconns];
}

/* Client -> TLS.  -1: the connection is gone. */
static int pump_up(struct conn *c)
{
	char buf[BUF_SIZE];
	ssize_t n = read(c->cfd, buf, sizeof(buf));
	int w, e;

	if(n < 0 && (errno == EINTR || errno == EAGAIN))
		return 0;
	if(n <= 0)
		return -1;
	for(;;) {
		w = SSL_write(c->ssl, buf, (int)n);
		if(w > 0)
			break;
		e = SSL_get_error(c->ssl, w);
		if(ssl_wait(c, e) < 0)
			return -2;
	}
	c->up += (unsigned long)n;
	return 0;
}

/* TLS -> client, everything SSL has.  -1: closed by the server. */
static int pump_down(struct conn *c)
{
	char buf[BUF_SIZE];
	int n, e;

	for(;;) {
		n = SSL_read(c->ssl, buf, sizeof(buf));
		if(n > 0) {
			if(write_all(c->cfd, buf, (size_t)n) < 0)
				return -2;
			c->down += (unsigned long)n;
			continue;
		}
		e = SSL_get_error(c->ssl, n);
		if(e == SSL_ERROR_WANT_READ)
			return 0;
		if(e == SSL_ERROR_WANT_WRITE) {
			if(ssl_wait(c, e) < 0)
				return -1;
			continue;
		}
		return -1;
	}
}

static void accept_one(int lfd, SSL_CTX *ctx, const struct sockaddr_in *dst,
		const char *dst_addr)
{
	static int next_id = 1;
	struct sockaddr_in from;
	socklen_t fl = sizeof(from);
	char fa[INET_ADDRSTRLEN] = "?";
	int cfd, tfd, one = 1, rc;
	SSL *ssl;
	X509 *cert;
	char subj[256] = "", iss[256] = "";
	struct conn *c;
	struct timeval hs_timeout = {5, 0};
	int id;

	cfd = accept(lfd, (struct sockaddr *)&from, &fl);
	if(cfd < 0)
		return;
	id = next_id++;
	inet_ntop(AF_INET, &from.sin_addr, fa, sizeof(fa));
	printf("conn %d: from %s:%u: ", id, fa, ntohs(from.sin_port));
	if(nconns == MAX_CONNS) {
		printf("too many connections\n");
		close(cfd);
		return;
	}
	tfd = socket(AF_INET, SOCK_STREAM, 0);
	if(tfd < 0
			|| connect(tfd, (const struct sockaddr *)dst, sizeof(*dst)) < 0) {
		printf("cannot connect to the TLS server: %s\n", strerror(errno));
		if(tfd >= 0)
			close(tfd);
		close(cfd);
		return;
	}
	setsockopt(tfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	setsockopt(cfd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
	/* a server that never answers fails the handshake, not the relay */
	setsockopt(tfd, SOL_SOCKET, SO_RCVTIMEO, &hs_timeout, sizeof(hs_timeout));
	setsockopt(tfd, SOL_SOCKET, SO_SNDTIMEO, &hs_timeout, sizeof(hs_timeout));
	ssl = SSL_new(ctx);
	SSL_set_fd(ssl, tfd);
	/* the server's certificate must name the address we connect to */
	X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), dst_addr);
	rc = SSL_connect(ssl);
	if(rc != 1) {
		long v = SSL_get_verify_result(ssl);
		printf("TLS handshake failed: %s%s%s\n", ssl_err(),
				v != X509_V_OK ? ": " : "",
				v != X509_V_OK ? X509_verify_cert_error_string(v) : "");
		SSL_free(ssl);
		close(tfd);
		close(cfd);
		return;
	}
	cert = SSL_get1_peer_certificate(ssl);
	if(cert) {
		X509_NAME_oneline(X509_get_subject_name(cert), subj, sizeof(subj));
		X509_NAME_oneline(X509_get_issuer_name(cert), iss, sizeof(iss));
		X509_free(cert);
	}
	printf("TLS %s %s, server certificate %s: subject %s; issuer %s\n",
			SSL_get_version(ssl), SSL_get_cipher_name(ssl),
			SSL_get_verify_result(ssl) == X509_V_OK ? "verified"
													: "NOT verified",
			subj, iss);
	set_nonblock(tfd);
	c = &conns[nconns++];
	memset(c, 0, sizeof(*c));
	c->id = id;
	c->cfd = cfd;
	c->tfd = tfd;
	c->ssl = ssl;
}

int main(int argc, char **argv)
{
	struct sockaddr_in lsin, dsin;
	char laddr[64] = "", daddr[64] = "";
	const char *listen_s = NULL, *connect_s = NULL, *ca = NULL;
	SSL_CTX *ctx;
	int lfd, one = 1, i, n;

	for(i = 1; i < argc; i++) {
		if(i + 1 < argc && strcmp(argv[i], "--listen") == 0)
			listen_s = argv[++i];
		else if(i + 1 < argc && strcmp(argv[i], "--connect") == 0)
			connect_s = argv[++i];
		else if(i + 1 < argc && strcmp(argv[i], "--ca") == 0)
			ca = argv[++i];
		else
			usage();
	}
	if(!listen_s || !connect_s || !ca
			|| parse_hostport(listen_s, &lsin, laddr, sizeof(laddr)) < 0
			|| parse_hostport(connect_s, &dsin, daddr, sizeof(daddr)) < 0)
		usage();
	setvbuf(stdout, NULL, _IOLBF, 0);
	signal(SIGPIPE, SIG_IGN);

	ctx = SSL_CTX_new(TLS_client_method());
	if(ctx == NULL || SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1
			|| SSL_CTX_load_verify_locations(ctx, ca, NULL) != 1) {
		fprintf(stderr, "tls_relay: TLS set-up failed (CA %s): %s\n", ca,
				ssl_err());
		return 1;
	}
	SSL_CTX_set_verify(ctx, SSL_VERIFY_PEER, NULL);

	lfd = socket(AF_INET, SOCK_STREAM, 0);
	if(lfd < 0)
		return 1;
	setsockopt(lfd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if(bind(lfd, (struct sockaddr *)&lsin, sizeof(lsin)) < 0
			|| listen(lfd, 8) < 0) {
		fprintf(stderr, "tls_relay: cannot listen on %s: %s\n", listen_s,
				strerror(errno));
		return 1;
	}
	printf("listening on %s, TLS to %s, CA %s\n", listen_s, connect_s, ca);

	for(;;) {
		/* per connection: its client side, then its TLS side */
		struct pollfd all[1 + 2 * MAX_CONNS];

		all[0].fd = lfd;
		all[0].events = POLLIN;
		all[0].revents = 0;
		for(i = 0; i < nconns; i++) {
			all[1 + 2 * i].fd = conns[i].cfd;
			all[2 + 2 * i].fd = conns[i].tfd;
			all[1 + 2 * i].events = all[2 + 2 * i].events = POLLIN;
			all[1 + 2 * i].revents = all[2 + 2 * i].revents = 0;
		}
		n = 1 + 2 * nconns;
		/* data that SSL already holds does not wake poll: do not wait */
		for(i = 0; i < nconns; i++)
			if(SSL_pending(conns[i].ssl) > 0)
				break;
		if(poll(all, (nfds_t)n, i < nconns ? 0 : -1) < 0) {
			if(errno == EINTR)
				continue;
			return 1;
		}
		/* backwards: close_conn moves the last connection into slot i */
		for(i = nconns - 1; i >= 0; i--) {
			struct conn *c = &conns[i];
			int rc;

			if(all[1 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR)) {
				rc = pump_up(c);
				if(rc < 0) {
					close_conn(i, rc == -1 ? "client" : "error");
					continue;
				}
			}
			if((all[2 + 2 * i].revents & (POLLIN | POLLHUP | POLLERR))
					|| SSL_pending(c->ssl) > 0) {
				rc = pump_down(c);
				if(rc < 0) {
					close_conn(i, rc == -1 ? "server" : "error");
					continue;
				}
			}
		}
		if(all[0].revents & POLLIN)
			accept_one(lfd, ctx, &dsin, daddr);
	}
}
