#!/usr/bin/env bash
# Offer/answer wherever SIP allows it, and forking, for e2ae calls of UEs
# registered with sdes-srtp;mediasec, both directions:
#   - late offer:  an INVITE without SDP, the offer in the 200, the answer
#                  in the ACK (orig: the UE calls, the core offers RTP/AVP
#                  and the UE gets RTP/SAVP with crypto and
#                  a=3ge2ae:applied; term: the UE offers SRTP with
#                  a=3ge2ae:requested, the core gets RTP/AVP and the UE's
#                  ACK carries one crypto line and the confirmation);
#   - 100rel:      the answer in a reliable 183, a PRACK, then a new offer
#                  in an UPDATE inside the early dialog, then the 200;
#   - forking downstream (orig): two 183 with SDP and different To tags,
#                  then the 200 of the first: each early dialog gets one
#                  crypto line toward the UE, the losing dialog's AGW
#                  branch is released when the 200 passes;
#   - parallel forking (term): the S-CSCF sends the same call to two
#                  contacts of the UE's user: each contact gets its own AGW
#                  branch (ports and keys of its own), the cancelled one is
#                  released on its 487, the other one carries the call.
# Each call's media is probed both ways (SRTP toward the UE, RTP toward the
# core) with the keys of the last offer/answer, and rtpengine holds no call
# afterwards.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
e2ae_lab

SUITE=AES_CM_128_HMAC_SHA1_80
UE_PORT=$(alloc_ports 1)
UE2_PORT=$(alloc_ports 1)
e2ae_register reg "$UE_PORT" ue
e2ae_register reg2 "$UE2_PORT" ue2

# ue_sdp FILE [LINE...]: the UE's SDP (RTP/SAVP on UE_MPORT).
ue_sdp() {
	local f=$1
	shift
	e2ae_sdp_file "$f" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" "$@" "a=sendrecv"
}
# ue_answer_sdp FILE KEYFILE: the UE's answer to the gateway's offer: tag 1
# (the gateway offers SUITE first, checked below) with a key of its own.
ue_answer_sdp() {
	srtp_gen_key "$SUITE" >"$2"
	ue_sdp "$1" "a=crypto:1 $SUITE inline:$(cat "$2")"
}
# ue_offer_sdp FILE KEYFILE: the UE's e2ae offer (two suites, requested).
ue_offer_sdp() {
	srtp_gen_key "$SUITE" >"$2"
	ue_sdp "$1" "a=crypto:1 $SUITE inline:$(cat "$2")" \
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:$(srtp_gen_key AES_CM_128_HMAC_SHA1_32)" \
		"a=3ge2ae:requested"
}
core_sdp_v() { core_sdp "$1" "$2" sendrecv; }

# run_pair ID CALLER_SF CALLER_PORT RPORT CALLEE_SF CALLEE_PORT: the callee
# sipp (keys CALLEE_KEYS), then the caller (keys CALLER_KEYS, Call-ID
# ID-...); once the callee received the ACK, PROBE_HOOK runs, and the
# caller hangs up once it returned (its hold gate, test/lib.sh); both must
# succeed.  Traces ID.caller.trace / ID.callee.trace.
run_pair() {
	local id=$1 csf=$2 cport=$3 rport=$4 esf=$5 eport=$6 cpid epid
	CID="$id-$$-$RANDOM@e2ae.test"
	sipp_has_hold_gate "$csf" || fail "run_pair: $csf has no hold gate"
	e2ae_sipp "$id.callee" "$esf" "$eport" -d "${CALLEE_D:-1000}" "${CALLEE_KEYS[@]}"
	epid=$BG_PID
	e2ae_sipp_bound "$eport"
	e2ae_sipp "$id.caller" "$csf" "$cport" -d 200 -cid_str "$CID" \
		"${CALLER_KEYS[@]}" -set hold_gate "$(gate_new "$id.hold")" "127.0.0.1:$rport"
	cpid=$BG_PID
	wait_until 10 sipp_saw "$RUN_DIR/$id.${ACK_SIDE:-callee}.trace" received '^ACK ' ||
		fail "$id: no ACK reached the callee"
	"$PROBE_HOOK" "$id"
	gate_open "$RUN_DIR/$id.hold.gate"
	e2ae_sipp_wait "$id.caller" "$cpid" "$id: caller"
	e2ae_sipp_wait "$id.callee" "$epid" "$id: callee"
}

