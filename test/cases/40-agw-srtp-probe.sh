#!/usr/bin/env bash
# rtpengine as the 3GPP e2ae access gateway, proven on the wire (no
# Kamailio): rngctl sets up SDES calls the way the P-CSCF does, and
# srtp_probe plays the UE (SRTP/SRTCP with the keys from the SDP) and the
# core (plain RTP/RTCP) and checks every payload in both directions, plus
# one SRTCP/RTCP packet each way.
#   originating: the UE offers RTP/SAVP (its own key), the core gets RTP/AVP
#     and answers RTP/AVP, the UE gets RTP/SAVP with the gateway's key; for
#     every suite srtp_probe knows (rtpengine 10.5 and libsrtp2 both do
#     AES-CM 128/192/256 and AES-GCM 128/256).  AES-192 is run but not
#     counted: libsrtp2 before its 2025 fix (cisco/libsrtp#763) derives
#     AES-192 session keys with the AES-256 KDF, while rtpengine follows
#     RFC 6188 (its session keys match the RFC 6188 7.4 vector), so the two
#     cannot talk; the case then checks that the failure is exactly that
#     (authentication failures both ways) and notes it;
#   terminating: the core offers RTP/AVP, the UE gets RTP/SAVP with the
#     gateway's keys (F8 and NULL suites removed with SDES-no-...) and
#     answers one line with the same tag and suite and its own key;
#   e2e, for contrast: SAVP on both legs (no e2ae): keys pass through
#     unchanged and srtp_probe --passthrough sees byte-identical SRTP;
#   IPv6: the same two shapes with the UE on [::1] (core on ::1, then on
#     127.0.0.1), on an rtpengine with a ::1 interface too; skipped with a
#     NOTE when ::1 is not available.
# All calls stay up until the end (they must not disturb each other); then
# they are deleted and rtpengine must hold no call.
# Keys never reach this case's output: they live in *.key / *.keys.out
# files of the run directory, and rtpengine logs control, crypto and SRTP
# at level 6 so that its log (printed on failure) holds none either.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup_run
need_srtp_probe

# rtpengine's DEBUG lines of these subsystems carry SDES keys and session keys.
quiet_keys=(--log-level-control=6 --log-level-crypto=6 --log-level-srtp=6)
start_rtpengine a "${quiet_keys[@]}"

# Probe options shared by every run: 50 measured packets each way after 5
# warm-up packets, 20 ms apart, at most 2 lost (none is expected on
# loopback), SRTCP/RTCP too.
PROBE_OPTS=(--count 50 --warmup 5 --interval 20 --max-loss 2 --rtcp)
NO_F8_NULL=(SDES=no-F8_128_HMAC_SHA1_80 SDES=no-F8_128_HMAC_SHA1_32
	SDES=no-NULL_HMAC_SHA1_80 SDES=no-NULL_HMAC_SHA1_32)

calls=()     # "NG CALL-ID FROM-TAG" of every call set up
ngs=()       # the ng ports in use

# sdp_head FILE ORIGIN ADDR: v=/o=/s=/c=/t= lines (CRLF) for ADDR.
sdp_head() {
	local ip=IP4
	case $3 in *:*) ip=IP6 ;; esac
	printf 'v=0\r\no=%s 1 1 IN %s %s\r\ns=-\r\nc=IN %s %s\r\nt=0 0\r\n' \
		"$2" "$ip" "$3" "$ip" "$3" >"$1"
}

# ng_warnings FILE WHAT: rtpengine warnings are notes (unknown flags are
# only warnings).
ng_warnings() {
	if grep -q '^warning:' "$1"; then
		note "NOTE: $2: rtpengine warns: $(grep '^warning:' "$1" | head -n 1)"
	fi
}

