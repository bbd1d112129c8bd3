/*
 * ims_medsec: $medsec(...) and the lawful-interception hook.
 */
#include <string.h>

#include "core/dprint.h"
#include "core/action.h"
#include "core/route.h"
#include "core/kemi.h"
#include "core/fmsg.h"

#include "medsec_agw.h"
#include "medsec_crypto.h"
#include "medsec_pv.h"

int medsec_li_keys = 0;
str medsec_li_callback = STR_NULL;

static int _medsec_li_rt = -1;
static str _medsec_li_event = str_init("medsec:li-keys");

/* per process: the outcome of the current offer/answer; li_* only while
 * the event route runs (they point into the scratch SDP) */
static struct
{
	const char *result;
	const char *reason;
	const char *suite;
	const char *li_dir;
	int li_media;
	uint32_t li_tag;
	const char *li_suite;
	str li_key;
} _medsec_out;

enum
{
	PV_RESULT = 1,
	PV_REASON,
	PV_SUITE,
	PV_LI_DIR,
	PV_LI_MEDIA,
	PV_LI_TAG,
	PV_LI_SUITE,
	PV_LI_KEY
};

static const struct
{
	const char *name;
	int id;
} _medsec_pv_names[] = {{"result", PV_RESULT}, {"reason", PV_REASON},
		{"suite", PV_SUITE}, {"li_dir", PV_LI_DIR}, {"li_media", PV_LI_MEDIA},
		{"li_tag", PV_LI_TAG}, {"li_suite", PV_LI_SUITE}, {"li_key", PV_LI_KEY},
		{NULL, 0}};

int medsec_pv_parse_name(pv_spec_t *sp, str *in)
{
	int i;

	for(i = 0; _medsec_pv_names[i].name; i++) {
		if(strlen(_medsec_pv_names[i].name) == (size_t)in->len
				&& strncmp(_medsec_pv_names[i].name, in->s, in->len) == 0) {
			sp->pvp.pvn.type = PV_NAME_INTSTR;
			sp->pvp.pvn.u.isname.type = 0;
			sp->pvp.pvn.u.isname.name.n = _medsec_pv_names[i].id;
			return 0;
		}
	}
	LM_ERR("unknown $medsec(%.*s)\n", in->len, in->s);
	return -1;
}

static int pv_cstr(pv_param_t *param, pv_value_t *res, const char *s)
{
	str v;

	if(s == NULL)
		return pv_get_strempty(NULL, param, res);
	v.s = (char *)s;
	v.len = strlen(s);
	return pv_get_strval(NULL, param, res, &v);
}

int medsec_pv_get(sip_msg_t *msg, pv_param_t *param, pv_value_t *res)
{
	int in_li = _medsec_out.li_dir != NULL;

	switch(param->pvn.u.isname.name.n) {
		case PV_RESULT:
			return pv_cstr(param, res, _medsec_out.result);
		case PV_REASON:
			return pv_cstr(param, res, _medsec_out.reason);
		case PV_SUITE:
			return pv_cstr(param, res, _medsec_out.suite);
		case PV_LI_DIR:
			return pv_cstr(param, res, _medsec_out.li_dir);
		case PV_LI_MEDIA:
			return in_li ? pv_get_sintval(msg, param, res, _medsec_out.li_media)
						 : pv_get_null(msg, param, res);
		case PV_LI_TAG:
			return in_li ? pv_get_uintval(msg, param, res, _medsec_out.li_tag)
						 : pv_get_null(msg, param, res);
		case PV_LI_SUITE:
			return pv_cstr(param, res, _medsec_out.li_suite);
		case PV_LI_KEY:
			return in_li ? pv_get_strval(msg, param, res, &_medsec_out.li_key)
						 : pv_get_null(msg, param, res);
	}
	return pv_get_null(msg, param, res);
}

