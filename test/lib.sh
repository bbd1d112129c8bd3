# shellcheck shell=bash
#
# test/lib.sh: helpers for the real-process tests in test/cases/.
# Sourced by each case (and by test/run.sh); needs bash >= 4.3, coreutils,
# util-linux (setsid), awk, and the programs under test.
#
# A case looks like:
#
#   #!/usr/bin/env bash
#   set -euo pipefail
#   . "$(dirname "$0")/../lib.sh"
#   setup_run                     # run directory + EXIT trap (stop_all)
#   start_rtpengine a             # exports RTPE_A_NG, RTPE_A_PORT_MIN/MAX
#   start_kamailio etc/ims_medsec-pcscf.cfg "RTPENGINE_NG=\"udp:127.0.0.1:$RTPE_A_NG\""
#   ...                           # exports KAM_SIP_PORT
#   assert_grep "$RUN_DIR/x.log" 'regex' "what was expected"
#
# Everything a run starts is recorded in $RUN_DIR/procs ("pidfile comm" per
# line) and stopped by stop_all through those pidfiles only.  Daemons are
# started with setsid, so each one leads its own process group and its
# children (Kamailio's workers) can be reaped with it.
#
# Environment (defaults in brackets; run.sh sets them all):
#   REPO_ROOT      the repository [directory above test/]
#   BUILD_DIR      build output [build]
#   TEST_OUT       where run directories go [test/out]
#   RUN_DIR        this run's directory [created by setup_run]
#   FREEPORT       port allocator [$BUILD_DIR/bin/freeport]
#   PORT_LEDGER    the port ledger alloc_ports takes ranges from, one per
#                  checkout, shared by every session and case (run.sh's
#                  parallel cases, a Debian 13 chroot's, a case started by
#                  hand) [$REPO_ROOT/test/out/ports.ledger]
#   PORT_OWNER     this run's name in the ledger, SESSION/NAME (run.sh
#                  sets it; a case started by hand is a session of its own)
#   RNGCTL         ng client CLI [$BUILD_DIR/bin/rngctl]
#   MEDSEC_MODULE  the module under test [$REPO_ROOT/modules/ims_medsec/ims_medsec.so]
#   RTPENGINE, KAMAILIO, SIPP   the binaries [from PATH]
#   START_TIMEOUT  seconds to wait for a daemon to become ready [10]
#   DUMP_LINES     lines per log printed by dump_logs [400]

# ----- paths and defaults -----

if [ -z "${REPO_ROOT:-}" ]; then
	REPO_ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
fi
_abs() { # make a path absolute relative to REPO_ROOT
	case $1 in
	/*) printf '%s\n' "$1" ;;
	*) printf '%s\n' "$REPO_ROOT/$1" ;;
	esac
}
BUILD_DIR=$(_abs "${BUILD_DIR:-build}")
TEST_OUT=$(_abs "${TEST_OUT:-test/out}")
FREEPORT=$(_abs "${FREEPORT:-$BUILD_DIR/bin/freeport}")
RNGCTL=$(_abs "${RNGCTL:-$BUILD_DIR/bin/rngctl}")
MEDSEC_MODULE=$(_abs "${MEDSEC_MODULE:-$REPO_ROOT/modules/ims_medsec/ims_medsec.so}")
RTPENGINE=${RTPENGINE:-rtpengine}
KAMAILIO=${KAMAILIO:-kamailio}
SIPP=${SIPP:-sipp}
START_TIMEOUT=${START_TIMEOUT:-10}
DUMP_LINES=${DUMP_LINES:-400}
export REPO_ROOT BUILD_DIR TEST_OUT FREEPORT RNGCTL MEDSEC_MODULE
export RTPENGINE KAMAILIO SIPP

TEST_SIPP_DIR=$REPO_ROOT/test/sipp
# SIPp's bundled G.711 A-law pcap (Debian package sip-tester).
G711A_PCAP=${G711A_PCAP:-/usr/share/sip-tester/g711a.pcap}
export TEST_SIPP_DIR G711A_PCAP

# ----- messages -----

# Case name for messages: the script's file name without .sh.
TEST_NAME=${TEST_NAME:-$(basename "${0%.sh}")}

note() { printf '%s: %s\n' "$TEST_NAME" "$*" >&2; }

# fail MSG...: report and end the case (the EXIT trap cleans up).
fail() {
	printf '%s: FAILED: %s\n' "$TEST_NAME" "$*" >&2
	exit 1
}

# ----- run directory -----

# run_dir: make sure RUN_DIR exists.  run.sh passes one per case; a case
# started by hand gets $TEST_OUT/<case>-<date>-<pid>.
run_dir() {
	if [ -z "${RUN_DIR:-}" ]; then
		RUN_DIR=$TEST_OUT/$TEST_NAME-$(date +%Y%m%d-%H%M%S)-$$
	fi
	mkdir -p "$RUN_DIR"
	RUN_DIR=$(cd "$RUN_DIR" && pwd)
	: >>"$RUN_DIR/procs"
	: >>"$RUN_DIR/ports"
	if [ -z "${PORT_LEDGER:-}" ] || [ -z "${PORT_OWNER:-}" ]; then
		# not under run.sh: a session of the ledger of its own, alive
		# while this process is (its ranges are free once it ended)
		local sid=${RUN_DIR##*/}
		sid=${sid//[[:space:]\/]/_}
		PORT_LEDGER=${PORT_LEDGER:-$REPO_ROOT/test/out/ports.ledger}
		PORT_OWNER=$sid/run
		mkdir -p "$(dirname "$PORT_LEDGER")"
		[ -x "$FREEPORT" ] || fail "freeport not built: $FREEPORT"
		"$FREEPORT" -l "$PORT_LEDGER" -S "$sid" -p $$ ||
			fail "$FREEPORT has no port ledger sessions (older than test/tools/freeport.c): rebuild it (make build)"
	fi
	export RUN_DIR PORT_LEDGER PORT_OWNER
}

