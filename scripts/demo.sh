#!/usr/bin/env bash
# make demo: real e2ae calls through Kamailio (ims_medsec) and rtpengine on
# 127.0.0.1, showing what the P-CSCF changed and proving the media.
#
#   1. a UE registers with Security-Client: sdes-srtp;mediasec;
#   2. the UE makes an originating e2ae call (RTP/SAVP, a=3ge2ae:requested);
#   3. the core makes a terminating call to the UE (plain RTP/AVP).
# For each call it prints the SDP one side sent beside what the other side
# received (changed lines marked, keys masked), the suite chosen, and the
# verdict of the media probe (SRTP on the UE leg, plain RTP on the core
# leg, both ways, with packet counts).  Everything is stopped at the end.
set -euo pipefail
cd "$(dirname "$0")/.."
export REPO_ROOT=$PWD BUILD_DIR=${BUILD_DIR:-$PWD/build}
export TEST_OUT=${DEMO_OUT:-$(mktemp -d "${TMPDIR:-/tmp}/ims_medsec-demo.XXXXXX")}
export TEST_NAME=demo
unset RUN_DIR
# shellcheck source=../test/lib.sh
. test/lib.sh
setup_run
D=$REPO_ROOT/scripts/demo
PROBE=$BUILD_DIR/bin/srtp_probe
HOLD_MS=${HOLD_MS:-4000}
# DEMO_IP=::1 runs the UE, the core and the media over IPv6.
ip=${DEMO_IP:-127.0.0.1}
h=$(hostport "$ip" 0)
h=${h%:0}
# DEMO_KEMI=1 routes with the Lua (KEMI) variant of the example config.
kemi=()
if [ "${DEMO_KEMI:-0}" = 1 ]; then
	kemi=(WITH_KEMI_LUA "KEMI_LUA_SCRIPT=\"$REPO_ROOT/etc/ims_medsec-pcscf.lua\"")
fi
rtpe_v6=()
if [ "$ip" != 127.0.0.1 ]; then
	export KAM_IP6=$ip
	rtpe_v6=(--interface="$ip")
fi

bold=$'\e[1m' red=$'\e[31m' green=$'\e[32m' off=$'\e[0m'
[ -t 1 ] || bold='' red='' green='' off=''
say() { printf '%s\n' "$*"; }

# sdp_of LOG DIRECTION FIRSTLINE-REGEX: the SDP body of the first message of
# that direction ("sent"/"received") in a sipp message log whose first line
# matches.
sdp_of() {
	awk -v dir="$2" -v re="$3" '
		/^-{10,} / { inmsg = 0; body = 0; next }
		$0 ~ "^UDP message " dir { inmsg = 1; first = 1; next }
		inmsg && first && /^\r?$/ { next }
		inmsg && first { first = 0; if ($0 !~ re) inmsg = 0; next }
		inmsg && !body && /^\r?$/ { body = 1; next }
		inmsg && body && /^\r?$/ { if (found) exit; next }
		inmsg && body { found = 1; sub(/\r$/, ""); print }
	' "$1"
}

# call_sdps PREFIX OFFERER ANSWERER: the four SDPs of a call from the two
# sipp message logs: PREFIX-{offerer,answerer}-{sent,got}.sdp.
call_sdps() {
	local o=$RUN_DIR/$2.messages.log a=$RUN_DIR/$3.messages.log
	sdp_of "$o" sent '^INVITE ' >"$RUN_DIR/$1-offerer-sent.sdp"
	sdp_of "$a" received '^INVITE ' >"$RUN_DIR/$1-answerer-got.sdp"
	sdp_of "$a" sent '^SIP/2.0 200' >"$RUN_DIR/$1-answerer-sent.sdp"
	sdp_of "$o" received '^SIP/2.0 200' >"$RUN_DIR/$1-offerer-got.sdp"
}

# show TITLE FROM-LABEL FROM-FILE TO-LABEL TO-FILE: a marked diff, keys masked.
show() {
	say ""
	say "${bold}$1${off}   ($2 -> $4)"
	diff --old-line-format="${red}  - %L${off}" --new-line-format="${green}  + %L${off}" \
		--unchanged-line-format='    %L' <(sdes_mask <"$3") <(sdes_mask <"$5") || true
}

sipp_bg() { # NAME SCENARIO ARGS...: a sipp in the background
	local name=$1 sf=$2
	shift 2
	mapfile -t common < <(sipp_args "$name")
	start_bg "$name" sipp "$SIPP" -sf "$D/$sf" "${common[@]}" -i "$ip" -m 1 \
		-key ue_host "$h" "$@"
}

sipp_wait() { # NAME PID
	local rc=0
	wait "$2" || rc=$?
	assert_sipp_ok "$1" "$rc" "the $1 side of the demo call failed"
}

say "${bold}ims_medsec demo${off}: UE (SIPp) -- Kamailio P-CSCF with ims_medsec -- core (SIPp); rtpengine is the IMS-AGW"
start_rtpengine agw --log-level-control=6 --log-level-crypto=6 --log-level-srtp=6 \
	"${rtpe_v6[@]}" >/dev/null 2>&1
scscf=$(alloc_ports 1)
ue_sip=$(alloc_ports 1)
ue_m=$(alloc_ports 2)
core_m=$(alloc_ports 2)
start_kamailio etc/ims_medsec-pcscf.cfg "RTPENGINE_NG=\"udp:127.0.0.1:$RTPE_AGW_NG\"" \
	"MEDSEC_MODULE=\"$MEDSEC_MODULE\"" "SCSCF_URI=\"sip:$h:$scscf\"" WORKERS=2 "${kemi[@]}" \
	2>/dev/null
