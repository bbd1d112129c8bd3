#!/usr/bin/env bash
# Re-INVITEs from both ends of a hairpin e2ae call (issue 11: UE A and UE
# B, both registered with sdes-srtp;mediasec through the same P-CSCF, see
# 62-hairpin-e2ae.sh).  Each passage is its own leg on the gateway, so a
# renegotiation of one UE's leg must not touch the other UE's keys:
#   0. the call: A offers AES_CM_128_HMAC_SHA1_80 (tag 1) with
#      a=3ge2ae:requested, B picks AES_CM_128_HMAC_SHA1_80 with its own key;
#   1. A holds (re-INVITE CSeq 2, a=sendonly, A's key unchanged): A gets
#      one crypto line (tag 1) and a=3ge2ae:applied; B is offered
#      a=sendonly, RTP/SAVP, a=3ge2ae:applied and, for the suite it uses,
#      the very key it was offered at first (B's leg untouched); B answers
#      a=recvonly with its key unchanged;
#   2. A resumes (re-INVITE CSeq 3, a=sendrecv): the same checks;
#   3. B re-keys (re-INVITE CSeq 10, a NEW key of B, a=3ge2ae:requested): B
#      gets one crypto line and a=3ge2ae:applied; A is offered RTP/SAVP,
#      a=3ge2ae:applied and, for A's suite, the gateway key A got at first
#      (A's leg untouched); A answers with its key unchanged;
#   4. B changes codecs (re-INVITE CSeq 11: PCMU plus telephone-event 101):
#      A is offered 101 too, with its gateway key unchanged; A answers both
#      payload types; B's answer has 101;
#   then the media is probed A<->B (srtp_probe --far-srtp: A with its key
#   and the gateway's key of the latest offer A got, B with its NEW key and
#   the gateway's key of the latest answer B got; SRTP under B's replaced
#   key must no longer get through to A), A hangs up, and
#   rtpengine holds no call.  The S-CSCF (the IMS core) relayed plain
#   RTP/AVP on gateway ports in every INVITE and 200 of the dialog.  Whether the gateway
#   kept or changed its key toward the UE that renegotiated is noted.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
# shellcheck source=../hairpin.sh
. "$(dirname "$0")/../hairpin.sh"
setup_run
hairpin_lab
SUITE=AES_CM_128_HMAC_SHA1_80

o=$RUN_DIR/ri
A_MPORT=$(alloc_ports 2) B_MPORT=$(alloc_ports 2)
AT=$RUN_DIR/ri.a.trace BT=$RUN_DIR/ri.b.trace

# a_sdp FILE VERSION DIRECTION: A's e2ae offer (tag 1, A's key ri.a1.key).
a_sdp() {
	e2ae_sdp "$1" v=0 "o=uea 1 $2 IN IP4 127.0.0.1" s=- "c=IN IP4 127.0.0.1" "t=0 0" \
		"m=audio $A_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
		"a=crypto:1 $SUITE inline:$(cat "$o.a1.key")" "a=3ge2ae:requested" "a=$3"
}
# b_sdp FILE VERSION [LINE...]: B's e2ae offer on its initial tag with its
# new key (ri.b2.key), RTP/SAVP with the payload types of B_PTS.
b_sdp() {
	local f=$1 v=$2
	shift 2
	e2ae_sdp "$f" v=0 "o=ueb 1 $v IN IP4 127.0.0.1" s=- "c=IN IP4 127.0.0.1" "t=0 0" \
		"m=audio $B_MPORT RTP/SAVP $B_PTS" "a=rtpmap:0 PCMU/8000" "$@" \
		"a=crypto:$(cat "$o.b.tag") $SUITE inline:$(cat "$o.b2.key")" "a=3ge2ae:requested" "a=sendrecv"
}
srtp_gen_key "$SUITE" >"$o.a1.key"
srtp_gen_key "$SUITE" >"$o.b2.key"
a_sdp "$o.offer.sdp" 1 sendrecv
a_sdp "$o.hold.sdp" 2 sendonly
a_sdp "$o.resume.sdp" 3 sendrecv
# Each of these files reaches its SIPp through a gate (test/lib.sh): the
# SIPp waits for it, the test feeds it once written (feed KEY), however
# long the checks before took.
for f in answer hold_answer resume_answer rekey codec rekey_answer codec_answer; do
	: >"$o.$f.sdp"
	gate_new "ri.$f" >/dev/null
done
feed() { gate_open "$o.$1.gate" "$o.$1.sdp"; }

