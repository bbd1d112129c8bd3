#!/usr/bin/env bash
# Hairpin e2ae call (issue 11): UE A and UE B, both registered with
# sdes-srtp;mediasec through the same P-CSCF, call each other; the INVITE
# passes the P-CSCF twice (UE side -> S-CSCF -> core side, same Call-ID,
# From tag and CSeq), each passage being its own leg on the gateway:
#
#   A --RTP/SAVP, crypto x2, requested--> P-CSCF (orig leg) --RTP/AVP-->
#     S-CSCF (test/scscf.cfg) --RTP/AVP--> P-CSCF (term leg)
#     --RTP/SAVP, policy crypto offers, applied--> B
#   media: A <-SRTP key A-> rtpengine <-RTP-> rtpengine <-SRTP key B-> B
#
#   1. "hp": A offers AES_CM_128_HMAC_SHA1_80 (tag 1) and _32 (tag 2) with
#      a=3ge2ae:requested; B picks AES_CM_128_HMAC_SHA1_80 with a key of
#      its own.  Checked: A receives RTP/SAVP on the gateway with exactly
#      one crypto line (tag 1, _80, a gateway key) and a=3ge2ae:applied; B
#      receives RTP/SAVP on the gateway with the policy suites' crypto
#      offers (_80 first) and a=3ge2ae:applied, keys that are none of A's
#      and another port than A's leg; the S-CSCF (the IMS core) relayed
#      only plain RTP/AVP on gateway ports, INVITE and 200; the media is
#      probed A<->B with srtp_probe --far-srtp (each UE its own keys, SRTP
#      and SRTCP both ways); rtpengine holds both legs ("<Call-ID>" and "<Call-ID>;mt")
#      while the call is up and no call after A's BYE; the P-CSCF counted
#      one hairpin call (ims_medsec:hairpin_calls);
#   2. "bye-b": the same call, but B picks AES_CM_128_HMAC_SHA1_32 (each
#      leg its own suite: the media is probed with A on _80, B on _32),
#      then B hangs up: A gets the BYE, rtpengine no call;
#   3. "cancel": A cancels while B rings: B gets the CANCEL, A the 487;
#   4. "busy": B answers 486: A gets it;
#   each of 2-4 held both legs while B rang or talked and leaves rtpengine
#   without a call;
#   5. "fork": the S-CSCF forks the INVITE to two contacts of B, both
#      registered with mediasec: each gets the gateway's offer on a port
#      and with keys of its own; the one that rings is cancelled when the
#      other answers and its branch is released on its 487; the media of
#      the answered one is probed as in 1.
#   At the end no SDP the S-CSCF relayed was secure, it logged no error,
#   and the P-CSCF counted 5 hairpin calls and 1 forked branch.
# The dialog that dies without BYE: 62-hairpin-vanish.sh.
#
# lab: ims
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
# shellcheck source=../hairpin.sh
. "$(dirname "$0")/../hairpin.sh"
setup_run
hairpin_lab
SUITE=AES_CM_128_HMAC_SHA1_80

# legs_up ID: rtpengine holds both legs of the call (hook while it rings
# or talks).
legs_up() {
	hairpin_assert_legs "$HP_CID" "$1: while B rings or talks"
	rngctl "$RTPE_A_NG" list >"$RUN_DIR/$1.list.up" 2>&1 || true
	e2ae_ctl
	kam "$1.sessions.up" ims_medsec.sessions
}
# up_probe ID: both legs held, then the media A<->B with each UE's keys:
# A sends with its key of the tag it got back, receives with the gateway's
# key of A's answer; B sends with its own key, receives with the gateway's
# key of the tag it picked.
up_probe() {
	local o=$RUN_DIR/$1 tag
	legs_up "$1"
	tag=$(sdp_crypto "$o.a.rx.sdp" | awk 'NR == 1 { print $1 }')
	[ -n "$tag" ] || fail "$1: no crypto line in A's answer"
	sdp_crypto_key "$o.a.rx.sdp" "$tag" >"$o.a.gw.key"
	hairpin_probe_far "$1" "$SUITE" "$o.a$tag.key" "$o.a.gw.key" \
		"$HP_B_SUITE" "$o.b.key" "$o.b.gw.key"
}

