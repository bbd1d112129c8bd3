#!/usr/bin/env bash
# rtpengine (the AGW) restarts while e2ae calls are up: what happens, and
# what brings a call back (docs/agw-restart.md).
#
#   1. two UEs (registered with sdes-srtp;mediasec) each call the core
#      (test/sipp/restart_uac.xml / restart_uas.xml: the UEs wait for the
#      test's triggers): call A from UE 1, call B from UE 2; rtpengine holds
#      both, A's media is probed both ways (srtp_probe --rtcp);
#   2. rtpengine is stopped by its pidfile.  B's UE re-INVITEs during the
#      outage: a 503 with Warning: 399 ims_medsec "media gateway
#      unavailable" and Retry-After; the core never sees that re-INVITE;
#      the module logs the failed offer (ERROR) and the script the refusal;
#   3. rtpengine is started again on the SAME ng port and media range (a
#      fresh process: it knows no call);
#   4. (a) A's media is dead: a short probe with the same addresses and keys
#      gets nothing through in either direction; the restarted rtpengine
#      lists no call (query A: error "Unknown call-id"), while the module
#      still lists both sessions on node 0 (nothing told it);
#   5. B hangs up: the BYE reaches the core, B's UE gets the 200; the
#      restarted rtpengine, which never had B, answers the delete "ok"
#      with a warning ("Call-ID not found or tags didn't match"), which the
#      module logs as a WARNING; B is forgotten; agw_failures grew by one
#      (B's failed re-offer), not for the delete;
#   6. (b) A's UE sends a re-INVITE (CSeq 2, the same crypto line and key,
#      a=3ge2ae:requested; fresh media ports): the module sends it to the call's node as any
#      re-offer, and the restarted rtpengine creates the call afresh.  The
#      core gets RTP/AVP on the gateway (no SDES, no indication), the UE a
#      200 with RTP/SAVP, exactly one crypto line (tag 1, same suite) with
#      a NEW gateway key and a=3ge2ae:applied; A's media is probed again
#      both ways and passes;
#   7. (c) A's BYE: the restarted rtpengine gets the delete and lists no
#      call, the module lists no session; Kamailio's main process is the
#      same and still answers OPTIONS; its log has no crash, and no ERROR
#      or WARNING line but B's failed re-offer and B's delete.
# What the module logged for each call, and what each side received, is
# noted (docs/agw-restart.md describes these runs).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
e2ae_lab

e2ae_ctl
SUITE=AES_CM_128_HMAC_SHA1_80
KAM_PID=$(_read_pid "$KAM_PIDFILE") || fail "no Kamailio pid"

# stop_agw: stop rtpengine "a" by its pidfile; its ng port is free again.
stop_agw() {
	stop_pidfiles "$RTPE_A_PIDFILE" rtpengine || fail "rtpengine a needed SIGKILL"
	assert_not_running "$RTPE_A_PIDFILE" rtpengine "rtpengine a stopped"
	wait_until 5 _port_free "$RTPE_A_NG" || fail "the ng port $RTPE_A_NG stays bound after the stop"
	note "rtpengine stopped"
}

# start_agw: start a new rtpengine with start_rtpengine's options on the
# SAME ng port and media range as "a" (lib.sh would allocate new ports);
# its log is rtpengine-a2.log, its pidfile rtpengine-a2.pid, which
# RTPE_A_PIDFILE then names.
start_agw() {
	local pidfile=$RUN_DIR/rtpengine-a2.pid
	rm -f "$pidfile"
	start_bg rtpengine-a2 rtpengine "$RTPENGINE" \
		--config-file=none --table=-1 --interface=127.0.0.1 \
		--listen-ng="127.0.0.1:$RTPE_A_NG" --port-min="$RTPE_A_PORT_MIN" \
		--port-max="$RTPE_A_PORT_MAX" \
		--delete-delay=0 --foreground --log-stderr --log-level=7 \
		--pidfile="$pidfile" "${E2AE_QUIET_KEYS[@]}"
	register_proc "$pidfile" rtpengine
	if ! wait_until "$START_TIMEOUT" _rtpengine_ready "$BG_PID" "$RTPE_A_NG" ||
		! _alive "$BG_PID" || ! ng_ping "$RTPE_A_NG"; then
		fail "rtpengine does not start again on ng port $RTPE_A_NG (taken meanwhile? see rtpengine-a2.log)"
	fi
	RTPE_A_PIDFILE=$pidfile
	note "rtpengine started again: pid $(cat "$pidfile"), ng 127.0.0.1:$RTPE_A_NG, media $RTPE_A_PORT_MIN-$RTPE_A_PORT_MAX"
}
_port_free() { ! port_bound "$1" udp; }