# step OUT TRACE DIR REGEX CSEQ WHAT: wait (12 s) for the message and put
# it into OUT.msg, its SDP into OUT.sdp.
step() {
	wait_until 12 msg_cseq "$1.msg" "$2" "$3" "$4" "$5" || {
		e2ae_mask_traces
		fail "$6: not seen (A received: $(sipp_received "$AT" | tr -d '\r' | tr '\n' ',' | sed 's/,$//'); B received: $(sipp_received "$BT" | tr -d '\r' | tr '\n' ',' | sed 's/,$//'))"
	}
	msg_body "$1.msg" >"$1.sdp"
}
# key_for_suite SDP: the key of the SDP's (first) crypto line of SUITE.
key_for_suite() {
	local t
	t=$(sdp_crypto "$1" | awk -v s="$SUITE" '$2 == s { print $1; exit }')
	[ -n "$t" ] || return 1
	sdp_crypto_key "$1" "$t"
}
keyfate() { cmp -s "$1" "$2" && echo kept || echo changed; }
# check_offer_to FILE WHAT FIRST_KEY: a re-offer from the gateway to a UE
# whose own leg did not change: RTP/SAVP on the gateway, a=3ge2ae:applied,
# a line of SUITE whose key is the one the UE got first (FIRST_KEY).
check_offer_to() {
	assert_agw_sdp "$1" "$2"
	assert_grep "$1" '^m=audio [0-9]+ RTP/SAVP ' "$2: RTP/SAVP"
	assert_eq "$(msg_count "$1" '^a=3ge2ae:')" 1 "$2: one e2ae indication"
	assert_grep "$1" '^a=3ge2ae:applied$' "$2: a=3ge2ae:applied"
	assert_no_grep "$1" '^a=(fingerprint|setup|key-mgmt)' "$2: no other keying"
	key_for_suite "$1" >"$1.key" || fail "$2: no $SUITE line offered: $(sdp_crypto "$1" | tr '\n' ' ')"
	cmp -s "$1.key" "$3" ||
		fail "$2: the gateway's key toward this UE changed although only the other UE renegotiated"
}

# ----- 0. the call -----
cid="ri-$$-$RANDOM@hairpin.test"
e2ae_sipp ri.b hairpin_uas_reinvite.xml "$B_PORT" \
	-key answer_sdp "$o.answer.gate" -key hold_answer_sdp "$o.hold_answer.gate" \
	-key resume_answer_sdp "$o.resume_answer.gate" -key rekey_sdp "$o.rekey.gate" \
	-key codec_sdp "$o.codec.gate"
bpid=$BG_PID
e2ae_sipp_bound "$B_PORT"
# A holds the call after the last ACK until its hold gate opens: two probes
e2ae_sipp ri.a hairpin_uac_reinvite.xml "$A_PORT" -d 200 -cid_str "$cid" \
	-key ruri "sip:ueb@ims.test" -key user uea -key offer_sdp "$o.offer.sdp" \
	-key hold_sdp "$o.hold.sdp" -key resume_sdp "$o.resume.sdp" \
	-key rekey_answer_sdp "$o.rekey_answer.gate" -key codec_answer_sdp "$o.codec_answer.gate" \
	-set hold_gate "$(gate_new ri.a.hold)" "127.0.0.1:$KAM_SIP_PORT"
apid=$BG_PID
HP_ANSWER_PTS=0

# B answers the gateway's offer (its key ri.b.key, tag ri.b.tag)
step "$o.b.inv1" "$BT" received '^INVITE ' '1 INVITE' "0: B's INVITE"
hairpin_check_ue_offer "$o.b.inv1.sdp" "0: B's offer"
hairpin_answer_to "$o.answer.sdp" "$o.b.inv1.sdp" "$o.b" "$B_MPORT"
feed answer
cp "$o.b.gw.key" "$o.b.gw1.key"
step "$o.a.ok1" "$AT" received '^SIP/2\.0 200 ' '1 INVITE' "0: A's 200"
hairpin_check_ue_answer "$o.a.ok1.sdp" "$SUITE" 1 "0: A's answer"
sdp_crypto_key "$o.a.ok1.sdp" 1 >"$o.a.gw1.key"
hairpin_not_own_key "$o.a.gw1.key" "0: A's answer" "$o.a1.key" "$o.b.key"
hairpin_not_own_key "$o.b.gw1.key" "0: B's offer" "$o.a1.key" "$o.a.gw1.key"
hairpin_assert_legs "$cid" "0: the call is up"
# B's re-INVITEs: on its initial tag with a new key (and, for the codec
# change, telephone-event too)
B_PTS=0
b_sdp "$o.rekey.sdp" 2
feed rekey
B_PTS="0 101"
b_sdp "$o.codec.sdp" 3 "a=rtpmap:101 telephone-event/8000" "a=fmtp:101 0-15"
feed codec

