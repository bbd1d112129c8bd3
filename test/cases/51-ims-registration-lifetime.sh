#!/usr/bin/env bash
# A contact's media security capabilities live exactly as long as the IMS
# P-CSCF's own registration (etc/ims_medsec-pcscf-ims.cfg with the
# reg-event subscription, WITH_REGINFO; ims_medsec follows
# ims_usrloc_pcscf's contacts through its callbacks):
#
#   A. a UE registers with "sdes-srtp;mediasec" and the two e2e indications
#      of TS 33.328 7.1 (configured as "sdes-srtp;e2e" and "mikey-ticket");
#      ims_medsec.registrations shows caps e2ae,e2e-sdes,e2e-kms.  The
#      P-CSCF subscribes to its reg event at the S-CSCF, which then sends a
#      NOTIFY terminating the contact: ims_registrar_pcscf ends it in
#      ims_usrloc_pcscf and the capability ends with it (log line,
#      registrations_ended, RPC); a terminating call to that contact then
#      gets plain RTP, no crypto;
#   B. de-registration (Expires: 0) ends it the same way;
#   C. a re-registration without mediasec turns e2ae off for the next call
#      (an a=3ge2ae:requested offer then passes as end-to-end SDES);
#   D. expiry: a contact granted 2 s is gone from the table after it.
#
# Runs in a network namespace of its own (ims_ipsec_pcscf is loaded).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
CASE_OWN_NETNS=1
setup_run

# pua keeps its subscriptions in db_text: its tables, in the run directory
mkdir -p "$RUN_DIR/dbtext"
for t in pua version; do
	cp "/usr/share/kamailio/dbtext/kamailio/$t" "$RUN_DIR/dbtext/" ||
		fail "no db_text schema for $t (Debian's kamailio package ships it)"
done
export LAB_PCSCF=ims
REGINFO_PORT=$(alloc_ports 1)
E2AE_KAM_DEFINES=(WITH_REGINFO "DBTEXT_URL=\"text://$RUN_DIR/dbtext\""
	"REGINFO_URI=\"sip:127.0.0.1:$REGINFO_PORT\""
	'E2E_SDES_MECHANISM="sdes-srtp;e2e"' 'E2E_KMS_MECHANISM="mikey-ticket"')
e2ae_lab
e2ae_ctl
IPSEC_C='ipsec-3gpp;prot=esp;mod=trans;alg=hmac-sha-1-96;ealg=null;spi-c=1;spi-s=2;port-c=6101;port-s=6100'

# ims_reg NAME PORT SEC_CLIENT EXP EXPIRES:
# register (or with EXPIRES 0 de-register) sip:ue@127.0.0.1:PORT through
# the P-CSCF, the IMS S-CSCF (ims_scscf_register.xml) challenging it;
# EXP: what the 401 and the 200 indicate ("mediasec" or "none").
ims_reg() {
	local name=$1 port=$2 sc=$3 exp=$4 expires=$5 scscf
	e2ae_sipp "$name.scscf" ims_scscf_register.xml "$SCSCF_PORT" -key ck "$(printf '%032d' 1)" \
		-key ik "$(printf '%032d' 2)" -key reg_expires "$expires"
	scscf=$BG_PID
	e2ae_sipp_bound "$SCSCF_PORT"
	e2ae_sipp "$name.ue" e2ae_ue_register.xml "$port" -key user ue -key expires "$expires" \
		-key sec_client "$sc" -key sec_client2 "$E2AE_NOHDR" -key auth0 "$E2AE_NOHDR" \
		-key exp401 "$exp" -key exp200 "$([ "$expires" = 0 ] && echo none || echo "$exp")" \
		"127.0.0.1:$KAM_SIP_PORT"
	e2ae_sipp_wait "$name.ue" "$BG_PID" "$name: UE"
	e2ae_sipp_wait "$name.scscf" "$scscf" "$name: S-CSCF"
}

# regs_have REGEX: ims_medsec.registrations matches (after a fresh read).
regs_have() {
	kam regs.out ims_medsec.registrations
	grep -Eq -- "$1" "$RUN_DIR/regs.out"
}
regs_lack() { ! regs_have "$1"; }

