#!/usr/bin/env bash
# The lawful-interception hook through the KEMI (Lua) routing: the checks
# of 93-li-hook.sh with the li_callback (ksr_medsec_li_keys) instead of
# event_route[medsec:li-keys].
LI_KEMI=1
# shellcheck source=93-li-hook.sh
. "$(dirname "$0")/93-li-hook.sh"