# ----- 1. A holds; 2. A resumes: B's leg keeps its keys -----
# hold_step N WHAT DIRECTION ANSWER: A's re-INVITE CSeq N reached B with
# DIRECTION and B's first gateway key; B answers (file ri.ANSWER.sdp, fed
# to its gate) with its key unchanged; A's 200 has one crypto line.
hold_step() {
	local n=$1 what=$2 d=$3 ans=$o.$4.sdp
	step "$o.b.inv$n" "$BT" received '^INVITE ' "$n INVITE" "$what: B's re-INVITE"
	check_offer_to "$o.b.inv$n.sdp" "$what: B's offer (A renegotiates)" "$o.b.gw1.key"
	assert_eq "$(dir_of "$o.b.inv$n.sdp")" "$d" "$what: B is offered a=$d"
	hairpin_answer_to "$ans" "$o.b.inv$n.sdp" "$o.b.re$n" "$B_MPORT" "$o.b.key"
	feed "$4"
	step "$o.a.ok$n" "$AT" received '^SIP/2\.0 200 ' "$n INVITE" "$what: A's 200"
	hairpin_check_ue_answer "$o.a.ok$n.sdp" "$SUITE" 1 "$what: A's answer"
	sdp_crypto_key "$o.a.ok$n.sdp" 1 >"$o.a.gw$n.key"
	hairpin_not_own_key "$o.a.gw$n.key" "$what: A's answer" "$o.a1.key" "$o.b.key" "$o.b2.key"
	note "NOTE: $what: B offered a=$(dir_of "$o.b.inv$n.sdp") $(sdp_crypto "$o.b.inv$n.sdp" | tr '\n' ',' | sed 's/,$//') (its key kept); A got a=$(dir_of "$o.a.ok$n.sdp"), gateway key toward A $(keyfate "$o.a.gw1.key" "$o.a.gw$n.key") since the call's start"
}
hold_step 2 "1 (A holds)" sendonly hold_answer
hold_step 3 "2 (A resumes)" sendrecv resume_answer
assert_eq "$(dir_of "$o.a.ok2.sdp")" recvonly "1 (A holds): A is answered a=recvonly"

# ----- 3. B re-keys; 4. B changes codecs: A's leg keeps its keys -----
# b_step N WHAT ANSWER: B's re-INVITE CSeq N reached A with A's first
# gateway key; A answers (file ri.ANSWER.sdp, fed to its gate) with its key
# unchanged; B's 200.
b_step() {
	local n=$1 what=$2 ans=$o.$3.sdp
	step "$o.a.inv$n" "$AT" received '^INVITE ' "$n INVITE" "$what: A's re-INVITE"
	check_offer_to "$o.a.inv$n.sdp" "$what: A's offer (B renegotiates)" "$o.a.gw1.key"
	hairpin_answer_to "$ans" "$o.a.inv$n.sdp" "$o.a.re$n" "$A_MPORT" "$o.a1.key"
	feed "$3"
	step "$o.b.ok$n" "$BT" received '^SIP/2\.0 200 ' "$n INVITE" "$what: B's 200"
	hairpin_check_ue_answer "$o.b.ok$n.sdp" "$SUITE" "$(cat "$o.b.tag")" "$what: B's answer"
	sdp_crypto_key "$o.b.ok$n.sdp" "$(cat "$o.b.tag")" >"$o.b.gw$n.key"
	hairpin_not_own_key "$o.b.gw$n.key" "$what: B's answer" "$o.b.key" "$o.b2.key" "$o.a1.key"
	note "NOTE: $what: A offered $(sed -n 's/^m=audio [0-9]* \(.*\)/\1/p' "$o.a.inv$n.sdp") $(sdp_crypto "$o.a.inv$n.sdp" | tr '\n' ',' | sed 's/,$//') (its key kept); B got $(sdp_crypto "$o.b.ok$n.sdp" | tr '\n' ' ')gateway key toward B $(keyfate "$o.b.gw1.key" "$o.b.gw$n.key") since the call's start"
}
b_step 10 "3 (B re-keys)" rekey_answer
HP_ANSWER_PTS="0 101"
# the codec change reaches A before it answers: check it right away
wait_until 12 msg_cseq "$o.a.inv11.msg" "$AT" received '^INVITE ' '11 INVITE' ||
	fail "4 (B changes codecs): A received no re-INVITE CSeq 11"