# trigger METHOD PORT CALLID N: the go-ahead for the UE sipp on PORT: a
# METHOD (OPTIONS: go on; NOTIFY: hang up now) in its call, not answered
# (it only paces restart_uac.xml).
trigger() {
	local fd msg
	msg="$1 sip:ue@127.0.0.1:$2 SIP/2.0\r
Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-trigger-$4-$$\r
Max-Forwards: 70\r
From: <sip:test@127.0.0.1>;tag=trigger-$4\r
To: <sip:ue@127.0.0.1:$2>\r
Call-ID: $3\r
CSeq: $4 $1\r
Content-Length: 0\r
\r
"
	exec {fd}<>"/dev/udp/127.0.0.1/$2" || fail "cannot send the trigger"
	printf '%b' "$msg" | _udp_write "$fd"
	exec {fd}>&-
}

# call_msg OUT TRACE DIR REGEX CALLID CSEQ: msg_cseq for one call of a
# trace that holds several (the core's).
call_msg() {
	local out=$1 tr=$2 dir=$3 re=$4 cid=$5 cseq=$6 i=1
	while sipp_msg "$tr" "$dir" "$re" "$i" >"$out.tmp" 2>/dev/null; do
		if grep -Fqi "Call-ID: $cid" "$out.tmp" && grep -Eiq "^CSeq: *$cseq\$" "$out.tmp"; then
			mv "$out.tmp" "$out"
			return 0
		fi
		i=$((i + 1))
	done
	rm -f "$out.tmp"
	return 1
}

# call_sipp NAME SCENARIO PORT [SIPP ARG...]: e2ae_sipp without its -m 1
# (the caller gives -m) and with a global timeout of 90 s (the calls stay
# up while the test restarts rtpengine).
call_sipp() {
	local name=$1 sf=$2 port=$3 media
	shift 3
	media=$(alloc_ports 4)
	rm -f "$RUN_DIR/$name.trace" "$RUN_DIR/$name.errors.trace"
	# shellcheck disable=SC2016 # expanded by that sh
	start_bg "$name" sipp sh -c 'o=$1; shift; exec "$@" >"$o" 2>&1' call_sipp \
		"$RUN_DIR/$name.stdout" "$SIPP" -sf "$TEST_SIPP_DIR/$sf" -nostdin -i 127.0.0.1 \
		-p "$port" -mp "$media" -timeout 90s -timeout_error \
		-trace_msg -message_file "$RUN_DIR/$name.trace" \
		-trace_err -error_file "$RUN_DIR/$name.errors.trace" \
		-trace_logs -log_file "$RUN_DIR/$name.actions.log" "$@"
}

# extract_step ID UE_TRACE CALLID CSEQ: the 200 the UE received and the
# INVITE the core received for "CSEQ INVITE" of the call, into
# ID.{ue,core}.rx.msg / .sdp.
extract_step() {
	local o=$RUN_DIR/$1
	msg_cseq "$o.ue.rx.msg" "$2" received '^SIP/2\.0 200 ' "$4 INVITE" ||
		fail "$1: the UE received no 200 to its INVITE CSeq $4 (UE received: $(sipp_received "$2" | tr -d '\r' | tr '\n' ',' | sed 's/,$//'))"
	call_msg "$o.core.rx.msg" "$CT" received '^INVITE ' "$3" "$4 INVITE" ||
		fail "$1: the core received no INVITE CSeq $4 (core received: $(sipp_received "$CT" | tr -d '\r' | tr '\n' ',' | sed 's/,$//'))"
	msg_body "$o.ue.rx.msg" >"$o.ue.rx.sdp"
	msg_body "$o.core.rx.msg" >"$o.core.rx.sdp"
}

