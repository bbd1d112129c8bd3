#!/usr/bin/env bash
# Install (from Debian's archive only) everything ims_medsec needs to build,
# test and run its demo, and prepare a configured Kamailio source tree that
# matches the installed kamailio binary.  Idempotent: a second run that finds
# everything in place does nothing and takes well under a second.
#
# Usage: scripts/setup-deps.sh <deps-dir>
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
	clang libclang-rt-14-dev
	gcc make dpkg-dev
	xsltproc docbook-xml docbook-xsl lynx
)

log() { printf 'setup: %s\n' "$*"; }

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
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
stamp="$src/.ims_medsec-configured-$kver"

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
	(cd "$tmp" && apt-get source -qq "kamailio=$kver" >"$deps/apt-source.log" 2>&1) || {
		cat "$deps/apt-source.log" >&2
		exit 1
	}
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
