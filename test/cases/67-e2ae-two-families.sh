#!/usr/bin/env bash
# One e2ae call through two sockets of two address families (issue 11):
# the UE registers and calls over IPv6 ([::1], the P-CSCF's second e2ae
# access socket: LISTEN_IP6 / E2AE_SOCKET6 of the example config), the
# core (S-CSCF) is on IPv4 (127.0.0.1); rtpengine has both (--interface
# 127.0.0.1 and ::1):
#
#   UE [::1] <--SIP/SDP IN IP6--> [::1] P-CSCF 127.0.0.1 <--SIP/SDP IN IP4--> core 127.0.0.1
#   UE [::1] <--SRTP-->  [::1] rtpengine 127.0.0.1  <--RTP--> core 127.0.0.1
#
# Checked, for an originating (orig6) and a terminating (term6) call:
#   - the registration over IPv6 got Security-Server: sdes-srtp;mediasec
#     (the [::1] socket is an e2ae socket), the S-CSCF got the IPv6 contact;
#   - the UE's SDP (the 200 of orig6, the INVITE of term6): RTP/SAVP with
#     c=IN IP6 ::1 and a gateway port, the e2ae crypto (one line with the
#     UE's tag and suite in the answer, the policy suites in the offer),
#     one a=3ge2ae:applied;
#   - the core's SDP (the INVITE of orig6, the 200 of term6): RTP/AVP with
#     c=IN IP4 127.0.0.1 and a gateway port, no SDES, no indication, no
#     other keying: each side gets the gateway in its own address family;
#   - the SIP of each side left from the socket of its family: the core's
#     INVITE (orig6) has the P-CSCF's Via of 127.0.0.1:CORE_PORT, the UE's
#     (term6) that of [::1]:SIP_PORT; each side's route set holds both
#     sockets (Kamailio's double Record-Route between the two families);
#   - rtpengine's query: the UE's streams IPv6, the core's IPv4;
#   - srtp_probe both ways: SRTP/SRTCP between [::1] and the gateway's IPv6
#     address, RTP/RTCP between 127.0.0.1 and its IPv4 address;
#   - after each BYE rtpengine holds no call; no failed check in Kamailio.
# rtpengine (10.5) writes the SDP for the other side in the family of the
# SDP it received unless the ng offer names one ("address family": IP4 or
# IP6; the answer toward the offerer then follows the offerer's own), so
# the P-CSCF has to tell it the family of the side an offer goes to.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
if ! have_ipv6_loopback; then
	note "NOTE: no IPv6 loopback on this machine: two-family e2ae calls SKIPPED"
	exit 0
fi

# The lab of e2ae_lab, with an IPv6 UE side: rtpengine on both families,
# Kamailio also on [::1] (start_kamailio's KAM_IP6: LISTEN_IP6 and
# E2AE_SOCKET6 on its UE-side port).
E2AE_RTPE_OPTS=(--interface=::1)
KAM_IP6=::1 e2ae_lab
note "S-CSCF/core sipp on 127.0.0.1:$SCSCF_PORT; the UE on [::1]"

SUITE=AES_CM_128_HMAC_SHA1_80
UE_PORT=$(alloc_ports 1)

# ----- registration over IPv6 (e2ae_register with the UE on [::1]) -----
reg_keys=(-key user ue -key expires 600
	-key sec_client "$E2AE_IPSEC_CLIENT, sdes-srtp;mediasec"
	-key sec_client2 "$E2AE_NOHDR" -key auth0 "$E2AE_NOHDR"
	-key exp401 mediasec -key exp200 mediasec
	-key srv401 "$E2AE_IPSEC_SERVER" -key extra401 "$E2AE_NOHDR"
	-key extra200 "$E2AE_NOHDR" -key reg_expires 600)
