#!/usr/bin/env bash
# make deb: a Debian package of the module that installs next to Debian's
# kamailio package (same version, same module directory), with the module
# reference, the example P-CSCF configuration (native and KEMI/Lua) and the
# rngctl CLI.
#
# The package is for this machine's Debian release and its kamailio: the
# Debian 13 one is made the same way inside scripts/trixie.sh's root
# (make deb-trixie).  The Debian revision names the release (1+deb12,
# 1+deb13), so both packages can sit side by side in one directory.
#
# Usage: scripts/make-deb.sh [OUTDIR]   (default $BUILD_DIR/deb)
# Environment: BUILD_DIR [build], MEDSEC_MODULE [modules/ims_medsec/ims_medsec.so]
# (the Makefile sets both).
set -euo pipefail
cd "$(dirname "$0")/.."

build=${BUILD_DIR:-build}
out=${1:-$build/deb}
mkdir -p "$out"
out=$(cd "$out" && pwd)
name=kamailio-ims-medsec-module
version=${IMS_MEDSEC_VERSION:-0.1.0}
kver=$(dpkg-query -W -f='${Version}' kamailio)
arch=$(dpkg --print-architecture)
multiarch=$(dpkg-architecture -qDEB_HOST_MULTIARCH 2>/dev/null || echo x86_64-linux-gnu)
module=${MEDSEC_MODULE:-modules/ims_medsec/ims_medsec.so}
rngctl=$build/bin/rngctl
[ -f "$module" ] && [ -x "$rngctl" ] || { echo "make-deb: build first (make)" >&2; exit 1; }
release=$(cut -d. -f1 /etc/debian_version)
case $release in
[0-9]*) rev=1+deb$release ;;
*) rev=1 ;;
esac

root=$(mktemp -d "$out/root.XXXXXX")
trap 'rm -rf "$root"' EXIT
doc=$root/usr/share/doc/$name
install -D -m 0644 "$module" "$root/usr/lib/$multiarch/kamailio/modules/ims_medsec.so"
install -D -m 0755 "$rngctl" "$root/usr/bin/rngctl"
install -D -m 0644 modules/ims_medsec/README "$doc/README"
install -D -m 0644 README.md "$doc/README.project.md"
install -D -m 0644 docs/architecture.md "$doc/architecture.md"
install -D -m 0644 etc/ims_medsec-pcscf.cfg "$doc/examples/ims_medsec-pcscf.cfg"
install -D -m 0644 etc/ims_medsec-pcscf.lua "$doc/examples/ims_medsec-pcscf.lua"
install -D -m 0644 etc/ims_medsec-pcscf-ims.cfg "$doc/examples/ims_medsec-pcscf-ims.cfg"
strip --strip-unneeded "$root/usr/lib/$multiarch/kamailio/modules/ims_medsec.so" "$root/usr/bin/rngctl"
cat >"$doc/copyright" <<TXT
ims_medsec: 3GPP e2ae media security (TS 33.328, SDES) for a Kamailio
P-CSCF, with rtpengine as the IMS Access Gateway, and the rtpengine-ng
client library and CLI.  Built from the project's repository.
TXT
mkdir -p "$root/DEBIAN"
size=$(du -sk "$root" | cut -f1)
cat >"$root/DEBIAN/control" <<TXT
Package: $name
Version: $version-$rev
Architecture: $arch
Maintainer: ims_medsec developers <ims-medsec@localhost>
Installed-Size: $size
Depends: kamailio (= $kver), libc6
Recommends: rtpengine-daemon
Section: net
Priority: optional
Description: e2ae media security (3GPP TS 33.328, SDES) for a Kamailio P-CSCF
 The ims_medsec module lets a Kamailio P-CSCF apply end-to-access-edge
 media security: UEs talk SRTP to rtpengine acting as the IMS Access
 Gateway while the IMS core keeps plain RTP.  Includes the rngctl
 command to talk to rtpengine's ng control protocol.
 .
 Built against kamailio $kver; the module refuses to load into another
 version.
TXT
deb=$out/${name}_${version}-${rev}_${arch}.deb
dpkg-deb --root-owner-group --build "$root" "$deb" >/dev/null
echo "$deb"
