# shellcheck shell=bash
#
# test/baresip.sh: a user agent that is not ours, Debian's baresip 1.0.0
# (package baresip-core), as an e2ae UE in the real-process cases, and a
# plain RTP end for the core side played in bash.  Sourced after lib.sh and
# e2ae.sh:
#
#   . "$(dirname "$0")/../lib.sh"
#   . "$(dirname "$0")/../e2ae.sh"
#   . "$(dirname "$0")/../baresip.sh"
#
# baresip runs with its own configuration directory in the run directory
# ($RUN_DIR/NAME/: config, accounts, the wav file it sends, the wav files
# its sndfile filter writes), everything on 127.0.0.1: SIP on the port the
# case gives (UDP and TCP), media on ports of alloc_ports, a DNS server on
# a loopback port where nothing listens (so no lookup leaves the machine),
# no STUN/TURN/ICE, no console, no sound device:
#
#   audio source   aufile: a wav file of a tone (G.711 levels, see below)
#   audio player   aubridge (a device nobody reads: no sound card needed)
#   sndfile        dumps what it encodes and what it decoded into
#                  NAME/snd/dump-<time>-{enc,dec}.wav
#   srtp           SDES (mediaenc=srtp-mand: RTP/SAVP and a=crypto only)
#   answermode     auto (it rings with a 180, then answers 200 at once)
#   rtp_stats      packet and error counters at the end of each call
#
# baresip -s traces every SIP message on stdout, keys included: its output
# goes to NAME.stdout and e2ae_mask_traces masks it into NAME.log (as for
# SIPp).  stdbuf makes that output line-buffered, so it is readable while
# baresip runs.  It is stopped through its pidfile (start_bg), never by
# name; -t ends it by itself after BARESIP_MAX_SECS in any case.
#
# Tones: a tone is a cycle of G.711 mu-law codes (tone_codes), sent as the
# 16-bit levels those codes decode to, so that the codes that come out of
# a G.711 encoder are exactly known: what arrives at the far end can be
# compared byte for byte (plain RTP) or sample for sample (decoded audio).

BARESIP=${BARESIP:-baresip}
BARESIP_MAX_SECS=${BARESIP_MAX_SECS:-120}

# mu-law (ITU-T G.711) in awk without bit operations (Debian's awk is mawk).
_ULAW_AWK='
function ulaw_dec(c,   u, e, m, t) {
	u = 255 - c; e = int((u % 128) / 16); m = u % 16
	t = (m * 8 + 132) * 2 ^ e
	return (u >= 128) ? 132 - t : t - 132
}
function ulaw_enc(x,   s, e, m) {
	s = 0
	if (x < 0) { s = 128; x = -x }
	if (x > 32635) x = 32635
	x += 132; e = 0
	while (e < 7 && x >= 256 * 2 ^ e) e++
	m = int(x / 2 ^ (e + 3)) % 16
	return 255 - (s + e * 16 + m)
}
'

# tone_codes PERIOD AMPLITUDE: the mu-law codes (decimal, one per line) of
# one period of a sine of PERIOD samples (8000/PERIOD Hz), sampled half a
# sample off its zero crossings (no code is the ambiguous zero).
tone_codes() {
	awk -v n="$1" -v a="$2" "$_ULAW_AWK"'
		BEGIN { for (i = 0; i < n; i++) print ulaw_enc(int(a * sin(2 * 3.14159265358979 * (i + 0.5) / n))) }'
}

# tone_hex CODE...: the codes as one lower-case hex string (a payload).
tone_hex() { printf '%02x' "$@"; }

# tone_levels CODE...: the 16-bit levels the codes decode to, one a line.
tone_levels() {
	printf '%s\n' "$@" | awk "$_ULAW_AWK"'{ print ulaw_dec($1) }'
}

