/*
 * ims_medsec: e2ae capability at registration.
 */
#include <string.h>

#include "core/data_lump.h"
#include "core/dprint.h"
#include "core/ip_addr.h"
#include "core/mem/mem.h"
#include "core/parser/contact/contact.h"
#include "core/parser/contact/parse_contact.h"
#include "core/parser/parse_expires.h"
#include "core/parser/parse_uri.h"
#include "core/ut.h"
#include "modules/tm/tm_load.h"

#include "medsec_ht.h"
#include "medsec_reg.h"
#include "medsec_secagree.h"
#include "medsec_stats.h"

#define MEDSEC_MAX_SOCKETS 16
#define MEDSEC_KEY_MAX 320
#define MEDSEC_DEFAULT_EXPIRES 3600

int medsec_require_protected = 0;
int medsec_reg_table_size = 4096;
char *medsec_e2e_sdes_mech = "";
char *medsec_e2e_kms_mech = "";
int medsec_ipsec_server_port = 0;
int medsec_ipsec_max_conn = 1;

static char *_medsec_sockets[MEDSEC_MAX_SOCKETS];
static int _medsec_nsockets = 0;
static medsec_ht_t *_medsec_regs = NULL;
static struct tm_binds _medsec_tmb;

static const str _medsec_sec_server = str_init("Security-Server");
static const str _medsec_sec_client = str_init("Security-Client");
static const str _medsec_sec_verify = str_init("Security-Verify");
static const char _medsec_hdr[] = "Security-Server: sdes-srtp;mediasec\r\n";

typedef struct medsec_reg_val
{
	unsigned char protected_sig; /* registered over protected SIP */
	unsigned char caps;			 /* MEDSEC_CAP_* */
	unsigned char rcv_proto;	 /* the REGISTER's transport and */
	unsigned short rcv_port;	 /* local port (TLS or IPsec socket) */
} medsec_reg_val_t;

/* A configured e2e mechanism, "name" or "name;param", split at init. */
#define MEDSEC_MECH_MAX 64
typedef struct reg_mech
{
	char name[MEDSEC_MECH_MAX];
	char param[MEDSEC_MECH_MAX];
} reg_mech_t;

static reg_mech_t _medsec_e2e_sdes, _medsec_e2e_kms;

int medsec_reg_add_socket(modparam_t type, void *val)
{
	if(_medsec_nsockets >= MEDSEC_MAX_SOCKETS) {
		LM_ERR("too many e2ae_socket values (at most %d)\n",
				MEDSEC_MAX_SOCKETS);
		return -1;
	}
	_medsec_sockets[_medsec_nsockets++] = (char *)val;
	return 0;
}

/* Split a mechanism parameter; empty: never recognised. */
static int mech_parse(const char *spec, reg_mech_t *m, const char *what)
{
	const char *semi = strchr(spec, ';');
	size_t n = semi ? (size_t)(semi - spec) : strlen(spec);

	memset(m, 0, sizeof(*m));
	if(spec[0] == '\0')
		return 0;
	if(n == 0 || n >= MEDSEC_MECH_MAX
			|| (semi
					&& (semi[1] == '\0' || strchr(semi + 1, ';')
							|| strlen(semi + 1) >= MEDSEC_MECH_MAX))
			|| strpbrk(spec, "=,\"") != NULL
			/* the whole spec parses as one sec-mechanism */
			|| medsec_secagree_has(spec, strlen(spec), "-", NULL) < 0) {
		LM_ERR("%s must be \"mechanism\" or \"mechanism;parameter\", not"
			   " '%s'\n",
				what, spec);
		return -1;
	}
	memcpy(m->name, spec, n);
	if(semi)
		strcpy(m->param, semi + 1);
	return 0;
}

int medsec_reg_init(void)
{
	if(mech_parse(medsec_e2e_sdes_mech, &_medsec_e2e_sdes, "e2e_sdes_mechanism")
					< 0
			|| mech_parse(medsec_e2e_kms_mech, &_medsec_e2e_kms,
					   "e2e_kms_mechanism")
					   < 0)
		return -1;
	if(load_tm_api(&_medsec_tmb) < 0) {
		LM_ERR("cannot bind to tm: load the tm module before ims_medsec\n");
		return -1;
	}
	_medsec_regs = medsec_ht_new(
			(unsigned int)medsec_reg_table_size, sizeof(medsec_reg_val_t));
	return _medsec_regs ? 0 : -1;
}

void medsec_reg_destroy(void)
{
	medsec_ht_free(_medsec_regs);
	_medsec_regs = NULL;
}

