# shellcheck shell=bash
#
# test/hairpin.sh: helpers for the hairpin cases (test/cases/62-64): two
# UEs registered through the same P-CSCF call each other, so the call
# passes the P-CSCF twice, each passage being its own leg on the gateway:
#
#   UE A sipp --> P-CSCF UE side (medsec_offer "ue")  --> P-CSCF core side
#     --> S-CSCF (Kamailio, test/scscf.cfg, on $SCSCF_PORT)
#     --> P-CSCF core side (medsec_offer "core") --> P-CSCF UE side --> UE B sipp
#   media: A <-SRTP key A-> rtpengine <-RTP-> rtpengine <-SRTP key B-> B
#
# Sourced after lib.sh and e2ae.sh:
#
#   . "$(dirname "$0")/../lib.sh"
#   . "$(dirname "$0")/../e2ae.sh"
#   . "$(dirname "$0")/../hairpin.sh"
#   setup_run
#   e2ae_lab                                 # rtpengine, P-CSCF, SCSCF_PORT
#   A_PORT=$(alloc_ports 1) B_PORT=$(alloc_ports 1)     # the UEs' SIP ports
#   e2ae_register rega "$A_PORT" uea         # with the SIPp registrar
#   e2ae_register regb "$B_PORT" ueb
#   hairpin_scscf "sip:ueb@127.0.0.1:$B_PORT" # then the Kamailio S-CSCF
#   A_MPORT=$(alloc_ports 2) B_MPORT=$(alloc_ports 2)   # their media ports
#   hairpin_ue_offer ID AES_CM_128_HMAC_SHA1_80   # A's e2ae offer
#   HP_A_KEYS=(-key exp_proto RTP/SAVP ...) HP_B_KEYS=(...)  # sipp checks
#   HP_ON_OFFER=hairpin_b_answers            # B answers from its offer
#   HP_ON_UP=my_probe                        # e.g. hairpin_probe_far ...
#   hairpin_call ID
#
# The S-CSCF logs one "SCSCF-SDP ..." line per SDP it relays (secure or
# plain, never a key): hairpin_core_plain checks that the IMS core saw
# plain RTP/AVP only.  Key files are *.key in the run directory; SIPp
# traces holding keys are *.trace (masked copies *.log, as in e2ae.sh).

HP_SCSCF_CFG=$REPO_ROOT/test/scscf.cfg
# S-CSCFs started so far (each gets its own log: kamailio-scscf[N].log)
HP_SCSCF_N=0
HP_SCSCF_PIDFILE=''
HP_SCSCF_LOG=''
# The suite UE B picks from the gateway's offer (hairpin_b_answers).
HP_B_SUITE=${HP_B_SUITE:-AES_CM_128_HMAC_SHA1_80}

# ----- lab -----

# hairpin_lab: the e2ae lab (e2ae_lab; Kamailio defines in
# E2AE_KAM_DEFINES), UE A ("uea" on A_PORT) and UE B ("ueb" on B_PORT)
# registered with sdes-srtp;mediasec through the P-CSCF, and the S-CSCF
# sending A's calls back to B's contact (hairpin_scscf).
hairpin_lab() {
	e2ae_lab
	A_PORT=$(alloc_ports 1)
	B_PORT=$(alloc_ports 1)
	e2ae_register rega "$A_PORT" uea
	e2ae_register regb "$B_PORT" ueb
	hairpin_scscf "sip:ueb@127.0.0.1:$B_PORT"
}

# ----- S-CSCF -----