# dead_probe ID TXKEY RXKEY: a short probe of call ID's addresses and keys
# both ways; nothing must get through (exit 1, 0 received each way).
dead_probe() {
	local o=$RUN_DIR/$1 rc=0
	"$SRTP_PROBE" --suite "$SUITE" --count 10 --warmup 0 --interval 20 --timeout 500 \
		--ue-local "127.0.0.1:$UE_MPORT" \
		--ue-remote "$(hostport "$(sdp_conn_addr "$o.ue.rx.sdp")" "$(sdp_media_port "$o.ue.rx.sdp")")" \
		--core-local "127.0.0.1:$CORE_MPORT" \
		--core-remote "$(hostport "$(sdp_conn_addr "$o.core.rx.sdp")" "$(sdp_media_port "$o.core.rx.sdp")")" \
		--ue-tx-key-file "$2" --ue-rx-key-file "$3" >"$o.dead.log" 2>&1 || rc=$?
	sed "s/^/$1 dead probe: /" "$o.dead.log" | grep -E ': (ue->core|core->ue|VERDICT)' >&2 || true
	assert_eq "$rc" 1 "$1: the probe after the restart must fail (exit)"
	assert_grep "$o.dead.log" '^ue->core: sent 10 srtp, received 0 rtp' "$1: nothing from the UE reaches the core"
	assert_grep "$o.dead.log" '^core->ue: sent 10 rtp, received 0 srtp' "$1: nothing from the core reaches the UE"
	note "NOTE: $1: after the restart: $(grep -E '^(ue->core|core->ue): ' "$o.dead.log" | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
}

# hold_ports NAME PORT...: keep the UDP ports bound (a perl helper in the
# background, stopped by its pidfile) until release_ports NAME.  The media
# ports of the probes are chosen seconds before srtp_probe binds them, and
# other test runs on the machine draw ports meanwhile (an rtpengine binds
# its range only as calls need it): seen twice, "Address already in use".
hold_ports() {
	local name=hold-$1
	shift
	# shellcheck disable=SC2016 # perl code
	start_bg "$name" perl perl -MIO::Socket::INET -e '
		$| = 1;
		my @s = map { IO::Socket::INET->new(LocalAddr => "127.0.0.1",
			LocalPort => $_, Proto => "udp") or die "bind $_: $!\n" } @ARGV;
		print "held\n";
		sleep 3600;' "$@"
	wait_until 5 grep -q '^held$' "$RUN_DIR/$name.log" ||
		fail "cannot hold UDP ports $*: $(cat "$RUN_DIR/$name.log")"
}
release_ports() {
	stop_pidfiles "$RUN_DIR/hold-$1.bg.pid" perl || true
}

# module_sessions OUT: ims_medsec.sessions into OUT.
module_sessions() {
	kamcmd -s "$CTL" ims_medsec.sessions >"$RUN_DIR/$1" 2>&1 || fail "kamcmd ims_medsec.sessions failed"
}

UE_PORT=$(alloc_ports 1)
UE2_PORT=$(alloc_ports 1)
e2ae_register reg "$UE_PORT" ue
e2ae_register reg2 "$UE2_PORT" ue2

# ----- 1. two calls; A's media -----
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
B_UE_MPORT=$(alloc_ports 2)
hold_ports a "$UE_MPORT" $((UE_MPORT + 1)) "$CORE_MPORT" $((CORE_MPORT + 1))
srtp_gen_key "$SUITE" >"$RUN_DIR/ue1.key"
srtp_gen_key "$SUITE" >"$RUN_DIR/ueb.key"
ue_sdp() { # FILE VERSION PORT KEYFILE
	e2ae_sdp "$1" v=0 "o=ue 1 $2 IN IP4 127.0.0.1" s=- "c=IN IP4 127.0.0.1" "t=0 0" \
		"m=audio $3 RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
		"a=crypto:1 $SUITE inline:$(cat "$4")" "a=3ge2ae:requested" "a=sendrecv"
}
ue_sdp "$RUN_DIR/offer.sdp" 1 "$UE_MPORT" "$RUN_DIR/ue1.key"
ue_sdp "$RUN_DIR/b.offer.sdp" 1 "$B_UE_MPORT" "$RUN_DIR/ueb.key"
ue_sdp "$RUN_DIR/b.reoffer.sdp" 2 "$B_UE_MPORT" "$RUN_DIR/ueb.key"
# (the core answers both calls with the same SDP; only A's media is probed)
core_sdp "$RUN_DIR/answer.sdp" 1 sendrecv
# (the re-INVITE's offer and answer are written after the restart)

cid="rsA-$$-$RANDOM@e2ae.test"
bcid="rsB-$$-$RANDOM@e2ae.test"
call_sipp core restart_uas.xml "$SCSCF_PORT" -m 2 -d 100 \
	-key answer_sdp "$RUN_DIR/answer.sdp" -key reanswer_sdp "$RUN_DIR/reanswer.sdp"
