#!/usr/bin/env bash
# The UE side over TLS, and TLS as protected signalling (issue 12): the
# example P-CSCF with WITH_TLS (tls.so, a tls: socket on TLS_PORT with a
# certificate made for this run by a test CA: test/tls.sh), the TCP socket
# on UE_TCP_PORT, both listed in e2ae_socket, and
# REQUIRE_PROTECTED_SIGNALLING (modparam require_protected_signalling: e2ae
# only for a UE registered over TLS or IPsec with encryption).  The UEs'
# IPsec entries say ealg=null, so only the transport decides.  Debian's
# SIPp has no TLS: the UE's sipp speaks TCP to tls_relay, which speaks TLS
# to Kamailio (test/tls.sh).
#
#   - a UE trusting another CA refuses the P-CSCF's certificate (the relay
#     verifies for real: certificate and address);
#   - ue-tls registers over TLS (the relay verified the P-CSCF's
#     certificate against the test CA: TLSv1.2+, CN pcscf.ims.test):
#     "Security-Server: sdes-srtp;mediasec" in the 401 (after ipsec-3gpp)
#     and in the 200; ims_medsec.registrations lists its contact as
#     protected.  Its TLS connection comes from the relay's port, not from
#     the contact's: the binding is the contact's host:port;
#   - ue-tcp registers over plain TCP on a socket that e2ae_socket lists:
#     no mediasec in the 401 or the 200, no binding (TCP is not protected);
#   - ue-tls's originating call over TLS gets e2ae: the core RTP/AVP on the
#     gateway without SDES or indication, the UE RTP/SAVP with one crypto
#     line and a=3ge2ae:applied, Record-Route ;transport=tls toward the UE;
#     srtp_probe SRTP/SRTCP <-> RTP/RTCP both ways;
#   - ue-tls's call over plain TCP (same contact, registered over TLS) is
#     not e2ae: keys would cross unprotected SIP (logged, end-to-end);
#   - ue-tcp's call over TCP, offering a=3ge2ae:requested, is end-to-end,
#     as for a UE that registered without mediasec (case 50): the core gets
#     the UE's SDP minus the indication, the UE gets the core's answer
#     unchanged and no a=3ge2ae, rtpengine never sees the call.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
# shellcheck source=../tls.sh
. "$(dirname "$0")/../tls.sh"
setup_run
tls_certs
need_tls_relay

TLS_PORT=$(alloc_ports 1)
UE_TCP_PORT=$(alloc_ports 1)
mapfile -t E2AE_KAM_DEFINES < <(tls_kam_defines "$TLS_PORT")
E2AE_KAM_DEFINES+=("UE_TCP_PORT=$UE_TCP_PORT" "E2AE_SOCKET_TCP=\"tcp:127.0.0.1:$UE_TCP_PORT\""
	REQUIRE_PROTECTED_SIGNALLING)
e2ae_lab
wait_until 5 port_bound "$TLS_PORT" tcp || fail "Kamailio does not listen on TLS port $TLS_PORT"
e2ae_ctl
assert_grep "$RUN_DIR/kamailio.log" "certificate='$TLS_DIR/pcscf.pem'" "Kamailio's tls.so loaded the P-CSCF's certificate"
note "Kamailio: tls:127.0.0.1:$TLS_PORT, tcp:127.0.0.1:$UE_TCP_PORT, require_protected_signalling"

sec_servers() {
	sipp_msg "$RUN_DIR/$1.trace" received "$2" >"$RUN_DIR/$1.$3.msg" ||
		fail "$1: no /$2/ received"
	msg_hdrs "$RUN_DIR/$1.$3.msg" | grep -i '^Security-Server:' || true
}

# reg_protected CONTACT: the "protected" field of CONTACT's binding
# (ims_medsec.registrations), empty when it is not bound.
reg_protected() {
	kam regs.out ims_medsec.registrations
	awk -v c="$1" '$1 == "contact:" { on = ($2 == c) } on && $1 == "protected:" { print $2 }' \
		"$RUN_DIR/regs.out"
}

# ----- a UE that does not trust the P-CSCF's CA -----
tls_relay_start rogue "$TLS_PORT" "$TLS_DIR/other-ca.pem"
tls_poke "$TLS_RELAY_PORT"
wait_until 5 grep -q 'handshake failed' "$RUN_DIR/rogue.log" ||
	fail "a UE trusting another CA did not refuse the P-CSCF: $(cat "$RUN_DIR/rogue.log")"
assert_grep "$RUN_DIR/rogue.log" 'certificate verify failed' "the refusal is the certificate's"
stop_pidfiles "$RUN_DIR/rogue.bg.pid" tls_relay || true
note "a UE trusting another CA refuses the P-CSCF's certificate"

