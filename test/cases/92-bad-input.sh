#!/usr/bin/env bash
# Robustness: a corpus of malformed SDP offers (and one oversized
# REGISTER) sent to the live example P-CSCF, one call each, from the
# registered e2ae UE (originating) and from the core to the UE's contact
# (terminating).  For every input: the caller gets a final reply (4xx/5xx,
# or a 200 when passing the call on is right: then it ACKs and hangs up at
# once), the reply matches what the input deserves (EXPECT below),
# Kamailio (its pidfile process) is still running and rtpengine holds no
# call afterwards.  A table of the outcomes (status, Warning) is printed
# as NOTE lines.  Data: test/bad-input/ (static bodies), the rest is
# generated into the run directory.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
e2ae_lab
BAD_DIR=$REPO_ROOT/test/bad-input

UE_PORT=$(alloc_ports 1)
e2ae_register reg "$UE_PORT" ue

K80=$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)
K256=$(srtp_gen_key AES_256_CM_HMAC_SHA1_80)
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)


BAD_UNEXPECTED=()
TABLE=$RUN_DIR/table.txt
printf "%-16s %-4s %-16s %-4s %-4s %-52s %s\n" input dir expect got rtpe Warning "ims_medsec log" >"$TABLE"

kam_alive() { _pid_of "$KAM_PIDFILE" kamailio >/dev/null; }

# ----- a REGISTER whose Security-Client has 1,000 entries -----
# Over the parser's limit (64 mechanisms): the value is not recognised, so
# the UE registers without e2ae (no mediasec in the 401 or the 200); it must
# not crash or stall Kamailio.  Before the core's answerer takes the
# S-CSCF port.
sc=''
for t in $(seq 1 999); do sc+="x-mech-$t;q=0.$((t % 10)), "; done
sc+="sdes-srtp;mediasec"
REG_PORT=$(alloc_ports 1)
rc=0
(e2ae_register big "$REG_PORT" big -key sec_client "$sc" -key exp401 none -key exp200 none) >"$RUN_DIR/big-register.out" 2>&1 || rc=$?
code=$(sipp_received "$RUN_DIR/big.ue.trace" 2>/dev/null | awk '$2 ~ /^[2-6][0-9][0-9]$/ { c = $2 } END { print c }')
printf "%-16s %-4s %-16s %-4s %-4s %s\n" register-sc1000 reg 200 "${code:-none}" \
	"$([ "$rc" = 0 ] && echo "registered, no mediasec (over the limit)" || echo "register steps failed (exit $rc)")" >>"$TABLE"
kam_alive || fail "register-sc1000: Kamailio is no longer running"
[ "$rc" = 0 ] || fail "register-sc1000: $(tail -n 3 "$RUN_DIR/big-register.out" | tr '\n' ' ')"

# The callees: the core (answering plain RTP) on SCSCF_PORT for the whole
# case; the UE (answering SRTP, tag 1 of the AGW's best suite) on UE_PORT
# for the terminating part (the originating INVITEs come from UE_PORT: the
# registered contact).  Stopped through their pidfiles by the EXIT trap.
e2ae_sdp_file "$RUN_DIR/core.answer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" \
	"a=rtpmap:0 PCMU/8000" "a=sendrecv"
e2ae_sdp_file "$RUN_DIR/ue.answer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" \
	"a=rtpmap:0 PCMU/8000" "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$K80" "a=sendrecv"
e2ae_sipp core.uas bad_uas_answer.xml "$SCSCF_PORT" -m 1000 -timeout 0 \
	-key answer_sdp "$RUN_DIR/core.answer.sdp"
e2ae_sipp_bound "$SCSCF_PORT"

