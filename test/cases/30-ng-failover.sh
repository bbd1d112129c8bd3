#!/usr/bin/env bash
# rtpengine-ng node set against two real rtpengine instances, one stopped
# mid-test: new calls fail over, the existing call's commands report the
# failure and never move to the other node.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
setup_run
start_rtpengine a
start_rtpengine b

# ng_failover prints "STOP <uri>" and waits for "stopped" on its stdin
log=$RUN_DIR/ng_failover.log
mkfifo "$RUN_DIR/failover.in"
"$BUILD_DIR/bin/ng_failover" "udp:127.0.0.1:$RTPE_A_NG" \
	"udp:127.0.0.1:$RTPE_B_NG" <"$RUN_DIR/failover.in" >"$log" 2>&1 &
fo_pid=$!
exec {fo_in}>"$RUN_DIR/failover.in"
wait_until 10 grep -q '^STOP ' "$log" || fail "ng_failover never asked to stop a node"
assert_grep "$log" "^STOP udp:127.0.0.1:$RTPE_A_NG\$" "node A is the one to stop"
stop_pidfiles "$RTPE_A_PIDFILE" rtpengine
assert_not_running "$RTPE_A_PIDFILE" rtpengine "node A stopped"
echo stopped >&"$fo_in"
exec {fo_in}>&-

rc=0
wait "$fo_pid" || rc=$?
cat "$log" >&2
assert_eq "$rc" 0 "ng_failover checks pass"
assert_grep "$log" 'failed over to node 1' "new call failed over"
assert_grep "$log" '^ok$' "all checks ran"
rngctl "$RTPE_B_NG" list >"$RUN_DIR/list-b.out"
assert_no_grep "$RUN_DIR/list-b.out" 'failover-' "node B holds no call afterwards"
