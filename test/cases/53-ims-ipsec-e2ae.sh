#!/usr/bin/env bash
# 3GPP sec-agree with IPsec (ims_ipsec_pcscf) and e2ae together, in the
# P-CSCF built on Kamailio's IMS modules, in two network namespaces made by
# the case (test/ims.sh): the UE on 192.0.2.2, the P-CSCF on 192.0.2.1.
#
#   1. The UE's REGISTER (from port 5060, as ims_ipsec_pcscf expects of an
#      initial registration) carries one Security-Client line
#      "ipsec-3gpp;...;ealg=aes-cbc;..., sdes-srtp;mediasec".  The S-CSCF's
#      401 carries ck and ik.  The 401 the UE gets: ck and ik removed; two
#      Security-Server lines, ims_ipsec_pcscf's ipsec-3gpp one (its SPIs and
#      protected ports) FIRST, then "sdes-srtp;mediasec" (TS 24.229: the
#      UE copies the list, in order, into Security-Verify).
#   2. ims_ipsec_pcscf's xfrm policies in the P-CSCF namespace name the
#      UE's and the P-CSCF's protected ports and SPIs of that exchange.
#   3. The protected REGISTER leaves the UE's protected client port for the
#      P-CSCF's protected server port, with Security-Verify = the 401's
#      Security-Server list (checked against what the P-CSCF sent); its 200
#      indicates mediasec again; the registration is e2ae and "protected"
#      (ealg aes-cbc).
#   4. An originating e2ae call over the same protected ports, media proven
#      by srtp_probe both ways (SRTP on the UE leg, RTP on the core leg).
#   5. A terminating e2ae call: the S-CSCF's RTP/AVP INVITE for the UE's
#      contact leaves the P-CSCF's protected client port for the UE's
#      protected server port (ipsec_forward()), with the AGW's crypto
#      offers and a=3ge2ae:applied; the UE answers SRTP; media probed.
#   6. A re-REGISTER sent to the plain port that only looks protected
#      (Security-Verify, ealg=aes-cbc): with require_protected_signalling
#      its 200 indicates no mediasec and e2ae ends for the contact
#      (ims_medsec's ipsec_server_port: protected means a protected port).
#
# This machine's kernel may lack ESP (CONFIG_INET_ESP): ims_ipsec_pcscf's
# SAs then cannot exist, and its policies would drop the traffic of the
# protected ports.  The case then checks the policies, removes them (in
# its own namespace) and runs steps 3-4 in clear over the protected ports,
# with a NOTE.  A kernel with ESP gets the same run, in clear too (a NOTE
# says so): the UE's mirror SAs are not installed by this case yet.
#
# Runs in network namespaces of its own (test/ims.sh).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
# shellcheck source=../ims.sh
. "$(dirname "$0")/../ims.sh"
ims_netns_run "$@"
setup_run

CK=0123456789abcdef0123456789abcdef
IK=fedcba9876543210fedcba9876543210
UE_SPI_C=4001 UE_SPI_S=4002
UE_PORT_C=6101 UE_PORT_S=6100
# A numeric parameter last: ims_registrar_pcscf 5.6 reads the first
# Security-Client line only and keeps the rest of the line (", sdes-srtp;
# mediasec") in its last ipsec parameter; a number survives that (a
# trailing ealg would reach the 401 as "ealg=aes-cbc, sdes-srtp").
UE_IPSEC="ipsec-3gpp;prot=esp;mod=trans;alg=hmac-sha-1-96;ealg=aes-cbc;spi-c=$UE_SPI_C;spi-s=$UE_SPI_S;port-c=$UE_PORT_C;port-s=$UE_PORT_S"

export LAB_PCSCF=ims KAM_PROBE_IP=$IMS_PCSCF_IP
E2AE_KAM_DEFINES=(WITH_IPSEC REQUIRE_PROTECTED_SIGNALLING "LISTEN_IP=$IMS_PCSCF_IP"
	CORE_IP=127.0.0.1 "IPSEC_LISTEN_ADDR=\"$IMS_PCSCF_IP\"")
