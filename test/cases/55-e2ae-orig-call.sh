#!/usr/bin/env bash
# Originating e2ae call (TS 33.328 7.2.1) through the example P-CSCF, with
# the media proven on the wire:
#
#   UE sipp --REGISTER (Security-Client: ..., sdes-srtp;mediasec)--> P-CSCF --> S-CSCF sipp
#   UE sipp --INVITE RTP/SAVP, a=crypto x2, a=3ge2ae:requested--> P-CSCF --> core sipp
#                    <--200 RTP/SAVP, 1 a=crypto, a=3ge2ae:applied--    <--200 RTP/AVP--
#   srtp_probe: UE (SRTP/SRTCP, keys from the SDPs) <-> rtpengine <-> core (RTP/RTCP)
#
# Two calls from the registered UE:
#   o80: crypto:1 AES_CM_128_HMAC_SHA1_80 + crypto:2 AES_CM_128_HMAC_SHA1_32;
#   o32: crypto:1 AES_CM_128_HMAC_SHA1_32 only.
# Checked on what each side received:
#   - the core: RTP/AVP on rtpengine's address, no a=crypto, no a=3ge2ae;
#   - the UE: RTP/SAVP on rtpengine's address, exactly one a=crypto with
#     the chosen tag and suite and a key that is none of the UE's, exactly
#     one a=3ge2ae:applied, no DTLS attributes;
#   - srtp_probe --rtcp, both directions: SRTP from the UE (its offered key
#     of the chosen line) arrives as RTP at the core, RTP from the core
#     arrives as SRTP decryptable with the key of the UE's answer; SRTCP/RTCP
#     both ways (VERDICT: PASS, counts noted);
#   - Kamailio logged the calls as e2ae; rtpengine saw offer, answer and
#     delete; after each BYE rtpengine holds no call.
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

# Probe hook: UE tx key = the UE's key of the chosen line (tag 1), UE rx
# key = the key of the answer the UE received.
PROBE_SUITE=''
probe_up() {
	local o=$RUN_DIR/$1
	sdp_crypto_key "$o.ue.rx.sdp" 1 >"$o.gw.key"
	[ -s "$o.gw.key" ] || fail "$1: no tag-1 key in the UE's answer"
	e2ae_probe "$1" "$PROBE_SUITE" "$o.ue1.key" "$o.gw.key"
}
E2AE_ON_UP=probe_up

# orig_call ID SUITE...: the UE offers one crypto line per SUITE (tags 1..)
# with fresh keys (ID.ueN.key), a=3ge2ae:requested; the first is chosen.
orig_call() {
	local id=$1 o=$RUN_DIR/$1 tag=0 s n cid
	shift
	UE_MPORT=$(alloc_ports 2)
	CORE_MPORT=$(alloc_ports 2)
	local -a offer=("m=audio $UE_MPORT RTP/SAVP 0 8" "a=rtpmap:0 PCMU/8000" "a=rtpmap:8 PCMA/8000")
	for s in "$@"; do
		tag=$((tag + 1))
		srtp_gen_key "$s" >"$o.ue$tag.key"
		offer+=("a=crypto:$tag $s inline:$(cat "$o.ue$tag.key")")
	done
	offer+=("a=3ge2ae:requested" "a=sendrecv")
	e2ae_sdp_file "$o.offer.sdp" ue "${offer[@]}"
	e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"

	PROBE_SUITE=$1
	UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto "$1")
	CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
	e2ae_call "$id" orig "$o.offer.sdp" "$o.answer.sdp" "$E2AE_HOLD_MS"
	cid=$E2AE_CALL_ID
	[ -s "$o.probe.log" ] || fail "$id: the media was not probed (no ACK seen in time?)"

	# --- what the core received: plain RTP on the gateway, no SDES, no indication
	assert_agw_sdp "$o.core.rx.sdp" "$id: core's offer"
	assert_grep "$o.core.rx.sdp" '^m=audio [0-9]+ RTP/AVP 0 8$' "$id: core's offer is RTP/AVP with the UE's codecs"
	assert_no_grep "$o.core.rx.sdp" '^a=crypto' "$id: no crypto line toward the core"
	assert_no_grep "$o.core.rx.sdp" '^a=3ge2ae' "$id: no e2ae indication toward the core"
	assert_no_grep "$o.core.rx.sdp" '^a=(fingerprint|setup|key-mgmt)' "$id: no other keying toward the core"

	# --- what the UE received: SRTP on the gateway, the chosen line, confirmed
	assert_agw_sdp "$o.ue.rx.sdp" "$id: UE's answer"
	assert_grep "$o.ue.rx.sdp" '^m=audio [0-9]+ RTP/SAVP 0$' "$id: UE's answer is RTP/SAVP"
	assert_eq "$(sdp_crypto "$o.ue.rx.sdp" | tr '\n' ' ')" "1 $1 " \
		"$id: exactly one crypto line, tag and suite of the UE's chosen line"
	assert_eq "$(msg_count "$o.ue.rx.sdp" '^a=3ge2ae:')" 1 "$id: one e2ae indication to the UE"
	assert_grep "$o.ue.rx.sdp" '^a=3ge2ae:applied$' "$id: the UE is told e2ae is applied"
	assert_no_grep "$o.ue.rx.sdp" '^a=(fingerprint|setup)' "$id: no DTLS toward the UE"
	sdp_crypto_key "$o.ue.rx.sdp" 1 >"$o.gw.key"
	for n in $(seq 1 "$tag"); do
		if cmp -s "$o.gw.key" "$o.ue$n.key"; then
			fail "$id: the answer's key is the UE's own key of tag $n (not the gateway's)"
		fi
	done

	# --- the P-CSCF and the gateway
	assert_grep "$RUN_DIR/kamailio.log" "call $cid: e2ae offer from the UE through gateway" \
		"$id: Kamailio handled the offer as e2ae"
	assert_grep "$RUN_DIR/kamailio.log" "call $cid: e2ae answer through gateway" \
		"$id: Kamailio handled the answer as e2ae"
	for c in offer answer delete; do
		assert_grep "$RUN_DIR/rtpengine-a.log" "\[${cid}[^]]*\]: .*Received command '$c'" \
			"$id: rtpengine received the ng $c"
	done
	e2ae_no_calls_left "$id"
	note "$id: UE offered $(sdp_crypto "$o.offer.sdp" | tr '\n' ',' | sed 's/,$//'); UE got $(sdp_crypto "$o.ue.rx.sdp" | tr '\n' ' ')+ a=3ge2ae:applied; core got RTP/AVP without SDES"
}

orig_call o80 AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32
orig_call o32 AES_CM_128_HMAC_SHA1_32

assert_no_grep "$RUN_DIR/kamailio.log" 'media (offer|answer) refused|failed a check' \
	"no refusal in the P-CSCF"
e2ae_no_calls_left "end of case"
note "rtpengine holds no call after the BYEs"