core_pid=$BG_PID
e2ae_sipp_bound "$SCSCF_PORT"
CT=$RUN_DIR/core.trace
call_sipp a.ue restart_uac.xml "$UE_PORT" -m 1 -cid_str "$cid" \
	-key ruri "sip:bob@ims.test" -key user ue -key offer_sdp "$RUN_DIR/offer.sdp" \
	-key reoffer_sdp "$RUN_DIR/reoffer.sdp" "127.0.0.1:$KAM_SIP_PORT"
a_pid=$BG_PID
UT=$RUN_DIR/a.ue.trace
wait_until 10 call_msg "$RUN_DIR/a.ack1.msg" "$CT" received '^ACK ' "$cid" '1 ACK' || fail "A: the call was not set up"
call_sipp b.ue restart_uac.xml "$UE2_PORT" -m 1 -cid_str "$bcid" \
	-key ruri "sip:bob@ims.test" -key user ue2 -key offer_sdp "$RUN_DIR/b.offer.sdp" \
	-key reoffer_sdp "$RUN_DIR/b.reoffer.sdp" "127.0.0.1:$KAM_SIP_PORT"
b_pid=$BG_PID
BT=$RUN_DIR/b.ue.trace
wait_until 10 call_msg "$RUN_DIR/b.ack1.msg" "$CT" received '^ACK ' "$bcid" '1 ACK' || fail "B: the call was not set up"

o=$RUN_DIR/up
extract_step up "$UT" "$cid" 1
check_ue_answer "$o.ue.rx.sdp" "A: UE's answer"
check_core_offer "$o.core.rx.sdp" "A: core's offer"
extract_step b "$BT" "$bcid" 1
check_ue_answer "$RUN_DIR/b.ue.rx.sdp" "B: UE's answer"
check_core_offer "$RUN_DIR/b.core.rx.sdp" "B: core's offer"
sdp_crypto_key "$o.ue.rx.sdp" 1 >"$RUN_DIR/gw1.key"
[ -s "$RUN_DIR/gw1.key" ] || fail "A: no tag-1 key in the UE's answer"
ng_holds "$RTPE_A_NG" "$cid" || fail "A: rtpengine does not hold the call"
ng_holds "$RTPE_A_NG" "$bcid" || fail "B: rtpengine does not hold the call"
release_ports a
e2ae_probe up "$SUITE" "$RUN_DIR/ue1.key" "$RUN_DIR/gw1.key"
hold_ports a "$UE_MPORT" $((UE_MPORT + 1)) "$CORE_MPORT" $((CORE_MPORT + 1))
kam_failures0=$(kam_stat agw_failures)

# ----- 2. rtpengine stops; B re-INVITEs during the outage -----
stop_agw
trigger OPTIONS "$UE2_PORT" "$bcid" 1
wait_until 15 grep -q 're-INVITE got' "$RUN_DIR/b.ue.actions.log" ||
	fail "B: no final reply to the re-INVITE sent while rtpengine is down"
assert_grep "$RUN_DIR/b.ue.actions.log" 're-INVITE got 503' "B: the re-INVITE during the outage gets a 503"
msg_cseq "$RUN_DIR/b.503.msg" "$BT" received '^SIP/2\.0 503 ' '2 INVITE' || fail "B: no 503 in the UE's trace"
assert_grep "$RUN_DIR/b.503.msg" '^Warning: 399 ims_medsec "media gateway unavailable"$' "B: the 503's Warning"
assert_grep "$RUN_DIR/b.503.msg" '^Retry-After: [0-9]+' "B: the 503's Retry-After"
wait_until 5 grep -q "offer for call $bcid failed: " "$RUN_DIR/kamailio.log" ||
	fail "B: the module did not log the failed offer"
note "NOTE: B: re-INVITE while rtpengine is down: $(head -n 1 "$RUN_DIR/b.503.msg" | tr -d '\r'), $(grep '^Warning:' "$RUN_DIR/b.503.msg" | tr -d '\r'); module: $(grep "offer for call $bcid failed: " "$RUN_DIR/kamailio.log" | sed 's/^ *[0-9]*([0-9]*) //' | head -n 1)"

# ----- 3. rtpengine starts again on the same ports -----
start_agw

