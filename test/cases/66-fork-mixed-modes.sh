#!/usr/bin/env bash
# Parallel forks at this P-CSCF with different media security (issue 11:
# each fork is a leg with its own e2ae mode).  The user ue has two
# contacts behind this P-CSCF:
#   contact E (UE_PORT)   registered with Security-Client sdes-srtp;mediasec
#   contact P (UE2_PORT)  registered without mediasec
# and the S-CSCF (a core sipp) forks one terminating call to both: two
# INVITE transactions with the same Call-ID, From tag and RTP/AVP offer but
# different Via branches (f1, f2).  Two calls:
#   e2ae-wins   f1 -> E (answers 200), f2 -> P (cancelled, 487)
#   plain-wins  f1 -> P (answers 200), f2 -> E (cancelled, 487)
# so that each mode is the first and the second fork once, and wins once.
# Checked on what each contact and the core received, and on rtpengine:
#   - E's INVITE: RTP/SAVP on the gateway, the allowed suites (SUITE first
#     at tag 1), one a=3ge2ae:applied, no DTLS;
#   - P's INVITE: RTP/AVP on the gateway (anchored), no a=crypto, no
#     a=3ge2ae, no other keying;
#   - neither fork is refused (no 488 "forked branches differ in media
#     security"); the two forks have gateway ports of their own;
#   - the core gets each 183 and the 200 as RTP/AVP on the gateway without
#     SDES; the 200 comes from the winner, on the gateway port of the
#     winner's 183; the cancelled fork's 487 reaches the core;
#   - media of the winner: e2ae-wins: srtp_probe both ways (SRTP with E's
#     key and the gateway's tag-1 key toward E, RTP toward the core,
#     SRTCP/RTCP too); plain-wins: srtp_probe has no mode with plain RTP on
#     both sides, so the case plays both ends in bash (plain_probe: 10
#     numbered RTP packets each way through the gateway ports of P's offer
#     and of the core's 200, each must arrive intact), and rtpengine counts
#     packets from the core's tag and P's;
#   - rtpengine while the call is up: the winner's tag holds sockets (with
#     the suite and RTP/SAVP toward E, or RTP/AVP without a suite toward
#     P), the core's tag is RTP/AVP without a suite; the loser's tag holds
#     no socket (rtpengine 10.5 may still list a deleted branch's tag) and
#     no stream is left on the gateway port of the loser's INVITE; its log
#     shows the f2 branch deleted; after the BYE it holds no call.
# When a fork is refused (the module before issue 11 answered the second
# one 488 "forked branches differ in media security"), the case fails with
# the status, the Warning and the P-CSCF's log line.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
e2ae_lab

SUITE=AES_CM_128_HMAC_SHA1_80
UE_PORT=$(alloc_ports 1)  # contact E
UE2_PORT=$(alloc_ports 1) # contact P
e2ae_register reg-e "$UE_PORT" ue
e2ae_register reg-p "$UE2_PORT" ue -key sec_client "$E2AE_IPSEC_CLIENT" \
	-key exp401 none -key exp200 none
assert_no_grep "$RUN_DIR/reg-p.ue.trace" '^Security-Server: .*mediasec' \
	"contact P was not given mediasec"

# body_of OUT TRACE DIR REGEX [N]: the N-th such message into OUT.msg, its
# SDP into OUT.
body_of() {
	sipp_msg_to "$1.msg" "$2" "$3" "$4" "${5:-1}"
	msg_body "$1.msg" >"$1"
}

# check_e2ae_offer FILE PT WHAT: the gateway's e2ae offer to contact E.
check_e2ae_offer() {
	assert_agw_sdp "$1" "$3"
	assert_grep "$1" "^m=audio [0-9]+ RTP/SAVP $2\$" "$3: RTP/SAVP toward contact E"
	assert_eq "$(sdp_crypto "$1" | head -n 1)" "1 $SUITE" "$3: tag 1 is $SUITE"
	assert_eq "$(sdp_crypto "$1" | awk '{ print $2 }' | sort | uniq -d)" "" "$3: each suite once"
	assert_eq "$(msg_count "$1" '^a=3ge2ae:')" 1 "$3: one e2ae indication"
	assert_grep "$1" '^a=3ge2ae:applied$' "$3: a=3ge2ae:applied"
	assert_no_grep "$1" '^a=(fingerprint|setup)' "$3: no DTLS toward contact E"
}