e2ae_sipp reg.scscf e2ae_scscf_register.xml "$SCSCF_PORT" "${reg_keys[@]}"
spid=$BG_PID
e2ae_sipp_bound "$SCSCF_PORT"
# (e2ae_sipp's -i 127.0.0.1 comes first: sipp takes the last -i)
e2ae_sipp reg.ue e2ae_ue_register.xml "$UE_PORT" "${reg_keys[@]}" -i ::1 "[::1]:$KAM_SIP_PORT"
e2ae_sipp_wait reg.ue "$BG_PID" "UE registration over IPv6"
e2ae_sipp_wait reg.scscf "$spid" "S-CSCF registrar"
sipp_msg_to "$RUN_DIR/reg.200.msg" "$RUN_DIR/reg.ue.trace" received '^SIP/2\.0 200 '
assert_grep "$RUN_DIR/reg.200.msg" '^Security-Server: sdes-srtp;mediasec$' \
	"the registration over IPv6 was granted mediasec (the [::1] socket is an e2ae socket)"
sipp_msg_to "$RUN_DIR/reg.scscf.msg" "$RUN_DIR/reg.scscf.trace" received '^REGISTER ' 1
assert_grep "$RUN_DIR/reg.scscf.msg" "^Contact: <sip:ue@\[::1\]:$UE_PORT>" \
	"the S-CSCF got the UE's IPv6 contact"

# ----- helpers -----

# sdp6 FILE ORIGIN LINE...: an SDP on ::1 (e2ae_sdp_file is IPv4).
sdp6() {
	local f=$1 origin=$2
	shift 2
	e2ae_sdp "$f" v=0 "o=$origin 1 1 IN IP6 ::1" s=- "c=IN IP6 ::1" "t=0 0" "$@"
}

# body_of OUT TRACE DIR REGEX [N]: the N-th such message into OUT.msg, its
# SDP into OUT.
body_of() {
	sipp_msg_to "$1.msg" "$2" "$3" "$4" "${5:-1}"
	msg_body "$1.msg" >"$1"
}

# assert_gw_family FILE FAMILY ADDR WHAT: the SDP's c= is IN FAMILY ADDR
# (session and media level alike) and its m= port is rtpengine's.
assert_gw_family() {
	local p
	assert_eq "$(sed -n 's/^c=IN \(IP[46]\) \([^[:space:]/]*\).*/\1 \2/p' "$1" | sort -u | tr '\n' ';')" \
		"$2 $3;" "$4: c= is the gateway's $2 address"
	p=$(sdp_media_port "$1")
	if [ -z "$p" ] || [ "$p" -lt "$RTPE_A_PORT_MIN" ] || [ "$p" -gt "$RTPE_A_PORT_MAX" ]; then
		fail "$4: m= port '$p' is not rtpengine's ($RTPE_A_PORT_MIN-$RTPE_A_PORT_MAX)"
	fi
}

# check_ue_sdp FILE KIND WHAT: what the UE got (KIND answer: one crypto
# line, tag 1 SUITE; offer: the policy suites, SUITE first), over IPv6.
check_ue_sdp() {
	assert_gw_family "$1" IP6 ::1 "$3"
	assert_grep "$1" '^m=audio [0-9]+ RTP/SAVP 0$' "$3: RTP/SAVP"
	if [ "$2" = answer ]; then
		assert_eq "$(sdp_crypto "$1" | tr '\n' ' ')" "1 $SUITE " \
			"$3: exactly one crypto line, the UE's tag and suite"
	else
		assert_eq "$(sdp_crypto "$1" | awk '{ print $2 }' | tr '\n' ' ')" \
			"$SUITE AES_CM_128_HMAC_SHA1_32 " "$3: the policy suites, preferred first"
	fi
	assert_eq "$(msg_count "$1" '^a=3ge2ae:')" 1 "$3: one e2ae indication"
	assert_grep "$1" '^a=3ge2ae:applied$' "$3: a=3ge2ae:applied"
	assert_no_grep "$1" '^a=(fingerprint|setup|key-mgmt)' "$3: no other keying toward the UE"
}

# check_core_sdp FILE WHAT: what the core got: plain, over IPv4.
check_core_sdp() {
	assert_gw_family "$1" IP4 127.0.0.1 "$2"
	assert_grep "$1" '^m=audio [0-9]+ RTP/AVP 0$' "$2: RTP/AVP"
	assert_no_grep "$1" '^a=crypto' "$2: no crypto line toward the core"
	assert_no_grep "$1" '^a=3ge2ae' "$2: no e2ae indication toward the core"
	assert_no_grep "$1" '^a=(fingerprint|setup|key-mgmt)' "$2: no other keying toward the core"
}

