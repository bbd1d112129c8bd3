/*
 * ims_medsec: RPC commands.
 *
 * The shared tables are walked one locked slot at a time; what is printed
 * is copied into a private list first, so that no lock is held while the
 * reply is built.
 */
#include <stdio.h>
#include <string.h>

#include "core/dprint.h"
#include "core/mem/mem.h"

#include "medsec_agw.h"
#include "medsec_call.h"
#include "medsec_session.h"
#include "medsec_policy_shm.h"
#include "medsec_crypto.h"
#include "medsec_reg.h"
#include "medsec_rpc.h"

/* clang-format off */
const char *medsec_rpc_registrations_doc[] = {
	"List the registrations holding a media security capability: contact"
	" host:port, seconds left, whether the signalling is protected and the"
	" capabilities (e2ae, e2e-sdes, e2e-kms).", 0
};
const char *medsec_rpc_sessions_doc[] = {
	"List the calls' legs: Call-ID, leg (orig: the caller's passage, term:"
	" the callee's), mode, suite in use, gateway node, offerer side and per"
	" media line the e2ae flag and the crypto tags and suites (no key).", 0
};
const char *medsec_rpc_nodes_doc[] = {
	"List the rtpengine nodes: URI, weight, operator state and the result"
	" of a ping sent now.", 0
};
const char *medsec_rpc_node_enable_doc[] = {
	"Enable (1) or disable (0) an rtpengine node for new calls:"
	" node_enable URI 0|1.", 0
};
const char *medsec_rpc_suites_doc[] = {
	"Show the e2ae crypto suites allowed for new offers, preferred first,"
	" and the generation of that list (1: the e2ae_suites parameter).", 0
};
const char *medsec_rpc_suites_set_doc[] = {
	"Set the e2ae crypto suites allowed for new offers: suites_set"
	" \"SUITE [SUITE...]\" (commas or spaces).  Calls already set up keep"
	" their suite.", 0
};
/* clang-format on */

/* a private copy of one table entry */
typedef struct copy
{
	struct copy *next;
	int ttl;
	int flag;  /* registration: protected; call: AGW node */
	int role;  /* call: the leg's medsec_role_t */
	int caps;  /* registration: MEDSEC_CAP_* */
	int suite; /* call: the suite in use (medsec_suite_t) */
	medsec_e2ae_state_t st;
	str key; /* stored after the struct */
} copy_t;

typedef struct copy_list
{
	copy_t *first, *last;
	int oom;
} copy_list_t;

static copy_t *copy_add(
		copy_list_t *l, const str *key, int ttl, int flag, int with_st)
{
	copy_t *c = pkg_malloc(sizeof(*c) + key->len);

	if(c == NULL) {
		PKG_MEM_ERROR;
		l->oom = 1;
		return NULL;
	}
	c->next = NULL;
	c->ttl = ttl;
	c->flag = flag;
	if(!with_st)
		memset(&c->st, 0, sizeof(c->st));
	c->key.s = (char *)(c + 1);
	c->key.len = key->len;
	memcpy(c->key.s, key->s, key->len);
	if(l->last)
		l->last->next = c;
	else
		l->first = c;
	l->last = c;
	return c;
}

static void copy_free(copy_list_t *l)
{
	copy_t *c, *n;

	for(c = l->first; c; c = n) {
		n = c->next;
		pkg_free(c);
	}
	l->first = l->last = NULL;
}

static int reg_copy(const str *contact, int protected_sig, unsigned int caps,
		int ttl, void *p)
{
	copy_t *c = copy_add(p, contact, ttl, protected_sig, 0);

	if(c == NULL)
		return 1;
	c->caps = (int)caps;
	return 0;
}

