#!/usr/bin/env bash
# Hairpin e2ae call across two address families (issue 11): UE A is
# registered and calls over IPv6 ([::1], the P-CSCF's second e2ae access
# socket), UE B is registered over IPv4; the IMS core (the Kamailio S-CSCF
# of test/scscf.cfg, via test/hairpin.sh, both used read-only) is IPv4.
# The INVITE passes the P-CSCF twice, each passage its own leg on the
# gateway (rtpengine on 127.0.0.1 and ::1):
#
#   A [::1] --RTP/SAVP IN IP6, requested--> P-CSCF (orig leg, [::1] in, 127.0.0.1 out)
#     --RTP/AVP IN IP4--> S-CSCF 127.0.0.1 --> P-CSCF (term leg, 127.0.0.1)
#     --RTP/SAVP IN IP4, applied--> B 127.0.0.1
#   media: A [::1] <-SRTP key A-> rtpengine <-RTP-> rtpengine <-SRTP key B-> B 127.0.0.1
#
# Checked:
#   - A's registration over IPv6 got mediasec; B's over IPv4 too;
#   - A's answer (the 200): RTP/SAVP with c=IN IP6 ::1 on the gateway,
#     one crypto line (A's tag 1, its suite), a gateway key that is not
#     A's, one a=3ge2ae:applied;
#   - B's offer: RTP/SAVP with c=IN IP4 127.0.0.1 on the gateway, the
#     policy suites, one a=3ge2ae:applied (hairpin_check_ue_offer), keys
#     that are none of A's;
#   - the IMS core saw plain RTP/AVP only (hairpin_core_plain), and in its
#     own family: the orig leg's core-facing sockets and both sockets of
#     the term leg are IPv4 in rtpengine's query, A's are IPv6;
#   - the media A<->B, each UE with its own keys (srtp_probe --far-srtp,
#     A's end on [::1], B's on 127.0.0.1), SRTP and SRTCP both ways;
#   - rtpengine holds both legs while the call is up and no call after the
#     BYE; the S-CSCF saw no secure SDP and logged no error.
# rtpengine (10.5) writes the SDP for the other side in the family of the
# SDP it received unless the ng offer names one ("address family": IP4 or
# IP6; the answer toward the offerer then follows the offerer's own), so
# the P-CSCF has to tell it the family of the side an offer goes to.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
# shellcheck source=../hairpin.sh
. "$(dirname "$0")/../hairpin.sh"
setup_run
if ! have_ipv6_loopback; then
	note "NOTE: no IPv6 loopback on this machine: two-family hairpin SKIPPED"
	exit 0
fi

# e2ae_lab with an IPv6 UE side: rtpengine on both families, Kamailio also
# on [::1] (start_kamailio's KAM_IP6: LISTEN_IP6 and E2AE_SOCKET6).
E2AE_RTPE_OPTS=(--interface=::1)
KAM_IP6=::1 e2ae_lab

SUITE=AES_CM_128_HMAC_SHA1_80
A_PORT=$(alloc_ports 1)
B_PORT=$(alloc_ports 1)

# ----- registrations (SIPp registrar on SCSCF_PORT), then the S-CSCF -----
# A over IPv6: e2ae_register with the UE sipp on [::1] (sipp takes the
# last -i).
reg_keys=(-key user uea -key expires 600
	-key sec_client "$E2AE_IPSEC_CLIENT, sdes-srtp;mediasec"
	-key sec_client2 "$E2AE_NOHDR" -key auth0 "$E2AE_NOHDR"
	-key exp401 mediasec -key exp200 mediasec
	-key srv401 "$E2AE_IPSEC_SERVER" -key extra401 "$E2AE_NOHDR"
	-key extra200 "$E2AE_NOHDR" -key reg_expires 600)
