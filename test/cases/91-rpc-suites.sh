#!/usr/bin/env bash
# The e2ae suite list changed at run time (ims_medsec.suites,
# ims_medsec.suites_set) and the statistics by reason, through kamcmd on
# the ctl socket while the lab runs (the UE registered with
# sdes-srtp;mediasec):
#
#   - ims_medsec.suites shows the modparam's list (_80 _32), count 2,
#     generation 1;
#   - suites_set AES_CM_128_HMAC_SHA1_32: the reply and ims_medsec.suites
#     show it with generation 2, Kamailio logs the change;
#   - a terminating e2ae call: the UE is offered the _32 line only and
#     answers it (e2ae applied, suite _32 counted);
#   - an originating offer with only an _80 line: 488 "no acceptable
#     crypto line for e2ae", counted by e2ae_refused and
#     e2ae_refused_no_acceptable_crypto;
#   - suites_set back to "_80,_32" (generation 3): an originating offer with
#     only _80 is e2ae again;
#   - invalid lists (NULL_HMAC_SHA1_80, F8_128_HMAC_SHA1_80, "", FOO, a
#     suite twice) are faults (400, with the reason) and change nothing
#     (same list, same generation);
#   - node_enable 0: an e2ae offer gets a 503, counted by e2ae_failed and
#     e2ae_failed_agw_unavailable; the other reasons stay 0.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
e2ae_lab

e2ae_ctl
NODE_URI="udp:127.0.0.1:$RTPE_A_NG"
S80=AES_CM_128_HMAC_SHA1_80
S32=AES_CM_128_HMAC_SHA1_32

# assert_suites FILE LIST GEN WHAT: an ims_medsec.suites(_set) reply.
assert_suites() {
	local n
	n=$(wc -w <<<"$2")
	assert_grep "$1" "^[[:space:]]*suites: $2\$" "$4: suites"
	assert_grep "$1" "^[[:space:]]*count: $n\$" "$4: count"
	assert_grep "$1" "^[[:space:]]*generation: $3\$" "$4: generation"
}

UE_PORT=$(alloc_ports 1)
e2ae_register reg "$UE_PORT" ue

# --- show, set
kam suites0.out ims_medsec.suites
assert_suites "$RUN_DIR/suites0.out" "$S80 $S32" 1 "at start: the modparam's list"

kam set32.out ims_medsec.suites_set "$S32"
assert_suites "$RUN_DIR/set32.out" "$S32" 2 "suites_set reply"
kam suites1.out ims_medsec.suites
assert_suites "$RUN_DIR/suites1.out" "$S32" 2 "after suites_set"
assert_grep "$RUN_DIR/kamailio.log" "e2ae suites set to '$S32' by the operator \\(generation 2\\)" \
	"Kamailio logged the change"

# --- a terminating e2ae call: the UE is offered _32 only
ue_answers() {
	local id=$1 o=$RUN_DIR/$1 tag
	sipp_msg_to "$o.ue.rx.msg" "$o.ue.trace" received '^INVITE '
	msg_body "$o.ue.rx.msg" >"$o.ue.rx.sdp"
	tag=$(sdp_crypto "$o.ue.rx.sdp" | awk -v s="$S32" '$2 == s { print $1; exit }')
	[ -n "$tag" ] || fail "$id: the UE was offered no $S32 line: $(sdp_crypto "$o.ue.rx.sdp" | tr '\n' ' ')"
	e2ae_sdp_file "$o.answer.tmp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
		"a=crypto:$tag $S32 inline:$(srtp_gen_key "$S32")" "a=sendrecv"
	mv "$o.answer.tmp" "$o.answer.sdp"
}
E2AE_ON_OFFER=ue_answers
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
o=$RUN_DIR/t32
e2ae_sdp_file "$o.offer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto "$S32")
CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
e2ae_call t32 term "$o.offer.sdp" "$o.answer.sdp" 500
E2AE_ON_OFFER=''
assert_eq "$(sdp_crypto "$o.ue.rx.sdp" | awk '{ print $2 }' | tr '\n' ' ')" "$S32 " \
	"t32: the UE is offered the _32 line only"
assert_grep "$o.ue.rx.sdp" '^a=3ge2ae:applied$' "t32: e2ae applied toward the UE"
assert_no_grep "$o.core.rx.sdp" '^a=crypto' "t32: no crypto line toward the core"
assert_eq "$(kam_stat e2ae_applied_term)" 1 "t32: e2ae_applied_term"
assert_eq "$(kam_stat suite_aes_cm_128_hmac_sha1_32)" 1 "t32: the _32 suite counted"
e2ae_no_calls_left t32

# ue_offer FILE SUITE...: an e2ae offer of the UE with one line per SUITE.
ue_offer() {
	local f=$1 tag=0 s
	local -a lines=("m=audio $(alloc_ports 2) RTP/SAVP 0" "a=rtpmap:0 PCMU/8000")
	shift
	for s in "$@"; do
		tag=$((tag + 1))
		lines+=("a=crypto:$tag $s inline:$(srtp_gen_key "$s")")
	done
	lines+=("a=3ge2ae:requested" "a=sendrecv")
	e2ae_sdp_file "$f" ue "${lines[@]}"
}

# --- an originating offer with _80 only: 488
ue_offer "$RUN_DIR/o80.offer.sdp" "$S80"
cid="o80-$$-$RANDOM@e2ae.test"
e2ae_sipp o80.ue e2ae_uac_refused.xml "$UE_PORT" -cid_str "$cid" \
	-key ruri "sip:bob@ims.test" -key user ue -key offer_sdp "$RUN_DIR/o80.offer.sdp" \
	"127.0.0.1:$KAM_SIP_PORT"
