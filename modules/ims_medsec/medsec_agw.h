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

/* Return codes of the cfg functions. */
#define MEDSEC_OK 1
#define MEDSEC_ERR_MSG -1 /* unusable message: no SDP, no tags */
#define MEDSEC_ERR_AGW -2 /* no AGW answered, or it answered with an error */
#define MEDSEC_ERR_NOCALL -3 /* answer/delete for a call the AGW never saw */

extern int medsec_ng_timeout_ms;
extern int medsec_ng_retries;
extern int medsec_ng_recheck_s;

/* modparam "rtpengine_sock": "udp:HOST:PORT[=WEIGHT]", repeatable */
int medsec_agw_add_node(modparam_t type, void *val);
int medsec_agw_check_config(void);
int medsec_agw_child_init(int rank);
void medsec_agw_destroy(void);

int medsec_agw_offer(sip_msg_t *msg);
int medsec_agw_answer(sip_msg_t *msg);
int medsec_agw_delete(sip_msg_t *msg);

#endif