# check_plain_sdp FILE PT WHAT: plain RTP/AVP on the gateway, no keying and
# no e2ae indication (the core's SDPs, and the offer to contact P).
check_plain_sdp() {
	assert_agw_sdp "$1" "$3"
	assert_grep "$1" "^m=audio [0-9]+ RTP/AVP $2\$" "$3: RTP/AVP"
	assert_no_grep "$1" '^a=crypto' "$3: no crypto line"
	assert_no_grep "$1" '^a=3ge2ae' "$3: no e2ae indication"
	assert_no_grep "$1" '^a=(fingerprint|setup|key-mgmt)' "$3: no other keying"
}

# query_ports FILE [TAG]: the local ports of every stream in rngctl query
# output (of TAG's streams only, when given).
query_ports() {
	awk -v t="${2:-}" '
		/^[^ ]/ { in_tags = ($0 ~ /^tags:/); cur = ""; next }
		!in_tags { next }
		/^  [^ ]/ { cur = $0; sub(/^ +/, "", cur); sub(/:[ ]*$/, "", cur); next }
		(t == "" || cur == t) && /^ *local port: [0-9]+[ ]*$/ { print $NF }
	' "$1"
}

# query_tag FILE TAG: the lines of TAG's entry in rngctl query output.
query_tag() {
	awk -v t="$2" '
		/^[^ ]/ { in_tags = ($0 ~ /^tags:/); cur = ""; next }
		!in_tags { next }
		/^  [^ ]/ { cur = $0; sub(/^ +/, "", cur); sub(/:[ ]*$/, "", cur) }
		cur == t { print }
	' "$1"
}

# The winner's media, once it received the ACK.
e2ae_up() { # ID: srtp_probe between contact E and the core
	local id=$1 o=$RUN_DIR/$1
	cp "$o.e.inv" "$o.ue.rx.sdp"
	body_of "$o.core.200" "$o.core.trace" received '^SIP/2\.0 200 '
	cp "$o.core.200" "$o.core.rx.sdp"
	sdp_crypto_key "$o.e.inv" 1 >"$o.gw.key"
	e2ae_probe "$id" "$SUITE" "$o.e.key" "$o.gw.key"
	rngctl "$RTPE_A_NG" query "$CID" >"$o.query" 2>&1 || fail "$id: no query reply"
}
plain_up() { # ID: plain RTP both ways between contact P and the core
	local id=$1 o=$RUN_DIR/$1 tags
	body_of "$o.core.200" "$o.core.trace" received '^SIP/2\.0 200 '
	tags="$(sed -n 's/^From:.*;tag=\([^;>[:space:]]*\).*/\1/p' "$o.core.200.msg" | head -n 1) $(
		sed -n 's/^To:.*;tag=\([^;>[:space:]]*\).*/\1/p' "$o.core.200.msg" | head -n 1)"
	plain_probe "$id" "$(sdp_media_port "$o.p.inv")" "$(sdp_media_port "$o.core.200")"
	rngctl "$RTPE_A_NG" query "$CID" >"$o.query" 2>&1 || fail "$id: no query reply"
	# the core's tag and the winner's both sent packets into rtpengine
	ng_query_packets "$o.query" | awk -v tags="$tags" '
		BEGIN { split(tags, t, " "); for (i in t) want[t[i]] = 1 }
		($1 in want) && $2 > 0 { ok++ }
		END { exit ok == 2 ? 0 : 1 }' ||
		fail "$id: rtpengine did not count RTP from both the core and contact P ($tags): $(ng_query_summary "$o.query")"
}

# rtp_packet SEQ MARK: a plain RTP packet (PT 8, PCMA) whose payload is MARK
# padded to 160 bytes, on stdout.
rtp_packet() {
	local hdr
	# V=2, PT 8, sequence SEQ, timestamp SEQ, SSRC "PLAN"
	hdr=$(printf '\\x%02x' 128 8 $(($1 / 256 % 256)) $(($1 % 256)) 0 0 \
		$(($1 / 256 % 256)) $(($1 % 256)) 80 76 65 78)
	# shellcheck disable=SC2059 # the header is a format of \x escapes
	printf "$hdr"
	printf '%-160s' "$2"
}