/* "e2ae,e2e-sdes,e2e-kms" (the capabilities held), or "-" */
static const char *caps_text(int caps, char *buf)
{
	buf[0] = '\0';
	if(caps & MEDSEC_CAP_E2AE)
		strcat(buf, ",e2ae");
	if(caps & MEDSEC_CAP_E2E_SDES)
		strcat(buf, ",e2e-sdes");
	if(caps & MEDSEC_CAP_E2E_KMS)
		strcat(buf, ",e2e-kms");
	return buf[0] ? buf + 1 : "-";
}

static int call_copy(
		const str *callid, const medsec_leg_t *leg, int ttl, void *p)
{
	copy_t *c = copy_add(p, callid, ttl, leg->node, 1);

	if(c == NULL)
		return 1;
	c->role = leg->role;
	c->suite = leg->st.mode == MEDSEC_MODE_E2AE && leg->answered
					   ? leg->suite
					   : MEDSEC_SUITE_UNKNOWN;
	memcpy(&c->st, &leg->st, sizeof(leg->st));
	return 0;
}

void medsec_rpc_registrations(rpc_t *rpc, void *ctx)
{
	copy_list_t l = {NULL, NULL, 0};
	copy_t *c;
	void *h;
	char caps[32];

	medsec_reg_walk(reg_copy, &l);
	if(l.oom) {
		copy_free(&l);
		rpc->fault(ctx, 500, "Out of memory");
		return;
	}
	for(c = l.first; c; c = c->next) {
		if(rpc->add(ctx, "{", &h) < 0
				|| rpc->struct_add(h, "Sdss", "contact", &c->key, "expires",
						   c->ttl, "protected", c->flag ? "yes" : "no", "caps",
						   caps_text(c->caps, caps))
						   < 0) {
			rpc->fault(ctx, 500, "Internal error creating the reply");
			break;
		}
	}
	copy_free(&l);
}

/* "tag SUITE[, tag SUITE...]" of a media line, or "-" */
static void crypto_text(const medsec_e2ae_media_t *m, char *buf, size_t cap)
{
	size_t n = 0;
	int k, w;

	buf[0] = '\0';
	for(k = 0; k < m->noffered && k < MEDSEC_MAX_OFFERED; k++) {
		const char *name =
				medsec_suite_name((medsec_suite_t)m->offered[k].suite);
		w = snprintf(buf + n, cap - n, "%s%u %s", k ? ", " : "",
				(unsigned int)m->offered[k].tag, name[0] ? name : "unknown");
		if(w < 0 || (size_t)w >= cap - n)
			break;
		n += (size_t)w;
	}
	if(n == 0)
		snprintf(buf, cap, "-");
}

static int print_call(rpc_t *rpc, void *ctx, const copy_t *c)
{
	char node[16], crypto[512];
	const char *suite = medsec_suite_name((medsec_suite_t)c->suite);
	void *h, *mh, *ih;
	int i;

	if(c->flag >= 0)
		snprintf(node, sizeof(node), "%d", c->flag);
	else
		snprintf(node, sizeof(node), "none");
	if(rpc->add(ctx, "{", &h) < 0
			|| rpc->struct_add(h, "Sssssds[", "callid", &c->key, "leg",
					   medsec_role_name(c->role), "mode",
					   medsec_call_mode_name(c->st.mode), "suite",
					   suite[0] ? suite : "-", "node", node, "expires", c->ttl,
					   "offerer", c->st.offer_from_ue ? "ue" : "core", "media",
					   &mh)
					   < 0)
		return -1;
	for(i = 0; i < c->st.nmedia && i < MEDSEC_SDP_MAX_MEDIA; i++) {
		crypto_text(&c->st.m[i], crypto, sizeof(crypto));
		if(rpc->struct_add(mh, "{", "line", &ih) < 0
				|| rpc->struct_add(ih, "dss", "index", i, "e2ae",
						   c->st.m[i].e2ae ? "yes" : "no", "crypto", crypto)
						   < 0)
			return -1;
	}
	return 0;
}