# ----- 1. the hairpin e2ae call, A hangs up -----
id=hp o=$RUN_DIR/hp
A_MPORT=$(alloc_ports 2) B_MPORT=$(alloc_ports 2)
hairpin_ue_offer "$id" "$SUITE" AES_CM_128_HMAC_SHA1_32
HP_A_KEYS=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto "$SUITE")
HP_B_KEYS=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto AES_CM_128_HMAC_SHA1_80)
HP_ON_OFFER=hairpin_b_answers HP_ON_UP=up_probe
hairpin_call "$id"
cid=$HP_CID
[ -s "$o.probe.log" ] || fail "$id: the media was not probed (no ACK at B in time?)"

# --- what A received: one crypto line of its offer's tag 1, a gateway key
hairpin_check_ue_answer "$o.a.rx.sdp" "$SUITE" 1 "$id: A's answer"
hairpin_not_own_key "$o.a.gw.key" "$id: A's answer" "$o.a1.key" "$o.a2.key"
# --- what B received: the gateway's own SDES offers, e2ae applied
hairpin_check_ue_offer "$o.b.rx.sdp" "$id: B's offer"
assert_grep "$o.b.rx.sdp" '^m=audio [0-9]+ RTP/SAVP 0 8$' "$id: B is offered A's codecs"
for t in $(sdp_crypto "$o.b.rx.sdp" | awk '{ print $1 }'); do
	sdp_crypto_key "$o.b.rx.sdp" "$t" >"$o.b.offered$t.key"
	hairpin_not_own_key "$o.b.offered$t.key" "$id: B's offer tag $t (A's keys must not pass)" \
		"$o.a1.key" "$o.a2.key" "$o.a.gw.key"
done
assert_ne "$(sdp_media_port "$o.a.rx.sdp")" "$(sdp_media_port "$o.b.rx.sdp")" \
	"$id: each leg has a gateway port of its own"
# --- what B's answer did to A and A's offer to B: nothing of the other's keys
hairpin_not_own_key "$o.a.gw.key" "$id: A's key from the gateway is not B's" "$o.b.key"
# --- the IMS core saw plain RTP/AVP only, both directions
hairpin_core_plain "$id" "$cid" "$id" "INVITE cseq=1 INVITE" "200 cseq=1 INVITE"
# ... on the gateway's core-side ports of each leg (A's and B's addresses
# stay on the access side)
hairpin_core_on_gateway "$id" "$cid" "$id"
# --- the P-CSCF handled both passages as e2ae legs
assert_grep "$RUN_DIR/kamailio.log" "call $cid: e2ae offer from the UE through gateway" \
	"$id: the first passage (A's leg) was an e2ae offer from the UE"
assert_grep "$RUN_DIR/kamailio.log" "call $cid: e2ae offer from the core through gateway" \
	"$id: the second passage (B's leg) was an e2ae offer from the core"
assert_ge "$(grep -c "call $cid: e2ae answer through gateway" "$RUN_DIR/kamailio.log")" 2 \
	"$id: the 200 went through both legs as an e2ae answer"
# --- ims_medsec.sessions listed the call's two legs while it was up, each
# e2ae on node 0, the caller's (orig) with A's suite; never a key
sess=$o.sessions.up
assert_eq "$(grep -c "callid: $cid\$" "$sess")" 2 "$id: ims_medsec.sessions lists two legs of the call"
assert_eq "$(sed -n 's/^[[:space:]]*leg: //p' "$sess" | sort | tr '\n' ' ')" "orig term " \
	"$id: one orig leg (A's passage) and one term leg (B's)"
