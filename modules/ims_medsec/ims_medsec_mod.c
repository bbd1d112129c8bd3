/*
 * ims_medsec: 3GPP e2ae media security (TS 33.328, SDES) for a Kamailio
 * P-CSCF, with rtpengine as the IMS Access Gateway.
 *
 * This file only wires the module into Kamailio: exports, init and the cfg
 * wrappers.  The logic lives in one file per concern (medsec_*.c).
 */
#include "core/sr_module.h"
#include "core/dprint.h"
#include "core/mod_fix.h"
#include "core/kemi.h"
#include "core/timer.h"

#include "medsec_agw.h"
#include "medsec_call.h"
#include "medsec_compat.h"
#include "medsec_pcontact.h"
#include "medsec_session.h"
#include "medsec_policy_shm.h"
#include "medsec_pv.h"
#include "medsec_reg.h"
#include "medsec_rpc.h"
#include "medsec_sip.h"
#include "medsec_stats.h"

MODULE_VERSION

static int mod_init(void);
static int child_init(int rank);
static void mod_destroy(void);

static int w_medsec_offer(sip_msg_t *msg, char *p1, char *p2);
static int w_medsec_answer(sip_msg_t *msg, char *p1, char *p2);
static int w_medsec_delete(sip_msg_t *msg, char *p1, char *p2);
static int w_medsec_register(sip_msg_t *msg, char *p1, char *p2);
static void medsec_timer(unsigned int ticks, void *param);

/* clang-format off */
static cmd_export_t cmds[] = {
	{"medsec_offer", (cmd_function)w_medsec_offer, 1, fixup_spve_null,
		fixup_free_spve_null, ANY_ROUTE},
	{"medsec_answer", (cmd_function)w_medsec_answer, 0, 0, 0, ANY_ROUTE},
	{"medsec_delete", (cmd_function)w_medsec_delete, 0, 0, 0, ANY_ROUTE},
	{"medsec_register", (cmd_function)w_medsec_register, 0, 0, 0,
		ONREPLY_ROUTE},
	{0, 0, 0, 0, 0, 0}
};

static param_export_t params[] = {
	{"rtpengine_sock", PARAM_STRING | PARAM_USE_FUNC,
		(void *)medsec_agw_add_node},
	{"ng_timeout_ms", PARAM_INT, &medsec_ng_timeout_ms},
	{"ng_retries", PARAM_INT, &medsec_ng_retries},
	{"ng_recheck_s", PARAM_INT, &medsec_ng_recheck_s},
	{"session_timeout", PARAM_INT, &medsec_session_timeout},
	{"session_table_size", PARAM_INT, &medsec_session_table_size},
	{"registration_table_size", PARAM_INT, &medsec_reg_table_size},
	{"e2ae_suites", PARAM_STRING | PARAM_USE_FUNC, (void *)medsec_call_set_suites},
	{"allow_weak_session_params", PARAM_INT, &medsec_policy.allow_weak},
	{"allow_mki", PARAM_INT, &medsec_policy.allow_mki},
	{"allow_lifetime", PARAM_INT, &medsec_policy.allow_lifetime},
	{"e2ae_socket", PARAM_STRING | PARAM_USE_FUNC,
		(void *)medsec_reg_add_socket},
	{"require_protected_signalling", PARAM_INT, &medsec_require_protected},
	{"e2e_sdes_mechanism", PARAM_STRING, &medsec_e2e_sdes_mech},
	{"e2e_kms_mechanism", PARAM_STRING, &medsec_e2e_kms_mech},
	{"ipsec_server_port", PARAM_INT, &medsec_ipsec_server_port},
	{"ipsec_max_connections", PARAM_INT, &medsec_ipsec_max_conn},
	{"reject_unregistered_e2ae", PARAM_INT, &medsec_reject_unregistered},
	{"hairpin_plain_peer", PARAM_STRING | PARAM_USE_FUNC,
		(void *)medsec_call_set_hairpin_peer},
	{"li_keys", PARAM_INT, &medsec_li_keys},
	{"li_callback", PARAM_STR, &medsec_li_callback},
	{0, 0, 0}
};

static pv_export_t mod_pvs[] = {
	{{"medsec", sizeof("medsec") - 1}, PVT_OTHER, medsec_pv_get, 0,
		medsec_pv_parse_name, 0, 0, 0},
	{{0, 0}, 0, 0, 0, 0, 0, 0, 0}
};

