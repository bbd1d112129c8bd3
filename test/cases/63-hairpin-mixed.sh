#!/usr/bin/env bash
# Hairpin calls (issue 11: both UEs registered through the same P-CSCF,
# the INVITE passing it twice, see 62-hairpin-e2ae.sh) where only one UE
# has e2ae:
#   1. "ae-bp": A registered with sdes-srtp;mediasec offers RTP/SAVP with
#      a=3ge2ae:requested to B, registered without mediasec.  A gets
#      RTP/SAVP with one crypto line (its tag 1) and a=3ge2ae:applied; B
#      gets plain RTP/AVP on the gateway, no crypto, no indication, and
#      answers RTP/AVP; the S-CSCF relays plain RTP/AVP both ways; the
#      media is probed SRTP (A, the probe's UE) <-> RTP (B, its core);
#   2. "ap-be": the reverse: A registered without mediasec offers plain
#      RTP/AVP to B, registered with mediasec.  B gets RTP/SAVP on the
#      gateway with the policy suites' crypto offers and a=3ge2ae:applied
#      and answers with one of them and its own key; A gets plain RTP/AVP;
#      the core plain both ways; media SRTP (B) <-> RTP (A);
#   3. "refuse": a second P-CSCF with the define HAIRPIN_PLAIN_PEER=refuse
#      (ims_medsec's hairpin_plain_peer "refuse"): A (mediasec) calls B
#      (no mediasec) as in 1: A gets 488 with a "Warning: 399 ims_medsec"
#      header, B gets no INVITE, rtpengine holds no call, and that P-CSCF
#      counts the refusal (e2ae_refused_policy) and the hairpin call.
# Each call leaves rtpengine without a call.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
# shellcheck source=../hairpin.sh
. "$(dirname "$0")/../hairpin.sh"
setup_run
e2ae_lab

SUITE=AES_CM_128_HMAC_SHA1_80
AE_PORT=$(alloc_ports 1)  # A with mediasec
BP_PORT=$(alloc_ports 1)  # B without
AP_PORT=$(alloc_ports 1)  # A without
BE_PORT=$(alloc_ports 1)  # B with
e2ae_register rega-e "$AE_PORT" uea
hairpin_register_plain regb-p "$BP_PORT" ueb
hairpin_register_plain rega-p "$AP_PORT" uea2
e2ae_register regb-e "$BE_PORT" ueb2

# ----- 1. A e2ae -> B plain -----
id=ae-bp o=$RUN_DIR/ae-bp
A_PORT=$AE_PORT B_PORT=$BP_PORT
A_MPORT=$(alloc_ports 2) B_MPORT=$(alloc_ports 2)
hairpin_scscf "sip:ueb@127.0.0.1:$B_PORT"
hairpin_ue_offer "$id" "$SUITE" AES_CM_128_HMAC_SHA1_32
# up: both legs on the gateway; SRTP from/to A (its tag-1 key, the
# gateway's key of A's answer) <-> RTP at B
probe_a() {
	local o=$RUN_DIR/$1
	hairpin_assert_legs "$HP_CID" "$1: while the call is up"
	sdp_crypto_key "$o.a.rx.sdp" 1 >"$o.a.gw.key"
	hairpin_probe_mixed "$1" a "$SUITE" "$o.a1.key" "$o.a.gw.key"
}
HP_A_KEYS=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto "$SUITE")
HP_B_KEYS=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
HP_ON_OFFER=hairpin_b_answers HP_ON_UP=probe_a
hairpin_call "$id"
[ -s "$o.probe.log" ] || fail "$id: the media was not probed (no ACK at B in time?)"
hairpin_check_ue_answer "$o.a.rx.sdp" "$SUITE" 1 "$id: A's answer"
hairpin_not_own_key "$o.a.gw.key" "$id: A's answer" "$o.a1.key" "$o.a2.key"
hairpin_check_plain "$o.b.rx.sdp" "$id: B's offer (B has no e2ae)"
assert_grep "$o.b.rx.sdp" '^m=audio [0-9]+ RTP/AVP 0 8$' "$id: B is offered A's codecs"
hairpin_core_plain "$id" "$HP_CID" "$id" "INVITE cseq=1 INVITE" "200 cseq=1 INVITE"
e2ae_no_calls_left "$id"
note "$id: A got $(sdp_crypto "$o.a.rx.sdp" | tr '\n' ' ')+ applied; B got $(sed -n 's/^m=audio [0-9]* \([A-Z/]*\).*/\1/p' "$o.b.rx.sdp") without keys"