# probe ID UE_RX_SDP CORE_RX_SDP UE_KEYFILE: srtp_probe with the SDP the
# UE and the core received last; the UE's rx key is the gateway's tag 1.
probe() {
	local o=$RUN_DIR/$1
	cp "$2" "$o.ue.rx.sdp"
	cp "$3" "$o.core.rx.sdp"
	sdp_crypto_key "$o.ue.rx.sdp" 1 >"$o.gw.key"
	e2ae_probe "$1" "$SUITE" "$4" "$o.gw.key"
}

# body_of OUT TRACE DIR REGEX [N]: the SDP of a traced message.
body_of() {
	sipp_msg_to "$1.msg" "$2" "$3" "$4" "${5:-1}"
	msg_body "$1.msg" >"$1"
}

# check_ue_offer FILE WHAT: the gateway's e2ae offer to the UE.
check_ue_offer() {
	assert_agw_sdp "$1" "$2"
	assert_grep "$1" '^m=audio [0-9]+ RTP/SAVP 0$' "$2: RTP/SAVP toward the UE"
	assert_eq "$(sdp_crypto "$1" | head -n 1)" "1 $SUITE" "$2: tag 1 is $SUITE"
	assert_grep "$1" '^a=3ge2ae:applied$' "$2: a=3ge2ae:applied"
	assert_no_grep "$1" '^a=(fingerprint|setup)' "$2: no DTLS toward the UE"
}

# ----- late offer, originating: the core offers in the 200 -----
late_orig_probe() {
	local o=$RUN_DIR/$1
	body_of "$o.ue.rx" "$o.caller.trace" received '^SIP/2\.0 200 '
	body_of "$o.core.ack" "$o.callee.trace" received '^ACK '
	probe "$1" "$o.ue.rx" "$o.core.ack" "$o.ue.key"
}
id=late-orig o=$RUN_DIR/$id
UE_MPORT=$(alloc_ports 2) CORE_MPORT=$(alloc_ports 2)
core_sdp_v "$o.offer.sdp" 1
ue_answer_sdp "$o.answer.sdp" "$o.ue.key"
CALLER_KEYS=(-key ruri "sip:bob@ims.test" -key user ue -key answer_sdp "$o.answer.sdp")
CALLEE_KEYS=(-key offer_sdp "$o.offer.sdp")
PROBE_HOOK=late_orig_probe
run_pair "$id" life_uac_late.xml "$UE_PORT" "$KAM_SIP_PORT" life_uas_late.xml "$SCSCF_PORT"
check_ue_offer "$o.ue.rx" "$id: the offer in the 200 to the UE"
check_core_offer "$o.core.ack" "$id: the answer in the ACK to the core"
assert_grep "$RUN_DIR/kamailio.log" "call $CID: INVITE without SDP from the UE" "$id: late offer seen"
assert_grep "$RUN_DIR/kamailio.log" "call $CID: e2ae answer through gateway" "$id: the ACK's answer went through the gateway"
e2ae_no_calls_left "$id"

