/*
 * ims_medsec: driving rtpengine through the rtpengine-ng client.
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include "core/dprint.h"
#include "core/mem/mem.h"
#include "core/mem/shm_mem.h"
#include "core/ut.h"

#include "rtpengine-ng/rng.h"

#include "medsec_crypto.h"
#include "medsec_stats.h"

#include "medsec_agw.h"

#define MEDSEC_MAX_NODES 16
#define MEDSEC_NODE_URI_MAX 80

int medsec_ng_timeout_ms = 500;
int medsec_ng_retries = 2;
int medsec_ng_recheck_s = 10;

typedef struct medsec_node_cfg
{
	char uri[MEDSEC_NODE_URI_MAX];
	unsigned int weight;
} medsec_node_cfg_t;

/* configured in the main process, inherited by every worker */
static medsec_node_cfg_t _medsec_nodes[MEDSEC_MAX_NODES];
static int _medsec_nnodes = 0;

/* operator switch per configured node (1: takes new calls), in shared
 * memory: set by RPC, applied by each process to its own client */
static int *_medsec_node_on = NULL;

/* per process */
static rng_client *_medsec_client = NULL;
static int _medsec_node_applied[MEDSEC_MAX_NODES];
static char _medsec_req[RNG_MAX_MSG];

int medsec_agw_add_node(modparam_t type, void *val)
{
	char *s = (char *)val, *eq;
	size_t ulen;
	unsigned long w = 1;

	if(_medsec_nnodes >= MEDSEC_MAX_NODES) {
		LM_ERR("too many rtpengine nodes (at most %d)\n", MEDSEC_MAX_NODES);
		return -1;
	}
	eq = strchr(s, '=');
	ulen = eq ? (size_t)(eq - s) : strlen(s);
	if(eq) {
		char *end;
		w = strtoul(eq + 1, &end, 10);
		if(*end != '\0' || w == 0 || w > 1000) {
			LM_ERR("bad weight in rtpengine_sock '%s' (1-1000)\n", s);
			return -1;
		}
	}
	if(ulen == 0 || ulen >= MEDSEC_NODE_URI_MAX) {
		LM_ERR("bad rtpengine_sock '%s'\n", s);
		return -1;
	}
	memcpy(_medsec_nodes[_medsec_nnodes].uri, s, ulen);
	_medsec_nodes[_medsec_nnodes].uri[ulen] = '\0';
	_medsec_nodes[_medsec_nnodes].weight = (unsigned int)w;
	_medsec_nnodes++;
	return 0;
}

int medsec_agw_check_config(void)
{
	int i;
	rng_client *c;

	if(_medsec_nnodes == 0) {
		LM_ERR("no rtpengine node: set modparam rtpengine_sock\n");
		return -1;
	}
	if(medsec_ng_timeout_ms < 10 || medsec_ng_retries < 0
			|| medsec_ng_recheck_s < 1) {
		LM_ERR("bad ng_timeout_ms, ng_retries or ng_recheck_s\n");
		return -1;
	}
	/* validate every URI now, so that a typo stops the start-up */
	c = rng_client_new(NULL, NULL);
	if(c == NULL) {
		LM_ERR("out of memory\n");
		return -1;
	}
	for(i = 0; i < _medsec_nnodes; i++) {
		int r = rng_client_add_node(c, _medsec_nodes[i].uri, 1);
		if(r < 0) {
			LM_ERR("bad rtpengine_sock '%s': %s\n", _medsec_nodes[i].uri,
					rng_strerror(r));
			rng_client_free(c);
			return -1;
		}
	}
	rng_client_free(c);
	return 0;
}

int medsec_agw_init(void)
{
	int i;

	_medsec_node_on = shm_malloc(MEDSEC_MAX_NODES * sizeof(int));
	if(_medsec_node_on == NULL) {
		SHM_MEM_ERROR;
		return -1;
	}
	for(i = 0; i < MEDSEC_MAX_NODES; i++)
		_medsec_node_on[i] = 1;
	return 0;
}

static void *medsec_pkg_alloc(void *ctx, size_t size)
{
	(void)ctx;
	return pkg_malloc(size);
}

static void medsec_pkg_free(void *ctx, void *ptr)
{
	(void)ctx;
	pkg_free(ptr);
}

