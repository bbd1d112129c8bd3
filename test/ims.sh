# shellcheck shell=bash
#
# test/ims.sh: helpers for the cases of the P-CSCF built on Kamailio's IMS
# modules (etc/ims_medsec-pcscf-ims.cfg) that need a network of their own:
# 3GPP sec-agree with ims_ipsec_pcscf, which writes xfrm policies and
# states.  Sourced after lib.sh and e2ae.sh.
#
#   ims_netns_run "$@"     # first thing of the case, before setup_run
#
# makes two network namespaces, created and removed by the case itself:
#
#   UE namespace                          P-CSCF namespace
#   UE sipp on IMS_UE_IP (192.0.2.2) ---- IMS_PCSCF_IP (192.0.2.1) Kamailio (Gm)
#          veth, 192.0.2.0/24             127.0.0.1: Kamailio (Mw), rtpengine,
#                                         S-CSCF and core sipps, srtp_probe
#
# and runs the case again inside the P-CSCF namespace, where the usual lab
# helpers work on its own loopback; the UE's sipps run in the UE namespace
# through the wrapper IMS_UE_SIPP.  Addresses are from TEST-NET-1 (RFC
# 5737) and exist only inside the two namespaces; the host's interfaces
# and xfrm state are never touched.

IMS_PCSCF_IP=192.0.2.1
IMS_UE_IP=192.0.2.2
# The Authorization of a protected REGISTER (the test S-CSCFs take any).
IMS_AUTH='Authorization: Digest username="ue@ims.test", realm="ims.test", uri="sip:ims.test", nonce="bm9uY2U=", response="00000000000000000000000000000000", algorithm=AKAv1-MD5'

# ims_netns_run ARG...: outside: create the namespaces, run this case in
# the P-CSCF one, remove them, exit with the case's status.  Inside: return.
ims_netns_run() {
	if [ -n "${IMS_NS_P:-}" ]; then
		return 0
	fi
	command -v ip >/dev/null || fail "ip (iproute2) not found"
	run_dir
	local tag rc=0
	# unique among the cases running (the pid, fixed width, and a random
	# number) and short: "$tag-p0" is an interface name (15 bytes at most)
	tag=$(printf 'm%06x%04x' "$$" "$RANDOM")
	export IMS_NS_P=$tag-p IMS_NS_U=$tag-u
	trap 'ims_netns_down' EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	# run.sh removes what a killed case left (the EXIT trap did not run)
	printf '%s\n' "$IMS_NS_P" "$IMS_NS_U" >>"$RUN_DIR/netns"
	ip netns add "$IMS_NS_P" || fail "cannot create a network namespace (root needed)"
	ip netns add "$IMS_NS_U"
	ip link add "$tag-p0" netns "$IMS_NS_P" type veth peer name "$tag-u0" netns "$IMS_NS_U"
	ip -n "$IMS_NS_P" addr add "$IMS_PCSCF_IP/24" dev "$tag-p0"
	ip -n "$IMS_NS_U" addr add "$IMS_UE_IP/24" dev "$tag-u0"
	ip -n "$IMS_NS_P" link set lo up
	ip -n "$IMS_NS_U" link set lo up
	ip -n "$IMS_NS_P" link set "$tag-p0" up
	ip -n "$IMS_NS_U" link set "$tag-u0" up
	ip netns exec "$IMS_NS_P" "$0" "$@" || rc=$?
	exit "$rc"
}

# ims_netns_down: remove the namespaces (their veth pair, xfrm state and
# policies go with them).  Every process in them was stopped by the case.
ims_netns_down() {
	local rc=$?
	ip netns del "$IMS_NS_U" 2>/dev/null || true
	ip netns del "$IMS_NS_P" 2>/dev/null || true
	exit "$rc"
}

# ims_ue_sipp_wrapper: write $RUN_DIR/sipp-ue, which runs sipp in the UE
# namespace (exec all the way: the pid start_bg records is sipp's), and
# point E2AE_UE_SIPP at it; the UE's sipps bind IMS_UE_IP.
ims_ue_sipp_wrapper() {
	printf '#!/bin/sh\nexec ip netns exec %s %s "$@"\n' "$IMS_NS_U" "$(command -v "$SIPP")" \
		>"$RUN_DIR/sipp-ue"
	chmod +x "$RUN_DIR/sipp-ue"
	E2AE_UE_SIPP=$RUN_DIR/sipp-ue
	E2AE_UE_NETNS=$IMS_NS_U
	E2AE_UE_SIPP_ARGS=(-i "$IMS_UE_IP")
	E2AE_UE_PCSCF_IP=$IMS_PCSCF_IP
}

# ims_kernel_has_esp: true when the kernel can hold an ESP state (checked in
# the UE namespace with a state removed at once).
ims_kernel_has_esp() {
	ip netns exec "$IMS_NS_U" ip xfrm state add src "$IMS_UE_IP" dst "$IMS_PCSCF_IP" \
		proto esp spi 0x7fffff01 mode transport auth 'hmac(sha1)' \
		0x00112233445566778899aabbccddeeff enc cipher_null '' 2>/dev/null || return 1
	ip netns exec "$IMS_NS_U" ip xfrm state flush
}

# ims_secagree_param VALUE NAME: one parameter of a sec-agree entry.
ims_secagree_param() {
	printf '%s\n' "$1" | tr ';,' '\n\n' | sed -n "s/^ *$2=//p" | head -n 1
}

# ims_ue_initial NAME OUT CID SEC_CLIENT PCSCF_PORT [USER]: the UE's initial,
# unprotected REGISTER of sec-agree from port 5060 (where ims_ipsec_pcscf
# expects an initial registration), up to the 401, which goes to file OUT.
ims_ue_initial() {
	local name=$1 out=$2 cid=$3 sc=$4 port=$5 user=${6:-ue}
	SIPP=$E2AE_UE_SIPP e2ae_sipp "$name" ims_ue_register1.xml 5060 -cid_str "$cid" \
		-key user "$user" -key expires 600 -key sec_client "$sc" \
		"${E2AE_UE_SIPP_ARGS[@]}" "$IMS_PCSCF_IP:$port"
	e2ae_sipp_wait "$name" "$BG_PID" "$name: initial REGISTER"
	sipp_msg_to "$out" "$RUN_DIR/$name.trace" received '^SIP/2\.0 401 '
}

# ims_ue_protected NAME CID SEC_CLIENT VERIFY UE_PORT PCSCF_PORT EXP200: the
# protected REGISTER (Authorization, Security-Verify: VERIFY) from the UE's
# protected client port UE_PORT to the P-CSCF's protected server port; what
# its 200 must indicate: EXP200 ("mediasec" or "none").
ims_ue_protected() {
	local name=$1 cid=$2 sc=$3 verify=$4 uport=$5 port=$6 exp200=$7
	SIPP=$E2AE_UE_SIPP e2ae_sipp "$name" e2ae_ue_register.xml "$uport" -cid_str "$cid" \
		-key user ue -key expires 600 -key sec_client "$sc" \
		-key sec_client2 "Security-Verify: $verify" -key auth0 "$IMS_AUTH" \
		-key exp401 none -key exp200 "$exp200" "${E2AE_UE_SIPP_ARGS[@]}" "$IMS_PCSCF_IP:$port"
	e2ae_sipp_wait "$name" "$BG_PID" "$name: protected REGISTER"
}
