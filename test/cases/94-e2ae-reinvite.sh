#!/usr/bin/env bash
# Call lifecycle of an originating e2ae call (TS 33.328 7.2.1) beyond the
# initial offer/answer, with the media proven on the wire:
#
#   1. "ri": the UE sets up the call (one crypto line, tag 1,
#      AES_CM_128_HMAC_SHA1_80, a=3ge2ae:requested) and the media is probed
#      (srtp_probe --rtcp, SRTP <-> RTP); then, in the same dialog:
#      - hold: a re-INVITE (CSeq 2) with a=sendonly, the same crypto line
#        and key, a=3ge2ae:requested.  The UE gets a 200 with RTP/SAVP on
#        the gateway, exactly one a=crypto with the same tag and suite,
#        a=3ge2ae:applied; the core gets RTP/AVP on the gateway with
#        a=sendonly, no a=crypto, no a=3ge2ae;
#      - resume: a re-INVITE (CSeq 3) with a=sendrecv and a NEW UE key
#        (re-key).  Same checks on the answer (a=sendrecv or no direction
#        attribute toward the core); then the media is probed again with
#        the UE's new key and the gateway key of the latest answer (the
#        one-way-audio-after-re-INVITE problem).  Whether rtpengine kept
#        or changed its own key across the re-INVITEs is noted.
#      Then the BYE: rtpengine holds no call.
#   2. "em": early media: the core answers 183 with SDP, then 200 with the
#      same SDP and to-tag.  The UE gets SRTP SDP with a=3ge2ae:applied in
#      the 183 too (same tag and suite); the media probed after the 200
#      passes; after the BYE rtpengine holds no call.
#
# lab: ims
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
e2ae_lab

UE_PORT=$(alloc_ports 1)
e2ae_register reg "$UE_PORT" ue

SUITE=AES_CM_128_HMAC_SHA1_80

# extract_step ID UE_TRACE CORE_TRACE CSEQ: for the INVITE with CSeq
# "CSEQ INVITE": the 200 the UE received and the INVITE the core received
# into ID.ue.rx.msg / ID.core.rx.msg and their SDPs ID.{ue,core}.rx.sdp
# (what e2ae_probe reads).
extract_step() {
	local o=$RUN_DIR/$1
	msg_cseq "$o.ue.rx.msg" "$2" received '^SIP/2\.0 200 ' "$4 INVITE" ||
		fail "$1: the UE received no 200 to its INVITE CSeq $4"
	msg_cseq "$o.core.rx.msg" "$3" received '^INVITE ' "$4 INVITE" ||
		fail "$1: the core received no INVITE CSeq $4"
	msg_body "$o.ue.rx.msg" >"$o.ue.rx.sdp"
	msg_body "$o.core.rx.msg" >"$o.core.rx.sdp"
}

# ----- 1. hold and resume (with re-key) -----
o=$RUN_DIR/ri
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
srtp_gen_key "$SUITE" >"$o.ue1.key"
srtp_gen_key "$SUITE" >"$o.ue2.key"
cmp -s "$o.ue1.key" "$o.ue2.key" && fail "ri: the two UE keys are equal"
ue_sdp() { # FILE VERSION KEYFILE DIRECTION
	e2ae_sdp "$1" v=0 "o=ue 1 $2 IN IP4 127.0.0.1" s=- "c=IN IP4 127.0.0.1" "t=0 0" \
		"m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
		"a=crypto:1 $SUITE inline:$(cat "$3")" "a=3ge2ae:requested" "a=$4"
}
ue_sdp "$o.offer.sdp" 1 "$o.ue1.key" sendrecv
ue_sdp "$o.hold.sdp" 2 "$o.ue1.key" sendonly
ue_sdp "$o.resume.sdp" 3 "$o.ue2.key" sendrecv
core_sdp "$o.answer.sdp" 1 sendrecv
core_sdp "$o.hold_answer.sdp" 2 recvonly
core_sdp "$o.resume_answer.sdp" 3 sendrecv

