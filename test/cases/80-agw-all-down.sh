#!/usr/bin/env bash
# No media gateway answers: Kamailio's only rtpengine node is a port where
# nothing runs (NG_TIMEOUT_MS=200, NG_RETRIES=0).
#   - originating: a UE registered with sdes-srtp;mediasec sends an e2ae
#     offer (RTP/SAVP, a=crypto, a=3ge2ae:requested): it gets a 503 with a
#     Retry-After header and Warning: 399 ims_medsec "media gateway
#     unavailable"; the core receives nothing; no reply the UE received
#     carries a crypto line or an e2ae indication;
#   - terminating: the core's INVITE (RTP/AVP) for that UE gets the same
#     503; the UE receives nothing.
# The P-CSCF logs the refusals ("no rtpengine node available", script -2).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run

# A port nothing listens on: allocated for this run, never bound.
DEAD_NG=$(alloc_ports 1)
e2ae_lab_nodes "RTPENGINE_NG=\"udp:127.0.0.1:$DEAD_NG\"" NG_TIMEOUT_MS=200 NG_RETRIES=0
port_bound "$DEAD_NG" udp && fail "something is bound to the dead node's port $DEAD_NG"

UE_PORT=$(alloc_ports 1)
e2ae_register reg "$UE_PORT" ue

# refused_503 ID DIR OFFER: DIR orig (UE -> core) or term (core -> UE);
# the caller (fail_uac_reject.xml) must get a 503, the callee
# (fail_uas_silent.xml) nothing.  Sets CID.
refused_503() {
	local id=$1 dir=$2 offer=$3 o=$RUN_DIR/$1 caller callee cport eport rport ruri user cpid epid
	if [ "$dir" = orig ]; then
		caller=$id.ue callee=$id.core cport=$UE_PORT eport=$SCSCF_PORT
		rport=$KAM_SIP_PORT ruri="sip:bob@ims.test" user=ue
	else
		caller=$id.core callee=$id.ue cport=$SCSCF_PORT eport=$UE_PORT
		rport=$KAM_CORE_PORT ruri="sip:ue@127.0.0.1:$UE_PORT" user=core
	fi
	CID="$id-$$-$RANDOM@e2ae.test"
	e2ae_sipp "$callee" fail_uas_silent.xml "$eport"
	epid=$BG_PID
	e2ae_sipp_bound "$eport"
	e2ae_sipp "$caller" fail_uac_reject.xml "$cport" -cid_str "$CID" \
		-key ruri "$ruri" -key user "$user" -key offer_sdp "$offer" "127.0.0.1:$rport"
	cpid=$BG_PID
	e2ae_sipp_wait "$caller" "$cpid" "$id: the caller must get an error reply"
	# the callee waits for ever: stopped by its pidfile (after a grace
	# period for anything the P-CSCF might still forward)
	sleep 0.3
	stop_pidfiles "$RUN_DIR/$callee.bg.pid" sipp || true
	wait "$epid" 2>/dev/null || true
	e2ae_mask_traces

	sipp_msg_to "$o.rx.msg" "$RUN_DIR/$caller.trace" received '^SIP/2\.0 [2-6][0-9][0-9] '
	assert_grep "$o.rx.msg" '^SIP/2\.0 503 ' "$id: the caller's final reply is a 503"
	assert_grep "$o.rx.msg" '^Retry-After: [0-9]+' "$id: the 503 has a Retry-After"
	assert_grep "$o.rx.msg" '^Warning: 399 ims_medsec "media gateway unavailable"$' \
		"$id: the 503's Warning"
	assert_eq "$(msg_body "$o.rx.msg" | wc -c)" 0 "$id: the 503 has no body"
	sipp_received_all "$RUN_DIR/$caller.trace" >"$o.caller.rx.all"
	assert_no_grep "$o.caller.rx.all" '^a=(crypto|3ge2ae)' "$id: the caller received no crypto line nor e2ae indication"
	assert_no_grep "$o.caller.rx.all" '^SIP/2\.0 (18[0-9]|2[0-9][0-9]) ' "$id: the caller received no ringing or answer"
	sipp_received "$RUN_DIR/$callee.trace" >"$o.callee.rx"
	[ -s "$o.callee.rx" ] && fail "$id: the callee received something: $(tr '\n' ' ' <"$o.callee.rx")"
	assert_grep "$RUN_DIR/kamailio.log" "media offer refused for $CID \\(-2\\)" \
		"$id: the P-CSCF logged the refusal (no gateway answered, -2)"
	assert_grep "$RUN_DIR/kamailio.log" "offer for call $CID failed: no rtpengine node available" \
		"$id: ims_medsec logged why"
	note "$id ($dir): $(head -n 1 "$o.rx.msg" | tr -d '\r'); $(grep -E '^(Retry-After|Warning):' "$o.rx.msg" | tr '\n' ' ')"
}

o=$RUN_DIR/orig
UE_MPORT=$(alloc_ports 2)
e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0 8" "a=rtpmap:0 PCMU/8000" \
	"a=rtpmap:8 PCMA/8000" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)" \
	"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:$(srtp_gen_key AES_CM_128_HMAC_SHA1_32)" \
	"a=3ge2ae:requested" "a=sendrecv"
refused_503 orig orig "$o.offer.sdp"

o=$RUN_DIR/term
CORE_MPORT=$(alloc_ports 2)
e2ae_sdp_file "$o.offer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
refused_503 term term "$o.offer.sdp"

assert_no_grep "$RUN_DIR/kamailio.log" 'CRITICAL|segfault|core dump' "Kamailio stayed healthy"
port_bound "$DEAD_NG" udp && fail "something bound the dead node's port $DEAD_NG meanwhile"
note "no gateway: both INVITEs refused with 503, nothing forwarded"
