#!/usr/bin/env bash
# Operator policy and the binding's lifetime:
#   - e2ae_suites = "AES_256_CM_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_80": a UE
#     offering AES_CM_128_HMAC_SHA1_80 (tag 1) and AES_256_CM_HMAC_SHA1_80
#     (tag 2) gets the operator's first choice, tag 2 AES-256, and the media
#     probe passes with it both ways (SRTP/SRTCP);
#   - the registration expires after the 8 s the registrar granted (the
#     first call starts well within them, even on a loaded machine): the
#     same offer afterwards is end-to-end (indication removed, no
#     a=3ge2ae:applied for the UE, rtpengine never sees the call).
#
# lab: ims
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
E2AE_KAM_DEFINES=('E2AE_SUITES="AES_256_CM_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_80"')
e2ae_lab

UE_PORT=$(alloc_ports 1)
EXPIRES=8
e2ae_register reg "$UE_PORT" ue -key reg_expires "$EXPIRES" -key expires "$EXPIRES"
registered_at=$(date +%s)

o=$RUN_DIR/p256
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
srtp_gen_key AES_CM_128_HMAC_SHA1_80 >"$o.ue1.key"
srtp_gen_key AES_256_CM_HMAC_SHA1_80 >"$o.ue2.key"
e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(cat "$o.ue1.key")" \
	"a=crypto:2 AES_256_CM_HMAC_SHA1_80 inline:$(cat "$o.ue2.key")" \
	"a=3ge2ae:requested" "a=sendrecv"
e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
probe_256() {
	local p=$RUN_DIR/$1
	sdp_crypto_key "$p.ue.rx.sdp" 2 >"$p.gw.key"
	[ -s "$p.gw.key" ] || fail "$1: no tag-2 key in the UE's answer"
	e2ae_probe "$1" AES_256_CM_HMAC_SHA1_80 "$p.ue2.key" "$p.gw.key"
}
E2AE_ON_UP=probe_256
UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto AES_256_CM_HMAC_SHA1_80)
CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
e2ae_call p256 orig "$o.offer.sdp" "$o.answer.sdp" "$E2AE_HOLD_MS"
assert_eq "$(sdp_crypto "$o.ue.rx.sdp" | tr '\n' ' ')" "2 AES_256_CM_HMAC_SHA1_80 " \
	"p256: the operator's preferred suite was chosen (tag 2)"
assert_grep "$o.probe.log" '^VERDICT: PASS' "p256: media probe with AES-256"
note "p256: $(grep -E '^(ue->core|core->ue):' "$o.probe.log" | tr -s ' ' | tr '\n' ';')"

# the first call was set up while the binding lived
# (the time stamp of the INVITE: the first line of the UE's trace)
invite_at=$(date -d "$(awk 'NR == 1 { print $2, $3; exit }' "$RUN_DIR/p256.ue.messages.log")" +%s)
[ $((invite_at - registered_at)) -lt "$EXPIRES" ] ||
	fail "p256: the call started $((invite_at - registered_at)) s after the registration, not within its $EXPIRES s"

# After the binding's EXPIRES s: the same offer is end-to-end.
now=$(date +%s)
[ $((now - registered_at)) -gt "$EXPIRES" ] || sleep $((EXPIRES + 1 - (now - registered_at)))
o=$RUN_DIR/expired
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)" \
	"a=3ge2ae:requested" "a=sendrecv"
e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)" "a=sendrecv"
E2AE_ON_UP=''
UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae none -key exp_crypto AES_CM_128_HMAC_SHA1_80)
CORE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae none -key exp_crypto AES_CM_128_HMAC_SHA1_80)
e2ae_call expired orig "$o.offer.sdp" "$o.answer.sdp" 500
assert_no_grep "$o.core.rx.sdp" '^a=3ge2ae' "expired: the indication was removed"
assert_grep "$o.core.rx.sdp" "^m=audio $UE_MPORT RTP/SAVP 0" "expired: end-to-end, not anchored"
assert_no_grep "$o.ue.rx.sdp" '^a=3ge2ae' "expired: the UE got no confirmation"
note "expired: after the registration's $EXPIRES s the requested offer went end-to-end"
e2ae_no_calls_left "end of case"