# ----- ue-tls: registration over TLS -----
tls_relay_start relay "$TLS_PORT"
E2AE_UE_SIPP_ARGS=(-t t1)
E2AE_UE_PCSCF_PORT=$TLS_RELAY_PORT
TLS_UE=$(alloc_ports 1)
e2ae_register tls "$TLS_UE" uetls
assert_grep "$RUN_DIR/relay.log" '^conn 1: from 127\.0\.0\.1:'"$TLS_UE"': TLS TLSv1\.[23] [A-Z0-9_-]+, server certificate verified: subject /?CN ?= ?pcscf\.ims\.test; issuer /?CN ?= ?ims_medsec test CA$' \
	"tls: the UE's connection was TLS, the P-CSCF's certificate verified against the test CA"
assert_eq "$(sec_servers tls.ue '^SIP/2\.0 401 ' 401)" "Security-Server: $E2AE_IPSEC_SERVER
Security-Server: sdes-srtp;mediasec" "tls: the 401's Security-Server lines (ipsec-3gpp first, then mediasec)"
assert_eq "$(sec_servers tls.ue '^SIP/2\.0 200 ' 200)" "Security-Server: sdes-srtp;mediasec" \
	"tls: the 200's Security-Server"
# Kamailio got it from the relay's connection (rport), not from the contact's port
sipp_msg_to "$RUN_DIR/tls.401.msg" "$RUN_DIR/tls.ue.trace" received '^SIP/2\.0 401 '
rport=$(sed -n 's/^Via: .*;rport=\([0-9]*\).*/\1/p' "$RUN_DIR/tls.401.msg" | head -n 1)
assert_ne "$rport" "$TLS_UE" "tls: the P-CSCF saw the REGISTER from the relay's TLS connection"
assert_eq "$(reg_protected "127.0.0.1:$TLS_UE")" yes \
	"tls: the contact is bound for e2ae as protected: $(tr '\n\t' '  ' <"$RUN_DIR/regs.out")"
note "tls: over TLS (from port $rport; contact port $TLS_UE), 401 and 200 carry mediasec; binding protected"

# ----- ue-tcp: registration over plain TCP -----
E2AE_UE_PCSCF_PORT=$UE_TCP_PORT
TCP_UE=$(alloc_ports 1)
e2ae_register tcp "$TCP_UE" uetcp -key exp401 none -key exp200 none
assert_eq "$(sec_servers tcp.ue '^SIP/2\.0 401 ' 401)" "Security-Server: $E2AE_IPSEC_SERVER" \
	"tcp: the 401 has the S-CSCF's ipsec-3gpp entry only"
assert_eq "$(sec_servers tcp.ue '^SIP/2\.0 200 ' 200)" "" "tcp: no Security-Server in the 200"
assert_grep "$RUN_DIR/tcp.ue.trace" '^TCP message sent' "tcp: the UE spoke TCP"
assert_eq "$(reg_protected "127.0.0.1:$TCP_UE")" "" \
	"tcp: the contact is not bound for e2ae: $(tr '\n\t' '  ' <"$RUN_DIR/regs.out")"
note "tcp: over plain TCP (socket listed in e2ae_socket), no mediasec: TCP is not protected signalling"

# ----- ue-tls calls over TLS: e2ae, media probed -----
o=$RUN_DIR/tls-call
UE_PORT=$TLS_UE
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
srtp_gen_key AES_CM_128_HMAC_SHA1_80 >"$o.ue1.key"
srtp_gen_key AES_CM_128_HMAC_SHA1_32 >"$o.ue2.key"
e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(cat "$o.ue1.key")" \
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
E2AE_UE_PCSCF_PORT=$TLS_RELAY_PORT
UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto AES_CM_128_HMAC_SHA1_80)
CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
e2ae_call tls-call orig "$o.offer.sdp" "$o.answer.sdp" "$E2AE_HOLD_MS"
cid=$E2AE_CALL_ID
[ -s "$o.probe.log" ] || fail "tls-call: the media was not probed (no ACK seen in time?)"
assert_grep "$RUN_DIR/relay.log" '^conn 2: from 127\.0\.0\.1:'"$TLS_UE"': TLS .*server certificate verified' \
	"tls-call: the call had its own verified TLS connection"
assert_grep "$o.ue.rx.msg" '^Record-Route: .*<sip:127\.0\.0\.1:'"$TLS_PORT"';transport=tls;' \
	"tls-call: the P-CSCF record-routed the UE side as TLS (it received the INVITE over TLS)"
assert_agw_sdp "$o.core.rx.sdp" "tls-call: core's offer"
assert_grep "$o.core.rx.sdp" '^m=audio [0-9]+ RTP/AVP 0$' "tls-call: core's offer is RTP/AVP"
assert_no_grep "$o.core.rx.sdp" '^a=(crypto|3ge2ae|fingerprint|setup|key-mgmt)' \
	"tls-call: no keying or indication toward the core"
