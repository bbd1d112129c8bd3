#!/usr/bin/env bash
# scripts/callflows.sh [OUTDIR]: the call-flow pictures of docs/callflows.md,
# drawn from packet captures of a real run, never by hand.
#
# It starts the real lab the way the tests do (test/lib.sh, test/e2ae.sh:
# rtpengine as the IMS-AGW, Kamailio with ims_medsec and the example P-CSCF
# configuration, SIPp as the UE and as the S-CSCF/core, every port drawn
# per run on 127.0.0.1, every process stopped by its pidfile), and runs five
# flows, each captured on its own by dumpcap on the loopback interface with
# a capture filter restricted to this run's SIP and ng ports:
#
#   register   REGISTER / 401 / REGISTER / 200 with Security-Client,
#              Security-Server and Security-Verify (sdes-srtp;mediasec)
#   orig       an originating e2ae call (TS 33.328 7.2.1): INVITE with two
#              crypto lines and a=3ge2ae:requested, 200, ACK, BYE
#   term       a terminating e2ae call (TS 33.328 7.3.1)
#   reinvite   an originating e2ae call put on hold and resumed with a new
#              UE key (two re-INVITEs), as test/cases/94-e2ae-reinvite.sh
#   hairpin    an e2ae call between two UEs registered with mediasec through
#              the same P-CSCF, as test/cases/62-hairpin-e2ae.sh (test/
#              hairpin.sh): UE A -> P-CSCF UE side -> S-CSCF (the Kamailio
#              proxy test/scscf.cfg) -> P-CSCF core side -> UE B, each
#              passage its own leg on rtpengine ("<Call-ID>" for A's,
#              "<Call-ID>;mt" for B's; the ng arrows show the call-id).
#              Lanes UE A, P-CSCF, IMS-AGW, S-CSCF, UE B; A's and B's
#              registrations run before the capture and are not drawn.
#
# CALLFLOWS_ONLY="NAME..." (space- or comma-separated names from the list
# above) runs and draws only those flows and leaves the other pictures in
# OUTDIR as they are, e.g. CALLFLOWS_ONLY=hairpin scripts/callflows.sh;
# unset or empty (make pictures): all five.
#
# tshark then extracts the SIP messages (-Y sip) and the ng commands and
# replies (-T fields, udp.payload), and scripts/ladder.awk draws each flow
# as a ladder diagram: OUTDIR/NAME.svg, OUTDIR/NAME.png (rsvg-convert) and
# OUTDIR/NAME.txt (the same arrows as text).  Every SDES key is masked
# ("inline:<masked>") before anything is written to OUTDIR, and the script
# fails if an unmasked key is found there.  The captures themselves (which
# hold the run's throwaway keys) stay in the run directory under
# build/callflows/ and are deleted at the end unless CALLFLOWS_KEEP_PCAP=1.
#
# Needs a built tree (make build); installs tshark and librsvg2-bin from
# Debian's archive when they are missing (non-interactively, answering
# wireshark-common's question about non-root capture with "no").
# Usage: make pictures   (or scripts/callflows.sh docs/callflows,
#        CALLFLOWS_ONLY=hairpin scripts/callflows.sh docs/callflows)
set -euo pipefail

cd "$(dirname "$0")/.."
export REPO_ROOT=$PWD
export LC_ALL=C
out=${1:-docs/callflows}
mkdir -p "$out"
out=$(cd "$out" && pwd)
export TEST_NAME=callflows
BUILD_DIR=${BUILD_DIR:-$REPO_ROOT/build}
RUN_DIR=${CALLFLOWS_RUN_DIR:-$BUILD_DIR/callflows/run-$(date +%Y%m%d-%H%M%S)-$$}
export RUN_DIR BUILD_DIR
# shellcheck source=../test/lib.sh
. test/lib.sh
# shellcheck source=../test/e2ae.sh
. test/e2ae.sh
# shellcheck source=../test/hairpin.sh
. test/hairpin.sh

t_start=$(date +%s)

# The flows of this run (CALLFLOWS_ONLY), checked before anything starts.
FLOWS="register orig term reinvite hairpin"
only=$(echo "${CALLFLOWS_ONLY:-}" | tr ',' ' ')
for f in $only; do
	case " $FLOWS " in
	*" $f "*) ;;
	*) echo "callflows: CALLFLOWS_ONLY: no flow '$f' (flows: $FLOWS)" >&2; exit 2 ;;
	esac