assert_eq "$(sed -n 's/^[[:space:]]*mode: //p' "$sess" | sort -u)" e2ae "$id: both legs e2ae"
assert_eq "$(sed -n 's/^[[:space:]]*node: //p' "$sess" | sort -u)" 0 "$id: both legs on gateway node 0"
assert_grep "$sess" "^[[:space:]]*suite: $SUITE\$" "$id: the suite in use is listed"
assert_no_grep "$sess" 'inline:' "$id: no key in ims_medsec.sessions"
# --- counted once as a hairpin call (ims_medsec:hairpin_calls)
assert_eq "$(kam_stat hairpin_calls)" 1 "$id: the P-CSCF counted one hairpin call"
e2ae_no_calls_left "$id"
note "$id: A got $(sdp_crypto "$o.a.rx.sdp" | tr '\n' ' ')+ applied; B got $(sdp_crypto "$o.b.rx.sdp" | tr '\n' ',' | sed 's/,$//') + applied; S-CSCF saw: $(cut -d' ' -f2-4 "$o.scscf.sdp" | tr '\n' ';' | sed 's/;$//'); legs listed: $(grep -c '^ *- ' "$o.list.up")"

# ----- 2. B hangs up -----
id=bye-b o=$RUN_DIR/bye-b
A_MPORT=$(alloc_ports 2) B_MPORT=$(alloc_ports 2)
hairpin_ue_offer "$id" "$SUITE"
# B picks the other suite: each leg has its own (A _80, B _32), probed
# before B hangs up
HP_A_SF=fail_uac_wait_bye.xml HP_B_SF=hairpin_uas_bye.xml HP_B_D=2500
HP_A_KEYS=() HP_B_KEYS=()
HP_ON_OFFER=hairpin_b_answers HP_ON_UP=up_probe HP_B_SUITE=AES_CM_128_HMAC_SHA1_32
hairpin_call "$id"
HP_B_SUITE=$SUITE
[ -s "$o.probe.log" ] || fail "$id: the media was not probed (no ACK at B in time?)"
assert_eq "$(sdp_crypto "$o.b.tx.sdp" | awk '{ print $2 }')" AES_CM_128_HMAC_SHA1_32 \
	"$id: B answered with AES_CM_128_HMAC_SHA1_32"
sipp_received "$o.a.trace" | tr -d '\r' >"$o.a.rx"
assert_grep "$o.a.rx" '^BYE ' "$id: A received B's BYE"
msg_cseq "$o.b.bye200.msg" "$o.b.trace" received '^SIP/2\.0 200 ' '1 BYE' ||
	fail "$id: B's BYE got no 200"
hairpin_check_ue_answer "$o.a.rx.sdp" "$SUITE" 1 "$id: A's answer"
hairpin_core_plain "$id" "$HP_CID" "$id" "INVITE cseq=1 INVITE" "200 cseq=1 INVITE"
e2ae_no_calls_left "$id: after B's BYE"

# ----- 3. A cancels while B rings -----
id=cancel o=$RUN_DIR/cancel
A_MPORT=$(alloc_ports 2) B_MPORT=$(alloc_ports 2)
hairpin_ue_offer "$id" "$SUITE"
HP_A_SF=e2ae_uac_cancel.xml HP_B_SF=hairpin_uas_ring.xml HP_B_D=0
HP_ON_OFFER=legs_up HP_ON_UP=''
hairpin_call "$id" 1500
sipp_received "$o.a.trace" | tr -d '\r' >"$o.a.rx"
sipp_received "$o.b.trace" | tr -d '\r' >"$o.b.rx"
assert_grep "$o.a.rx" '^SIP/2\.0 180 ' "$id: A heard B ringing"
assert_grep "$o.a.rx" '^SIP/2\.0 487 ' "$id: A got the 487"
assert_grep "$o.b.rx" '^CANCEL ' "$id: the CANCEL reached B"
assert_grep "$o.b.rx" '^ACK ' "$id: B's 487 was acknowledged"
hairpin_check_ue_offer "$o.b.rx.sdp" "$id: B's offer"
hairpin_core_plain "$id" "$HP_CID" "$id" "INVITE cseq=1 INVITE"
e2ae_no_calls_left "$id: after the CANCEL"