int medsec_agw_child_init(int rank)
{
	rng_allocator a = {medsec_pkg_alloc, medsec_pkg_free, NULL};
	rng_conf conf;
	int i;

	if(rank == PROC_INIT)
		return 0;
	/* a process forked after the main one's init (e.g. ctl's RPC process)
	 * inherited its client: this one gets its own */
	rng_client_free(_medsec_client);
	_medsec_client = NULL;
	rng_conf_default(&conf);
	conf.timeout_ms = (unsigned int)medsec_ng_timeout_ms;
	conf.retries = (unsigned int)medsec_ng_retries;
	conf.recheck_ms = (unsigned int)medsec_ng_recheck_s * 1000U;
	_medsec_client = rng_client_new(&a, &conf);
	if(_medsec_client == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	for(i = 0; i < _medsec_nnodes; i++) {
		int r = rng_client_add_node(
				_medsec_client, _medsec_nodes[i].uri, _medsec_nodes[i].weight);
		if(r < 0) {
			LM_ERR("cannot open rtpengine node '%s': %s\n",
					_medsec_nodes[i].uri, rng_strerror(r));
			return -1;
		}
		_medsec_node_applied[i] = 1;
	}
	return 0;
}

void medsec_agw_destroy(void)
{
	rng_client_free(_medsec_client);
	_medsec_client = NULL;
	if(_medsec_node_on) {
		shm_free(_medsec_node_on);
		_medsec_node_on = NULL;
	}
}

/* Bring this process's client in line with the operator switches. */
static void apply_admin(void)
{
	int i, on;

	if(_medsec_node_on == NULL)
		return;
	for(i = 0; i < _medsec_nnodes; i++) {
		on = _medsec_node_on[i];
		if(on == _medsec_node_applied[i])
			continue;
		if(rng_client_node_enable(_medsec_client, (unsigned int)i, on)
				== RNG_OK) {
			_medsec_node_applied[i] = on;
			LM_INFO("rtpengine node %d (%s) %s for new calls\n", i,
					_medsec_nodes[i].uri, on ? "enabled" : "disabled");
		}
	}
}

int medsec_agw_node_count(void)
{
	return _medsec_nnodes;
}

const char *medsec_agw_node_uri(int node)
{
	return (node >= 0 && node < _medsec_nnodes) ? _medsec_nodes[node].uri : "";
}

unsigned int medsec_agw_node_weight(int node)
{
	return (node >= 0 && node < _medsec_nnodes) ? _medsec_nodes[node].weight
												: 0;
}

int medsec_agw_node_enabled(int node)
{
	if(node < 0 || node >= _medsec_nnodes || _medsec_node_on == NULL)
		return 0;
	return _medsec_node_on[node];
}

/* uri without a leading "udp:" */
static str bare_uri(const char *s, int len)
{
	str b;

	b.s = (char *)s;
	b.len = len;
	if(b.len >= 4 && strncasecmp(b.s, "udp:", 4) == 0) {
		b.s += 4;
		b.len -= 4;
	}
	return b;
}

int medsec_agw_node_find(const str *uri)
{
	str want = bare_uri(uri->s, uri->len), have;
	int i;

	for(i = 0; i < _medsec_nnodes; i++) {
		have = bare_uri(
				_medsec_nodes[i].uri, (int)strlen(_medsec_nodes[i].uri));
		if(have.len == want.len && strncasecmp(have.s, want.s, want.len) == 0)
			return i;
	}
	return -1;
}

int medsec_agw_node_enable(int node, int on)
{
	if(node < 0 || node >= _medsec_nnodes || _medsec_node_on == NULL)
		return -1;
	_medsec_node_on[node] = on ? 1 : 0;
	LM_NOTICE("rtpengine node %d (%s) set %s by the operator\n", node,
			_medsec_nodes[node].uri, on ? "enabled" : "disabled");
	return 0;
}

const char *medsec_agw_ping(int node)
{
	int r;

	if(node < 0 || node >= _medsec_nnodes)
		return "no such node";
	if(_medsec_client == NULL)
		return "no client in this process";
	r = rng_client_ping(_medsec_client, (unsigned int)node);
	return r == RNG_OK ? "ok" : rng_strerror(r);
}

static void enc_str(rng_benc *e, const char *key, const str *v)
{
	rng_benc_kv_str(e, key, v->s, (size_t)v->len);
}

/* from-tag, and to-tag and via-branch when set */
static void enc_tags(rng_benc *e, const medsec_ids_t *ids)
{
	enc_str(e, "from-tag", &ids->from_tag);
	if(ids->to_tag.len > 0)
		enc_str(e, "to-tag", &ids->to_tag);
	if(ids->via_branch.len > 0)
		enc_str(e, "via-branch", &ids->via_branch);
}

/* Check a reply and log what the AGW said; returns MEDSEC_OK or an error. */
static int check_reply(const char *cmd, const medsec_ids_t *ids, int node,
		const rng_reply *rep, int want_sdp)
{
	if(rep->warning.s) {
		medsec_stats_inc(MEDSEC_ST_AGW_WARNINGS);
		LM_WARN("rtpengine node %d warns on %s for call %.*s: %.*s\n", node,
				cmd, ids->callid.len, ids->callid.s, (int)rep->warning.len,
				rep->warning.s);
	}
	if(rep->result != RNG_RESULT_OK) {
		LM_ERR("rtpengine node %d refused %s for call %.*s: %.*s\n", node, cmd,
				ids->callid.len, ids->callid.s,
				(int)(rep->error_reason.s ? rep->error_reason.len
										  : rep->result_str.len),
				rep->error_reason.s ? rep->error_reason.s : rep->result_str.s);
		/* overloaded: try later; any other refusal will not heal itself */
		return rep->result == RNG_RESULT_LOAD_LIMIT ? MEDSEC_ERR_AGW
													: MEDSEC_ERR_INTERNAL;
	}
	if(want_sdp && (rep->sdp.s == NULL || rep->sdp.len == 0)) {
		LM_ERR("rtpengine node %d replied to %s without SDP (call %.*s)\n",
				node, cmd, ids->callid.len, ids->callid.s);
		return MEDSEC_ERR_INTERNAL;
	}
	return MEDSEC_OK;
}

/* The client's timeouts and failovers over all nodes (a handful). */
static void node_totals(uint64_t *timeouts, uint64_t *failovers)
{
	rng_node_info info;
	unsigned int i, n = rng_client_node_count(_medsec_client);

	*timeouts = *failovers = 0;
	for(i = 0; i < n; i++) {
		if(rng_client_node_info(_medsec_client, i, &info) == 0) {
			*timeouts += info.timeouts;
			*failovers += info.failovers;
		}
	}
}

/* Send the encoded request to *node, or pick a node (with failover) when
 * *node is negative. */
static int send_req(const char *cmd, const medsec_ids_t *ids, rng_benc *e,
		int *node, const rng_reply **rep)
{
	unsigned int picked;
	uint64_t t0, f0, t1, f1;
	int r;

	rng_benc_end(e);
	if((r = rng_benc_finish(e)) != RNG_OK) {
		LM_ERR("cannot encode %s for call %.*s: %s\n", cmd, ids->callid.len,
				ids->callid.s, rng_strerror(r));
		return MEDSEC_ERR_MSG;
	}
	if(_medsec_client == NULL) {
		LM_ERR("no rtpengine client in this process\n");
		return MEDSEC_ERR_AGW;
	}
	medsec_stats_inc(MEDSEC_ST_AGW_REQUESTS);
	if(*node >= 0) {
		r = rng_client_request(
				_medsec_client, (unsigned int)*node, _medsec_req, e->len, rep);
		/* the node got no usable answer (its own timeouts counter too) */
		if(r == RNG_ERR_TIMEOUT || r == RNG_ERR_REFUSED || r == RNG_ERR_SOCKET)
			medsec_stats_inc(MEDSEC_ST_AGW_TIMEOUTS);
	} else {
		/* a new call may try several nodes: read what the tries did from
		 * the client's per-node counters */
		node_totals(&t0, &f0);
		apply_admin();
		r = rng_client_request_new(_medsec_client, ids->callid.s,
				(size_t)ids->callid.len, _medsec_req, e->len, rep, &picked);
		if(r == RNG_OK)
			*node = (int)picked;
		node_totals(&t1, &f1);
		medsec_stats_add(MEDSEC_ST_AGW_TIMEOUTS, (unsigned long)(t1 - t0));
		medsec_stats_add(MEDSEC_ST_AGW_FAILOVERS, (unsigned long)(f1 - f0));
	}
	if(r != RNG_OK) {
		LM_ERR("%s for call %.*s failed: %s\n", cmd, ids->callid.len,
				ids->callid.s, rng_strerror(r));
		medsec_stats_inc(MEDSEC_ST_AGW_FAILURES);
		return MEDSEC_ERR_AGW;
	}
	r = check_reply(cmd, ids, *node, *rep,
			strcmp(cmd, "offer") == 0 || strcmp(cmd, "answer") == 0);
	if(r != MEDSEC_OK)
		medsec_stats_inc(MEDSEC_ST_AGW_FAILURES);
	return r;
}

int medsec_agw_sdp(const char *cmd, const medsec_ids_t *ids, const str *sdp,
		const char *transport, unsigned int sdes_no, const char *family,
		int *node, str *out)
{
	const rng_reply *rep;
	rng_benc e;
	int r, s;

	rng_benc_init(&e, _medsec_req, sizeof(_medsec_req));
	rng_benc_dict(&e);
	rng_benc_kv_cstr(&e, "command", cmd);
	enc_str(&e, "call-id", &ids->callid);
	enc_tags(&e, ids);
	enc_str(&e, "sdp", sdp);
	rng_benc_kv_cstr(&e, "ICE", "remove");
	/* an overloaded node says so ("load limit": 503, try later) instead of
	 * a plain error */
	rng_benc_cstr(&e, "supports");
	rng_benc_list(&e);
	rng_benc_cstr(&e, "load limit");
	rng_benc_end(&e);
	rng_benc_kv_cstr(&e, "DTLS", "off");
	if(transport)
		rng_benc_kv_cstr(&e, "transport-protocol", transport);
	if(family)
		rng_benc_kv_cstr(&e, "address family", family);
	if(sdes_no) {
		char flag[48];
		rng_benc_cstr(&e, "SDES");
		rng_benc_list(&e);
		for(s = 1; s < MEDSEC_SUITE_COUNT; s++) {
			if(!(sdes_no & (1u << s)))
				continue;
			snprintf(flag, sizeof(flag), "no-%s",
					medsec_suite_name((medsec_suite_t)s));
			rng_benc_cstr(&e, flag);
		}
		rng_benc_end(&e);
	}
	r = send_req(cmd, ids, &e, node, &rep);
	/* the request carried SDES keys */
	explicit_bzero(_medsec_req, e.len);
	if(r != MEDSEC_OK)
		return r;
	out->s = (char *)rep->sdp.s;
	out->len = (int)rep->sdp.len;
	return MEDSEC_OK;
}

int medsec_agw_delete(const medsec_ids_t *ids, int node)
{
	const rng_reply *rep;
	rng_benc e;

	rng_benc_init(&e, _medsec_req, sizeof(_medsec_req));
	rng_benc_dict(&e);
	rng_benc_kv_cstr(&e, "command", "delete");
	enc_str(&e, "call-id", &ids->callid);
	enc_tags(&e, ids);
	return send_req("delete", ids, &e, &node, &rep);
}

int medsec_agw_packets(const medsec_ids_t *ids, int node, uint64_t *packets)
{
	const rng_reply *rep;
	const rng_bnode *n;
	rng_benc e;
	int r;

	rng_benc_init(&e, _medsec_req, sizeof(_medsec_req));
	rng_benc_dict(&e);
	rng_benc_kv_cstr(&e, "command", "query");
	enc_str(&e, "call-id", &ids->callid);
	if((r = send_req("query", ids, &e, &node, &rep)) != MEDSEC_OK)
		return r;
	n = rng_bdict_get(&rep->doc, rep->root, "totals");
	if(n)
		n = rng_bdict_get(&rep->doc, n, "RTP");
	if(n)
		n = rng_bdict_get(&rep->doc, n, "packets");
	if(n == NULL || n->type != RNG_BINT || n->i < 0)
		return MEDSEC_ERR_INTERNAL;
	*packets = (uint64_t)n->i;
	return MEDSEC_OK;
}
