#!/usr/bin/env bash
# Terminating e2ae call (TS 33.328 7.3.1) through the example P-CSCF, with
# the media proven on the wire:
#
#   core sipp --INVITE RTP/AVP (+ spoofed a=3ge2ae:applied)--> P-CSCF (core side)
#        --INVITE RTP/SAVP, a=crypto (allowed suites), a=3ge2ae:applied--> UE sipp
#   UE  --200 RTP/SAVP, one a=crypto (same tag and suite, own key)--> P-CSCF
#        --200 RTP/AVP--> core
#   srtp_probe: UE (SRTP/SRTCP) <-> rtpengine <-> core (RTP/RTCP)
#
# The UE registered with sdes-srtp;mediasec first.  Two calls: the UE picks
# the AES_CM_128_HMAC_SHA1_80 line (t80, echoing a=3ge2ae:applied in its
# answer as some UEs do), then the AES_CM_128_HMAC_SHA1_32 line (t32).
# Checked on what each side received:
#   - the UE: RTP/SAVP on rtpengine's address; crypto lines only for the
#     allowed suites, AES_CM_128_HMAC_SHA1_80 first then _32, each once;
#     exactly one a=3ge2ae:applied (the core's spoofed one gone); no
#     a=setup / a=fingerprint;
#   - the core: RTP/AVP on rtpengine's address, no a=crypto, no a=3ge2ae;
#   - srtp_probe --rtcp both ways: UE tx key = the UE's answer key, UE rx key
#     = the offered key of the tag the UE picked (VERDICT: PASS, counts
#     noted); Kamailio logged e2ae; rtpengine holds no call after each BYE.
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

PICK_SUITE=''
ECHO_IND=0
# The UE rings: answer the line of PICK_SUITE with the same tag and a key
# of its own (ID.ue.key); the offered key of that tag is ID.gw.key.
ue_answers() {
	local id=$1 o=$RUN_DIR/$1 tag
	local -a lines
	sipp_msg_to "$o.ue.rx.msg" "$o.ue.trace" received '^INVITE '
	msg_body "$o.ue.rx.msg" >"$o.ue.rx.sdp"
	tag=$(sdp_crypto "$o.ue.rx.sdp" | awk -v s="$PICK_SUITE" '$2 == s { print $1; exit }')
	[ -n "$tag" ] || fail "$id: the UE was offered no $PICK_SUITE line: $(sdp_crypto "$o.ue.rx.sdp" | tr '\n' ' ')"
	echo "$tag" >"$o.tag"
	sdp_crypto_key "$o.ue.rx.sdp" "$tag" >"$o.gw.key"
	srtp_gen_key "$PICK_SUITE" >"$o.ue.key"
	lines=("m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000"
		"a=crypto:$tag $PICK_SUITE inline:$(cat "$o.ue.key")")
	[ "$ECHO_IND" = 1 ] && lines+=("a=3ge2ae:applied")
	lines+=("a=sendrecv")
	e2ae_sdp_file "$o.answer.tmp" ue "${lines[@]}"
	mv "$o.answer.tmp" "$o.answer.sdp"
}
probe_up() {
	e2ae_probe "$1" "$PICK_SUITE" "$RUN_DIR/$1.ue.key" "$RUN_DIR/$1.gw.key"
}
E2AE_ON_OFFER=ue_answers
E2AE_ON_UP=probe_up

# term_call ID SUITE ECHO: the core offers RTP/AVP (PCMU, PCMA) with a
# spoofed a=3ge2ae:applied; the UE picks SUITE (ECHO=1: its answer repeats
# a=3ge2ae:applied).
term_call() {
	local id=$1 o=$RUN_DIR/$1 cid tag offered
	PICK_SUITE=$2 ECHO_IND=$3
	UE_MPORT=$(alloc_ports 2)
	CORE_MPORT=$(alloc_ports 2)
	e2ae_sdp_file "$o.offer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0 8" "a=rtpmap:0 PCMU/8000" \
		"a=rtpmap:8 PCMA/8000" "a=3ge2ae:applied" "a=sendrecv"
	rm -f "$o.answer.sdp"
	UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto AES_CM_128_HMAC_SHA1_80)
	CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
	e2ae_call "$id" term "$o.offer.sdp" "$o.answer.sdp" "$E2AE_HOLD_MS"
	cid=$E2AE_CALL_ID
	[ -s "$o.probe.log" ] || fail "$id: the media was not probed (no ACK seen in time?)"
	tag=$(cat "$o.tag")

	# --- what the UE received
	assert_agw_sdp "$o.ue.rx.sdp" "$id: UE's offer"
	assert_grep "$o.ue.rx.sdp" '^m=audio [0-9]+ RTP/SAVP 0 8$' "$id: UE's offer is RTP/SAVP with the core's codecs"
	offered=$(sdp_crypto "$o.ue.rx.sdp" | awk '{ print $2 }' | tr '\n' ' ')
	assert_eq "$offered" "AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32 " \
		"$id: the UE is offered the allowed suites only, preferred first"
	assert_eq "$(sdp_crypto "$o.ue.rx.sdp" | awk '{ print $1 }' | sort | uniq -d)" "" \
		"$id: crypto tags are distinct"
	assert_eq "$(msg_count "$o.ue.rx.sdp" '^a=3ge2ae:')" 1 "$id: one e2ae indication to the UE"
	assert_grep "$o.ue.rx.sdp" '^a=3ge2ae:applied$' "$id: the UE is told e2ae is applied"
	assert_no_grep "$o.ue.rx.sdp" '^a=(setup|fingerprint|tls-id)' "$id: no DTLS attributes toward the UE"

	# --- what the core received
	assert_agw_sdp "$o.core.rx.sdp" "$id: core's answer"
	assert_grep "$o.core.rx.sdp" '^m=audio [0-9]+ RTP/AVP 0$' "$id: the core's answer is RTP/AVP"
	assert_no_grep "$o.core.rx.sdp" '^a=crypto' "$id: no crypto line toward the core"
	assert_no_grep "$o.core.rx.sdp" '^a=3ge2ae' "$id: no e2ae indication toward the core"

	assert_grep "$RUN_DIR/kamailio.log" "call $cid: e2ae offer from the core through gateway" \
		"$id: Kamailio handled the offer as e2ae"
	assert_grep "$RUN_DIR/kamailio.log" "call $cid: e2ae answer through gateway" \
		"$id: Kamailio handled the answer as e2ae"
	e2ae_no_calls_left "$id"
	note "$id: UE offered $(sdp_crypto "$o.ue.rx.sdp" | tr '\n' ',' | sed 's/,$//') + a=3ge2ae:applied, answered tag $tag $PICK_SUITE; core got RTP/AVP without SDES"
}

term_call t80 AES_CM_128_HMAC_SHA1_80 1
term_call t32 AES_CM_128_HMAC_SHA1_32 0

assert_no_grep "$RUN_DIR/kamailio.log" 'media (offer|answer) refused|failed a check' \
	"no refusal in the P-CSCF"
e2ae_no_calls_left "end of case"
note "rtpengine holds no call after the BYEs"