# run_probe ID SUITE UE_ADDR UE_PORT GW_UE_ADDR GW_UE_PORT GW_UE_RTCP
#           CORE_ADDR CORE_PORT GW_CORE_ADDR GW_CORE_PORT GW_CORE_RTCP
# srtp_probe with $RUN_DIR/ID.ue.key (UE tx) and ID.gw.key (UE rx); its
# verdict block goes to ID.probe.log (no keys) and to this case's output.
run_probe() {
	local id=$1 suite=$2 rc=0
	"$SRTP_PROBE" --suite "$suite" "${PROBE_OPTS[@]}" \
		--ue-local "$(hostport "$3" "$4")" \
		--ue-remote "$(hostport "$5" "$6")" --ue-remote-rtcp "$(hostport "$5" "$7")" \
		--core-local "$(hostport "$8" "$9")" \
		--core-remote "$(hostport "${10}" "${11}")" \
		--core-remote-rtcp "$(hostport "${10}" "${12}")" \
		--ue-tx-key-file "$RUN_DIR/$id.ue.key" --ue-rx-key-file "$RUN_DIR/$id.gw.key" \
		>"$RUN_DIR/$id.probe.log" 2>&1 || rc=$?
	sed "s/^/$id: /" "$RUN_DIR/$id.probe.log" | grep -E ': (ue->core|core->ue|srtcp|rtcp|VERDICT)' >&2 || true
	PROBE_KNOWN_ISSUE=0
	if [ "$rc" -ne 0 ] && grep -q '^note: .*derives AES-192 session keys' "$RUN_DIR/$id.probe.log" &&
		grep -q '^ue->core: sent 50 srtp, received 0 rtp' "$RUN_DIR/$id.probe.log" &&
		grep -q '^core->ue: .*, decrypted 0, .*decrypt failures' "$RUN_DIR/$id.probe.log"; then
		# libsrtp2 (the probe's SRTP) is the non-compliant side: see the header
		PROBE_KNOWN_ISSUE=1
		note "NOTE: $id: no AES-192 interop between this libsrtp2 and rtpengine (cisco/libsrtp#763, libsrtp's AES-192 KDF): not counted"
		return 0
	fi
	assert_grep "$RUN_DIR/$id.probe.log" '^VERDICT: PASS$' "$id: srtp_probe verdict (exit $rc)"
	assert_eq "$rc" 0 "$id: srtp_probe exit status"
	# the counts behind the verdict: every measured packet, both ways
	assert_grep "$RUN_DIR/$id.probe.log" \
		'^ue->core: sent 50 srtp, received (48|49|50) rtp, payloads ok (48|49|50)$' \
		"$id: UE->core SRTP arrived as RTP"
	assert_grep "$RUN_DIR/$id.probe.log" \
		'^core->ue: sent 50 rtp, received (48|49|50) srtp, decrypted (48|49|50), payloads ok (48|49|50)$' \
		"$id: core->UE RTP arrived as SRTP"
	assert_grep "$RUN_DIR/$id.probe.log" '^srtcp ue->core: ok' "$id: SRTCP UE->core"
	assert_grep "$RUN_DIR/$id.probe.log" '^rtcp core->ue: ok' "$id: RTCP core->UE"
}

# check_query NG CALL UE_TAG CORE_TAG SUITE ID: what rtpengine holds: the
# suite on the UE side, RTP/AVP on the core side, packets from both, no
# errors (an SRTP authentication failure counts as one).
check_query() {
	local ng=$1 call=$2 uetag=$3 coretag=$4 suite=$5 id=$6 q
	q=$RUN_DIR/$id.query.out
	rngctl "$ng" query "$call" >"$q" || fail "$id: query failed"
	assert_grep "$q" "crypto suite: $suite\$" "$id: rtpengine holds $suite"
	if [ "$PROBE_KNOWN_ISSUE" = 1 ]; then
		# the diagnosis: rtpengine rejected the UE's SRTP (authentication)
		assert_grep "$q" '^ *errors: [1-9]' "$id: rtpengine counted SRTP errors"
		return 0
	fi
	assert_eq "$(grep -c 'crypto suite: ' "$q")" \
		"$(grep -c "crypto suite: $suite\$" "$q")" "$id: every SRTP stream uses $suite"
	assert_grep "$q" '^ *protocol: RTP/SAVP$' "$id: UE media is RTP/SAVP"
	assert_grep "$q" '^ *protocol: RTP/AVP$' "$id: core media is RTP/AVP"
	assert_no_grep "$q" '^ *errors: [1-9]' "$id: rtpengine counted no errors"
	ng_query_packets "$q" >"$RUN_DIR/$id.packets.out"
	assert_cmd "$id: packets from both sides ($(ng_query_summary "$q"))" ng_query_both_ways "$q"
	awk -v u="$uetag" -v c="$coretag" '
		$1 == u && $2 >= 56 { uo = 1 } $1 == c && $2 >= 56 { co = 1 }
		END { exit (uo && co) ? 0 : 1 }' "$RUN_DIR/$id.packets.out" ||
		fail "$id: rtpengine received fewer packets than sent ($(ng_query_summary "$q"))"
}

