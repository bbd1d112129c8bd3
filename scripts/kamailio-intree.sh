#!/usr/bin/env bash
# ims_medsec inside a Kamailio 6.0.x source tree, the layout of an upstream
# merge: SRC_DIR (a pristine tree, e.g. Debian's unpacked source, never
# changed) is copied to OUT_DIR, the module goes to src/modules/ims_medsec
# with the ng client's sources in its rtpengine-ng/{include,src} (and its
# docbook pointed at the tree's doc/docbook), and the module is built both
# ways Kamailio 6.0 builds modules:
#
#   1. CMake: configure with no module group and INCLUDE_MODULES=ims_medsec,
#      then build the target ims_medsec only (a module links without the
#      core; the configure step needs bison, flex and g++ all the same);
#   2. Makefile: make cfg, then make modules modules=src/modules/ims_medsec.
#
# Both use Debian's build flags (dpkg-buildflags, hardening=+all, as
# debian/rules and scripts/setup-deps.sh do) when dpkg-buildflags is there.
# Each build must give an ims_medsec.so and no compiler warning; the
# warnings are printed and the script fails otherwise.  It ends with a
# summary (times, warnings, each module's module_version).
#
# Usage: scripts/kamailio-intree.sh SRC_DIR OUT_DIR
#   OUT_DIR must not exist, or be an earlier output of this script (it is
#   replaced).  Logs: OUT_DIR/ims_medsec-intree/*.log.  The module built by
#   CMake: OUT_DIR/build-cmake/src/modules/ims_medsec/ims_medsec.so; by make:
#   OUT_DIR/src/modules/ims_medsec/ims_medsec.so.
# Environment: JOBS [2] parallel jobs.
# Exit status: 0 built without warnings, 1 a build failed or warned,
# 2 bad arguments or missing tools.
set -euo pipefail

usage() {
	echo "usage: $0 SRC_DIR OUT_DIR" >&2
	exit 2
}
[ $# -eq 2 ] || usage
src_arg=$1
out_arg=$2
jobs=${JOBS:-2}
repo=$(cd "$(dirname "$0")/.." && pwd)
module=$repo/modules/ims_medsec
rng=$repo/rtpengine-ng

log() { printf 'kamailio-intree: %s\n' "$*"; }
# die MSG [STATUS]
die() {
	printf 'kamailio-intree: %s\n' "$1" >&2
	exit "${2:-1}"
}

# ----- checks -----

[ -d "$src_arg" ] || die "no Kamailio source tree at $src_arg" 2
src=$(realpath "$src_arg")
if [ ! -f "$src/CMakeLists.txt" ] || [ ! -f "$src/src/Makefile.defs" ]; then
	die "$src is not a Kamailio source tree with a CMake build (6.0 or later)" 2
fi
kver() { sed -n "s/^$1[[:space:]]*=[[:space:]]*\\([0-9]*\\).*/\\1/p" "$src/src/Makefile.defs" | head -n 1; }
version=$(kver VERSION).$(kver PATCHLEVEL).$(kver SUBLEVEL)
case $version in
6.0.*) ;;
*) die "$src is Kamailio $version, not 6.0.x" 2 ;;
esac

missing=()
# Kamailio's CMake build wants a C++ compiler (project() enables C++),
# bison and flex (its configure step) and pkg-config, even for a module.
for t in cmake make gcc g++ bison flex pkg-config nm strings; do
	command -v "$t" >/dev/null || missing+=("$t")