# ----- late offer, terminating: the UE offers in the 200 -----
late_term_probe() {
	local o=$RUN_DIR/$1
	body_of "$o.ue.rx" "$o.callee.trace" received '^ACK '
	body_of "$o.core.rx" "$o.caller.trace" received '^SIP/2\.0 200 '
	probe "$1" "$o.ue.rx" "$o.core.rx" "$o.ue.key"
}
id=late-term o=$RUN_DIR/$id
UE_MPORT=$(alloc_ports 2) CORE_MPORT=$(alloc_ports 2)
ue_offer_sdp "$o.offer.sdp" "$o.ue.key"
core_sdp_v "$o.answer.sdp" 1
CALLER_KEYS=(-key ruri "sip:ue@127.0.0.1:$UE_PORT" -key user core -key answer_sdp "$o.answer.sdp")
CALLEE_KEYS=(-key offer_sdp "$o.offer.sdp")
PROBE_HOOK=late_term_probe
run_pair "$id" life_uac_late.xml "$SCSCF_PORT" "$KAM_CORE_PORT" life_uas_late.xml "$UE_PORT"
check_core_offer "$o.core.rx" "$id: the UE's offer in the 200 to the core"
check_ue_answer "$o.ue.rx" "$id: the answer in the ACK to the UE"
e2ae_no_calls_left "$id"

# ----- 100rel and an UPDATE in the early dialog -----
prack_probe() {
	local o=$RUN_DIR/$1 ue_rx core_rx
	if [ "$DIR" = orig ]; then
		body_of "$o.ue.183" "$o.caller.trace" received '^SIP/2\.0 183 '
		msg_cseq "$o.ue.upd.msg" "$o.caller.trace" received '^SIP/2\.0 200 ' '3 UPDATE' ||
			fail "$1: the UE got no 200 to its UPDATE"
		msg_body "$o.ue.upd.msg" >"$o.ue.upd"
		body_of "$o.core.upd" "$o.callee.trace" received '^UPDATE '
		ue_rx=$o.ue.upd core_rx=$o.core.upd
	else
		body_of "$o.ue.inv" "$o.callee.trace" received '^INVITE '
		body_of "$o.ue.upd" "$o.callee.trace" received '^UPDATE '
		body_of "$o.core.183" "$o.caller.trace" received '^SIP/2\.0 183 '
		msg_cseq "$o.core.upd.msg" "$o.caller.trace" received '^SIP/2\.0 200 ' '3 UPDATE' ||
			fail "$1: the core got no 200 to its UPDATE"
		msg_body "$o.core.upd.msg" >"$o.core.upd"
		ue_rx=$o.ue.upd core_rx=$o.core.upd
	fi
	probe "$1" "$ue_rx" "$core_rx" "$o.ue2.key"
}
PROBE_HOOK=prack_probe
for DIR in orig term; do
	id=prack-$DIR o=$RUN_DIR/$id
	UE_MPORT=$(alloc_ports 2) CORE_MPORT=$(alloc_ports 2)
	if [ "$DIR" = orig ]; then
		ue_offer_sdp "$o.offer.sdp" "$o.ue.key"
		ue_offer_sdp "$o.update.sdp" "$o.ue2.key" # a new key in the UPDATE
		core_sdp_v "$o.answer.sdp" 1
		core_sdp_v "$o.update_answer.sdp" 2
		CALLER_KEYS=(-key ruri "sip:bob@ims.test" -key user ue)
		run_args=("$UE_PORT" "$KAM_SIP_PORT" life_uas_prack.xml "$SCSCF_PORT")
	else
		core_sdp_v "$o.offer.sdp" 1
		core_sdp_v "$o.update.sdp" 2
		ue_answer_sdp "$o.answer.sdp" "$o.ue.key"
		ue_answer_sdp "$o.update_answer.sdp" "$o.ue2.key"
		CALLER_KEYS=(-key ruri "sip:ue@127.0.0.1:$UE_PORT" -key user core)
		run_args=("$SCSCF_PORT" "$KAM_CORE_PORT" life_uas_prack.xml "$UE_PORT")
	fi
	CALLER_KEYS+=(-key offer_sdp "$o.offer.sdp" -key update_sdp "$o.update.sdp")
	CALLEE_KEYS=(-key answer_sdp "$o.answer.sdp" -key update_answer_sdp "$o.update_answer.sdp")
	run_pair "$id" life_uac_prack.xml "${run_args[@]}"
	if [ "$DIR" = orig ]; then
		check_ue_answer "$o.ue.183" "$id: the answer in the reliable 183 to the UE"
		check_ue_answer "$o.ue.upd" "$id: the answer to the UE's UPDATE"
		check_core_offer "$o.core.upd" "$id: the UPDATE's offer to the core"
		assert_ne "$(sdp_crypto_key "$o.ue.183" 1)" "" "$id: a key in the 183"
	else
		check_ue_offer "$o.ue.inv" "$id: the INVITE's offer to the UE"
		check_ue_offer "$o.ue.upd" "$id: the UPDATE's offer to the UE"
		check_core_offer "$o.core.183" "$id: the answer in the reliable 183 to the core"
		check_core_offer "$o.core.upd" "$id: the answer to the core's UPDATE"
	fi
	e2ae_no_calls_left "$id"