e2ae_sipp rega.scscf e2ae_scscf_register.xml "$SCSCF_PORT" "${reg_keys[@]}"
spid=$BG_PID
e2ae_sipp_bound "$SCSCF_PORT"
e2ae_sipp rega.ue e2ae_ue_register.xml "$A_PORT" "${reg_keys[@]}" -i ::1 "[::1]:$KAM_SIP_PORT"
e2ae_sipp_wait rega.ue "$BG_PID" "UE A's registration over IPv6"
e2ae_sipp_wait rega.scscf "$spid" "S-CSCF registrar (A)"
sipp_msg_to "$RUN_DIR/rega.scscf.msg" "$RUN_DIR/rega.scscf.trace" received '^REGISTER ' 1
assert_grep "$RUN_DIR/rega.scscf.msg" "^Contact: <sip:uea@\[::1\]:$A_PORT>" "A registered its IPv6 contact"
# B over IPv4 (e2ae_register checks mediasec in its 401 and 200)
e2ae_register regb "$B_PORT" ueb
hairpin_scscf "sip:ueb@127.0.0.1:$B_PORT"

# ----- helpers -----

# assert_gw_family FILE FAMILY ADDR WHAT: the SDP's c= is IN FAMILY ADDR
# (every c= line) and its m= port is rtpengine's.
assert_gw_family() {
	local p
	assert_eq "$(sed -n 's/^c=IN \(IP[46]\) \([^[:space:]/]*\).*/\1 \2/p' "$1" | sort -u | tr '\n' ';')" \
		"$2 $3;" "$4: c= is the gateway's $2 address"
	p=$(sdp_media_port "$1")
	if [ -z "$p" ] || [ "$p" -lt "$RTPE_A_PORT_MIN" ] || [ "$p" -gt "$RTPE_A_PORT_MAX" ]; then
		fail "$4: m= port '$p' is not rtpengine's ($RTPE_A_PORT_MIN-$RTPE_A_PORT_MAX)"
	fi
}

# query_family FILE TAG: the "family:" values of TAG's local sockets in
# rngctl query output, sorted and unique.
query_family() {
	awk -v t="$2" '
		/^[^ ]/ { in_tags = ($0 ~ /^tags:/); cur = ""; next }
		!in_tags { next }
		/^  [^ ]/ { cur = $0; sub(/^ +/, "", cur); sub(/:[ ]*$/, "", cur); next }
		cur == t && /^ *local port:/ { lp = 1; next }
		cur == t && lp && /^ *family: / { print $NF; lp = 0 }
	' "$1" | sort -u | tr '\n' ' '
}

# query_tags FILE: the tags of the call in rngctl query output.
query_tags() {
	awk '/^[^ ]/ { in_tags = ($0 ~ /^tags:/); next }
		in_tags && /^  [^ ]/ { t = $0; sub(/^ +/, "", t); sub(/:[ ]*$/, "", t); print t }' "$1"
}

# A's e2ae offer on [::1]: _80 (tag 1) and _32 (tag 2), requested; keys
# ID.a1.key, ID.a2.key (hairpin_ue_offer's layout, over IPv6).
offer6() {
	local o=$RUN_DIR/$1
	srtp_gen_key "$SUITE" >"$o.a1.key"
	srtp_gen_key AES_CM_128_HMAC_SHA1_32 >"$o.a2.key"
	e2ae_sdp "$o.offer.sdp" v=0 "o=uea 1 1 IN IP6 ::1" s=- "c=IN IP6 ::1" "t=0 0" \
		"m=audio $A_MPORT RTP/SAVP 0 8" "a=rtpmap:0 PCMU/8000" "a=rtpmap:8 PCMA/8000" \
		"a=crypto:1 $SUITE inline:$(cat "$o.a1.key")" \
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:$(cat "$o.a2.key")" \
		"a=3ge2ae:requested" "a=sendrecv"
}