done
[ -n "$only" ] || only=$FLOWS
# want NAME: flow NAME is drawn in this run.
want() { case " $only " in *" $1 "*) return 0 ;; esac; return 1; }

# ----- tools -----

as_root() {
	if [ "$(id -u)" -eq 0 ]; then "$@"; else sudo -n "$@"; fi
}

# Missing Debian packages for the capture and the PNG rendering.
need_tools() {
	local missing=() p st
	for p in tshark librsvg2-bin; do
		st=$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)
		[ "$st" = "install ok installed" ] || missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	echo "callflows: installing ${missing[*]}"
	# wireshark-common asks whether non-root users may capture: no.
	echo 'wireshark-common wireshark-common/install-setuid boolean false' |
		as_root debconf-set-selections
	export DEBIAN_FRONTEND=noninteractive
	as_root apt-get update -qq
	as_root apt-get install -y -qq --no-install-recommends \
		-o Dpkg::Options::=--force-confdef -o Dpkg::Options::=--force-confold \
		"${missing[@]}" >"$BUILD_DIR/callflows-apt.log" 2>&1 || {
		cat "$BUILD_DIR/callflows-apt.log" >&2
		exit 1
	}
}

mkdir -p "$BUILD_DIR"
need_tools
command -v dumpcap >/dev/null || { echo "callflows: dumpcap not found" >&2; exit 1; }
command -v tshark >/dev/null || { echo "callflows: tshark not found" >&2; exit 1; }

# ----- capture -----

