/*
 * ims_medsec: what differs between the Kamailio versions the module builds
 * against (5.6, Debian 12; 6.0, Debian 13).  Macros only.
 *
 * Compared header by header (5.6.3 and 6.0.1), for what the module uses:
 *
 * - the same in both: struct module_exports and the cmd, param, pv and
 *   rpc export tables, MODULE_VERSION, KEMI's sr_kemi_t with
 *   SR_KEMIP_INT/STR/NONE, the event route lookup (route_lookup() on
 *   event_rt, run_top_route(), sr_kemi_eng_get(), sr_kemi_route()), the
 *   counters API (stat_export_t, register_module_stats(), update_stat()),
 *   the parsers, lumps, sl's freply and tm's t_gett, and of
 *   ims_usrloc_pcscf the callbacks (register_ulcb(), PCSCF_CONTACT_*) and
 *   the struct pcontact fields read here;
 * - parameter flags: 6.0 dropped USE_FUNC_PARAM, STR_PARAM and INT_PARAM;
 *   PARAM_USE_FUNC, PARAM_STRING and PARAM_INT, in both, are used instead;
 * - RPC flags: RET_ARRAY is RPC_RET_ARRAY since 5.7 (RET_ARRAY remains an
 *   alias there); the module uses the new name, defined below for 5.6;
 * - pseudo-variables: since 5.7 pv_value_t.ri is a long, and
 *   pv_get_sintval() / pv_get_uintval() take long / unsigned long (int
 *   before); the int and uint32_t the module passes suit both;
 * - binary layouts only, not the source: usrloc_api_t (three members more
 *   since 5.7), tm's API, KEMI's type bits, sip_msg's msg_flags (64 bits
 *   since 5.8).  A module is built for one Kamailio version, which
 *   Kamailio enforces through module_version.
 */
#ifndef MEDSEC_COMPAT_H
#define MEDSEC_COMPAT_H

/* Both of Kamailio's builds define VERSIONVAL: major * 1000000 + minor *
 * 1000 + patch (Makefile.defs, cmake/defs.cmake).  Compare major and minor
 * only: 6.0.1's CMake build still says 6.0.0. */
#ifndef VERSIONVAL
#error "VERSIONVAL is not defined: build with Kamailio's Makefile.defs or CMake"
#endif

#define MEDSEC_KAMAILIO_AT_LEAST(major, minor) \
	(VERSIONVAL >= (major)*1000000 + (minor)*1000)

#if !MEDSEC_KAMAILIO_AT_LEAST(5, 6)
#error "ims_medsec needs Kamailio 5.6 or later"
#endif

#if !MEDSEC_KAMAILIO_AT_LEAST(5, 7)
#define RPC_RET_ARRAY RET_ARRAY
#endif

#endif