# hairpin_scscf TERM_URI [TERM_URI2]: start the Kamailio S-CSCF on
# $SCSCF_PORT (stopping the one started before, if any), sending initial
# INVITEs to TERM_URI (and TERM_URI2: a parallel fork) through the P-CSCF's
# core side.  The SIPp registrar of e2ae_register must have ended (it uses
# the same port).  Sets HP_SCSCF_LOG (kamailio-scscf[N].log) and
# HP_SCSCF_PIDFILE.  Extra Kamailio defines: the array HP_SCSCF_DEFINES.
hairpin_scscf() {
	local name v pf defs=("SCSCF_PORT=$SCSCF_PORT" "TERM_URI=\"$1\"")
	if [ -n "${2:-}" ]; then
		defs+=("TERM_URI2=\"$2\"")
	fi
	hairpin_scscf_stop
	wait_until 5 _hp_port_free "$SCSCF_PORT" ||
		fail "UDP port $SCSCF_PORT (S-CSCF) is still taken (the registrar sipp?)"
	HP_SCSCF_N=$((HP_SCSCF_N + 1))
	name=scscf
	[ "$HP_SCSCF_N" -gt 1 ] && name=scscf$HP_SCSCF_N
	start_kamailio -n "$name" "$HP_SCSCF_CFG" "${defs[@]}" \
		${HP_SCSCF_DEFINES[@]+"${HP_SCSCF_DEFINES[@]}"}
	v=$(_var "$name")
	pf=KAM_${v}_PIDFILE
	HP_SCSCF_PIDFILE=${!pf}
	# shellcheck disable=SC2034 # for the cases
	HP_SCSCF_LOG=$RUN_DIR/kamailio-$name.log
	note "S-CSCF ($name) on 127.0.0.1:$SCSCF_PORT: INVITEs to $1${2:+ and $2}"
}

_hp_port_free() { ! port_bound "$1" udp; }

# hairpin_scscf_stop: stop the S-CSCF (by its pidfile), if one runs (e.g.
# before a registration, whose SIPp registrar needs SCSCF_PORT).
hairpin_scscf_stop() {
	[ -n "$HP_SCSCF_PIDFILE" ] || return 0
	stop_pidfiles "$HP_SCSCF_PIDFILE" kamailio || fail "the S-CSCF needed SIGKILL"
	HP_SCSCF_PIDFILE=''
}

# hairpin_register NAME PORT USER [-key K V]...: e2ae_register, after
# stopping the Kamailio S-CSCF if it runs (start it again afterwards).
hairpin_register() {
	hairpin_scscf_stop
	e2ae_register "$@"
}

# hairpin_register_plain NAME PORT USER: a UE registered without
# sdes-srtp;mediasec (IPsec only); the P-CSCF must not indicate mediasec.
hairpin_register_plain() {
	local name=$1 port=$2 user=$3
	shift 3
	hairpin_register "$name" "$port" "$user" -key sec_client "$E2AE_IPSEC_CLIENT" \
		-key exp401 none -key exp200 none "$@"
}

# hairpin_scscf_lines ID CID: the S-CSCF's SCSCF-SDP lines of call CID
# (every S-CSCF log of the run) into ID.scscf.sdp (no keys in them).
hairpin_scscf_lines() {
	local f
	: >"$RUN_DIR/$1.scscf.sdp"
	for f in "$RUN_DIR"/kamailio-scscf*.log; do
		[ -f "$f" ] || continue
		grep -F " call=$2 from=" "$f" | sed -n 's/.*\(SCSCF-SDP .*\)/\1/p' >>"$RUN_DIR/$1.scscf.sdp" || true
	done
}