e2ae_lab
ims_ue_sipp_wrapper
CID="ims-ipsec-$$-$RANDOM@ue.test"

# ----- 1. initial REGISTER, 401 -----
e2ae_sipp reg.scscf ims_scscf_register.xml "$SCSCF_PORT" -key ck "$CK" -key ik "$IK" \
	-key reg_expires 600
scscf=$BG_PID
e2ae_sipp_bound "$SCSCF_PORT"
ims_ue_initial reg1.ue "$RUN_DIR/r401.msg" "$CID" "$UE_IPSEC, sdes-srtp;mediasec" "$KAM_SIP_PORT"
msg_hdrs "$RUN_DIR/r401.msg" | grep -i '^Security-Server:' | sed 's/^[^:]*: *//' >"$RUN_DIR/r401.servers"
assert_eq "$(wc -l <"$RUN_DIR/r401.servers")" 2 "the 401 carries two Security-Server lines"
SRV_IPSEC=$(sed -n 1p "$RUN_DIR/r401.servers")
SRV_MEDIA=$(sed -n 2p "$RUN_DIR/r401.servers")
case $SRV_IPSEC in ipsec-3gpp\;*) ;; *) fail "the first Security-Server is not ipsec-3gpp: $SRV_IPSEC" ;; esac
assert_eq "$SRV_MEDIA" "sdes-srtp;mediasec" "the second Security-Server line"
assert_no_grep "$RUN_DIR/r401.msg" '(ck|ik)="' "the P-CSCF removed ck and ik from the 401"
P_SPI_C=$(ims_secagree_param "$SRV_IPSEC" spi-c)
P_SPI_S=$(ims_secagree_param "$SRV_IPSEC" spi-s)
P_PORT_C=$(ims_secagree_param "$SRV_IPSEC" port-c)
P_PORT_S=$(ims_secagree_param "$SRV_IPSEC" port-s)
note "401: Security-Server $SRV_IPSEC, then $SRV_MEDIA"
[ -n "$P_PORT_S" ] && [ -n "$P_SPI_S" ] || fail "no port-s / spi-s in $SRV_IPSEC"

# ----- 2. ims_ipsec_pcscf's policies for this exchange -----
ip xfrm policy >"$RUN_DIR/xfrm-policy.out"
for sel in "src $IMS_UE_IP/32 dst $IMS_PCSCF_IP/32 sport $UE_PORT_C dport $P_PORT_S" \
	"src $IMS_PCSCF_IP/32 dst $IMS_UE_IP/32 sport $P_PORT_C dport $UE_PORT_S"; do
	# ip prints "proto udp" (or nothing) between the addresses and ports
	re=$(printf '%s' "$sel" | sed 's/ sport/.*sport/')
	assert_grep "$RUN_DIR/xfrm-policy.out" "$re" "ims_ipsec_pcscf's policy $sel"
done

# ----- 3. the protected REGISTER -----
if ims_kernel_has_esp; then
	note "NOTE: kernel with ESP: the UE's SAs are not installed by this case yet; protected traffic runs in clear"
fi
# Without ESP in the kernel, no SA can exist: ims_ipsec_pcscf's policies
# (which would drop the protected ports' traffic) go, the ports stay.
ip xfrm state >"$RUN_DIR/xfrm-state.out"
if [ ! -s "$RUN_DIR/xfrm-state.out" ]; then
	note "NOTE: this kernel has no ESP (CONFIG_INET_ESP): ims_ipsec_pcscf's SAs could not be created; its policies are removed and the protected ports carry SIP in clear"
fi
ip xfrm policy flush

VERIFY="$SRV_IPSEC, $SRV_MEDIA"
ims_ue_protected reg2.ue "$CID" "$UE_IPSEC, sdes-srtp;mediasec" "$VERIFY" "$UE_PORT_C" "$P_PORT_S" mediasec
e2ae_sipp_wait reg.scscf "$scscf" "S-CSCF registrar"