# cap_start NAME [UE_PORT...]: dumpcap on lo into NAME.pcap, only this
# run's SIP and ng ports (media is left out): the UEs' SIP ports (default
# $UE_PORT), the P-CSCF's, the S-CSCF's and rtpengine's ng port; waits
# until the capture runs.
cap_start() {
	local name=$1 f p
	shift
	[ $# -gt 0 ] || set -- "$UE_PORT"
	f="udp and (port $KAM_SIP_PORT or port $KAM_CORE_PORT"
	for p in "$@"; do
		f="$f or port $p"
	done
	f="$f or port $SCSCF_PORT or port $RTPE_A_NG)"
	start_bg "cap-$name" dumpcap dumpcap -q -P -i lo -f "$f" -w "$RUN_DIR/$name.pcap"
	wait_until 5 grep -q 'Capturing on' "$RUN_DIR/cap-$name.log" ||
		fail "dumpcap did not start (see cap-$name.log)"
	sleep 0.3
}

# cap_stop NAME: let the last packets arrive, then stop dumpcap (pidfile).
cap_stop() {
	sleep 0.5
	stop_pidfiles "$RUN_DIR/cap-$1.bg.pid" dumpcap || true
	[ -s "$RUN_DIR/$1.pcap" ] || fail "no capture for $1"
}

# ----- extraction: pcap -> arrows -----

# extract NAME [UE_PORT [UE_B_PORT]]: NAME.events (one arrow per line, see
# scripts/ladder.awk), keys masked.  Lanes: 0 UE (the SIP port UE_PORT,
# default $UE_PORT), 1 P-CSCF, 2 IMS-AGW (rtpengine), 3 S-CSCF/core; with
# UE_B_PORT (a hairpin call) also 4 UE B, and each ng command shows its
# call-id (the leg: "<Call-ID>" or "<Call-ID>;mt").  The UEs are told apart
# by their own ports: the P-CSCF's UE-side port serves both.
extract() {
	local name=$1 uea=${2:-$UE_PORT} ueb=${3:-} d=() p
	for p in "$uea" ${ueb:+"$ueb"} "$KAM_SIP_PORT" "$KAM_CORE_PORT" "$SCSCF_PORT"; do
		d+=(-d "udp.port==$p,sip")
	done
	tshark -r "$RUN_DIR/$name.pcap" -n "${d[@]}" \
		-Y "sip || udp.port == $RTPE_A_NG" \
		-T fields -E separator=/t -e frame.number -e frame.time_relative \
		-e udp.srcport -e udp.dstport -e udp.payload \
		>"$RUN_DIR/$name.fields" 2>"$RUN_DIR/$name.tshark.log" ||
		fail "tshark could not read $name.pcap (see $name.tshark.log)"
	awk -v ue="$uea" -v ueb="$ueb" -v ps="$KAM_SIP_PORT" -v pc="$KAM_CORE_PORT" \
		-v core="$SCSCF_PORT" -v ng="$RTPE_A_NG" -f /dev/fd/3 \
		"$RUN_DIR/$name.fields" >"$RUN_DIR/$name.events" 3<<'AWK'
BEGIN {
	FS = "\t"; US = "\037"
	hx = "0123456789abcdef"
	for (i = 1; i < 256; i++) CH[i] = sprintf("%c", i)
}
function lane(p) {
	if (p == ue) return 0
	if (ueb != "" && p == ueb) return 4
	if (p == ps || p == pc) return 1
	if (p == ng) return 2
	if (p == core) return 3
	return -1
}
function unhex(h,   s, i, n, v) {
	gsub(/:/, "", h); h = tolower(h); s = ""; n = length(h)
	for (i = 1; i < n; i += 2) {
		v = (index(hx, substr(h, i, 1)) - 1) * 16 + index(hx, substr(h, i + 1, 1)) - 1
		s = s (v > 0 ? CH[v] : "")
	}
	return s
}
function mask(s) {
	gsub(/inline:[^|[:space:]]*/, "inline:<masked>", s)
	return s
}
function add(s) { det = det (det == "" ? "" : US) s }
# the SDP lines worth seeing, with PREFIX
function sdp_lines(body, prefix,   n, a, i, l) {
	n = split(body, a, "\n")
	for (i = 1; i <= n; i++) {
		l = a[i]; sub(/\r$/, "", l)
		if (l ~ /^m=/ || l ~ /^a=crypto:/ || l ~ /^a=3ge2ae/ || l ~ /^a=key-mgmt/ ||
			l ~ /^a=(sendonly|recvonly|inactive)$/ || l ~ /^a=(setup|fingerprint)/)
			add(prefix mask(l))
	}
}
# ---- bencode (strings, integers, lists, dictionaries) ----
function bval(   c, n, s, r, sep) {
	c = substr(B, P, 1)
	if (c == "i") { n = index(substr(B, P), "e"); r = substr(B, P + 1, n - 2); P += n; return r }
	if (c == "l" || c == "d") {
		P++; r = ""; sep = ""
		while (P <= length(B) && substr(B, P, 1) != "e") {
			s = bval()
			if (c == "d") s = s "=" bval()
			r = r sep s; sep = ","
		}
		P++
		return (c == "l") ? r : "{" r "}"
	}
	n = index(substr(B, P), ":")
	if (n == 0) { P = length(B) + 1; return "" }
	s = substr(B, P, n - 1) + 0
	r = substr(B, P + n, s)
	P += n + s
	return r
}
function bdict(text,   k) {
	split("", BD)
	B = text; P = 1
	if (substr(B, 1, 1) != "d") return 0
	P = 2
	while (P <= length(B) && substr(B, P, 1) != "e") {
		k = bval()
		BD[k] = bval()
	}
	return 1
}
function wrap(prefix, list,   n, a, i, line) {
	n = split(list, a, ",")
	line = prefix
	for (i = 1; i <= n; i++) {
		if (length(line) + length(a[i]) > 64 && line != prefix) { add(line); line = "      " }
		line = line (line ~ / $/ ? "" : " ") a[i]
	}
	add(line)
}
{
	from = lane($3); to = lane($4)
	if (from < 0 && to == 2) from = 1    # Kamailio's ng socket: any port
	if (to < 0 && from == 2) to = 1
	if (from < 0 || to < 0) next
	text = unhex($5); det = ""; kind = "sip"
	t = sprintf("%.3f", $2)
	if (from == 2 || to == 2) {
		kind = "ng"
		sp = index(text, " ")                # "<cookie> <bencode>"
		if (!bdict(substr(text, sp + 1))) next
		if (to == 2) {
			label = "ng " BD["command"]
			# the SIP Call-ID; with two legs (a hairpin) it names the leg
			if (ueb != "" && BD["call-id"] != "") label = label "  call-id=" BD["call-id"]
			if ("transport-protocol" in BD) add("transport-protocol=" BD["transport-protocol"])
			if ("DTLS" in BD) add("DTLS=" BD["DTLS"] (("ICE" in BD) ? "  ICE=" BD["ICE"] : ""))
			if ("SDES" in BD) wrap("SDES:", BD["SDES"])
		} else {
			label = "ng reply: " BD["result"]
			if ("error-reason" in BD) add("error-reason: " BD["error-reason"])
			if ("warning" in BD) add("warning: " BD["warning"])
		}
		if ("sdp" in BD) sdp_lines(BD["sdp"], "  ")
	} else {
		n = split(text, L, "\n")
		first = L[1]; sub(/\r$/, "", first)
		cseq = ""; body = ""; inbody = 0
		for (i = 2; i <= n; i++) {
			l = L[i]; sub(/\r$/, "", l)
			if (inbody) { body = body l "\n"; continue }
			if (l == "") { inbody = 1; continue }
			if (tolower(l) ~ /^cseq:/) { cseq = l; sub(/^[^:]*: */, "", cseq) }
			if (tolower(l) ~ /^security-(client|server|verify):/) {
				gsub(/ipsec-3gpp;[^,]*/, "ipsec-3gpp;...", l)
				add(l)
			}
			if (tolower(l) ~ /^(warning|retry-after):/) add(l)
		}
		if (first ~ /^SIP\/2\.0 /) label = substr(first, 9) "  (" cseq ")"
		else {
			split(first, R, " ")
			label = R[1] " " R[2] ((cseq ~ /^1 /) ? "" : "  (CSeq " cseq ")")
		}
		sdp_lines(body, "")
	}
	printf "%s\t%s\t%d\t%d\t%s\t%s\t%s\n", $1, t, from, to, kind, label, det
}
AWK
	[ -s "$RUN_DIR/$name.events" ] || fail "no SIP or ng message extracted for $name"
}

# render NAME TITLE [hairpin]: OUTDIR/NAME.svg, .png and .txt from
# NAME.events.  Lanes UE, P-CSCF, IMS-AGW, S-CSCF/core; with "hairpin"
# UE A ($A_PORT), P-CSCF, IMS-AGW, S-CSCF (the Kamailio proxy), UE B ($B_PORT).
render() {
	local name=$1 title=$2 set=${3:-}
	local lanes="UE|P-CSCF (Kamailio + ims_medsec)|IMS-AGW (rtpengine)|S-CSCF / IMS core"
	local sub="sipp 127.0.0.1:$UE_PORT|SIP :$KAM_SIP_PORT (UE side), :$KAM_CORE_PORT (core side)|ng 127.0.0.1:$RTPE_A_NG|sipp 127.0.0.1:$SCSCF_PORT"
	local short="UE|P-CSCF|IMS-AGW|core"
	local caption="captured on loopback by scripts/callflows.sh (make pictures), $(date -u +%Y-%m-%d); SIP black, ng dashed; SDES keys masked"
	if [ "$set" = hairpin ]; then
		lanes="UE A (caller)|P-CSCF (Kamailio + ims_medsec)|IMS-AGW (rtpengine)|S-CSCF (Kamailio proxy)|UE B (callee)"
		sub="sipp 127.0.0.1:$A_PORT (uea)|SIP :$KAM_SIP_PORT (UE side), :$KAM_CORE_PORT (core side)|ng 127.0.0.1:$RTPE_A_NG|test/scscf.cfg 127.0.0.1:$SCSCF_PORT|sipp 127.0.0.1:$B_PORT (ueb)"
		short="UE A|P-CSCF|IMS-AGW|S-CSCF|UE B"
		caption="$caption; the ng call-id names the leg (A's: Call-ID, B's: Call-ID;mt)"
	fi
	awk -v title="$title" -v subtitle="$caption" -v lanes="$lanes" -v lanesub="$sub" \
		-f scripts/ladder.awk "$RUN_DIR/$name.events" >"$out/$name.svg.tmp"
	mv "$out/$name.svg.tmp" "$out/$name.svg"
	awk -F'\t' -v title="$title" -v short="$short" '
		BEGIN { split(short, N, "|"); print title; print "" }
		{
			printf "#%-3s %7ss  %-8s -> %-8s  %s\n", $1, $2, N[$3 + 1], N[$4 + 1], $6
			n = split($7, d, "\037")
			for (i = 1; i <= n; i++) if (d[i] != "") printf "%34s%s\n", "", d[i]
		}' "$RUN_DIR/$name.events" >"$out/$name.txt"
	if command -v rsvg-convert >/dev/null; then
		rsvg-convert -f png -o "$out/$name.png" "$out/$name.svg"
	else
		note "rsvg-convert missing: no PNG for $name"
	fi
	note "$name: $(wc -l <"$RUN_DIR/$name.events") arrows -> $out/$name.svg"
}

# ----- the lab and the flows -----

setup_run
e2ae_lab
UE_PORT=$(alloc_ports 1)

# --- registration (also, not captured, for the UE of orig, term and reinvite)
if want register || want orig || want term || want reinvite; then
	if want register; then cap_start register; fi
	e2ae_register reg "$UE_PORT" ue
	if want register; then cap_stop register; fi
fi

S80=AES_CM_128_HMAC_SHA1_80 S32=AES_CM_128_HMAC_SHA1_32

# --- originating e2ae call
if want orig; then
	o=$RUN_DIR/orig
	UE_MPORT=$(alloc_ports 2)
	CORE_MPORT=$(alloc_ports 2)
	srtp_gen_key "$S32" >"$o.k1.key"
	srtp_gen_key "$S80" >"$o.k2.key"
	e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
		"a=crypto:1 $S32 inline:$(cat "$o.k1.key")" "a=crypto:2 $S80 inline:$(cat "$o.k2.key")|2^31" \
		"a=3ge2ae:requested" "a=sendrecv"
	e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
	UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto "$S80")
	CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
	cap_start orig
	e2ae_call orig orig "$o.offer.sdp" "$o.answer.sdp" 500
	cap_stop orig