# ----- 4. (a) the media of the running calls -----
ng_no_calls "$RTPE_A_NG" || fail "dead: the restarted rtpengine lists a call"
rngctl "$RTPE_A_NG" query "$cid" >"$RUN_DIR/dead.query.out" 2>&1 || true
note "NOTE: dead: rngctl query of A on the restarted rtpengine: $(tr -s ' \n' ' ' <"$RUN_DIR/dead.query.out")"
cp "$o.ue.rx.sdp" "$RUN_DIR/dead.ue.rx.sdp"
cp "$o.core.rx.sdp" "$RUN_DIR/dead.core.rx.sdp"
release_ports a
dead_probe dead "$RUN_DIR/ue1.key" "$RUN_DIR/gw1.key"
module_sessions dead.sessions.out
for c in "$cid" "$bcid"; do
	assert_grep "$RUN_DIR/dead.sessions.out" "callid: ${c//./\\.}\$" "dead: the module still lists $c (nothing told it)"
done
assert_eq "$(grep -c 'node: 0$' "$RUN_DIR/dead.sessions.out")" 2 "dead: both sessions on node 0"
note "NOTE: dead: the module still lists: $(grep -E 'callid|mode|node' "$RUN_DIR/dead.sessions.out" | tr -s ' \t\n' ' ')"

# ----- 5. B hangs up (its session never reached the new rtpengine) -----
trigger OPTIONS "$UE2_PORT" "$bcid" 2
e2ae_sipp_wait b.ue "$b_pid" "B: the UE (call, refused re-INVITE, BYE)"
call_msg "$RUN_DIR/b.bye.msg" "$CT" received '^BYE ' "$bcid" '3 BYE' || fail "B: the core did not get the BYE"
msg_cseq "$RUN_DIR/b.bye200.msg" "$BT" received '^SIP/2\.0 200 ' '3 BYE' || fail "B: the UE got no 200 to its BYE"
call_msg "$RUN_DIR/b.reinv.msg" "$CT" received '^INVITE ' "$bcid" '2 INVITE' && fail "B: the refused re-INVITE reached the core"
assert_grep "$RUN_DIR/rtpengine-a2.log" "\\[${bcid}[^]]*\\]: .*Received command 'delete'" \
	"B: the restarted rtpengine received the delete"
wait_until 5 grep -q "warns on delete for call $bcid" "$RUN_DIR/kamailio.log" ||
	fail "B: the module did not log rtpengine's warning on the delete"
grep "warns on delete for call $bcid" "$RUN_DIR/kamailio.log" | sed 's/^ *[0-9]*([0-9]*) //' >"$RUN_DIR/b.delete.lines"
assert_grep "$RUN_DIR/b.delete.lines" '^WARNING: ' "B: logged as a WARNING"
note "NOTE: B: BYE after the restart: module logs: $(head -n 1 "$RUN_DIR/b.delete.lines")"
module_sessions b.sessions.out
assert_no_grep "$RUN_DIR/b.sessions.out" "callid: ${bcid//./\\.}\$" "B: the module forgot the call"
kam_failures1=$(kam_stat agw_failures)
assert_eq "$((kam_failures1 - kam_failures0))" 1 "B: agw_failures counts the failed re-offer only (the delete answered ok, with a warning)"

# ----- 6. (b) A's re-INVITE -----
# The re-offer: the same crypto line and key, o= version 2.  Both ends
# take fresh media ports (held until the probe), as the dead probe just
# released the old ones; the same SDP with the old ports works as well.
UE_MPORT=$(alloc_ports 2)
CORE_MPORT=$(alloc_ports 2)
hold_ports re "$UE_MPORT" $((UE_MPORT + 1)) "$CORE_MPORT" $((CORE_MPORT + 1))
ue_sdp "$RUN_DIR/reoffer.sdp" 2 "$UE_MPORT" "$RUN_DIR/ue1.key"
core_sdp "$RUN_DIR/reanswer.sdp" 2 sendrecv
trigger OPTIONS "$UE_PORT" "$cid" 1
if ! wait_until 15 call_msg "$RUN_DIR/re.ack.msg" "$CT" received '^ACK ' "$cid" '2 ACK'; then
	e2ae_mask_traces
	grep -F "$cid" "$RUN_DIR/kamailio.log" | grep -v 'CSeq 1 \| 1 INVITE' >"$RUN_DIR/re.kamailio.lines" || true
	fail "re: the re-INVITE did not complete. UE received: $(sipp_received "$UT" | tr -d '\r' | tr '\n' ',' | sed 's/,$//'); module log: $(tr '\n' '|' <"$RUN_DIR/re.kamailio.lines")"
