#!/usr/bin/env bash
# ims_medsec and Kamailio's own rtpengine module (which defines bencode_*)
# can live in one process: the module exports only Kamailio's entry points
# and prefixed names (rng_* from the static rtpengine-ng library, medsec_*),
# and kamailio -c loads both modules side by side.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup_run
[ -f "$MEDSEC_MODULE" ] || fail "module not built: $MEDSEC_MODULE"

nm -D --defined-only "$MEDSEC_MODULE" | awk '{print $3}' >"$RUN_DIR/exported.txt"
assert_grep "$RUN_DIR/exported.txt" '^rng_client_new$' "the library's API is linked in"
grep -vE '^(rng_|medsec_|exports$|mod_register$|module_flags$|module_interface_ver$|module_version$)' \
	"$RUN_DIR/exported.txt" >"$RUN_DIR/unprefixed.txt" || true
[ ! -s "$RUN_DIR/unprefixed.txt" ] ||
	fail "unprefixed exported symbols: $(tr '\n' ' ' <"$RUN_DIR/unprefixed.txt")"
assert_no_grep "$RUN_DIR/exported.txt" 'bencode' "no bencode_* symbol exported"

port=$(alloc_ports 1)
MODULES_DIR=/usr/lib/$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)/kamailio/modules
cat >"$RUN_DIR/both.cfg" <<CFG
#!KAMAILIO
listen=udp:127.0.0.1:$port
mpath="$MODULES_DIR"
loadmodule "tm.so"
loadmodule "textops.so"
loadmodule "rtpengine.so"
loadmodule "$MEDSEC_MODULE"
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:2223")
modparam("ims_medsec", "rtpengine_sock", "udp:127.0.0.1:2223")
request_route {
	if(is_method("INVITE")) { medsec_offer("ue"); rtpengine_offer(); }
}
CFG
"$KAMAILIO" -c -f "$RUN_DIR/both.cfg" >"$RUN_DIR/check.log" 2>&1 ||
	fail "kamailio -c with both modules failed: $(tail -5 "$RUN_DIR/check.log")"
assert_grep "$RUN_DIR/check.log" 'config file ok' "both modules load in one process"