int medsec_li_init(void)
{
	if(!medsec_li_keys)
		return 0;
	_medsec_li_rt = route_lookup(&event_rt, _medsec_li_event.s);
	if(_medsec_li_rt >= 0 && event_rt.rlist[_medsec_li_rt] == NULL)
		_medsec_li_rt = -1;
	if(_medsec_li_rt < 0 && medsec_li_callback.len <= 0) {
		LM_ERR("li_keys is set, but there is no event_route[%.*s] and no"
			   " li_callback\n",
				_medsec_li_event.len, _medsec_li_event.s);
		return -1;
	}
	LM_NOTICE("lawful interception: SDES keys of e2ae sessions go to %s\n",
			_medsec_li_rt >= 0 ? "event_route[medsec:li-keys]"
							   : "the KEMI li_callback");
	return 0;
}

void medsec_outcome_reset(void)
{
	memset(&_medsec_out, 0, sizeof(_medsec_out));
}

void medsec_outcome_reason(const char *reason)
{
	_medsec_out.reason = reason;
}

void medsec_outcome_result(int code)
{
	switch(code) {
		case MEDSEC_OK:
			_medsec_out.result = "e2ae";
			break;
		case MEDSEC_E2E:
			_medsec_out.result = "e2e";
			break;
		case MEDSEC_PLAIN:
			_medsec_out.result = "plain";
			break;
		case MEDSEC_LATE:
			_medsec_out.result = "late";
			break;
		case MEDSEC_ERR_REFUSED:
			_medsec_out.result = "refused";
			break;
		case MEDSEC_ERR_AGW:
		case MEDSEC_ERR_INTERNAL:
			_medsec_out.result = "failed";
			break;
		case MEDSEC_ERR_NOCALL:
			_medsec_out.result = "unknown";
			break;
		default:
			_medsec_out.result = "invalid";
	}
}

/* Hand one key to the script's LI route (or KEMI callback). */
static void li_run(sip_msg_t *msg)
{
	sr_kemi_eng_t *keng;
	run_act_ctx_t ctx;
	int rtb = get_route_type();

	set_route_type(EVENT_ROUTE);
	if(_medsec_li_rt >= 0) {
		init_run_actions_ctx(&ctx);
		run_top_route(event_rt.rlist[_medsec_li_rt], msg, &ctx);
	} else if((keng = sr_kemi_eng_get()) != NULL) {
		if(sr_kemi_route(keng, msg, EVENT_ROUTE, &medsec_li_callback,
				   &_medsec_li_event)
				< 0)
			LM_ERR("the KEMI li_callback failed\n");
	}
	set_route_type(rtb);
}

void medsec_outcome_suite(
		const medsec_e2ae_state_t *st, const uint8_t *answered)
{
	medsec_suite_t s;
	int i;

	for(i = 0; i < st->nmedia && i < MEDSEC_SDP_MAX_MEDIA; i++) {
		s = medsec_e2ae_line_suite(st, answered, i);
		if(s != MEDSEC_SUITE_UNKNOWN) {
			_medsec_out.suite = medsec_suite_name(s);
			return;
		}
	}
}

void medsec_outcome_keys(sip_msg_t *msg, medsec_sdp_t *sdp, const char *s,
		size_t len, int ue_keys)
{
	medsec_crypto_t c;
	medsec_slice_t v;
	int l;

	if(!medsec_li_keys || medsec_sdp_parse(s, len, sdp) != MEDSEC_SDP_OK)
		return;
	for(l = 0; l < sdp->nlines; l++) {
		const medsec_sdp_line_t *ln = &sdp->lines[l];
		if(ln->media < 0 || ln->type != 'a'
				|| !medsec_sdp_attr(ln, "crypto", &v)
				|| medsec_crypto_parse(v.s, v.len, &c) != MEDSEC_CRYPTO_OK)
			continue;
		_medsec_out.li_dir = ue_keys ? "ue" : "agw";
		_medsec_out.li_media = ln->media;
		_medsec_out.li_tag = c.tag;
		_medsec_out.li_suite = medsec_suite_name(c.suite);
		_medsec_out.li_key.s = (char *)c.key_s;
		_medsec_out.li_key.len = (int)c.key_len;
		li_run(msg);
	}
	_medsec_out.li_dir = NULL;
	_medsec_out.li_suite = NULL;
	_medsec_out.li_key.s = NULL;
	_medsec_out.li_key.len = 0;
}