# hairpin_core_plain ID CID WHAT [EXPECT...]: what the IMS core (the
# S-CSCF) relayed for call CID had no secure SDP at all (no a=crypto,
# a=3ge2ae, RTP/SAVP, UDP/TLS, a=fingerprint, a=key-mgmt) and every SDP's
# first m= line was RTP/AVP; each EXPECT ("INVITE cseq=1 INVITE",
# "200 cseq=1 INVITE", ...: method or status, then the CSeq) was seen with
# plain SDP.  Leaves the lines in ID.scscf.sdp.
hairpin_core_plain() {
	local id=$1 cid=$2 what=$3 e w c f=$RUN_DIR/$1.scscf.sdp
	shift 3
	hairpin_scscf_lines "$id" "$cid"
	[ -s "$f" ] || fail "$what: the S-CSCF relayed no SDP of call $cid"
	assert_no_grep "$f" '^SCSCF-SDP [^ ]+ secure' "$what: the IMS core saw secure SDP"
	if grep -v ' proto=RTP/AVP ' "$f" | grep -q .; then
		fail "$what: an SDP in the core is not RTP/AVP: $(grep -v ' proto=RTP/AVP ' "$f" | head -n 1)"
	fi
	for e in "$@"; do
		w=${e%% *} c=${e#* }
		grep -qF "SCSCF-SDP $w plain proto=RTP/AVP $c call=$cid " "$f" ||
			fail "$what: the S-CSCF relayed no plain RTP/AVP '$w' ($c) (saw: $(cut -d' ' -f2-5 "$f" | tr '\n' ';'))"
	done
}

# hairpin_core_on_gateway ID CID WHAT: every SDP the S-CSCF relayed for
# call CID (offers and answers, each leg's core side) had its media on the
# gateway (the port of its first m= line is rtpengine's): both passages
# anchor the call, no UE address reaches the core.  After
# hairpin_core_plain (reads ID.scscf.sdp).
hairpin_core_on_gateway() {
	local p bad
	bad=$(sed -n 's/.* port=\([^ ]*\)$/\1/p' "$RUN_DIR/$1.scscf.sdp" | while read -r p; do
		case $p in
		'' | *[!0-9]*) echo "$p" ;;
		*) if [ "$p" -lt "$RTPE_A_PORT_MIN" ] || [ "$p" -gt "$RTPE_A_PORT_MAX" ]; then echo "$p"; fi ;;
		esac
	done | tr '\n' ' ')
	[ -z "$bad" ] || fail "$3: SDP in the core with media ports not on the gateway: $bad"
	[ -n "$(sed -n 's/.* port=\([0-9]*\)$/\1/p' "$RUN_DIR/$1.scscf.sdp")" ] ||
		fail "$3: no media port in the S-CSCF's SDP lines"
}

# hairpin_core_all_plain WHAT: no S-CSCF log of the run holds a secure SDP
# (nor a key), and the S-CSCF logged no error (a message it could not
# route, such as a reply without a Via left).
hairpin_core_all_plain() {
	local f
	for f in "$RUN_DIR"/kamailio-scscf*.log; do
		[ -f "$f" ] || continue
		assert_no_grep "$f" 'SCSCF-SDP [^ ]+ secure' "$1: the IMS core saw secure SDP"
		assert_no_grep "$f" 'inline:' "$1: a key in the S-CSCF's log"
		assert_no_grep "$f" ' (ERROR|CRITICAL):' "$1: the S-CSCF logged an error"
	done
}

# ----- SDP of the UEs -----

# hairpin_ue_offer ID SUITE...: UE A's e2ae offer in ID.offer.sdp: RTP/SAVP
# on $A_MPORT (PCMU, PCMA), one crypto line per SUITE (tags 1..) with
# fresh keys ID.a<tag>.key, a=3ge2ae:requested.
hairpin_ue_offer() {
	local id=$1 o=$RUN_DIR/$1 tag=0 s
	shift
	local -a lines=("m=audio $A_MPORT RTP/SAVP 0 8" "a=rtpmap:0 PCMU/8000" "a=rtpmap:8 PCMA/8000")
	for s in "$@"; do
		tag=$((tag + 1))
		srtp_gen_key "$s" >"$o.a$tag.key"
		lines+=("a=crypto:$tag $s inline:$(cat "$o.a$tag.key")")
	done
	lines+=("a=3ge2ae:requested" "a=sendrecv")
	e2ae_sdp_file "$o.offer.sdp" uea "${lines[@]}"
}