# ----- A. a reg-event NOTIFY ends the contact -----
A_PORT=$(alloc_ports 1)
e2ae_sipp a.notifier ims_scscf_reginfo.xml "$REGINFO_PORT" -d 3000 -key contact "sip:ue@127.0.0.1:$A_PORT"
notifier=$BG_PID
e2ae_sipp_bound "$REGINFO_PORT"
ims_reg a "$A_PORT" "$IPSEC_C, sdes-srtp;mediasec, sdes-srtp;e2e, mikey-ticket" mediasec 600
regs_have "contact: 127.0.0.1:$A_PORT" || fail "A: not registered: $(tr '\n' ' ' <"$RUN_DIR/regs.out")"
assert_grep "$RUN_DIR/regs.out" 'caps: e2ae,e2e-sdes,e2e-kms' "A: the three capabilities are stored"
note "A registered: $(grep -A3 "$A_PORT" "$RUN_DIR/regs.out" | tr -s ' \n' ' ')"
e2ae_sipp_wait a.notifier "$notifier" "A: the S-CSCF's notifier (SUBSCRIBE, NOTIFY)"
sipp_msg_to "$RUN_DIR/a.subscribe" "$RUN_DIR/a.notifier.trace" received '^SUBSCRIBE '
assert_grep "$RUN_DIR/a.subscribe" '^Event: reg' "A: the P-CSCF subscribed to the reg event"
wait_until 5 regs_lack "contact: 127.0.0.1:$A_PORT" ||
	fail "A: the capability outlived the terminated contact"
assert_grep "$RUN_DIR/kamailio.log" "capability of 127.0.0.1:$A_PORT ended with its P-CSCF contact \(deleted\)" \
	"A: ended with ims_usrloc_pcscf's contact"
assert_eq "$(kam_stat registrations_ended)" 1 "registrations_ended after A"

UE_PORT=$A_PORT UE_MPORT=$(alloc_ports 2) CORE_MPORT=$(alloc_ports 2)
e2ae_sdp_file "$RUN_DIR/ta.offer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
e2ae_sdp_file "$RUN_DIR/ta.answer.sdp" ue "m=audio $UE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
UE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
e2ae_call ta term "$RUN_DIR/ta.offer.sdp" "$RUN_DIR/ta.answer.sdp" 500
assert_no_grep "$RUN_DIR/ta.ue.rx.sdp" 'a=crypto|RTP/SAVP|a=3ge2ae' "A: after the NOTIFY the UE is offered plain RTP"
e2ae_no_calls_left "A: after the call"
note "A: reg-event NOTIFY (terminated) ended the capability; the next call to A was plain"

# ----- B. de-registration -----
B_PORT=$(alloc_ports 1)
ims_reg b "$B_PORT" "$IPSEC_C, sdes-srtp;mediasec" mediasec 600
regs_have "contact: 127.0.0.1:$B_PORT" || fail "B: not registered"
ims_reg b-dereg "$B_PORT" "$IPSEC_C, sdes-srtp;mediasec" mediasec 0
regs_lack "contact: 127.0.0.1:$B_PORT" || fail "B: the capability outlived the de-registration"
assert_grep "$RUN_DIR/kamailio.log" "capability of 127.0.0.1:$B_PORT ended with its P-CSCF contact \(deleted\)" \
	"B: ended with ims_usrloc_pcscf's contact"
note "B: de-registration ended the capability"

# ----- C. a re-registration without mediasec -----
C_PORT=$(alloc_ports 1)
ims_reg c "$C_PORT" "$IPSEC_C, sdes-srtp;mediasec" mediasec 600
regs_have "contact: 127.0.0.1:$C_PORT" || fail "C: not registered"
ims_reg c-again "$C_PORT" "$IPSEC_C" none 600
regs_lack "contact: 127.0.0.1:$C_PORT" || fail "C: e2ae outlived a re-registration without mediasec"
UE_PORT=$C_PORT
UE_KEY=$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)
e2ae_sdp_file "$RUN_DIR/oc.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$UE_KEY" "a=3ge2ae:requested" "a=sendrecv"
e2ae_sdp_file "$RUN_DIR/oc.answer.sdp" core "m=audio $CORE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)" "a=sendrecv"
UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae none -key exp_crypto AES_CM_128_HMAC_SHA1_80)
CORE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae none -key exp_crypto AES_CM_128_HMAC_SHA1_80)
e2ae_call oc orig "$RUN_DIR/oc.offer.sdp" "$RUN_DIR/oc.answer.sdp" 500
assert_grep "$RUN_DIR/kamailio.log" "end-to-end media passed untouched" "C: the next call is end-to-end, not e2ae"
e2ae_no_calls_left "C: after the call"
note "C: re-registration without mediasec turned e2ae off"

# ----- D. expiry -----
D_PORT=$(alloc_ports 1)
ims_reg d "$D_PORT" "$IPSEC_C, sdes-srtp;mediasec" mediasec 2
# gone once ims_usrloc_pcscf's timer expired the contact (a second or so
# after the 2 s; later on a loaded machine)
wait_until 15 regs_lack "contact: 127.0.0.1:$D_PORT" || fail "D: the capability outlived the expiry"
note "D: the capability expired with the 2 s registration"