# setup_run: run directory plus the traps that stop everything on exit and
# print the logs when the case fails.
setup_run() {
	run_dir
	if [ "${CASE_OWN_NETNS:-}" = 1 ] && [ -z "${OWN_NETNS:-}" ]; then
		_own_netns_exec
	fi
	[ -x "$FREEPORT" ] || fail "freeport not built: $FREEPORT"
	trap '_on_exit' EXIT
	# A timeout or ^C must still run the EXIT trap.
	trap 'exit 130' INT
	trap 'exit 143' TERM
	note "run directory $RUN_DIR"
}

# _own_netns_exec: run this case again in a network namespace of its own
# (loopback only, made and removed here), then exit with its status.  For
# labs whose modules write kernel state: Kamailio's ims_ipsec_pcscf
# deletes the xfrm states and policies marked as its own when it starts,
# and the host's are never to be touched.
_own_netns_exec() {
	local ns rc=0
	command -v ip >/dev/null || fail "ip (iproute2) not found"
	ns=medsec-$$-$RANDOM
	ip netns add "$ns" || fail "cannot create a network namespace (root needed)"
	# run.sh removes what a killed case left (the EXIT trap did not run)
	echo "$ns" >>"$RUN_DIR/netns"
	# removed on any exit, a timeout's SIGTERM included
	trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
	trap 'exit 143' TERM
	trap 'exit 130' INT
	ip -n "$ns" link set lo up
	OWN_NETNS=$ns ip netns exec "$ns" "$0" "$@" || rc=$?
	exit "$rc"
}

_on_exit() {
	local rc=$?
	trap - EXIT INT TERM
	set +e
	if ! stop_all && [ "$rc" -eq 0 ]; then
		# A daemon that ignores SIGTERM for 5 s is a bug worth a failure.
		note "FAILED: a process had to be killed with SIGKILL"
		rc=1
	fi
	if [ -f "$RUN_DIR/tmpdirs" ]; then
		xargs rm -rf <"$RUN_DIR/tmpdirs"
		rm -f "$RUN_DIR/tmpdirs"
	fi
	if [ "$rc" -ne 0 ]; then
		dump_logs
	fi
	exit "$rc"
}

# dump_logs: print this run's logs (the last DUMP_LINES lines of each),
# except case.log, which run.sh prints itself.  Left out of rtpengine's
# logs: the per-packet and timer debug lines, and the dump of its throwaway
# DTLS certificate and key (log level 7); a note counts what was left out.
dump_logs() {
	local f n
	if [ -z "${RUN_DIR:-}" ] || [ ! -d "$RUN_DIR" ]; then
		return 0
	fi
	for f in "$RUN_DIR"/*.log; do
		if [ ! -f "$f" ] || [ "${f##*/}" = case.log ]; then
			continue
		fi
		_log_filter <"$f" >"$RUN_DIR/.dump"
		n=$(wc -l <"$RUN_DIR/.dump")
		printf '\n===== %s (%s lines%s) =====\n' "${f#"$RUN_DIR"/}" "$n" \
			"$([ "$n" -gt "$DUMP_LINES" ] && echo ", last $DUMP_LINES")"
		tail -n "$DUMP_LINES" "$RUN_DIR/.dump"
	done
	rm -f "$RUN_DIR/.dump"
	printf '===== end of logs (%s) =====\n' "$RUN_DIR"
}

_log_filter() {
	awk '
		/\[core\] (Handling packet|Forward to sink endpoint)|\[core\] timer run time/ { skipped++; next }
		/\[srtp\] Dump of DTLS/ { skipped++; next }
		/\[srtp\] --- / { skipped++; next }
		{ print }
		END { if (skipped) printf "(%d per-packet, timer and DTLS-dump debug lines left out)\n", skipped }'
}

# ----- ports -----

# _ranges_overlap BASE COUNT: true when BASE..BASE+COUNT-1 meets a range
# already handed out in this run (listed in $RUN_DIR/ports).
_ranges_overlap() {
	awk -v b="$1" -v n="$2" '
		{ if (b <= $1 + $2 - 1 && $1 <= b + n - 1) hit = 1 }
		END { exit hit ? 0 : 1 }' "$RUN_DIR/ports"
}