# ----- 4. B is busy -----
id=busy o=$RUN_DIR/busy
A_MPORT=$(alloc_ports 2) B_MPORT=$(alloc_ports 2)
hairpin_ue_offer "$id" "$SUITE"
HP_A_SF=fail_uac_reject.xml HP_B_SF=fail_uas_reject.xml HP_B_D=800
HP_ON_OFFER=legs_up HP_ON_UP=''
hairpin_call "$id"
sipp_received "$o.a.trace" | tr -d '\r' >"$o.a.rx"
assert_grep "$o.a.rx" '^SIP/2\.0 486 ' "$id: A got B's 486"
hairpin_core_plain "$id" "$HP_CID" "$id" "INVITE cseq=1 INVITE"
e2ae_no_calls_left "$id: after the 486"

# ----- 5. the S-CSCF forks to two contacts of B, both e2ae -----
# B2 rings until cancelled, B answers: each contact gets a term leg branch
# of its own (port and keys), the cancelled one is released on its 487
id=fork o=$RUN_DIR/fork
B2_PORT=$(alloc_ports 1)
hairpin_register regb2 "$B2_PORT" ueb2
hairpin_scscf "sip:ueb@127.0.0.1:$B_PORT" "sip:ueb2@127.0.0.1:$B2_PORT"
A_MPORT=$(alloc_ports 2) B_MPORT=$(alloc_ports 2)
hairpin_ue_offer "$id" "$SUITE"
e2ae_sipp "$id.b2" hairpin_uas_ring.xml "$B2_PORT"
b2pid=$BG_PID
e2ae_sipp_bound "$B2_PORT"
HP_A_SF='' HP_B_SF='' HP_B_D=''
HP_A_KEYS=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto "$SUITE")
HP_B_KEYS=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto AES_CM_128_HMAC_SHA1_80)
HP_ON_OFFER=hairpin_b_answers HP_ON_UP=up_probe
hairpin_call "$id"
e2ae_sipp_wait "$id.b2" "$b2pid" "$id: B's second contact (rings, cancelled)"
[ -s "$o.probe.log" ] || fail "$id: the media was not probed (no ACK at B in time?)"
sipp_msg_to "$o.b2.rx.msg" "$RUN_DIR/$id.b2.trace" received '^INVITE '
msg_body "$o.b2.rx.msg" >"$o.b2.rx.sdp"
sipp_received "$RUN_DIR/$id.b2.trace" | tr -d '\r' >"$o.b2.rx"
assert_grep "$o.b2.rx" '^CANCEL ' "$id: the losing contact got the S-CSCF's CANCEL"
hairpin_check_ue_offer "$o.b.rx.sdp" "$id: contact 1's offer"
hairpin_check_ue_offer "$o.b2.rx.sdp" "$id: contact 2's offer"
assert_ne "$(sdp_media_port "$o.b.rx.sdp")" "$(sdp_media_port "$o.b2.rx.sdp")" \
	"$id: each contact has a gateway port of its own"
[ "$(sdp_crypto_key "$o.b.rx.sdp" 1)" != "$(sdp_crypto_key "$o.b2.rx.sdp" 1)" ] ||
	fail "$id: both contacts were offered the same gateway key"
hairpin_check_ue_answer "$o.a.rx.sdp" "$SUITE" 1 "$id: A's answer"
hairpin_core_plain "$id" "$HP_CID" "$id" "INVITE cseq=1 INVITE" "200 cseq=1 INVITE"
assert_grep "$RUN_DIR/kamailio.log" "call $HP_CID: a forked branch ended, 1 left" \
	"$id: the cancelled contact's branch was released on its 487"
e2ae_no_calls_left "$id"

# ----- the whole run -----
# five hairpin calls, the forked one counted once (its second contact is
# a forked branch), however close together the S-CSCF's two branches
# reached the P-CSCF
hp_n=$(kam_stat hairpin_calls) fork_n=$(kam_stat forked_branches)
assert_eq "$hp_n/$fork_n" 5/1 \
	"ims_medsec:hairpin_calls/forked_branches after five hairpin calls, one of them forked to two contacts"
hairpin_core_all_plain "end of case"
assert_no_grep "$RUN_DIR/kamailio.log" 'media (offer|answer) refused|failed a check' \
	"no refusal in the P-CSCF"
e2ae_no_calls_left "end of case"
note "A<->B hairpin e2ae: media probed with each UE's keys; BYE from either side, CANCEL and 486 leave no call"