# originating ID NG SUITE UE_ADDR CORE_ADDR [OFFER_KEY=VALUE...]
# The UE offers RTP/SAVP with two crypto lines: tag 1 SUITE (its key, the
# one used), tag 2 AES_CM_128_HMAC_SHA1_80 (another key); rtpengine must
# answer tag 1 SUITE with a key of its own.
originating() {
	local id=$1 ng=$2 suite=$3 ue=$4 core=$5 uep corep cport caddr crtcp
	local uport uaddr urtcp call=orig-$1 o=$RUN_DIR/$1
	shift 5
	uep=$(alloc_ports 2)
	corep=$(alloc_ports 2)
	srtp_gen_key "$suite" >"$o.ue.key"
	srtp_gen_key AES_CM_128_HMAC_SHA1_80 >"$o.ue2.key"

	sdp_head "$o.offer.sdp" ue "$ue"
	printf 'm=audio %s RTP/SAVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n' \
		"$uep" >>"$o.offer.sdp"
	printf 'a=crypto:1 %s inline:%s\r\na=crypto:2 AES_CM_128_HMAC_SHA1_80 inline:%s\r\n' \
		"$suite" "$(cat "$o.ue.key")" "$(cat "$o.ue2.key")" >>"$o.offer.sdp"
	rngctl "$ng" offer "$call" ue-"$id" "$o.offer.sdp" \
		transport-protocol=RTP/AVP DTLS=off ICE=remove "$@" >"$o.offer.out" ||
		fail "$id: offer refused: $(sdes_mask <"$o.offer.out")"
	calls+=("$ng $call ue-$id")
	ng_warnings "$o.offer.out" "$id offer"
	assert_grep "$o.offer.out" '^ *m=audio [0-9]+ RTP/AVP 0 8' "$id: core leg is RTP/AVP"
	assert_no_grep "$o.offer.out" 'a=crypto' "$id: no crypto line toward the core"
	assert_no_grep "$o.offer.out" 'a=(fingerprint|setup)' "$id: no DTLS toward the core"
	cport=$(sdp_media_port "$o.offer.out")
	caddr=$(sdp_conn_addr "$o.offer.out")
	crtcp=$(sdp_rtcp_port "$o.offer.out")
	assert_ne "$cport" "$uep" "$id: core-facing media anchored on rtpengine"

	sdp_head "$o.answer.sdp" core "$core"
	printf 'm=audio %s RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n' "$corep" >>"$o.answer.sdp"
	# -k: the gateway's key is needed; the unmasked reply stays in a file.
	"$RNGCTL" -k -n "udp:127.0.0.1:$ng" answer "$call" ue-"$id" core-"$id" \
		"$o.answer.sdp" DTLS=off ICE=remove >"$o.answer.keys.out" ||
		fail "$id: answer refused: $(sdes_mask <"$o.answer.keys.out")"
	sdes_mask <"$o.answer.keys.out" >"$o.answer.out"
	ng_warnings "$o.answer.out" "$id answer"
	assert_grep "$o.answer.out" '^ *m=audio [0-9]+ RTP/SAVP 0' "$id: UE leg is RTP/SAVP"
	assert_eq "$(sdp_crypto "$o.answer.out" | tr '\n' ' ')" "1 $suite " \
		"$id: one crypto line, tag and suite of the UE's first line"
	assert_no_grep "$o.answer.out" 'a=(fingerprint|setup)' "$id: no DTLS toward the UE"
	sdp_crypto_key "$o.answer.keys.out" 1 >"$o.gw.key"
	[ -s "$o.gw.key" ] || fail "$id: no key in the answer's crypto line"
	if cmp -s "$o.gw.key" "$o.ue.key"; then
		fail "$id: rtpengine echoed the UE's key instead of its own"
	fi
	uport=$(sdp_media_port "$o.answer.out")
	uaddr=$(sdp_conn_addr "$o.answer.out")
	urtcp=$(sdp_rtcp_port "$o.answer.out")

	run_probe "$id" "$suite" "$ue" "$uep" "$uaddr" "$uport" "$urtcp" \
		"$core" "$corep" "$caddr" "$cport" "$crtcp"
	check_query "$ng" "$call" ue-"$id" core-"$id" "$suite" "$id"
}

