#!/usr/bin/env bash
# rtpengine-ng node set against two real rtpengine instances, one stopped
# mid-test: new calls fail over, the existing call's commands report the
# failure and never move to the other node.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
setup_run
start_rtpengine a
start_rtpengine b

coproc FO { "$BUILD_DIR/bin/ng_failover" "udp:127.0.0.1:$RTPE_A_NG" \
	"udp:127.0.0.1:$RTPE_B_NG" 2>&1; }
fo_pid=$FO_PID
while IFS= read -r line <&"${FO[0]}"; do
	echo "$line" >>"$RUN_DIR/ng_failover.log"
	case $line in
	"STOP udp:127.0.0.1:$RTPE_A_NG")
		stop_pidfiles "$RTPE_A_PIDFILE" rtpengine
		assert_not_running "$RTPE_A_PIDFILE" rtpengine "node A stopped"
		echo stopped >&"${FO[1]}"
		;;
	STOP*) fail "unexpected stop request: $line" ;;
	esac
done
rc=0
wait "$fo_pid" || rc=$?
cat "$RUN_DIR/ng_failover.log" >&2
assert_eq "$rc" 0 "ng_failover checks pass"
assert_grep "$RUN_DIR/ng_failover.log" 'failed over to node 1' "new call failed over"
assert_grep "$RUN_DIR/ng_failover.log" '^ok$' "all checks ran"
rngctl "$RTPE_B_NG" list >"$RUN_DIR/list-b.out"
assert_no_grep "$RUN_DIR/list-b.out" 'failover-' "node B holds no call afterwards"
