#!/usr/bin/env bash
# rtpengine answers "result: error"; the SIP side gets a clean outcome:
#   - offer: the core sends a terminating INVITE (RTP/AVP) for the e2ae UE
#     whose SDP rtpengine cannot parse (c=IN IP4 300.1.1.1, which
#     ims_medsec passes; rtpengine: "Failed to parse SDP"); the core gets a
#     500 with Warning: 399 ims_medsec "media gateway refused the session"
#     (a retry would not help, so no Retry-After), the UE
#     receives nothing, rtpengine holds no call;
#   - answer: an originating e2ae call whose gateway session disappears
#     while the core rings (deleted out of band with rngctl), so the answer
#     gets "Unknown call-id": the UE's 200 is failed closed (every media
#     line rejected, port 0, no crypto line, no a=3ge2ae, no address), the
#     call ends with the UE's BYE, rtpengine holds no call.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
e2ae_lab

UE_PORT=$(alloc_ports 1)
e2ae_register reg "$UE_PORT" ue

# ----- offer refused by rtpengine -----
o=$RUN_DIR/offer
e2ae_sdp "$o.offer.sdp" v=0 "o=core 1 1 IN IP4 127.0.0.1" s=- "c=IN IP4 300.1.1.1" "t=0 0" "m=audio 4000 RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
cid="offer-$$-$RANDOM@e2ae.test"
e2ae_sipp offer.ue fail_uas_silent.xml "$UE_PORT"
ue_pid=$BG_PID
e2ae_sipp_bound "$UE_PORT"
e2ae_sipp offer.core fail_uac_reject.xml "$SCSCF_PORT" -cid_str "$cid" \
	-key ruri "sip:ue@127.0.0.1:$UE_PORT" -key user core -key offer_sdp "$o.offer.sdp" \
	"127.0.0.1:$KAM_CORE_PORT"
core_pid=$BG_PID
e2ae_sipp_wait offer.core "$core_pid" "offer: the core must get an error reply"
sleep 0.3
stop_pidfiles "$RUN_DIR/offer.ue.bg.pid" sipp || true
wait "$ue_pid" 2>/dev/null || true
e2ae_mask_traces
sipp_msg_to "$o.rx.msg" "$RUN_DIR/offer.core.trace" received '^SIP/2\.0 [3-6][0-9][0-9] '
assert_grep "$o.rx.msg" '^Warning: 399 ims_medsec "[^"]+"$' "offer: the error carries an ims_medsec Warning"
sipp_received "$RUN_DIR/offer.ue.trace" >"$o.ue.rx"
[ -s "$o.ue.rx" ] && fail "offer: the UE received something: $(tr '\n' ' ' <"$o.ue.rx")"
assert_grep "$RUN_DIR/kamailio.log" "media offer refused for $cid \\(-[0-9]\\)" "offer: the P-CSCF refused the offer"
assert_grep "$RUN_DIR/rtpengine-a.log" "\\[${cid}[^]]*\\]: .*Received command 'offer'" "offer: rtpengine received the offer"
assert_grep "$RUN_DIR/kamailio.log" "rtpengine node 0 refused offer for call $cid: Failed to parse SDP" \
	"offer: the P-CSCF logged rtpengine's error"
# An error answer will not heal itself: a 500 (no Retry-After), unlike an
# unavailable gateway's 503.
assert_grep "$o.rx.msg" '^SIP/2\.0 500 ' "offer: the core got a 500"
assert_grep "$o.rx.msg" '^Warning: 399 ims_medsec "media gateway refused the session"$' "offer: the 500's Warning"
assert_no_grep "$o.rx.msg" '^Retry-After:' "offer: no Retry-After on a refusal"
why="rtpengine answered error (Failed to parse SDP)"
e2ae_no_calls_left "offer"
note "offer: $why; core got $(head -n 1 "$o.rx.msg" | tr -d '\r') / $(grep '^Warning:' "$o.rx.msg" | tr -d '\r'); $(grep '^Retry-After:' "$o.rx.msg" | tr -d '\r')"

# ----- answer refused by rtpengine (the session vanished) -----
o=$RUN_DIR/answer
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
srtp_gen_key AES_CM_128_HMAC_SHA1_80 >"$o.ue1.key"
e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(cat "$o.ue1.key")" "a=3ge2ae:requested" "a=sendrecv"
e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
cid="answer-$$-$RANDOM@e2ae.test"
# the core rings until the test deleted the session (its answer comes
# through a gate, test/lib.sh); the UE expects the refused answer
e2ae_sipp answer.core e2ae_uas_call.xml "$SCSCF_PORT" -d 100 -key answer_sdp "$(gate_new answer.answer)" \
	-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none
core_pid=$BG_PID
e2ae_sipp_bound "$SCSCF_PORT"
e2ae_sipp answer.ue e2ae_uac_call.xml "$UE_PORT" -d 300 -cid_str "$cid" \
	-key ruri "sip:bob@ims.test" -key user ue -key offer_sdp "$o.offer.sdp" \
	-key exp_proto RTP/SAVP -key exp_3ge2ae none -key exp_crypto none \
	"127.0.0.1:$KAM_SIP_PORT"
ue_pid=$BG_PID
wait_until 5 sipp_saw "$RUN_DIR/answer.core.trace" received '^INVITE ' || fail "answer: the core got no INVITE"
ng_holds "$RTPE_A_NG" "$cid" || fail "answer: rtpengine does not hold the ringing call"
ftag=$(sipp_msg "$RUN_DIR/answer.core.trace" received '^INVITE ' | sed -n 's/^From:.*;tag=\([^;>]*\).*/\1/p')
[ -n "$ftag" ] || fail "answer: no From tag in the core's INVITE"
rngctl "$RTPE_A_NG" delete "$cid" "$ftag" >"$o.delete.out" 2>&1 || fail "answer: out-of-band delete failed: $(cat "$o.delete.out")"
ng_no_calls "$RTPE_A_NG" || fail "answer: the out-of-band delete left the call"
gate_open "$o.answer.gate" "$o.answer.sdp"
e2ae_sipp_wait answer.ue "$ue_pid" "answer: the UE (200 with its media rejected, then BYE)"
e2ae_sipp_wait answer.core "$core_pid" "answer: the core"
sipp_msg_to "$o.ue.rx.msg" "$RUN_DIR/answer.ue.trace" received '^SIP/2\.0 200 '
msg_body "$o.ue.rx.msg" >"$o.ue.rx.sdp"
assert_grep "$RUN_DIR/rtpengine-a.log" "\\[${cid}[^]]*\\]: .*Unknown call-id" "answer: rtpengine answered error (Unknown call-id)"
assert_grep "$o.ue.rx.sdp" '^m=audio 0 ' "answer: the UE got the audio line rejected (port 0)"
assert_no_grep "$o.ue.rx.sdp" '^a=(crypto|3ge2ae)' "answer: no crypto line nor e2ae indication reached the UE"
assert_no_grep "$o.ue.rx.sdp" "^m=audio $CORE_MPORT " "answer: the core's media port did not reach the UE"
assert_grep "$o.ue.rx.sdp" "^c=IN IP4 0\\.0\\.0\\.0$" "answer: no media address reached the UE"
assert_grep "$RUN_DIR/kamailio.log" "final answer of call $cid refused: every media line rejected" \
	"answer: the P-CSCF failed closed"
e2ae_no_calls_left "answer"
note "answer: rtpengine lost the session; UE got 200 with $(grep '^m=' "$o.ue.rx.sdp" | tr -d '\r'), no crypto; rtpengine empty"

