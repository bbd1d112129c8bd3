/*
 * srtp_probe: prove that media really flows, and how, through an SRTP/RTP
 * gateway (rtpengine as the IMS access gateway, 3GPP e2ae) or end to end.
 *
 * It plays both endpoints of one call, on loopback:
 *
 *   UE endpoint    SRTP/SRTCP, bound to --ue-local ADDR:PORT (RTP) and
 *                  PORT+1 (RTCP): the media address the UE put in its SDP.
 *                  It sends to --ue-remote (the gateway's UE-facing address
 *                  from the SDP the UE received), encrypting with
 *                  --ue-tx-key (the UE's own SDES key, from the UE's SDP),
 *                  and decrypts what it receives with --ue-rx-key (the key
 *                  the UE received in the SDP from the network).
 *   core endpoint  plain RTP/RTCP, bound to --core-local ADDR:PORT and
 *                  PORT+1 (the core's SDP address), sending to --core-remote
 *                  (the gateway's core-facing address from the SDP the core
 *                  received).
 *
 * Sequence (per enabled direction, both directions interleaved):
 *   1. warm-up: --warmup packets from each side (default 5), so that the
 *      gateway learns/latches both endpoints; they are checked (they must
 *      decrypt) but not counted, and the probe waits up to 1 s for the
 *      first of them to arrive;
 *   2. measured: --count packets (default 50) from each side, --interval ms
 *      apart (default 20), PT 0, 160-byte payloads carrying a magic, the
 *      direction, the index and an index-dependent byte pattern;
 *   3. up to --timeout ms (default 1000) for the last packets to arrive;
 *   4. with --rtcp: one RTCP compound (SR + SDES CNAME) from each side
 *      (SRTCP from the UE, plain from the core), retried up to 3 times,
 *      500 ms apart, until it arrives; the receiver checks the plain
 *      compound (after decryption on the UE side) is the one sent.
 *
 * A direction passes when at least COUNT - MAX_LOSS (--max-loss, default 2)
 * distinct measured payloads arrived intact, and no packet failed to decrypt,
 * arrived corrupted or (unless --any-source) from another address than the
 * endpoint's remote (the gateway must answer symmetrically).  Losses are
 * tolerated because a gateway may drop packets while it latches; duplicates
 * are reported, not failed.
 *
 * --passthrough proves e2e pass-through instead (no SRTP termination on the
 * path): the "core" endpoint is the far UE and speaks SRTP too.  It
 * encrypts with --ue-rx-key and decrypts with --ue-tx-key, and each side
 * checks that every packet (RTP and RTCP) it receives is byte-identical to
 * the SRTP/SRTCP packet the other side sent (matched by sequence number) and
 * decrypts with the sender's key.  Without a gateway, point --ue-remote at
 * --core-local and --core-remote at --ue-local.
 *
 * --far-srtp proves a hairpin instead: a call between two UEs that each
 * terminate SRTP at the gateway with their own keys (UE A <-SRTP key A->
 * gateway <-RTP-> gateway <-SRTP key B-> UE B).  The "core" endpoint is UE B
 * and speaks SRTP/SRTCP too: it encrypts with --core-tx-key (B's own key,
 * from B's SDP) and decrypts with --core-rx-key (the key B received from the
 * gateway), in --core-suite (default: --suite; the two ends may differ).
 * Both sides check payloads and RTCP compounds after decryption, as the UE
 * side does in the gateway mode; bytes are not compared (the gateway
 * re-encrypts).  Not with --passthrough.  Without a gateway, point the
 * addresses at each other as for --passthrough and give the core the UE's
 * keys crosswise (core-rx-key = ue-tx-key, core-tx-key = ue-rx-key).
 *
 * Output: a verdict block on stdout, e.g.
 *   ue->core: sent 50 srtp, received 50 rtp, payloads ok 50
 *   core->ue: sent 50 rtp, received 50 srtp, decrypted 50, payloads ok 50
 *   srtcp ue->core: ok
 *   rtcp core->ue: ok
 *   VERDICT: PASS                    (or VERDICT: FAIL <reasons>)
 * and with --far-srtp
 *   ue->core: sent 50 srtp, received 50 srtp, decrypted 50, payloads ok 50
 *   core->ue: sent 50 srtp, received 50 srtp, decrypted 50, payloads ok 50
 *   srtcp ue->core: ok
 *   srtcp core->ue: ok
 *   VERDICT: PASS
 * Keys are never printed.  Exit status: 0 PASS, 1 FAIL, 2 usage or setup
 * error.
 *
 * AES-192: libsrtp2 up to 2.7 derives AES-192 session keys with the AES-256
 * KDF (cisco/libsrtp#763), so against an RFC 6188 peer such as rtpengine the
 * AES_192_CM suites fail to authenticate in both directions; the probe
 * prints a note for them (they work in --passthrough, libsrtp on both ends,
 * and in a --far-srtp loopback self-test).
 *
 * Addresses: 127.0.0.1:PORT or [::1]:PORT.
 * Build: cc -O2 -Wall -Wextra -o srtp_probe srtp_probe.c \
 *            $(pkg-config --cflags --libs libsrtp2)
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <getopt.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <srtp2/srtp.h>

#define PAYLOAD_LEN 160
#define RTP_HDR_LEN 12
#define PKT_MAX 2048
#define MAGIC "SPRB"
#define MAX_COUNT 10000
#define MAX_WARMUP 100
#define RTCP_TRIES 3
#define RTCP_WAIT_MS 500
#define WARMUP_WAIT_MS 1000

/* ----- suites ----- */

static void set_aes_cm_128_80(srtp_crypto_policy_t *p)
{
	srtp_crypto_policy_set_aes_cm_128_hmac_sha1_80(p);
}

struct suite
{
	const char *name;
	int key_len;		 /* master key || master salt, bytes */
	int srtcp_index_off; /* E||SRTCP index: bytes from the end (no MKI) */
	void (*rtp)(srtp_crypto_policy_t *);
	void (*rtcp)(srtp_crypto_policy_t *);
};

/* SRTCP of the _32 suites keeps an 80-bit tag (RFC 4568 6.2.1, RFC 6188). */
static const struct suite suites[] = {
		{"AES_CM_128_HMAC_SHA1_80", 30, 14, set_aes_cm_128_80,
				set_aes_cm_128_80},
		{"AES_CM_128_HMAC_SHA1_32", 30, 14,
				srtp_crypto_policy_set_aes_cm_128_hmac_sha1_32,
				set_aes_cm_128_80},
		{"AES_192_CM_HMAC_SHA1_80", 38, 14,
				srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80,
				srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80},
		{"AES_192_CM_HMAC_SHA1_32", 38, 14,
				srtp_crypto_policy_set_aes_cm_192_hmac_sha1_32,
				srtp_crypto_policy_set_aes_cm_192_hmac_sha1_80},
		{"AES_256_CM_HMAC_SHA1_80", 46, 14,
				srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80,
				srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80},
		{"AES_256_CM_HMAC_SHA1_32", 46, 14,
				srtp_crypto_policy_set_aes_cm_256_hmac_sha1_32,
				srtp_crypto_policy_set_aes_cm_256_hmac_sha1_80},
		{"AEAD_AES_128_GCM", 28, 4, srtp_crypto_policy_set_aes_gcm_128_16_auth,
				srtp_crypto_policy_set_aes_gcm_128_16_auth},
		{"AEAD_AES_256_GCM", 44, 4, srtp_crypto_policy_set_aes_gcm_256_16_auth,
				srtp_crypto_policy_set_aes_gcm_256_16_auth},
};