# query_family FILE TAG: the "family:" values of TAG's streams (their local
# sockets) in rngctl query output, sorted and unique.
query_family() {
	awk -v t="$2" '
		/^[^ ]/ { in_tags = ($0 ~ /^tags:/); cur = ""; next }
		!in_tags { next }
		/^  [^ ]/ { cur = $0; sub(/^ +/, "", cur); sub(/:[ ]*$/, "", cur); next }
		cur == t && /^ *local port:/ { lp = 1; next }
		cur == t && lp && /^ *family: / { print $NF; lp = 0 }
	' "$1" | sort -u | tr '\n' ' '
}

# probe6 ID UE_RX_SDP CORE_RX_SDP TXKEY RXKEY: e2ae_probe with the UE end on
# [::1]:$UE_MPORT (e2ae_probe binds 127.0.0.1) and the core end on
# 127.0.0.1:$CORE_MPORT, each sending to the address of the SDP its side
# received; the same verdict and counts as e2ae_probe.
probe6() {
	local id=$1 ue_rx=$2 core_rx=$3 o=$RUN_DIR/$1 rc=0 n='(48|49|50)'
	"$SRTP_PROBE" --suite "$SUITE" "${E2AE_PROBE_OPTS[@]}" \
		--ue-local "[::1]:$UE_MPORT" \
		--ue-remote "$(hostport "$(sdp_conn_addr "$ue_rx")" "$(sdp_media_port "$ue_rx")")" \
		--ue-remote-rtcp "$(hostport "$(sdp_conn_addr "$ue_rx")" "$(sdp_rtcp_port "$ue_rx")")" \
		--core-local "127.0.0.1:$CORE_MPORT" \
		--core-remote "$(hostport "$(sdp_conn_addr "$core_rx")" "$(sdp_media_port "$core_rx")")" \
		--core-remote-rtcp "$(hostport "$(sdp_conn_addr "$core_rx")" "$(sdp_rtcp_port "$core_rx")")" \
		--ue-tx-key-file "$4" --ue-rx-key-file "$5" >"$o.probe.log" 2>&1 || rc=$?
	sed "s/^/$id probe: /" "$o.probe.log" | grep -E ': (ue |core |ue->core|core->ue|srtcp|rtcp|VERDICT|usage|srtp_probe)' >&2 || true
	assert_grep "$o.probe.log" '^VERDICT: PASS$' "$id: srtp_probe verdict (exit $rc)"
	assert_eq "$rc" 0 "$id: srtp_probe exit status"
	assert_grep "$o.probe.log" "^ue->core: sent 50 srtp, received $n rtp, payloads ok $n\$" \
		"$id: UE->core SRTP over IPv6 arrived as RTP over IPv4"
	assert_grep "$o.probe.log" "^core->ue: sent 50 rtp, received $n srtp, decrypted $n, payloads ok $n\$" \
		"$id: core->UE RTP over IPv4 arrived as SRTP over IPv6"
	assert_grep "$o.probe.log" '^srtcp ue->core: ok' "$id: SRTCP UE->core"
	assert_grep "$o.probe.log" '^rtcp core->ue: ok' "$id: RTCP core->UE"
	note "NOTE: $id media (SRTP [::1] <-> gateway <-> RTP 127.0.0.1): $(grep -E '^(ue->core|core->ue): |^(srtcp|rtcp) ' "$o.probe.log" | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
}

# The UE's answer to the gateway's offer (term6): tag of SUITE, own key.
ue_answers() {
	local o=$RUN_DIR/$1 tag
	body_of "$o.ue.inv" "$o.ue.trace" received '^INVITE '
	tag=$(sdp_crypto "$o.ue.inv" | awk -v s="$SUITE" '$2 == s { print $1; exit }')
	[ -n "$tag" ] || fail "$1: the UE was offered no $SUITE line: $(sdp_crypto "$o.ue.inv" | tr '\n' ' ')"
	sdp_crypto_key "$o.ue.inv" "$tag" >"$o.gw.key"
	sdp6 "$o.answer.tmp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
		"a=crypto:$tag $SUITE inline:$(cat "$o.ue.key")" "a=sendrecv"
	mv "$o.answer.tmp" "$o.answer.sdp"
}