sipp_msg_to "$RUN_DIR/reg2.sent" "$RUN_DIR/reg2.ue.trace" sent '^REGISTER '
assert_eq "$(msg_hdrs "$RUN_DIR/reg2.sent" | sed -n 's/^Security-Verify: *//p')" "$VERIFY" \
	"Security-Verify = the 401's Security-Server list, in order"
sipp_msg_to "$RUN_DIR/reg2.200" "$RUN_DIR/reg2.ue.trace" received '^SIP/2\.0 200 '
assert_grep "$RUN_DIR/reg2.200" '^Security-Server: sdes-srtp;mediasec$' "the 200 indicates mediasec"
# what the S-CSCF got: the protected REGISTER, with the Security-Verify
sipp_msg "$RUN_DIR/reg.scscf.trace" received '^REGISTER ' 2 >"$RUN_DIR/scscf.reg2" ||
	fail "the S-CSCF got no second REGISTER"
assert_grep "$RUN_DIR/scscf.reg2" "^Security-Verify: " "the protected REGISTER reached the S-CSCF"

e2ae_ctl
kam regs.out ims_medsec.registrations
assert_grep "$RUN_DIR/regs.out" "contact: $IMS_UE_IP:$UE_PORT_C" "the registration of the UE's protected port"
assert_grep "$RUN_DIR/regs.out" 'protected: yes' "IPsec with aes-cbc is protected signalling"
assert_grep "$RUN_DIR/regs.out" 'caps: e2ae' "the registration is e2ae"
note "registered over the protected ports $IMS_UE_IP:$UE_PORT_C -> $IMS_PCSCF_IP:$P_PORT_S"

# ----- 4. an originating e2ae call over the protected ports -----
UE_PORT=$UE_PORT_C
E2AE_UE_PCSCF_PORT=$P_PORT_S
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
UE_KEY=$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)
echo "$UE_KEY" >"$RUN_DIR/c1.ue.key"
e2ae_sdp_file "$RUN_DIR/c1.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$UE_KEY" "a=3ge2ae:requested" "a=sendrecv"
e2ae_sdp_file "$RUN_DIR/c1.answer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto AES_CM_128_HMAC_SHA1_80)
CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
probe_up() {
	sdp_crypto_key "$RUN_DIR/c1.ue.rx.sdp" 1 >"$RUN_DIR/c1.gw.key"
	e2ae_probe c1 AES_CM_128_HMAC_SHA1_80 "$RUN_DIR/c1.ue.key" "$RUN_DIR/c1.gw.key"
}
E2AE_ON_UP=probe_up
e2ae_call c1 orig "$RUN_DIR/c1.offer.sdp" "$RUN_DIR/c1.answer.sdp" "$E2AE_HOLD_MS"
sipp_msg_to "$RUN_DIR/c1.invite" "$RUN_DIR/c1.ue.trace" sent '^INVITE '
assert_grep "$RUN_DIR/c1.invite" "^Via: SIP/2.0/UDP $IMS_UE_IP:$UE_PORT_C;" "the INVITE left the UE's protected client port"
assert_no_grep "$RUN_DIR/c1.core.rx.sdp" 'a=crypto|a=3ge2ae|RTP/SAVP' "the core got plain RTP/AVP"
assert_grep "$RUN_DIR/kamailio.log" 'media answer for .*: e2ae with AES_CM_128_HMAC_SHA1_80' "Kamailio logged the e2ae answer"
e2ae_no_calls_left "after the call"
note "e2ae call over the protected ports, media probed both ways"

