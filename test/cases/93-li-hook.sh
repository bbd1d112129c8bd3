#!/usr/bin/env bash
# The lawful-interception hook (TS 33.107: in e2ae mode the P-CSCF delivers
# the SDES keys to the LI function) is off by default and, when on, hands
# every key of an e2ae session to the script and to nothing else.  Two
# P-CSCFs on one rtpengine: "on" (-A WITH_LI_KEYS: modparam li_keys=1 and
# event_route[medsec:li-keys], which logs an MD5 of each key) and
# "off" (the defaults).  Through each, an originating and a terminating
# e2ae call (keys of the test's own UE, and the gateway's keys as the UE
# received them):
#   - on:  exactly these LI events, with the right key (by MD5): orig: the
#          UE's chosen line (dir=ue, tag 1) and the gateway's answer
#          (dir=agw, tag 1); term: both gateway offers (dir=agw, tags 1 and
#          2) and the UE's answer (dir=ue, tag 1); $medsec(suite) names
#          the negotiated suite;
#   - off: no LI event at all;
#   - both: no key, raw, in any log of Kamailio or rtpengine.
# LI_KEMI=1 (93-li-hook-kemi.sh): the same through the Lua routing and the
# li_callback.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
kemi=()
if [ "${LI_KEMI:-0}" = 1 ]; then
	kemi=(WITH_KEMI_LUA "KEMI_LUA_SCRIPT=\"$REPO_ROOT/etc/ims_medsec-pcscf.lua\"")
fi
E2AE_KAM_DEFINES=(WITH_LI_KEYS ${kemi[@]+"${kemi[@]}"})
e2ae_lab
ON_SIP=$KAM_SIP_PORT ON_CORE=$KAM_CORE_PORT
start_kamailio -n off "$E2AE_CFG" "MEDSEC_MODULE=\"$MEDSEC_MODULE\"" \
	"RTPENGINE_NG=\"udp:127.0.0.1:$RTPE_A_NG\"" WORKERS=2 \
	"SCSCF_URI=\"sip:127.0.0.1:$SCSCF_PORT\"" ${kemi[@]+"${kemi[@]}"}

SUITE=AES_CM_128_HMAC_SHA1_80
UE_PORT=$(alloc_ports 1)
md5() { printf '%s' "$(cat "$1")" | md5sum | cut -d' ' -f1; }
# what each side must receive (checked by the scenarios)
UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto "$SUITE")
CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)

# calls WHICH: register the UE through P-CSCF WHICH and make one call each
# way; key files in RUN_DIR/WHICH.*.key; Call-IDs in ORIG_CID / TERM_CID.
calls() {
	local w=$1 o=$RUN_DIR/$1
	e2ae_register "$w.reg" "$UE_PORT" ue
	# originating: two lines offered, the gateway takes tag 1
	UE_MPORT=$(alloc_ports 2) CORE_MPORT=$(alloc_ports 2)
	srtp_gen_key "$SUITE" >"$o.orig.ue.key"
	srtp_gen_key AES_CM_128_HMAC_SHA1_32 >"$o.orig.ue2.key"
	e2ae_sdp_file "$o.orig.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
		"a=crypto:1 $SUITE inline:$(cat "$o.orig.ue.key")" \
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:$(cat "$o.orig.ue2.key")" \
		"a=3ge2ae:requested" "a=sendrecv"
	core_sdp "$o.orig.answer.sdp" 1 sendrecv
	e2ae_call "$w-orig" orig "$o.orig.offer.sdp" "$o.orig.answer.sdp" 500
	ORIG_CID=$E2AE_CALL_ID
	sdp_crypto_key "$RUN_DIR/$w-orig.ue.rx.sdp" 1 >"$o.orig.agw.key"
	# terminating: the UE answers tag 1 with its own key
	UE_MPORT=$(alloc_ports 2) CORE_MPORT=$(alloc_ports 2)
	srtp_gen_key "$SUITE" >"$o.term.ue.key"
	core_sdp "$o.term.offer.sdp" 1 sendrecv
	e2ae_sdp_file "$o.term.answer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
		"a=crypto:1 $SUITE inline:$(cat "$o.term.ue.key")" "a=sendrecv"
	e2ae_call "$w-term" term "$o.term.offer.sdp" "$o.term.answer.sdp" 500
	TERM_CID=$E2AE_CALL_ID
	sdp_crypto_key "$RUN_DIR/$w-term.ue.rx.sdp" 1 >"$o.term.agw1.key"
	sdp_crypto_key "$RUN_DIR/$w-term.ue.rx.sdp" 2 >"$o.term.agw2.key"
	e2ae_no_calls_left "$w"
}

# ----- LI on -----
KAM_SIP_PORT=$ON_SIP KAM_CORE_PORT=$ON_CORE
calls on
o=$RUN_DIR/on
grep 'LI-KEYS ' "$RUN_DIR/kamailio.log" | sed 's/.*LI-KEYS //' | sort >"$o.li"
{
	echo "$ORIG_CID dir=agw m=0 tag=1 $SUITE md5=$(md5 "$o.orig.agw.key")"
	echo "$ORIG_CID dir=ue m=0 tag=1 $SUITE md5=$(md5 "$o.orig.ue.key")"
	echo "$TERM_CID dir=agw m=0 tag=1 $SUITE md5=$(md5 "$o.term.agw1.key")"
	echo "$TERM_CID dir=agw m=0 tag=2 AES_CM_128_HMAC_SHA1_32 md5=$(md5 "$o.term.agw2.key")"
	echo "$TERM_CID dir=ue m=0 tag=1 $SUITE md5=$(md5 "$o.term.ue.key")"
} | sort >"$o.li.expected"
diff -u "$o.li.expected" "$o.li" >"$o.li.diff" ||
	fail "on: the LI events differ from the expected ones: $(tr '\n' ' ' <"$o.li.diff")"
note "on: $(wc -l <"$o.li") LI events, each with the right key (by MD5)"
if [ "${LI_KEMI:-0}" != 1 ]; then
	assert_grep "$RUN_DIR/kamailio.log" "media answer for $TERM_CID: e2ae with $SUITE" \
		'on: $medsec(suite) names the suite the UE chose'
	assert_grep "$RUN_DIR/kamailio.log" "media answer for $ORIG_CID: e2ae with $SUITE" \
		'on: $medsec(suite) names the suite of the gateway answer'
fi

# ----- LI off -----
KAM_SIP_PORT=$KAM_OFF_SIP_PORT KAM_CORE_PORT=$KAM_OFF_CORE_PORT
calls off
assert_no_grep "$RUN_DIR/kamailio-off.log" 'LI-KEYS|li-keys' "off: no LI event"

# ----- no raw key in any log -----
for k in "$RUN_DIR"/on.*.key "$RUN_DIR"/off.*.key; do
	for log in "$RUN_DIR/kamailio.log" "$RUN_DIR/kamailio-off.log" "$RUN_DIR/rtpengine-a.log"; do
		if grep -qF -- "$(cat "$k")" "$log"; then
			fail "the key of $(basename "$k") appears in $(basename "$log")"
		fi
	done
done
note "no key, raw, in the logs of Kamailio (LI on and off) or rtpengine"