# hairpin_plain_offer ID: UE A's plain offer (RTP/AVP on $A_MPORT, PCMU and
# PCMA) in ID.offer.sdp.
hairpin_plain_offer() {
	e2ae_sdp_file "$RUN_DIR/$1.offer.sdp" uea "m=audio $A_MPORT RTP/AVP 0 8" \
		"a=rtpmap:0 PCMU/8000" "a=rtpmap:8 PCMA/8000" "a=sendrecv"
}

# hairpin_answer_to OUT OFFER PREFIX PORT [KEYFILE]: write into OUT the
# answer of a UE on media PORT to the SDP in file OFFER: with crypto lines
# in the offer, RTP/SAVP with the line of $HP_B_SUITE (its tag) and the
# key of KEYFILE (default PREFIX.key; a new one is written there when the
# file is empty or missing); PREFIX.tag gets the tag, PREFIX.gw.key the
# offered key of that tag.  Without crypto lines: plain RTP/AVP.  Payload
# types: $HP_ANSWER_PTS (default 0), with the offer's a=rtpmap / a=fmtp
# lines of them; the direction answers the offer's (sendonly -> recvonly,
# recvonly -> sendonly, inactive -> inactive, else sendrecv).
hairpin_answer_to() {
	local out=$1 offer=$2 p=$3 port=$4 key=${5:-$3.key} tag dir pt l proto=RTP/AVP
	local -a lines=()
	case $(dir_of "$offer") in
	sendonly) dir=recvonly ;;
	recvonly) dir=sendonly ;;
	inactive) dir=inactive ;;
	*) dir=sendrecv ;;
	esac
	for pt in ${HP_ANSWER_PTS:-0}; do
		l=$(grep -m 1 "^a=rtpmap:$pt " "$offer" | tr -d '\r') || true
		if [ -z "$l" ] && [ "$pt" = 0 ]; then
			l="a=rtpmap:0 PCMU/8000"
		fi
		[ -z "$l" ] || lines+=("$l")
		l=$(grep -m 1 "^a=fmtp:$pt " "$offer" | tr -d '\r') || true
		[ -z "$l" ] || lines+=("$l")
	done
	if [ -n "$(sdp_crypto "$offer")" ]; then
		proto=RTP/SAVP
		tag=$(sdp_crypto "$offer" | awk -v s="$HP_B_SUITE" '$2 == s { print $1; exit }')
		[ -n "$tag" ] || fail "${p##*/}: no $HP_B_SUITE line offered: $(sdp_crypto "$offer" | tr '\n' ' ')"
		echo "$tag" >"$p.tag"
		sdp_crypto_key "$offer" "$tag" >"$p.gw.key"
		[ -s "$key" ] || srtp_gen_key "$HP_B_SUITE" >"$key"
		lines+=("a=crypto:$tag $HP_B_SUITE inline:$(cat "$key")")
	else
		rm -f "$p.tag" "$p.gw.key"
	fi
	e2ae_sdp_file "$out.tmp" ue "m=audio $port $proto ${HP_ANSWER_PTS:-0}" \
		"${lines[@]}" "a=$dir"
	mv "$out.tmp" "$out"
}

# hairpin_b_answers ID (an HP_ON_OFFER hook): UE B answers the INVITE it
# received (ID.b.rx.sdp) on $B_MPORT: RTP/SAVP with the $HP_B_SUITE line
# and its own key ID.b.key when it was offered SDES (ID.b.tag, ID.b.gw.key:
# the gateway's key of that tag), else RTP/AVP; written to ID.answer.sdp.
hairpin_b_answers() {
	local o=$RUN_DIR/$1
	sipp_msg_to "$o.b.rx.msg" "$o.b.trace" received '^INVITE '
	msg_body "$o.b.rx.msg" >"$o.b.rx.sdp"
	# shellcheck disable=SC2153 # B_MPORT: set by the case
	hairpin_answer_to "$o.answer.sdp" "$o.b.rx.sdp" "$o.b" "$B_MPORT"
}

# ----- calls -----

