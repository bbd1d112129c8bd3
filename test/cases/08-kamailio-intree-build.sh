#!/usr/bin/env bash
# The module builds inside a Kamailio 6.0 source tree, the layout of an
# upstream merge (src/modules/ims_medsec with the ng client's sources in its
# rtpengine-ng/), with both of that tree's builds:
#
#   - scripts/kamailio-intree.sh on a pristine Debian 13 Kamailio source
#     gives an ims_medsec.so from CMake and one from make, with no compiler
#     warning, and leaves the source as it was;
#   - the CMake module exports what Kamailio loads a module by
#     (module_version, module_flags, exports, mod_register), and the same
#     dynamic symbols as the make one and as the module built out of tree
#     ($MEDSEC_MODULE), by nm -D.
#
# The source: $KAMAILIO_TRIXIE_SRC [.deps/trixie/kamailio-src, or
# .deps/trixie/deps/kamailio-src, unpacked by the Debian 13 set-up
# (scripts/trixie.sh)].  Without it the case fails, naming the directory;
# with KAMAILIO_INTREE_OPTIONAL=1 it prints "SKIP: <reason>" and passes.
# On a stack whose Kamailio is older than 6.0 (Debian 12) it says SKIP and
# passes unless KAMAILIO_TRIXIE_SRC is set: make test runs it in the Debian
# 13 suite.
#
# parallel: alone -- it compiles Kamailio's tree twice with every core
# (about 30 s on two cores): run.sh runs it while no other case runs, so
# that it neither starves the cases' SIP and media timers nor is slowed by
# them (on Debian 12 it is a SKIP of a tenth of a second)
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"

# It runs on the stack whose Kamailio is 6.0 (the Debian 13 suite,
# scripts/trixie.sh), with that release's compiler and CMake; elsewhere only
# when KAMAILIO_TRIXIE_SRC names a source.
kmajor=$("$KAMAILIO" -v | awk '/^version:/ { split($3, v, "."); print v[1]; exit }')
if [ -z "${KAMAILIO_TRIXIE_SRC:-}" ] && [ "${kmajor:-0}" -lt 6 ]; then
	echo "SKIP: Kamailio ${kmajor:-?} here: the in-tree build runs in the Debian 13 suite (scripts/trixie.sh test)"
	exit 0
fi
# The default, or else where scripts/trixie.sh's set-up unpacks it.
src=${KAMAILIO_TRIXIE_SRC:-$REPO_ROOT/.deps/trixie/kamailio-src}
if [ -z "${KAMAILIO_TRIXIE_SRC:-}" ] && [ ! -e "$src" ] &&
	[ -e "$REPO_ROOT/.deps/trixie/deps/kamailio-src" ]; then
	src=$REPO_ROOT/.deps/trixie/deps/kamailio-src
fi
if [ ! -f "$src/CMakeLists.txt" ]; then
	why="no pristine Kamailio 6.0 source tree at $src (set KAMAILIO_TRIXIE_SRC; KAMAILIO_INTREE_OPTIONAL=1 skips)"
	if [ "${KAMAILIO_INTREE_OPTIONAL:-0}" = 1 ]; then
		echo "SKIP: $why"
		note "NOTE: skipped (KAMAILIO_INTREE_OPTIONAL=1): $why"
		exit 0
	fi
	fail "$why"
fi
setup_run
[ -f "$MEDSEC_MODULE" ] || fail "the module is not built out of tree: $MEDSEC_MODULE (make build)"

# ----- 1. both builds, no warning, the source untouched -----
out=$RUN_DIR/kamailio
touch "$RUN_DIR/before"
rc=0
"$REPO_ROOT/scripts/kamailio-intree.sh" "$src" "$out" >"$RUN_DIR/intree.log" 2>&1 || rc=$?
sed 's/^/  /' "$RUN_DIR/intree.log" >&2
[ "$rc" -eq 0 ] || fail "scripts/kamailio-intree.sh exited $rc"
assert_grep "$RUN_DIR/intree.log" '^kamailio-intree: OK: both builds gave ims_medsec.so without warnings$' \
	"the script reports both builds clean"
logs=$out/ims_medsec-intree
for b in cmake make; do
	[ -f "$logs/$b-warnings.txt" ] || fail "no $b warnings list"
	[ ! -s "$logs/$b-warnings.txt" ] || fail "$b build warned: $(head -n 3 "$logs/$b-warnings.txt")"
done
changed=$(find "$src/" -newer "$RUN_DIR/before" -print | head -n 5)
[ -z "$changed" ] || fail "the script changed the source tree: $changed"

# ----- 2. what the modules export -----
so_cmake=$out/build-cmake/src/modules/ims_medsec/ims_medsec.so
so_make=$out/src/modules/ims_medsec/ims_medsec.so
syms() { nm -D --defined-only "$1" | awk '{ print $NF }' | sort -u; }
syms "$so_cmake" >"$RUN_DIR/syms-cmake.txt" || fail "nm -D failed on $so_cmake"
syms "$so_make" >"$RUN_DIR/syms-make.txt" || fail "nm -D failed on $so_make"
syms "$MEDSEC_MODULE" >"$RUN_DIR/syms-out-of-tree.txt" || fail "nm -D failed on $MEDSEC_MODULE"
for s in module_version module_flags exports mod_register; do
	for b in cmake make out-of-tree; do
		grep -qx "$s" "$RUN_DIR/syms-$b.txt" || fail "the $b module does not export $s"
	done
done
for b in make out-of-tree; do
	diff -u "$RUN_DIR/syms-$b.txt" "$RUN_DIR/syms-cmake.txt" >"$RUN_DIR/syms-$b.diff" ||
		fail "the CMake module's dynamic symbols differ from the $b module's: $(grep '^[-+][^-+]' "$RUN_DIR/syms-$b.diff" | head -n 5 | tr '\n' ' ')"
done
note "the CMake module exports the same $(wc -l <"$RUN_DIR/syms-cmake.txt") dynamic symbols as the make and out-of-tree ones"

# The version Kamailio checks at loadmodule: the make build's is the
# tree's; a CMake build's is what the tree's CMakeLists.txt says.
ver() { strings -a "$1" | grep -E '^kamailio [0-9]+\.[0-9]+\.[0-9]+' | head -n 1 || true; }
v_make=$(ver "$so_make")
v_cmake=$(ver "$so_cmake")
if [ -z "$v_make" ] || [ -z "$v_cmake" ]; then
	fail "no module_version string in the modules"
fi
if [ "$v_make" != "$v_cmake" ]; then
	note "NOTE: module_version '$v_cmake' from CMake, '$v_make' from make: a Kamailio built by make (Debian's) loads only the latter"
fi

# Passed: the logs stay, the tree copy (about 150 MB) goes at exit.
cp -a "$logs" "$RUN_DIR/intree-logs"
echo "$out" >>"$RUN_DIR/tmpdirs"
