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

#endif