static const struct suite *find_suite(const char *name)
{
	size_t i;

	for(i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		if(strcmp(suites[i].name, name) == 0)
			return &suites[i];
	return NULL;
}

/* ----- small utilities ----- */

static void __attribute__((noreturn, format(printf, 1, 2)))
setup_error(const char *fmt, ...)
{
	va_list ap;

	fputs("srtp_probe: ", stderr);
	va_start(ap, fmt);
	vfprintf(stderr, fmt, ap);
	va_end(ap);
	fputc('\n', stderr);
	exit(2);
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void random_bytes(void *buf, size_t len)
{
	int fd = open("/dev/urandom", O_RDONLY | O_CLOEXEC);

	if(fd < 0 || read(fd, buf, len) != (ssize_t)len)
		setup_error("cannot read /dev/urandom: %s", strerror(errno));
	close(fd);
}

static void put16(unsigned char *p, uint16_t v)
{
	p[0] = v >> 8;
	p[1] = v & 0xff;
}

static void put32(unsigned char *p, uint32_t v)
{
	p[0] = v >> 24;
	p[1] = (v >> 16) & 0xff;
	p[2] = (v >> 8) & 0xff;
	p[3] = v & 0xff;
}

static uint16_t get16(const unsigned char *p)
{
	return (uint16_t)(p[0] << 8 | p[1]);
}

static uint32_t get32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 | (uint32_t)p[2] << 8
		   | p[3];
}

/* Standard base64 (RFC 4648), '=' padding optional.  Returns the decoded
 * length or -1. */
static int b64_decode(const char *in, unsigned char *out, size_t out_max)
{
	static const char tbl[] =
			"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	uint32_t acc = 0;
	int bits = 0;
	size_t n = 0;
	const char *p;

	for(p = in; *p && *p != '='; p++) {
		const char *c = strchr(tbl, *p);

		if(!c || !*p)
			return -1;
		acc = acc << 6 | (uint32_t)(c - tbl);
		bits += 6;
		if(bits >= 8) {
			bits -= 8;
			if(n >= out_max)
				return -1;
			out[n++] = (acc >> bits) & 0xff;
		}
	}
	for(; *p == '='; p++)
		;
	if(*p || bits >= 6)
		return -1;
	return (int)n;
}

/* ----- addresses ----- */

struct addr
{
	struct sockaddr_storage ss;
	socklen_t len;
};

static unsigned addr_port(const struct addr *a)
{
	if(a->ss.ss_family == AF_INET6)
		return ntohs(((const struct sockaddr_in6 *)&a->ss)->sin6_port);
	return ntohs(((const struct sockaddr_in *)&a->ss)->sin_port);
}

static void addr_set_port(struct addr *a, unsigned port)
{
	if(a->ss.ss_family == AF_INET6)
		((struct sockaddr_in6 *)&a->ss)->sin6_port = htons(port);
	else
		((struct sockaddr_in *)&a->ss)->sin_port = htons(port);
}

/* "A.B.C.D:PORT" or "[V6]:PORT" */
static int parse_addr(const char *s, struct addr *a)
{
	char host[INET6_ADDRSTRLEN + 1];
	const char *colon, *h = s;
	size_t hl;
	char *end;
	long port;

	memset(a, 0, sizeof(*a));
	if(*s == '[') {
		const char *rb = strchr(s, ']');

		if(!rb || rb[1] != ':')
			return -1;
		h = s + 1;
		hl = (size_t)(rb - h);
		colon = rb + 1;
	} else {
		colon = strrchr(s, ':');
		if(!colon || strchr(s, ':') != colon)
			return -1;
		hl = (size_t)(colon - s);
	}
	if(hl == 0 || hl >= sizeof(host))
		return -1;
	memcpy(host, h, hl);
	host[hl] = '\0';
	errno = 0;
	port = strtol(colon + 1, &end, 10);
	if(errno || *end || end == colon + 1 || port < 1 || port > 65534)
		return -1;
	if(*s == '[') {
		struct sockaddr_in6 *s6 = (struct sockaddr_in6 *)&a->ss;

		if(inet_pton(AF_INET6, host, &s6->sin6_addr) != 1)
			return -1;
		s6->sin6_family = AF_INET6;
		s6->sin6_port = htons((uint16_t)port);
		a->len = sizeof(*s6);
	} else {
		struct sockaddr_in *s4 = (struct sockaddr_in *)&a->ss;

		if(inet_pton(AF_INET, host, &s4->sin_addr) != 1)
			return -1;
		s4->sin_family = AF_INET;
		s4->sin_port = htons((uint16_t)port);
		a->len = sizeof(*s4);
	}
	return 0;
}

static const char *addr_str(const struct addr *a, char *buf, size_t len)
{
	char h[INET6_ADDRSTRLEN];

	if(a->ss.ss_family == AF_INET6) {
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)&a->ss)->sin6_addr,
				h, sizeof(h));
		snprintf(buf, len, "[%s]:%u", h, addr_port(a));
	} else if(a->ss.ss_family == AF_INET) {
		inet_ntop(AF_INET, &((const struct sockaddr_in *)&a->ss)->sin_addr, h,
				sizeof(h));
		snprintf(buf, len, "%s:%u", h, addr_port(a));
	} else {
		snprintf(buf, len, "(none)");
	}
	return buf;
}

static int addr_eq(const struct addr *a, const struct sockaddr_storage *ss)
{
	if(a->ss.ss_family != ss->ss_family)
		return 0;
	if(ss->ss_family == AF_INET6) {
		const struct sockaddr_in6 *x = (const void *)&a->ss,
								  *y = (const void *)ss;

		return x->sin6_port == y->sin6_port
			   && memcmp(&x->sin6_addr, &y->sin6_addr, sizeof(x->sin6_addr))
						  == 0;
	}
	const struct sockaddr_in *x = (const void *)&a->ss, *y = (const void *)ss;

	return x->sin_port == y->sin_port
		   && x->sin_addr.s_addr == y->sin_addr.s_addr;
}