assert_agw_sdp "$o.ue.rx.sdp" "tls-call: UE's answer"
assert_grep "$o.ue.rx.sdp" '^m=audio [0-9]+ RTP/SAVP 0$' "tls-call: UE's answer is RTP/SAVP"
assert_eq "$(sdp_crypto "$o.ue.rx.sdp" | tr '\n' ' ')" "1 AES_CM_128_HMAC_SHA1_80 " \
	"tls-call: exactly one crypto line, the UE's tag 1"
assert_eq "$(msg_count "$o.ue.rx.sdp" '^a=3ge2ae:')" 1 "tls-call: one e2ae indication to the UE"
assert_grep "$o.ue.rx.sdp" '^a=3ge2ae:applied$' "tls-call: the UE is told e2ae is applied"
for n in 1 2; do
	if cmp -s "$o.gw.key" "$o.ue$n.key"; then
		fail "tls-call: the answer's key is the UE's own key of tag $n"
	fi
done
assert_grep "$RUN_DIR/kamailio.log" "call $cid: e2ae offer from the UE through gateway" \
	"tls-call: Kamailio handled the offer as e2ae"
for c in offer answer delete; do
	assert_grep "$RUN_DIR/rtpengine-a.log" "\[${cid}[^]]*\]: .*Received command '$c'" \
		"tls-call: rtpengine received the ng $c"
done
e2ae_no_calls_left tls-call
note "tls-call: over TLS, e2ae (UE got 1 AES_CM_128_HMAC_SHA1_80 + a=3ge2ae:applied, core RTP/AVP), media probed"

# ----- ue-tcp calls over TCP: end-to-end -----
o=$RUN_DIR/tcp-call
UE_PORT=$TCP_UE
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)" \
	"a=3ge2ae:requested" "a=sendrecv"
e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)" "a=sendrecv"
E2AE_ON_UP=''
E2AE_UE_PCSCF_PORT=$UE_TCP_PORT
UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae none -key exp_crypto AES_CM_128_HMAC_SHA1_80)
CORE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae none -key exp_crypto AES_CM_128_HMAC_SHA1_80)
e2ae_call tcp-call orig "$o.offer.sdp" "$o.answer.sdp" 300
cid=$E2AE_CALL_ID
assert_grep "$o.ue.rx.msg" '^Record-Route: .*<sip:127\.0\.0\.1:'"$UE_TCP_PORT"';transport=tcp;' \
	"tcp-call: the INVITE came over TCP"
grep -v '^a=3ge2ae' "$o.ue.tx.sdp" >"$o.expected.sdp"
cmp -s "$o.expected.sdp" "$o.core.rx.sdp" ||
	fail "tcp-call: the core did not get the UE's SDP unchanged (minus a=3ge2ae): $(diff "$o.expected.sdp" "$o.core.rx.sdp" | sdes_mask | tr '\n' ' ')"
cmp -s "$o.core.tx.sdp" "$o.ue.rx.sdp" ||
	fail "tcp-call: the UE did not get the core's answer unchanged: $(diff "$o.core.tx.sdp" "$o.ue.rx.sdp" | sdes_mask | tr '\n' ' ')"
assert_no_grep "$o.ue.rx.sdp" '^a=3ge2ae' "tcp-call: the UE never gets a=3ge2ae"
assert_grep "$RUN_DIR/kamailio.log" "call $cid: end-to-end media passed untouched" \
	"tcp-call: Kamailio passed the media end-to-end"
assert_no_grep "$RUN_DIR/rtpengine-a.log" "\[$cid" "tcp-call: rtpengine never saw the call"
note "tcp-call: over plain TCP the requested offer went end-to-end (indication removed, not anchored)"

# ----- ue-tls calls over plain TCP: not e2ae -----
o=$RUN_DIR/tls-tcp-call
UE_PORT=$TLS_UE
e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)" \
	"a=3ge2ae:requested" "a=sendrecv"
cp "$RUN_DIR/tcp-call.answer.sdp" "$o.answer.sdp"
e2ae_call tls-tcp-call orig "$o.offer.sdp" "$o.answer.sdp" 300
assert_grep "$RUN_DIR/kamailio.log" "no e2ae for 127\.0\.0\.1:$TLS_UE: the request did not come over the protected transport" \
	"tls-tcp-call: a TLS-registered UE calling over plain TCP gets no e2ae"
assert_no_grep "$o.ue.rx.sdp" '^a=3ge2ae' "tls-tcp-call: no e2ae indication to the UE"
note "tls-tcp-call: registered over TLS, called over plain TCP: no e2ae (no gateway key over unprotected SIP)"
e2ae_no_calls_left "end of case"
