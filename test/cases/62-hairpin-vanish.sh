#!/usr/bin/env bash
# A hairpin e2ae call (UE A and UE B registered with sdes-srtp;mediasec
# through the same P-CSCF, see 62-hairpin-e2ae.sh) whose dialog dies
# without a BYE does not live forever on the gateway (ims_medsec
# session_timeout=10 s): the call is set up (INVITE, 200, ACK through both
# passages), rtpengine holds both legs ("<Call-ID>" and "<Call-ID>;mt"),
# then nobody says anything more and no media flows: within
# session_timeout + a few seconds rtpengine holds neither leg, and the
# P-CSCF logs that it deleted the call on the gateway.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
# shellcheck source=../hairpin.sh
. "$(dirname "$0")/../hairpin.sh"
setup_run
E2AE_KAM_DEFINES=(SESSION_TIMEOUT=10)
hairpin_lab
SUITE=AES_CM_128_HMAC_SHA1_80

id=dead o=$RUN_DIR/dead
A_MPORT=$(alloc_ports 2) B_MPORT=$(alloc_ports 2)
hairpin_ue_offer "$id" "$SUITE"
HP_A_SF=life_uac_vanish.xml HP_B_SF=hairpin_uas_vanish.xml
HP_ON_OFFER=hairpin_b_answers
hairpin_call "$id"
cid=$HP_CID
# the call was set up as a hairpin e2ae call
hairpin_check_ue_answer "$o.a.rx.sdp" "$SUITE" 1 "$id: A's answer"
hairpin_check_ue_offer "$o.b.rx.sdp" "$id: B's offer"
hairpin_core_plain "$id" "$cid" "$id" "INVITE cseq=1 INVITE" "200 cseq=1 INVITE"
# both legs are on the gateway once the sipps ended (no BYE, no media)
hairpin_assert_legs "$cid" "$id: after the ACK"

gone() { ! ng_holds "$RTPE_A_NG" "$cid" && ! ng_holds "$RTPE_A_NG" "$cid;mt"; }
start=$SECONDS
wait_until 25 gone || {
	rngctl "$RTPE_A_NG" list >"$o.list.out" 2>&1 || true
	fail "$id: rtpengine still holds a leg 25 s after the call's last message: $(tr '\n' ' ' <"$o.list.out")"
}
note "$id: both legs deleted on the gateway $((SECONDS - start)) s after the ACK (session_timeout 10 s)"
assert_grep "$RUN_DIR/kamailio.log" 'calls without a message for 10 s: 0 kept \(media flows\), [1-9][0-9]* deleted on the gateway' \
	"$id: the P-CSCF deleted the dead call on the gateway"
assert_grep "$RUN_DIR/rtpengine-a.log" "\\[${cid};mt\\]: .*Received command 'delete'" \
	"$id: rtpengine got the delete of B's leg"
assert_grep "$RUN_DIR/rtpengine-a.log" "\\[${cid}\\]: .*Received command 'delete'" \
	"$id: rtpengine got the delete of A's leg"
hairpin_core_all_plain "end of case"
e2ae_no_calls_left "end of case"