# probe_far6 ID: hairpin_probe_far with A's end on [::1] (hairpin_probe_far
# binds 127.0.0.1): A sends with its tag-1 key and receives with the
# gateway's key of its answer; B sends with its own key and receives with
# the gateway's key of the tag it picked.
probe_far6() {
	local id=$1 o=$RUN_DIR/$1 rc=0 n='(48|49|50)' ars=$RUN_DIR/$1.a.rx.sdp brs=$RUN_DIR/$1.b.rx.sdp
	sdp_crypto_key "$ars" 1 >"$o.a.gw.key"
	"$SRTP_PROBE" --far-srtp --suite "$SUITE" --core-suite "$HP_B_SUITE" "${E2AE_PROBE_OPTS[@]}" \
		--ue-local "[::1]:$A_MPORT" \
		--ue-remote "$(hostport "$(sdp_conn_addr "$ars")" "$(sdp_media_port "$ars")")" \
		--ue-remote-rtcp "$(hostport "$(sdp_conn_addr "$ars")" "$(sdp_rtcp_port "$ars")")" \
		--core-local "127.0.0.1:$B_MPORT" \
		--core-remote "$(hostport "$(sdp_conn_addr "$brs")" "$(sdp_media_port "$brs")")" \
		--core-remote-rtcp "$(hostport "$(sdp_conn_addr "$brs")" "$(sdp_rtcp_port "$brs")")" \
		--ue-tx-key-file "$o.a1.key" --ue-rx-key-file "$o.a.gw.key" \
		--core-tx-key-file "$o.b.key" --core-rx-key-file "$o.b.gw.key" >"$o.probe.log" 2>&1 || rc=$?
	sed "s/^/$id probe: /" "$o.probe.log" | grep -E ': (ue |core |ue->core|core->ue|srtcp|rtcp|VERDICT|usage|srtp_probe)' >&2 || true
	assert_grep "$o.probe.log" '^VERDICT: PASS$' "$id: srtp_probe --far-srtp verdict (exit $rc)"
	assert_eq "$rc" 0 "$id: srtp_probe exit status"
	assert_grep "$o.probe.log" "^ue->core: sent 50 srtp, received $n srtp, decrypted $n, payloads ok $n\$" \
		"$id: SRTP from A over IPv6 arrived at B over IPv4, under the gateway's key for B"
	assert_grep "$o.probe.log" "^core->ue: sent 50 srtp, received $n srtp, decrypted $n, payloads ok $n\$" \
		"$id: SRTP from B over IPv4 arrived at A over IPv6, under the gateway's key for A"
	assert_grep "$o.probe.log" '^srtcp ue->core: ok' "$id: SRTCP A->B"
	assert_grep "$o.probe.log" '^srtcp core->ue: ok' "$id: SRTCP B->A"
	note "NOTE: $id media (A [::1] $SUITE, B 127.0.0.1 $HP_B_SUITE, each its own keys): $(grep -E '^(ue->core|core->ue): |^srtcp ' "$o.probe.log" | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
}

# Once B has the ACK: both legs held, each UE's SDP in its own family
# (before the probe, which needs that), the probe, each leg's query.
up() {
	local id=$1 o=$RUN_DIR/$1
	hairpin_assert_legs "$CID" "$id: while the call is up"
	assert_gw_family "$o.a.rx.sdp" IP6 ::1 "$id: A's answer"
	assert_gw_family "$o.b.rx.sdp" IP4 127.0.0.1 "$id: B's offer"
	probe_far6 "$id"
	rngctl "$RTPE_A_NG" query "$CID" >"$o.query.orig" 2>&1 || fail "$id: no query of the orig leg"
	rngctl "$RTPE_A_NG" query "$CID;mt" >"$o.query.term" 2>&1 || fail "$id: no query of the term leg"
}

# ----- the call: A ([::1]) calls B (127.0.0.1), A hangs up -----
id=hp6 o=$RUN_DIR/hp6
A_MPORT=$(alloc_ports 2) B_MPORT=$(alloc_ports 2)
offer6 "$id"
: >"$o.answer.sdp"
CID="$id-$$-$RANDOM@hairpin.test"
# gates (test/lib.sh): B answers once the test wrote its answer, A hangs up
# once the checks of the call are done
e2ae_sipp "$id.b" e2ae_uas_call.xml "$B_PORT" -d 100 \
	-key answer_sdp "$(gate_new "$id.answer")" \
	-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto "$SUITE"
bpid=$BG_PID
e2ae_sipp_bound "$B_PORT"
e2ae_sipp "$id.a" e2ae_uac_call.xml "$A_PORT" -d 200 -cid_str "$CID" \
	-key ruri "sip:ueb@ims.test" -key user uea -key offer_sdp "$o.offer.sdp" \
	-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto "$SUITE" \
	-set hold_gate "$(gate_new "$id.hold")" -i ::1 "[::1]:$KAM_SIP_PORT"
