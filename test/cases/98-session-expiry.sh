#!/usr/bin/env bash
# A dialog that dies without a BYE does not live forever on the AGW, and a
# long call is not cut (ims_medsec session_timeout=10 s, checked every 2 s):
#   - dead: an e2ae call is set up (INVITE, 200, ACK) and then nobody says
#     anything more and no media flows: within session_timeout + a few
#     seconds rtpengine no longer lists it, and Kamailio logs that it was
#     deleted on the gateway;
#   - live: the same, but media flows (srtp_probe, SRTP <-> RTP for 12 s)
#     past the first check: the call is kept ("kept (media flows)") and
#     still listed when the media ends, then deleted once a whole period
#     passes without media.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
E2AE_KAM_DEFINES=(SESSION_TIMEOUT=10)
e2ae_lab

SUITE=AES_CM_128_HMAC_SHA1_80
UE_PORT=$(alloc_ports 1)
e2ae_register reg "$UE_PORT" ue

# vanish ID: an originating e2ae call that ends after its ACK, without BYE;
# sets CID; ID.ue.rx.sdp / ID.core.rx.sdp are the SDPs each side received.
vanish() {
	local id=$1 o=$RUN_DIR/$1 cpid epid
	UE_MPORT=$(alloc_ports 2) CORE_MPORT=$(alloc_ports 2)
	srtp_gen_key "$SUITE" >"$o.ue.key"
	e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
		"a=crypto:1 $SUITE inline:$(cat "$o.ue.key")" "a=3ge2ae:requested" "a=sendrecv"
	core_sdp "$o.answer.sdp" 1 sendrecv
	CID="$id-$$-$RANDOM@e2ae.test"
	e2ae_sipp "$id.core" life_uas_vanish.xml "$SCSCF_PORT" -key answer_sdp "$o.answer.sdp"
	epid=$BG_PID
	e2ae_sipp_bound "$SCSCF_PORT"
	e2ae_sipp "$id.ue" life_uac_vanish.xml "$UE_PORT" -cid_str "$CID" -key ruri "sip:bob@ims.test" \
		-key user ue -key offer_sdp "$o.offer.sdp" "127.0.0.1:$KAM_SIP_PORT"
	cpid=$BG_PID
	e2ae_sipp_wait "$id.ue" "$cpid" "$id: caller"
	e2ae_sipp_wait "$id.core" "$epid" "$id: callee"
	_e2ae_extract "$id"
	ng_holds "$RTPE_A_NG" "$CID" || fail "$id: rtpengine does not hold the call"
}
gone() { ! ng_holds "$RTPE_A_NG" "$1"; }

# ----- dead: no SIP, no media -----
vanish dead
dead=$CID
start=$SECONDS
wait_until 25 gone "$dead" || fail "dead: rtpengine still holds the call 25 s after its last message"
note "dead: deleted on the gateway $((SECONDS - start)) s after its last message (session_timeout 10 s)"
assert_grep "$RUN_DIR/kamailio.log" 'calls without a message for 10 s: 0 kept \(media flows\), 1 deleted on the gateway' \
	"dead: Kamailio deleted the call on the gateway"

# ----- live: media flows past the first check -----
vanish live
live=$CID o=$RUN_DIR/live
sdp_crypto_key "$o.ue.rx.sdp" 1 >"$o.gw.key"
"$SRTP_PROBE" --suite "$SUITE" --count 600 --warmup 5 --interval 20 --max-loss 20 \
	--ue-local "127.0.0.1:$UE_MPORT" \
	--ue-remote "$(hostport "$(sdp_conn_addr "$o.ue.rx.sdp")" "$(sdp_media_port "$o.ue.rx.sdp")")" \
	--core-local "127.0.0.1:$CORE_MPORT" \
	--core-remote "$(hostport "$(sdp_conn_addr "$o.core.rx.sdp")" "$(sdp_media_port "$o.core.rx.sdp")")" \
	--ue-tx-key-file "$o.ue.key" --ue-rx-key-file "$o.gw.key" >"$o.probe.log" 2>&1 ||
	fail "live: the media probe failed: $(grep -E '^(VERDICT|ue->core|core->ue)' "$o.probe.log" | tr '\n' ' ')"
assert_grep "$o.probe.log" '^VERDICT: PASS$' "live: media flowed both ways for 12 s"
ng_holds "$RTPE_A_NG" "$live" || fail "live: the call was cut while its media flowed"
assert_grep "$RUN_DIR/kamailio.log" 'calls without a message for 10 s: 1 kept \(media flows\)' \
	"live: the check kept the call because media flowed"
start=$SECONDS
wait_until 30 gone "$live" || fail "live: rtpengine still holds the call 30 s after its media ended"
note "live: kept while media flowed, deleted $((SECONDS - start)) s after the media ended"
e2ae_no_calls_left "end of case"
