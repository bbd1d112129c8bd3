#!/usr/bin/env bash
# What the P-CSCF must leave end to end, and the e2ae indications it must
# not let through, checked on what each side received (the UE "ue"
# registered with sdes-srtp;mediasec; "stranger" never registered):
#   e2e-sdes   ue offers RTP/SAVP + a=crypto without a=3ge2ae:requested
#              (3GPP e2e security): the core gets the UE's SDP byte for byte,
#              the UE gets the core's RTP/SAVP answer byte for byte, rtpengine
#              never sees the call, and srtp_probe --passthrough proves on the
#              wire that SRTP/SRTCP go UE <-> core unchanged (no gateway);
#   kms        ue offers RTP/SAVP + a=key-mgmt:mikey + requested (KMS, TS
#              33.328 5.4.3): left end to end, only the indication removed;
#              the core's answer (a=key-mgmt + a spoofed a=3ge2ae:applied)
#              reaches the UE without the spoofed line;
#   stranger   the unregistered UE offers requested: indication removed,
#              crypto passed end to end (probe --passthrough), the UE never
#              gets a=3ge2ae;
#   core-spoof e2ae call from ue where the core's RTP/AVP answer carries
#              a=3ge2ae:applied and a=3ge2ae:requested: the UE gets exactly
#              one a=3ge2ae, the P-CSCF's applied, after its crypto line;
#   term-plain the core sends RTP/AVP with a spoofed a=3ge2ae:applied to the
#              unregistered UE: the UE gets plain RTP/AVP (anchored in
#              rtpengine, no crypto) without a=3ge2ae; the core gets RTP/AVP.
# After every call rtpengine holds no call.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
e2ae_lab

REG_PORT=$(alloc_ports 1)
STRANGER_PORT=$(alloc_ports 1)
e2ae_register reg "$REG_PORT" ue

# A MIKEY message as seen in the wild (base64; only carried, never parsed).
MIKEY='AQAFgM0XflABAAAAAAAAAAAAAAsAyO0Dp5QAAAAAJZGW2tc4nN8AGhwBAAAM+TbSKXSQPmMBAAAAFAgUK2BWhfs'

# e2e_checks ID STRIP: the core got the UE's SDP and the UE the core's, byte
# for byte (STRIP=1: minus their a=3ge2ae lines); rtpengine never saw it.
e2e_checks() {
	local id=$1 o=$RUN_DIR/$1 cid=$E2AE_CALL_ID
	if [ "$2" = 1 ]; then
		grep -v '^a=3ge2ae' "$o.ue.tx.sdp" >"$o.ue.expected.sdp" || true
		grep -v '^a=3ge2ae' "$o.core.tx.sdp" >"$o.core.expected.sdp" || true
	else
		cp "$o.ue.tx.sdp" "$o.ue.expected.sdp"
		cp "$o.core.tx.sdp" "$o.core.expected.sdp"
	fi
	cmp -s "$o.ue.expected.sdp" "$o.core.rx.sdp" ||
		fail "$id: the core did not get the UE's SDP unchanged: $(diff "$o.ue.expected.sdp" "$o.core.rx.sdp" | sdes_mask | tr '\n' ' ')"
	cmp -s "$o.core.expected.sdp" "$o.ue.rx.sdp" ||
		fail "$id: the UE did not get the core's SDP unchanged: $(diff "$o.core.expected.sdp" "$o.ue.rx.sdp" | sdes_mask | tr '\n' ' ')"
	assert_no_grep "$o.core.rx.sdp" '^a=3ge2ae' "$id: no e2ae indication toward the core"
	assert_no_grep "$o.ue.rx.sdp" '^a=3ge2ae' "$id: no e2ae indication toward the UE"
	assert_grep "$RUN_DIR/kamailio.log" "call $cid: end-to-end media passed untouched" \
		"$id: Kamailio handled the call end to end"
	assert_no_grep "$RUN_DIR/rtpengine-a.log" "\[$cid" "$id: rtpengine never saw the call"
	e2ae_no_calls_left "$id"
}

# e2e_probe ID: SRTP/SRTCP straight between the UE's and the core's ports.
e2e_probe() {
	e2ae_probe "$1" AES_CM_128_HMAC_SHA1_80 "$RUN_DIR/$1.ue1.key" "$RUN_DIR/$1.core.key" --passthrough
}