static int bind_udp(const struct addr *a)
{
	char buf[80];
	int fd, one = 1;

	fd = socket(a->ss.ss_family, SOCK_DGRAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if(fd < 0)
		setup_error("socket: %s", strerror(errno));
	if(a->ss.ss_family == AF_INET6)
		setsockopt(fd, IPPROTO_IPV6, IPV6_V6ONLY, &one, sizeof(one));
	if(bind(fd, (const struct sockaddr *)&a->ss, a->len) < 0)
		setup_error(
				"bind %s: %s", addr_str(a, buf, sizeof(buf)), strerror(errno));
	return fd;
}

/* ----- endpoints and per-direction state ----- */

struct endpoint
{
	const char *name; /* "ue" or "core" */
	int srtp;		  /* speaks SRTP */
	struct addr local, local_rtcp, remote, remote_rtcp;
	int fd_rtp, fd_rtcp;
	srtp_t tx, rx;
	uint32_t ssrc;
	uint16_t seq0;
	uint32_t ts0;
	unsigned next; /* packets sent so far (warm-up + measured) */
	uint32_t srtcp_sent;
};

struct wire
{
	unsigned char *buf;
	int len;
};

struct direction
{
	const char *label; /* "ue->core" */
	char tag;		   /* payload direction byte: 'U' or 'C' */
	int enabled;
	struct endpoint *from, *to;
	int sent_warm, sent;
	int rcv;	   /* packets received that were not warm-up ones */
	int rcv_warm;  /* warm-up packets received (decrypted, recognised) */
	int decrypted; /* of rcv: decrypted (SRTP receivers) */
	int decrypt_fail;
	int ok; /* distinct measured payloads intact */
	int corrupt, dup, bad_src, ssrc_changed, unknown;
	int identical, differing; /* passthrough: byte-identical to what was sent */
	unsigned char *seen;
	struct wire *wire; /* what went on the wire, by send number */
	/* RTCP */
	int rtcp_tries, rtcp_ok, rtcp_rewritten, rtcp_fail, rtcp_identical;
	unsigned char rtcp_plain[PKT_MAX], rtcp_wire[PKT_MAX];
	int rtcp_plain_len, rtcp_wire_len;
	char rtcp_note[160];
};

/* the keys, by the role they play */
enum
{
	K_UE_TX,   /* the UE's own key: encrypts ue->gateway */
	K_UE_RX,   /* the key the UE received: decrypts gateway->ue */
	K_CORE_TX, /* --far-srtp: UE B's own key, encrypts core->gateway */
	K_CORE_RX, /* --far-srtp: the key B received, decrypts gateway->core */
	NKEYS
};

static struct
{
	const struct suite *suite;
	const struct suite *core_suite; /* --far-srtp: the core side's suite */
	int count, warmup, interval, timeout, max_loss, rtcp, passthrough,
			any_source;
	int verbose, allow_srtcp_reencrypt, far_srtp;
	unsigned char key[NKEYS][64];
} opt = {
		.count = 50,
		.warmup = 5,
		.interval = 20,
		.timeout = 1000,
		.max_loss = 2,
};

static struct endpoint ue = {.name = "ue"}, core = {.name = "core"};
static struct direction u2c = {.label = "ue->core", .tag = 'U'};
static struct direction c2u = {.label = "core->ue", .tag = 'C'};

static srtp_t make_session(
		const struct suite *suite, const unsigned char *key, int outbound)
{
	srtp_policy_t pol;
	srtp_t s;
	srtp_err_status_t err;

	memset(&pol, 0, sizeof(pol));
	suite->rtp(&pol.rtp);
	suite->rtcp(&pol.rtcp);
	pol.ssrc.type = outbound ? ssrc_any_outbound : ssrc_any_inbound;
	pol.key = (unsigned char *)key;
	pol.window_size = 1024;
	pol.allow_repeat_tx = 0;
	err = srtp_create(&s, &pol);
	if(err != srtp_err_status_ok)
		setup_error("srtp_create (%s, %s): libsrtp error %d", suite->name,
				outbound ? "outbound" : "inbound", (int)err);
	return s;
}

/* ----- packets ----- */

static void fill_payload(unsigned char *p, char tag, char phase, unsigned idx)
{
	int j;

	memcpy(p, MAGIC, 4);
	p[4] = (unsigned char)tag;
	p[5] = (unsigned char)phase;
	put32(p + 6, idx);
	for(j = 10; j < PAYLOAD_LEN; j++)
		p[j] = (unsigned char)(idx * 31u + (unsigned)j * 7u
							   + (unsigned char)tag);
}

static void send_rtp(struct direction *d, char phase, unsigned idx)
{
	struct endpoint *e = d->from;
	unsigned char pkt[PKT_MAX];
	unsigned n = e->next++;
	int len = RTP_HDR_LEN + PAYLOAD_LEN;

	pkt[0] = 0x80;
	pkt[1] = (n == 0 ? 0x80 : 0) | 0; /* marker on the first packet, PT 0 */
	put16(pkt + 2, (uint16_t)(e->seq0 + n));
	put32(pkt + 4, e->ts0 + n * 160u);
	put32(pkt + 8, e->ssrc);
	fill_payload(pkt + RTP_HDR_LEN, d->tag, phase, idx);
	if(e->srtp) {
		srtp_err_status_t err = srtp_protect(e->tx, pkt, &len);

		if(err != srtp_err_status_ok)
			setup_error("srtp_protect: libsrtp error %d", (int)err);
	}
	if(d->wire && n < (unsigned)(opt.warmup + opt.count)) {
		d->wire[n].buf = malloc((size_t)len);
		if(!d->wire[n].buf)
			setup_error("out of memory");
		memcpy(d->wire[n].buf, pkt, (size_t)len);
		d->wire[n].len = len;
	}
	if(sendto(e->fd_rtp, pkt, (size_t)len, 0,
			   (const struct sockaddr *)&e->remote.ss, e->remote.len)
			!= len) {
		if(opt.verbose)
			fprintf(stderr, "%s: sendto: %s\n", d->label, strerror(errno));
	}
	if(phase == 'W')
		d->sent_warm++;
	else
		d->sent++;
}

/* RTCP compound: SR (no report blocks) + SDES CNAME "srtp-probe-<name>". */
static int build_rtcp(struct endpoint *e, unsigned char *p)
{
	char cname[32];
	int cl, sdes_len, pad;

	memset(p, 0, 64);
	p[0] = 0x80;
	p[1] = 200;
	put16(p + 2, 6);
	put32(p + 4, e->ssrc);
	put32(p + 8, 0xe2ae0000u | (e == &ue ? 0x5545 : 0x434f)); /* NTP msw */
	put32(p + 12, 0x12345678);
	put32(p + 16, e->ts0 + e->next * 160u);
	put32(p + 20, e->next);
	put32(p + 24, e->next * PAYLOAD_LEN);
	cl = snprintf(cname, sizeof(cname), "srtp-probe-%s", e->name);
	/* SDES: header, SSRC, CNAME item (type, len, text), end, pad to 32 bits */
	sdes_len = 4 + 4 + 2 + cl + 1;
	pad = (4 - sdes_len % 4) % 4;
	sdes_len += pad;
	p[28] = 0x81;
	p[29] = 202;
	put16(p + 30, (uint16_t)(sdes_len / 4 - 1));
	put32(p + 32, e->ssrc);
	p[36] = 1;
	p[37] = (unsigned char)cl;
	memcpy(p + 38, cname, (size_t)cl);
	return 28 + sdes_len;
}

static void send_rtcp(struct direction *d)
{
	struct endpoint *e = d->from;
	unsigned char pkt[PKT_MAX];
	int len;

	len = build_rtcp(e, pkt);
	memcpy(d->rtcp_plain, pkt, (size_t)len);
	d->rtcp_plain_len = len;
	if(e->srtp) {
		srtp_err_status_t err = srtp_protect_rtcp(e->tx, pkt, &len);

		if(err != srtp_err_status_ok)
			setup_error("srtp_protect_rtcp: libsrtp error %d", (int)err);
		e->srtcp_sent++;
	}
	memcpy(d->rtcp_wire, pkt, (size_t)len);
	d->rtcp_wire_len = len;
	sendto(e->fd_rtcp, pkt, (size_t)len, 0,
			(const struct sockaddr *)&e->remote_rtcp.ss, e->remote_rtcp.len);
	d->rtcp_tries++;
}

/* ----- receiving ----- */

static int check_payload(
		const unsigned char *p, int len, char tag, char *phase, unsigned *idx)
{
	unsigned char want[PAYLOAD_LEN];

	if(len != PAYLOAD_LEN || memcmp(p, MAGIC, 4) != 0
			|| p[4] != (unsigned char)tag || (p[5] != 'W' && p[5] != 'M'))
		return -1;
	*phase = (char)p[5];
	*idx = get32(p + 6);
	fill_payload(want, tag, *phase, *idx);
	return memcmp(want, p, PAYLOAD_LEN) == 0 ? 0 : -1;
}

static void on_rtp(struct direction *d, unsigned char *pkt, int len,
		const struct sockaddr_storage *src)
{
	struct endpoint *to = d->to;
	int identical = -1, hl;
	char phase;
	unsigned idx;

	if(!opt.any_source && !addr_eq(&to->remote, src))
		d->bad_src++;
	if(len < RTP_HDR_LEN || (pkt[0] & 0xc0) != 0x80) {
		d->rcv++;
		d->unknown++;
		return;
	}
	if(d->wire) {
		uint16_t n = (uint16_t)(get16(pkt + 2) - d->from->seq0);

		identical = n < (unsigned)(opt.warmup + opt.count) && d->wire[n].buf
					&& d->wire[n].len == len
					&& memcmp(d->wire[n].buf, pkt, (size_t)len) == 0;
	}
	if(to->srtp) {
		srtp_err_status_t err = srtp_unprotect(to->rx, pkt, &len);

		if(err != srtp_err_status_ok) {
			d->rcv++;
			d->decrypt_fail++;
			if(opt.verbose)
				fprintf(stderr, "%s: srtp_unprotect: libsrtp error %d\n",
						d->label, (int)err);
			return;
		}
	}
	/* payload after the fixed header, CSRCs and a header extension */
	hl = RTP_HDR_LEN + 4 * (pkt[0] & 0x0f);
	if((pkt[0] & 0x10) && len >= hl + 4)
		hl += 4 + 4 * get16(pkt + hl + 2);
	if(pkt[0] & 0x20 && len > hl)
		len -= pkt[len - 1];
	if(len < hl || (pkt[1] & 0x7f) != 0
			|| check_payload(pkt + hl, len - hl, d->tag, &phase, &idx) < 0) {
		d->rcv++;
		if(to->srtp)
			d->decrypted++;
		d->corrupt++;
		return;
	}
	if(phase == 'W') {
		d->rcv_warm++;
		return;
	}
	d->rcv++;
	if(to->srtp)
		d->decrypted++;
	if(get32(pkt + 8) != d->from->ssrc)
		d->ssrc_changed++;
	if(identical == 1)
		d->identical++;
	else if(identical == 0)
		d->differing++;
	if(idx >= (unsigned)opt.count) {
		d->corrupt++;
		return;
	}
	if(d->seen[idx]) {
		d->dup++;
		return;
	}
	d->seen[idx] = 1;
	d->ok++;
}

/* A plain RTCP compound: version 2 headers whose lengths add up exactly. */
static int rtcp_compound_ok(const unsigned char *p, int len)
{
	int off = 0;

	while(off + 4 <= len) {
		if((p[off] & 0xc0) != 0x80 || p[off + 1] < 192 || p[off + 1] > 223)
			return 0;
		off += 4 * (get16(p + off + 2) + 1);
	}
	return off == len && len > 0;
}

static void on_rtcp(struct direction *d, unsigned char *pkt, int len,
		const struct sockaddr_storage *src)
{
	struct endpoint *to = d->to;
	int identical = -1, wire_len = len;

	if(d->rtcp_tries == 0) {
		/* not ours (the gateway's own RTCP?): note it, do not judge */
		snprintf(d->rtcp_note, sizeof(d->rtcp_note),
				"unsolicited RTCP packet of %d bytes", len);
		return;
	}
	if(!opt.any_source && !addr_eq(&to->remote_rtcp, src)) {
		char a[80];

		/* any source is fine for RTCP as long as it is the gateway's RTCP port */
		snprintf(d->rtcp_note, sizeof(d->rtcp_note),
				"from unexpected source %s",
				addr_str(&(struct addr){.ss = *src, .len = sizeof(*src)}, a,
						sizeof(a)));
		d->rtcp_fail++;
		return;
	}
	if(opt.passthrough) {
		identical = len == d->rtcp_wire_len
					&& memcmp(pkt, d->rtcp_wire, (size_t)len) == 0;
		if(!identical) {
			int off = opt.suite->srtcp_index_off;

			/* the same length: was it re-encrypted under another SRTCP index? */
			if(len == d->rtcp_wire_len && len >= 8 + off)
				snprintf(d->rtcp_note, sizeof(d->rtcp_note),
						"re-encrypted on the way: SRTCP index %u sent, %u "
						"received",
						get32(d->rtcp_wire + len - off) & 0x7fffffffu,
						get32(pkt + len - off) & 0x7fffffffu);
			else
				snprintf(d->rtcp_note, sizeof(d->rtcp_note),
						"SRTCP of %d bytes, %d sent", len, d->rtcp_wire_len);
		}
	}
	if(to->srtp) {
		srtp_err_status_t err = srtp_unprotect_rtcp(to->rx, pkt, &len);

		if(err != srtp_err_status_ok) {
			snprintf(d->rtcp_note, sizeof(d->rtcp_note),
					"SRTCP packet of %d bytes failed to decrypt (libsrtp error "
					"%d)",
					wire_len, (int)err);
			d->rtcp_fail++;
			return;
		}
	}
	if(len == d->rtcp_plain_len
			&& memcmp(pkt, d->rtcp_plain, (size_t)len) == 0) {
		d->rtcp_ok++;
		if(identical == 1)
			d->rtcp_identical++;
		return;
	}
	/* Not byte-identical: accept a gateway that rewrote the compound (added
	 * report blocks or items) as long as it is a well-formed plain RTCP
	 * compound that starts with our sender report: same SSRC and sender info
	 * (NTP and RTP timestamps).  An SRTCP packet does not qualify: its sender
	 * info is encrypted and its trailer breaks the compound's lengths. */
	if(rtcp_compound_ok(pkt, len) && pkt[1] == 200 && len >= 28
			&& get32(pkt + 4) == d->from->ssrc
			&& memcmp(pkt + 8, d->rtcp_plain + 8, 12) == 0) {
		d->rtcp_ok++;
		d->rtcp_rewritten++;
		snprintf(d->rtcp_note, sizeof(d->rtcp_note),
				"compound rewritten by the gateway (%d bytes, %d sent), SR "
				"SSRC kept",
				len, d->rtcp_plain_len);
		return;
	}
	snprintf(d->rtcp_note, sizeof(d->rtcp_note),
			"unrecognised RTCP packet of %d bytes", len);
	d->rtcp_fail++;
}

/* Wait for packets until the deadline (or until done() says so). */
static void pump(int64_t deadline, int (*done)(void))
{
	struct pollfd pfd[4];
	struct direction *dir[4];
	int is_rtcp[4], n = 0, i;

	if(c2u.enabled) {
		pfd[n] = (struct pollfd){.fd = ue.fd_rtp, .events = POLLIN};
		dir[n] = &c2u, is_rtcp[n++] = 0;
		pfd[n] = (struct pollfd){.fd = ue.fd_rtcp, .events = POLLIN};
		dir[n] = &c2u, is_rtcp[n++] = 1;
	}
	if(u2c.enabled) {
		pfd[n] = (struct pollfd){.fd = core.fd_rtp, .events = POLLIN};
		dir[n] = &u2c, is_rtcp[n++] = 0;
		pfd[n] = (struct pollfd){.fd = core.fd_rtcp, .events = POLLIN};
		dir[n] = &u2c, is_rtcp[n++] = 1;
	}
	for(;;) {
		int64_t left = deadline - now_ms();

		if(done && done())
			return;
		if(left <= 0)
			return;
		if(poll(pfd, (nfds_t)n, (int)left) <= 0)
			continue;
		for(i = 0; i < n; i++) {
			unsigned char pkt[PKT_MAX + SRTP_MAX_TRAILER_LEN];
			struct sockaddr_storage src;
			socklen_t sl;
			ssize_t r;

			if(!(pfd[i].revents & POLLIN))
				continue;
			for(;;) {
				sl = sizeof(src);
				r = recvfrom(pfd[i].fd, pkt, PKT_MAX, 0,
						(struct sockaddr *)&src, &sl);
				if(r < 0)
					break;
				if(is_rtcp[i])
					on_rtcp(dir[i], pkt, (int)r, &src);
				else
					on_rtp(dir[i], pkt, (int)r, &src);
			}
		}
	}
}

static int warm_done(void)
{
	return (!u2c.enabled || u2c.rcv_warm > 0)
		   && (!c2u.enabled || c2u.rcv_warm > 0);
}

static int all_done(void)
{
	return (!u2c.enabled || u2c.ok >= opt.count)
		   && (!c2u.enabled || c2u.ok >= opt.count);
}

static struct direction *rtcp_dir;
static int rtcp_done(void)
{
	return rtcp_dir->rtcp_ok > 0 || rtcp_dir->rtcp_fail > 0;
}

/* ----- options ----- */

/* the addresses, by option */
enum
{
	A_UE_LOCAL,
	A_UE_REMOTE,
	A_UE_REMOTE_RTCP,
	A_CORE_LOCAL,
	A_CORE_REMOTE,
	A_CORE_REMOTE_RTCP,
	NADDRS
};

static struct addr *const addr_slot[NADDRS] = {&ue.local, &ue.remote,
		&ue.remote_rtcp, &core.local, &core.remote, &core.remote_rtcp};

enum
{
	O_SUITE = 256,
	O_CORE_SUITE,
	O_COUNT,
	O_WARMUP,
	O_INTERVAL,
	O_TIMEOUT,
	O_MAXLOSS,
	O_RTCP,
	O_DIRECTION,
	O_PASS,
	O_FAR,
	O_ANYSRC,
	O_VERBOSE,
	O_REENC,
	O_HELP,
	O_ADDR = 300, /* + A_* */
	O_KEY = 320,  /* + K_* */
	O_KEYF = 330  /* + K_* */
};

static const struct option lopts[] = {
		{"suite", required_argument, 0, O_SUITE},
		{"ue-local", required_argument, 0, O_ADDR + A_UE_LOCAL},
		{"ue-remote", required_argument, 0, O_ADDR + A_UE_REMOTE},
		{"ue-remote-rtcp", required_argument, 0, O_ADDR + A_UE_REMOTE_RTCP},
		{"ue-tx-key", required_argument, 0, O_KEY + K_UE_TX},
		{"ue-tx-key-file", required_argument, 0, O_KEYF + K_UE_TX},
		{"ue-rx-key", required_argument, 0, O_KEY + K_UE_RX},
		{"ue-rx-key-file", required_argument, 0, O_KEYF + K_UE_RX},
		{"core-local", required_argument, 0, O_ADDR + A_CORE_LOCAL},
		{"core-remote", required_argument, 0, O_ADDR + A_CORE_REMOTE},
		{"core-remote-rtcp", required_argument, 0, O_ADDR + A_CORE_REMOTE_RTCP},
		{"core-suite", required_argument, 0, O_CORE_SUITE},
		{"core-tx-key", required_argument, 0, O_KEY + K_CORE_TX},
		{"core-tx-key-file", required_argument, 0, O_KEYF + K_CORE_TX},
		{"core-rx-key", required_argument, 0, O_KEY + K_CORE_RX},
		{"core-rx-key-file", required_argument, 0, O_KEYF + K_CORE_RX},
		{"count", required_argument, 0, O_COUNT},
		{"warmup", required_argument, 0, O_WARMUP},
		{"interval", required_argument, 0, O_INTERVAL},
		{"timeout", required_argument, 0, O_TIMEOUT},
		{"max-loss", required_argument, 0, O_MAXLOSS},
		{"rtcp", no_argument, 0, O_RTCP},
		{"direction", required_argument, 0, O_DIRECTION},
		{"passthrough", no_argument, 0, O_PASS},
		{"allow-srtcp-reencrypt", no_argument, 0, O_REENC},
		{"far-srtp", no_argument, 0, O_FAR},
		{"any-source", no_argument, 0, O_ANYSRC},
		{"verbose", no_argument, 0, O_VERBOSE},
		{"help", no_argument, 0, O_HELP},
		{0, 0, 0, 0},
};

/* What the command line said, before it is checked. */
static struct
{
	const char *suite, *core_suite, *direction;
	const char *key[NKEYS]; /* the text of each key given */
	char keybuf[NKEYS][256];
	int have_addr[NADDRS];
} cli = {.direction = "both"};

static const char *opt_name(int val)
{
	const struct option *o;

	for(o = lopts; o->name; o++)
		if(o->val == val)
			return o->name;
	return "?";
}

static void usage(FILE *f)
{
	size_t i;

	fputs("usage: srtp_probe --suite NAME --ue-local ADDR:PORT --ue-remote "
		  "ADDR:PORT\n"
		  "         --ue-tx-key B64 | --ue-tx-key-file FILE\n"
		  "         --ue-rx-key B64 | --ue-rx-key-file FILE\n"
		  "         --core-local ADDR:PORT --core-remote ADDR:PORT\n"
		  "         [--count N] [--warmup N] [--interval MS] [--timeout MS]\n"
		  "         [--max-loss N] [--rtcp] [--ue-remote-rtcp ADDR:PORT]\n"
		  "         [--core-remote-rtcp ADDR:PORT] [--direction "
		  "both|ue-to-core|core-to-ue]\n"
		  "         [--passthrough [--allow-srtcp-reencrypt]] [--any-source]\n"
		  "         [--far-srtp --core-tx-key B64 | --core-tx-key-file FILE\n"
		  "                     --core-rx-key B64 | --core-rx-key-file FILE\n"
		  "                     [--core-suite NAME]]\n"
		  "         [--verbose]\n"
		  "ADDR:PORT is 127.0.0.1:PORT or [::1]:PORT; RTCP uses PORT+1 (local "
		  "and,\n"
		  "unless given, remote).  Keys are base64 master key||salt (an "
		  "'inline:'\n"
		  "prefix is accepted); a key file holds the key on its first line.\n"
		  "--ue-tx-key: the UE's own key (its SDP), encrypts UE->gateway;\n"
		  "--ue-rx-key: the key the UE received (the gateway's), decrypts "
		  "gateway->UE.\n"
		  "--passthrough: the core side is an SRTP endpoint too (encrypts with "
		  "the\n"
		  "ue-rx-key, decrypts with the ue-tx-key) and both sides check that "
		  "the\n"
		  "SRTP/SRTCP bytes arrive untouched; --allow-srtcp-reencrypt accepts "
		  "SRTCP that\n"
		  "was re-encrypted on the way (another SRTCP index) if it decrypts "
		  "with the\n"
		  "sender's key to the very compound sent.\n"
		  "--far-srtp: hairpin between two UEs that each terminate SRTP at the "
		  "gateway;\n"
		  "the core side is the second UE (B) and speaks SRTP/SRTCP with its "
		  "own keys:\n"
		  "--core-tx-key (B's own key, from B's SDP) encrypts B->gateway,\n"
		  "--core-rx-key (the key B received) decrypts gateway->B, in "
		  "--core-suite\n"
		  "(default: --suite).  Payloads and RTCP compounds are checked after "
		  "decryption,\n"
		  "bytes are not compared (the gateway re-encrypts).  Not with "
		  "--passthrough.\n"
		  "Exit: 0 VERDICT: PASS, 1 VERDICT: FAIL, 2 usage/setup error.\n"
		  "Suites:",
			f);
	for(i = 0; i < sizeof(suites) / sizeof(suites[0]); i++)
		fprintf(f, " %s", suites[i].name);
	fputc('\n', f);
}

static int parse_int(const char *name, const char *s, int min, int max)
{
	char *end;
	long v;

	errno = 0;
	v = strtol(s, &end, 10);
	if(errno || *end || end == s || v < min || v > max)
		setup_error("--%s: expected an integer in %d..%d", name, min, max);
	return (int)v;
}

static void read_key_file(const char *path, char *buf, size_t len)
{
	FILE *f = fopen(path, "r");

	if(!f)
		setup_error("cannot open key file %s: %s", path, strerror(errno));
	if(!fgets(buf, (int)len, f))
		buf[0] = '\0';
	fclose(f);
	buf[strcspn(buf, " \t\r\n")] = '\0';
}

/* Decode a key without ever echoing it. */
static void load_key(const char *what, const char *text,
		const struct suite *suite, unsigned char *key)
{
	char tmp[256];
	int n;

	if(strlen(text) >= sizeof(tmp))
		setup_error("%s: too long", what);
	strcpy(tmp, text);
	if(strncmp(tmp, "inline:", 7) == 0)
		memmove(tmp, tmp + 7, strlen(tmp + 7) + 1);
	if(strchr(tmp, '|'))
		setup_error("%s: key parameters (lifetime, MKI) are not supported; "
					"give the bare key",
				what);
	n = b64_decode(tmp, key, 64);
	explicit_bzero(tmp, sizeof(tmp));
	if(n < 0)
		setup_error("%s: not valid base64", what);
	if(n != suite->key_len)
		setup_error("%s: decodes to %d bytes, %s needs %d (key||salt)", what, n,
				suite->name, suite->key_len);
}

/* Address and key options; returns 0 when c is none of them. */
static int parse_addr_key_option(int c)
{
	if(c >= O_ADDR && c < O_ADDR + NADDRS) {
		if(parse_addr(optarg, addr_slot[c - O_ADDR]) < 0)
			setup_error(
					"--%s: expected A.B.C.D:PORT or [V6]:PORT", opt_name(c));
		cli.have_addr[c - O_ADDR] = 1;
	} else if(c >= O_KEY && c < O_KEY + NKEYS) {
		cli.key[c - O_KEY] = optarg;
	} else if(c >= O_KEYF && c < O_KEYF + NKEYS) {
		read_key_file(optarg, cli.keybuf[c - O_KEYF], sizeof(cli.keybuf[0]));
		cli.key[c - O_KEYF] = cli.keybuf[c - O_KEYF];
	} else {
		return 0;
	}
	return 1;
}

static void parse_args(int argc, char **argv)
{
	int c;

	while((c = getopt_long(argc, argv, "h", lopts, NULL)) != -1) {
		if(parse_addr_key_option(c))
			continue;
		switch(c) {
			case O_SUITE:
				cli.suite = optarg;
				break;
			case O_CORE_SUITE:
				cli.core_suite = optarg;
				break;
			case O_COUNT:
				opt.count = parse_int("count", optarg, 1, MAX_COUNT);
				break;
			case O_WARMUP:
				opt.warmup = parse_int("warmup", optarg, 0, MAX_WARMUP);
				break;
			case O_INTERVAL:
				opt.interval = parse_int("interval", optarg, 0, 1000);
				break;
			case O_TIMEOUT:
				opt.timeout = parse_int("timeout", optarg, 0, 60000);
				break;
			case O_MAXLOSS:
				opt.max_loss = parse_int("max-loss", optarg, 0, MAX_COUNT);
				break;
			case O_RTCP:
				opt.rtcp = 1;
				break;
			case O_DIRECTION:
				cli.direction = optarg;
				break;
			case O_PASS:
				opt.passthrough = 1;
				break;
			case O_REENC:
				opt.allow_srtcp_reencrypt = 1;
				break;
			case O_FAR:
				opt.far_srtp = 1;
				break;
			case O_ANYSRC:
				opt.any_source = 1;
				break;
			case O_VERBOSE:
				opt.verbose = 1;
				break;
			case 'h':
			case O_HELP:
				usage(stdout);
				exit(0);
			default:
				usage(stderr);
				exit(2);
		}
	}
	if(optind != argc)
		setup_error("unexpected argument '%s' (try --help)", argv[optind]);
}

/* The suites and the modes. */
static void check_mode(void)
{
	if(!cli.suite)
		setup_error("--suite is required (try --help)");
	if(!(opt.suite = find_suite(cli.suite)))
		setup_error("unknown suite '%s' (try --help)", cli.suite);
	if(opt.far_srtp && opt.passthrough)
		setup_error("--far-srtp and --passthrough are mutually exclusive");
	if(!opt.far_srtp
			&& (cli.core_suite || cli.key[K_CORE_TX] || cli.key[K_CORE_RX]))
		setup_error("--core-suite, --core-tx-key and --core-rx-key need "
					"--far-srtp");
	opt.core_suite = opt.suite;
	if(cli.core_suite && !(opt.core_suite = find_suite(cli.core_suite)))
		setup_error("unknown core suite '%s' (try --help)", cli.core_suite);
}

static void check_args(void)
{
	int need[NKEYS], k;

	check_mode();
	if(!cli.have_addr[A_UE_LOCAL] || !cli.have_addr[A_UE_REMOTE]
			|| !cli.have_addr[A_CORE_LOCAL] || !cli.have_addr[A_CORE_REMOTE])
		setup_error("--ue-local, --ue-remote, --core-local and --core-remote "
					"are required");
	if(strcmp(cli.direction, "both") == 0)
		u2c.enabled = c2u.enabled = 1;
	else if(strcmp(cli.direction, "ue-to-core") == 0)
		u2c.enabled = 1;
	else if(strcmp(cli.direction, "core-to-ue") == 0)
		c2u.enabled = 1;
	else
		setup_error("--direction: both, ue-to-core or core-to-ue");
	if(ue.local.ss.ss_family != ue.remote.ss.ss_family
			|| core.local.ss.ss_family != core.remote.ss.ss_family)
		setup_error("local and remote address of an endpoint must be of the "
					"same family");
	/* keys: the UE needs tx for ue->core, rx for core->ue; with --far-srtp
	 * the core needs its own ones for the same directions (in passthrough it
	 * uses the UE's) */
	need[K_UE_TX] = u2c.enabled;
	need[K_UE_RX] = c2u.enabled;
	need[K_CORE_TX] = opt.far_srtp && c2u.enabled;
	need[K_CORE_RX] = opt.far_srtp && u2c.enabled;
	for(k = 0; k < NKEYS; k++)
		if(need[k] && !cli.key[k])
			setup_error("--%s or --%s-file is required%s", opt_name(O_KEY + k),
					opt_name(O_KEY + k),
					k >= K_CORE_TX ? " with --far-srtp" : "");
	if(opt.interval > 0
			&& (int64_t)(opt.warmup + opt.count) * opt.interval > 120000)
		setup_error(
				"--count/--warmup/--interval: the run would exceed 2 minutes");
}

static void load_keys(void)
{
	int k;

	for(k = 0; k < NKEYS; k++)
		if(cli.key[k])
			load_key(opt_name(O_KEY + k), cli.key[k],
					k >= K_CORE_TX ? opt.core_suite : opt.suite, opt.key[k]);
	explicit_bzero(cli.keybuf, sizeof(cli.keybuf));
}

/* ----- set-up ----- */

/* Sockets (RTCP on PORT+1) and the SRTP sessions of both endpoints. */
static void setup_endpoints(void)
{
	ue.srtp = 1;
	core.srtp = opt.passthrough || opt.far_srtp;
	ue.local_rtcp = ue.local, core.local_rtcp = core.local;
	addr_set_port(&ue.local_rtcp, addr_port(&ue.local) + 1);
	addr_set_port(&core.local_rtcp, addr_port(&core.local) + 1);
	if(!cli.have_addr[A_UE_REMOTE_RTCP]) {
		ue.remote_rtcp = ue.remote;
		addr_set_port(&ue.remote_rtcp, addr_port(&ue.remote) + 1);
	}
	if(!cli.have_addr[A_CORE_REMOTE_RTCP]) {
		core.remote_rtcp = core.remote;
		addr_set_port(&core.remote_rtcp, addr_port(&core.remote) + 1);
	}
	ue.fd_rtp = bind_udp(&ue.local);
	ue.fd_rtcp = bind_udp(&ue.local_rtcp);
	core.fd_rtp = bind_udp(&core.local);
	core.fd_rtcp = bind_udp(&core.local_rtcp);
	if(u2c.enabled) {
		ue.tx = make_session(opt.suite, opt.key[K_UE_TX], 1);
		if(opt.passthrough)
			core.rx = make_session(opt.suite, opt.key[K_UE_TX], 0);
		else if(opt.far_srtp)
			core.rx = make_session(opt.core_suite, opt.key[K_CORE_RX], 0);
	}
	if(c2u.enabled) {
		ue.rx = make_session(opt.suite, opt.key[K_UE_RX], 0);
		if(opt.passthrough)
			core.tx = make_session(opt.suite, opt.key[K_UE_RX], 1);
		else if(opt.far_srtp)
			core.tx = make_session(opt.core_suite, opt.key[K_CORE_TX], 1);
	}
	explicit_bzero(opt.key, sizeof(opt.key));
}

/* SSRCs, sequence numbers, timestamps and the per-direction bookkeeping. */
static void setup_streams(void)
{
	int i;

	random_bytes(&ue.ssrc, sizeof(ue.ssrc));
	random_bytes(&core.ssrc, sizeof(core.ssrc));
	if(core.ssrc == ue.ssrc)
		core.ssrc ^= 0x5a5a5a5a;
	random_bytes(&ue.seq0, sizeof(ue.seq0));
	random_bytes(&core.seq0, sizeof(core.seq0));
	/* keep the run clear of a sequence-number wrap (the ROC guess of a
	 * receiver that starts late is not what is being tested) */
	ue.seq0 &= 0x7fff, core.seq0 &= 0x7fff;
	random_bytes(&ue.ts0, sizeof(ue.ts0));
	random_bytes(&core.ts0, sizeof(core.ts0));

	u2c.from = &ue, u2c.to = &core;
	c2u.from = &core, c2u.to = &ue;
	for(i = 0; i < 2; i++) {
		struct direction *d = i ? &c2u : &u2c;

		d->seen = calloc((size_t)opt.count, 1);
		if(opt.passthrough)
			d->wire =
					calloc((size_t)(opt.warmup + opt.count), sizeof(*d->wire));
		if(!d->seen || (opt.passthrough && !d->wire))
			setup_error("out of memory");
	}
}

static void print_banner(void)
{
	char a1[80], a2[80], a3[80];
	const char *mode = "gateway (SRTP <-> RTP)";

	if(opt.passthrough)
		mode = "pass-through (SRTP on both ends)";
	else if(opt.far_srtp)
		mode = "hairpin (SRTP on both ends, each with its own keys)";
	printf("srtp_probe: %s, suite %s", mode, opt.suite->name);
	if(opt.far_srtp)
		printf(", core suite %s", opt.core_suite->name);
	printf(", %d packets per direction after %d warm-up, max loss %d%s\n",
			opt.count, opt.warmup, opt.max_loss, opt.rtcp ? ", rtcp" : "");
	printf("ue   %s -> %s (rtcp %s)\n", addr_str(&ue.local, a1, sizeof(a1)),
			addr_str(&ue.remote, a2, sizeof(a2)),
			addr_str(&ue.remote_rtcp, a3, sizeof(a3)));
	printf("core %s -> %s (rtcp %s)\n", addr_str(&core.local, a1, sizeof(a1)),
			addr_str(&core.remote, a2, sizeof(a2)),
			addr_str(&core.remote_rtcp, a3, sizeof(a3)));
	if((strstr(opt.suite->name, "_192_")
			   || (core.srtp && strstr(opt.core_suite->name, "_192_")))
			&& srtp_get_version() < 0x02080000) /* 2.8.0 */
		printf("note: %s derives AES-192 session keys the AES-256 way, not per "
			   "RFC 6188 "
			   "(cisco/libsrtp#763, fixed upstream by PR #765 in Aug 2025): it "
			   "interoperates "
			   "only with itself\n",
				srtp_get_version_string());
	fflush(stdout);
}

/* ----- the run ----- */

static void run(void)
{
	int i;

	/* 1. warm-up */
	for(i = 0; i < opt.warmup; i++) {
		if(u2c.enabled)
			send_rtp(&u2c, 'W', (unsigned)i);
		if(c2u.enabled)
			send_rtp(&c2u, 'W', (unsigned)i);
		pump(now_ms() + opt.interval, NULL);
	}
	if(opt.warmup > 0)
		pump(now_ms() + WARMUP_WAIT_MS, warm_done);

	/* 2. measured packets */
	for(i = 0; i < opt.count; i++) {
		if(u2c.enabled)
			send_rtp(&u2c, 'M', (unsigned)i);
		if(c2u.enabled)
			send_rtp(&c2u, 'M', (unsigned)i);
		pump(now_ms() + opt.interval, NULL);
	}
	/* 3. stragglers */
	pump(now_ms() + opt.timeout, all_done);
	/* a little more time for duplicates or stray packets to show */
	pump(now_ms() + 50, NULL);

	/* 4. RTCP */
	if(!opt.rtcp)
		return;
	for(i = 0; i < 2; i++) {
		struct direction *d = i ? &c2u : &u2c;
		int tries;

		if(!d->enabled)
			continue;
		rtcp_dir = d;
		for(tries = 0; tries < RTCP_TRIES && !d->rtcp_ok && !d->rtcp_fail;
				tries++) {
			send_rtcp(d);
			pump(now_ms() + RTCP_WAIT_MS, rtcp_done);
		}
	}
	pump(now_ms() + 50, NULL);
}

/* ----- verdict ----- */

static void add_reason(char *reasons, size_t size, const char *r)
{
	size_t n = strlen(reasons);

	snprintf(reasons + n, size - n, "%s%s", n ? "; " : "", r);
}

/* Print a direction's RTP line; returns 1 (and adds a reason) on failure. */
static int report_rtp(struct direction *d, char *reasons, size_t size)
{
	const char *sp = d->from->srtp ? "srtp" : "rtp",
			   *rp = d->to->srtp ? "srtp" : "rtp";
	char r[160];
	int lost = opt.count - d->ok;

	printf("%s: sent %d %s, received %d %s", d->label, d->sent, sp, d->rcv, rp);
	if(opt.passthrough)
		printf(", identical %d", d->identical);
	if(d->to->srtp)
		printf(", decrypted %d", d->decrypted);
	printf(", payloads ok %d", d->ok);
	if(lost)
		printf(", lost %d", lost);
	if(d->decrypt_fail)
		printf(", decrypt failures %d", d->decrypt_fail);
	if(d->corrupt)
		printf(", corrupt %d", d->corrupt);
	if(d->dup)
		printf(", duplicates %d", d->dup);
	if(d->bad_src)
		printf(", from unexpected source %d", d->bad_src);
	if(d->ssrc_changed)
		printf(", ssrc changed %d", d->ssrc_changed);
	if(d->unknown)
		printf(", not rtp %d", d->unknown);
	printf("\n");

	r[0] = '\0';
	if(d->ok < opt.count - opt.max_loss)
		snprintf(r, sizeof(r), "%s: %d of %d payloads ok (lost %d > max %d)",
				d->label, d->ok, opt.count, lost, opt.max_loss);
	else if(d->decrypt_fail)
		snprintf(r, sizeof(r), "%s: %d packets failed to decrypt", d->label,
				d->decrypt_fail);
	else if(d->corrupt || d->unknown)
		snprintf(r, sizeof(r), "%s: %d corrupt packets", d->label,
				d->corrupt + d->unknown);
	else if(d->bad_src)
		snprintf(r, sizeof(r), "%s: %d packets from an unexpected source",
				d->label, d->bad_src);
	else if(opt.passthrough && d->differing)
		snprintf(r, sizeof(r),
				"%s: %d packets not byte-identical to those sent", d->label,
				d->differing);
	if(!r[0])
		return 0;
	add_reason(reasons, size, r);
	return 1;
}

/* Print a direction's RTCP line; returns 1 (and adds a reason) on failure. */
static int report_rtcp(struct direction *d, char *reasons, size_t size)
{
	const char *what = d->from->srtp ? "srtcp" : "rtcp";
	char r[200];

	if(d->rtcp_ok && !d->rtcp_fail) {
		printf("%s %s: ok", what, d->label);
		if(opt.passthrough)
			printf(d->rtcp_identical ? " (byte-identical)"
									 : " (NOT byte-identical)");
		if(d->rtcp_tries > 1)
			printf(" (after %d tries)", d->rtcp_tries);
		if(d->rtcp_note[0])
			printf(" (%s)", d->rtcp_note);
		printf("\n");
		if(!opt.passthrough || d->rtcp_identical
				|| (opt.allow_srtcp_reencrypt && !d->rtcp_rewritten))
			return 0;
		snprintf(r, sizeof(r), "%s %s: not byte-identical", what, d->label);
	} else {
		snprintf(r, sizeof(r), "%s %s: %s", what, d->label,
				d->rtcp_note[0] ? d->rtcp_note : "nothing arrived");
		printf("%s %s: FAILED after %d tries: %s\n", what, d->label,
				d->rtcp_tries,
				d->rtcp_note[0] ? d->rtcp_note : "nothing arrived");
	}
	add_reason(reasons, size, r);
	return 1;
}

static int verdict(void)
{
	char reasons[1024] = "";
	int fail = 0, i;

	printf("warm-up:");
	for(i = 0; i < 2; i++) {
		struct direction *d = i ? &c2u : &u2c;

		if(d->enabled)
			printf(" %s %d/%d", d->label, d->rcv_warm, d->sent_warm);
	}
	printf("\n");
	for(i = 0; i < 2; i++) {
		struct direction *d = i ? &c2u : &u2c;

		if(d->enabled)
			fail |= report_rtp(d, reasons, sizeof(reasons));
	}
	for(i = 0; opt.rtcp && i < 2; i++) {
		struct direction *d = i ? &c2u : &u2c;

		if(d->enabled)
			fail |= report_rtcp(d, reasons, sizeof(reasons));
	}
	if(fail)
		printf("VERDICT: FAIL %s\n", reasons);
	else
		printf("VERDICT: PASS\n");
	fflush(stdout);
	return fail;
}

int main(int argc, char **argv)
{
	int fail;

	parse_args(argc, argv);
	check_args();
	if(srtp_init() != srtp_err_status_ok)
		setup_error("srtp_init failed");
	load_keys();
	setup_endpoints();
	setup_streams();
	print_banner();
	run();
	fail = verdict();

	if(ue.tx)
		srtp_dealloc(ue.tx);
	if(ue.rx)
		srtp_dealloc(ue.rx);
	if(core.tx)
		srtp_dealloc(core.tx);
	if(core.rx)
		srtp_dealloc(core.rx);
	srtp_shutdown();
	return fail ? 1 : 0;
}