# rtp_recv FD SECS: one datagram from the connected UDP socket FD (empty
# when none came within SECS).
rtp_recv() {
	timeout "$2" dd bs=65536 count=1 status=none <&"$1" 2>/dev/null | tr -d '\0' || true
}

# plain_probe ID GW_P_PORT GW_CORE_PORT: srtp_probe has no mode with plain
# RTP on both sides, so bash plays both ends with connected UDP sockets
# (ephemeral ports; rtpengine latches onto them): contact P's end sends to
# the gateway port of P's offer, the core's end to the gateway port of the
# core's 200.  After 3 warm-up packets each way (latching), 10 numbered
# packets each way must arrive at the other end with their payload (at most
# 1 lost each way).  rtp_recv only hears the gateway port it sends to: what
# arrives came through rtpengine, symmetrically.
plain_probe() {
	local id=$1 fp fc i ok_pc=0 ok_cp=0 got
	exec {fp}<>"/dev/udp/127.0.0.1/$2" || fail "$id: no UDP socket toward $2"
	exec {fc}<>"/dev/udp/127.0.0.1/$3" || fail "$id: no UDP socket toward $3"
	for i in 1 2 3; do
		rtp_packet "$i" "warm-up p $i" | _udp_write "$fp"
		rtp_packet "$i" "warm-up core $i" | _udp_write "$fc"
		sleep 0.05
	done
	# drop what the warm-up brought
	while [ -n "$(rtp_recv "$fp" 0.3)" ]; do :; done
	while [ -n "$(rtp_recv "$fc" 0.3)" ]; do :; done
	for i in $(seq 1 10); do
		rtp_packet "$((100 + i))" "plain p->core $i" | _udp_write "$fp"
		got=$(rtp_recv "$fc" 1)
		[[ $got == *"plain p->core $i "* ]] && ok_pc=$((ok_pc + 1))
		rtp_packet "$((100 + i))" "plain core->p $i" | _udp_write "$fc"
		got=$(rtp_recv "$fp" 1)
		[[ $got == *"plain core->p $i "* ]] && ok_cp=$((ok_cp + 1))
	done
	exec {fp}>&- {fc}>&-
	note "NOTE: $id media (plain RTP both sides, bash over rtpengine): p->core $ok_pc/10, core->p $ok_cp/10 arrived intact"
	assert_ge "$ok_pc" 9 "$id: contact P's plain RTP reached the core through the gateway"
	assert_ge "$ok_cp" 9 "$id: the core's plain RTP reached contact P through the gateway"
}

