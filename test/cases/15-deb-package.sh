#!/usr/bin/env bash
# make deb: the package builds, depends on exactly the installed kamailio,
# would install on this machine (dpkg --dry-run), and what it ships works:
# extracted into a scratch root, its module loads with its own example
# configuration (native and KEMI/Lua variants) under kamailio -c, and its
# rngctl runs.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup_run

deb=$("$REPO_ROOT/scripts/make-deb.sh" "$RUN_DIR/deb" | tail -n 1)
[ -f "$deb" ] || fail "no package built"
kver=$(dpkg-query -W -f='${Version}' kamailio)
dpkg-deb -I "$deb" >"$RUN_DIR/info.txt"
# (Debian 13's version has a "+": the version goes into the pattern escaped)
kre=$(printf '%s' "$kver" | sed 's/[].+*?^$()|[]/\\&/g')
assert_grep "$RUN_DIR/info.txt" "Depends: kamailio \\(= $kre\\)" "depends on exactly the installed kamailio"
release=$(cut -d. -f1 /etc/debian_version)
assert_grep "$RUN_DIR/info.txt" "Version: [0-9.]+-1\\+deb$release\$" "the revision names the Debian release ($release)"
dpkg --dry-run -i "$deb" >"$RUN_DIR/dry-run.txt" 2>&1 || fail "dpkg would not install it: $(tail -3 "$RUN_DIR/dry-run.txt")"

root=$RUN_DIR/root
dpkg-deb -x "$deb" "$root"
ma=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
so=$root/usr/lib/$ma/kamailio/modules/ims_medsec.so
ex=$root/usr/share/doc/kamailio-ims-medsec-module/examples
[ -f "$so" ] || fail "the module is not where Debian's kamailio looks for modules"
[ -f "$ex/ims_medsec-pcscf.cfg" ] && [ -f "$ex/ims_medsec-pcscf.lua" ] &&
	[ -f "$ex/ims_medsec-pcscf-ims.cfg" ] || fail "examples missing"
port=$(alloc_ports 1)
"$KAMAILIO" -c -f "$ex/ims_medsec-pcscf.cfg" -A "MEDSEC_MODULE=\"$so\"" -A "SIP_PORT=$port" \
	>"$RUN_DIR/check.log" 2>&1 || fail "kamailio -c rejects the packaged module: $(grep -E 'ERROR|CRIT' "$RUN_DIR/check.log" | head -3)"
assert_grep "$RUN_DIR/check.log" 'config file ok' "the packaged module loads with the packaged example"
"$KAMAILIO" -c -f "$ex/ims_medsec-pcscf.cfg" -A "MEDSEC_MODULE=\"$so\"" -A "SIP_PORT=$port" \
	-A WITH_KEMI_LUA -A "KEMI_LUA_SCRIPT=\"$ex/ims_medsec-pcscf.lua\"" >"$RUN_DIR/check-lua.log" 2>&1 ||
	fail "kamailio -c rejects the packaged KEMI variant"
"$root/usr/bin/rngctl" -h >"$RUN_DIR/rngctl.txt" || fail "the packaged rngctl does not run"
assert_grep "$RUN_DIR/rngctl.txt" '^usage: rngctl' "the packaged rngctl prints its usage"
note "$(basename "$deb"): $(stat -c %s "$deb") bytes, Depends kamailio (= $kver)"