static int socket_allowed(const struct socket_info *si)
{
	int i;

	if(_medsec_nsockets == 0)
		return 1;
	if(si == NULL)
		return 0;
	for(i = 0; i < _medsec_nsockets; i++)
		if(si->sock_str.len == (int)strlen(_medsec_sockets[i])
				&& strncasecmp(
						   si->sock_str.s, _medsec_sockets[i], si->sock_str.len)
						   == 0)
			return 1;
	return 0;
}

static int hdr_is(const struct hdr_field *h, const str *name)
{
	return h->name.len == name->len
		   && strncasecmp(h->name.s, name->s, name->len) == 0;
}

/* OR of the MEDSEC_SA_* flags of every header line called name (a
 * malformed line contributes nothing). */
static int scan_headers(sip_msg_t *msg, const str *name)
{
	struct hdr_field *h;
	int flags = 0, f;

	for(h = msg->headers; h; h = h->next) {
		if(!hdr_is(h, name))
			continue;
		f = medsec_secagree_scan(h->body.s, (size_t)h->body.len);
		if(f > 0)
			flags |= f;
	}
	return flags;
}

/* 1 when port may be an IPsec protected server port (modparams
 * ipsec_server_port / ipsec_max_connections, as ims_ipsec_pcscf's; any
 * port when ipsec_server_port is 0). */
static int on_protected_port(unsigned short port)
{
	return medsec_ipsec_server_port <= 0
		   || (port >= medsec_ipsec_server_port
				   && port < medsec_ipsec_server_port + medsec_ipsec_max_conn);
}

/* 1 when a Security-Client header of the request names the mechanism. */
static int client_has(sip_msg_t *msg, const reg_mech_t *m)
{
	struct hdr_field *h;

	if(m->name[0] == '\0')
		return 0;
	for(h = msg->headers; h; h = h->next)
		if(hdr_is(h, &_medsec_sec_client)
				&& medsec_secagree_has(
						   h->body.s, (size_t)h->body.len, m->name, m->param)
						   > 0)
			return 1;
	return 0;
}

/* "host:port" of a SIP URI, host in lower case, default port filled in:
 * the table key. */
static int uri_key(const str *uri, char *buf, str *key)
{
	struct sip_uri pu;
	unsigned short port;
	int i, n;

	if(uri->len <= 0 || parse_uri(uri->s, uri->len, &pu) < 0 || pu.host.len <= 0
			|| pu.host.len > MEDSEC_KEY_MAX - 8)
		return -1;
	port = pu.port_no ? pu.port_no : (pu.type == SIPS_URI_T ? 5061 : 5060);
	for(i = 0; i < pu.host.len; i++) {
		char c = pu.host.s[i];
		buf[i] = (c >= 'A' && c <= 'Z') ? (char)(c + 32) : c;
	}
	n = pu.host.len;
	buf[n++] = ':';
	n += snprintf(buf + n, MEDSEC_KEY_MAX - n, "%u", port);
	key->s = buf;
	key->len = n;
	return 0;
}

/* 1 when s contains word, compared case-insensitively. */
static int has_word(const str *s, const char *word)
{
	int n = (int)strlen(word), i;

	for(i = 0; i + n <= s->len; i++)
		if(strncasecmp(s->s + i, word, n) == 0)
			return 1;
	return 0;
}

/* Remove mediasec entries from the reply's Security-Server headers: only
 * the P-CSCF itself indicates e2ae to the UE. */
static void strip_core_mediasec(sip_msg_t *rpl)
{
	struct hdr_field *h;
	char *buf;
	size_t olen;
	int n;

	for(h = rpl->headers; h; h = h->next) {
		if(!hdr_is(h, &_medsec_sec_server))
			continue;
		n = medsec_secagree_scan(h->body.s, (size_t)h->body.len);
		if(n < 0 && has_word(&h->body, "mediasec")) {
			/* malformed and naming mediasec: it goes as a whole */
			LM_INFO("removed a malformed Security-Server from the core\n");
			del_lump(rpl, h->name.s - rpl->buf, h->len, 0);
			continue;
		}
		if(n <= 0 || !(n & MEDSEC_SA_MEDIASEC))
			continue;
		buf = pkg_malloc(h->body.len + 1);
		if(buf == NULL) {
			PKG_MEM_ERROR;
			return;
		}
		n = medsec_secagree_strip_mediasec(h->body.s, (size_t)h->body.len, buf,
				(size_t)h->body.len + 1, &olen);
		if(n <= 0) {
			pkg_free(buf);
			continue;
		}
		LM_INFO("removed a mediasec indication that came from the core\n");
		if(olen == 0) {
			pkg_free(buf);
			del_lump(rpl, h->name.s - rpl->buf, h->len, 0);
			continue;
		}
		{
			struct lump *a =
					del_lump(rpl, h->body.s - rpl->buf, h->body.len, 0);
			if(a == NULL || insert_new_lump_after(a, buf, (int)olen, 0) == NULL)
				pkg_free(buf);
		}
	}
}

