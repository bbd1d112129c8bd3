#!/usr/bin/env bash
# Install (from Debian's archive only) everything ims_medsec needs to build,
# test and run its demo, and prepare a configured Kamailio source tree that
# matches the installed kamailio binary.  Idempotent: a second run that finds
# everything in place does nothing and takes well under a second.
#
# Usage: scripts/setup-deps.sh <deps-dir>
# Environment: SETUP_IN_ROOT=1 (set by scripts/trixie.sh inside its Debian
# 13 root) leaves out the fuzzing tool chain and mmdebstrap.
#
# Besides the configured tree <deps-dir>/kamailio, <deps-dir>/kamailio-src
# is the same source as unpacked, never built in (the in-tree build,
# scripts/kamailio-intree.sh, starts from it).
set -euo pipefail

deps=${1:?usage: setup-deps.sh <deps-dir>}
mkdir -p "$deps"
deps=$(cd "$deps" && pwd)

pkgs=(
	kamailio kamailio-extra-modules kamailio-ims-modules
	kamailio-utils-modules kamailio-tls-modules kamailio-lua-modules
	kamailio-presence-modules iproute2 openssl
	rtpengine-daemon sip-tester baresip-core
	libsrtp2-dev libssl-dev libcmocka-dev pkg-config
	gcc make dpkg-dev
	xsltproc docbook-xml docbook-xsl lynx
)
# Not in the Debian 13 root: the fuzzing tool chain (its package names
# follow the release's clang) and mmdebstrap, which makes that root.
if [ "${SETUP_IN_ROOT:-0}" != 1 ]; then
	pkgs+=(clang libclang-rt-14-dev mmdebstrap)
fi

log() { printf 'setup: %s\n' "$*"; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

# fetch_source PKG=VERSION: apt-get source into the current directory.
# Debian 13's kamailio source lists an upstream signature (.orig.tar.gz.asc)
# that the archive does not hold; apt has checked every file it fetched
# against the signed Sources index, so without that one file the source
# is unpacked from a .dsc that no longer names it.
fetch_source() {
	apt-get source -qq "$1" && return 0
	local dsc
	dsc=$(ls ./*.dsc 2>/dev/null | head -n 1)
	[ -n "$dsc" ] || return 1
	for f in $(apt-get source --print-uris -qq "$1" | awk '{ print $2 }'); do
		case $f in
		*.asc) [ -e "$f" ] || sed -i "/ ${f//./\\.}\$/d" "$dsc" ;;
		*) [ -e "$f" ] || return 1 ;;
		esac
	done
	echo "setup: unpacking $dsc without its missing upstream signature"
	dpkg-source -x "$dsc"
}

missing=()
for p in "${pkgs[@]}"; do
	st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
	[ "$st" = "install ok installed" ] || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
	log "installing: ${missing[*]}"
	# Packaged services must never start: they would take 5060 and 2223.
	if [ ! -e /usr/sbin/policy-rc.d ]; then
		printf '#!/bin/sh\nexit 101\n' | as_root tee /usr/sbin/policy-rc.d >/dev/null
		as_root chmod 755 /usr/sbin/policy-rc.d
	fi
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -qq
	as_root apt-get install -y -qq --no-install-recommends \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		"${missing[@]}" >"$deps/apt-install.log" 2>&1 || {
		cat "$deps/apt-install.log" >&2
		exit 1
	}
	if [ -d /run/systemd/system ]; then
		as_root systemctl disable --now kamailio.service \
			rtpengine-daemon.service >/dev/null 2>&1 || true
	fi
fi

kver=$(dpkg-query -W -f='${Version}' kamailio)
uver=${kver%%-*}
src="$deps/kamailio-$uver"
stamp="$src/.ims_medsec-configured-2-$kver"

if [ ! -e "$stamp" ]; then
	# A fresh machine has no deb-src entry: add one for the same archive
	# and suites as the existing binary entry.
	if ! apt-get source --print-uris -qq "kamailio=$kver" >/dev/null 2>&1; then
		src_list=/etc/apt/sources.list.d/ims-medsec-deb-src.sources
		base=/etc/apt/sources.list.d/debian.sources
		if [ -r "$base" ]; then
			sed -e 's/^Types:.*/Types: deb-src/' "$base" | as_root tee "$src_list" >/dev/null
		elif [ -r /etc/apt/sources.list ]; then
			sed -n -e 's/^deb \(.*\)/deb-src \1/p' /etc/apt/sources.list |
				as_root tee /etc/apt/sources.list.d/ims-medsec-deb-src.list >/dev/null
		fi
		log "added deb-src entries; updating package lists"
		as_root apt-get update -qq
	fi
	log "fetching kamailio $kver source"
	rm -rf "$src"
	tmp=$(mktemp -d "$deps/src.XXXXXX")
	(cd "$tmp" && fetch_source "kamailio=$kver" >"$deps/apt-source.log" 2>&1) || {
		cat "$deps/apt-source.log" >&2
		exit 1
	}
	rm -rf "$deps/kamailio-$uver-pristine"
	cp -a "$tmp/kamailio-$uver" "$deps/kamailio-$uver-pristine"
	mv "$tmp/kamailio-$uver" "$src"
	rm -rf "$tmp"
	log "configuring kamailio source like debian/rules"
	export DEB_BUILD_MAINT_OPTIONS=hardening=+all
	(cd "$src" && make cfg quiet=verbose prefix=/usr cfg_target=/etc/kamailio/ \
		FLAVOUR=kamailio LIBDIR=lib/x86_64-linux-gnu group_include=kstandard \
		CC_EXTRA_OPTS="$(dpkg-buildflags --get CPPFLAGS) $(dpkg-buildflags --get CFLAGS) -DVERSION_NODATE" \
		LD_EXTRA_OPTS="$(dpkg-buildflags --get LDFLAGS)" >"$deps/make-cfg.log" 2>&1) || {
		cat "$deps/make-cfg.log" >&2
		exit 1
	}
	touch "$stamp"
fi
ln -sfn "$src" "$deps/kamailio"
ln -sfn "$src-pristine" "$deps/kamailio-src"