# ----- 5. a terminating e2ae call to the UE's protected server port -----
UE_PORT=$UE_PORT_S
E2AE_UE_CONTACT=$IMS_UE_IP:$UE_PORT_C
UE_KEY2=$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)
echo "$UE_KEY2" >"$RUN_DIR/t1.ue.key"
e2ae_sdp_file "$RUN_DIR/t1.offer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
ue_answers() {
	local o=$RUN_DIR/$1 tag
	sipp_msg_to "$o.ue.rx.msg" "$o.ue.trace" received '^INVITE '
	msg_body "$o.ue.rx.msg" >"$o.ue.rx.sdp"
	tag=$(sdp_crypto "$o.ue.rx.sdp" | awk '$2 == "AES_CM_128_HMAC_SHA1_80" { print $1; exit }')
	[ -n "$tag" ] || fail "$1: the UE was offered no AES_CM_128_HMAC_SHA1_80 line"
	sdp_crypto_key "$o.ue.rx.sdp" "$tag" >"$o.gw.key"
	e2ae_sdp_file "$o.answer.tmp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
		"a=crypto:$tag AES_CM_128_HMAC_SHA1_80 inline:$UE_KEY2" "a=sendrecv"
	mv "$o.answer.tmp" "$o.answer.sdp"
}
probe_term() {
	e2ae_probe t1 AES_CM_128_HMAC_SHA1_80 "$RUN_DIR/t1.ue.key" "$RUN_DIR/t1.gw.key"
}
E2AE_ON_OFFER=ue_answers E2AE_ON_UP=probe_term
UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto AES_CM_128_HMAC_SHA1_80)
CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
e2ae_call t1 term "$RUN_DIR/t1.offer.sdp" "$RUN_DIR/t1.answer.sdp" "$E2AE_HOLD_MS"
assert_grep "$RUN_DIR/t1.ue.rx.msg" "^INVITE sip:ue@$IMS_UE_IP:$UE_PORT_C SIP/2.0" "the INVITE for the UE's contact"
top_via=$(grep -m1 '^Via: ' "$RUN_DIR/t1.ue.rx.msg")
case $top_via in
"Via: SIP/2.0/UDP $IMS_PCSCF_IP:$P_PORT_C;"*) ;;
*) fail "the INVITE did not leave the P-CSCF's protected client port $P_PORT_C: $top_via" ;;
esac
assert_eq "$(msg_count "$RUN_DIR/t1.ue.rx.sdp" '^a=3ge2ae:applied$')" 1 "the UE is told e2ae is applied"
assert_no_grep "$RUN_DIR/t1.core.rx.sdp" 'a=crypto|a=3ge2ae|RTP/SAVP' "the core got plain RTP/AVP back"
e2ae_no_calls_left "after the terminating call"
note "terminating e2ae call from the protected client port $P_PORT_C to the UE's protected server port $UE_PORT_S, media probed"

# ----- 6. a protected-looking REGISTER on the plain port -----
e2ae_sipp plain.scscf ims_scscf_register.xml "$SCSCF_PORT" -key ck "$CK" -key ik "$IK" -key reg_expires 600
scscf=$BG_PID
e2ae_sipp_bound "$SCSCF_PORT"
SIPP=$E2AE_UE_SIPP e2ae_sipp plain.ue e2ae_ue_register.xml "$UE_PORT_C" -cid_str "$CID" \
	-key user ue -key expires 600 -key sec_client "$UE_IPSEC, sdes-srtp;mediasec" \
	-key sec_client2 "Security-Verify: $VERIFY" -key auth0 "$E2AE_NOHDR" \
	-key exp401 mediasec -key exp200 none \
	"${E2AE_UE_SIPP_ARGS[@]}" "$IMS_PCSCF_IP:$KAM_SIP_PORT"
e2ae_sipp_wait plain.ue "$BG_PID" "REGISTER on the plain port"
e2ae_sipp_wait plain.scscf "$scscf" "S-CSCF (plain port)"
ip xfrm policy flush
kam regs.out ims_medsec.registrations
assert_no_grep "$RUN_DIR/regs.out" "contact: $IMS_UE_IP:$UE_PORT_C" \
	"a REGISTER on the plain port ended e2ae for the contact"
note "a protected-looking REGISTER on the plain port: no mediasec in its 200, e2ae off for the contact"
