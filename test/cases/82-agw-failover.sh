#!/usr/bin/env bash
# Two media gateway nodes (RTPENGINE_NG and RTPENGINE_NG2, same weight;
# NG_TIMEOUT_MS=200, NG_RETRIES=0), one of them stopped during the case.
#   1. a call is set up (e2ae, originating) on whichever node the module
#      picks, call it X; X is stopped (by its pidfile); the UE then sends a
#      re-INVITE in the dialog with the same SDP: it gets a 503 with
#      Warning: 399 ims_medsec "media gateway unavailable" and Retry-After,
#      the core never sees the re-INVITE, and the call is NOT moved to the
#      other node Y (Y's list never shows it, Y's log never names it); the
#      UE's BYE still reaches the core;
#   2. with X down, four new e2ae calls (different Call-IDs, through
#      different SIP workers) all succeed on Y: both sides' SDP on Y's
#      ports, e2ae applied, the media probed on the first one (SRTP <-> RTP
#      through Y); after the BYEs Y holds no call.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
need_srtp_probe
trap '_e2ae_on_exit' EXIT
start_rtpengine a "${E2AE_QUIET_KEYS[@]}"
start_rtpengine b "${E2AE_QUIET_KEYS[@]}"
e2ae_lab_nodes "RTPENGINE_NG=\"udp:127.0.0.1:$RTPE_A_NG\"" \
	"RTPENGINE_NG2=\"udp:127.0.0.1:$RTPE_B_NG\"" NG_TIMEOUT_MS=200 NG_RETRIES=0

UE_PORT=$(alloc_ports 1)
e2ae_register reg "$UE_PORT" ue

# e2ae_offer FILE ORIGIN_KEYFILE: the UE's e2ae offer (one crypto line,
# AES_CM_128_HMAC_SHA1_80, key written to KEYFILE) on UE_MPORT.
e2ae_offer() {
	srtp_gen_key AES_CM_128_HMAC_SHA1_80 >"$2"
	e2ae_sdp_file "$1" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(cat "$2")" \
		"a=3ge2ae:requested" "a=sendrecv"
}

# ----- 1. the node of an established call dies; the UE re-INVITEs -----
o=$RUN_DIR/re
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
e2ae_offer "$o.offer.sdp" "$o.ue1.key"
e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
cid="re-$$-$RANDOM@e2ae.test"
e2ae_sipp re.core fail_uas_answer.xml "$SCSCF_PORT" -d 100 -key answer_sdp "$o.answer.sdp"
core_pid=$BG_PID
e2ae_sipp_bound "$SCSCF_PORT"
# the UE re-INVITEs once the node is stopped (its hold gate, test/lib.sh)
e2ae_sipp re.ue fail_uac_reinvite.xml "$UE_PORT" -d 200 -cid_str "$cid" \
	-key ruri "sip:bob@ims.test" -key user ue -key offer_sdp "$o.offer.sdp" \
	-set hold_gate "$(gate_new re.hold)" "127.0.0.1:$KAM_SIP_PORT"
ue_pid=$BG_PID
wait_until 5 sipp_saw "$RUN_DIR/re.core.trace" received '^ACK ' || fail "re: the call was not set up"
if ng_holds "$RTPE_A_NG" "$cid"; then
	X=a Y=b
elif ng_holds "$RTPE_B_NG" "$cid"; then
	X=b Y=a
else
	fail "re: neither node holds the call"
fi
XV=$(_var "$X") YV=$(_var "$Y")
X_NG=RTPE_${XV}_NG X_PID=RTPE_${XV}_PIDFILE Y_NG=RTPE_${YV}_NG
X_NG=${!X_NG} X_PID=${!X_PID} Y_NG=${!Y_NG}
note "re: call set up on node $X (ng $X_NG); stopping it"
ng_holds "$Y_NG" "$cid" && fail "re: node $Y holds the call too"
stop_pidfiles "$X_PID" rtpengine || true
assert_not_running "$X_PID" rtpengine "node $X stopped"
gate_open "$o.hold.gate"
e2ae_sipp_wait re.ue "$ue_pid" "re: the UE's re-INVITE must get a 503"
e2ae_sipp_wait re.core "$core_pid" "re: the core (no re-INVITE, then the BYE)"

