#!/usr/bin/env bash
# Originating e2ae calls with less common offers, through the example
# P-CSCF (the UE registered with sdes-srtp;mediasec), checked on what each
# side received:
#   av   audio RTP/SAVP + a=crypto + a=3ge2ae:requested, and video plain
#        RTP/AVP: the core gets RTP/AVP for both, no crypto, no indication,
#        both anchored in rtpengine; the UE gets audio RTP/SAVP with one
#        crypto line and a=3ge2ae:applied in the audio section only, video
#        RTP/AVP without crypto or indication; the audio is probed with
#        srtp_probe (the video is not: the probe speaks SRTP on the UE side);
#   mki  the sample lines with a key lifetime and an MKI
#        ("inline:...|2^20|1:4 FEC_ORDER=FEC_SRTP", "inline:...|2^31|1:1"):
#        tag 1 is chosen (the MKI is allowed by default), the core gets no
#        crypto, the UE gets one crypto line with tag 1 and the suite and a
#        key of the gateway's (media not probed: srtp_probe has no MKI);
#   lc   the sample's lower-case suite "aes_cm_128_hmac_sha1_80", with a
#        lifetime (|2^31): chosen, answered with tag 1 and that suite, and
#        probed with srtp_probe.
# After every call rtpengine holds no call.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
e2ae_lab

UE_PORT=$(alloc_ports 1)
e2ae_register reg "$UE_PORT" ue

probe_up() {
	local o=$RUN_DIR/$1
	sdp_crypto_key "$o.ue.rx.sdp" 1 >"$o.gw.key"
	[ -s "$o.gw.key" ] || fail "$1: no tag-1 key in the UE's answer"
	e2ae_probe "$1" AES_CM_128_HMAC_SHA1_80 "$o.ue1.key" "$o.gw.key"
}

# section FILE KIND: the lines of the first m=KIND section of an SDP.
section() {
	awk -v k="$2" '/^m=/ { on = ($0 ~ ("^m=" k " ")) } on' "$1"
}

# common_checks ID SUITE-REGEX: the UE got tag 1 of SUITE with a key that
# is not the UE's, one a=3ge2ae:applied; the core got no SDES at all.
common_checks() {
	local id=$1 o=$RUN_DIR/$1
	assert_agw_sdp "$o.core.rx.sdp" "$id: core's offer"
	assert_agw_sdp "$o.ue.rx.sdp" "$id: UE's answer"
	assert_no_grep "$o.core.rx.sdp" '^a=(crypto|3ge2ae)' "$id: no SDES and no indication toward the core"
	assert_grep "$o.core.rx.sdp" '^m=audio [0-9]+ RTP/AVP ' "$id: core's audio is RTP/AVP"
	assert_grep "$o.ue.rx.sdp" '^m=audio [0-9]+ RTP/SAVP ' "$id: UE's audio is RTP/SAVP"
	assert_eq "$(msg_count "$o.ue.rx.sdp" '^a=crypto:')" 1 "$id: one crypto line to the UE"
	assert_grep "$o.ue.rx.sdp" "^a=crypto:1 $2 inline:" "$id: tag 1, the offered suite"
	assert_eq "$(msg_count "$o.ue.rx.sdp" '^a=3ge2ae:')" 1 "$id: one e2ae indication to the UE"
	assert_grep "$o.ue.rx.sdp" '^a=3ge2ae:applied$' "$id: a=3ge2ae:applied"
	sdp_crypto_key "$o.ue.rx.sdp" 1 >"$o.gw.key"
	if cmp -s "$o.gw.key" "$o.ue1.key"; then
		fail "$id: the UE got its own key back"
	fi
	assert_grep "$RUN_DIR/kamailio.log" "call $E2AE_CALL_ID: e2ae answer through gateway" \
		"$id: Kamailio handled the call as e2ae"
	e2ae_no_calls_left "$id"
}

UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto AES_CM_128_HMAC_SHA1_80)
CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)