void medsec_rpc_sessions(rpc_t *rpc, void *ctx)
{
	copy_list_t l = {NULL, NULL, 0};
	copy_t *c;

	medsec_session_walk(call_copy, &l);
	if(l.oom) {
		copy_free(&l);
		rpc->fault(ctx, 500, "Out of memory");
		return;
	}
	for(c = l.first; c; c = c->next) {
		if(print_call(rpc, ctx, c) < 0) {
			rpc->fault(ctx, 500, "Internal error creating the reply");
			break;
		}
	}
	copy_free(&l);
}

void medsec_rpc_nodes(rpc_t *rpc, void *ctx)
{
	int i, n = medsec_agw_node_count();
	void *h;

	for(i = 0; i < n; i++) {
		if(rpc->add(ctx, "{", &h) < 0
				|| rpc->struct_add(h, "dsdss", "index", i, "uri",
						   medsec_agw_node_uri(i), "weight",
						   (int)medsec_agw_node_weight(i), "admin",
						   medsec_agw_node_enabled(i) ? "enabled" : "disabled",
						   "ping", medsec_agw_ping(i))
						   < 0) {
			rpc->fault(ctx, 500, "Internal error creating the reply");
			return;
		}
	}
}

void medsec_rpc_node_enable(rpc_t *rpc, void *ctx)
{
	str uri = STR_NULL;
	int on = 0, node;

	if(rpc->scan(ctx, "Sd", &uri, &on) < 2) {
		rpc->fault(ctx, 400, "Expected: URI 0|1");
		return;
	}
	if(on != 0 && on != 1) {
		rpc->fault(ctx, 400, "The state is 0 (disable) or 1 (enable)");
		return;
	}
	node = medsec_agw_node_find(&uri);
	if(node < 0) {
		rpc->fault(ctx, 404, "No such rtpengine node");
		return;
	}
	medsec_agw_node_enable(node, on);
}

/* the policy of p as a reply: suites, count, generation */
static void print_suites(
		rpc_t *rpc, void *ctx, const medsec_policy_t *p, unsigned int gen)
{
	char list[MEDSEC_SUITE_COUNT * 32];
	void *h;

	if(medsec_policy_format(p, list, sizeof(list)) < 0) {
		rpc->fault(ctx, 500, "Internal error formatting the suites");
		return;
	}
	if(rpc->add(ctx, "{", &h) < 0
			|| rpc->struct_add(h, "sdu", "suites", list, "count", p->nsuites,
					   "generation", gen)
					   < 0)
		rpc->fault(ctx, 500, "Internal error creating the reply");
}

void medsec_rpc_suites(rpc_t *rpc, void *ctx)
{
	medsec_policy_t p = medsec_policy;
	unsigned int gen = medsec_policy_shm_get(&p);

	if(gen == 0) {
		rpc->fault(ctx, 500, "No shared suite policy");
		return;
	}
	print_suites(rpc, ctx, &p, gen);
}

void medsec_rpc_suites_set(rpc_t *rpc, void *ctx)
{
	medsec_policy_t p = medsec_policy;
	char list[MEDSEC_SUITE_COUNT * 32];
	const char *why = "";
	str s = STR_NULL;
	unsigned int gen;

	if(rpc->scan(ctx, "S", &s) < 1) {
		rpc->fault(ctx, 400, "Expected: a suite list");
		return;
	}
	if(medsec_policy_set_suites(&p, s.s, (size_t)s.len, &why) < 0) {
		rpc->fault(ctx, 400, "Invalid suite list: %s", why);
		return;
	}
	gen = medsec_policy_shm_set(&p);
	if(gen == 0) {
		rpc->fault(ctx, 500, "No shared suite policy");
		return;
	}
	medsec_policy_format(&p, list, sizeof(list));
	LM_NOTICE("e2ae suites set to '%s' by the operator (generation %u); calls"
			  " already set up keep theirs\n",
			list, gen);
	print_suites(rpc, ctx, &p, gen);
}