# Once the callee has the ACK: the SDPs each side received, the probe, the
# gateway's view of the call.
call_up() {
	local id=$1 o=$RUN_DIR/$1
	if [ "$DIR" = orig ]; then
		body_of "$o.ue.rx" "$o.ue.trace" received '^SIP/2\.0 200 '
		body_of "$o.core.rx" "$o.core.trace" received '^INVITE '
		sdp_crypto_key "$o.ue.rx" 1 >"$o.gw.key"
	else
		body_of "$o.ue.rx" "$o.ue.trace" received '^INVITE '
		body_of "$o.core.rx" "$o.core.trace" received '^SIP/2\.0 200 '
	fi
	# each side's SDP in its own family (before the probe, which needs it)
	if [ "$DIR" = orig ]; then
		check_ue_sdp "$o.ue.rx" answer "$id: the 200's answer to the UE"
		check_core_sdp "$o.core.rx" "$id: the offer to the core"
	else
		check_ue_sdp "$o.ue.rx" offer "$id: the offer to the UE"
		check_core_sdp "$o.core.rx" "$id: the 200's answer to the core"
	fi
	probe6 "$id" "$o.ue.rx" "$o.core.rx" "$o.ue.key" "$o.gw.key"
	rngctl "$RTPE_A_NG" query "$CID" >"$o.query" 2>&1 || fail "$id: no query reply"
}