msg_body "$o.a.inv11.msg" >"$o.a.inv11.sdp"
assert_grep "$o.a.inv11.sdp" '^m=audio [0-9]+ RTP/SAVP 0 101$' "4 (B changes codecs): A is offered PCMU and telephone-event"
assert_grep "$o.a.inv11.sdp" '^a=rtpmap:101 telephone-event/8000' "4 (B changes codecs): A is offered telephone-event's rtpmap"
b_step 11 "4 (B changes codecs)" codec_answer
assert_grep "$o.b.ok11.sdp" '^m=audio [0-9]+ RTP/SAVP 0 101$' "4 (B changes codecs): B's answer has both payload types"

# ----- the media after the last re-INVITE, then A's BYE -----
wait_until 8 msg_cseq "$o.a.ack11.msg" "$AT" received '^ACK ' '11 ACK' ||
	fail "4: A received no ACK of its 200"
# A: its own key, the gateway's key of the latest offer A got, sending to
# that offer's address; B: its new key, the gateway's key of the latest
# answer B got, sending to that answer's address
key_for_suite "$o.a.inv11.sdp" >"$o.a.gwlast.key"
hairpin_probe_far ri "$SUITE" "$o.a1.key" "$o.a.gwlast.key" \
	"$SUITE" "$o.b2.key" "$o.b.gw11.key" "$o.a.inv11.sdp" "$o.b.ok11.sdp"
# SRTP under B's replaced key no longer reaches A (the gateway took B's
# new key on B's leg): a short B->A-only probe with the old key gets
# nothing through
rc=0
"$SRTP_PROBE" --far-srtp --suite "$SUITE" --count 10 --warmup 0 --interval 20 --timeout 500 \
	--direction core-to-ue \
	--ue-local "127.0.0.1:$A_MPORT" \
	--ue-remote "$(hostport "$(sdp_conn_addr "$o.a.inv11.sdp")" "$(sdp_media_port "$o.a.inv11.sdp")")" \
	--core-local "127.0.0.1:$B_MPORT" \
	--core-remote "$(hostport "$(sdp_conn_addr "$o.b.ok11.sdp")" "$(sdp_media_port "$o.b.ok11.sdp")")" \
	--ue-tx-key-file "$o.a1.key" --ue-rx-key-file "$o.a.gwlast.key" \
	--core-tx-key-file "$o.b.key" --core-rx-key-file "$o.b.gw11.key" >"$o.oldkey.log" 2>&1 || rc=$?
sed 's/^/ri old-key probe: /' "$o.oldkey.log" | grep -E ': (core->ue|VERDICT|usage)' >&2 || true
assert_eq "$rc" 1 "ri: a probe with B's replaced key must fail (exit)"
assert_grep "$o.oldkey.log" '^core->ue: sent 10 srtp, received 0 srtp' \
	"ri: nothing B sends under its replaced key reaches A"
gate_open "$o.a.hold.gate"
e2ae_sipp_wait ri.a "$apid" "UE A (call, hold, resume, B's two re-INVITEs, BYE)"
e2ae_sipp_wait ri.b "$bpid" "UE B (call, A's two re-INVITEs, its own two, BYE)"

# ----- the IMS core saw plain RTP/AVP in every offer and answer -----
hairpin_core_plain ri "$cid" "core" "INVITE cseq=1 INVITE" "200 cseq=1 INVITE" \
	"INVITE cseq=2 INVITE" "200 cseq=2 INVITE" "INVITE cseq=3 INVITE" "200 cseq=3 INVITE" \
	"INVITE cseq=10 INVITE" "200 cseq=10 INVITE" "INVITE cseq=11 INVITE" "200 cseq=11 INVITE"
hairpin_core_on_gateway ri "$cid" "core"
hairpin_core_all_plain "end of case"
assert_no_grep "$RUN_DIR/kamailio.log" 'media (offer|answer) refused|failed a check' \
	"no refusal in the P-CSCF"
e2ae_no_calls_left "after A's BYE"
note "hold/resume from A and re-key/codec change from B: the other UE's keys unchanged each time; media probed after the last re-INVITE"