sipp_msg_to "$o.rx.msg" "$RUN_DIR/re.ue.trace" received '^SIP/2\.0 503 '
assert_grep "$o.rx.msg" '^CSeq: 2 INVITE' "re: the 503 answers the re-INVITE"
assert_grep "$o.rx.msg" '^Retry-After: [0-9]+' "re: the 503 has a Retry-After"
assert_grep "$o.rx.msg" '^Warning: 399 ims_medsec "media gateway unavailable"$' "re: the 503's Warning"
sipp_received "$RUN_DIR/re.core.trace" >"$o.core.rx"
assert_eq "$(msg_count "$o.core.rx" '^INVITE ')" 1 "re: the core received the initial INVITE only (no re-INVITE)"
assert_eq "$(msg_count "$o.core.rx" '^BYE ')" 1 "re: the UE's BYE reached the core"
assert_grep "$RUN_DIR/kamailio.log" "media offer refused for $cid \\(-2\\)" "re: the P-CSCF refused the re-INVITE (-2)"
ng_holds "$Y_NG" "$cid" && fail "re: the call was moved to node $Y"
assert_no_grep "$RUN_DIR/rtpengine-$Y.log" "\\[$cid" "re: node $Y never saw the call"
note "re: re-INVITE after node $X died: $(head -n 1 "$o.rx.msg" | tr -d '\r'), $(grep '^Warning:' "$o.rx.msg" | tr -d '\r'); not moved to node $Y"

# ----- 2. new calls while X is down: all on Y -----
probe_up() {
	local o=$RUN_DIR/$1
	sdp_crypto_key "$o.ue.rx.sdp" 1 >"$o.gw.key"
	[ -s "$o.gw.key" ] || fail "$1: no tag-1 key in the UE's answer"
	e2ae_probe "$1" AES_CM_128_HMAC_SHA1_80 "$o.ue1.key" "$o.gw.key"
}
UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto AES_CM_128_HMAC_SHA1_80)
CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
for n in 1 2 3 4; do
	id=new$n o=$RUN_DIR/new$n
	UE_MPORT=$(alloc_ports 2)
	CORE_MPORT=$(alloc_ports 2)
	e2ae_offer "$o.offer.sdp" "$o.ue1.key"
	e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
	if [ "$n" = 1 ]; then
		E2AE_ON_UP=probe_up hold=$E2AE_HOLD_MS
	else
		E2AE_ON_UP='' hold=300
	fi
	e2ae_call "$id" orig "$o.offer.sdp" "$o.answer.sdp" "$hold"
	c=$E2AE_CALL_ID
	if [ "$n" = 1 ]; then
		[ -s "$o.probe.log" ] || fail "$id: the media was not probed (no ACK seen in time?)"
	fi
	assert_node_sdp "$o.core.rx.sdp" "$Y" "$id: core's offer on node $Y"
	assert_node_sdp "$o.ue.rx.sdp" "$Y" "$id: UE's answer on node $Y"
	assert_grep "$o.ue.rx.sdp" '^a=3ge2ae:applied$' "$id: e2ae applied"
	assert_grep "$RUN_DIR/kamailio.log" "call $c: e2ae offer from the UE through gateway node" \
		"$id: the P-CSCF anchored the call"
	for cmd in offer answer delete; do
		assert_grep "$RUN_DIR/rtpengine-$Y.log" "\\[${c}[^]]*\\]: .*Received command '$cmd'" \
			"$id: node $Y received the ng $cmd"
	done
	e2ae_no_calls_on "$Y_NG" "$id"
done
rngctl "$Y_NG" list >"$RUN_DIR/list-$Y.out"
assert_grep "$RUN_DIR/list-$Y.out" '^calls:' "node $Y answers list"
assert_no_grep "$RUN_DIR/list-$Y.out" '^ *- ' "node $Y holds no call at the end"
assert_no_grep "$RUN_DIR/kamailio.log" 'media (offer|answer) refused for new' "no new call was refused"
note "4 new calls with node $X down: all through node $Y ($(grep -c "Received command 'offer'" "$RUN_DIR/rtpengine-$Y.log") offers there); $Y empty afterwards"

# the counters: the re-INVITE to the dead node timed out (failovers depend
# on which worker learnt first that the node is down: only noted)
e2ae_ctl
timeouts=$(kam_stat agw_timeouts)
assert_ge "${timeouts:-0}" 1 "agw_timeouts counts the command that got no reply"
note "agw_timeouts $timeouts, agw_failovers $(kam_stat agw_failovers)"