# terminating ID NG SUITE UE_ADDR CORE_ADDR
# The core offers RTP/AVP; the UE gets RTP/SAVP with rtpengine's keys and no
# F8/NULL line; the UE answers the SUITE line (same tag, own key).
terminating() {
	local id=$1 ng=$2 suite=$3 ue=$4 core=$5 uep corep cport caddr crtcp
	local uport uaddr urtcp tag call=term-$1 o=$RUN_DIR/$1
	uep=$(alloc_ports 2)
	corep=$(alloc_ports 2)
	srtp_gen_key "$suite" >"$o.ue.key"

	sdp_head "$o.offer.sdp" core "$core"
	printf 'm=audio %s RTP/AVP 0 8\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:8 PCMA/8000\r\n' \
		"$corep" >>"$o.offer.sdp"
	"$RNGCTL" -k -n "udp:127.0.0.1:$ng" offer "$call" core-"$id" "$o.offer.sdp" \
		transport-protocol=RTP/SAVP DTLS=off ICE=remove "${NO_F8_NULL[@]}" \
		>"$o.offer.keys.out" || fail "$id: offer refused: $(sdes_mask <"$o.offer.keys.out")"
	calls+=("$ng $call core-$id")
	sdes_mask <"$o.offer.keys.out" >"$o.offer.out"
	ng_warnings "$o.offer.out" "$id offer"
	assert_grep "$o.offer.out" '^ *m=audio [0-9]+ RTP/SAVP 0 8' "$id: UE leg is RTP/SAVP"
	assert_no_grep "$o.offer.out" 'a=crypto:[0-9]+ (F8|NULL)_' "$id: no F8 or NULL suite toward the UE"
	assert_no_grep "$o.offer.out" 'a=(fingerprint|setup)' "$id: no DTLS toward the UE"
	sdp_crypto "$o.offer.out" >"$o.offer.suites"
	tag=$(awk -v s="$suite" '$2 == s { print $1; exit }' "$o.offer.suites")
	[ -n "$tag" ] || fail "$id: rtpengine offers no $suite line ($(tr '\n' ' ' <"$o.offer.suites"))"
	sdp_crypto_key "$o.offer.keys.out" "$tag" >"$o.gw.key"
	[ -s "$o.gw.key" ] || fail "$id: no key in the $suite line"
	uport=$(sdp_media_port "$o.offer.out")
	uaddr=$(sdp_conn_addr "$o.offer.out")
	urtcp=$(sdp_rtcp_port "$o.offer.out")

	sdp_head "$o.answer.sdp" ue "$ue"
	printf 'm=audio %s RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=crypto:%s %s inline:%s\r\n' \
		"$uep" "$tag" "$suite" "$(cat "$o.ue.key")" >>"$o.answer.sdp"
	rngctl "$ng" answer "$call" core-"$id" ue-"$id" "$o.answer.sdp" \
		DTLS=off ICE=remove >"$o.answer.out" ||
		fail "$id: answer refused: $(sdes_mask <"$o.answer.out")"
	ng_warnings "$o.answer.out" "$id answer"
	assert_grep "$o.answer.out" '^ *m=audio [0-9]+ RTP/AVP 0' "$id: core leg is RTP/AVP again"
	assert_no_grep "$o.answer.out" 'a=crypto' "$id: no crypto line toward the core"
	cport=$(sdp_media_port "$o.answer.out")
	caddr=$(sdp_conn_addr "$o.answer.out")
	crtcp=$(sdp_rtcp_port "$o.answer.out")

	run_probe "$id" "$suite" "$ue" "$uep" "$uaddr" "$uport" "$urtcp" \
		"$core" "$corep" "$caddr" "$cport" "$crtcp"
	check_query "$ng" "$call" ue-"$id" core-"$id" "$suite" "$id"
	note "$id: UE answered tag $tag of $(wc -l <"$o.offer.suites") offered lines ($(awk '{ printf "%s%s", s, $2; s = "," }' "$o.offer.suites"))"
}

