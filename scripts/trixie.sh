#!/usr/bin/env bash
# The Debian 13 (trixie) stack beside this machine's own: a trixie root made
# with mmdebstrap from Debian's archive (Kamailio 6.0, rtpengine 12.5, SIPp,
# libsrtp2, the build tools), cached between runs, in which the project is
# built and its real-process cases run.  The host is never changed: the
# root lives under .deps/, and every command runs in a mount namespace of
# its own (unshare) that sees this repository at the same path.
#
# Usage: scripts/trixie.sh COMMAND
#   root          make the root unless a current one is cached; prints its path
#   exec CMD...   run CMD inside the root, in this directory
#   build         build the project inside the root into build/trixie
#                 (the module from a copy in build/trixie/module)
#   test [ARG...] build, then run test/run.sh ARG... inside the root
#                 (results under test/out/trixie/)
#   deb           build, then the Debian 13 package (build/trixie/deb/)
#   status        "ready" when the root and the build are there, or the reason
#
# Environment: TRIXIE_ROOT [.deps/trixie/root]; TRIXIE_SUITE [trixie].
# Exit status 3 from root/build/test: the root cannot be made on this
# machine (no mmdebstrap, no archive, not root); the reason is on stderr.
# With TRIXIE_OPTIONAL=1 (make test), test then says SKIPPED and exits 0.
set -euo pipefail
cd "$(dirname "$0")/.."
repo=$PWD
suite=${TRIXIE_SUITE:-trixie}
root=${TRIXIE_ROOT:-$repo/.deps/$suite/root}
build=$repo/build/$suite

# What the real-process suite needs, as scripts/setup-deps.sh lists it
# for the host, less the fuzzing tool chain (SETUP_IN_ROOT=1 there), and
# what Kamailio 6.0's CMake build needs (case 08, the in-tree build).
pkgs=(
	kamailio kamailio-extra-modules kamailio-ims-modules
	kamailio-utils-modules kamailio-tls-modules kamailio-lua-modules
	kamailio-presence-modules iproute2 openssl procps
	rtpengine-daemon sip-tester baresip-core
	libsrtp2-dev libssl-dev libcmocka-dev pkg-config
	gcc libc6-dev make dpkg-dev
	xsltproc docbook-xml docbook-xsl lynx
	cmake g++ bison flex
)

log() { printf 'trixie: %s\n' "$*" >&2; }
cannot() {
	log "cannot make the $suite root: $*"
	exit 3
}

