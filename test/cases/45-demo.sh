#!/usr/bin/env bash
# make demo keeps working: registration with mediasec, an originating and a
# terminating e2ae call, each with the media probe passing both ways, and
# no call left in rtpengine.  Keys never appear in its output.
# DEMO_KEMI=1 (47-demo-kemi-lua.sh) checks the same through the KEMI (Lua)
# routing variant, which must also run without a Lua error.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup_run
# HOLD_MS: each call lasts 8 s, time for its media probe even on a loaded
# machine (scripts/demo.sh probes while the call is up, on a timer)
env -u RUN_DIR DEMO_OUT="$RUN_DIR/demo" DEMO_KEMI="${DEMO_KEMI:-0}" HOLD_MS=8000 \
	"$REPO_ROOT/scripts/demo.sh" \
	>"$RUN_DIR/demo.out" 2>&1 || fail "make demo failed: $(tail -20 "$RUN_DIR/demo.out")"
o=$RUN_DIR/demo.out
assert_grep "$o" 'UE got \(401\) Security-Server: sdes-srtp;mediasec' "mediasec in the 401"
assert_grep "$o" 'UE got \(200\) Security-Server: sdes-srtp;mediasec' "mediasec in the 200"
assert_eq "$(grep -c '^    VERDICT: PASS' "$o")" 2 "the media probe passed for both calls"
assert_grep "$o" '\+ a=3ge2ae:applied' "the UE got the confirmation"
assert_grep "$o" '- a=3ge2ae:requested' "the core never got the indication"
assert_grep "$o" 'holds no call' "nothing left in rtpengine"
assert_no_grep "$o" 'inline:[A-Za-z0-9+/]{20,}' "no key in the demo output"
note "$(grep -m2 'ue->core: sent' "$o" | tr -s ' ' | tr '\n' ';')"
if [ "${DEMO_KEMI:-0}" = 1 ]; then
	# With WITH_KEMI_LUA the cfg has no native routing blocks at all, so the
	# calls above were routed by the Lua script; it must have run cleanly.
	assert_no_grep "$(ls "$RUN_DIR"/demo/demo-*/kamailio.log)" 'error from Lua' "no Lua error"
fi