# hairpin_call ID [HOLD_MS]: UE A (sipp on $A_PORT, user $HP_A_USER,
# default uea; scenario $HP_A_SF, default e2ae_uac_call.xml) calls
# sip:ueb@ims.test through the P-CSCF's UE side ($HP_PCSCF_PORT, default
# KAM_SIP_PORT) with the SDP of ID.offer.sdp; the S-CSCF sends it to UE B (sipp on
# $B_PORT, scenario $HP_B_SF, default e2ae_uas_call.xml; its sipp -d is
# $HP_B_D, default E2AE_UE_ANSWER_DELAY_MS: the answer's delay in
# e2ae_uas_call.xml, the call's length in hairpin_uas_bye.xml) with the SDP of
# ID.answer.sdp.  A hangs up HOLD_MS (default E2AE_HOLD_MS) after its ACK
# (sipp -d of A).  Extra sipp arguments: the arrays HP_A_KEYS, HP_B_KEYS
# (e.g. -key exp_proto RTP/SAVP ...: the scenarios' own checks).  Hooks
# (function names, called with ID):
#   HP_ON_OFFER  once B received the INVITE (it may write ID.answer.sdp);
#   HP_ON_UP     once B received the ACK (the SDPs are extracted first).
# Then both sipps must succeed (HP_NO_ASSERT=1: the case judges from
# HP_A_RC / HP_B_RC).  Sets HP_CID (the Call-ID).  Traces ID.a.trace and
# ID.b.trace; what each UE sent and received is extracted (hairpin_extract).
hairpin_call() {
	local id=$1 hold=${2:-$E2AE_HOLD_MS} o=$RUN_DIR/$1 apid bpid arc=0 brc=0
	local asf=${HP_A_SF:-e2ae_uac_call.xml} bsf=${HP_B_SF:-e2ae_uas_call.xml}
	local bd=${HP_B_D:-$E2AE_UE_ANSWER_DELAY_MS} answer=$o.answer.sdp agate='' bgate=''
	local -a aargs=() bargs=()
	HP_CID="$id-$$-$RANDOM@hairpin.test"
	[ -f "$o.answer.sdp" ] || : >"$o.answer.sdp"
	# Gates (test/lib.sh), so that the hooks never race the scenarios'
	# timers: B reads its answer when HP_ON_OFFER returned (and, in
	# e2ae_uas_call.xml, rings 100 ms at least instead of its delay); with
	# a hook, a UE whose scenario declares hold_gate (hangs up, cancels,
	# rejects) waits at it until the last hook returned (with HP_ON_UP,
	# 200 ms at least instead of its hold).
	if [ -n "${HP_ON_OFFER:-}" ]; then
		answer=$(gate_new "$id.answer")
		if [ "$bsf" = e2ae_uas_call.xml ] && [ "$bd" -gt 100 ]; then
			bd=100
		fi
	fi
	if [ -n "${HP_ON_OFFER:-}${HP_ON_UP:-}" ]; then
		if sipp_has_hold_gate "$asf"; then
			agate=$(gate_new "$id.a.hold")
			aargs=(-set hold_gate "$agate")
			[ -z "${HP_ON_UP:-}" ] || [ "$hold" -le 200 ] || hold=200
		fi
		if sipp_has_hold_gate "$bsf"; then
			bgate=$(gate_new "$id.b.hold")
			bargs=(-set hold_gate "$bgate")
			[ -z "${HP_ON_UP:-}" ] || [ "$bd" -le 200 ] || bd=200
		fi
	fi
	e2ae_sipp "$id.b" "$bsf" "$B_PORT" -d "$bd" -key answer_sdp "$answer" \
		${HP_B_KEYS[@]+"${HP_B_KEYS[@]}"} ${bargs[@]+"${bargs[@]}"}
	bpid=$BG_PID
	e2ae_sipp_bound "$B_PORT"
	e2ae_sipp "$id.a" "$asf" "$A_PORT" -d "$hold" \
		-cid_str "$HP_CID" -key ruri "sip:ueb@ims.test" -key user "${HP_A_USER:-uea}" \
		-key offer_sdp "$o.offer.sdp" ${HP_A_KEYS[@]+"${HP_A_KEYS[@]}"} ${aargs[@]+"${aargs[@]}"} \
		"127.0.0.1:${HP_PCSCF_PORT:-$KAM_SIP_PORT}"
	apid=$BG_PID
	if [ -n "${HP_ON_OFFER:-}" ]; then
		wait_until 10 sipp_saw "$o.b.trace" received '^INVITE ' ||
			fail "$id: UE B received no INVITE (A received: $(sipp_received "$o.a.trace" | tr -d '\r' | tr '\n' ',' | sed 's/,$//'))"
		"$HP_ON_OFFER" "$id"
		gate_open "$answer" "$o.answer.sdp"
	fi
	if [ -n "${HP_ON_UP:-}" ]; then
		if wait_until 10 sipp_saw "$o.b.trace" received '^ACK '; then
			hairpin_extract "$id"
			"$HP_ON_UP" "$id"
		fi
	fi
	[ -z "$agate" ] || gate_open "$agate"
	[ -z "$bgate" ] || gate_open "$bgate"
	wait "$apid" || arc=$?
	wait "$bpid" || brc=$?
	e2ae_mask_traces
	hairpin_extract "$id"
	# shellcheck disable=SC2034 # for the case
	HP_A_RC=$arc HP_B_RC=$brc
	if [ "${HP_NO_ASSERT:-0}" != 1 ]; then
		assert_sipp_ok "$id.a" "$arc" "$id: UE A (caller)"
		assert_sipp_ok "$id.b" "$brc" "$id: UE B (callee)"
	fi
}

