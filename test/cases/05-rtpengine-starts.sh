#!/usr/bin/env bash
# rtpengine, as the harness runs it, starts on free loopback ports, answers
# an ng ping, and stops cleanly: its pidfile's process is gone and its ng
# port is free again.  Guards the harness itself (lib.sh) and the daemon's
# command line.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup_run

start_rtpengine a
ng=$RTPE_A_NG
pidfile=$RTPE_A_PIDFILE
log=$RUN_DIR/rtpengine-a.log

assert_cmd "rtpengine answers ping on its ng port" ng_ping "$ng"
if have_rngctl; then
	out=$(rngctl "$ng" ping) || fail "rngctl ping failed"
	assert_eq "$out" pong "rngctl ping reply"
else
	note "NOTE: $RNGCTL not built; ping checked with the shell ng client only"
fi

pid=$(_pid_of "$pidfile" rtpengine) || fail "rtpengine's pidfile names no live rtpengine"
# setsid made it the leader of its own process group.
pgid=$(_stat_fields "$pid" | cut -d' ' -f3)
assert_eq "$pgid" "$pid" "rtpengine leads its own process group"
assert_cmd "ng port $ng is bound" port_bound "$ng" udp
assert_grep "$log" 'Startup complete' "rtpengine logged its startup"
# --config-file=none: no CLI or HTTP listener from /etc/rtpengine.
assert_no_grep "$log" 'Failed to open|Failed to bind' "rtpengine bound everything it wanted"

stop_all || fail "rtpengine needed SIGKILL"

assert_not_running "$pidfile" rtpengine "rtpengine stopped on SIGTERM"
if _group_alive "$pid"; then
	fail "rtpengine's process group $pid outlived stop_all"
fi
if port_bound "$ng" udp; then
	fail "ng port $ng still bound after stop_all"
fi
assert_grep "$log" 'shutting down' "rtpengine shut down gracefully"
[ -z "$(leftover_procs)" ] || fail "left over: $(leftover_procs)"
note "rtpengine started, answered ping and stopped (pid $pid)"