# e2e ID NG SUITE: 3GPP e2e (no e2ae): SAVP on both legs, rtpengine only
# anchors.  Each side's crypto line must reach the other side with its key
# unchanged, and srtp_probe --passthrough (the core plays the far UE) checks
# that every SRTP packet arrives byte-identical.  SRTCP is decrypted and
# re-encrypted by rtpengine under its own SRTCP index (seen on 10.5), so it
# is only required to decrypt, with the sender's key, to the very compound
# sent (--allow-srtcp-reencrypt).
e2e() {
	local id=$1 ng=$2 suite=$3 uep corep cport uport call=e2e-$1 o=$RUN_DIR/$1
	uep=$(alloc_ports 2)
	corep=$(alloc_ports 2)
	srtp_gen_key "$suite" >"$o.ue.key"
	srtp_gen_key "$suite" >"$o.gw.key" # the far UE's key: what the UE receives

	sdp_head "$o.offer.sdp" ue 127.0.0.1
	printf 'm=audio %s RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=crypto:1 %s inline:%s\r\n' \
		"$uep" "$suite" "$(cat "$o.ue.key")" >>"$o.offer.sdp"
	"$RNGCTL" -k -n "udp:127.0.0.1:$ng" offer "$call" ue-"$id" "$o.offer.sdp" \
		DTLS=off ICE=remove >"$o.offer.keys.out" ||
		fail "$id: offer refused: $(sdes_mask <"$o.offer.keys.out")"
	calls+=("$ng $call ue-$id")
	sdes_mask <"$o.offer.keys.out" >"$o.offer.out"
	assert_grep "$o.offer.out" '^ *m=audio [0-9]+ RTP/SAVP 0' "$id: far leg stays RTP/SAVP"
	assert_eq "$(sdp_crypto "$o.offer.out" | head -n 1)" "1 $suite" "$id: the UE's line comes first"
	sdp_crypto_key "$o.offer.keys.out" 1 | cmp -s - "$o.ue.key" ||
		fail "$id: the UE's key did not reach the far end unchanged"
	cport=$(sdp_media_port "$o.offer.out")

	sdp_head "$o.answer.sdp" far 127.0.0.1
	printf 'm=audio %s RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\na=crypto:1 %s inline:%s\r\n' \
		"$corep" "$suite" "$(cat "$o.gw.key")" >>"$o.answer.sdp"
	"$RNGCTL" -k -n "udp:127.0.0.1:$ng" answer "$call" ue-"$id" far-"$id" "$o.answer.sdp" \
		DTLS=off ICE=remove >"$o.answer.keys.out" ||
		fail "$id: answer refused: $(sdes_mask <"$o.answer.keys.out")"
	sdes_mask <"$o.answer.keys.out" >"$o.answer.out"
	assert_eq "$(sdp_crypto "$o.answer.out" | tr '\n' ' ')" "1 $suite " "$id: one crypto line to the UE"
	sdp_crypto_key "$o.answer.keys.out" 1 | cmp -s - "$o.gw.key" ||
		fail "$id: the far end's key did not reach the UE unchanged"
	uport=$(sdp_media_port "$o.answer.out")

	"$SRTP_PROBE" --suite "$suite" "${PROBE_OPTS[@]}" --passthrough --allow-srtcp-reencrypt \
		--ue-local "127.0.0.1:$uep" --ue-remote "127.0.0.1:$uport" \
		--ue-remote-rtcp "127.0.0.1:$(sdp_rtcp_port "$o.answer.out")" \
		--core-local "127.0.0.1:$corep" --core-remote "127.0.0.1:$cport" \
		--core-remote-rtcp "127.0.0.1:$(sdp_rtcp_port "$o.offer.out")" \
		--ue-tx-key-file "$o.ue.key" --ue-rx-key-file "$o.gw.key" \
		>"$o.probe.log" 2>&1 || true
	sed "s/^/$id: /" "$o.probe.log" | grep -E ': (ue->core|core->ue|srtcp|VERDICT)' >&2 || true
	assert_grep "$o.probe.log" '^VERDICT: PASS$' "$id: srtp_probe --passthrough verdict"
	assert_grep "$o.probe.log" \
		'^ue->core: sent 50 srtp, received (48|49|50) srtp, identical (48|49|50), decrypted (48|49|50), payloads ok (48|49|50)$' \
		"$id: UE->far SRTP byte-identical"
	assert_grep "$o.probe.log" \
		'^core->ue: sent 50 srtp, received (48|49|50) srtp, identical (48|49|50), decrypted (48|49|50), payloads ok (48|49|50)$' \
		"$id: far->UE SRTP byte-identical"
}

