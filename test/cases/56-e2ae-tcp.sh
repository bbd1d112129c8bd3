#!/usr/bin/env bash
# The UE side over TCP (issue 12): registration and an originating e2ae call
# from a UE whose SIP is TCP (sipp -t t1; the core side stays UDP).
#
#   1. The lab as it was ("lab"): Kamailio with the example P-CSCF config,
#      TCP on SIP_PORT beside UDP, and e2ae_socket naming the UDP socket
#      only (E2AE_SOCKET="udp:..."; test/lib.sh and scripts/lab.sh started
#      it so).  The same UE registers over UDP (mediasec in the 401 and the
#      200) and over TCP: no mediasec.  That was the issue: e2ae_socket
#      compares the whole socket, proto:address:port, and the TCP socket
#      was not listed; the module is right, the configuration was short of
#      a define.
#   2. The fix: the example config's E2AE_SOCKET_TCP lists the TCP socket
#      (here on UE_TCP_PORT: test/lib.sh picks SIP_PORT itself, so the case
#      gives the TCP socket a port it knows).  A UE registering over TCP gets
#      "Security-Server: sdes-srtp;mediasec" in the 401 (after the
#      ipsec-3gpp one) and the 200, and its contact is bound for e2ae (RPC
#      ims_medsec.registrations, not protected: TCP is not TLS);
#   3. its originating call over TCP, crypto:1 AES_CM_128_HMAC_SHA1_80 +
#      crypto:2 AES_CM_128_HMAC_SHA1_32 and a=3ge2ae:requested, gets e2ae,
#      checked as case 55 does over UDP: the core gets RTP/AVP on the
#      gateway without SDES or indication, the UE gets RTP/SAVP on the
#      gateway, one crypto line (tag 1) with the gateway's key and
#      a=3ge2ae:applied; srtp_probe: SRTP/SRTCP from the UE arrives as
#      RTP/RTCP at the core and back, both ways.  The INVITE, the ACK and
#      the BYE went over TCP (SIPp's trace), the 200 came back on it, with a
#      Record-Route of ;transport=tcp for the UE side; the gateway received
#      offer, answer and delete and holds no call afterwards.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run

UE_TCP_PORT=$(alloc_ports 1)
E2AE_KAM_DEFINES=("UE_TCP_PORT=$UE_TCP_PORT" "E2AE_SOCKET_TCP=\"tcp:127.0.0.1:$UE_TCP_PORT\"")
e2ae_lab
e2ae_ctl

# sec_servers TRACE-NAME RESPONSE-REGEX TAG: the Security-Server lines of
# the response the UE received.
sec_servers() {
	sipp_msg "$RUN_DIR/$1.trace" received "$2" >"$RUN_DIR/$1.$3.msg" ||
		fail "$1: no /$2/ received"
	msg_hdrs "$RUN_DIR/$1.$3.msg" | grep -i '^Security-Server:' || true
}

# over_tcp TRACE-NAME REGEX WHAT: sipp sent that message over TCP.
over_tcp() {
	awk -v re="$2" '
		/^(TCP|UDP) message sent/ { t = $1; getline; getline; if ($0 ~ re) { print t; exit } }
	' "$RUN_DIR/$1.trace" >"$RUN_DIR/.t"
	assert_eq "$(cat "$RUN_DIR/.t")" TCP "$3"
}

# ----- 1. the lab as it was: TCP on SIP_PORT, e2ae_socket udp only -----
start_kamailio -n lab "$E2AE_CFG" "MEDSEC_MODULE=\"$MEDSEC_MODULE\"" \
	"RTPENGINE_NG=\"udp:127.0.0.1:$RTPE_A_NG\"" WORKERS=2 \
	"SCSCF_URI=\"sip:127.0.0.1:$SCSCF_PORT\""
LAB_UDP_UE=$(alloc_ports 1)
LAB_TCP_UE=$(alloc_ports 1)
E2AE_UE_PCSCF_PORT=$KAM_LAB_SIP_PORT
e2ae_register lab-udp "$LAB_UDP_UE" labudp
E2AE_UE_SIPP_ARGS=(-t t1)
e2ae_register lab-tcp "$LAB_TCP_UE" labtcp -key exp401 none -key exp200 none
over_tcp lab-tcp.ue '^REGISTER ' "lab-tcp: the REGISTER went over TCP"
assert_eq "$(sec_servers lab-tcp.ue '^SIP/2\.0 401 ' 401)" "Security-Server: $E2AE_IPSEC_SERVER" \
	"lab-tcp: the 401 has the S-CSCF's ipsec-3gpp entry only"
assert_eq "$(sec_servers lab-tcp.ue '^SIP/2\.0 200 ' 200)" "" "lab-tcp: no Security-Server in the 200"
stop_pidfiles "$KAM_LAB_PIDFILE" kamailio || fail "the lab Kamailio did not stop on SIGTERM"
note "the lab as it was (TCP on SIP_PORT, e2ae_socket \"udp:...\" only): UDP registration got mediasec, TCP registration none"

# ----- 2. registration over TCP, the TCP socket listed -----
UE_PORT=$(alloc_ports 1)
E2AE_UE_SIPP_ARGS=(-t t1)
E2AE_UE_PCSCF_PORT=$UE_TCP_PORT
e2ae_register reg "$UE_PORT" ue
over_tcp reg.ue '^REGISTER ' "reg: the REGISTER went over TCP"
assert_eq "$(sec_servers reg.ue '^SIP/2\.0 401 ' 401)" "Security-Server: $E2AE_IPSEC_SERVER
Security-Server: sdes-srtp;mediasec" "reg: the 401's Security-Server lines (ipsec-3gpp first, then mediasec)"
assert_eq "$(sec_servers reg.ue '^SIP/2\.0 200 ' 200)" "Security-Server: sdes-srtp;mediasec" \
	"reg: the 200's Security-Server"
