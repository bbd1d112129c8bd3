/*
 * ims_medsec: RPC commands (ims_medsec.<verb>), exported by the wiring
 * file.  They print no key material: the tables hold none.
 */
#ifndef MEDSEC_RPC_H
#define MEDSEC_RPC_H

#include "core/rpc.h"

/* the e2ae bindings: contact, seconds left, protected signalling */
void medsec_rpc_registrations(rpc_t *rpc, void *ctx);
extern const char *medsec_rpc_registrations_doc[];

/* the calls: Call-ID, mode, AGW node, offerer, per media line the e2ae
 * flag and the crypto tags and suites */
void medsec_rpc_sessions(rpc_t *rpc, void *ctx);
extern const char *medsec_rpc_sessions_doc[];

/* the configured rtpengine nodes, each pinged from the RPC process */
void medsec_rpc_nodes(rpc_t *rpc, void *ctx);
extern const char *medsec_rpc_nodes_doc[];

/* node_enable URI 0|1: the operator switch of a node */
void medsec_rpc_node_enable(rpc_t *rpc, void *ctx);
extern const char *medsec_rpc_node_enable_doc[];

/* the e2ae suite list in force (shared), preferred first, and its
 * generation */
void medsec_rpc_suites(rpc_t *rpc, void *ctx);
extern const char *medsec_rpc_suites_doc[];

/* suites_set "LIST": a new e2ae suite list for new offers, checked as the
 * modparam e2ae_suites is; a fault changes nothing */
void medsec_rpc_suites_set(rpc_t *rpc, void *ctx);
extern const char *medsec_rpc_suites_set_doc[];

#endif