# ----- 2. A plain -> B e2ae -----
id=ap-be o=$RUN_DIR/ap-be
A_PORT=$AP_PORT B_PORT=$BE_PORT HP_A_USER=uea2
A_MPORT=$(alloc_ports 2) B_MPORT=$(alloc_ports 2)
hairpin_scscf "sip:ueb2@127.0.0.1:$B_PORT"
hairpin_plain_offer "$id"
# up: SRTP from/to B (its own key, the gateway's key of its tag) <-> RTP at A
probe_b() {
	local o=$RUN_DIR/$1
	hairpin_assert_legs "$HP_CID" "$1: while the call is up"
	hairpin_probe_mixed "$1" b "$HP_B_SUITE" "$o.b.key" "$o.b.gw.key"
}
HP_A_KEYS=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
HP_B_KEYS=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto AES_CM_128_HMAC_SHA1_80)
HP_ON_OFFER=hairpin_b_answers HP_ON_UP=probe_b
hairpin_call "$id"
[ -s "$o.probe.log" ] || fail "$id: the media was not probed (no ACK at B in time?)"
hairpin_check_ue_offer "$o.b.rx.sdp" "$id: B's offer (B has e2ae)"
assert_grep "$o.b.rx.sdp" '^m=audio [0-9]+ RTP/SAVP 0 8$' "$id: B is offered A's codecs"
hairpin_check_plain "$o.a.rx.sdp" "$id: A's answer (A has no e2ae)"
hairpin_core_plain "$id" "$HP_CID" "$id" "INVITE cseq=1 INVITE" "200 cseq=1 INVITE"
e2ae_no_calls_left "$id"
note "$id: B got $(sdp_crypto "$o.b.rx.sdp" | tr '\n' ',' | sed 's/,$//') + applied, answered tag $(cat "$o.b.tag"); A got $(sed -n 's/^m=audio [0-9]* \([A-Z/]*\).*/\1/p' "$o.a.rx.sdp") without keys"
HP_A_USER=uea

# ----- 3. hairpin_plain_peer "refuse": A e2ae -> B plain is refused -----
id=refuse o=$RUN_DIR/refuse
start_kamailio -n refuse "$E2AE_CFG" "MEDSEC_MODULE=\"$MEDSEC_MODULE\"" \
	"RTPENGINE_NG=\"udp:127.0.0.1:$RTPE_A_NG\"" WORKERS=2 \
	"SCSCF_URI=\"sip:127.0.0.1:$SCSCF_PORT\"" 'HAIRPIN_PLAIN_PEER="refuse"'
# the same UEs, registered again through the second P-CSCF
KAM_SIP_PORT=$KAM_REFUSE_SIP_PORT hairpin_register rega-r "$AE_PORT" uea
KAM_SIP_PORT=$KAM_REFUSE_SIP_PORT hairpin_register_plain regb-r "$BP_PORT" ueb
A_PORT=$AE_PORT B_PORT=$BP_PORT
A_MPORT=$(alloc_ports 2) B_MPORT=$(alloc_ports 2)
hairpin_scscf "sip:ueb@127.0.0.1:$B_PORT"
hairpin_ue_offer "$id" "$SUITE"
: >"$o.answer.sdp"
cid="$id-$$-$RANDOM@hairpin.test"
# B listens (it must get nothing); A expects the 488 with the Warning
e2ae_sipp "$id.b" e2ae_uas_call.xml "$B_PORT" -d 100 -key answer_sdp "$o.answer.sdp" \
	-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none
bpid=$BG_PID
e2ae_sipp_bound "$B_PORT"
e2ae_sipp "$id.a" e2ae_uac_refused.xml "$A_PORT" -cid_str "$cid" -key ruri "sip:ueb@ims.test" \
	-key user uea -key offer_sdp "$o.offer.sdp" "127.0.0.1:$KAM_REFUSE_SIP_PORT"
e2ae_sipp_wait "$id.a" "$BG_PID" "$id: A (the 488 with a Warning 399 ims_medsec)"
sleep 0.5
stop_pidfiles "$RUN_DIR/$id.b.bg.pid" sipp || true
wait "$bpid" 2>/dev/null || true
e2ae_mask_traces
sipp_msg_to "$o.a.488.msg" "$RUN_DIR/$id.a.trace" received '^SIP/2\.0 488 '
assert_grep "$o.a.488.msg" '^Warning: 399 ims_medsec "the called UE cannot receive e2ae media"' \
	"$id: A's 488 carries ims_medsec's Warning (the reason documented for hairpin_plain_peer)"
if sipp_saw "$RUN_DIR/$id.b.trace" received '^INVITE '; then
	fail "$id: B received an INVITE although the call was refused"
fi
hairpin_core_plain "$id" "$cid" "$id" "INVITE cseq=1 INVITE"
assert_grep "$RUN_DIR/kamailio-refuse.log" "media offer refused for $cid" \
	"$id: the second P-CSCF refused the offer to B"
# counted as a policy refusal on the second P-CSCF
e2ae_ctl
CTL="unix:$(readlink -f "$RUN_DIR/kamailio-refuse.run")/kamailio_ctl"
assert_eq "$(kam_stat e2ae_refused_policy)" 1 "$id: the refusal is counted in e2ae_refused_policy"
assert_eq "$(kam_stat hairpin_calls)" 1 "$id: and the call as a hairpin call"
e2ae_no_calls_left "$id"
note "$id: A got $(head -n 1 "$o.a.488.msg"), $(grep '^Warning:' "$o.a.488.msg"); B got nothing"

hairpin_core_all_plain "end of case"
assert_no_grep "$RUN_DIR/kamailio.log" 'media (offer|answer) refused|failed a check' \
	"no refusal in the first P-CSCF"
e2ae_no_calls_left "end of case"