fi

# --- terminating e2ae call: the UE answers the AES_CM_128_HMAC_SHA1_80 line
if want term; then
	o=$RUN_DIR/term
	UE_MPORT=$(alloc_ports 2)
	CORE_MPORT=$(alloc_ports 2)
	ue_answers() {
		local o=$RUN_DIR/$1 tag
		sipp_msg_to "$o.ue.rx.msg" "$o.ue.trace" received '^INVITE '
		msg_body "$o.ue.rx.msg" >"$o.ue.rx.sdp"
		tag=$(sdp_crypto "$o.ue.rx.sdp" | awk -v s="$S80" '$2 == s { print $1; exit }')
		[ -n "$tag" ] || fail "term: the UE was offered no $S80 line"
		srtp_gen_key "$S80" >"$o.ue.key"
		e2ae_sdp_file "$o.answer.tmp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
			"a=crypto:$tag $S80 inline:$(cat "$o.ue.key")" "a=sendrecv"
		mv "$o.answer.tmp" "$o.answer.sdp"
	}
	e2ae_sdp_file "$o.offer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0 8" "a=rtpmap:0 PCMU/8000" \
		"a=rtpmap:8 PCMA/8000" "a=sendrecv"
	rm -f "$o.answer.sdp"
	UE_EXPECT=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto "$S80")
	CORE_EXPECT=(-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none)
	E2AE_ON_OFFER=ue_answers
	cap_start term
	e2ae_call term term "$o.offer.sdp" "$o.answer.sdp" 500
	cap_stop term
	E2AE_ON_OFFER=
