#!/usr/bin/env bash
# The gateway session of an e2ae call goes away however the call ends
# (originating calls from a UE registered with sdes-srtp;mediasec):
#   - bye:    the call is set up, then the callee (the core) hangs up: the
#             UE receives the BYE, the core the 200 to it;
#   - cancel: the core rings (180) and never answers; the UE cancels: the
#             core receives the CANCEL, the UE the 487;
#   - busy:   the core rings, then refuses with 486: the UE receives it;
#   - timeout: the core never answers: the transaction times out (tm's
#             408 after fr_timer, 5 s): the UE receives the 408.
# In each case rtpengine held the call while it rang or ran (rngctl list),
# received the ng delete for it, and lists no call within 2 s of the end;
# the P-CSCF logs no error (no ERROR line, no failed delete).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
e2ae_lab

UE_PORT=$(alloc_ports 1)
e2ae_register reg "$UE_PORT" ue

# teardown ID UE_SCENARIO CORE_SCENARIO UE_D CORE_D WHEN: one call, the UE
# (sipp -d UE_D) calling the core (sipp -d CORE_D); rtpengine must hold
# the call once the core received WHEN (^ACK or ^INVITE), and none after
# both ended.  The side that ends the call (BYE, CANCEL, 486) waits at its
# hold gate (test/lib.sh) until that check is done.  Sets CID.
teardown() {
	local id=$1 usf=$2 csf=$3 ud=$4 cd=$5 when=$6 o=$RUN_DIR/$1 upid cpid
	local -a ug=() cg=()
	if sipp_has_hold_gate "$usf"; then ug=(-set hold_gate "$(gate_new "$id.ue.hold")"); fi
	if sipp_has_hold_gate "$csf"; then cg=(-set hold_gate "$(gate_new "$id.core.hold")"); fi
	UE_MPORT=$(alloc_ports 2)
	CORE_MPORT=$(alloc_ports 2)
	e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)" \
		"a=3ge2ae:requested" "a=sendrecv"
	e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
	CID="$id-$$-$RANDOM@e2ae.test"
	e2ae_sipp "$id.core" "$csf" "$SCSCF_PORT" -d "$cd" -key answer_sdp "$o.answer.sdp" \
		${cg[@]+"${cg[@]}"}
	cpid=$BG_PID
	e2ae_sipp_bound "$SCSCF_PORT"
	e2ae_sipp "$id.ue" "$usf" "$UE_PORT" -d "$ud" -cid_str "$CID" \
		-key ruri "sip:bob@ims.test" -key user ue -key offer_sdp "$o.offer.sdp" \
		${ug[@]+"${ug[@]}"} "127.0.0.1:$KAM_SIP_PORT"
	upid=$BG_PID
	wait_until 5 sipp_saw "$RUN_DIR/$id.core.trace" received "$when" ||
		fail "$id: the core received no /$when/"
	ng_holds "$RTPE_A_NG" "$CID" || fail "$id: rtpengine does not hold the call while it is up"
	[ ${#ug[@]} -eq 0 ] || gate_open "$o.ue.hold.gate"
	[ ${#cg[@]} -eq 0 ] || gate_open "$o.core.hold.gate"
	e2ae_sipp_wait "$id.ue" "$upid" "$id: the UE"
	e2ae_sipp_wait "$id.core" "$cpid" "$id: the core"
	local t0=$EPOCHREALTIME
	wait_until 2 ng_no_calls "$RTPE_A_NG" || {
		rngctl "$RTPE_A_NG" list >"$o.list.out" 2>&1 || true
		fail "$id: rtpengine still holds a call 2 s after the end: $(tr '\n' ' ' <"$o.list.out")"
	}
	local t1=$EPOCHREALTIME
	for c in offer answer delete; do
		case $id:$c in cancel:answer | busy:answer | timeout:answer) continue ;; esac
		assert_grep "$RUN_DIR/rtpengine-a.log" "\\[${CID}[^]]*\\]: .*Received command '$c'" \
			"$id: rtpengine received the ng $c"
	done
	assert_no_grep "$RUN_DIR/kamailio.log" "\\{[^}]*$CID\\} .*(ERROR|media delete failed|refused)" \
		"$id: the P-CSCF logged no error for the call"
	sipp_received "$RUN_DIR/$id.ue.trace" >"$o.ue.rx"
	sipp_received "$RUN_DIR/$id.core.trace" >"$o.core.rx"
	note "$id: UE got [$(tr -d '\r' <"$o.ue.rx" | awk '{ printf "%s%s", s, ($1 ~ /^SIP/ ? $2 : $1); s = " " }')]," \
		"core got [$(tr -d '\r' <"$o.core.rx" | awk '{ printf "%s%s", s, ($1 ~ /^SIP/ ? $2 : $1); s = " " }')];" \
		"rtpengine empty $(( (${t1/./} - ${t0/./}) / 1000 )) ms after the sipps ended"
}

# --- the core hangs up
teardown bye fail_uac_wait_bye.xml fail_uas_bye.xml 0 800 '^ACK '
assert_grep "$RUN_DIR/bye.ue.rx" '^BYE ' "bye: the UE received the core's BYE"
assert_grep "$RUN_DIR/bye.core.rx" '^SIP/2\.0 200 ' "bye: the core got answers (200)"
assert_eq "$(sipp_msg "$RUN_DIR/bye.core.trace" received '^SIP/2\.0 200 ' | sed -n 's/^CSeq: *//p' | tr -d '\r')" \
	"1 BYE" "bye: the core's BYE got a 200"

# --- the UE cancels while the core rings
teardown cancel e2ae_uac_cancel.xml fail_uas_ring.xml 800 0 '^INVITE '
assert_grep "$RUN_DIR/cancel.ue.rx" '^SIP/2\.0 180 ' "cancel: the UE heard the ringing"
assert_grep "$RUN_DIR/cancel.ue.rx" '^SIP/2\.0 487 ' "cancel: the UE got the 487"
assert_eq "$(msg_count "$RUN_DIR/cancel.ue.rx" '^SIP/2\.0 200 ')" 1 "cancel: the UE got one 200 (to its CANCEL), no answer"
assert_grep "$RUN_DIR/cancel.core.rx" '^CANCEL ' "cancel: the core received the CANCEL"
assert_grep "$RUN_DIR/cancel.core.rx" '^ACK ' "cancel: the core's 487 was acknowledged"

# --- the core is busy
teardown busy fail_uac_reject.xml fail_uas_reject.xml 0 800 '^INVITE '
assert_grep "$RUN_DIR/busy.ue.rx" '^SIP/2\.0 486 ' "busy: the UE got the 486"
assert_grep "$RUN_DIR/busy.core.rx" '^ACK ' "busy: the core's 486 was acknowledged"

# --- the core never answers: tm's own 408 (fr_timer, 5 s) ends the INVITE
teardown timeout fail_uac_reject.xml fail_uas_silent.xml 0 0 '^INVITE '
assert_grep "$RUN_DIR/timeout.ue.rx" '^SIP/2\.0 408 ' "timeout: the UE got the 408"

assert_no_grep "$RUN_DIR/kamailio.log" ' (ERROR|CRITICAL|WARNING):' "the P-CSCF logged no error at all"
e2ae_no_calls_left "end of case"