# bad ID DIR EXPECT BODYFILE: send the INVITE with BODYFILE (orig: the UE
# calls the core; term: the core calls the UE's contact); the final status
# must match the ERE EXPECT.
bad() {
	local id=$1 dir=$2 expect=$3 body=$4 cid pid rc=0 port rport ruri user code warn how leak row
	case $dir in
	orig) port=$UE_PORT rport=$KAM_SIP_PORT ruri="sip:bob@ims.test" user=ue ;;
	term) port=$(alloc_ports 1) rport=$KAM_CORE_PORT ruri="sip:ue@127.0.0.1:$UE_PORT" user=core ;;
	esac
	cid="bad-$id-$$-$RANDOM@e2ae.test"
	e2ae_sipp "$id.uac" bad_uac_invite.xml "$port" -cid_str "$cid" -recv_timeout 8000 \
		-key ruri "$ruri" -key user "$user" -key body "$body" "127.0.0.1:$rport"
	pid=$BG_PID
	wait "$pid" || rc=$?
	e2ae_mask_traces
	code=$(sipp_received "$RUN_DIR/$id.uac.trace" | awk '$2 ~ /^[2-6][0-9][0-9]$/ { c = $2 } END { print c }')
	warn=''
	if [ -n "$code" ] && sipp_msg "$RUN_DIR/$id.uac.trace" received "^SIP/2\\.0 $code " >"$RUN_DIR/$id.final.msg"; then
		warn=$(msg_hdrs "$RUN_DIR/$id.final.msg" | sed -n 's/^Warning: *//p' | head -n 1)
	fi
	how=$(grep -F "call $cid: " "$RUN_DIR/kamailio.log" | grep -F ims_medsec | tail -n 1 | sed "s/.*call [^ ]*: //" | cut -c1-60 || true)
	leak=
	if ! wait_until 5 ng_no_calls "$RTPE_A_NG"; then
		leak=LEAK
		note "UNEXPECTED: $id: rtpengine still holds the call after it ended: $(rngctl "$RTPE_A_NG" list 2>&1 | tr "\n" " ")"
		BAD_UNEXPECTED+=("$id(leak)")
		# release it, so that the next inputs are judged on their own
		# (its from-tag is the caller sipp's: [pid]bad[call_number])
		rngctl "$RTPE_A_NG" delete "$cid" "${pid}bad1" >/dev/null 2>&1 || true
	fi
	row=$(printf "%-16s %-4s %-16s %-4s %-4s %-52s %s" "$id" "$dir" "$expect" "${code:-none}" "${leak:-ok}" "${warn:--}" "${how:--}")
	echo "$row" >>"$TABLE"
	note "NOTE: $row"
	kam_alive || fail "$id: Kamailio is no longer running after this input"
	[ -n "$code" ] || fail "$id: no final reply (sipp exit $rc): $(tail -n 3 "$RUN_DIR/$id.uac.errors.log" 2>/dev/null | tr '\n' ' ')"
	if ! [[ $code =~ ^($expect)$ ]]; then
		note "UNEXPECTED: $id: final reply $code, expected $expect (Warning: ${warn:--})"
		BAD_UNEXPECTED+=("$id")
	fi
}

# offer ID DIR EXPECT LINE...: an SDP with the usual header lines and LINE...
offer() {
	local id=$1 dir=$2 expect=$3
	shift 3
	e2ae_sdp_file "$RUN_DIR/$id.body" "$dir" "$@"
	bad "$id" "$dir" "$expect" "$RUN_DIR/$id.body"
}
M="m=audio $UE_MPORT RTP/SAVP 0"
R="a=rtpmap:0 PCMU/8000"
Q="a=3ge2ae:requested"
# savp ID EXPECT CRYPTO-LINE...: an e2ae offer from the UE with those lines.
savp() {
	local id=$1 expect=$2
	shift 2
	offer "$id" orig "$expect" "$M" "$R" "$@" "$Q" "a=sendrecv"
}