# hairpin_extract ID: the initial INVITE and its 200 as each UE saw them:
# ID.a.tx.{msg,sdp} (A's INVITE), ID.a.rx.{msg,sdp} (the 200 A received),
# ID.b.rx.{msg,sdp} (the INVITE B received), ID.b.tx.{msg,sdp} (B's 200);
# empty when there was none.
hairpin_extract() {
	local o=$RUN_DIR/$1
	if [ -f "$o.a.trace" ]; then
		msg_cseq "$o.a.tx.msg" "$o.a.trace" sent '^INVITE ' '1 INVITE' || : >"$o.a.tx.msg"
		msg_cseq "$o.a.rx.msg" "$o.a.trace" received '^SIP/2\.0 200 ' '1 INVITE' || : >"$o.a.rx.msg"
	fi
	if [ -f "$o.b.trace" ]; then
		msg_cseq "$o.b.rx.msg" "$o.b.trace" received '^INVITE ' '1 INVITE' || : >"$o.b.rx.msg"
		msg_cseq "$o.b.tx.msg" "$o.b.trace" sent '^SIP/2\.0 200 ' '1 INVITE' || : >"$o.b.tx.msg"
	fi
	local f
	for f in a.tx a.rx b.rx b.tx; do
		[ -f "$o.$f.msg" ] && msg_body "$o.$f.msg" >"$o.$f.sdp"
	done
	return 0
}

# ----- checks -----

# hairpin_holds CID: rtpengine holds both legs of the hairpin call CID:
# "CID" (A's, the originating leg) and "CID;mt" (B's, the terminating leg).
hairpin_holds() {
	ng_holds "$RTPE_A_NG" "$1" && ng_holds "$RTPE_A_NG" "$1;mt"
}

# hairpin_assert_legs CID WHAT: hairpin_holds, with the list in the failure.
hairpin_assert_legs() {
	if ! hairpin_holds "$1"; then
		rngctl "$RTPE_A_NG" list >"$RUN_DIR/list.out" 2>&1 || true
		fail "$2: rtpengine does not hold both legs '$1' and '$1;mt' (list: $(tr '\n' ' ' <"$RUN_DIR/list.out"))"
	fi
}

