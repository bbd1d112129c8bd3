#!/usr/bin/env bash
# The demo over IPv6 (UE, core, P-CSCF sockets and media all on ::1):
# registration with mediasec, an originating and a terminating e2ae call,
# each with the media probe passing both ways over c=IN IP6.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup_run
if ! have_ipv6_loopback; then
	note "NOTE: no IPv6 loopback on this machine: IPv6 e2ae call SKIPPED"
	exit 0
fi
# HOLD_MS: each call lasts 8 s, time for its media probe even on a loaded
# machine (scripts/demo.sh probes while the call is up, on a timer)
env -u RUN_DIR DEMO_OUT="$RUN_DIR/demo" DEMO_IP=::1 HOLD_MS=8000 \
	"$REPO_ROOT/scripts/demo.sh" >"$RUN_DIR/demo.out" 2>&1 ||
	fail "the IPv6 demo failed: $(tail -20 "$RUN_DIR/demo.out")"
o=$RUN_DIR/demo.out
assert_grep "$o" 'UE got \(200\) Security-Server: sdes-srtp;mediasec' "mediasec in the 200 over IPv6"
assert_grep "$o" 'c=IN IP6 ::1' "IPv6 media"
assert_no_grep "$o" 'c=IN IP4' "no IPv4 media"
assert_eq "$(grep -c '^    VERDICT: PASS' "$o")" 2 "the media probe passed for both IPv6 calls"
assert_grep "$o" '\+ a=3ge2ae:applied' "the UE got the confirmation"
note "$(grep -m2 'ue->core: sent' "$o" | tr -s ' ' | tr '\n' ';')"
