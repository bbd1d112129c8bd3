/*
 * ims_medsec: e2ae capability at registration (TS 24.229 7.2A.7,
 * TS 33.328 7.1).
 *
 * On replies to REGISTER: learns "Security-Client: sdes-srtp;mediasec" from
 * the request (through tm), answers "Security-Server: sdes-srtp;mediasec"
 * in the 401 and the 200 when policy allows, removes mediasec entries that
 * come from the core, and keeps the capability per contact for the
 * binding's lifetime.
 */
#ifndef MEDSEC_REG_H
#define MEDSEC_REG_H

#include "core/sr_module.h"
#include "core/parser/msg_parser.h"

extern int medsec_require_protected;
extern int medsec_reg_table_size;
/* modparams "e2e_sdes_mechanism" / "e2e_kms_mechanism": the Security-Client
 * entry ("mechanism" or "mechanism;parameter") by which a UE indicates the
 * e2e capabilities of TS 33.328 7.1; empty (default): not recognised. */
extern char *medsec_e2e_sdes_mech;
extern char *medsec_e2e_kms_mech;
/* modparams "ipsec_server_port" / "ipsec_max_connections": the protected
 * server ports of ims_ipsec_pcscf (the same values as its parameters).
 * When set, IPsec counts as protected signalling only for a REGISTER that
 * arrived on one of them; 0 (default): on any port. */
extern int medsec_ipsec_server_port;
extern int medsec_ipsec_max_conn;

/* What a registration indicated (TS 33.328 7.1). */
#define MEDSEC_CAP_E2AE (1u << 0)	  /* e2ae, indicated back by us */
#define MEDSEC_CAP_E2E_SDES (1u << 1) /* e2e security with SDES */
#define MEDSEC_CAP_E2E_KMS (1u << 2)  /* e2e security with KMS */

/* modparam "e2ae_socket": a listening socket ("udp:IP:PORT") on which e2ae
 * is offered; repeatable; none means every socket. */
int medsec_reg_add_socket(modparam_t type, void *val);
int medsec_reg_init(void);
void medsec_reg_destroy(void);

/* In an onreply_route of a REGISTER.  1: e2ae indicated to the UE;
 * 2: not (the UE did not offer it, or policy says no); -1 on error. */
int medsec_reg_reply(sip_msg_t *rpl);

/* Forget the registration of a contact URI (its binding ended at the
 * registrar: medsec_pcontact.c).  0 when there was a live one, else -1. */
int medsec_reg_forget(const str *uri);

/* 1 when the contact of this URI holds an e2ae registration, else 0. */
int medsec_reg_uri_is_e2ae(const str *uri);
/* The same for the first Contact of a request (the originating UE); with
 * require_protected_signalling, only when the request came over the
 * transport and local port of its protected registration. */
int medsec_reg_contact_is_e2ae(sip_msg_t *msg);

void medsec_reg_expire(void);
unsigned int medsec_reg_count(void);

/* Called per live binding with its table slot locked (copy, do not
 * block): contact "host:port", signalling protected, MEDSEC_CAP_* flags,
 * seconds left.  Non-zero stops. */
typedef int (*medsec_reg_walk_f)(const str *contact, int protected_sig,
		unsigned int caps, int ttl, void *param);
unsigned int medsec_reg_walk(medsec_reg_walk_f f, void *param);

#endif