# hairpin_check_ue_answer FILE SUITE TAG WHAT: an e2ae answer to a UE's
# offer: RTP/SAVP on the gateway, exactly one crypto line (TAG SUITE), one
# a=3ge2ae:applied, no DTLS.
hairpin_check_ue_answer() {
	assert_agw_sdp "$1" "$4"
	assert_grep "$1" '^m=audio [0-9]+ RTP/SAVP ' "$4: RTP/SAVP"
	assert_eq "$(sdp_crypto "$1" | tr '\n' ' ')" "$3 $2 " "$4: exactly one crypto line, the UE's tag and suite"
	assert_eq "$(msg_count "$1" '^a=3ge2ae:')" 1 "$4: one e2ae indication"
	assert_grep "$1" '^a=3ge2ae:applied$' "$4: a=3ge2ae:applied"
	assert_no_grep "$1" '^a=(fingerprint|setup|key-mgmt)' "$4: no other keying toward the UE"
}

# hairpin_check_ue_offer FILE WHAT: an e2ae offer to a UE: RTP/SAVP on the
# gateway, crypto lines for the policy suites (AES_CM_128_HMAC_SHA1_80
# first), distinct tags, one a=3ge2ae:applied, no DTLS.
hairpin_check_ue_offer() {
	assert_agw_sdp "$1" "$2"
	assert_grep "$1" '^m=audio [0-9]+ RTP/SAVP ' "$2: RTP/SAVP"
	assert_eq "$(sdp_crypto "$1" | awk '{ print $2 }' | tr '\n' ' ')" \
		"${HP_POLICY_SUITES:-AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32} " \
		"$2: crypto offers of the policy suites, preferred first"
	assert_eq "$(sdp_crypto "$1" | awk '{ print $1 }' | sort | uniq -d)" "" "$2: crypto tags are distinct"
	assert_eq "$(msg_count "$1" '^a=3ge2ae:')" 1 "$2: one e2ae indication"
	assert_grep "$1" '^a=3ge2ae:applied$' "$2: a=3ge2ae:applied"
	assert_no_grep "$1" '^a=(fingerprint|setup|key-mgmt)' "$2: no other keying toward the UE"
}

# hairpin_check_plain FILE WHAT: plain SDP toward a UE without e2ae:
# RTP/AVP on the gateway, no crypto, no indication, no other keying.
hairpin_check_plain() {
	assert_agw_sdp "$1" "$2"
	assert_grep "$1" '^m=audio [0-9]+ RTP/AVP ' "$2: RTP/AVP"
	assert_no_grep "$1" '^a=crypto' "$2: no crypto line"
	assert_no_grep "$1" '^a=3ge2ae' "$2: no e2ae indication"
	assert_no_grep "$1" '^a=(fingerprint|setup|key-mgmt)' "$2: no other keying"
}

# hairpin_not_own_key KEYFILE WHAT OWN...: the gateway's key (KEYFILE) is
# none of the UE keys OWN... (files).
hairpin_not_own_key() {
	local k=$1 what=$2 f
	shift 2
	[ -s "$k" ] || fail "$what: no key"
	for f in "$@"; do
		if [ -f "$f" ] && cmp -s "$k" "$f"; then
			fail "$what: the gateway's key is a UE's own key (${f#"$RUN_DIR"/})"
		fi
	done
}

# ----- media -----