fi
extract_step re "$UT" "$cid" 2
r=$RUN_DIR/re
check_ue_answer "$r.ue.rx.sdp" "re: UE's answer to the re-INVITE"
check_core_offer "$r.core.rx.sdp" "re: core's re-offer"
sdp_crypto_key "$r.ue.rx.sdp" 1 >"$RUN_DIR/gw2.key"
[ -s "$RUN_DIR/gw2.key" ] || fail "re: no tag-1 key in the UE's answer"
cmp -s "$RUN_DIR/gw2.key" "$RUN_DIR/ue1.key" && fail "re: the answer's key is the UE's own"
cmp -s "$RUN_DIR/gw2.key" "$RUN_DIR/gw1.key" && fail "re: the UE got the key from before the restart (the new rtpengine cannot hold it)"
ng_holds "$RTPE_A_NG" "$cid" || fail "re: the restarted rtpengine does not hold the call"
for c in offer answer; do
	assert_grep "$RUN_DIR/rtpengine-a2.log" "\\[${cid}[^]]*\\]: .*Received command '$c'" \
		"re: the restarted rtpengine received the ng $c"
done
note "NOTE: re: UE got $(sdp_crypto "$r.ue.rx.sdp" | tr '\n' ' ')$(grep '^a=3ge2ae' "$r.ue.rx.sdp" | tr -d '\r') with a new gateway key; gateway ports: UE side $(sdp_media_port "$o.ue.rx.sdp") -> $(sdp_media_port "$r.ue.rx.sdp"), core side $(sdp_media_port "$o.core.rx.sdp") -> $(sdp_media_port "$r.core.rx.sdp")"
release_ports re
e2ae_probe re "$SUITE" "$RUN_DIR/ue1.key" "$RUN_DIR/gw2.key"

# ----- 7. (c) A's BYE -----
trigger OPTIONS "$UE_PORT" "$cid" 2
e2ae_sipp_wait a.ue "$a_pid" "A: the UE (call, re-INVITE, BYE)"
e2ae_sipp_wait core "$core_pid" "the core (A: call, re-INVITE, BYE; B: call, BYE)"
assert_grep "$RUN_DIR/rtpengine-a2.log" "\\[${cid}[^]]*\\]: .*Received command 'delete'" \
	"A: the restarted rtpengine received the delete"
e2ae_no_calls_left "A: after the BYE"
module_sessions bye.sessions.out
assert_no_grep "$RUN_DIR/bye.sessions.out" 'callid:' "A: the module lists no session"

# Kamailio: same process, still serving, no crash
assert_eq "$(_pid_of "$KAM_PIDFILE" kamailio || echo gone)" "$KAM_PID" "Kamailio's main process is the same"
# (sip_options waits 1 s for one try: retried, the machine may be loaded)
wait_until 15 sip_options "$KAM_SIP_PORT" || fail "Kamailio does not answer OPTIONS after the restart (15 s of tries)"
assert_no_grep "$RUN_DIR/kamailio.log" ' (CRITICAL|ALERT|BUG):|[Ss]egmentation|core dump|signal 11' \
	"Kamailio logged no crash"
grep -E ' ERROR:' "$RUN_DIR/kamailio.log" | grep -v "offer for call $bcid failed: " >"$RUN_DIR/other-errors.lines" || true
if [ -s "$RUN_DIR/other-errors.lines" ]; then
	fail "Kamailio logged other errors: $(head -n 3 "$RUN_DIR/other-errors.lines")"
fi
grep -E ' WARNING:' "$RUN_DIR/kamailio.log" | grep -v "warns on delete for call $bcid" >"$RUN_DIR/other-warnings.lines" || true
if [ -s "$RUN_DIR/other-warnings.lines" ]; then
	fail "Kamailio logged other warnings: $(head -n 3 "$RUN_DIR/other-warnings.lines")"
fi
for c in "$cid" "$bcid"; do
	grep -F "$c" "$RUN_DIR/kamailio.log" | sed 's/^ *[0-9]*([0-9]*) //' | while read -r l; do
		note "NOTE: module log: $l"
	done
done
assert_eq "$(grep -c "call $cid: e2ae offer from the UE through gateway node 0" "$RUN_DIR/kamailio.log")" 2 \
	"A: the module logged two e2ae offers on node 0 (INVITE, re-INVITE)"
note "rtpengine restart: media dead; A's re-INVITE re-created its session with a new key, its BYE deleted it; B's re-INVITE during the outage: 503; its BYE after the restart: rtpengine's warning logged, call forgotten"