# ----- audio e2ae + plain video -----
o=$RUN_DIR/av
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
UE_VPORT=$(alloc_ports 2)
CORE_VPORT=$(alloc_ports 2)
srtp_gen_key AES_CM_128_HMAC_SHA1_80 >"$o.ue1.key"
e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(cat "$o.ue1.key")" "a=3ge2ae:requested" "a=sendrecv" \
	"m=video $UE_VPORT RTP/AVP 96" "a=rtpmap:96 H264/90000" "a=fmtp:96 profile-level-id=42e01f" "a=sendrecv"
e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv" \
	"m=video $CORE_VPORT RTP/AVP 96" "a=rtpmap:96 H264/90000" "a=sendrecv"
E2AE_ON_UP=probe_up
e2ae_call av orig "$o.offer.sdp" "$o.answer.sdp" "$E2AE_HOLD_MS"
[ -s "$o.probe.log" ] || fail "av: the audio was not probed"
common_checks av AES_CM_128_HMAC_SHA1_80
section "$o.ue.rx.sdp" audio >"$o.ue.rx.audio"
section "$o.ue.rx.sdp" video >"$o.ue.rx.video"
section "$o.core.rx.sdp" video >"$o.core.rx.video"
assert_grep "$o.ue.rx.audio" '^a=3ge2ae:applied$' "av: the indication is in the audio section"
assert_grep "$o.ue.rx.video" '^m=video [0-9]+ RTP/AVP 96$' "av: the UE's video stays RTP/AVP"
assert_no_grep "$o.ue.rx.video" '^a=(crypto|3ge2ae)' "av: no crypto or indication in the UE's video"
assert_grep "$o.core.rx.video" '^m=video [0-9]+ RTP/AVP 96$' "av: the core's video is RTP/AVP"
for f in "$o.ue.rx.video" "$o.core.rx.video"; do
	p=$(sed -n 's/^m=video \([0-9]*\) .*/\1/p' "$f")
	if [ -z "$p" ] || [ "$p" -lt "$RTPE_A_PORT_MIN" ] || [ "$p" -gt "$RTPE_A_PORT_MAX" ]; then
		fail "av: video port '$p' in ${f##*/} is not rtpengine's"
	fi
done
note "av: audio e2ae (probed), video plain RTP/AVP anchored in rtpengine on both legs"

# ----- lifetime and MKI (the sample lines) -----
o=$RUN_DIR/mki
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
echo 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz' >"$o.ue1.key"
e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz|2^20|1:4 FEC_ORDER=FEC_SRTP" \
	"a=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:TAaxNnQt8/qLQMnDuG4vxYfWl6K7eBK/ufk04pR4|2^31|1:1" \
	"a=3ge2ae:requested" "a=sendrecv"
e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
E2AE_ON_UP=''
e2ae_call mki orig "$o.offer.sdp" "$o.answer.sdp" 300
common_checks mki AES_CM_128_HMAC_SHA1_80
note "mki: UE got $(grep '^a=crypto' "$o.ue.rx.sdp" | sdes_mask) (offered tag 1 with |2^20|1:4 FEC_ORDER=FEC_SRTP)"

# ----- lower-case suite, with a lifetime -----
o=$RUN_DIR/lc
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
srtp_gen_key AES_CM_128_HMAC_SHA1_80 >"$o.ue1.key"
e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 aes_cm_128_hmac_sha1_80 inline:$(cat "$o.ue1.key")|2^31" "a=3ge2ae:requested" "a=sendrecv"
e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
E2AE_ON_UP=probe_up
e2ae_call lc orig "$o.offer.sdp" "$o.answer.sdp" "$E2AE_HOLD_MS"
[ -s "$o.probe.log" ] || fail "lc: the media was not probed"
common_checks lc '(AES_CM_128_HMAC_SHA1_80|aes_cm_128_hmac_sha1_80)'
note "lc: offered 'aes_cm_128_hmac_sha1_80 ...|2^31', UE got $(grep '^a=crypto' "$o.ue.rx.sdp" | sdes_mask)"

e2ae_no_calls_left "end of case"
