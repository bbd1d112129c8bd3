#!/usr/bin/env bash
# The KEMI (Lua) variant of the example P-CSCF (etc/ims_medsec-pcscf.lua,
# -A WITH_KEMI_LUA) behaves like the native one: the checks of 45-demo.sh
# (registration with mediasec, an originating and a terminating e2ae call
# with the media probe passing both ways, no call left, no key in the
# output) through the Lua routing.
DEMO_KEMI=1
# shellcheck source=45-demo.sh
. "$(dirname "$0")/45-demo.sh"