# call6 ID DIR: orig: the UE ([::1]) calls the core; term: the core calls
# the UE's IPv6 contact through the P-CSCF's IPv4 core side.
call6() {
	local id=$1 o=$RUN_DIR/$1 cpid epid
	DIR=$2
	UE_MPORT=$(alloc_ports 2) CORE_MPORT=$(alloc_ports 2)
	CID="$id-$$-$RANDOM@e2ae.test"
	srtp_gen_key "$SUITE" >"$o.ue.key"
	local ue_exp=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto "$SUITE")
	local core_exp=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
	if [ "$DIR" = orig ]; then
		sdp6 "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
			"a=crypto:1 $SUITE inline:$(cat "$o.ue.key")" \
			"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:$(srtp_gen_key AES_CM_128_HMAC_SHA1_32)" \
			"a=3ge2ae:requested" "a=sendrecv"
		e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
		e2ae_sipp "$id.core" e2ae_uas_call.xml "$SCSCF_PORT" -d 100 -key answer_sdp "$o.answer.sdp" \
			"${core_exp[@]}"
		epid=$BG_PID
		e2ae_sipp_bound "$SCSCF_PORT"
		# the caller hangs up once the checks of the call are done (its
		# hold gate, test/lib.sh)
		e2ae_sipp "$id.ue" e2ae_uac_call.xml "$UE_PORT" -d 200 -cid_str "$CID" \
			-key ruri "sip:bob@ims.test" -key user ue -key offer_sdp "$o.offer.sdp" \
			"${ue_exp[@]}" -set hold_gate "$(gate_new "$id.hold")" -i ::1 "[::1]:$KAM_SIP_PORT"
		cpid=$BG_PID
		wait_until 10 sipp_saw "$RUN_DIR/$id.core.trace" received '^ACK ' ||
			fail "$id: no ACK reached the core (the UE got: $(sipp_received "$RUN_DIR/$id.ue.trace" | tr '\n' ';'))"
	else
		e2ae_sdp_file "$o.offer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
		: >"$o.answer.sdp"
		# gates (test/lib.sh): the UE answers once the test wrote its
		# answer, the caller hangs up once the checks of the call are done
		e2ae_sipp "$id.ue" e2ae_uas_call.xml "$UE_PORT" -d 100 \
			-key answer_sdp "$(gate_new "$id.answer")" "${ue_exp[@]}" -i ::1
		epid=$BG_PID
		e2ae_sipp_bound "$UE_PORT"
		e2ae_sipp "$id.core" e2ae_uac_call.xml "$SCSCF_PORT" -d 200 -cid_str "$CID" \
			-key ruri "sip:ue@[::1]:$UE_PORT" -key user core -key offer_sdp "$o.offer.sdp" \
			"${core_exp[@]}" -set hold_gate "$(gate_new "$id.hold")" "127.0.0.1:$KAM_CORE_PORT"
		cpid=$BG_PID
		wait_until 10 sipp_saw "$RUN_DIR/$id.ue.trace" received '^INVITE ' ||
			fail "$id: the UE received no INVITE (the core got: $(sipp_received "$RUN_DIR/$id.core.trace" | tr '\n' ';'))"
		ue_answers "$id"
		gate_open "$o.answer.gate" "$o.answer.sdp"
		wait_until 10 sipp_saw "$RUN_DIR/$id.ue.trace" received '^ACK ' ||
			fail "$id: no ACK reached the UE (the core got: $(sipp_received "$RUN_DIR/$id.core.trace" | tr '\n' ';'))"
	fi
	call_up "$id"
	gate_open "$o.hold.gate"
	e2ae_sipp_wait "$id.$([ "$DIR" = orig ] && echo ue || echo core)" "$cpid" "$id: caller"
	e2ae_sipp_wait "$id.$([ "$DIR" = orig ] && echo core || echo ue)" "$epid" "$id: callee"

	# --- the SIP of each side left the P-CSCF from the socket of its family
	if [ "$DIR" = orig ]; then
		assert_grep "$o.core.rx.msg" "^Via: SIP/2\.0/UDP 127\.0\.0\.1:$KAM_CORE_PORT;" \
			"$id: the core got the INVITE from the P-CSCF's IPv4 core socket"
	else
		assert_grep "$o.ue.rx.msg" "^Via: SIP/2\.0/UDP \[::1\]:$KAM_SIP_PORT;" \
			"$id: the UE got the INVITE from the P-CSCF's IPv6 access socket"
	fi
	# both sockets are in each side's route set (double Record-Route)
	local f rr
	for f in "$o.ue.rx.msg" "$o.core.rx.msg"; do
		rr=$(msg_hdrs "$f" | grep -E '^Record-Route:' | tr '\n' ' ')
		[[ $rr == *"<sip:[::1]:$KAM_SIP_PORT;"* && $rr == *"<sip:127.0.0.1:$KAM_CORE_PORT;"* ]] ||
			fail "$id: the route set in ${f#"$RUN_DIR"/} lacks a P-CSCF socket ([::1]:$KAM_SIP_PORT and 127.0.0.1:$KAM_CORE_PORT): $rr"
	done
	# --- the gateway: the UE's streams IPv6, the core's IPv4
	local ue_tag core_tag
	if [ "$DIR" = orig ]; then
		ue_tag=$(sed -n 's/^From:.*;tag=\([^;>[:space:]]*\).*/\1/p' "$o.ue.rx.msg" | head -n 1)
		core_tag=$(sed -n 's/^To:.*;tag=\([^;>[:space:]]*\).*/\1/p' "$o.ue.rx.msg" | head -n 1)
	else
		core_tag=$(sed -n 's/^From:.*;tag=\([^;>[:space:]]*\).*/\1/p' "$o.core.rx.msg" | head -n 1)
		ue_tag=$(sed -n 's/^To:.*;tag=\([^;>[:space:]]*\).*/\1/p' "$o.core.rx.msg" | head -n 1)
	fi
	assert_eq "$(query_family "$o.query" "$ue_tag")" "IPv6 " "$id: rtpengine's sockets toward the UE (tag $ue_tag)"
	assert_eq "$(query_family "$o.query" "$core_tag")" "IPv4 " "$id: rtpengine's sockets toward the core (tag $core_tag)"
	e2ae_no_calls_left "$id"
	note "$id: UE got m=$(sdp_media_port "$o.ue.rx") c=IN IP6 ::1 RTP/SAVP + applied, core got m=$(sdp_media_port "$o.core.rx") c=IN IP4 RTP/AVP; media probed"
}

call6 orig6 orig
call6 term6 term

assert_no_grep "$RUN_DIR/kamailio.log" 'failed a check|CRITICAL|BUG' "no failed check in the P-CSCF"
e2ae_no_calls_left "end of case"