e2ae_sipp_wait o80.ue "$BG_PID" "o80: the UE must get a 488"
sipp_msg_to "$RUN_DIR/o80.rx.msg" "$RUN_DIR/o80.ue.trace" received '^SIP/2\.0 488 '
assert_grep "$RUN_DIR/o80.rx.msg" '^Warning: 399 ims_medsec "no acceptable crypto line for e2ae"$' \
	"o80: the 488's Warning"
assert_grep "$RUN_DIR/kamailio.log" "offer refused \\(call $cid\\): no acceptable crypto line for e2ae: crypto suite not allowed" \
	"o80: the P-CSCF logged why"
assert_eq "$(kam_stat e2ae_refused)" 1 "o80: e2ae_refused"
assert_eq "$(kam_stat e2ae_refused_no_acceptable_crypto)" 1 "o80: e2ae_refused_no_acceptable_crypto"
assert_eq "$(kam_stat e2ae_refused_policy)" 0 "o80: e2ae_refused_policy"
assert_eq "$(kam_stat e2ae_refused_malformed_sdp)" 0 "o80: e2ae_refused_malformed_sdp"
assert_eq "$(kam_stat e2ae_refused_answer)" 0 "o80: e2ae_refused_answer"

# --- set back: the same offer is e2ae again
kam setback.out ims_medsec.suites_set "$S80,$S32"
assert_suites "$RUN_DIR/setback.out" "$S80 $S32" 3 "suites_set back"
ue_offer "$RUN_DIR/b80.offer.sdp" "$S80"
e2ae_sdp_file "$RUN_DIR/b80.answer.sdp" core "m=audio $(alloc_ports 2) RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto "$S80")
e2ae_call b80 orig "$RUN_DIR/b80.offer.sdp" "$RUN_DIR/b80.answer.sdp" 500
assert_eq "$(kam_stat e2ae_applied_orig)" 1 "b80: e2ae applied with _80 again"
assert_eq "$(kam_stat e2ae_refused)" 1 "b80: nothing more refused"
e2ae_no_calls_left b80

# --- invalid lists: a fault with the reason, nothing changes
# (kamcmd exits 0 after a fault: its text is the check)
bad_list() {
	local id=$1 list=$2 why=$3
	kamcmd -s "$CTL" ims_medsec.suites_set "$list" >"$RUN_DIR/$id.out" 2>&1 || true
	assert_grep "$RUN_DIR/$id.out" "^error: 400 - .*$why" "suites_set '$list' is a fault"
	kam "$id.after.out" ims_medsec.suites
	assert_suites "$RUN_DIR/$id.after.out" "$S80 $S32" 3 "after suites_set '$list'"
	note "suites_set '$list': $(head -n 1 "$RUN_DIR/$id.out")"
}
bad_list bad-null NULL_HMAC_SHA1_80 'NULL and F8 suites are never allowed'
bad_list bad-f8 F8_128_HMAC_SHA1_80 'NULL and F8 suites are never allowed'
bad_list bad-mixed "$S32 NULL_HMAC_SHA1_32" 'NULL and F8 suites are never allowed'
bad_list bad-empty '' '(empty suite list|Expected: a suite list)'
bad_list bad-blank ' , ' 'empty suite list'
bad_list bad-foo FOO 'unknown crypto suite in list'
bad_list bad-twice "$S80 $S80" 'suite listed twice'
kamcmd -s "$CTL" ims_medsec.suites_set >"$RUN_DIR/bad-none.out" 2>&1 || true
assert_grep "$RUN_DIR/bad-none.out" '^error: 400 ' "suites_set without a list is a fault"

# --- AGW unavailable: 503, counted by reason
kam disable.out ims_medsec.node_enable "$NODE_URI" 0
ue_offer "$RUN_DIR/u503.offer.sdp" "$S80"
cid="u503-$$-$RANDOM@e2ae.test"
e2ae_sipp u503.core fail_uas_silent.xml "$SCSCF_PORT"
epid=$BG_PID
e2ae_sipp_bound "$SCSCF_PORT"
e2ae_sipp u503.ue fail_uac_reject.xml "$UE_PORT" -cid_str "$cid" \
	-key ruri "sip:bob@ims.test" -key user ue -key offer_sdp "$RUN_DIR/u503.offer.sdp" \
	"127.0.0.1:$KAM_SIP_PORT"
e2ae_sipp_wait u503.ue "$BG_PID" "u503: the UE must get an error reply"
stop_pidfiles "$RUN_DIR/u503.core.bg.pid" sipp || true
wait "$epid" 2>/dev/null || true
sipp_msg_to "$RUN_DIR/u503.rx.msg" "$RUN_DIR/u503.ue.trace" received '^SIP/2\.0 503 '
assert_eq "$(kam_stat e2ae_failed)" 1 "u503: e2ae_failed"
assert_eq "$(kam_stat e2ae_failed_agw_unavailable)" 1 "u503: e2ae_failed_agw_unavailable"
assert_eq "$(kam_stat e2ae_failed_agw_error)" 0 "u503: e2ae_failed_agw_error"
assert_eq "$(kam_stat e2ae_refused)" 1 "u503: not a refusal"
kam enable.out ims_medsec.node_enable "$NODE_URI" 1

kam stats.out stats.get_statistics ims_medsec:
note "statistics: $(grep -E 'e2ae_(refused|failed)' "$RUN_DIR/stats.out" | tr '\n' ' ')"
assert_no_grep "$RUN_DIR/kamailio.log" 'CRITICAL|segfault|core dump' "Kamailio stayed healthy"
e2ae_no_calls_left "end of case"
note "suites shown and set at run time (new offers follow, faults change nothing); refusals and failures counted by reason"