say "  P-CSCF UE side $h:$KAM_SIP_PORT, core side $h:$KAM_CORE_PORT; S-CSCF $h:$scscf; UE $h:$ue_sip"

# ----- 1. registration -----
sipp_bg scscf-reg scscf_register.xml -p "$scscf" -key ue_port "$ue_sip"
s_pid=$BG_PID
sipp_bg ue-reg ue_register.xml -p "$ue_sip" "$h:$KAM_SIP_PORT"
sipp_wait ue-reg "$BG_PID"
sipp_wait scscf-reg "$s_pid"
say ""
say "${bold}1. Registration${off}"
grep -m1 '^Security-Client:' "$RUN_DIR/ue-reg.messages.log" | sed 's/^/  UE sent      /'
awk '/^SIP\/2.0 401/{p=1} /^SIP\/2.0 200/{p=2} p && /^Security-Server:/{print "  UE got (" (p==1?"401":"200") ") " $0}' \
	"$RUN_DIR/ue-reg.messages.log"

media_probe() { # UE-OWN-SDP UE-GOT-SDP CORE-GOT-SDP ONE-LINE-SDP
	# ONE-LINE-SDP is the side's SDP with the single, agreed crypto line:
	# the UE's answer (terminating) or the answer the UE got (originating)
	local own=$1 got=$2 core=$3 tag suite
	read -r tag suite < <(sdp_crypto "$4")
	sdp_crypto_key "$own" "$tag" >"$RUN_DIR/tx.key"
	sdp_crypto_key "$got" "$tag" >"$RUN_DIR/rx.key"
	say "  suite agreed: a=crypto:$tag $suite"
	"$PROBE" --suite "$suite" --rtcp \
		--ue-local "$h:$ue_m" --ue-remote "$(hostport "$(sdp_conn_addr "$got")" "$(sdp_media_port "$got")")" \
		--ue-tx-key-file "$RUN_DIR/tx.key" --ue-rx-key-file "$RUN_DIR/rx.key" \
		--core-local "$h:$core_m" \
		--core-remote "$(hostport "$(sdp_conn_addr "$core")" "$(sdp_media_port "$core")")" \
		>"$RUN_DIR/probe.out" 2>&1 || true
	say "  media probe (SRTP on the UE leg, RTP on the core leg):"
	sed 's/^/    /' "$RUN_DIR/probe.out"
	grep -q '^VERDICT: PASS' "$RUN_DIR/probe.out" || fail "media probe failed"
}

# ----- 2. originating e2ae call -----
k1=$(srtp_gen_key AES_CM_128_HMAC_SHA1_32)
k2=$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)
sipp_bg core-ans core_answer.xml -p "$scscf" -key core_mport "$core_m"
c_pid=$BG_PID
sipp_bg ue-off ue_offer.xml -p "$ue_sip" -d "$HOLD_MS" -key ue_mport "$ue_m" \
	-key ue_key1 "$k1" -key ue_key2 "$k2" "$h:$KAM_SIP_PORT"
u_pid=$BG_PID
wait_until 5 grep -q '^ACK ' "$RUN_DIR/ue-off.messages.log" || fail "originating call not answered"
call_sdps o ue-off core-ans
say ""
say "${bold}2. Originating e2ae call${off} (the UE offers SRTP and a=3ge2ae:requested)"
show "  Offer (INVITE)" "sent by the UE" "$RUN_DIR/o-offerer-sent.sdp" "received by the core" "$RUN_DIR/o-answerer-got.sdp"
show "  Answer (200 OK)" "sent by the core" "$RUN_DIR/o-answerer-sent.sdp" "received by the UE" "$RUN_DIR/o-offerer-got.sdp"
media_probe "$RUN_DIR/o-offerer-sent.sdp" "$RUN_DIR/o-offerer-got.sdp" "$RUN_DIR/o-answerer-got.sdp" \
	"$RUN_DIR/o-offerer-got.sdp"
sipp_wait ue-off "$u_pid"
sipp_wait core-ans "$c_pid"

# ----- 3. terminating e2ae call -----
k3=$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)
sipp_bg ue-ans ue_answer.xml -p "$ue_sip" -key ue_mport "$ue_m" -key ue_key1 "$k3"
u_pid=$BG_PID
sipp_bg core-off core_offer.xml -p "$scscf" -d "$HOLD_MS" -key ue_port "$ue_sip" \
	-key core_mport "$core_m" "$h:$KAM_CORE_PORT"
c_pid=$BG_PID
wait_until 5 grep -q '^ACK ' "$RUN_DIR/core-off.messages.log" || fail "terminating call not answered"
call_sdps t core-off ue-ans
say ""
say "${bold}3. Terminating e2ae call${off} (the core offers plain RTP to the e2ae-registered UE)"
show "  Offer (INVITE)" "sent by the core" "$RUN_DIR/t-offerer-sent.sdp" "received by the UE" "$RUN_DIR/t-answerer-got.sdp"
show "  Answer (200 OK)" "sent by the UE" "$RUN_DIR/t-answerer-sent.sdp" "received by the core" "$RUN_DIR/t-offerer-got.sdp"
media_probe "$RUN_DIR/t-answerer-sent.sdp" "$RUN_DIR/t-answerer-got.sdp" "$RUN_DIR/t-offerer-got.sdp" \
	"$RUN_DIR/t-answerer-sent.sdp"
sipp_wait core-off "$c_pid"
sipp_wait ue-ans "$u_pid"

wait_until 3 ng_no_calls "$RTPE_AGW_NG" || fail "rtpengine still holds a call"
say ""
say "After both BYEs rtpengine holds no call. Logs: $RUN_DIR"
