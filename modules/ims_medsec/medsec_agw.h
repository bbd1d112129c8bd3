/*
 * ims_medsec: the IMS Access Gateway (rtpengine) seen from the P-CSCF.
 *
 * Nodes are configured by module parameter before the fork; every SIP
 * worker then opens its own rtpengine-ng client in child_init.  The first
 * offer of a call picks a node (with failover); every later command of the
 * call goes to that node, found in the shared session table.
 */
#ifndef MEDSEC_AGW_H
#define MEDSEC_AGW_H

#include "core/sr_module.h"
#include "core/parser/msg_parser.h"

#include "medsec_sip.h"

/* Return codes of the cfg functions. */
#define MEDSEC_OK 1
#define MEDSEC_ERR_MSG -1 /* unusable message: no SDP, no tags */
#define MEDSEC_ERR_AGW \
	-2 /* no AGW answered, or it is overloaded (load limit) */
#define MEDSEC_ERR_NOCALL -3 /* answer/delete for a call the module never saw */
#define MEDSEC_ERR_REFUSED -4  /* e2ae refused (488); a request got the reply */
#define MEDSEC_ERR_INTERNAL -5 /* the AGW refused, or its SDP failed a check */
#define MEDSEC_E2E 2		   /* end-to-end security passed untouched */
#define MEDSEC_PLAIN 3		   /* anchored without SRTP termination */
#define MEDSEC_LATE 4 /* an INVITE without SDP: the offer comes in its reply */

extern int medsec_ng_timeout_ms;
extern int medsec_ng_retries;
extern int medsec_ng_recheck_s;

/* modparam "rtpengine_sock": "udp:HOST:PORT[=WEIGHT]", repeatable */
int medsec_agw_add_node(modparam_t type, void *val);
int medsec_agw_check_config(void);
/* Shared state (the operator switches); mod_init, after the config. */
int medsec_agw_init(void);
int medsec_agw_child_init(int rank);
void medsec_agw_destroy(void);

/*
 * The dialog identifiers of an ng request come from ids as the caller
 * oriented them: from-tag is the offerer's tag, to-tag and via-branch are
 * sent when not empty.
 *
 * One ng offer or answer ("offer"/"answer") carrying sdp, with ICE removed,
 * DTLS off, an optional transport-protocol and SDES-no-<suite> for every
 * bit (1 << suite) of sdes_no, and the address family of the SDP it writes
 * ("IP4"/"IP6", or NULL: the family of the SDP it gets).  *node: the call's node, or -1 to pick one
 * for a new call (with failover; *node is then set).  On MEDSEC_OK, out
 * points at the AGW's SDP, valid until the next request of this process.
 */
int medsec_agw_sdp(const char *cmd, const medsec_ids_t *ids, const str *sdp,
		const char *transport, unsigned int sdes_no, const char *family,
		int *node, str *out);
/* ng delete on the call's node: the whole call when ids has no to-tag and
 * no via-branch, else that branch only. */
int medsec_agw_delete(const medsec_ids_t *ids, int node);
/* ng query: the RTP packets the node has seen for the call (totals). */
int medsec_agw_packets(const medsec_ids_t *ids, int node, uint64_t *packets);

/* The configured nodes, indexed in configuration order (for RPC). */
int medsec_agw_node_count(void);
const char *medsec_agw_node_uri(int node);
unsigned int medsec_agw_node_weight(int node);
/* Operator switch: 1 when the node takes new calls. */
int medsec_agw_node_enabled(int node);
/* Index of the node with this URI ("udp:" optional), or -1. */
int medsec_agw_node_find(const str *uri);
/* Set the switch in shared memory; every process applies it before it
 * picks a node for a new call.  Calls on the node keep it.  0 or -1. */
int medsec_agw_node_enable(int node, int on);
/* Ping the node from this process: "ok" or a static reason. */
const char *medsec_agw_ping(int node);

#endif