done
[ ${#missing[@]} -eq 0 ] ||
	die "missing tools: ${missing[*]} (Debian packages: cmake make gcc g++ bison flex pkg-config binutils)" 2

out=$(realpath -m "$out_arg")
case $out/ in
"$src"/*) die "OUT_DIR $out is inside SRC_DIR" 2 ;;
esac
case $src/ in
"$out"/*) die "SRC_DIR is inside OUT_DIR $out" 2 ;;
esac
if [ -e "$out" ]; then
	[ -f "$out/ims_medsec-intree/.made-by-kamailio-intree" ] ||
		die "$out exists and was not made by this script: not replacing it" 2
	rm -rf "$out"
fi

# ----- helpers -----

now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}
secs() { printf '%d.%d s' $(($1 / 1000)) $(($1 % 1000 / 100)); }

# step NAME LOG CMD...: run CMD with its output in LOG; the time it took
# goes into the global ms; on failure the end of LOG is printed.
step() {
	local name=$1 logf=$2 t0 rc=0
	shift 2
	t0=$(now_ms)
	"$@" >"$logf" 2>&1 || rc=$?
	ms=$(($(now_ms) - t0))
	if [ "$rc" -ne 0 ]; then
		tail -n 30 "$logf" >&2
		die "$name failed (exit $rc, log $logf)"
	fi
}

# warnings LOG: the compiler's (and make's) warnings in LOG
warnings() { grep -Ei '(^|[[:space:]:])warning:' "$1" || true; }

# module_version SO: the Kamailio version string the module was built for
module_version() {
	local v
	v=$(strings -a "$1" | grep -E '^kamailio [0-9]+\.[0-9]+\.[0-9]+' || true)
	echo "${v%%$'\n'*}"
}

# ----- copy the tree and drop the module in -----

t_start=$(now_ms)
logs=$out/ims_medsec-intree
copy() {
	cp -a "$src" "$out"
	mkdir -p "$logs"
	touch "$logs/.made-by-kamailio-intree"
	# a configured tree: make cfg below configures the copy again
	rm -f "$out/src/config.mak" "$out/src/modules.lst"
	local m=$out/src/modules/ims_medsec
	rm -rf "$m"
	mkdir -p "$m"
	# the module's sources as in the repository, without build products
	(cd "$module" && tar -cf - --exclude='*.o' --exclude='*.d' --exclude='*.so' \
		--exclude='*.lst' --exclude='*.a' --exclude='rtpengine-ng' .) | (cd "$m" && tar -xf -)
	mkdir -p "$m/rtpengine-ng"
	cp -a "$rng/include" "$rng/src" "$m/rtpengine-ng/"
	# the docbook's entities: the tree's own, as for every module there
	sed -i 's#"\.\./\.\./\.\./\.deps/kamailio/doc/docbook/entities\.xml"#"../../../../doc/docbook/entities.xml"#' \
		"$m"/doc/*.xml
}
mkdir -p "$(dirname "$out")"
t0=$(now_ms)
copy
ms_copy=$(($(now_ms) - t0))
log "Kamailio $version: $src copied to $out with the module ($(secs $ms_copy))"

# Debian's flags (debian/rules: CPPFLAGS + CFLAGS as CC_EXTRA_OPTS)
cflags=''
ldflags=''
if command -v dpkg-buildflags >/dev/null; then
	export DEB_BUILD_MAINT_OPTIONS=hardening=+all
	cflags="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CFLAGS)"
	ldflags=$(dpkg-buildflags --get LDFLAGS)
fi

# ----- 1. CMake -----

bc=$out/build-cmake
step "cmake configure" "$logs/cmake-configure.log" \
	env CFLAGS="$cflags" LDFLAGS="$ldflags" cmake -S "$out" -B "$bc" \
	-DMODULE_GROUP_NAME= -DINCLUDE_MODULES=ims_medsec -DBUILD_DOC=OFF
ms_cconf=$ms
grep -q 'Modules to be built: ims_medsec$' "$logs/cmake-configure.log" ||
	die "cmake would build other modules than ims_medsec: $(grep 'Modules to be built' "$logs/cmake-configure.log")"
step "cmake build" "$logs/cmake-build.log" \
	cmake --build "$bc" --target ims_medsec -j "$jobs"
ms_cbuild=$ms
so_cmake=$bc/src/modules/ims_medsec/ims_medsec.so
[ -f "$so_cmake" ] || die "cmake built no $so_cmake"

# ----- 2. Makefile -----

step "make cfg" "$logs/make-cfg.log" \
	make -C "$out" cfg FLAVOUR=kamailio CC_EXTRA_OPTS="$cflags -DVERSION_NODATE" \
	LD_EXTRA_OPTS="$ldflags"
ms_mcfg=$ms
so_make=$out/src/modules/ims_medsec/ims_medsec.so
step "make modules" "$logs/make-build.log" \
	make -C "$out" -j "$jobs" modules modules=src/modules/ims_medsec
ms_mbuild=$ms
[ -f "$so_make" ] || die "make built no $so_make"

# ----- warnings and summary -----

warnings "$logs/cmake-build.log" >"$logs/cmake-warnings.txt"
warnings "$logs/make-build.log" >"$logs/make-warnings.txt"
n_cmake=$(wc -l <"$logs/cmake-warnings.txt")
n_make=$(wc -l <"$logs/make-warnings.txt")
ms_total=$(($(now_ms) - t_start))

log "cmake: configure $(secs $ms_cconf), build $(secs $ms_cbuild), $n_cmake warnings: $so_cmake ($(module_version "$so_cmake"))"
log "make:  cfg $(secs $ms_mcfg), build $(secs $ms_mbuild), $n_make warnings: $so_make ($(module_version "$so_make"))"
log "total $(secs $ms_total) with -j$jobs; logs in $logs"
if [ $((n_cmake + n_make)) -gt 0 ]; then
	for b in cmake make; do
		[ -s "$logs/$b-warnings.txt" ] || continue
		echo "$b build warnings:" >&2
		grep -Ei -A 4 '(^|[[:space:]:])warning:' "$logs/$b-build.log" | sed 's/^/  /' >&2
	done
	die "$((n_cmake + n_make)) compiler warnings (must be 0)"
fi
log "OK: both builds gave ims_medsec.so without warnings"
