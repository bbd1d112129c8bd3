/*
 * ims_medsec: SIP message access and body replacement.
 */
#include <string.h>

#include "core/data_lump.h"
#include "core/data_lump_rpl.h"
#include "core/dprint.h"
#include "core/forward.h"
#include "core/resolve.h"
#include "core/parser/parse_uri.h"
#include "core/mem/mem.h"
#include "core/parser/parse_content.h"
#include "core/parser/parse_cseq.h"
#include "core/parser/parse_from.h"
#include "core/parser/parse_to.h"
#include "core/trim.h"

#include "modules/sl/sl.h"

#include "medsec_sip.h"

static sl_api_t _medsec_slb;

int medsec_sip_ids(sip_msg_t *msg, medsec_ids_t *ids)
{
	memset(ids, 0, sizeof(*ids));
	if(parse_headers(msg, HDR_CALLID_F | HDR_TO_F | HDR_VIA1_F | HDR_CSEQ_F, 0)
					< 0
			|| msg->callid == NULL || msg->to == NULL || msg->cseq == NULL) {
		LM_ERR("message without Call-ID, To or CSeq header\n");
		return -1;
	}
	if(parse_from_header(msg) < 0 || get_from(msg)->tag_value.len == 0) {
		LM_ERR("message without a From tag\n");
		return -1;
	}
	ids->callid = msg->callid->body;
	trim(&ids->callid);
	ids->from_tag = get_from(msg)->tag_value;
	ids->to_tag = get_to(msg)->tag_value;
	ids->cseq_invite = get_cseq(msg)->method_id == METHOD_INVITE;
	/* the upstream Via: a request's top one; in a reply, the one under
	 * ours */
	if(msg->first_line.type == SIP_REPLY) {
		if(parse_headers(msg, HDR_VIA2_F, 0) == 0 && msg->via2
				&& msg->via2->branch)
			ids->via_branch = msg->via2->branch->value;
	} else if(msg->via1 && msg->via1->branch) {
		ids->via_branch = msg->via1->branch->value;
	}
	if(ids->callid.len == 0) {
		LM_ERR("empty Call-ID\n");
		return -1;
	}
	return 0;
}

int medsec_sip_initial_invite(sip_msg_t *msg, const medsec_ids_t *ids)
{
	return msg->first_line.type == SIP_REQUEST
		   && msg->REQ_METHOD == METHOD_INVITE && ids->to_tag.len == 0;
}

int medsec_sip_first_passage(sip_msg_t *msg)
{
	hdr_field_t *h;
	struct via_body *vb;
	int skip = msg->first_line.type == SIP_REPLY;

	if(parse_headers(msg, HDR_EOH_F, 0) < 0 || msg->h_via1 == NULL)
		return 1;
	for(h = msg->h_via1; h; h = next_sibling_hdr(h)) {
		for(vb = h->parsed; vb; vb = vb->next) {
			if(skip) {
				skip = 0;
				continue;
			}
			if(check_self(&vb->host, vb->port ? vb->port : SIP_PORT, vb->proto)
					== 1)
				return 0;
		}
	}
	return 1;
}

const char *medsec_sip_out_family(sip_msg_t *msg)
{
	struct sip_uri u;
	ip_addr_t ip;
	str *uri;

	if(msg->first_line.type != SIP_REQUEST)
		return NULL;
	if(msg->force_send_socket)
		return msg->force_send_socket->address.af == AF_INET6 ? "IP6" : "IP4";
	uri = msg->dst_uri.len > 0 ? &msg->dst_uri : GET_RURI(msg);
	if(uri->len <= 0 || parse_uri(uri->s, uri->len, &u) < 0 || u.host.len <= 0)
		return NULL;
	if(str2ipbuf(&u.host, &ip) == 0)
		return "IP4";
	if(u.host.s[0] == '[' && str2ip6buf(&u.host, &ip) == 0)
		return "IP6";
	return NULL;
}

int medsec_sip_sdp(sip_msg_t *msg, str *body)
{
	int mime;

	body->s = get_body(msg);
	if(body->s == NULL)
		return -1;
	body->len = msg->buf + msg->len - body->s;
	if(body->len <= 0)
		return -1;
	mime = parse_content_type_hdr(msg);
	if(mime != 0 && mime != MIMETYPE(APPLICATION, SDP)) {
		LM_DBG("body is not application/sdp\n");
		return -1;
	}
	return 0;
}

int medsec_sip_replace_body(sip_msg_t *msg, const str *body, const str *sdp)
{
	struct lump *anchor;
	char *copy;

	copy = pkg_malloc(sdp->len);
	if(copy == NULL) {
		PKG_MEM_ERROR;
		return -1;
	}
	memcpy(copy, sdp->s, sdp->len);
	anchor = del_lump(msg, body->s - msg->buf, body->len, 0);
	if(anchor == NULL
			|| insert_new_lump_after(anchor, copy, sdp->len, 0) == NULL) {
		LM_ERR("cannot replace the message body\n");
		pkg_free(copy);
		return -1;
	}
	return 0;
}

int medsec_sip_init(void)
{
	if(sl_load_api(&_medsec_slb) < 0) {
		LM_ERR("cannot bind to sl: load the sl module before ims_medsec\n");
		return -1;
	}
	return 0;
}

int medsec_sip_refuse(sip_msg_t *msg, int code, const char *reason,
		const char *warning, const char *hdrs)
{
	char buf[512];
	str r;
	int n;

	if(msg->first_line.type != SIP_REQUEST || msg->REQ_METHOD == METHOD_ACK)
		return -1;
	n = snprintf(buf, sizeof(buf), "Warning: 399 ims_medsec \"%s\"\r\n%s",
			warning, hdrs ? hdrs : "");
	if(n < 0 || n >= (int)sizeof(buf)
			|| add_lump_rpl(msg, buf, n, LUMP_RPL_HDR) == NULL) {
		LM_ERR("cannot add the Warning header\n");
	}
	r.s = (char *)reason;
	r.len = strlen(reason);
	return _medsec_slb.freply(msg, code, &r);
}
