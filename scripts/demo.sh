#!/usr/bin/env bash
# make demo: a real call through Kamailio (with ims_medsec) and rtpengine,
# on 127.0.0.1, showing what the P-CSCF changed in each SDP.
#
# It runs the harness's anchor case (test/cases/20-sip-anchor.sh): SIPp
# caller -> Kamailio -> SIPp callee, media anchored in rtpengine through
# the module's ng client, RTP played both ways.  Then it prints, for the
# offer and for the answer, the SDP as sent and as received, with the
# changed lines marked.  Key material, if any, is masked.
set -euo pipefail
cd "$(dirname "$0")/.."

out=$(mktemp -d "${TMPDIR:-/tmp}/ims_medsec-demo.XXXXXX")
export TEST_OUT=$out RUN_DIR=$out/call
bold=$'\e[1m' red=$'\e[31m' green=$'\e[32m' off=$'\e[0m'
[ -t 1 ] || bold='' red='' green='' off=''

echo "${bold}ims_medsec demo${off}: SIPp UE -> Kamailio P-CSCF (ims_medsec) -> SIPp core, media via rtpengine"
if ! HOLD_MS=2000 bash test/cases/20-sip-anchor.sh >"$out/case.out" 2>&1; then
	cat "$out/case.out"
	echo "demo call FAILED (logs in $RUN_DIR)"
	exit 1
fi

# sdp_of LOG DIRECTION FIRSTLINE-REGEX: the SDP body of the first message of
# that direction ("sent"/"received") whose first line matches.
sdp_of() {
	awk -v dir="$2" -v re="$3" '
		/^-{10,} / { inmsg = 0; body = 0; next }
		$0 ~ "^UDP message " dir { inmsg = 1; first = 1; next }
		inmsg && first && /^$/ { next }
		inmsg && first { first = 0; if ($0 !~ re) inmsg = 0; next }
		inmsg && !body && /^\r?$/ { body = 1; next }
		inmsg && body && /^\r?$/ { if (found) exit; next }
		inmsg && body { found = 1; sub(/\r$/, ""); print }
	' "$1" | sed -E 's/(inline:)[^ |;]+/\1<masked>/g'
}

# show TITLE FROM-LABEL FROM-FILE TO-LABEL TO-FILE
show() {
	echo
	echo "${bold}$1${off}"
	echo "  $2 -> $4"
	diff --old-line-format="${red}  - %L${off}" --new-line-format="${green}  + %L${off}" \
		--unchanged-line-format='    %L' "$3" "$5" || true
}

sdp_of "$RUN_DIR/uac.messages.log" sent '^INVITE ' >"$out/offer.sent"
sdp_of "$RUN_DIR/uas.messages.log" received '^INVITE ' >"$out/offer.recv"
sdp_of "$RUN_DIR/uas.messages.log" sent '^SIP/2.0 200' >"$out/answer.sent"
sdp_of "$RUN_DIR/uac.messages.log" received '^SIP/2.0 200' >"$out/answer.recv"

show "Offer (INVITE)" "sent by the caller" "$out/offer.sent" \
	"received by the callee" "$out/offer.recv"
show "Answer (200 OK)" "sent by the callee" "$out/answer.sent" \
	"received by the caller" "$out/answer.recv"

echo
echo "${bold}Media${off}"
grep -E 'relayed RTP|holds no call|anchored' "$out/case.out" | sed 's/^[^:]*: /  /'
echo
echo "Logs: $RUN_DIR (all processes stopped)"