cid="ri-$$-$RANDOM@e2ae.test"
e2ae_sipp ri.core life_uas_reinvite.xml "$SCSCF_PORT" -d 100 \
	-key answer_sdp "$o.answer.sdp" -key hold_answer_sdp "$o.hold_answer.sdp" \
	-key resume_answer_sdp "$o.resume_answer.sdp"
core_pid=$BG_PID
e2ae_sipp_bound "$SCSCF_PORT"
# gates (test/lib.sh): the UE sends its hold re-INVITE once the first probe
# is done, and its BYE once the second one is
e2ae_sipp ri.ue life_uac_reinvite.xml "$UE_PORT" -d 200 -cid_str "$cid" \
	-key ruri "sip:bob@ims.test" -key user ue -key offer_sdp "$o.offer.sdp" \
	-key hold_sdp "$(gate_new ri.hold)" -key resume_sdp "$o.resume.sdp" \
	-set hold_gate "$(gate_new ri.end)" "127.0.0.1:$KAM_SIP_PORT"
ue_pid=$BG_PID
UT=$RUN_DIR/ri.ue.trace CT=$RUN_DIR/ri.core.trace

# --- the call is up: first probe (UE key 1, gateway key of the first 200)
wait_until 8 sipp_saw "$CT" received '^ACK ' || fail "ri: the call was not set up"
extract_step ri "$UT" "$CT" 1
check_ue_answer "$o.ue.rx.sdp" "ri: UE's initial answer"
check_core_offer "$o.core.rx.sdp" "ri: core's initial offer"
sdp_crypto_key "$o.ue.rx.sdp" 1 >"$o.gw1.key"
[ -s "$o.gw1.key" ] || fail "ri: no tag-1 key in the UE's initial answer"
e2ae_probe ri "$SUITE" "$o.ue1.key" "$o.gw1.key"
gate_open "$o.hold.gate" "$o.hold.sdp"

# --- hold and resume: wait for the ACK of the resume's 200 at the core
wait_until 12 msg_cseq "$RUN_DIR/ri.ack3.msg" "$CT" received '^ACK ' '3 ACK' || {
	e2ae_mask_traces
	fail "ri: the resume re-INVITE was not completed (core received: $(sipp_received "$CT" | tr '\n' ',' | sed 's/,$//'); UE received: $(sipp_received "$UT" | tr '\n' ',' | sed 's/,$//'))"
}
# the hold step (CSeq 2)
extract_step ho "$UT" "$CT" 2
h=$RUN_DIR/ho
check_ue_answer "$h.ue.rx.sdp" "ho: UE's answer to the hold re-INVITE"
check_core_offer "$h.core.rx.sdp" "ho: core's hold offer"
assert_eq "$(dir_of "$h.core.rx.sdp")" sendonly "ho: the core is offered a=sendonly"
sdp_crypto_key "$h.ue.rx.sdp" 1 >"$o.gw2.key"
for k in ue1 ue2; do
	cmp -s "$o.gw2.key" "$o.$k.key" && fail "ho: the answer's key is the UE's own ($k)"
done
# the resume step (CSeq 3)
extract_step rs "$UT" "$CT" 3
r=$RUN_DIR/rs
check_ue_answer "$r.ue.rx.sdp" "rs: UE's answer to the resume re-INVITE"
check_core_offer "$r.core.rx.sdp" "rs: core's resume offer"
case $(dir_of "$r.core.rx.sdp") in
sendrecv | none) ;;
*) fail "rs: the core is offered a=$(dir_of "$r.core.rx.sdp") on resume" ;;
esac
sdp_crypto_key "$r.ue.rx.sdp" 1 >"$o.gw3.key"
for k in ue1 ue2; do
	cmp -s "$o.gw3.key" "$o.$k.key" && fail "rs: the answer's key is the UE's own ($k)"
