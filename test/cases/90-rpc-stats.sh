#!/usr/bin/env bash
# Statistics and RPC commands of ims_medsec, read through the ctl socket
# with kamcmd while the lab runs:
#
#   - after a registration with mediasec and one originating e2ae call
#     (_80 chosen): stats.get_statistics ims_medsec: shows
#     e2ae_applied_orig 1, suite_aes_cm_128_hmac_sha1_80 1, registrations 1,
#     registrations_mediasec 2 (401 and 200), agw_requests >= 2, sessions 0
#     after the BYE;
#   - ims_medsec.registrations lists the UE's contact;
#   - ims_medsec.sessions, while the call is up, shows its Call-ID, mode
#     e2ae, node 0, offerer ue and the chosen line, and no key;
#   - ims_medsec.nodes shows the node enabled with ping ok;
#   - ims_medsec.node_enable URI 0: a new call gets 503 (no enabled node),
#     nodes shows it disabled; node_enable URI 1: calls go through again;
#   - node_enable of an unknown node is a fault.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
e2ae_lab

e2ae_ctl
NODE_URI="udp:127.0.0.1:$RTPE_A_NG"

UE_PORT=$(alloc_ports 1)
e2ae_register reg "$UE_PORT" ue

kam regs.out ims_medsec.registrations
assert_grep "$RUN_DIR/regs.out" "contact: 127\\.0\\.0\\.1:$UE_PORT\$" "registrations lists the UE's contact"
assert_grep "$RUN_DIR/regs.out" 'protected: no$' "registrations: ealg=null is not protected signalling"
assert_eq "$(kam_stat registrations)" 1 "registrations gauge"
assert_eq "$(kam_stat registrations_mediasec)" 2 "mediasec indicated in the 401 and the 200"

# offer_file ID SUITE...: a UE offer with one crypto line per SUITE and
# a=3ge2ae:requested; an answer from the core.
offer_file() {
	local id=$1 o=$RUN_DIR/$1 tag=0 s
	shift
	UE_MPORT=$(alloc_ports 2)
	CORE_MPORT=$(alloc_ports 2)
	local -a offer=("m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000")
	for s in "$@"; do
		tag=$((tag + 1))
		srtp_gen_key "$s" >"$o.ue$tag.key"
		offer+=("a=crypto:$tag $s inline:$(cat "$o.ue$tag.key")")
	done
	offer+=("a=3ge2ae:requested" "a=sendrecv")
	e2ae_sdp_file "$o.offer.sdp" ue "${offer[@]}"
	e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
}

# While the call is up: the session table through RPC.
sessions_up() {
	kam "$1.sessions.out" ims_medsec.sessions
	kam "$1.stats-up.out" stats.get_statistics ims_medsec:
}
E2AE_ON_UP=sessions_up

UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto AES_CM_128_HMAC_SHA1_80)
CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
offer_file c1 AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32
e2ae_call c1 orig "$RUN_DIR/c1.offer.sdp" "$RUN_DIR/c1.answer.sdp" 3000
cid=$E2AE_CALL_ID
s=$RUN_DIR/c1.sessions.out
[ -s "$s" ] || fail "c1: ims_medsec.sessions was not read while the call was up"
assert_grep "$s" "callid: ${cid//./\\.}\$" "sessions shows the call"
assert_grep "$s" 'mode: e2ae$' "sessions: mode e2ae"
assert_grep "$s" 'node: 0$' "sessions: gateway node 0"
assert_grep "$s" 'offerer: ue$' "sessions: the UE offered"
assert_grep "$s" 'e2ae: yes$' "sessions: the audio line is e2ae"
assert_grep "$s" 'crypto: 1 AES_CM_128_HMAC_SHA1_80$' "sessions: the chosen tag and suite"
assert_eq "$(grep -c 'inline:' "$s" || true)" 0 "sessions prints no key"
assert_grep "$RUN_DIR/c1.stats-up.out" 'ims_medsec:sessions = 1$' "sessions gauge while the call is up"

