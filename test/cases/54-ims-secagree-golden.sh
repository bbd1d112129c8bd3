#!/usr/bin/env bash
# Nothing of sec-agree breaks when ims_medsec is loaded into the IMS P-CSCF
# (etc/ims_medsec-pcscf-ims.cfg with IPsec, in the case's own network
# namespaces, test/ims.sh).  Two P-CSCFs side by side, the same but for
# ims_medsec (WITHOUT_MEDSEC), in front of the same S-CSCF:
#
#   1. golden: a UE that does not indicate mediasec registers through each
#      (REGISTER, 401, protected REGISTER with Security-Verify, 200).  The
#      401 and the 200 the UE gets, and both REGISTERs the S-CSCF gets, are
#      byte for byte the same through both, once the per-instance values
#      (ports, branches, tags) are replaced by names;
#   2. bad input: Security-Client mixes of ipsec-3gpp and sdes-srtp entries
#      (sdes-srtp first, duplicated mechanisms, bad q-values, an empty
#      entry, a 9 kB header, mediasec in a malformed value) get the same
#      401 through both, but for one line: "Security-Server:
#      sdes-srtp;mediasec", which ims_medsec adds exactly when the value is
#      well-formed and asks for mediasec; ims_ipsec_pcscf's own
#      Security-Server line is the same; both Kamailios are alive after.
#
# Both ims_ipsec_pcscf instances share one namespace and the xfrm selector
# mark that 5.6 hard-codes: each one's clean-ups remove the other's
# policies too.  Harmless here (no ESP: the case flushes them anyway).
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

CK=00112233445566778899aabbccddeeff
IK=ffeeddccbbaa99887766554433221100
IPSEC="ipsec-3gpp;prot=esp;mod=trans;alg=hmac-sha-1-96;ealg=null;spi-c=5001;spi-s=5002;port-c=6201;port-s=6200"

export LAB_PCSCF=ims KAM_PROBE_IP=$IMS_PCSCF_IP
# a protected port pair per initial registration: 1 + the mixes
IMS_IPSEC_CONN=10
common=(WITH_IPSEC "LISTEN_IP=$IMS_PCSCF_IP" CORE_IP=127.0.0.1
	"IPSEC_LISTEN_ADDR=\"$IMS_PCSCF_IP\"")
E2AE_KAM_DEFINES=("${common[@]}")
e2ae_lab # "with": KAM_SIP_PORT, KAM_CORE_PORT
ims_ue_sipp_wrapper
declare -A SIPPORT CPORT IPB
SIPPORT[with]=$KAM_SIP_PORT CPORT[with]=$KAM_CORE_PORT IPB[with]=$IMS_IPSEC_BASE
plain=()
ims_defines plain
IPB[without]=$IMS_IPSEC_BASE
start_kamailio -n plain "$(e2ae_lab_cfg)" "${plain[@]}" "${common[@]}" WITHOUT_MEDSEC \
	"MEDSEC_MODULE=\"$MEDSEC_MODULE\"" "RTPENGINE_NG=\"udp:127.0.0.1:$RTPE_A_NG\"" WORKERS=2 \
	"SCSCF_URI=\"sip:127.0.0.1:$SCSCF_PORT\""
SIPPORT[without]=$KAM_PLAIN_SIP_PORT CPORT[without]=$KAM_PLAIN_CORE_PORT
assert_no_grep "$RUN_DIR/kamailio-plain.log" 'ims_medsec' "the second P-CSCF runs without ims_medsec"
# normalize VARIANT FILE: the message with the instance's values named.
normalize() {
	local v=$1 b=${IPB[$1]} i
	local -a subst=(-e "s/:${SIPPORT[$v]}\b/:SIP_PORT/g" -e "s/:${CPORT[$v]}\b/:CORE_PORT/g")
	for ((i = 0; i < 2 * IMS_IPSEC_CONN; i++)); do
		subst+=(-e "s/=$((b + i))\b/=IPSEC_PORT_$i/g" -e "s/:$((b + i))\b/:IPSEC_PORT_$i/g")
	done
	sed "${subst[@]}" -e 's/branch=z9hG4bK[^;, ]*/branch=BRANCH/g' \
		-e 's/tag=[^;, ]*/tag=TAG/g' -e "s/$SCSCF_PORT/SCSCF_PORT/g" "$2"
}