done

# ----- forking downstream of the P-CSCF (originating) -----
fork_orig_probe() {
	local o=$RUN_DIR/$1
	body_of "$o.ue.200" "$o.caller.trace" received '^SIP/2\.0 200 '
	body_of "$o.core.inv" "$o.callee.trace" received '^INVITE '
	probe "$1" "$o.ue.200" "$o.core.inv" "$o.ue.key"
	rngctl "$RTPE_A_NG" query "$CID" >"$o.query" 2>&1 || fail "$1: no query reply"
}
id=fork-orig o=$RUN_DIR/$id
UE_MPORT=$(alloc_ports 2) CORE_MPORT=$(alloc_ports 2)
ue_offer_sdp "$o.offer.sdp" "$o.ue.key"
core_sdp_v "$o.answer.sdp" 1
CORE_MPORT_B=$(alloc_ports 2)
e2ae_sdp_file "$o.answer2.sdp" core "m=audio $CORE_MPORT_B RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
CALLER_KEYS=(-key ruri "sip:bob@ims.test" -key user ue -key offer_sdp "$o.offer.sdp")
CALLEE_KEYS=(-key answer_sdp "$o.answer.sdp" -key answer2_sdp "$o.answer2.sdp")
PROBE_HOOK=fork_orig_probe
run_pair "$id" life_uac_fork.xml "$UE_PORT" "$KAM_SIP_PORT" life_uas_fork.xml "$SCSCF_PORT"
body_of "$o.ue.183a" "$o.caller.trace" received '^SIP/2\.0 183 ' 1
body_of "$o.ue.183b" "$o.caller.trace" received '^SIP/2\.0 183 ' 2
check_ue_answer "$o.ue.183a" "$id: early dialog A's answer to the UE"
check_ue_answer "$o.ue.183b" "$id: early dialog B's answer to the UE"
check_ue_answer "$o.ue.200" "$id: the 200's answer to the UE"
check_core_offer "$o.core.inv" "$id: the offer to the core"
# the loser: the early dialog whose to-tag is not the 200's (two Kamailio
# workers may pass the 183s to the UE in either order)
to_tag() { sed -n 's/^To:.*;tag=\([^;>[:space:]]*\).*/\1/p' "$1" | head -n 1; }
tagw=$(to_tag "$o.ue.200.msg")
tagb=$(to_tag "$o.ue.183b.msg")
[ "$tagb" != "$tagw" ] || tagb=$(to_tag "$o.ue.183a.msg")
assert_ne "$tagb" "$tagw" "$id: the two early dialogs have their own to-tags"
assert_grep "$RUN_DIR/kamailio.log" "call $CID: early dialog $tagb lost, its gateway branch released" \
	"$id: the losing early dialog was released when the 200 passed"
assert_grep "$o.query" "tag: $tagw\$" "$id: rtpengine holds the winning dialog while the call is up"
rtpengine_version
if [ "$RTPE_MAJOR" -ge 12 ]; then
	# rtpengine 12.5 keeps a deleted branch's monologue in its query
	# output (its delete is logged, the winner's media flows: probed above)
	note "KNOWN (rtpengine $RTPE_VERSION): the released branch $tagb stays listed by query"