# hairpin_probe_far ID A_SUITE A_TX A_RX B_SUITE B_TX B_RX [A_RX_SDP B_RX_SDP]:
# srtp_probe --far-srtp between UE A (the probe's "ue" end, on $A_MPORT,
# sending to the address of the SDP A received, default ID.a.rx.sdp) and
# UE B (its "core" end, on $B_MPORT, sending to the address of the SDP B
# received, default ID.b.rx.sdp), each end with its own keys (files: TX
# its own, RX the gateway's).  Asserts the verdict and the counts, notes
# them; output ID.probe.log (no keys).
hairpin_probe_far() {
	local id=$1 as=$2 atx=$3 arx=$4 bs=$5 btx=$6 brx=$7 o=$RUN_DIR/$1 rc=0
	local ars=${8:-$RUN_DIR/$1.a.rx.sdp} brs=${9:-$RUN_DIR/$1.b.rx.sdp}
	if [ ! -s "$ars" ] || [ ! -s "$brs" ]; then
		fail "$id: no SDP to probe with"
	fi
	"$SRTP_PROBE" --far-srtp --suite "$as" --core-suite "$bs" "${E2AE_PROBE_OPTS[@]}" \
		--ue-local "127.0.0.1:$A_MPORT" \
		--ue-remote "$(hostport "$(sdp_conn_addr "$ars")" "$(sdp_media_port "$ars")")" \
		--ue-remote-rtcp "$(hostport "$(sdp_conn_addr "$ars")" "$(sdp_rtcp_port "$ars")")" \
		--core-local "127.0.0.1:$B_MPORT" \
		--core-remote "$(hostport "$(sdp_conn_addr "$brs")" "$(sdp_media_port "$brs")")" \
		--core-remote-rtcp "$(hostport "$(sdp_conn_addr "$brs")" "$(sdp_rtcp_port "$brs")")" \
		--ue-tx-key-file "$atx" --ue-rx-key-file "$arx" \
		--core-tx-key-file "$btx" --core-rx-key-file "$brx" >"$o.probe.log" 2>&1 || rc=$?
	sed "s/^/$id probe: /" "$o.probe.log" | grep -E ': (ue |core |ue->core|core->ue|srtcp|rtcp|VERDICT|usage|srtp_probe)' >&2 || true
	assert_grep "$o.probe.log" '^VERDICT: PASS$' "$id: srtp_probe --far-srtp verdict (exit $rc)"
	assert_eq "$rc" 0 "$id: srtp_probe exit status"
	local n='(48|49|50)'
	assert_grep "$o.probe.log" "^ue->core: sent 50 srtp, received $n srtp, decrypted $n, payloads ok $n\$" \
		"$id: SRTP from A (A's key) arrived at B as SRTP under the gateway's key for B"
	assert_grep "$o.probe.log" "^core->ue: sent 50 srtp, received $n srtp, decrypted $n, payloads ok $n\$" \
		"$id: SRTP from B (B's key) arrived at A as SRTP under the gateway's key for A"
	assert_grep "$o.probe.log" '^srtcp ue->core: ok' "$id: SRTCP A->B"
	assert_grep "$o.probe.log" '^srtcp core->ue: ok' "$id: SRTCP B->A"
	note "NOTE: $id media (A $as, B $bs, each its own keys): $(grep -E '^(ue->core|core->ue): |^srtcp ' "$o.probe.log" | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
}

# hairpin_probe_mixed ID E2AE_SIDE SUITE TX RX: a call with one e2ae end
# and one plain end: e2ae_probe (SRTP <-> RTP) with the e2ae end (a or b)
# as the probe's UE and the other end as its core; TX / RX: the e2ae end's
# own key and the gateway's key (files).
hairpin_probe_mixed() {
	local id=$1 side=$2 o=$RUN_DIR/$1 other
	# UE_MPORT / CORE_MPORT: read by e2ae_probe
	# shellcheck disable=SC2034
	case $side in
	a) other=b UE_MPORT=$A_MPORT CORE_MPORT=$B_MPORT ;;
	b) other=a UE_MPORT=$B_MPORT CORE_MPORT=$A_MPORT ;;
	*) fail "hairpin_probe_mixed: side a or b, not $side" ;;
	esac
	cp "$o.$side.rx.sdp" "$o.ue.rx.sdp"
	cp "$o.$other.rx.sdp" "$o.core.rx.sdp"
	e2ae_probe "$id" "$3" "$4" "$5"
}