# _le N BYTES: N as BYTES little-endian bytes, as printf \x escapes.
_le() {
	local v=$1 n=$2 i out=''
	for ((i = 0; i < n; i++)); do
		out+=$(printf '\\x%02x' $((v >> (8 * i) & 255)))
	done
	printf '%s' "$out"
}

# tone_wav FILE SECONDS CODE...: an 8 kHz mono S16LE wav file holding the
# tone of CODE... (their decoded levels) for SECONDS.
tone_wav() {
	local f=$1 secs=$2 blk big='' reps i n
	shift 2
	n=$(($# * 2))
	blk=$(printf '%s\n' "$@" | awk "$_ULAW_AWK"'
		{ v = ulaw_dec($1); if (v < 0) v += 65536; printf "\\x%02x\\x%02x", v % 256, int(v / 256) }')
	for ((i = 0; i < 50; i++)); do big+=$blk; done
	reps=$((secs * 8000 * 2 / (n * 50)))
	{
		# shellcheck disable=SC2059 # formats of \x escapes
		printf "RIFF$(_le $((36 + reps * n * 50)) 4)WAVEfmt $(_le 16 4)$(_le 1 2)$(_le 1 2)$(_le 8000 4)$(_le 16000 4)$(_le 2 2)$(_le 16 2)data$(_le $((reps * n * 50)) 4)"
		for ((i = 0; i < reps; i++)); do
			# shellcheck disable=SC2059
			printf "$big"
		done
	} >"$f"
}

# baresip_start NAME SIP_PORT USER WAV: start baresip as NAME (config
# directory $RUN_DIR/NAME, output NAME.stdout, masked NAME.log) listening on
# 127.0.0.1:SIP_PORT (UDP and TCP; it also listens on TCP SIP_PORT+1 for
# TLS, so take two ports) with one account sip:USER@127.0.0.1 (no registration
# of its own: the case registers its contact), auto-answer, SDES mandatory,
# PCMU only, sending the wav file WAV; wait until it is ready.  Sets
# BS_DIR (its config directory), BS_PID, BS_PIDFILE, BS_OUT (NAME.stdout).
baresip_start() {
	local name=$1 port=$2 user=$3 wav=$4 rtp dns
	command -v "$BARESIP" >/dev/null ||
		fail "baresip not found (Debian package baresip-core; scripts/setup-deps.sh installs it)"
	BS_DIR=$RUN_DIR/$name
	BS_OUT=$RUN_DIR/$name.stdout
	mkdir -p "$BS_DIR/snd"
	rtp=$(alloc_ports 10)
	dns=$(alloc_ports 1)
	# rtp_ports: libre takes an even port of the range for RTP and the
	# next one for RTCP, both inside the 10 ports taken.
	cat >"$BS_DIR/config" <<EOF
# baresip for $TEST_NAME ($name): everything on 127.0.0.1
poll_method		epoll
sip_listen		127.0.0.1:$port
net_interface		127.0.0.1
dns_server		127.0.0.1:$dns
call_local_timeout	30
call_max_calls		2
audio_source		aufile,$wav
audio_player		aubridge,$name
audio_alert		aubridge,$name
rtp_ports		$((rtp + 2))-$((rtp + 8))
rtcp_mux		no
jitter_buffer_delay	5-10
rtp_stats		yes
module_path		/usr/lib/baresip/modules
module			g711.so
module			aufile.so
module			aubridge.so
module			sndfile.so
module			srtp.so
module_tmp		account.so
snd_path		$BS_DIR/snd
EOF
	echo "<sip:$user@127.0.0.1>;regint=0;answermode=auto;mediaenc=srtp-mand;audio_codecs=pcmu" \
		>"$BS_DIR/accounts"
	rm -f "$BS_OUT"
	# sh execs stdbuf, which execs baresip: the pid start_bg records is
	# baresip's.
	# shellcheck disable=SC2016 # expanded by that sh
	start_bg "$name" baresip sh -c 'o=$1; shift; exec stdbuf -oL -eL "$@" >"$o" 2>&1' \
		baresip_start "$BS_OUT" "$BARESIP" -f "$BS_DIR" -s -v -t "$BARESIP_MAX_SECS"
	# shellcheck disable=SC2153 # BG_PID: set by start_bg (lib.sh)
	BS_PID=$BG_PID
	BS_PIDFILE=$RUN_DIR/$name.bg.pid
	if ! wait_until "$START_TIMEOUT" _baresip_ready "$BS_PID" "$BS_OUT" "$port" ||
		! _alive "$BS_PID"; then
		e2ae_mask_traces
		fail "baresip $name did not become ready (see $name.log)"
	fi
	note "baresip $name: SIP 127.0.0.1:$port, media $((rtp + 2))-$((rtp + 9)), account sip:$user@127.0.0.1"
}

# _baresip_ready PID OUT PORT: it said so and bound its SIP port (or died:
# stop waiting, the caller checks).
_baresip_ready() {
	_alive "$1" || return 0
	grep -q '^baresip is ready' "$2" 2>/dev/null && port_bound "$3" udp
}

# baresip_stop: stop baresip through its pidfile; fail when it needed a
# SIGKILL.
baresip_stop() {
	stop_pidfiles "$BS_PIDFILE" baresip || fail "baresip did not end on SIGTERM"
	e2ae_mask_traces
}

# baresip_sockets PID: check where the process's sockets are (/proc/PID/fd
# and /proc/net/{udp,tcp}{,6}) and print "N M": N sockets bound to
# 127.0.0.1, M unconnected UDP sockets on the wildcard address (libre's DNS
# client opens one per family at start; it sends only to dns_server, a
# loopback port here).  False, printing the offending "proto local remote"
# lines, when a socket is bound elsewhere or connected to a non-loopback
# address.
baresip_sockets() {
	local pid=$1 inodes
	inodes=$(find "/proc/$pid/fd" -lname 'socket:*' -printf '%l\n' 2>/dev/null |
		sed -n 's/^socket:\[\([0-9]*\)\]$/\1/p' | tr '\n' ' ')
	[ -n "$inodes" ] || return 1
	awk -v want=" $inodes" '
		function ip(a) { sub(/:[0-9A-F]+$/, "", a); return a }
		function zero(a) { return a ~ /^0+$/ }
		function lo(a) { return a == "0100007F" || a == "00000000000000000000000001000000" || a == "0000000000000000FFFF00000100007F" }
		FNR == 1 { proto = FILENAME; sub(/.*\//, "", proto); next }
		index(want, " " $10 " ") {
			l = ip($2); r = ip($3)
			if (lo(l) && (zero(r) || lo(r))) local++
			else if (proto ~ /^udp/ && zero(l) && zero(r) && $3 ~ /:0000$/) wild++
			else { print proto, $2, $3; bad = 1 }
		}
		END { if (!bad) print local + 0, wild + 0; exit (local > 0 && !bad) ? 0 : 1 }
	' /proc/net/udp /proc/net/tcp /proc/net/udp6 /proc/net/tcp6
}

# baresip_msg OUT SELF DIR REGEX [N]: the N-th (default 1st) SIP message
# of baresip's -s trace (file OUT) that baresip (at SELF, "127.0.0.1:PORT")
# DIR ("received" or "sent") and whose start line matches REGEX (ERE);
# colour codes and CRs removed.  False when there is none.  A trace record
# is ESC[..m "#", "UDP SRC -> DST", the message, ESC[;m.
baresip_msg() {
	# (awk reads to the end even once it found the message: sed, cut off
	# in the middle of a large trace, would fail the pipe)
	sed 's/\x1b\[;m/@@END@@/g; s/\x1b\[[0-9;]*m//g; s/\r//g' "$1" | awk -v self="$2" \
		-v dir="$3" -v re="$4" -v want="${5:-1}" '
		found { next }
		state == 0 && $0 == "#" { state = 1; next }
		state == 1 {
			# "UDP 127.0.0.1:A -> 127.0.0.1:B"
			keep = (dir == "received" && $4 == self) || (dir == "sent" && $2 == self)
			state = 2; nl = 0; next
		}
		state == 2 {
			end = sub(/@@END@@.*/, "")
			if (!end || $0 != "") lines[++nl] = $0
			if (end) {
				state = 0
				while (nl > 0 && lines[nl] == "") nl--
				if (keep && nl > 0 && lines[1] ~ re && ++n == want) {
					for (i = 1; i <= nl; i++) print lines[i]
					found = 1
				}
			}
		}
		END { exit found ? 0 : 1 }'
}

# baresip_msg_to FILE OUT SELF DIR REGEX [N]: baresip_msg into FILE; fails
# with a message when there is none.
baresip_msg_to() {
	local f=$1
	shift
	baresip_msg "$@" >"$f" || fail "baresip $3 no message /$4/ (${1#"$RUN_DIR"/})"
}

# sipp_hangup PORT CALLID: tell the sipp on 127.0.0.1:PORT running
# test/sipp/baresip_uac_call.xml to hang up call CALLID: an INFO with that
# Call-ID (SIPp matches a message to its call by Call-ID), from an
# ephemeral port, not waiting for an answer.
sipp_hangup() {
	local fd tag="$$-${RANDOM}"
	exec {fd}<>"/dev/udp/127.0.0.1/$1" || fail "no UDP socket toward 127.0.0.1:$1"
	# %b: expand the \r escapes.
	printf '%b' "INFO sip:core@127.0.0.1:$1 SIP/2.0\r
Via: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-hangup-$tag;rport\r
Max-Forwards: 70\r
From: <sip:test@127.0.0.1>;tag=hangup-$tag\r
To: <sip:core@127.0.0.1>\r
Call-ID: $2\r
CSeq: 1 INFO\r
Content-Length: 0\r
\r
" | _udp_write "$fd"
	exec {fd}>&-
}

# ----- a plain RTP end on the core side, in bash -----

# core_rtp OUT GW_PORT COUNT CODE...: play the core's end of a call on a
# UDP socket connected to the gateway's core-facing port 127.0.0.1:GW_PORT
# (an ephemeral local port: rtpengine learns it from the first packet, as
# it does for any endpoint).  Sends COUNT + 3 packets 20 ms apart: RTP V=2,
# PT 0 (PCMU), SSRC "CORE", 160 bytes of payload cycling through the
# mu-law CODE....  Meanwhile a dd reads the first COUNT datagrams that come
# back (at most 20 s), one read each, into one file; OUT gets its bytes in
# hex, 172 bytes (a plain PCMU packet) a line.  Sets CORE_RTP_SENT (packets
# sent), CORE_RTP_DATAGRAMS (datagrams received, dd's record count) and
# CORE_RTP_BYTES (their bytes).  The packets are written to files first
# ($RUN_DIR/core-rtp/), so that sending one costs one process (dd: one
# datagram); the 20 ms wait is bash's read timing out on a FIFO.
core_rtp() {
	local out=$1 port=$2 count=$3 dir=$RUN_DIR/core-rtp fd tick rd i total
	local pay=() pesc hesc
	shift 3
	total=$((count + 3))
	rm -rf "$dir"
	mkdir -p "$dir"
	for ((i = 0; i < 160; i++)); do
		pay+=("${@:$((i % $# + 1)):1}")
	done
	printf -v pesc '\\x%02x' "${pay[@]}"
	for ((i = 1; i <= total; i++)); do
		printf -v hesc '\\x%02x' 128 $((i == 1 ? 128 : 0)) $((i >> 8 & 255)) $((i & 255)) \
			$((i * 160 >> 24 & 255)) $((i * 160 >> 16 & 255)) $((i * 160 >> 8 & 255)) \
			$((i * 160 & 255)) 67 79 82 69
		# shellcheck disable=SC2059 # formats of \x escapes
		printf "$hesc$pesc" >"$dir/tx.$i"
	done
	mkfifo "$dir/tick"
	exec {tick}<>"$dir/tick"
	exec {fd}<>"/dev/udp/127.0.0.1/$port" || fail "no UDP socket toward 127.0.0.1:$port"
	# dd prints its record count on SIGINT too
	timeout -s INT 20 dd bs=65536 count="$count" of="$dir/rx.bin" <&"$fd" 2>"$dir/rx.dd" &
	rd=$!
	for ((i = 1; i <= total; i++)); do
		dd bs=65536 count=1 status=none if="$dir/tx.$i" >&"$fd"
		read -r -t 0.02 -u "$tick" _ || true
	done
	wait "$rd" || true
	exec {fd}>&- {tick}>&-
	od -An -v -tx1 -w172 "$dir/rx.bin" | tr -d ' ' >"$out"
	# dd's "F+P records in": full (65536-byte) and partial reads, one
	# datagram each
	# shellcheck disable=SC2034 # for the case
	CORE_RTP_SENT=$total \
		CORE_RTP_DATAGRAMS=$(awk -F'[+ ]' '/ records in$/ { print $1 + $2 }' "$dir/rx.dd") \
		CORE_RTP_BYTES=$(wc -c <"$dir/rx.bin")
}

# rtp_tone_summary FILE PAYLOAD_HEX: read core_rtp's output and print
# "received N plain-length N v2-pcmu N tone N ssrcs S" where received
# counts lines, plain-length the 172-byte ones (12-byte header, 160 bytes
# of PCMU, no SRTP authentication tag), v2-pcmu those with V=2 and PT 0 (no
# padding, extension or CSRC), tone those whose payload is the tone of
# PAYLOAD_HEX (a cycle of codes) at any phase, S the SSRCs seen
# (comma-separated).
rtp_tone_summary() {
	awk -v cyc="$2" '
		BEGIN { rep = cyc; while (length(rep) < 320 + length(cyc)) rep = rep cyc; n = length(cyc) / 2 }
		$0 == "" { next }
		{ rx++ }
		length($0) != 344 { next }
		{ plain++ }
		substr($0, 1, 2) != "80" || (substr($0, 3, 2) != "00" && substr($0, 3, 2) != "80") { next }
		{
			v2++
			s = substr($0, 17, 8)
			if (!(s in seen)) { seen[s] = 1; ssrcs = ssrcs (ssrcs == "" ? "" : ",") s }
			p = substr($0, 25)
			for (ph = 0; ph < n; ph++)
				if (substr(rep, ph * 2 + 1, 320) == p) { tone++; break }
		}
		END { printf "received %d plain-length %d v2-pcmu %d tone %d ssrcs %s\n", rx, plain, v2, tone, ssrcs }
	' "$1"
}

# wav_frames_tone WAV LEVEL...: how many 160-sample frames of WAV's data
# (after the 44-byte header sndfile writes) are exactly the tone of LEVEL...
# (a cycle starting at the frame's first sample), and how many frames hold
# anything but silence: "frames N tone N nonsilent N".
wav_frames_tone() {
	local wav=$1
	shift
	tail -c +45 "$wav" | od -An -v -w320 -td2 | awk -v lv="$*" '
		BEGIN { n = split(lv, l, " ") }
		{
			if (NF != 160) next
			frames++; ok = 1; ns = 0
			for (i = 1; i <= NF; i++) {
				if ($i != l[(i - 1) % n + 1]) ok = 0
				if ($i != 0) ns = 1
			}
			tone += ok; nonsilent += ns
		}
		END { printf "frames %d tone %d nonsilent %d\n", frames, tone, nonsilent }'
}
