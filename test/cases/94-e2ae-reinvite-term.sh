#!/usr/bin/env bash
# Call lifecycle of a terminating e2ae call (TS 33.328 7.3.1), the UE
# (the callee) sending the re-INVITEs:
#   the core calls the UE (RTP/AVP); the UE answers the gateway's SDES
#   offer with tag/suite AES_CM_128_HMAC_SHA1_80 and a key of its own; the
#   media is probed; then the UE sends in the dialog
#   - hold: a re-INVITE (CSeq 10) with a=sendonly, its answer's key as the
#     offer's crypto line (tag 1), a=3ge2ae:requested.  The UE gets a 200
#     with RTP/SAVP on the gateway, exactly one a=crypto with tag 1 and the
#     suite, a=3ge2ae:applied; the core gets RTP/AVP on the gateway with
#     a=sendonly, no a=crypto, no a=3ge2ae;
#   - resume: a re-INVITE (CSeq 11) with a=sendrecv and a NEW UE key.  Same
#     checks; the media is probed again with the UE's new key and the
#     gateway key of the latest answer; SRTP under the UE's replaced key
#     must no longer reach the core.  Whether rtpengine kept or changed its
#     key is noted.
#   Then the UE's BYE: rtpengine holds no call.
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



# check_core_sdp FILE WHAT: RTP/AVP on the gateway, no SDES, no indication.
check_core_sdp() {
	assert_agw_sdp "$1" "$2"
	assert_grep "$1" '^m=audio [0-9]+ RTP/AVP 0$' "$2: RTP/AVP"
	assert_no_grep "$1" '^a=crypto' "$2: no crypto line toward the core"
	assert_no_grep "$1" '^a=3ge2ae' "$2: no e2ae indication toward the core"
	assert_no_grep "$1" '^a=(fingerprint|setup|key-mgmt)' "$2: no other keying toward the core"
}

keyfate() { cmp -s "$1" "$2" && echo kept || echo changed; }

o=$RUN_DIR/ti
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
srtp_gen_key "$SUITE" >"$o.ue1.key"
srtp_gen_key "$SUITE" >"$o.ue2.key"
ue_sdp() { # FILE VERSION KEYFILE TAG [LINE...]
	local f=$1 v=$2 k=$3 t=$4
	shift 4
	e2ae_sdp "$f" v=0 "o=ue 1 $v IN IP4 127.0.0.1" s=- "c=IN IP4 127.0.0.1" "t=0 0" \
		"m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
		"a=crypto:$t $SUITE inline:$(cat "$k")" "$@"
}
core_sdp "$o.offer.sdp" 1 sendrecv
core_sdp "$o.hold_answer.sdp" 2 recvonly
core_sdp "$o.resume_answer.sdp" 3 sendrecv
ue_sdp "$o.hold.sdp" 2 "$o.ue1.key" 1 a=3ge2ae:requested a=sendonly
ue_sdp "$o.resume.sdp" 3 "$o.ue2.key" 1 a=3ge2ae:requested a=sendrecv
rm -f "$o.answer.sdp"

cid="ti-$$-$RANDOM@e2ae.test"
# gates (test/lib.sh): the UE answers once the test wrote its answer, sends
# its hold re-INVITE once the first probe is done, its BYE once the second
# one is
e2ae_sipp ti.ue life_uas_ue_reinvite.xml "$UE_PORT" -d 200 \
	-key answer_sdp "$(gate_new ti.answer)" -key hold_sdp "$(gate_new ti.hold)" \
	-key resume_sdp "$o.resume.sdp" -set hold_gate "$(gate_new ti.end)"
ue_pid=$BG_PID
e2ae_sipp_bound "$UE_PORT"
e2ae_sipp ti.core life_uac_core_reinvite.xml "$SCSCF_PORT" -cid_str "$cid" \
	-key ruri "sip:ue@127.0.0.1:$UE_PORT" -key user core -key offer_sdp "$o.offer.sdp" \
	-key hold_answer_sdp "$o.hold_answer.sdp" -key resume_answer_sdp "$o.resume_answer.sdp" \
	"127.0.0.1:$KAM_CORE_PORT"
core_pid=$BG_PID
UT=$RUN_DIR/ti.ue.trace CT=$RUN_DIR/ti.core.trace

# --- the UE rings: answer the offered AES_CM_128_HMAC_SHA1_80 line
wait_until 5 sipp_saw "$UT" received '^INVITE ' || fail "ti: the UE received no INVITE"
sipp_msg_to "$o.ue.rx.msg" "$UT" received '^INVITE '
msg_body "$o.ue.rx.msg" >"$o.ue.rx.sdp"
tag=$(sdp_crypto "$o.ue.rx.sdp" | awk -v s="$SUITE" '$2 == s { print $1; exit }')
[ -n "$tag" ] || fail "ti: the UE was offered no $SUITE line: $(sdp_crypto "$o.ue.rx.sdp" | tr '\n' ' ')"
sdp_crypto_key "$o.ue.rx.sdp" "$tag" >"$o.gw1.key"
ue_sdp "$o.answer.tmp" 1 "$o.ue1.key" "$tag" a=sendrecv
mv "$o.answer.tmp" "$o.answer.sdp"
gate_open "$o.answer.gate" "$o.answer.sdp"
assert_grep "$o.ue.rx.sdp" '^a=3ge2ae:applied$' "ti: the UE's offer says e2ae applied"

# --- the call is up: first probe
wait_until 8 sipp_saw "$UT" received '^ACK ' || fail "ti: the call was not set up"
msg_cseq "$o.core.rx.msg" "$CT" received '^SIP/2\.0 200 ' '1 INVITE' || fail "ti: the core got no 200"
msg_body "$o.core.rx.msg" >"$o.core.rx.sdp"
check_core_sdp "$o.core.rx.sdp" "ti: core's answer"
e2ae_probe ti "$SUITE" "$o.ue1.key" "$o.gw1.key"
gate_open "$o.hold.gate" "$o.hold.sdp"

