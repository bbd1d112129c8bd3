#!/usr/bin/env bash
# The example configuration etc/ims_medsec-pcscf.cfg passes Kamailio's own
# check (kamailio -c: parses it, loads every module, including ims_medsec.so
# with its MODULE_VERSION check, and sets every modparam), in each variant
# the tests and the benchmark use.  And the check is not vacuous: a missing
# module makes it fail.  The IMS P-CSCF (etc/ims_medsec-pcscf-ims.cfg) too,
# in each of its variants; the case runs in a network namespace of its own
# because that configuration loads ims_ipsec_pcscf.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
CASE_OWN_NETNS=1
setup_run

cfg=$REPO_ROOT/etc/ims_medsec-pcscf.cfg
[ -f "$MEDSEC_MODULE" ] || fail "module not built: $MEDSEC_MODULE"
port=$(alloc_ports 1)
mod="MEDSEC_MODULE=\"$MEDSEC_MODULE\""

# check NAME DEFINE...: kamailio -c with -A DEFINE each; output in
# kamailio-check-NAME.log; returns kamailio's exit status.
check() {
	local name=$1 d args=()
	shift
	for d in "$@"; do
		args+=(-A "$d")
	done
	"$KAMAILIO" -c -f "${CHECK_CFG:-$cfg}" "${args[@]}" >"$RUN_DIR/kamailio-check-$name.log" 2>&1
}

expect_ok() {
	local name=$1 log=$RUN_DIR/kamailio-check-$1.log
	check "$@" || fail "kamailio -c rejects the config ($name variant)"
	assert_grep "$log" 'config file ok' "kamailio -c accepted the config ($name)"
	assert_no_grep "$log" 'ERROR|CRITICAL' "no error while checking ($name)"
}

# ims_medsec, as 20-sip-anchor runs it
expect_ok medsec "$mod" "SIP_PORT=$port" 'RTPENGINE_NG="udp:127.0.0.1:2223"'
# The defines reach the listen line.
assert_grep "$RUN_DIR/kamailio-check-medsec.log" "udp: 127\.0\.0\.1 \[127\.0\.0\.1\]:$port\$" \
	"SIP_PORT define used for the UDP listener"
assert_grep "$RUN_DIR/kamailio-check-medsec.log" "tcp: 127\.0\.0\.1 \[127\.0\.0\.1\]:$port\$" \
	"SIP_PORT define used for the TCP listener"

# every optional define at once: two gateway nodes, timers, LI, debug
expect_ok medsec-all "$mod" "SIP_PORT=$port" 'RTPENGINE_NG="udp:127.0.0.1:2223"' \
	'RTPENGINE_NG2="udp:127.0.0.1:2225"' NG_TIMEOUT_MS=500 NG_RETRIES=1 \
	SESSION_TIMEOUT=600 WORKERS=2 WITH_LI_KEYS WITH_DEBUG

# the defaults alone (an operator's first run; only the module path given)
expect_ok medsec-defaults "$mod"

# the KEMI (Lua) routing variant
expect_ok kemi-lua "$mod" "SIP_PORT=$port" WITH_KEMI_LUA \
	"KEMI_LUA_SCRIPT=\"$REPO_ROOT/etc/ims_medsec-pcscf.lua\""
expect_ok kemi-lua-li "$mod" "SIP_PORT=$port" WITH_KEMI_LUA WITH_LI_KEYS \
	"KEMI_LUA_SCRIPT=\"$REPO_ROOT/etc/ims_medsec-pcscf.lua\""

# Kamailio's own rtpengine module: the benchmark's baseline
expect_ok stock WITH_STOCK_RTPENGINE "SIP_PORT=$port" 'RTPENGINE_NG="udp:127.0.0.1:2223"'

# the IMS P-CSCF: plain, each feature, all of them, and without ims_medsec
ims=(IPSEC_CLIENT_PORT=$((port + 10)) IPSEC_SERVER_PORT=$((port + 20)))
CHECK_CFG=$REPO_ROOT/etc/ims_medsec-pcscf-ims.cfg
expect_ok ims "$mod" "SIP_PORT=$port" "${ims[@]}"
expect_ok ims-all "$mod" "SIP_PORT=$port" "${ims[@]}" WITH_IPSEC WITH_TLS WITH_REGINFO \
	REQUIRE_PROTECTED_SIGNALLING 'E2E_SDES_MECHANISM="sdes-srtp;e2e"' \
	'E2E_KMS_MECHANISM="mikey-ticket"' "TLS_CFG=\"$RUN_DIR/tls.cfg\"" \
	"DBTEXT_URL=\"text://$RUN_DIR\"" WITH_DEBUG
expect_ok ims-without-medsec "$mod" "SIP_PORT=$port" "${ims[@]}" WITHOUT_MEDSEC
assert_no_grep "$RUN_DIR/kamailio-check-ims-without-medsec.log" 'ims_medsec' \
	"WITHOUT_MEDSEC loads no ims_medsec"
unset CHECK_CFG

# not vacuous: a module that does not exist fails the check
if check missing-module 'MEDSEC_MODULE="/nonexistent/ims_medsec.so"'; then
	fail "kamailio -c accepted a config whose module does not exist"
fi
assert_grep "$RUN_DIR/kamailio-check-missing-module.log" 'could not open module' \
	"a missing module is reported"

note "config check ok (ims_medsec, all defines, defaults, stock rtpengine, IMS P-CSCF variants)"
