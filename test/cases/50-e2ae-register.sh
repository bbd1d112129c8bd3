#!/usr/bin/env bash
# e2ae at registration (TS 24.229 7.2A.7, TS 33.328 7.1) through the
# example P-CSCF: the UE registers with the S-CSCF sipp, which challenges
# with a 401 carrying its own (simulated) ipsec-3gpp Security-Server entry.
#
#   ue1: Security-Client "ipsec-3gpp;...;ealg=null, sdes-srtp;mediasec" (one
#        header): the UE gets Security-Server: sdes-srtp;mediasec in the 401,
#        after the ipsec-3gpp one, and in the 200; exactly once each;
#   ue2: the mediasec entry in its own header line, "SDES-SRTP;MediaSec;q=0.5";
#        the S-CSCF spoofs mediasec inside its ipsec-3gpp Security-Server of
#        the 401 ("..., SDES-SRTP;MEDIASEC") and in a Security-Server line of
#        its own in the 200: the UE still sees exactly one mediasec entry in
#        each, the P-CSCF's, after ipsec-3gpp;
#   ue3: no mediasec ("..., sdes-srtp" without the mechanism parameter); the
#        S-CSCF spoofs "Security-Server: sdes-srtp;mediasec" in the 401 and
#        the 200: the UE sees no mediasec at all, the ipsec-3gpp entry stays.
# The binding matters (each call checked on what the core received):
#   - ue1 (registered with mediasec) offers a=3ge2ae:requested: e2ae (the core
#     gets RTP/AVP from rtpengine, the UE gets a=3ge2ae:applied);
#   - ue1 de-registers (Expires: 0, the S-CSCF's 200 lists the contact with
#     expires=0): no mediasec in that 200, and the same offer is now
#     end-to-end: the core gets the UE's SDP unchanged but for the removed
#     indication, the UE never gets a=3ge2ae, rtpengine sees no offer;
#   - ue3 (registered without mediasec) offers requested: end-to-end too.
# After every call rtpengine holds no call.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
e2ae_lab

IPSEC_C=$E2AE_IPSEC_CLIENT
IPSEC_S=$E2AE_IPSEC_SERVER

# sec_servers NAME.ue RESPONSE-REGEX: the Security-Server lines of the
# response the UE received, one per line.
sec_servers() {
	sipp_msg "$RUN_DIR/$1.trace" received "$2" >"$RUN_DIR/$1.$3.msg" ||
		fail "$1: no /$2/ received"
	msg_hdrs "$RUN_DIR/$1.$3.msg" | grep -i '^Security-Server:' || true
}

# mediasec_entries TEXT: how many sdes-srtp;mediasec entries TEXT has.
mediasec_entries() {
	printf '%s\n' "$1" | grep -oiE 'sdes-srtp *; *mediasec' | wc -l
}

# ----- ue1: one Security-Client header, comma list -----
UE1_PORT=$(alloc_ports 1)
e2ae_register ue1 "$UE1_PORT" ue1
s401=$(sec_servers ue1.ue '^SIP/2\.0 401 ' 401)
assert_eq "$s401" "Security-Server: $IPSEC_S
Security-Server: sdes-srtp;mediasec" "ue1: the 401's Security-Server lines (ipsec-3gpp first, then mediasec)"
s200=$(sec_servers ue1.ue '^SIP/2\.0 200 ' 200)
assert_eq "$s200" "Security-Server: sdes-srtp;mediasec" "ue1: the 200's Security-Server"
# The protected REGISTER carried the 401's list back (Security-Verify).
sipp_msg_to "$RUN_DIR/ue1.scscf.reg2.msg" "$RUN_DIR/ue1.scscf.trace" received '^REGISTER ' 2
assert_grep "$RUN_DIR/ue1.scscf.reg2.msg" "^Security-Verify: ipsec-3gpp;.*, sdes-srtp;mediasec\$" \
	"ue1: the UE's Security-Verify repeats both entries"
note "ue1: 401 and 200 carry Security-Server: sdes-srtp;mediasec once, after ipsec-3gpp"

# ----- ue2: own header line, q=0.5, mixed case; the S-CSCF spoofs mediasec -----
UE2_PORT=$(alloc_ports 1)
e2ae_register ue2 "$UE2_PORT" ue2 -key sec_client "$IPSEC_C" \
	-key sec_client2 'Security-Client: SDES-SRTP;MediaSec;q=0.5' \
	-key srv401 "$IPSEC_S, SDES-SRTP;MEDIASEC" \
	-key extra200 'Security-Server: sdes-srtp;mediasec;q=0.9'
s401=$(sec_servers ue2.ue '^SIP/2\.0 401 ' 401)
assert_eq "$(mediasec_entries "$s401")" 1 "ue2: one mediasec entry in the 401 ($s401)"
assert_eq "$s401" "Security-Server: $IPSEC_S
Security-Server: sdes-srtp;mediasec" "ue2: the 401's Security-Server lines (spoofed entry gone, ours after ipsec-3gpp)"
s200=$(sec_servers ue2.ue '^SIP/2\.0 200 ' 200)
assert_eq "$s200" "Security-Server: sdes-srtp;mediasec" \
	"ue2: the 200's Security-Server (the S-CSCF's q=0.9 line replaced by ours)"
note "ue2: mediasec in its own Security-Client line (q=0.5, mixed case) honoured; the S-CSCF's mediasec entries removed"

# ----- ue3: no mediasec; the S-CSCF spoofs it -----
UE3_PORT=$(alloc_ports 1)
e2ae_register ue3 "$UE3_PORT" ue3 -key sec_client "$IPSEC_C, sdes-srtp" \
	-key extra401 'Security-Server: sdes-srtp;mediasec' \
	-key extra200 'Security-Server: sdes-srtp;mediasec' \
	-key exp401 none -key exp200 none