else
	assert_no_grep "$o.query" "tag: $tagb\$" "$id: rtpengine holds no branch of the losing dialog"
fi
e2ae_no_calls_left "$id"

# ----- parallel forking to two contacts (terminating) -----
fork_term_probe() {
	local o=$RUN_DIR/$1
	body_of "$o.ue.inv" "$o.callee.trace" received '^INVITE '
	body_of "$o.core.200" "$o.caller.trace" received '^SIP/2\.0 200 '
	sdp_crypto_key "$o.ue.inv" 1 >/dev/null
	probe "$1" "$o.ue.inv" "$o.core.200" "$o.ue.key"
}
id=fork-term o=$RUN_DIR/$id
UE_MPORT=$(alloc_ports 2) CORE_MPORT=$(alloc_ports 2)
core_sdp_v "$o.offer.sdp" 1
ue_answer_sdp "$o.answer.sdp" "$o.ue.key"
saved=$UE_MPORT
UE_MPORT=$(alloc_ports 2)
ue_answer_sdp "$o.answer2.sdp" "$o.ue2.key"
UE_MPORT=$saved
e2ae_sipp "$id.loser" life_uas_fork_loser.xml "$UE2_PORT" -key answer_sdp "$o.answer2.sdp"
lpid=$BG_PID
e2ae_sipp_bound "$UE2_PORT"
CALLER_KEYS=(-key ruri "sip:ue@127.0.0.1:$UE_PORT" -key ruri2 "sip:ue2@127.0.0.1:$UE2_PORT"
	-key user core -key offer_sdp "$o.offer.sdp")
CALLEE_KEYS=(-key answer_sdp "$o.answer.sdp")
PROBE_HOOK=fork_term_probe CALLEE_D=1500
run_pair "$id" life_uac_fork_parallel.xml "$SCSCF_PORT" "$KAM_CORE_PORT" life_uas_fork_winner.xml "$UE_PORT"
e2ae_sipp_wait "$id.loser" "$lpid" "$id: the cancelled contact"
body_of "$o.ue2.inv" "$o.loser.trace" received '^INVITE '
check_ue_offer "$o.ue.inv" "$id: the offer to contact 1"
check_ue_offer "$o.ue2.inv" "$id: the offer to contact 2"
assert_ne "$(sdp_media_port "$o.ue.inv")" "$(sdp_media_port "$o.ue2.inv")" \
	"$id: each contact has a gateway port of its own"
[ "$(sdp_crypto_key "$o.ue.inv" 1)" != "$(sdp_crypto_key "$o.ue2.inv" 1)" ] ||
	fail "$id: both contacts were offered the same gateway key"
for n in 1 2; do
	body_of "$o.core.183.$n" "$o.caller.trace" received '^SIP/2\.0 183 ' "$n"
	check_core_offer "$o.core.183.$n" "$id: 183 number $n to the core"
done
check_core_offer "$o.core.200" "$id: the 200 to the core"
assert_grep "$RUN_DIR/kamailio.log" "call $CID: e2ae offer from the core through gateway node 0 \(forked branch\)" \
	"$id: the second INVITE is a forked branch"
assert_grep "$RUN_DIR/kamailio.log" "call $CID: a forked branch ended, 1 left" \
	"$id: the cancelled branch was released on its 487"
# 10.5 logs "Call branch ... deleted", 12.5 "Deleting call branch ..."
assert_grep "$RUN_DIR/rtpengine-a.log" "(Call branch .*via-branch 'z9hG4bK-[0-9]+-f2-[0-9]+'.* deleted|Deleting call branch .*via-branch 'z9hG4bK-[0-9]+-f2-[0-9]+')" \
	"$id: rtpengine deleted that branch"
e2ae_no_calls_left "$id"

assert_no_grep "$RUN_DIR/kamailio.log" 'failed a check|CRITICAL|BUG' "no failed check in the P-CSCF"
note "late offer, 100rel with an early UPDATE and forking (both directions): media probed, no call left"