# alloc_ports COUNT: print the base of COUNT consecutive ports free for UDP
# and TCP on 127.0.0.1 (and ::1), taken from the port ledger $PORT_LEDGER
# (freeport -l: locked, so that no two cases running at the same time get
# the same port, whichever session or chroot they run in; a daemon binds
# its media ports only when a call needs them, so a bind check alone would
# not do) and distinct from every range this run took already
# ($RUN_DIR/ports, where the range is recorded too).
alloc_ports() {
	local count=$1 base rc=0
	[ -n "${PORT_LEDGER:-}" ] || run_dir
	base=$("$FREEPORT" -l "$PORT_LEDGER" -o "$PORT_OWNER" -x "$RUN_DIR/ports" "$count") || rc=$?
	if [ "$rc" -eq 2 ]; then
		fail "$FREEPORT has no port ledger (older than test/tools/freeport.c): rebuild it (make build)"
	fi
	if [ "$rc" -ne 0 ] || [ -z "$base" ]; then
		fail "no free port range of $count (freeport, ledger $PORT_LEDGER)"
	fi
	echo "$base $count" >>"$RUN_DIR/ports"
	echo "$base"
}

# port_bound PORT [udp|tcp]: true when something is bound to PORT on any
# address (UDP: any socket; TCP: a listening socket).  Reads /proc/net.
port_bound() {
	local port=$1 proto=${2:-udp} hex f files
	hex=$(printf '%04X' "$port")
	if [ "$proto" = udp ]; then
		files="/proc/net/udp /proc/net/udp6"
	else
		files="/proc/net/tcp /proc/net/tcp6"
	fi
	for f in $files; do
		[ -r "$f" ] || continue
		# local_address is IP:PORT in hex; TCP state 0A is LISTEN.
		if awk -v p="$hex" -v tcp="$([ "$proto" = tcp ] && echo 1)" '
			NR > 1 { split($2, a, ":"); if (a[2] == p && (!tcp || $4 == "0A")) f = 1 }
			END { exit f ? 0 : 1 }' "$f"; then
			return 0
		fi
	done
	return 1
}

# ----- waiting -----

# wait_until SECONDS CMD...: run CMD every 0.1 s until it succeeds; false
# when SECONDS pass first.
wait_until() {
	local secs=$1 deadline
	shift
	_now_ms
	deadline=$((_NOW_MS + secs * 1000))
	while :; do
		if "$@"; then
			return 0
		fi
		_now_ms
		if [ "$_NOW_MS" -ge "$deadline" ]; then
			return 1
		fi
		sleep 0.1
	done
}