s401=$(sec_servers ue3.ue '^SIP/2\.0 401 ' 401)
assert_eq "$s401" "Security-Server: $IPSEC_S" "ue3: the 401 keeps only the ipsec-3gpp Security-Server"
s200=$(sec_servers ue3.ue '^SIP/2\.0 200 ' 200)
assert_eq "$s200" "" "ue3: no Security-Server in the 200"
assert_grep "$RUN_DIR/kamailio.log" 'removed a mediasec indication that came from the core' \
	"the P-CSCF logged the removal of the core's mediasec"
note "ue3: no mediasec asked, none indicated (the S-CSCF's spoofed entries removed)"

# ----- the binding decides the call's mode -----

# call ID UE_PORT_VAR MODE: the UE on that port offers RTP/SAVP, two crypto
# lines and a=3ge2ae:requested; the core answers per MODE (e2ae: RTP/AVP;
# e2e: RTP/SAVP with its own crypto line).
call() {
	local id=$1 mode=$3 o=$RUN_DIR/$1 cid
	UE_PORT=$2
	UE_MPORT=$(alloc_ports 2)
	CORE_MPORT=$(alloc_ports 2)
	srtp_gen_key AES_CM_128_HMAC_SHA1_80 >"$o.ue1.key"
	srtp_gen_key AES_CM_128_HMAC_SHA1_32 >"$o.ue2.key"
	srtp_gen_key AES_CM_128_HMAC_SHA1_80 >"$o.core.key"
	e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(cat "$o.ue1.key")" \
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:$(cat "$o.ue2.key")" \
		"a=3ge2ae:requested" "a=sendrecv"
	if [ "$mode" = e2ae ]; then
		e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
		UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto AES_CM_128_HMAC_SHA1_80)
		CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
	else
		e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
			"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(cat "$o.core.key")" "a=sendrecv"
		UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae none -key exp_crypto AES_CM_128_HMAC_SHA1_80)
		CORE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae none -key exp_crypto AES_CM_128_HMAC_SHA1_80)
	fi
	E2AE_ON_UP='' E2AE_ON_OFFER=''
	e2ae_call "$id" orig "$o.offer.sdp" "$o.answer.sdp" 300
	cid=$E2AE_CALL_ID
	assert_no_grep "$o.core.rx.sdp" '^a=3ge2ae' "$id: no e2ae indication toward the core"
	if [ "$mode" = e2ae ]; then
		assert_agw_sdp "$o.core.rx.sdp" "$id: core's offer"
		assert_grep "$o.core.rx.sdp" '^m=audio [0-9]+ RTP/AVP 0$' "$id: core gets RTP/AVP"
		assert_no_grep "$o.core.rx.sdp" '^a=crypto' "$id: no crypto toward the core"
		assert_grep "$o.ue.rx.sdp" '^a=3ge2ae:applied$' "$id: the UE is told e2ae is applied"
		assert_grep "$RUN_DIR/kamailio.log" "call $cid: e2ae offer from the UE" "$id: Kamailio: e2ae"
	else
		# the UE's offer, byte for byte, without its a=3ge2ae line
		grep -v '^a=3ge2ae' "$o.ue.tx.sdp" >"$o.expected.sdp"
		cmp -s "$o.expected.sdp" "$o.core.rx.sdp" ||
			fail "$id: the core did not get the UE's SDP unchanged (minus a=3ge2ae): $(diff "$o.expected.sdp" "$o.core.rx.sdp" | sdes_mask | tr '\n' ' ')"
		cmp -s "$o.core.tx.sdp" "$o.ue.rx.sdp" ||
			fail "$id: the UE did not get the core's answer unchanged: $(diff "$o.core.tx.sdp" "$o.ue.rx.sdp" | sdes_mask | tr '\n' ' ')"
		assert_no_grep "$o.ue.rx.sdp" '^a=3ge2ae' "$id: the UE never gets a=3ge2ae"
		assert_grep "$RUN_DIR/kamailio.log" "call $cid: end-to-end media passed untouched" \
			"$id: Kamailio: end-to-end"
		assert_no_grep "$RUN_DIR/rtpengine-a.log" "\[$cid" "$id: rtpengine never saw the call"
	fi
	e2ae_no_calls_left "$id"
	note "$id: a=3ge2ae:requested from $([ "$UE_PORT" = "$UE3_PORT" ] && echo "ue3" || echo "ue1") handled as $mode"
}

call c-ue1 "$UE1_PORT" e2ae

# de-registration of ue1: protected, so the S-CSCF answers 200 at once
e2ae_register dereg1 "$UE1_PORT" ue1 -key expires 0 -key reg_expires 0 \
	-key auth0 'Authorization: Digest username="ue1@ims.test", realm="ims.test", uri="sip:ims.test", nonce="bm9uY2U=", response="00000000000000000000000000000000"' \
	-key exp200 none
assert_no_grep "$RUN_DIR/dereg1.ue.trace" '^SIP/2\.0 401' "dereg1: no challenge"
s200=$(sec_servers dereg1.ue '^SIP/2\.0 200 ' 200)
assert_eq "$s200" "" "dereg1: no Security-Server in the 200 to the de-registration"
note "ue1 de-registered (no mediasec in that 200)"

call c-ue1-dereg "$UE1_PORT" e2e
call c-ue3 "$UE3_PORT" e2e

e2ae_no_calls_left "end of case"
note "rtpengine holds no call"
