#!/usr/bin/env bash
# e2ae offers and answers the P-CSCF must refuse, through the example
# P-CSCF (the UE registered with sdes-srtp;mediasec):
#   - no acceptable suite: the UE asks for e2ae but offers only
#     NULL_HMAC_SHA1_80, F8_128_HMAC_SHA1_80 and a non-IANA
#     AEAD_AES_256_GCM_8 line: the UE gets a 488 with
#     Warning: 399 ims_medsec "no acceptable crypto line for e2ae"; nothing
#     reaches the core, rtpengine never sees the call;
#   - a weak session parameter (UNENCRYPTED_SRTP on the only line): 488 too.
# (A refused answer is 72-e2ae-wrong-tag-answer.)
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
e2ae_lab

UE_PORT=$(alloc_ports 1)
e2ae_register reg "$UE_PORT" ue

# refused ID WARNING CRYPTO-LINE...: the UE offers RTP/SAVP with the lines
# and a=3ge2ae:requested and must get a 488 with that warning text.
refused() {
	local id=$1 warning=$2 o=$RUN_DIR/$1 cid pid
	shift 2
	UE_MPORT=$(alloc_ports 2)
	e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
		"$@" "a=3ge2ae:requested" "a=sendrecv"
	cid="$id-$$-$RANDOM@e2ae.test"
	e2ae_sipp "$id.ue" e2ae_uac_refused.xml "$UE_PORT" -cid_str "$cid" \
		-key ruri "sip:bob@ims.test" -key user ue -key offer_sdp "$o.offer.sdp" \
		"127.0.0.1:$KAM_SIP_PORT"
	pid=$BG_PID
	e2ae_sipp_wait "$id.ue" "$pid" "$id: the UE must get a 488 with a Warning"
	sipp_msg_to "$o.ue.rx.msg" "$RUN_DIR/$id.ue.trace" received '^SIP/2\.0 488 '
	assert_grep "$o.ue.rx.msg" "^Warning: 399 ims_medsec \"$warning\"\$" "$id: the 488's Warning"
	assert_grep "$RUN_DIR/kamailio.log" "offer refused \\(call $cid\\): $warning" \
		"$id: the P-CSCF logged the refusal"
	assert_no_grep "$RUN_DIR/rtpengine-a.log" "\[$cid" "$id: rtpengine never saw the call"
	e2ae_no_calls_left "$id"
	note "$id: 488 with $(grep '^Warning:' "$o.ue.rx.msg")"
}

refused no-suite "no acceptable crypto line for e2ae" \
	"a=crypto:1 NULL_HMAC_SHA1_80 inline:$(srtp_gen_key NULL_HMAC_SHA1_80)" \
	"a=crypto:2 F8_128_HMAC_SHA1_80 inline:$(srtp_gen_key F8_128_HMAC_SHA1_80)" \
	"a=crypto:3 AEAD_AES_256_GCM_8 inline:oJzigckA3E7VxafV0JyOiPV8BS3m6IaqDS8bCseg4KjQ6CqmR0ShaNFJdhQ="
refused weak-param "no acceptable crypto line for e2ae" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(srtp_gen_key AES_CM_128_HMAC_SHA1_80) UNENCRYPTED_SRTP"

e2ae_no_calls_left "end of case"
note "rtpengine holds no call"