# ----- originating: the e2ae UE's offers -----
savp trunc-suite 488 "a=crypto:1 AES_CM_128_HMAC_SHA1_80"
savp trunc-inline 488 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:"
savp trunc-tag 488 "a=crypto:1"
savp trunc-key 488 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:${K80:0:20}"
savp bad-base64 488 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:!!!!notbase64@@@@####\$\$\$\$%%%%^^^^&&&&****"
savp keylen-long 488 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$K256"
savp tag0 '200|488' "a=crypto:0 AES_CM_128_HMAC_SHA1_80 inline:$K80"
savp tag-10digit 488 "a=crypto:1234567890 AES_CM_128_HMAC_SHA1_80 inline:$K80"
savp dup-tags '200|488' "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$K80" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_32 inline:$(srtp_gen_key AES_CM_128_HMAC_SHA1_32)"
savp lifetime-2^99 488 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$K80|2^99"
savp mki-len0 488 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$K80|1:0"
savp mki-len200 488 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$K80|1:200"
savp unknown-suite 488 "a=crypto:1 AES_CM_999_HMAC_SHA9_80 inline:$K80"
savp lower-suite '200|488' "a=crypto:1 aes_cm_128_hmac_sha1_80 inline:$K80"
lines=()
for t in $(seq 1 100); do lines+=("a=crypto:$t AES_CM_128_HMAC_SHA1_80 inline:$K80"); done
savp crypto-x100 '200|488' "${lines[@]}"
lines=()
for t in $(seq 1 50); do lines+=("$M" "$R" "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$K80" "$Q"); done
offer mlines-x50 orig 488 "${lines[@]}"
savp 3ge2ae-novalue '200|488' "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$K80" "a=3ge2ae" "a=3ge2ae:"
offer 3ge2ae-only orig '200|488' "$M" "$R" "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$K80" "a=3ge2ae" "a=sendrecv"
savp stray-cr 488 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inl"$'\r'"ine:$K80"
bad not-sdp orig '4[0-9][0-9]|500' "$BAD_DIR/not-sdp.body"
: >"$RUN_DIR/empty.body"
bad empty-body orig '200|4[0-9][0-9]' "$RUN_DIR/empty.body"

# ----- terminating: the core's offers to the e2ae UE -----
e2ae_sipp ue.uas bad_uas_answer.xml "$UE_PORT" -m 1000 -timeout 0 \
	-key answer_sdp "$RUN_DIR/ue.answer.sdp"
e2ae_sipp_bound "$UE_PORT"
TM="m=audio $CORE_MPORT RTP/AVP 0"
lines=()
for t in $(seq 1 50); do lines+=("$TM" "$R"); done
offer t-mlines-x50 term 488 "${lines[@]}"
offer t-3ge2ae-novalue term '200|488' "$TM" "$R" "a=3ge2ae" "a=sendrecv"
offer t-stray-cr term '200|4[0-9][0-9]' "$TM" "$R" "a=rtp"$'\r'"map:0 PCMU/8000" "a=sendrecv"
offer t-savp-badkey term '200|488' "m=audio $CORE_MPORT RTP/SAVP 0" "$R" \
	"a=crypto:0 AES_CM_128_HMAC_SHA1_80 inline:!!bad!!|2^99|1:200" "a=sendrecv"
bad t-not-sdp term '4[0-9][0-9]|500' "$BAD_DIR/not-sdp.body"
bad t-empty-body term '200|4[0-9][0-9]' "$RUN_DIR/empty.body"


while IFS= read -r l; do note "NOTE: $l"; done <"$TABLE" # the whole table once more
[ ${#BAD_UNEXPECTED[@]} = 0 ] || fail "unexpected outcomes: ${BAD_UNEXPECTED[*]}"
kam_alive || fail "Kamailio is no longer running"
assert_no_grep "$RUN_DIR/kamailio.log" 'CRITICAL|[Ss]egmentation|core dump|BUG' "no crash or bug report in the Kamailio log"
e2ae_no_calls_left "end of case"
note "NOTE: Kamailio still running, rtpengine holds no call"