# _now_ms: set _NOW_MS to the milliseconds since the epoch (bash 5's
# EPOCHREALTIME: no fork; date on an older bash).
_now_ms() {
	local t=${EPOCHREALTIME:-}
	if [ -n "$t" ]; then
		t=${t/[.,]/}
		_NOW_MS=$((10#$t / 1000))
	else
		_NOW_MS=$(($(date +%s%N) / 1000000))
	fi
}

# ----- gates: a SIPp that waits for the test -----
#
# SIPp reads a [file name=...] of a message when it builds the message.
# When that file is a FIFO, SIPp waits there until the test writes it: a
# fixed pause of a scenario ("the test writes the answer meanwhile", "the
# call stays up while the test probes its media") becomes a wait on the
# test, however slow a loaded machine makes the test.  Two uses:
#   - a file key (-key answer_sdp GATE): the message waits for its content;
#   - a scenario's hold gate: scenarios that declare the global variable
#     hold_gate wait, after their hold pause (sipp -d), until the test
#     opens the gate given with -set hold_gate GATE (without -set they do
#     not wait); the test opens it once its checks of the call are done.
# A SIPp waiting on a gate does nothing else (it is one process), so a
# gate goes where the SIPp has nothing else to do.

# gate_new NAME: make the gate $RUN_DIR/NAME.gate (a FIFO, anew) and print
# its path.
gate_new() {
	local g=$RUN_DIR/$1.gate
	rm -f "$g"
	mkfifo "$g" || fail "cannot make the FIFO $g"
	printf '%s\n' "$g"
}

# gate_open GATE [FILE]: from now on, reading GATE gives the content of
# FILE (default: "open" and a NUL, for a hold gate: the NUL ends the text
# SIPp logs); the SIPp waiting on it goes on.  A feeder in the background
# waits until the SIPp opened the FIFO, puts a copy of FILE in its place
# (SIPp builds a response again, reading its files again, for each
# retransmission of the request it answers), then writes FILE to the SIPp.
# Registered: stop_all ends it if no SIPp ever reads.
gate_open() {
	local g=$1 src=${2:-}
	[ -p "$g" ] || fail "gate_open: $g is not a gate (gate_new)"
	if [ -z "$src" ]; then
		src=$g.open
		printf 'open\0' >"$src"
	fi
	# shellcheck disable=SC2016 # expanded by that sh
	start_bg "${g##*/}.feed" sh sh -c 'exec 3>"$2" && cp "$1" "$2.tmp" && mv -f "$2.tmp" "$2" &&
		exec cat "$1" >&3' gate_feed "$src" "$g"
}

# ----- processes -----

# These helpers run in polling loops of every case: builtins only, no
# subshell (a fork is the costliest thing a case does on a small machine).

# _comm PID: the process's command name, empty when it is gone.
_comm() {
	local c=''
	read -r c 2>/dev/null <"/proc/$1/comm" || true
	printf '%s\n' "$c"
}

# _is_comm PID COMM: the process PID exists and is named COMM.
_is_comm() {
	local c=''
	read -r c 2>/dev/null <"/proc/$1/comm" || return 1
	[ "$c" = "$2" ]
}

# _stat_fields PID: print "state ppid pgrp" of a process (from
# /proc/PID/stat, whose comm field may hold blanks and parentheses).
_stat_fields() {
	local s
	read -r s 2>/dev/null <"/proc/$1/stat" || return 1
	s=${s##*) }
	printf '%s\n' "${s%"${s#* * * }"}"
}

# _alive PID: the process exists and is not a zombie (an exited child of
# ours stays a zombie until reaped, and kill -0 still reaches it).
_alive() {
	local s
	read -r s 2>/dev/null <"/proc/$1/stat" || return 1
	s=${s##*) }
	[ "${s%% *}" != Z ]
}

# _pidfile_pid PIDFILE: set _PID to the pid a pidfile holds (false, _PID
# empty, when it holds none).
_pidfile_pid() {
	_PID=''
	[ -s "$1" ] || return 1
	read -r _PID <"$1" || [ -n "$_PID" ] || return 1
	case $_PID in
	'' | *[!0-9]*)
		_PID=''
		return 1
		;;
	esac
}

# _read_pid PIDFILE: print the pid a pidfile holds.
_read_pid() {
	_pidfile_pid "$1" || return 1
	echo "$_PID"
}

# _pid_of PIDFILE COMM: print the pid in PIDFILE if that process is alive
# and is still COMM (guards against a recycled pid).
_pid_of() {
	_pidfile_pid "$1" || return 1
	if _is_comm "$_PID" "$2" && _alive "$_PID"; then
		echo "$_PID"
	else
		return 1
	fi
}

# _group_alive PGID [COMM]: true while a live (non-zombie) process of the
# process group exists (named COMM, when given).  A group outlives its
# leader: Kamailio's workers when the main process died, for instance.
_group_alive() {
	local f s a
	kill -0 -- "-$1" 2>/dev/null || return 1
	for f in /proc/[0-9]*/stat; do
		read -r s 2>/dev/null <"$f" || continue
		# shellcheck disable=SC2206 # numeric fields after the comm
		a=(${s##*) })
		if [ "${a[2]}" = "$1" ] && [ "${a[0]}" != Z ]; then
			if [ -z "${2:-}" ] || _is_comm "${f:6:-5}" "$2"; then
				return 0
			fi
		fi
	done
	return 1
}

# _running PID COMM: the process PID (a COMM) or, when it is gone, a COMM
# of its process group still runs.
_running() {
	if _is_comm "$1" "$2" && _alive "$1"; then
		return 0
	fi
	_group_alive "$1" "$2"
}

# not_alive PID: the process is gone (or a zombie).
not_alive() { ! _alive "$1"; }

# register_proc PIDFILE COMM: have stop_all stop the process in PIDFILE.
register_proc() { echo "$1 $2" >>"$RUN_DIR/procs"; }

# start_bg NAME COMM CMD...: start CMD in the background in its own session
# (setsid), stdin from /dev/null, stdout and stderr to $RUN_DIR/NAME.log.
# Its pid goes to $RUN_DIR/NAME.bg.pid (registered for stop_all) and to the
# variable BG_PID; `wait "$BG_PID"` gives its exit status.  COMM is the
# process name expected in /proc/PID/comm.
start_bg() {
	local name=$1 comm=$2
	shift 2
	# Without job control the child is not a group leader, so setsid
	# makes it one without forking and $! is the program itself.
	set +m
	setsid "$@" </dev/null >"$RUN_DIR/$name.log" 2>&1 &
	BG_PID=$!
	echo "$BG_PID" >"$RUN_DIR/$name.bg.pid"
	register_proc "$RUN_DIR/$name.bg.pid" "$comm"
}

# stop_pidfiles PIDFILE COMM [PIDFILE COMM]...: SIGTERM each process named
# by a pidfile (if it is still a COMM: pids get recycled), wait up to 5 s
# for it and its process group to end, then SIGKILL what is left of the
# group.  A group whose leader is gone but whose COMM members live on (a
# crashed Kamailio's workers) gets the SIGTERM as a whole.  Returns 1 when
# something had to be killed with SIGKILL.
stop_pidfiles() {
	local pids=() comms=() pid rc=0 i j alive
	while [ $# -ge 2 ]; do
		if _pidfile_pid "$1" && pid=$_PID && _running "$pid" "$2"; then
			pids+=("$pid")
			comms+=("$2")
			if _alive "$pid"; then
				kill -TERM "$pid" 2>/dev/null || true
			else
				kill -TERM -- "-$pid" 2>/dev/null || true
			fi
		fi
		shift 2
	done
	[ ${#pids[@]} -gt 0 ] || return 0
	for ((i = 0; i < 50; i++)); do
		alive=0
		for j in "${!pids[@]}"; do
			if _running "${pids[j]}" "${comms[j]}"; then
				alive=1
			fi
		done
		[ "$alive" -eq 0 ] && break
		sleep 0.1
	done
	for j in "${!pids[@]}"; do
		pid=${pids[j]}
		if _running "$pid" "${comms[j]}"; then
			note "${comms[j]} $pid did not end on SIGTERM within 5 s: SIGKILL"
			kill -KILL -- "-$pid" 2>/dev/null || kill -KILL "$pid" 2>/dev/null || true
			rc=1
		fi
	done
	# Reap our own children so that no zombie keeps the pid.
	for pid in "${pids[@]}"; do
		wait "$pid" 2>/dev/null || true
	done
	return $rc
}

# stop_all: stop every process this run registered, newest first.
# Safe to call more than once and from run.sh for a case that was killed.
# Returns 1 when a process had to be killed with SIGKILL.
stop_all() {
	local args=() line
	[ -n "${RUN_DIR:-}" ] && [ -f "$RUN_DIR/procs" ] || return 0
	while read -r line; do
		[ -n "$line" ] || continue
		# shellcheck disable=SC2206 # "pidfile comm", neither has blanks
		args=($line "${args[@]}")
	done <"$RUN_DIR/procs"
	[ ${#args[@]} -gt 0 ] || return 0
	stop_pidfiles "${args[@]}"
}

# leftover_procs: print "pid comm (pidfile)" for every registered process
# (or process group) still running; after stop_all this prints nothing.
leftover_procs() {
	local pidfile comm pid
	[ -f "$RUN_DIR/procs" ] || return 0
	while read -r pidfile comm; do
		[ -n "$pidfile" ] || continue
		if _pidfile_pid "$pidfile" && pid=$_PID && _running "$pid" "$comm"; then
			echo "$pid $comm ($pidfile)"
		fi
	done <"$RUN_DIR/procs"
}

# ----- rtpengine -----

# _udp_write FD: copy stdin (up to 64 kB) to the UDP socket FD as one
# datagram.  Bash's printf would flush at every newline, one datagram each.
_udp_write() {
	dd bs=65536 count=1 iflag=fullblock status=none >&"$1"
}

# ng_raw PORT BENCODE: send one ng request over UDP to 127.0.0.1:PORT with
# a fresh cookie; print the reply without its cookie.  Plain bash
# (/dev/udp) plus dd, which reads one whole datagram.  For the harness's
# own needs (readiness, simple checks) when rngctl is not available.
ng_raw() {
	local port=$1 msg=$2 cookie fd reply
	cookie="t$$_${RANDOM}_$(date +%s%N)"
	exec {fd}<>"/dev/udp/127.0.0.1/$port" || return 1
	printf '%s %s' "$cookie" "$msg" | _udp_write "$fd"
	reply=$(timeout 1 dd bs=65536 count=1 status=none <&"$fd" 2>/dev/null) || true
	exec {fd}>&-
	case $reply in
	"$cookie "*) printf '%s\n' "${reply#"$cookie" }" ;;
	*) return 1 ;;
	esac
}

# have_rngctl: true when the project's ng client CLI is built.
have_rngctl() { [ -x "$RNGCTL" ]; }

# rngctl PORT ARGS...: run $RNGCTL against the ng port on 127.0.0.1.
rngctl() {
	local port=$1
	shift
	"$RNGCTL" -n "udp:127.0.0.1:$port" "$@"
}

# ng_ping PORT: true when rtpengine on PORT answers ping with pong.  Uses
# rngctl when it is built, otherwise ng_raw.
ng_ping() {
	local out
	if have_rngctl; then
		out=$(rngctl "$1" ping 2>/dev/null) && [ "$out" = pong ]
	else
		out=$(ng_raw "$1" 'd7:command4:pinge' 2>/dev/null) &&
			[[ $out == *'6:result4:pong'* ]]
	fi
}

# ng_query_packets FILE: from `rngctl query` output in FILE, print one line
# "<tag> <packets>" per tag of the call, packets being what rtpengine
# received from that party (the sum of the "packets" counters in the
# "stats" of the tag's streams, RTP and RTCP).  rngctl prints the reply as
# an indented "key: value" tree:
#   tags:
#     <tag>:
#       medias:
#         - streams:
#             - local port: N ... stats: / packets: N
ng_query_packets() {
	awk '
		function indent(s) { match(s, /^[ -]*/); return RLENGTH }
		/^[^ ]/ { in_tags = ($0 ~ /^tags:/); tag = ""; stats = -1; next }
		!in_tags { next }
		{ ind = indent($0) }
		ind == 2 && /:[ ]*$/ {
			tag = $0; sub(/^ +/, "", tag); sub(/:[ ]*$/, "", tag)
			order[++n] = tag; pk[tag] += 0; stats = -1; next
		}
		stats >= 0 && ind <= stats { stats = -1 }
		/^[ -]*stats:[ ]*$/ { stats = ind; next }
		stats >= 0 && /^[ -]*packets: [0-9]+[ ]*$/ { pk[tag] += $NF }
		END { for (i = 1; i <= n; i++) print order[i], pk[order[i]] }
	' "$1"
}

# ng_query_both_ways FILE: the call in FILE (rngctl query output) has two
# or more tags and rtpengine received packets from each of them.
ng_query_both_ways() {
	ng_query_packets "$1" | awk '
		{ n++; if ($2 > 0) ok++ }
		END { exit (n >= 2 && ok == n) ? 0 : 1 }'
}

# ng_query_summary FILE: "tag=packets ..." on one line.
ng_query_summary() {
	ng_query_packets "$1" | awk '{ printf "%s%s=%s", sep, $1, $2; sep = " " } END { print "" }'
}

# ng_no_calls PORT: rtpengine on PORT holds no call (rngctl list prints
# "calls: []" for an empty list, else one "- <call-id>" line per call).
ng_no_calls() {
	local out
	out=$(rngctl "$1" list 2>&1) || return 1
	printf '%s\n' "$out" | grep -q '^calls:' || return 1
	! printf '%s\n' "$out" | grep -q '^ *- '
}

# _var NAME: NAME as a shell variable fragment (upper case, [A-Z0-9_]).
_var() {
	local v=${1^^}
	printf '%s\n' "${v//[!A-Z0-9_]/_}"
}

# start_rtpengine NAME [EXTRA_OPTION...]: start a userspace rtpengine on
# 127.0.0.1 with its own ng port and a 100-port media range, and wait for
# it to answer ping.  Exports RTPE_<NAME>_NG, RTPE_<NAME>_PORT_MIN,
# RTPE_<NAME>_PORT_MAX and RTPE_<NAME>_PIDFILE; log: rtpengine-NAME.log.
start_rtpengine() {
	local name=$1 v base ng min max pidfile log try
	shift
	v=$(_var "$name")
	pidfile=$RUN_DIR/rtpengine-$name.pid
	log=$RUN_DIR/rtpengine-$name.log
	for try in 1 2 3; do
		base=$(alloc_ports 101)
		ng=$base min=$((base + 1)) max=$((base + 100))
		rm -f "$pidfile"
		start_bg "rtpengine-$name" rtpengine "$RTPENGINE" \
			--config-file=none --table=-1 --interface=127.0.0.1 \
			--listen-ng="127.0.0.1:$ng" --port-min="$min" --port-max="$max" \
			--delete-delay=0 --foreground --log-stderr --log-level=7 \
			--pidfile="$pidfile" "$@"
		register_proc "$pidfile" rtpengine
		if wait_until "$START_TIMEOUT" _rtpengine_ready "$BG_PID" "$ng" &&
			_alive "$BG_PID"; then
			export "RTPE_${v}_NG=$ng" "RTPE_${v}_PORT_MIN=$min" \
				"RTPE_${v}_PORT_MAX=$max" "RTPE_${v}_PIDFILE=$pidfile"
			note "rtpengine $name: ng 127.0.0.1:$ng, media $min-$max"
			return 0
		fi
		# It died (a port taken meanwhile?) or never answered: retry on
		# new ports after saving its log.
		stop_pidfiles "$pidfile" rtpengine "$RUN_DIR/rtpengine-$name.bg.pid" rtpengine || true
		mv "$log" "$RUN_DIR/rtpengine-$name.try$try.log" 2>/dev/null || true
		note "rtpengine $name did not become ready (try $try)"
	done
	fail "rtpengine $name does not start (see rtpengine-$name.try*.log)"
}

# rtpengine_version: sets RTPE_VERSION (e.g. 12.5.1.31-1) and RTPE_MAJOR
# (12) from $RTPENGINE --version, for cases whose expectations differ by
# version (docs/architecture.md, "Two stacks").
rtpengine_version() {
	RTPE_VERSION=$("$RTPENGINE" --version 2>&1 | awk '{ print $NF; exit }')
	RTPE_MAJOR=${RTPE_VERSION%%.*}
}

# _rtpengine_ready BGPID PORT: the process lives and answers ping.  Fails
# fast (wait_until's whole timeout is not spent) once the process died.
_rtpengine_ready() {
	if ! _alive "$1"; then
		return 0 # dead: stop waiting; the caller's ng_ping check fails
	fi
	ng_ping "$2"
}

# ----- Kamailio -----

# sip_options PORT: send an OPTIONS for the proxy itself to
# $KAM_PROBE_IP:PORT (default 127.0.0.1) over UDP and true when a
# "SIP/2.0 200" reply comes back within 1 s.  The Via carries rport, so the
# reply comes back to our ephemeral socket.
sip_options() {
	local port=$1 fd reply tag msg ip=${KAM_PROBE_IP:-127.0.0.1}
	tag="$$-${RANDOM}"
	msg="OPTIONS sip:$ip:$port SIP/2.0\r
Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-probe-$tag;rport\r
Max-Forwards: 70\r
From: <sip:probe@127.0.0.1>;tag=probe-$tag\r
To: <sip:$ip:$port>\r
Call-ID: probe-$tag@127.0.0.1\r
CSeq: 1 OPTIONS\r
Content-Length: 0\r
\r
"
	exec {fd}<>"/dev/udp/$ip/$port" || return 1
	# %b: expand the \r escapes.
	printf '%b' "$msg" | _udp_write "$fd"
	reply=$(timeout 1 dd bs=65536 count=1 status=none <&"$fd" 2>/dev/null) || true
	exec {fd}>&-
	[[ $reply == "SIP/2.0 200 "* ]]
}

# start_kamailio [-n NAME] CFG [DEFINE...]: start Kamailio in the
# foreground mode (-DD -E) with -A SIP_PORT=<free port> and -A DEFINE for
# each DEFINE (e.g. WITH_STOCK_RTPENGINE, 'RTPENGINE_NG="udp:127.0.0.1:N"'),
# pidfile and runtime directory in the run directory; wait until it answers
# an OPTIONS for itself on its UDP port with 200 (the config must do that,
# as etc/ims_medsec-pcscf.cfg does).  Exports KAM_SIP_PORT (KAM_<NAME>_SIP_PORT
# with -n); log: kamailio[-NAME].log, runtime dir kamailio[-NAME].run/.
start_kamailio() {
	local name='' id v cfg port core_port pidfile log rundir try defs=() d v6
	if [ "${1:-}" = -n ]; then
		name=$2
		shift 2
	fi
	cfg=$(_abs "$1")
	shift
	for d in "$@"; do
		defs+=(-A "$d")
	done
	id=kamailio${name:+-$name}
	pidfile=$RUN_DIR/$id.pid
	log=$RUN_DIR/$id.log
	# Kamailio's control socket lives in its runtime directory, and a unix
	# socket path is limited to 104 bytes: keep it short, outside RUN_DIR.
	rundir=$(mktemp -d "${TMPDIR:-/tmp}/imk.XXXXXX")
	echo "$rundir" >>"$RUN_DIR/tmpdirs"
	ln -sfn "$rundir" "$RUN_DIR/$id.run"
	mkdir -p "$rundir"
	for try in 1 2 3; do
		port=$(alloc_ports 1)
		core_port=$(alloc_ports 1)
		# KAM_IP6 (e.g. ::1): also listen there, e2ae on its UE side too
		v6=()
		if [ -n "${KAM_IP6:-}" ]; then
			v6=(-A "LISTEN_IP6=[$KAM_IP6]" -A "E2AE_SOCKET6=\"udp:[$KAM_IP6]:$port\"")
		fi
		rm -f "$pidfile"
		start_bg "$id" kamailio "$KAMAILIO" -f "$cfg" -DD -E \
			-P "$pidfile" -Y "$rundir" -A "SIP_PORT=$port" \
			-A "CORE_PORT=$core_port" \
			-A "E2AE_SOCKET=\"udp:127.0.0.1:$port\"" "${v6[@]}" "${defs[@]}"
		register_proc "$pidfile" kamailio
		if wait_until "$START_TIMEOUT" _kamailio_ready "$BG_PID" "$pidfile" "$port" &&
			_alive "$BG_PID"; then
			if [ -n "$name" ]; then
				v=$(_var "$name")
				export "KAM_${v}_SIP_PORT=$port" "KAM_${v}_CORE_PORT=$core_port" \
					"KAM_${v}_PIDFILE=$pidfile"
			else
				export "KAM_SIP_PORT=$port" "KAM_CORE_PORT=$core_port" \
					"KAM_PIDFILE=$pidfile"
			fi
			note "$id: SIP 127.0.0.1:$port (UE side, udp+tcp), 127.0.0.1:$core_port (core side)"
			return 0
		fi
		stop_pidfiles "$pidfile" kamailio "$RUN_DIR/$id.bg.pid" kamailio || true
		mv "$log" "$RUN_DIR/$id.try$try.log" 2>/dev/null || true
		note "$id did not become ready (try $try)"
		# A configuration error will not go away on other ports.
		if grep -q 'bad config file\|parse error' "$RUN_DIR/$id.try$try.log" 2>/dev/null; then
			break
		fi
	done
	fail "$id does not start (see $id.try*.log)"
}

# _kamailio_ready BGPID PIDFILE PORT: it wrote its pidfile and answers an
# OPTIONS (or died: stop waiting, the caller checks).
_kamailio_ready() {
	if ! _alive "$1"; then
		return 0
	fi
	[ -s "$2" ] && sip_options "$3"
}

# ----- SIPp -----

# sipp_args NAME: the common SIPp options of a run, one per line (read
# them with mapfile): no stdin, local IP 127.0.0.1, traces (messages,
# errors, <log> actions) into $RUN_DIR/NAME.{messages,errors,actions}.log.
# Its final statistics screen goes to stdout (NAME.log with start_bg).
sipp_args() {
	local n=$RUN_DIR/$1
	printf '%s\n' -nostdin -i 127.0.0.1 \
		-trace_msg -message_file "$n.messages.log" \
		-trace_err -error_file "$n.errors.log" \
		-trace_logs -log_file "$n.actions.log"
}

# assert_sipp_ok NAME RC WHAT: sipp NAME exited with status 0, else fail
# with its last recorded error (a failed check_it, an unexpected message).
assert_sipp_ok() {
	local err=''
	[ "$2" -eq 0 ] && return 0
	if [ -s "$RUN_DIR/$1.errors.log" ]; then
		err=$(grep -v '^The following events occurred' "$RUN_DIR/$1.errors.log" |
			tail -n 2 | tr '\n\t' '  ')
	fi
	fail "sipp $1: $3 (exit $2${err:+: $err})"
}

# ----- assertions -----

# assert_grep FILE REGEX MSG: FILE has a line matching REGEX (grep -E).
assert_grep() {
	grep -Eq -- "$2" "$1" 2>/dev/null || fail "$3 (no /$2/ in ${1#"$RUN_DIR"/})"
}

# assert_no_grep FILE REGEX MSG: no line of FILE matches REGEX.
assert_no_grep() {
	if grep -Eq -- "$2" "$1" 2>/dev/null; then
		fail "$3 (found /$2/ in ${1#"$RUN_DIR"/}: $(grep -Em1 -- "$2" "$1"))"
	fi
}

# assert_eq ACTUAL EXPECTED MSG / assert_ne ACTUAL UNEXPECTED MSG
assert_eq() { [ "$1" = "$2" ] || fail "$3 (got '$1', expected '$2')"; }
assert_ne() { [ "$1" != "$2" ] || fail "$3 (got '$1')"; }

# assert_ge NUMBER MIN MSG: integer comparison.
assert_ge() { [ "$1" -ge "$2" ] 2>/dev/null || fail "$3 (got '$1', expected >= $2)"; }

# assert_cmd MSG CMD...: CMD exits 0.
assert_cmd() {
	local msg=$1
	shift
	"$@" || fail "$msg (command failed: $*)"
}

# assert_not_running PIDFILE COMM MSG: the process of PIDFILE is gone.
assert_not_running() {
	local pid
	if pid=$(_pid_of "$1" "$2"); then
		fail "$3 (pid $pid still running)"
	fi
}

# ----- SDP and SRTP helpers (media probes) -----
#
# The SDP helpers read a plain SDP file or rngctl output holding one (its
# lines indented), CRLF or LF.  SDES keys are secrets: keep them in files
# of the run directory (never *.log, which dump_logs prints) and show SDP
# through sdes_mask.

# sdp_media_port FILE: the port of the first m= line.
# (sed's T;p;q: the first line substituted, in one process)
sdp_media_port() {
	sed -n 's/^[[:space:]]*m=[a-z]* \([0-9][0-9]*\) .*/\1/;T;p;q' "$1"
}

# sdp_conn_addr FILE: the address of the first c= line (session or media).
sdp_conn_addr() {
	sed -n 's/^[[:space:]]*c=IN IP[46] \([^[:space:]/]*\).*/\1/;T;p;q' "$1"
}

# sdp_rtcp_port FILE: the first a=rtcp: port, else the media port + 1.
sdp_rtcp_port() {
	local p
	p=$(sed -n 's/^[[:space:]]*a=rtcp:\([0-9][0-9]*\).*/\1/;T;p;q' "$1")
	if [ -z "$p" ]; then
		p=$(sdp_media_port "$1")
		[ -n "$p" ] && p=$((p + 1))
	fi
	printf '%s\n' "$p"
}

# sdp_crypto FILE: one "TAG SUITE" line per a=crypto line (no key).
sdp_crypto() {
	sed -n 's/^[[:space:]]*a=crypto:\([0-9][0-9]*\) \([A-Za-z0-9_]*\) .*/\1 \2/p' "$1"
}

# sdp_crypto_key FILE TAG: the inline key (base64 key||salt, without
# lifetime or MKI) of the a=crypto:TAG line.  Print it only to a file.
sdp_crypto_key() {
	sed -n "s/^[[:space:]]*a=crypto:$2 [A-Za-z0-9_]* inline:\([^|[:space:]]*\).*/\1/;T;p;q" "$1"
}

# sdes_mask: copy stdin to stdout with every SDES inline key masked.
sdes_mask() { sed 's/inline:[^|[:space:]]*/inline:<masked>/g'; }

# srtp_key_len SUITE: length in bytes of the suite's master key||salt.
srtp_key_len() {
	case $1 in
	AES_CM_128_HMAC_SHA1_80 | AES_CM_128_HMAC_SHA1_32 | F8_128_HMAC_SHA1_80 | \
		F8_128_HMAC_SHA1_32 | NULL_HMAC_SHA1_80 | NULL_HMAC_SHA1_32) echo 30 ;;
	AES_192_CM_HMAC_SHA1_80 | AES_192_CM_HMAC_SHA1_32) echo 38 ;;
	AES_256_CM_HMAC_SHA1_80 | AES_256_CM_HMAC_SHA1_32) echo 46 ;;
	AEAD_AES_128_GCM) echo 28 ;;
	AEAD_AES_256_GCM) echo 44 ;;
	*) return 1 ;;
	esac
}

# srtp_gen_key SUITE: a fresh random key for SUITE, base64 with padding.
srtp_gen_key() {
	local n
	n=$(srtp_key_len "$1") || return 1
	head -c "$n" /dev/urandom | base64 -w 0
	echo
}

# hostport ADDR PORT: "A.B.C.D:PORT" or "[V6]:PORT".
hostport() {
	case $1 in
	*:*) printf '[%s]:%s\n' "$1" "$2" ;;
	*) printf '%s:%s\n' "$1" "$2" ;;
	esac
}

# have_ipv6_loopback: ::1 is configured and a UDP socket can bind it.
have_ipv6_loopback() {
	local fd
	[ -r /proc/net/if_inet6 ] &&
		grep -qi '^0\{31\}1 ' /proc/net/if_inet6 || return 1
	# bash cannot bind; a connected UDP socket to ::1 needs a local ::1.
	{ exec {fd}<>/dev/udp/::1/9; } 2>/dev/null || return 1
	exec {fd}>&-
}

# need_srtp_probe: set SRTP_PROBE to the media probe
# ($BUILD_DIR/bin/srtp_probe, built by make); when it is missing, build it
# into the run directory (cc, libsrtp2) with a note, or fail.
need_srtp_probe() {
	SRTP_PROBE=${SRTP_PROBE:-$BUILD_DIR/bin/srtp_probe}
	[ -x "$SRTP_PROBE" ] && return 0
	SRTP_PROBE=$RUN_DIR/srtp_probe
	# shellcheck disable=SC2046 # pkg-config output is word lists
	if pkg-config --exists libsrtp2 2>/dev/null &&
		cc -O2 -Wall -Wextra -o "$SRTP_PROBE" "$REPO_ROOT/test/tools/srtp_probe.c" \
			$(pkg-config --cflags --libs libsrtp2) >"$RUN_DIR/srtp_probe.build.out" 2>&1; then
		note "NOTE: srtp_probe not in $BUILD_DIR/bin: built into the run directory"
		return 0
	fi
	fail "srtp_probe not built and cannot be built (see srtp_probe.build.out)"
}