done
# old_key_rejected ID TXKEY RXKEY: a short UE->core-only srtp_probe of call ID
# (its ID.{ue,core}.rx.sdp) with TXKEY must get nothing through: SRTP
# under a key the UE replaced is dropped by the gateway.
old_key_rejected() {
	local o=$RUN_DIR/$1 rc=0
	"$SRTP_PROBE" --suite "$SUITE" --count 10 --warmup 0 --interval 20 --timeout 500 \
		--direction ue-to-core \
		--ue-local "127.0.0.1:$UE_MPORT" \
		--ue-remote "$(hostport "$(sdp_conn_addr "$o.ue.rx.sdp")" "$(sdp_media_port "$o.ue.rx.sdp")")" \
		--core-local "127.0.0.1:$CORE_MPORT" \
		--core-remote "$(hostport "$(sdp_conn_addr "$o.core.rx.sdp")" "$(sdp_media_port "$o.core.rx.sdp")")" \
		--ue-tx-key-file "$2" --ue-rx-key-file "$3" >"$o.oldkey.log" 2>&1 || rc=$?
	sed "s/^/$1 old-key probe: /" "$o.oldkey.log" | grep -E ': (ue->core|VERDICT)' >&2 || true
	assert_eq "$rc" 1 "$1: a probe with the replaced UE key must fail (exit)"
	assert_grep "$o.oldkey.log" '^ue->core: sent 10 srtp, received 0 rtp' "$1: nothing under the replaced UE key reaches the core"
	note "NOTE: $1: SRTP under the UE's replaced key: $(grep -E '^ue->core: ' "$o.oldkey.log")"
}
keyfate() { cmp -s "$1" "$2" && echo kept || echo changed; }
note "NOTE: ri: hold: UE got $(sdp_crypto "$h.ue.rx.sdp" | tr '\n' ' ')a=$(dir_of "$h.ue.rx.sdp") $(grep '^a=3ge2ae' "$h.ue.rx.sdp" | tr -d '\r'); core got $(sed -n 's/^m=audio [0-9]* \([A-Z/]*\).*/\1/p' "$h.core.rx.sdp") a=$(dir_of "$h.core.rx.sdp"); gateway key $(keyfate "$o.gw1.key" "$o.gw2.key") by the hold"
note "NOTE: ri: resume (UE re-key): UE got $(sdp_crypto "$r.ue.rx.sdp" | tr '\n' ' ')a=$(dir_of "$r.ue.rx.sdp") $(grep '^a=3ge2ae' "$r.ue.rx.sdp" | tr -d '\r'); core got a=$(dir_of "$r.core.rx.sdp"); gateway key $(keyfate "$o.gw2.key" "$o.gw3.key") by the resume ($(keyfate "$o.gw1.key" "$o.gw3.key") since the initial answer)"
# second probe: the UE's new key, the gateway's key of the latest answer
e2ae_probe rs "$SUITE" "$o.ue2.key" "$o.gw3.key"
# the UE's old key no longer gets through (rtpengine took the new one)
old_key_rejected rs "$o.ue1.key" "$o.gw3.key"
gate_open "$o.end.gate"

e2ae_sipp_wait ri.ue "$ue_pid" "ri: UE (call, hold, resume, BYE)"
e2ae_sipp_wait ri.core "$core_pid" "ri: core (call, hold, resume, BYE)"
assert_eq "$(grep -c "call $cid: e2ae offer from the UE through gateway" "$RUN_DIR/kamailio.log")" 3 \
	"ri: the P-CSCF handled three e2ae offers (INVITE, hold, resume)"
assert_ge "$(grep -c "call $cid: e2ae answer through gateway" "$RUN_DIR/kamailio.log")" 3 \
	"ri: the P-CSCF handled three e2ae answers"
assert_ge "$(grep -Ec "\[${cid}[^]]*\]: .*Received command 'offer'" "$RUN_DIR/rtpengine-a.log")" 3 \
	"ri: rtpengine received three ng offers"