# ----- 1. golden: a UE without mediasec registers through each -----
for v in with without; do
	cid="golden-$$@ue.test"
	e2ae_sipp "g-$v.scscf" ims_scscf_register.xml "$SCSCF_PORT" -key ck "$CK" -key ik "$IK" \
		-key reg_expires 600
	scscf=$BG_PID
	e2ae_sipp_bound "$SCSCF_PORT"
	ims_ue_initial "g-$v.ue1" "$RUN_DIR/g-$v.401" "$cid" "$IPSEC" "${SIPPORT[$v]}"
	srv=$(sed -n 's/^Security-Server: *//p' "$RUN_DIR/g-$v.401" | head -n 1)
	ps=$(ims_secagree_param "$srv" port-s)
	[ -n "$ps" ] || fail "$v: no ipsec-3gpp Security-Server in the 401"
	ip xfrm policy flush # no ESP here: see case 53
	ims_ue_protected "g-$v.ue2" "$cid" "$IPSEC" "$srv" 6201 "$ps" none
	e2ae_sipp_wait "g-$v.scscf" "$scscf" "$v: S-CSCF"
	sipp_msg_to "$RUN_DIR/g-$v.200" "$RUN_DIR/g-$v.ue2.trace" received '^SIP/2\.0 200 '
	sipp_msg_to "$RUN_DIR/g-$v.reg1" "$RUN_DIR/g-$v.scscf.trace" received '^REGISTER ' 1
	sipp_msg_to "$RUN_DIR/g-$v.reg2" "$RUN_DIR/g-$v.scscf.trace" received '^REGISTER ' 2
	for m in 401 200 reg1 reg2; do
		normalize "$v" "$RUN_DIR/g-$v.$m" >"$RUN_DIR/g-$v.$m.norm"
	done
done
for m in 401 200 reg1 reg2; do
	diff -u "$RUN_DIR/g-without.$m.norm" "$RUN_DIR/g-with.$m.norm" >"$RUN_DIR/g.$m.diff" ||
		fail "golden $m differs with ims_medsec loaded: $(head -n 20 "$RUN_DIR/g.$m.diff")"
done
assert_grep "$RUN_DIR/g-with.401.norm" '^Security-Server: ipsec-3gpp;' "the golden 401 carries ims_ipsec_pcscf's Security-Server"
note "golden: the 401, the 200 and both REGISTERs are byte for byte the same with and without ims_medsec"

# ----- 2. bad input: Security-Client mixes -----
big="$IPSEC$(printf ';x%04d=y' $(seq 1 1100)), sdes-srtp;mediasec"
mixes=(
	"sdes-srtp;mediasec, $IPSEC|1"
	"$IPSEC, sdes-srtp;mediasec, sdes-srtp;mediasec, $IPSEC|1"
	"${IPSEC/ipsec-3gpp;/ipsec-3gpp;q=1.5;}, sdes-srtp;q=abc;mediasec|1"
	"$IPSEC,, sdes-srtp;mediasec|0"
	"$IPSEC, sdes-srtp;mediasec;x=\"unterminated|0"
	"$big|0"
	"$IPSEC, SDES-SRTP;MEDIASEC|1"
)
for v in with without; do
	e2ae_sipp "b-$v.scscf" ims_scscf_401.xml "$SCSCF_PORT" -m ${#mixes[@]} -key ck "$CK" -key ik "$IK"
	scscf=$BG_PID
	e2ae_sipp_bound "$SCSCF_PORT"
	i=0
	for mix in "${mixes[@]}"; do
		i=$((i + 1))
		ims_ue_initial "b-$v-$i.ue" "$RUN_DIR/b-$v-$i.401" "bad-$i-$$@ue.test" "${mix%|*}" \
			"${SIPPORT[$v]}" "ue$i"
		normalize "$v" "$RUN_DIR/b-$v-$i.401" >"$RUN_DIR/b-$v-$i.401.norm"
		ip xfrm policy flush
	done
	e2ae_sipp_wait "b-$v.scscf" "$scscf" "$v: S-CSCF (401s)"
done
i=0
for mix in "${mixes[@]}"; do
	i=$((i + 1))
	want=${mix##*|}
	got=$(grep -c '^Security-Server: sdes-srtp;mediasec$' "$RUN_DIR/b-with-$i.401.norm" || true)
	assert_eq "$got" "$want" "mix $i: mediasec indicated by ims_medsec"
	grep -v '^Security-Server: sdes-srtp;mediasec$' "$RUN_DIR/b-with-$i.401.norm" >"$RUN_DIR/b-$i.cmp"
	diff -u "$RUN_DIR/b-without-$i.401.norm" "$RUN_DIR/b-$i.cmp" >"$RUN_DIR/b-$i.diff" ||
		fail "mix $i: the 401 differs with ims_medsec beyond its own line: $(head -n 20 "$RUN_DIR/b-$i.diff")"
done
_alive "$(_read_pid "$KAM_PIDFILE")" || fail "Kamailio with ims_medsec died"
_alive "$(_read_pid "$KAM_PLAIN_PIDFILE")" || fail "Kamailio without ims_medsec died"
note "bad input: ${#mixes[@]} Security-Client mixes, the same 401 through both but for ims_medsec's own line"