kam stats.out stats.get_statistics ims_medsec:
note "after c1: $(tr '\n' ' ' <"$RUN_DIR/stats.out")"
assert_eq "$(kam_stat e2ae_applied_orig)" 1 "e2ae_applied_orig"
assert_eq "$(kam_stat e2ae_applied_term)" 0 "e2ae_applied_term"
assert_eq "$(kam_stat suite_aes_cm_128_hmac_sha1_80)" 1 "suite _80 counted"
assert_eq "$(kam_stat suite_aes_cm_128_hmac_sha1_32)" 0 "suite _32 not counted (offered, not chosen)"
assert_eq "$(kam_stat registrations)" 1 "registrations gauge after the call"
assert_ge "$(kam_stat agw_requests)" 2 "agw_requests (offer, answer, delete)"
assert_eq "$(kam_stat agw_failures)" 0 "agw_failures"
assert_eq "$(kam_stat e2ae_refused)" 0 "e2ae_refused"
assert_eq "$(kam_stat e2ae_failed)" 0 "e2ae_failed"
assert_eq "$(kam_stat sessions)" 0 "sessions gauge after the BYE"

kam nodes.out ims_medsec.nodes
assert_grep "$RUN_DIR/nodes.out" "uri: ${NODE_URI//./\\.}\$" "nodes lists the node"
assert_grep "$RUN_DIR/nodes.out" 'admin: enabled$' "nodes: enabled"
assert_grep "$RUN_DIR/nodes.out" 'ping: ok$' "nodes: ping ok from the RPC process"

# --- operator switch
# (kamcmd exits 0 after a fault: its text is the check)
kamcmd -s "$CTL" ims_medsec.node_enable udp:127.0.0.1:1 0 >"$RUN_DIR/bad.out" 2>&1 || true
assert_grep "$RUN_DIR/bad.out" '^error: 404 - No such rtpengine node$' "node_enable: unknown node refused"
kamcmd -s "$CTL" ims_medsec.node_enable "$NODE_URI" 2 >"$RUN_DIR/bad2.out" 2>&1 || true
assert_grep "$RUN_DIR/bad2.out" '^error: 400 ' "node_enable: state other than 0 or 1 refused"

kam disable.out ims_medsec.node_enable "$NODE_URI" 0
kam nodes-off.out ims_medsec.nodes
assert_grep "$RUN_DIR/nodes-off.out" 'admin: disabled$' "nodes: disabled"

offer_file c2 AES_CM_128_HMAC_SHA1_80
CID="c2-$$-$RANDOM@e2ae.test"
e2ae_sipp c2.core fail_uas_silent.xml "$SCSCF_PORT"
epid=$BG_PID
e2ae_sipp_bound "$SCSCF_PORT"
e2ae_sipp c2.ue fail_uac_reject.xml "$UE_PORT" -cid_str "$CID" \
	-key ruri "sip:bob@ims.test" -key user ue -key offer_sdp "$RUN_DIR/c2.offer.sdp" \
	"127.0.0.1:$KAM_SIP_PORT"
cpid=$BG_PID
e2ae_sipp_wait c2.ue "$cpid" "c2: the UE must get an error reply"
kill "$epid" 2>/dev/null || true
wait "$epid" 2>/dev/null || true
sipp_msg_to "$RUN_DIR/c2.ue.rx.msg" "$RUN_DIR/c2.ue.trace" received '^SIP/2\.0 503 '
assert_no_grep "$RUN_DIR/rtpengine-a.log" "\\[$CID" "c2: the disabled node never saw the call"
assert_eq "$(kam_stat e2ae_failed)" 1 "e2ae_failed counts the 503"
assert_eq "$(kam_stat e2ae_failed_agw_unavailable)" 1 "e2ae_failed_agw_unavailable counts the 503"
assert_eq "$(kam_stat e2ae_failed_agw_error)" 0 "e2ae_failed_agw_error"

kam enable.out ims_medsec.node_enable "$NODE_URI" 1
kam nodes-on.out ims_medsec.nodes
assert_grep "$RUN_DIR/nodes-on.out" 'admin: enabled$' "nodes: enabled again"

E2AE_ON_UP=''
offer_file c3 AES_CM_128_HMAC_SHA1_80
e2ae_call c3 orig "$RUN_DIR/c3.offer.sdp" "$RUN_DIR/c3.answer.sdp" 500
assert_eq "$(kam_stat e2ae_applied_orig)" 2 "service restored: the next call is e2ae"
e2ae_no_calls_left "end of case"
note "stats, registrations, sessions, nodes and node_enable checked through kamcmd"