# Kamailio saw the REGISTER from the UE's own port (sipp binds -p) over TCP
assert_grep "$RUN_DIR/reg.ue.trace" "^Via: SIP/2\.0/TCP 127\.0\.0\.1:$UE_PORT;received=127\.0\.0\.1;.*rport=$UE_PORT" \
	"reg: the 401 answers the UE's TCP Via"
kam regs.out ims_medsec.registrations
awk -v c="127.0.0.1:$UE_PORT" '$1 == "contact:" { on = ($2 == c) } on && $1 == "protected:" { print $2 }' \
	"$RUN_DIR/regs.out" >"$RUN_DIR/regs.prot"
assert_eq "$(cat "$RUN_DIR/regs.prot")" no \
	"reg: the contact is bound for e2ae, not protected (TCP is not TLS): $(tr '\n\t' '  ' <"$RUN_DIR/regs.out")"
note "reg: over TCP, 401 and 200 carry Security-Server: sdes-srtp;mediasec; binding 127.0.0.1:$UE_PORT (protected: no)"

# ----- 3. an originating e2ae call over TCP, media probed -----
o=$RUN_DIR/o80
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
srtp_gen_key AES_CM_128_HMAC_SHA1_80 >"$o.ue1.key"
srtp_gen_key AES_CM_128_HMAC_SHA1_32 >"$o.ue2.key"
e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0 8" "a=rtpmap:0 PCMU/8000" \
	"a=rtpmap:8 PCMA/8000" "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(cat "$o.ue1.key")" \
	"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:$(cat "$o.ue2.key")" \
	"a=3ge2ae:requested" "a=sendrecv"
e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
probe_up() {
	local p=$RUN_DIR/$1
	sdp_crypto_key "$p.ue.rx.sdp" 1 >"$p.gw.key"
	[ -s "$p.gw.key" ] || fail "$1: no tag-1 key in the UE's answer"
	e2ae_probe "$1" AES_CM_128_HMAC_SHA1_80 "$p.ue1.key" "$p.gw.key"
}
E2AE_ON_UP=probe_up
UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto AES_CM_128_HMAC_SHA1_80)
CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
e2ae_call o80 orig "$o.offer.sdp" "$o.answer.sdp" "$E2AE_HOLD_MS"
cid=$E2AE_CALL_ID
[ -s "$o.probe.log" ] || fail "o80: the media was not probed (no ACK seen in time?)"

for m in '^INVITE ' '^ACK ' '^BYE '; do
	over_tcp o80.ue "$m" "o80: the UE's ${m#^} went over TCP"
done
grep -q '^TCP message received' "$o.ue.trace" || fail "o80: the UE received nothing over TCP"
assert_no_grep "$o.ue.trace" '^UDP message' "o80: the UE's SIP was TCP only"
assert_grep "$o.ue.rx.msg" '^Record-Route: .*<sip:127\.0\.0\.1:'"$UE_TCP_PORT"';transport=tcp;' \
	"o80: the P-CSCF record-routed the UE side as TCP"

assert_agw_sdp "$o.core.rx.sdp" "o80: core's offer"
assert_grep "$o.core.rx.sdp" '^m=audio [0-9]+ RTP/AVP 0 8$' "o80: core's offer is RTP/AVP with the UE's codecs"
assert_no_grep "$o.core.rx.sdp" '^a=crypto' "o80: no crypto line toward the core"
assert_no_grep "$o.core.rx.sdp" '^a=3ge2ae' "o80: no e2ae indication toward the core"
assert_no_grep "$o.core.rx.sdp" '^a=(fingerprint|setup|key-mgmt)' "o80: no other keying toward the core"
assert_agw_sdp "$o.ue.rx.sdp" "o80: UE's answer"
assert_grep "$o.ue.rx.sdp" '^m=audio [0-9]+ RTP/SAVP 0$' "o80: UE's answer is RTP/SAVP"
assert_eq "$(sdp_crypto "$o.ue.rx.sdp" | tr '\n' ' ')" "1 AES_CM_128_HMAC_SHA1_80 " \
	"o80: exactly one crypto line, tag and suite of the UE's chosen line"
assert_eq "$(msg_count "$o.ue.rx.sdp" '^a=3ge2ae:')" 1 "o80: one e2ae indication to the UE"
assert_grep "$o.ue.rx.sdp" '^a=3ge2ae:applied$' "o80: the UE is told e2ae is applied"
for n in 1 2; do
	if cmp -s "$o.gw.key" "$o.ue$n.key"; then
		fail "o80: the answer's key is the UE's own key of tag $n"
	fi
done
assert_grep "$RUN_DIR/kamailio.log" "call $cid: e2ae offer from the UE through gateway" \
	"o80: Kamailio handled the offer as e2ae"
assert_grep "$RUN_DIR/kamailio.log" "call $cid: e2ae answer through gateway" \
	"o80: Kamailio handled the answer as e2ae"
for c in offer answer delete; do
	assert_grep "$RUN_DIR/rtpengine-a.log" "\[${cid}[^]]*\]: .*Received command '$c'" \
		"o80: rtpengine received the ng $c"
done
e2ae_no_calls_left o80
note "o80: over TCP, UE got $(sdp_crypto "$o.ue.rx.sdp" | tr '\n' ' ')+ a=3ge2ae:applied; core got RTP/AVP without SDES; BYE over TCP released the gateway"

assert_no_grep "$RUN_DIR/kamailio.log" 'media (offer|answer) refused|failed a check' \
	"no refusal in the P-CSCF"