/* Add our Security-Server header after the last Security-Server header
 * (so that ipsec-3gpp entries come first), or after the last header. */
static int add_security_server(sip_msg_t *rpl)
{
	struct hdr_field *h, *after = NULL, *last = NULL;
	struct lump *a;
	char *copy;

	for(h = rpl->headers; h; h = h->next) {
		last = h;
		if(hdr_is(h, &_medsec_sec_server))
			after = h;
	}
	if(after == NULL)
		after = last;
	if(after == NULL)
		return -1;
	copy = pkg_malloc(sizeof(_medsec_hdr) - 1);
	if(copy == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	memcpy(copy, _medsec_hdr, sizeof(_medsec_hdr) - 1);
	a = anchor_lump(rpl, after->name.s + after->len - rpl->buf, 0, 0);
	if(a == NULL
			|| insert_new_lump_after(a, copy, sizeof(_medsec_hdr) - 1, 0)
					   == NULL) {
		pkg_free(copy);
		LM_ERR("cannot add Security-Server\n");
		return -1;
	}
	return 0;
}

/* Expiry granted by the 200 for the contact key (0: not registered). */
static int granted_expires(sip_msg_t *rpl, const str *key)
{
	struct hdr_field *h;
	contact_t *c;
	char buf[MEDSEC_KEY_MAX];
	str k;
	int dflt = MEDSEC_DEFAULT_EXPIRES;
	unsigned int v;

	if(rpl->expires && parse_expires(rpl->expires) == 0)
		dflt = (int)((exp_body_t *)rpl->expires->parsed)->val;
	for(h = rpl->contact; h; h = next_sibling_hdr(h)) {
		if(parse_contact(h) < 0 || h->parsed == NULL)
			continue;
		for(c = ((contact_body_t *)h->parsed)->contacts; c; c = c->next) {
			if(uri_key(&c->uri, buf, &k) < 0 || k.len != key->len
					|| memcmp(k.s, key->s, k.len) != 0)
				continue;
			if(c->expires && c->expires->body.len > 0
					&& str2int(&c->expires->body, &v) == 0)
				return (int)v;
			return dflt;
		}
	}
	return 0; /* the registrar does not list it: not (or no longer) bound */
}

/* Record or forget the request's contacts per the 200; how many were
 * recorded with e2ae. */
static int update_bindings(
		sip_msg_t *req, sip_msg_t *rpl, const medsec_reg_val_t *val)
{
	struct hdr_field *h;
	contact_t *list, *c;
	char buf[MEDSEC_KEY_MAX];
	str key, body;
	int bound = 0, exp;

	for(h = req->headers; h; h = h->next) {
		if(h->type != HDR_CONTACT_T)
			continue;
		/* the request is tm's shared copy: parse into a private list */
		body = h->body;
		list = NULL;
		if(parse_contacts(&body, &list) < 0) {
			free_contacts(&list);
			continue;
		}
		for(c = list; c; c = c->next) {
			if(uri_key(&c->uri, buf, &key) < 0)
				continue;
			exp = granted_expires(rpl, &key);
			if(val->caps != 0 && exp > 0) {
				medsec_ht_set(_medsec_regs, &key, val, exp);
				bound += (val->caps & MEDSEC_CAP_E2AE) != 0;
			} else {
				medsec_ht_del(_medsec_regs, &key);
			}
		}
		free_contacts(&list);
	}
	return bound;
}

int medsec_reg_reply(sip_msg_t *rpl)
{
	struct cell *t;
	sip_msg_t *req;
	medsec_reg_val_t val;
	int code, flags, allowed;

	if(rpl->first_line.type != SIP_REPLY)
		return -1;
	code = rpl->first_line.u.reply.statuscode;
	t = _medsec_tmb.t_gett();
	if(t == NULL || t == T_UNDEFINED || t->uas.request == NULL) {
		LM_ERR("no REGISTER transaction for this reply\n");
		return -1;
	}
	req = t->uas.request;
	if(req->REQ_METHOD != METHOD_REGISTER) {
		LM_ERR("reply to %.*s, not to REGISTER\n",
				req->first_line.u.request.method.len,
				req->first_line.u.request.method.s);
		return -1;
	}
	if(parse_headers(rpl, HDR_EOH_F, 0) < 0)
		return -1;
	strip_core_mediasec(rpl);

	flags = scan_headers(req, &_medsec_sec_client)
			| scan_headers(req, &_medsec_sec_verify);
	memset(&val, 0, sizeof(val));
	/* The 401 answers the initial REGISTER, which IPsec cannot protect
	 * yet: the encryption it asks for is enough to indicate e2ae there.
	 * The binding (2xx) needs the protected REGISTER itself: over TLS, or
	 * over IPsec with encryption on a protected port. */
	val.protected_sig =
			req->rcv.proto == PROTO_TLS
			|| ((flags & MEDSEC_SA_IPSEC_ENC) != 0
					&& (code == 401 || on_protected_port(req->rcv.dst_port)));
	val.rcv_proto = (unsigned char)req->rcv.proto;
	val.rcv_port = req->rcv.dst_port;
	allowed = (flags & MEDSEC_SA_MEDIASEC)
			  && socket_allowed(req->rcv.bind_address)
			  && (!medsec_require_protected || val.protected_sig);
	val.caps = (allowed ? MEDSEC_CAP_E2AE : 0)
			   | (client_has(req, &_medsec_e2e_sdes) ? MEDSEC_CAP_E2E_SDES : 0)
			   | (client_has(req, &_medsec_e2e_kms) ? MEDSEC_CAP_E2E_KMS : 0);

	if(code >= 200 && code < 300) {
		if(update_bindings(req, rpl, &val) == 0)
			allowed = 0;
	} else if(code != 401) {
		return 2;
	}
	if(!allowed)
		return 2;
	if(add_security_server(rpl) < 0)
		return -1;
	medsec_stats_inc(MEDSEC_ST_REG_MEDIASEC);
	LM_DBG("e2ae indicated in the %d to REGISTER\n", code);
	return 1;
}

/* The live e2ae binding of a contact URI into val (its key in buf/key):
 * 1 when there is one, else 0. */
static int e2ae_binding(
		const str *uri, char *buf, str *key, medsec_reg_val_t *val)
{
	return _medsec_regs != NULL && uri_key(uri, buf, key) == 0
		   && medsec_ht_get(_medsec_regs, key, val, 0) == 0
		   && (val->caps & MEDSEC_CAP_E2AE);
}

int medsec_reg_uri_is_e2ae(const str *uri)
{
	char buf[MEDSEC_KEY_MAX];
	medsec_reg_val_t val;
	str key;

	return e2ae_binding(uri, buf, &key, &val);
}

int medsec_reg_forget(const str *uri)
{
	char buf[MEDSEC_KEY_MAX];
	str key;

	if(_medsec_regs == NULL || uri_key(uri, buf, &key) < 0)
		return -1;
	/* an expired entry the timer has not purged yet goes too, uncounted */
	return medsec_ht_del(_medsec_regs, &key) == 0 ? 0 : -1;
}

int medsec_reg_contact_is_e2ae(sip_msg_t *msg)
{
	contact_t *c;
	char buf[MEDSEC_KEY_MAX];
	medsec_reg_val_t val;
	str key;

	if(parse_headers(msg, HDR_CONTACT_F, 0) < 0 || msg->contact == NULL
			|| parse_contact(msg->contact) < 0 || msg->contact->parsed == NULL)
		return 0;
	c = ((contact_body_t *)msg->contact->parsed)->contacts;
	if(c == NULL || !e2ae_binding(&c->uri, buf, &key, &val))
		return 0;
	/* keys travel in this request's SDP: with require_protected_signalling
	 * it must come the protected way the registration came (the same TLS
	 * socket, or the same IPsec protected port) */
	if(medsec_require_protected && val.protected_sig
			&& (msg->rcv.dst_port != val.rcv_port
					|| (val.rcv_proto == PROTO_TLS
							&& msg->rcv.proto != PROTO_TLS))) {
		LM_NOTICE("no e2ae for %.*s: the request did not come over the"
				  " protected transport its registration used\n",
				key.len, key.s);
		return 0;
	}
	return 1;
}

void medsec_reg_expire(void)
{
	if(_medsec_regs)
		medsec_ht_expire(_medsec_regs);
}

unsigned int medsec_reg_count(void)
{
	return _medsec_regs ? medsec_ht_count(_medsec_regs) : 0;
}

typedef struct reg_walk
{
	medsec_reg_walk_f f;
	void *param;
} reg_walk_t;

static int reg_walk_one(const str *key, const void *value, int ttl, void *p)
{
	const medsec_reg_val_t *val = value;
	reg_walk_t *w = p;

	return w->f(key, val->protected_sig, val->caps, ttl, w->param);
}

unsigned int medsec_reg_walk(medsec_reg_walk_f f, void *param)
{
	reg_walk_t w = {f, param};

	return _medsec_regs ? medsec_ht_walk(_medsec_regs, reg_walk_one, &w) : 0;
}