static rpc_export_t rpc_cmds[] = {
	{"ims_medsec.registrations", medsec_rpc_registrations,
		medsec_rpc_registrations_doc, RPC_RET_ARRAY},
	{"ims_medsec.sessions", medsec_rpc_sessions,
		medsec_rpc_sessions_doc, RPC_RET_ARRAY},
	{"ims_medsec.nodes", medsec_rpc_nodes,
		medsec_rpc_nodes_doc, RPC_RET_ARRAY},
	{"ims_medsec.node_enable", medsec_rpc_node_enable,
		medsec_rpc_node_enable_doc, 0},
	{"ims_medsec.suites", medsec_rpc_suites,
		medsec_rpc_suites_doc, 0},
	{"ims_medsec.suites_set", medsec_rpc_suites_set,
		medsec_rpc_suites_set_doc, 0},
	{0, 0, 0, 0}
};

struct module_exports exports = {
	"ims_medsec",
	DEFAULT_DLFLAGS,
	cmds,
	params,
	rpc_cmds,	/* RPC methods */
	mod_pvs,	/* pseudo-variables */
	0,			/* response handling */
	mod_init,
	child_init,
	mod_destroy
};
/* clang-format on */

static int mod_init(void)
{
	if(medsec_agw_check_config() < 0)
		return -1;
	if(medsec_session_timeout < 10 || medsec_session_table_size < 16
			|| medsec_reg_table_size < 16) {
		LM_ERR("session_timeout must be >= 10, table sizes >= 16\n");
		return -1;
	}
	if(medsec_agw_init() < 0 || medsec_stats_init() < 0 || medsec_sip_init() < 0
			|| medsec_reg_init() < 0 || medsec_pcontact_init() < 0
			|| medsec_session_init() < 0 || medsec_li_init() < 0
			|| medsec_policy_shm_init(&medsec_policy) < 0)
		return -1;
	if(register_timer(medsec_timer, 0, medsec_session_timer_interval()) < 0) {
		LM_ERR("cannot register the expiry timer\n");
		return -1;
	}
	return 0;
}

static void medsec_timer(unsigned int ticks, void *param)
{
	medsec_session_expire();
	medsec_reg_expire();
}

static int child_init(int rank)
{
	if(medsec_pcontact_child_init(rank) < 0)
		return -1;
	return medsec_agw_child_init(rank);
}

static void mod_destroy(void)
{
	medsec_agw_destroy();
	medsec_session_destroy();
	medsec_reg_destroy();
	medsec_policy_shm_destroy();
}

static int ki_medsec_offer(sip_msg_t *msg, str *side)
{
	int from_ue = medsec_call_side(side);

	if(from_ue < 0) {
		LM_ERR("medsec_offer: side must be \"ue\" or \"core\", not '%.*s'\n",
				side->len, side->s);
		return MEDSEC_ERR_MSG;
	}
	return medsec_call_offer(msg, from_ue);
}

static int ki_medsec_answer(sip_msg_t *msg)
{
	return medsec_call_answer(msg);
}

static int ki_medsec_delete(sip_msg_t *msg)
{
	return medsec_session_delete(msg);
}

static int ki_medsec_register(sip_msg_t *msg)
{
	return medsec_reg_reply(msg);
}

static int w_medsec_offer(sip_msg_t *msg, char *p1, char *p2)
{
	str side;

	if(fixup_get_svalue(msg, (gparam_t *)p1, &side) < 0) {
		LM_ERR("cannot get the side parameter\n");
		return MEDSEC_ERR_MSG;
	}
	return ki_medsec_offer(msg, &side);
}

static int w_medsec_answer(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_medsec_answer(msg);
}

static int w_medsec_delete(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_medsec_delete(msg);
}

static int w_medsec_register(sip_msg_t *msg, char *p1, char *p2)
{
	return ki_medsec_register(msg);
}

/* clang-format off */
static sr_kemi_t sr_kemi_ims_medsec_exports[] = {
	{ str_init("ims_medsec"), str_init("medsec_offer"),
		SR_KEMIP_INT, ki_medsec_offer,
		{ SR_KEMIP_STR, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("ims_medsec"), str_init("medsec_answer"),
		SR_KEMIP_INT, ki_medsec_answer,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("ims_medsec"), str_init("medsec_delete"),
		SR_KEMIP_INT, ki_medsec_delete,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ str_init("ims_medsec"), str_init("medsec_register"),
		SR_KEMIP_INT, ki_medsec_register,
		{ SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE,
			SR_KEMIP_NONE, SR_KEMIP_NONE, SR_KEMIP_NONE }
	},
	{ {0, 0}, {0, 0}, 0, NULL, { 0, 0, 0, 0, 0, 0 } }
};
/* clang-format on */

int mod_register(char *path, int *dlflags, void *p1, void *p2)
{
	/* before the cfg sets any policy parameter */
	medsec_policy_default(&medsec_policy);
	sr_kemi_modules_add(sr_kemi_ims_medsec_exports);
	return 0;
}