# archive_uri: the Debian archive this machine installs from (its first
# binary entry), so the root comes from the same place.
archive_uri() {
	local f
	for f in /etc/apt/sources.list.d/*.sources; do
		[ -r "$f" ] || continue
		awk '/^URIs:/ && !done { print $2; done = 1 }' "$f" | grep -v security && return 0
	done
	[ -r /etc/apt/sources.list ] &&
		awk '$1 == "deb" { for (i = 2; i <= NF; i++) if ($i ~ /:\/\//) { print $i; exit } }' \
			/etc/apt/sources.list
}

stamp_of() { printf '%s\n' "$suite" "${pkgs[@]}" | md5sum | cut -c1-12; }

make_root() {
	local stamp uri keyring tmp
	stamp=$(stamp_of)
	if [ -e "$root/.ims_medsec-root-$stamp" ]; then
		echo "$root"
		return 0
	fi
	# A root made for an older package list only gains what it lacks.
	if compgen -G "$root/.ims_medsec-root-*" >/dev/null; then
		log "adding packages to the $suite root"
		in_root apt-get install -y -qq "${pkgs[@]}" >"$(dirname "$root")/apt-install.log" 2>&1 ||
			cannot "apt-get install failed (log: $(dirname "$root")/apt-install.log)"
		rm -f "$root"/.ims_medsec-root-*
		touch "$root/.ims_medsec-root-$stamp"
		echo "$root"
		return 0
	fi
	command -v mmdebstrap >/dev/null || cannot "mmdebstrap is not installed"
	command -v unshare >/dev/null || cannot "unshare is not installed"
	[ "$(id -u)" -eq 0 ] || cannot "root needed (mmdebstrap, mount namespaces)"
	uri=$(archive_uri) || true
	[ -n "$uri" ] || cannot "no Debian archive in this machine's apt sources"
	keyring=/usr/share/keyrings/debian-archive-keyring.gpg
	[ -r "$keyring" ] || cannot "no $keyring"
	log "making a $suite root from $uri (a few minutes, once)"
	rm -rf "$root" "$root.tmp"
	mkdir -p "$(dirname "$root")"
	tmp=$root.tmp
	mkdir "$tmp"
	local inc
	inc=$(
		IFS=,
		echo "${pkgs[*]}"
	)
	if ! mmdebstrap --variant=apt --skip=cleanup/apt/lists \
		--aptopt='APT::Install-Recommends "false"' --include="$inc" "$suite" "$tmp" \
		"deb [signed-by=$keyring] $uri $suite main" \
		"deb-src [signed-by=$keyring] $uri $suite main" \
		>"$(dirname "$root")/mmdebstrap.log" 2>&1; then
		tail -n 5 "$(dirname "$root")/mmdebstrap.log" >&2
		rm -rf "$tmp"
		cannot "mmdebstrap failed (log: $(dirname "$root")/mmdebstrap.log)"
	fi
	# Packaged services never start inside (they would take 5060 and 2223).
	printf '#!/bin/sh\nexit 101\n' >"$tmp/usr/sbin/policy-rc.d"
	chmod 755 "$tmp/usr/sbin/policy-rc.d"
	touch "$tmp/.ims_medsec-root-$stamp"
	mv "$tmp" "$root"
	echo "$root"
}

# in_root CMD...: CMD inside the root, in a private mount namespace with
# /proc, /sys, /dev, a /run and /tmp of its own and this repository at the
# same path; the working directory is kept.
in_root() {
	[ -d "$root/usr" ] || cannot "no root at $root (scripts/trixie.sh root)"
	unshare --mount --propagation private -- /bin/bash -euc '
		r=$1 repo=$2 cwd=$3
		shift 3
		# The root a mount point of its own: ip netns exec remounts "/".
		mount --bind "$r" "$r"
		mount -t proc proc "$r/proc"
		mount --rbind /sys "$r/sys"
		mount --rbind /dev "$r/dev"
		mount -t tmpfs -o mode=755 tmpfs "$r/run"
		mkdir -p "$r/tmp" "$r$repo"
		chmod 1777 "$r/tmp"
		mount --bind "$repo" "$r$repo"
		exec chroot "$r" /usr/bin/env -C "$cwd" PATH=/usr/sbin:/usr/bin:/sbin:/bin "$@"
	' in_root "$root" "$repo" "$PWD" "$@"
}

# optional_root: with TRIXIE_OPTIONAL=1, a root that cannot be made ends
# the script with status 0 and a SKIPPED line (make test on a machine
# without the archive or mmdebstrap).
optional_root() {
	local rc=0
	[ "${TRIXIE_OPTIONAL:-0}" = 1 ] || return 0
	(make_root >/dev/null) || rc=$?
	if [ "$rc" -eq 3 ]; then
		echo "SKIPPED: the Debian 13 ($suite) stack: its root cannot be made here (reason above)"
		exit 0
	fi
	[ "$rc" -eq 0 ] || exit "$rc"
}

build_in_root() {
	make_root >/dev/null
	mkdir -p "$build"
	in_root make --no-print-directory BUILD="$build" DEPS="$repo/.deps/$suite/deps" \
		MODULE_DIR="$build/module" SETUP_IN_ROOT=1 build
}

case ${1:-} in
root) make_root ;;
exec)
	shift
	[ "${1:-}" != -- ] || shift
	in_root "$@"
	;;
build)
	optional_root
	build_in_root
	;;
test)
	shift
	optional_root
	echo "== the Debian 13 ($suite) stack: $(in_root sh -c 'kamailio -v | head -n 1; rtpengine --version 2>&1' | tr '\n' ' ')"
	build_in_root
	in_root env BUILD_DIR="$build" MEDSEC_MODULE="$build/module/ims_medsec.so" \
		FREEPORT="$build/bin/freeport" RNGCTL="$build/bin/rngctl" \
		TEST_OUT="$repo/test/out/$suite" test/run.sh "$@"
	;;
deb)
	build_in_root
	in_root env BUILD_DIR="$build" MEDSEC_MODULE="$build/module/ims_medsec.so" \
		scripts/make-deb.sh "$build/deb"
	;;
status)
	if [ ! -e "$root/.ims_medsec-root-$(stamp_of)" ]; then
		echo "no current $suite root at $root"
	elif [ ! -f "$build/module/ims_medsec.so" ]; then
		echo "not built: $build/module/ims_medsec.so"
	else
		echo ready
	fi
	;;
*)
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
	exit 2
	;;
esac