fi

# --- re-INVITE: hold (sendonly) and resume with a new UE key
if want reinvite; then
	o=$RUN_DIR/ri
	UE_MPORT=$(alloc_ports 2)
	CORE_MPORT=$(alloc_ports 2)
	srtp_gen_key "$S80" >"$o.ue1.key"
	srtp_gen_key "$S80" >"$o.ue2.key"
	ue_sdp() { # FILE VERSION KEYFILE DIRECTION
		e2ae_sdp "$1" v=0 "o=ue 1 $2 IN IP4 127.0.0.1" s=- "c=IN IP4 127.0.0.1" "t=0 0" \
			"m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
			"a=crypto:1 $S80 inline:$(cat "$3")" "a=3ge2ae:requested" "a=$4"
	}
	ue_sdp "$o.offer.sdp" 1 "$o.ue1.key" sendrecv
	ue_sdp "$o.hold.sdp" 2 "$o.ue1.key" sendonly
	ue_sdp "$o.resume.sdp" 3 "$o.ue2.key" sendrecv
	core_sdp "$o.answer.sdp" 1 sendrecv
	core_sdp "$o.hold_answer.sdp" 2 recvonly
	core_sdp "$o.resume_answer.sdp" 3 sendrecv
	cap_start reinvite
	e2ae_sipp ri.core life_uas_reinvite.xml "$SCSCF_PORT" -d 100 \
		-key answer_sdp "$o.answer.sdp" -key hold_answer_sdp "$o.hold_answer.sdp" \
		-key resume_answer_sdp "$o.resume_answer.sdp"
	core_pid=$BG_PID
	e2ae_sipp_bound "$SCSCF_PORT"
	e2ae_sipp ri.ue life_uac_reinvite.xml "$UE_PORT" -d 1000 -cid_str "ri-$$-$RANDOM@e2ae.test" \
		-key ruri "sip:bob@ims.test" -key user ue -key offer_sdp "$o.offer.sdp" \
		-key hold_sdp "$o.hold.sdp" -key resume_sdp "$o.resume.sdp" \
		"127.0.0.1:$KAM_SIP_PORT"
	ue_pid=$BG_PID
	e2ae_sipp_wait ri.ue "$ue_pid" "reinvite: UE (call, hold, resume, BYE)"
	e2ae_sipp_wait ri.core "$core_pid" "reinvite: core (call, hold, resume, BYE)"
	cap_stop reinvite