# sdes_call ID PORT REQUESTED: the UE on PORT offers RTP/SAVP with one
# AES_CM_128_HMAC_SHA1_80 line (+ requested when REQUESTED=1); the core
# answers RTP/SAVP with its own key.  Media probed end to end.
sdes_call() {
	local id=$1 o=$RUN_DIR/$1 ind=()
	UE_PORT=$2
	[ "$3" = 1 ] && ind=("a=3ge2ae:requested")
	UE_MPORT=$(alloc_ports 2)
	CORE_MPORT=$(alloc_ports 2)
	srtp_gen_key AES_CM_128_HMAC_SHA1_80 >"$o.ue1.key"
	srtp_gen_key AES_CM_128_HMAC_SHA1_80 >"$o.core.key"
	e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(cat "$o.ue1.key")" ${ind[@]+"${ind[@]}"} "a=sendrecv"
	e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(cat "$o.core.key")" "a=sendrecv"
	UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae none -key exp_crypto AES_CM_128_HMAC_SHA1_80)
	CORE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae none -key exp_crypto AES_CM_128_HMAC_SHA1_80)
	E2AE_ON_OFFER='' E2AE_ON_UP=e2e_probe
	e2ae_call "$id" orig "$o.offer.sdp" "$o.answer.sdp" "$E2AE_HOLD_MS"
	[ -s "$o.probe.log" ] || fail "$id: the media was not probed"
	assert_sdp_port "$o.core.rx.sdp" "$UE_MPORT" "$id: the core got the UE's own media port"
	assert_sdp_port "$o.ue.rx.sdp" "$CORE_MPORT" "$id: the UE got the core's own media port"
	e2e_checks "$id" "$3"
}

# ----- e2e SDES from the registered UE -----
sdes_call e2e-sdes "$REG_PORT" 0
note "e2e-sdes: SDP byte-identical both ways, no gateway"

# ----- KMS -----
o=$RUN_DIR/kms
UE_PORT=$REG_PORT
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=key-mgmt:mikey $MIKEY" "a=3ge2ae:requested" "a=sendrecv"
e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=key-mgmt:mikey $MIKEY" "a=3ge2ae:applied" "a=sendrecv"
UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae none -key exp_crypto none)
CORE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae none -key exp_crypto none)
E2AE_ON_OFFER='' E2AE_ON_UP=''
e2ae_call kms orig "$o.offer.sdp" "$o.answer.sdp" 300
e2e_checks kms 1
assert_cmd "kms: the key-mgmt line reached the core intact" grep -qxF "a=key-mgmt:mikey $MIKEY" "$o.core.rx.sdp"
assert_cmd "kms: the key-mgmt line reached the UE intact" grep -qxF "a=key-mgmt:mikey $MIKEY" "$o.ue.rx.sdp"
note "kms: a=key-mgmt untouched both ways; only the a=3ge2ae lines removed"

# ----- a=3ge2ae:requested from a UE that never registered -----
sdes_call stranger "$STRANGER_PORT" 1
note "stranger: requested from an unregistered UE: indication removed, SDES end to end"

# ----- the core spoofs indications in an e2ae answer -----
o=$RUN_DIR/core-spoof
UE_PORT=$REG_PORT
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
srtp_gen_key AES_CM_128_HMAC_SHA1_80 >"$o.ue1.key"
e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(cat "$o.ue1.key")" "a=3ge2ae:requested" "a=sendrecv"
e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=3ge2ae:applied" "a=3ge2ae:requested" "a=sendrecv"
UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto AES_CM_128_HMAC_SHA1_80)
CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
E2AE_ON_OFFER='' E2AE_ON_UP=''
e2ae_call core-spoof orig "$o.offer.sdp" "$o.answer.sdp" 300
assert_agw_sdp "$o.ue.rx.sdp" "core-spoof: UE's answer"
assert_eq "$(grep '^a=\(crypto\|3ge2ae\)' "$o.ue.rx.sdp" | sed 's/ inline:.*//')" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80
a=3ge2ae:applied" "core-spoof: the UE gets its crypto line and one a=3ge2ae:applied (the core's two gone)"
e2ae_no_calls_left core-spoof
note "core-spoof: the core's a=3ge2ae:applied/requested removed; the UE got only the P-CSCF's applied"

# ----- the core spoofs applied toward an unregistered UE -----
o=$RUN_DIR/term-plain
UE_PORT=$STRANGER_PORT
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
e2ae_sdp_file "$o.offer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=3ge2ae:applied" "a=sendrecv"
e2ae_sdp_file "$o.answer.sdp" ue "m=audio $UE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
UE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
e2ae_call term-plain term "$o.offer.sdp" "$o.answer.sdp" 300
assert_agw_sdp "$o.ue.rx.sdp" "term-plain: UE's offer"
assert_agw_sdp "$o.core.rx.sdp" "term-plain: core's answer"
assert_no_grep "$o.ue.rx.sdp" '^a=(crypto|3ge2ae)' "term-plain: no crypto, no indication toward the UE"
assert_grep "$RUN_DIR/kamailio.log" "call $E2AE_CALL_ID: plain offer from the core through gateway" \
	"term-plain: Kamailio anchored the call without e2ae"
e2ae_no_calls_left term-plain
note "term-plain: the core's a=3ge2ae:applied removed; the unregistered UE got plain RTP/AVP via rtpengine"

e2ae_no_calls_left "end of case"
