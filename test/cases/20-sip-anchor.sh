#!/usr/bin/env bash
# A call through the example P-CSCF has its media anchored in rtpengine:
#
#   sipp UAC --INVITE (RTP/AVP)--> kamailio (etc/ims_medsec-pcscf.cfg) --> sipp UAS
#                                     |  medsec_offer / medsec_answer / medsec_delete
#                                     v
#                                  rtpengine (ng over UDP)
#
# Checked on content, not exit codes alone:
#   - the UAS receives an SDP whose c=/m= is rtpengine's (port within
#     rtpengine's media range, not the UAC's port), and the UAC receives the
#     same for the 200's SDP (ereg/test/strcmp with check_it in the
#     scenarios; sipp then fails the call);
#   - ACK and BYE follow the Record-Route set through the proxy;
#   - while the call is up, rtpengine's `query` shows RTP packets received
#     from both sides (both sipp instances play g711a.pcap);
#   - after the BYE, rtpengine's `list` holds no call.
#
# USE_STOCK_RTPENGINE=1 runs the same call through Kamailio's own rtpengine
# module (WITH_STOCK_RTPENGINE in the example config): the baseline.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup_run

HOLD_MS=${HOLD_MS:-3000} # how long the call stays up before the BYE
cfg=$REPO_ROOT/etc/ims_medsec-pcscf.cfg

command -v "$SIPP" >/dev/null || fail "sipp not found"
[ -r "$G711A_PCAP" ] || fail "missing $G711A_PCAP (package sip-tester)"

# ----- media gateway and proxy -----
start_rtpengine a
ng=$RTPE_A_NG

defs=("RTPENGINE_NG=\"udp:127.0.0.1:$ng\"" "WORKERS=2")
if [ "${USE_STOCK_RTPENGINE:-0}" = 1 ]; then
	note "USE_STOCK_RTPENGINE=1: Kamailio's rtpengine module instead of ims_medsec"
	defs+=(WITH_STOCK_RTPENGINE)
else
	[ -f "$MEDSEC_MODULE" ] || fail "module not built: $MEDSEC_MODULE"
	defs+=("MEDSEC_MODULE=\"$MEDSEC_MODULE\"")
fi
start_kamailio "$cfg" "${defs[@]}"

# ----- the two SIPp endpoints -----
# SIP port plus media ports (RTP, RTCP, and sipp's +2/+3 video pair).
uas_sip=$(alloc_ports 1)
uas_media=$(alloc_ports 4)
uac_sip=$(alloc_ports 1)
uac_media=$(alloc_ports 4)

call_id="anchor-$$-$RANDOM@127.0.0.1"
from_tag="uac-$$-$RANDOM"

mapfile -t uas_common < <(sipp_args uas)
start_bg uas sipp "$SIPP" -sf "$TEST_SIPP_DIR/uas_anchor.xml" "${uas_common[@]}" \
	-p "$uas_sip" -mp "$uas_media" -m 1 -timeout 30s -timeout_error \
	-key uac_mport "$uac_media" \
	-key rtpe_min "$RTPE_A_PORT_MIN" -key rtpe_max "$RTPE_A_PORT_MAX"
uas_pid=$BG_PID
# The UAS is ready once its SIP socket is bound.
wait_until 5 port_bound "$uas_sip" udp || fail "sipp UAS did not bind $uas_sip"

mapfile -t uac_common < <(sipp_args uac)
start_bg uac sipp "$SIPP" -sf "$TEST_SIPP_DIR/uac_anchor.xml" "${uac_common[@]}" \
	-p "$uac_sip" -mp "$uac_media" -m 1 -l 1 -timeout 30s -timeout_error \
	-d "$HOLD_MS" -cid_str "$call_id" -set hold_gate "$(gate_new uac.hold)" \
	-key uas_port "$uas_sip" -key uas_mport "$uas_media" \
	-key rtpe_min "$RTPE_A_PORT_MIN" -key rtpe_max "$RTPE_A_PORT_MAX" \
	-key from_tag "$from_tag" \
	"127.0.0.1:$KAM_SIP_PORT"
uac_pid=$BG_PID

# ----- media through rtpengine, checked while the call is up -----
media_checked=0
if have_rngctl; then
	# Both sides must have sent packets into rtpengine.
	_both_ways() {
		rngctl "$ng" query "$call_id" "$from_tag" >"$RUN_DIR/query.out" 2>&1 &&
			ng_query_both_ways "$RUN_DIR/query.out"
	}
	# the call lasts HOLD_MS, and until this check opens the UAC's hold
	# gate (test/lib.sh)
	if wait_until $((HOLD_MS / 1000 + 15)) _both_ways; then
		media_checked=1
		note "rtpengine relayed RTP both ways: $(ng_query_summary "$RUN_DIR/query.out")"
	else
		fail "rtpengine did not see RTP from both sides during the call (query in query.out)"
	fi
else
	note "NOTE: $RNGCTL not built: media-flow (query) and cleanup (list) checks SKIPPED"
fi

# ----- end of the call -----
gate_open "$RUN_DIR/uac.hold.gate"
uac_rc=0
wait "$uac_pid" || uac_rc=$?
uas_rc=0
wait_until 5 not_alive "$uas_pid" || true
wait "$uas_pid" || uas_rc=$?

assert_sipp_ok uac "$uac_rc" "call failed (200 SDP checks, ACK, BYE)"
assert_sipp_ok uas "$uas_rc" "call failed (INVITE SDP checks, ACK, BYE)"

# What each side received, from sipp's own <log> lines.
assert_grep "$RUN_DIR/uas.actions.log" "UAS: INVITE SDP c=127\.0\.0\.1 m=audio [0-9]+ " \
	"UAS logged the anchored offer"
assert_grep "$RUN_DIR/uac.actions.log" "UAC: 200 SDP c=127\.0\.0\.1 m=audio [0-9]+ " \
	"UAC logged the anchored answer"
# Signalling went through the proxy, in-dialog requests by the route set.
rr="<sip:127\.0\.0\.1:[0-9]+;(r2=on;)?lr"
assert_grep "$RUN_DIR/uas.messages.log" "^Record-Route: $rr" \
	"the proxy record-routed the INVITE"
assert_grep "$RUN_DIR/uac.messages.log" "^Route: $rr" \
	"the UAC's ACK/BYE carry the proxy's route"
assert_grep "$RUN_DIR/uas.messages.log" "^ACK sip:uas@127\.0\.0\.1:$uas_sip" \
	"the UAS received the ACK"
assert_grep "$RUN_DIR/uas.messages.log" "^BYE sip:uas@127\.0\.0\.1:$uas_sip" \
	"the UAS received the BYE"

# The proxy drove rtpengine: offer (INVITE), answer (200), delete (BYE).
rlog=$RUN_DIR/rtpengine-a.log
for cmd in offer answer delete; do
	assert_grep "$rlog" "Received command '$cmd'" "rtpengine received an ng $cmd"
done
assert_no_grep "$RUN_DIR/kamailio.log" 'media (offer|answer) failed' \
	"no media function failed in the proxy"

if [ "$media_checked" = 1 ]; then
	if ! wait_until 3 ng_no_calls "$ng"; then
		rngctl "$ng" list >"$RUN_DIR/list.out" 2>&1 || true
		fail "rtpengine still holds a call after the BYE (list in list.out)"
	fi
	note "after the BYE rtpengine holds no call"
fi

note "call $call_id anchored in rtpengine ($([ "$media_checked" = 1 ] && echo "media checked" || echo "media not checked"))"