ngs+=("$RTPE_A_NG")
assert_eq "$(rngctl "$RTPE_A_NG" ping)" pong "rtpengine answers ping"

# ----- originating (UE offers SAVP), every suite -----
for suite in AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32 \
	AES_192_CM_HMAC_SHA1_80 AES_192_CM_HMAC_SHA1_32 \
	AES_256_CM_HMAC_SHA1_80 AES_256_CM_HMAC_SHA1_32 \
	AEAD_AES_128_GCM AEAD_AES_256_GCM; do
	originating "o-$suite" "$RTPE_A_NG" "$suite" 127.0.0.1 127.0.0.1
done

# ----- terminating (core offers AVP) -----
terminating t-AES_CM_128_HMAC_SHA1_80 "$RTPE_A_NG" AES_CM_128_HMAC_SHA1_80 127.0.0.1 127.0.0.1
terminating t-AES_CM_128_HMAC_SHA1_32 "$RTPE_A_NG" AES_CM_128_HMAC_SHA1_32 127.0.0.1 127.0.0.1
terminating t-AEAD_AES_256_GCM "$RTPE_A_NG" AEAD_AES_256_GCM 127.0.0.1 127.0.0.1

# ----- e2e pass-through (SAVP on both legs), for contrast -----
e2e e-AES_CM_128_HMAC_SHA1_80 "$RTPE_A_NG" AES_CM_128_HMAC_SHA1_80

# ----- IPv6 -----
if have_ipv6_loopback; then
	start_rtpengine v6 "${quiet_keys[@]}" --interface=::1
	ngs+=("$RTPE_V6_NG")
	originating o6-AES_CM_128_HMAC_SHA1_80 "$RTPE_V6_NG" AES_CM_128_HMAC_SHA1_80 ::1 ::1
	terminating t6-AEAD_AES_128_GCM "$RTPE_V6_NG" AEAD_AES_128_GCM ::1 ::1
	for f in o6-AES_CM_128_HMAC_SHA1_80.offer o6-AES_CM_128_HMAC_SHA1_80.answer \
		t6-AEAD_AES_128_GCM.offer t6-AEAD_AES_128_GCM.answer; do
		assert_grep "$RUN_DIR/$f.out" '^ *c=IN IP6 ::1' "$f: rtpengine on ::1"
	done
	# UE on IPv6, core on IPv4: "address family" picks the core leg's family
	originating o46-AES_CM_128_HMAC_SHA1_32 "$RTPE_V6_NG" AES_CM_128_HMAC_SHA1_32 ::1 127.0.0.1 \
		"address family=IP4"
	assert_grep "$RUN_DIR/o46-AES_CM_128_HMAC_SHA1_32.offer.out" '^ *c=IN IP4 127\.0\.0\.1' \
		"o46: core leg on IPv4"
	assert_grep "$RUN_DIR/o46-AES_CM_128_HMAC_SHA1_32.answer.out" '^ *c=IN IP6 ::1' \
		"o46: UE leg on IPv6"
else
	note "NOTE: IPv6 loopback (::1) not available: IPv6 variants skipped"
fi

# ----- every call is deleted, nothing is left -----
for c in "${calls[@]}"; do
	read -r ng call tag <<<"$c"
	rngctl "$ng" delete "$call" "$tag" >"$RUN_DIR/delete-$call.out" ||
		fail "delete $call failed: $(cat "$RUN_DIR/delete-$call.out")"
	assert_grep "$RUN_DIR/delete-$call.out" '^result: ok$' "delete $call ok"
done
for ng in "${ngs[@]}"; do
	rngctl "$ng" list >"$RUN_DIR/list-$ng.out"
	assert_cmd "rtpengine on $ng holds no call after the deletes ($(tr '\n' ' ' <"$RUN_DIR/list-$ng.out"))" \
		ng_no_calls "$ng"
done
for ng in "${ngs[@]}"; do
	assert_eq "$(rngctl "$ng" ping)" pong "rtpengine on $ng still answers (no crash)"
done
note "media proven both ways through rtpengine for ${#calls[@]} calls"