fi

# --- hairpin e2ae call (test/cases/62-hairpin-e2ae.sh, call "hp"): A and B
# register with mediasec before the capture (the SIPp registrar on
# SCSCF_PORT), then the Kamailio S-CSCF takes that port and sends A's
# INVITE back to the P-CSCF's core side for B.  A offers _80 (tag 1) and
# _32 (tag 2) with a=3ge2ae:requested; B picks _80 with a key of its own.
# shellcheck disable=SC2034 # A_MPORT, B_MPORT, HP_*: read by test/hairpin.sh
if want hairpin; then
	A_PORT=$(alloc_ports 1)
	B_PORT=$(alloc_ports 1)
	e2ae_register rega "$A_PORT" uea
	e2ae_register regb "$B_PORT" ueb
	hairpin_scscf "sip:ueb@127.0.0.1:$B_PORT"
	A_MPORT=$(alloc_ports 2)
	B_MPORT=$(alloc_ports 2)
	hairpin_ue_offer hp "$S80" "$S32"
	HP_A_KEYS=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto "$S80")
	HP_B_KEYS=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto "$S80")
	HP_ON_OFFER=hairpin_b_answers HP_ON_UP=''
	cap_start hairpin "$A_PORT" "$B_PORT"
	hairpin_call hp 500
	cap_stop hairpin
	# what the picture must show: the core plain, on gateway ports only, and
	# both legs gone after the BYE
	hairpin_core_plain hp "$HP_CID" hairpin "INVITE cseq=1 INVITE" "200 cseq=1 INVITE"
	hairpin_core_on_gateway hp "$HP_CID" hairpin
	e2ae_no_calls_left hairpin
fi

# ----- pictures -----

for f in register orig term reinvite; do
	if want "$f"; then extract "$f"; fi
done
if want hairpin; then extract hairpin "$A_PORT" "$B_PORT"; fi
if want register; then
	render register "Registration with sdes-srtp;mediasec (TS 24.229 7.2A.7, TS 33.328 7.1)"
fi
if want orig; then render orig "Originating e2ae call (TS 33.328 7.2.1)"; fi
if want term; then render term "Terminating e2ae call (TS 33.328 7.3.1)"; fi
if want reinvite; then
	render reinvite "Originating e2ae call: hold and resume with a new UE key (re-INVITEs)"
fi
if want hairpin; then
	render hairpin "Hairpin e2ae call: UE A and UE B through the same P-CSCF, two legs on the IMS-AGW" hairpin
fi

# Nothing written may hold a key.
if grep -El 'inline:([^<&]|$)' "$out"/*.svg "$out"/*.txt; then
	fail "an unmasked SDES key in the output (files above)"
fi
if [ "${CALLFLOWS_KEEP_PCAP:-0}" != 1 ]; then
	rm -f "$RUN_DIR"/*.pcap
fi
note "pictures in $out ($(($(date +%s) - t_start)) s); run directory $RUN_DIR"