# fork_call ID WINNER: WINNER (e2ae or plain) is forked to first (f1) and
# answers; the other contact is forked to second (f2) and cancelled.
fork_call() {
	local id=$1 win=$2 o=$RUN_DIR/$1 pt codec
	local cpid wpid lpid wport lport wname lname ruri ruri2
	if [ "$win" = e2ae ]; then
		pt=0 codec=PCMU/8000 wname=e wport=$UE_PORT lname=p lport=$UE2_PORT
	else
		pt=8 codec=PCMA/8000 wname=p wport=$UE2_PORT lname=e lport=$UE_PORT
	fi
	ruri="sip:ue@127.0.0.1:$wport" ruri2="sip:ue@127.0.0.1:$lport"
	CORE_MPORT=$(alloc_ports 2) E_MPORT=$(alloc_ports 2) P_MPORT=$(alloc_ports 2)
	UE_MPORT=$E_MPORT # the probe plays contact E
	e2ae_sdp_file "$o.offer.sdp" core "m=audio $CORE_MPORT RTP/AVP $pt" "a=rtpmap:$pt $codec" "a=sendrecv"
	srtp_gen_key "$SUITE" >"$o.e.key"
	e2ae_sdp_file "$o.e.sdp" ue "m=audio $E_MPORT RTP/SAVP $pt" "a=rtpmap:$pt $codec" \
		"a=crypto:1 $SUITE inline:$(cat "$o.e.key")" "a=sendrecv"
	e2ae_sdp_file "$o.p.sdp" ue "m=audio $P_MPORT RTP/AVP $pt" "a=rtpmap:$pt $codec" "a=sendrecv"

	# the loser rings and is cancelled; the winner rings, then answers
	e2ae_sipp "$id.$lname" life_uas_fork_loser.xml "$lport" -key answer_sdp "$o.$lname.sdp"
	lpid=$BG_PID
	e2ae_sipp_bound "$lport"
	e2ae_sipp "$id.$wname" life_uas_fork_winner.xml "$wport" -d 1500 -key answer_sdp "$o.$wname.sdp"
	wpid=$BG_PID
	e2ae_sipp_bound "$wport"
	CID="$id-$$-$RANDOM@e2ae.test"
	# the core hangs up once the media checks are done (its hold gate)
	e2ae_sipp "$id.core" life_uac_fork_parallel.xml "$SCSCF_PORT" -d 200 -cid_str "$CID" \
		-key ruri "$ruri" -key ruri2 "$ruri2" -key user core -key offer_sdp "$o.offer.sdp" \
		-set hold_gate "$(gate_new "$id.hold")" "127.0.0.1:$KAM_CORE_PORT"
	cpid=$BG_PID

	if ! wait_until 10 sipp_saw "$RUN_DIR/$id.$wname.trace" received '^ACK '; then
		# what went wrong, from what the core received
		e2ae_mask_traces
		stop_pidfiles "$RUN_DIR/$id.core.bg.pid" sipp "$RUN_DIR/$id.e.bg.pid" sipp \
			"$RUN_DIR/$id.p.bg.pid" sipp || true
		e2ae_mask_traces
		if sipp_msg "$RUN_DIR/$id.core.trace" received '^SIP/2\.0 [3-6][0-9][0-9] ' >"$o.refusal.msg"; then
			fail "$id: the core got $(head -n 1 "$o.refusal.msg") for the INVITE to $(
				grep -m1 -i '^Via:.*branch=z9hG4bK-[0-9]*-f[12]-' "$o.refusal.msg" |
					sed 's/.*-\(f[12]\)-.*/\1/') ($(grep -m1 -i '^Warning:' "$o.refusal.msg" || echo 'no Warning')); P-CSCF: $(grep -E "refused.*$CID|$CID.*refused" "$RUN_DIR/kamailio.log" | sed 's/.*ims_medsec \[/[/; s/.*<script>: /script: /' | head -n 2 | tr '\n' ' ')"
		fi
		fail "$id: no ACK reached the winning contact (the core got: $(sipp_received "$RUN_DIR/$id.core.trace" | tr '\n' ';'))"
	fi
	body_of "$o.$wname.inv" "$RUN_DIR/$id.$wname.trace" received '^INVITE '
	if [ "$win" = e2ae ]; then e2ae_up "$id"; else plain_up "$id"; fi
	gate_open "$o.hold.gate"
	e2ae_sipp_wait "$id.core" "$cpid" "$id: the forking core"
	e2ae_sipp_wait "$id.$wname" "$wpid" "$id: the winning contact"
	e2ae_sipp_wait "$id.$lname" "$lpid" "$id: the cancelled contact"

	# --- what each contact was offered
	body_of "$o.$lname.inv" "$RUN_DIR/$id.$lname.trace" received '^INVITE '
	check_e2ae_offer "$o.e.inv" "$pt" "$id: the offer to contact E"
	check_plain_sdp "$o.p.inv" "$pt" "$id: the offer to contact P"
	assert_ne "$(sdp_media_port "$o.e.inv")" "$(sdp_media_port "$o.p.inv")" \
		"$id: each contact has a gateway port of its own"
	assert_grep "$o.$wname.inv.msg" '^Via: SIP/2\.0/UDP .*branch=z9hG4bK-[0-9]+-f1-' \
		"$id: the winner got the first fork (f1)"
	assert_grep "$o.$lname.inv.msg" '^Via: SIP/2\.0/UDP .*branch=z9hG4bK-[0-9]+-f2-' \
		"$id: the loser got the second fork (f2)"

	# --- what the core received: RTP/AVP only; the 200 is the winner's
	local n
	for n in 1 2; do
		body_of "$o.core.183-$n" "$RUN_DIR/$id.core.trace" received '^SIP/2\.0 183 ' "$n"
		check_plain_sdp "$o.core.183-$n" "$pt" "$id: 183 number $n to the core"
	done
	body_of "$o.core.200" "$RUN_DIR/$id.core.trace" received '^SIP/2\.0 200 '
	check_plain_sdp "$o.core.200" "$pt" "$id: the 200 to the core"
	assert_grep "$o.core.200.msg" "^Contact: <sip:callee@127\.0\.0\.1:$wport>" \
		"$id: the 200 comes from the winning contact"
	local w183=''
	for n in 1 2; do
		grep -q "^Contact: <sip:callee@127\.0\.0\.1:$wport>" "$o.core.183-$n.msg" && w183=$o.core.183-$n
	done
	[ -n "$w183" ] || fail "$id: no 183 of the winning contact reached the core"
	assert_eq "$(sdp_media_port "$o.core.200")" "$(sdp_media_port "$w183")" \
		"$id: the 200 keeps the gateway port of the winner's 183"
	sipp_msg_to "$o.core.487.msg" "$RUN_DIR/$id.core.trace" received '^SIP/2\.0 487 '
	assert_grep "$o.core.487.msg" '^Via: .*branch=z9hG4bK-[0-9]+-f2-' "$id: the cancelled fork's 487 reached the core"

	# --- rtpengine while the call was up: the winner's leg only
	local ltag wtag ftag
	ftag=$(sed -n 's/^From:.*;tag=\([^;>[:space:]]*\).*/\1/p' "$o.core.200.msg" | head -n 1)
	wtag=$(sed -n 's/^To:.*;tag=\([^;>[:space:]]*\).*/\1/p' "$o.core.200.msg" | head -n 1)
	ltag=$(sed -n 's/^To:.*;tag=\([^;>[:space:]]*\).*/\1/p' "$o.core.487.msg" | head -n 1)
	assert_ne "$ltag" "$wtag" "$id: the two contacts answered with their own to-tags"
	assert_ne "$(query_ports "$o.query" "$wtag")" "" "$id: rtpengine holds the winner's leg (its tag with ports)"
	# rtpengine 10.5 may still list a deleted branch's tag, without a socket
	assert_eq "$(query_ports "$o.query" "$ltag" | tr '\n' ' ')" "" \
		"$id: no port of the loser's leg (tag $ltag) left in rtpengine"
	if query_ports "$o.query" | grep -qx -- "$(sdp_media_port "$o.$lname.inv")"; then
		fail "$id: rtpengine still has a stream on port $(sdp_media_port "$o.$lname.inv") of the loser's offer"
	fi
	assert_grep "$RUN_DIR/rtpengine-a.log" "\[$CID\]: \[core\] (Call branch .*via-branch 'z9hG4bK-[0-9]+-f2-[0-9]+'.* deleted|Deleting call branch .*via-branch 'z9hG4bK-[0-9]+-f2-)" \
		"$id: rtpengine deleted the cancelled fork's branch"
	# the winner's leg: SRTP with the suite toward E, RTP toward P; the
	# core's: RTP without a suite
	query_tag "$o.query" "$wtag" >"$o.query.win"
	query_tag "$o.query" "$ftag" >"$o.query.core"
	if [ "$win" = e2ae ]; then
		assert_grep "$o.query.win" '^ *protocol: RTP/SAVP$' "$id: rtpengine's leg toward contact E is RTP/SAVP"
		assert_grep "$o.query.win" "^ *crypto suite: $SUITE\$" "$id: rtpengine terminates $SUITE toward contact E"
	else
		assert_grep "$o.query.win" '^ *protocol: RTP/AVP$' "$id: rtpengine's leg toward contact P is RTP/AVP"
		assert_no_grep "$o.query.win" '^ *crypto suite:' "$id: no crypto suite toward contact P"
	fi
	assert_grep "$o.query.core" '^ *protocol: RTP/AVP$' "$id: rtpengine's leg toward the core is RTP/AVP"
	assert_no_grep "$o.query.core" '^ *crypto suite:' "$id: no crypto suite toward the core"
	assert_no_grep "$RUN_DIR/kamailio.log" "refused.*$CID|$CID.*refused" "$id: no refusal in the P-CSCF"
	e2ae_no_calls_left "$id"
	note "$id: contact E offered RTP/SAVP + $SUITE + a=3ge2ae:applied (port $(sdp_media_port "$o.e.inv")), contact P RTP/AVP (port $(sdp_media_port "$o.p.inv")); $win won, the other leg was released"
}

fork_call e2ae-wins e2ae
fork_call plain-wins plain

assert_no_grep "$RUN_DIR/kamailio.log" 'failed a check|CRITICAL|BUG' "no failed check in the P-CSCF"
e2ae_no_calls_left "end of case"
