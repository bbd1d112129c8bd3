#!/usr/bin/env bash
# In-dialog requests that match no leg: a re-INVITE (an offer) and a PRACK
# (an answer) with SDP, in a dialog the P-CSCF never saw, routed to it (a
# Route header naming it, so loose_route takes them in), from the UE side
# and from the core side.  Each gets 481 with "Warning: 399 ims_medsec
# \"no media session for this dialog\"", is logged once per request
# (NOTICE, no key), and rtpengine holds no call afterwards: nothing was set
# up on the gateway for them.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
e2ae_lab

UE_PORT=$(alloc_ports 1)
e2ae_sdp_file "$RUN_DIR/offer.sdp" ue "m=audio 40000 RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)" \
	"a=3ge2ae:requested"

for side in ue core; do
	id=unknown-$side
	cid="$id-$$-$RANDOM@e2ae.test"
	port=$KAM_SIP_PORT
	[ "$side" = core ] && port=$KAM_CORE_PORT
	e2ae_sipp "$id" bad_uac_indialog.xml "$UE_PORT" -cid_str "$cid" \
		-key ruri "sip:far@127.0.0.1:$SCSCF_PORT" -key user ue -key body "$RUN_DIR/offer.sdp" \
		"127.0.0.1:$port"
	e2ae_sipp_wait "$id" "$BG_PID" "$id: in-dialog requests of an unknown dialog"
	for m in INVITE PRACK; do
		sipp_msg_to "$RUN_DIR/$id.481.$m" "$RUN_DIR/$id.trace" received '^SIP/2\.0 481 ' \
			"$([ $m = INVITE ] && echo 1 || echo 2)"
		assert_grep "$RUN_DIR/$id.481.$m" "^CSeq: [0-9]+ $m\$" "$id: the 481 answers the $m"
		assert_grep "$RUN_DIR/$id.481.$m" '^Warning: 399 ims_medsec "no media session for this dialog"$' \
			"$id: $m: 481 with the module's Warning"
	done
	assert_eq "$(grep -c "call $cid: 481 no media session for this dialog" "$RUN_DIR/kamailio.log")" 2 \
		"$id: one NOTICE per request"
	e2ae_no_calls_left "$id"
done
assert_no_grep "$RUN_DIR/kamailio.log" 'inline:' "no key material in Kamailio's log"
note "in-dialog offer and answer of an unknown dialog, from either side: 481 with a Warning, nothing on the gateway"
