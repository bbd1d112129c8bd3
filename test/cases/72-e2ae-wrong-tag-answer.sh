#!/usr/bin/env bash
# A terminating e2ae call whose answer the P-CSCF must refuse: the UE
# (registered with sdes-srtp;mediasec) answers a crypto tag it was not
# offered (TS 33.328 7.3.1: same tag and suite as an offered line).
# A proxy cannot drop a 200 (RFC 3261 16.7; Kamailio's tm ignores "drop"
# for final replies), so ims_medsec fails closed on it:
#   - the core gets the 200 with every media line rejected (port 0) and
#     nothing else from the UE's SDP: no key, no media address;
#   - the call's gateway session is released at once: rtpengine holds no
#     call, and the UE's 200 retransmissions are rejected the same way.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
e2ae_lab

UE_PORT=$(alloc_ports 1)
e2ae_register reg "$UE_PORT" ue

UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
wrong_tag_answer() {
	local o=$RUN_DIR/$1 tags bad
	sipp_msg_to "$o.ue.rx.msg" "$o.ue.trace" received '^INVITE '
	msg_body "$o.ue.rx.msg" >"$o.ue.rx.sdp"
	tags=$(sdp_crypto "$o.ue.rx.sdp" | awk '{ print $1 }' | tr '\n' ' ')
	bad=9
	while [[ " $tags " == *" $bad "* ]]; do bad=$((bad + 10)); done
	echo "$bad" >"$o.tag"
	e2ae_sdp_file "$o.answer.tmp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
		"a=crypto:$bad AES_CM_128_HMAC_SHA1_80 inline:$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)" \
		"a=sendrecv"
	mv "$o.answer.tmp" "$o.answer.sdp"
}
o=$RUN_DIR/wrongtag
e2ae_sdp_file "$o.offer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto AES_CM_128_HMAC_SHA1_80)
# what the core must get: media rejected, no crypto, no indication
CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
E2AE_ON_OFFER=wrong_tag_answer E2AE_ON_UP=''
e2ae_call wrongtag term "$o.offer.sdp" "$o.answer.sdp" 1000
cid=$(sipp_msg "$RUN_DIR/wrongtag.core.trace" sent '^INVITE ' | sed -n 's/^Call-ID: *//p')
bad=$(cat "$o.tag")
assert_grep "$RUN_DIR/wrongtag.ue.trace" "^a=crypto:$bad " "wrongtag: the UE did answer the unoffered tag $bad"
assert_grep "$RUN_DIR/kamailio.log" "answer refused \\(call $cid\\): answer crypto tag or suite was not offered" \
	"wrongtag: the P-CSCF refused the answer"
assert_grep "$RUN_DIR/kamailio.log" "final answer of call $cid refused: every media line rejected" \
	"wrongtag: the P-CSCF failed closed"

# What the core received in the 200: media rejected, nothing of the UE's.
rx=$o.core.rx.sdp
assert_grep "$rx" '^m=audio 0 RTP/AVP 0$' "wrongtag: the core got the audio line rejected (port 0)"
assert_no_grep "$rx" '^a=' "wrongtag: no attribute of the UE's answer reached the core"
ue_key=$(sdp_crypto_key "$o.answer.sdp" "$bad")
if grep -qF "$ue_key" "$RUN_DIR/wrongtag.core.trace"; then
	fail "wrongtag: the UE's key reached the core"
fi
assert_no_grep "$rx" "^m=audio $UE_MPORT " "wrongtag: the UE's media port did not reach the core"
assert_grep "$rx" "^c=IN IP4 0\\.0\\.0\\.0$" "wrongtag: no media address of the UE reached the core"
wait_until 3 ng_no_calls "$RTPE_A_NG" || fail "wrongtag: rtpengine still holds the call"
note "wrongtag: UE answered tag $bad; the core got the 200 with its media rejected, no key; rtpengine holds no call"

e2ae_no_calls_left "end of case"