# --- hold and resume
wait_until 12 msg_cseq "$RUN_DIR/ti.ack.msg" "$CT" received '^ACK ' '11 ACK' || {
	e2ae_mask_traces
	fail "ti: the resume re-INVITE was not completed (core received: $(sipp_received "$CT" | tr '\n' ',' | sed 's/,$//'); UE received: $(sipp_received "$UT" | tr '\n' ',' | sed 's/,$//'))"
}
step() { # ID CSEQ
	local s=$RUN_DIR/$1
	msg_cseq "$s.ue.rx.msg" "$UT" received '^SIP/2\.0 200 ' "$2 INVITE" || fail "$1: the UE got no 200 to CSeq $2"
	msg_cseq "$s.core.rx.msg" "$CT" received '^INVITE ' "$2 INVITE" || fail "$1: the core got no INVITE CSeq $2"
	msg_body "$s.ue.rx.msg" >"$s.ue.rx.sdp"
	msg_body "$s.core.rx.msg" >"$s.core.rx.sdp"
}
step th 10
h=$RUN_DIR/th
check_ue_answer "$h.ue.rx.sdp" "th: UE's answer to its hold re-INVITE"
check_core_sdp "$h.core.rx.sdp" "th: core's hold offer"
assert_eq "$(dir_of "$h.core.rx.sdp")" sendonly "th: the core is offered a=sendonly"
sdp_crypto_key "$h.ue.rx.sdp" 1 >"$o.gw2.key"
step tr 11
r=$RUN_DIR/tr
check_ue_answer "$r.ue.rx.sdp" "tr: UE's answer to its resume re-INVITE"
check_core_sdp "$r.core.rx.sdp" "tr: core's resume offer"
case $(dir_of "$r.core.rx.sdp") in
sendrecv | none) ;;
*) fail "tr: the core is offered a=$(dir_of "$r.core.rx.sdp") on resume" ;;
esac
sdp_crypto_key "$r.ue.rx.sdp" 1 >"$o.gw3.key"
for k in gw2 gw3; do
	for u in ue1 ue2; do
		cmp -s "$o.$k.key" "$o.$u.key" && fail "ti: the gateway's key ($k) is the UE's own ($u)"
	done
done
note "NOTE: ti: UE hold: UE got $(sdp_crypto "$h.ue.rx.sdp" | tr '\n' ' ')a=$(dir_of "$h.ue.rx.sdp") $(grep '^a=3ge2ae' "$h.ue.rx.sdp" | tr -d '\r'); core got a=$(dir_of "$h.core.rx.sdp"); gateway key $(keyfate "$o.gw1.key" "$o.gw2.key") by the hold (initial offer used tag $tag)"
note "NOTE: ti: UE resume (re-key): UE got $(sdp_crypto "$r.ue.rx.sdp" | tr '\n' ' ')a=$(dir_of "$r.ue.rx.sdp") $(grep '^a=3ge2ae' "$r.ue.rx.sdp" | tr -d '\r'); core got a=$(dir_of "$r.core.rx.sdp"); gateway key $(keyfate "$o.gw2.key" "$o.gw3.key") by the resume ($(keyfate "$o.gw1.key" "$o.gw3.key") since the initial offer)"
e2ae_probe tr "$SUITE" "$o.ue2.key" "$o.gw3.key"

# SRTP under the UE's replaced key must no longer reach the core
rc=0
"$SRTP_PROBE" --suite "$SUITE" --count 10 --warmup 0 --interval 20 --timeout 500 \
	--direction ue-to-core --ue-local "127.0.0.1:$UE_MPORT" \
	--ue-remote "$(hostport "$(sdp_conn_addr "$r.ue.rx.sdp")" "$(sdp_media_port "$r.ue.rx.sdp")")" \
	--core-local "127.0.0.1:$CORE_MPORT" \
	--core-remote "$(hostport "$(sdp_conn_addr "$r.core.rx.sdp")" "$(sdp_media_port "$r.core.rx.sdp")")" \
	--ue-tx-key-file "$o.ue1.key" --ue-rx-key-file "$o.gw3.key" >"$r.oldkey.log" 2>&1 || rc=$?
assert_eq "$rc" 1 "tr: a probe with the replaced UE key must fail (exit)"
assert_grep "$r.oldkey.log" '^ue->core: sent 10 srtp, received 0 rtp' "tr: nothing under the replaced UE key reaches the core"
note "NOTE: tr: SRTP under the UE's replaced key: $(grep -E '^ue->core: ' "$r.oldkey.log")"
gate_open "$o.end.gate"

e2ae_sipp_wait ti.ue "$ue_pid" "ti: UE (answer, hold, resume, BYE)"
e2ae_sipp_wait ti.core "$core_pid" "ti: core (call, hold, resume, BYE)"
assert_grep "$RUN_DIR/kamailio.log" "call $cid: e2ae offer from the core through gateway" "ti: initial offer handled as e2ae"
assert_eq "$(grep -c "call $cid: e2ae offer from the UE through gateway" "$RUN_DIR/kamailio.log")" 2 \
	"ti: the P-CSCF handled the UE's two re-INVITEs as e2ae offers"
assert_grep "$RUN_DIR/rtpengine-a.log" "\[${cid}[^]]*\]: .*Received command 'delete'" "ti: rtpengine received the delete"
assert_no_grep "$RUN_DIR/kamailio.log" 'media (offer|answer) refused|failed a check' "no refusal in the P-CSCF"
e2ae_no_calls_left ti
note "ti: after the UE's BYE rtpengine holds no call"