assert_grep "$RUN_DIR/rtpengine-a.log" "\[${cid}[^]]*\]: .*Received command 'delete'" "ri: rtpengine received the delete"
e2ae_no_calls_left ri
note "ri: after the BYE rtpengine holds no call"

# ----- 2. early media: 183 with SDP, then 200 -----
o=$RUN_DIR/em
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
srtp_gen_key "$SUITE" >"$o.ue1.key"
ue_sdp "$o.offer.sdp" 1 "$o.ue1.key" sendrecv
core_sdp "$o.answer.sdp" 1 sendrecv
cid="em-$$-$RANDOM@e2ae.test"
e2ae_sipp em.core life_uas_early.xml "$SCSCF_PORT" -d 1000 -key answer_sdp "$o.answer.sdp"
core_pid=$BG_PID
e2ae_sipp_bound "$SCSCF_PORT"
e2ae_sipp em.ue e2ae_uac_call.xml "$UE_PORT" -d 200 -cid_str "$cid" \
	-key ruri "sip:bob@ims.test" -key user ue -key offer_sdp "$o.offer.sdp" \
	-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto "$SUITE" \
	-set hold_gate "$(gate_new em.hold)" "127.0.0.1:$KAM_SIP_PORT"
ue_pid=$BG_PID
UT=$RUN_DIR/em.ue.trace CT=$RUN_DIR/em.core.trace
wait_until 8 sipp_saw "$CT" received '^ACK ' || fail "em: the call was not set up"
msg_cseq "$o.ue.183.msg" "$UT" received '^SIP/2\.0 183 ' '1 INVITE' || fail "em: the UE received no 183"
msg_body "$o.ue.183.msg" >"$o.ue.183.sdp"
[ -s "$o.ue.183.sdp" ] || fail "em: the UE's 183 has no SDP"
check_ue_answer "$o.ue.183.sdp" "em: UE's 183"
extract_step em "$UT" "$CT" 1
check_ue_answer "$o.ue.rx.sdp" "em: UE's 200"
check_core_offer "$o.core.rx.sdp" "em: core's offer"
assert_eq "$(grep -i '^To:' "$o.ue.183.msg" | sed 's/.*tag=//')" "$(grep -i '^To:' "$o.ue.rx.msg" | sed 's/.*tag=//')" \
	"em: 183 and 200 carry the same to-tag"
sdp_crypto_key "$o.ue.183.sdp" 1 >"$o.gw183.key"
sdp_crypto_key "$o.ue.rx.sdp" 1 >"$o.gw.key"
cmp -s "$o.gw.key" "$o.ue1.key" && fail "em: the 200's key is the UE's own"
note "NOTE: em: 183 gave the UE $(sdp_crypto "$o.ue.183.sdp" | tr '\n' ' ')$(grep '^a=3ge2ae' "$o.ue.183.sdp" | tr -d '\r'), the 200 $(sdp_crypto "$o.ue.rx.sdp" | tr '\n' ' ')$(grep '^a=3ge2ae' "$o.ue.rx.sdp" | tr -d '\r'); gateway key $(keyfate "$o.gw183.key" "$o.gw.key") between 183 and 200; 183 port $(sdp_media_port "$o.ue.183.sdp"), 200 port $(sdp_media_port "$o.ue.rx.sdp")"
e2ae_probe em "$SUITE" "$o.ue1.key" "$o.gw.key"
gate_open "$o.hold.gate"
e2ae_sipp_wait em.ue "$ue_pid" "em: UE (early media call)"
e2ae_sipp_wait em.core "$core_pid" "em: core (183, 200, BYE)"
assert_ge "$(grep -c "call $cid: e2ae answer through gateway" "$RUN_DIR/kamailio.log")" 2 \
	"em: the P-CSCF handled the 183 and the 200 as e2ae answers"
e2ae_no_calls_left em

assert_no_grep "$RUN_DIR/kamailio.log" 'media (offer|answer) refused|failed a check' \
	"no refusal in the P-CSCF"
e2ae_no_calls_left "end of case"
note "rtpengine holds no call after the BYEs"