apid=$BG_PID
wait_until 10 sipp_saw "$o.b.trace" received '^INVITE ' ||
	fail "$id: UE B received no INVITE (A received: $(sipp_received "$o.a.trace" | tr -d '\r' | tr '\n' ',' | sed 's/,$//'))"
hairpin_b_answers "$id"
gate_open "$o.answer.gate" "$o.answer.sdp"
wait_until 10 sipp_saw "$o.b.trace" received '^ACK ' ||
	fail "$id: no ACK reached B (A received: $(sipp_received "$o.a.trace" | tr -d '\r' | tr '\n' ',' | sed 's/,$//'))"
hairpin_extract "$id"
up "$id"
gate_open "$o.hold.gate"
e2ae_sipp_wait "$id.a" "$apid" "$id: UE A (caller, IPv6)"
e2ae_sipp_wait "$id.b" "$bpid" "$id: UE B (callee, IPv4)"
hairpin_extract "$id"

# --- what A received (IPv6): one crypto line of its tag 1, a gateway key
assert_grep "$o.a.rx.sdp" '^m=audio [0-9]+ RTP/SAVP ' "$id: A's answer is RTP/SAVP"
assert_eq "$(sdp_crypto "$o.a.rx.sdp" | tr '\n' ' ')" "1 $SUITE " "$id: A's answer: exactly one crypto line, A's tag and suite"
assert_eq "$(msg_count "$o.a.rx.sdp" '^a=3ge2ae:')" 1 "$id: A's answer: one e2ae indication"
assert_grep "$o.a.rx.sdp" '^a=3ge2ae:applied$' "$id: A's answer: a=3ge2ae:applied"
hairpin_not_own_key "$o.a.gw.key" "$id: A's answer" "$o.a1.key" "$o.a2.key" "$o.b.key"
# --- what B received (IPv4): the gateway's own SDES offers, e2ae applied
hairpin_check_ue_offer "$o.b.rx.sdp" "$id: B's offer"
for t in $(sdp_crypto "$o.b.rx.sdp" | awk '{ print $1 }'); do
	sdp_crypto_key "$o.b.rx.sdp" "$t" >"$o.b.offered$t.key"
	hairpin_not_own_key "$o.b.offered$t.key" "$id: B's offer tag $t (A's keys must not pass)" \
		"$o.a1.key" "$o.a2.key" "$o.a.gw.key"
done
# --- the IMS core: plain RTP/AVP only, INVITE and 200
hairpin_core_plain "$id" "$CID" "$id" "INVITE cseq=1 INVITE" "200 cseq=1 INVITE"
# --- the gateway: A's sockets IPv6, everything toward the core and B IPv4
atag=$(sed -n 's/^From:.*;tag=\([^;>[:space:]]*\).*/\1/p' "$o.a.rx.msg" | head -n 1)
assert_eq "$(query_family "$o.query.orig" "$atag")" "IPv6 " "$id: orig leg, rtpengine's sockets toward A (tag $atag)"
for t in $(query_tags "$o.query.orig"); do
	[ "$t" = "$atag" ] && continue
	assert_eq "$(query_family "$o.query.orig" "$t")" "IPv4 " "$id: orig leg, rtpengine's sockets toward the core (tag $t)"
done
for t in $(query_tags "$o.query.term"); do
	assert_eq "$(query_family "$o.query.term" "$t")" "IPv4 " "$id: term leg, rtpengine's sockets (tag $t: the core or B)"
done
e2ae_no_calls_left "$id"

hairpin_core_all_plain "end of case"
assert_no_grep "$RUN_DIR/kamailio.log" 'media (offer|answer) refused|failed a check' \
	"no refusal in the P-CSCF"
note "$id: A got m=$(sdp_media_port "$o.a.rx.sdp") IN IP6 $(sdp_crypto "$o.a.rx.sdp" | tr '\n' ' ')+ applied; B got m=$(sdp_media_port "$o.b.rx.sdp") IN IP4 $(sdp_crypto "$o.b.rx.sdp" | tr '\n' ',' | sed 's/,$//') + applied; S-CSCF saw: $(cut -d' ' -f2-4 "$o.scscf.sdp" | tr '\n' ';' | sed 's/;$//')"
