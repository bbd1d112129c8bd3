#!/usr/bin/env bash
# A module built for the other Kamailio (5.6 on Debian 12, 6.0 on Debian 13)
# is refused by Kamailio's own module version check: kamailio -c exits
# non-zero, by itself (no signal), and says "module version mismatch",
# naming both versions.  The module of this stack passes the same check,
# so the refusal is the version and nothing else.
#
# The other stack's module: on Debian 12, build/trixie/module/ims_medsec.so
# (make test builds it first, scripts/trixie.sh); inside the Debian 13
# root, modules/ims_medsec/ims_medsec.so.  When it is not there (the
# Debian 13 root cannot be made here), the case says so and passes.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup_run

own=$MEDSEC_MODULE
if [ "$own" = "$REPO_ROOT/modules/ims_medsec/ims_medsec.so" ]; then
	other=${MEDSEC_OTHER_MODULE:-$REPO_ROOT/build/trixie/module/ims_medsec.so}
else
	other=${MEDSEC_OTHER_MODULE:-$REPO_ROOT/modules/ims_medsec/ims_medsec.so}
fi
[ -f "$own" ] || fail "module not built: $own"
if [ ! -f "$other" ]; then
	note "SKIPPED: no module built for the other Kamailio ($other; scripts/trixie.sh status: $("$REPO_ROOT/scripts/trixie.sh" status 2>&1 | tail -n 1))"
	exit 0
fi
mine=$("$KAMAILIO" -v | awk '/^version:/ { print $3; exit }')

# check NAME MODULE: kamailio -c on a configuration that loads MODULE (and
# tm, which ims_medsec binds); output in NAME.log, exit status returned.
check() {
	printf '%s\n' '#!KAMAILIO' 'children=1' "listen=udp:127.0.0.1:$port" \
		'loadmodule "tm.so"' "loadmodule \"$2\"" 'request_route { drop; }' \
		>"$RUN_DIR/$1.cfg"
	"$KAMAILIO" -c -f "$RUN_DIR/$1.cfg" >"$RUN_DIR/$1.log" 2>&1
}

port=$(alloc_ports 1)
check own "$own" || fail "this stack's module fails the check: $(grep -E 'ERROR|CRIT' "$RUN_DIR/own.log" | head -3)"
assert_grep "$RUN_DIR/own.log" 'config file ok' "this stack's module passes kamailio -c"

rc=0
check other "$other" || rc=$?
[ "$rc" -ne 0 ] || fail "kamailio $mine accepted a module built for another version"
# exit(-1) is 255; 129..254 is a signal's death (bash's 128 + N)
[ "$rc" -le 128 ] || [ "$rc" -eq 255 ] ||
	fail "kamailio $mine died of signal $((rc - 128)) loading the other module"
assert_grep "$RUN_DIR/other.log" 'module version mismatch' "refused by the module version check"
line=$(grep -m 1 'module version mismatch' "$RUN_DIR/other.log")
note "kamailio $mine, exit $rc: ${line#*: }"
