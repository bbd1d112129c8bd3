#!/usr/bin/env bash
# make bench: ims_medsec's reproducible benchmark (see bench/README.md).
#
#   scripts/bench.sh [capacity] [module] [ngrtt] [regtable] [hairpin]
#                                       (default: all five)
#   scripts/bench.sh report RUN_DIR     the results of an earlier run, again
#
# 1. capacity  call-rate ramp, back to back: (a) Kamailio + ims_medsec,
#              (b) the same routing with Kamailio's stock rtpengine module
#              and equivalent flags, (c) ng_load driving rtpengine directly
# 2. module    callgrind of Kamailio during e2ae calls: the module's own
#              instructions per call against Kamailio's, allocations per call
# 3. ngrtt     rtpengine-ng round trip against a raw UDP ping, throughput
#              with concurrent workers
# 4. regtable  shared memory per e2ae registration (real Kamailio) and
#              lookup cost at 1k, 10k and 100k registrations
# 5. hairpin   callgrind of Kamailio during hairpin e2ae calls (UE A ->
#              P-CSCF -> S-CSCF -> P-CSCF -> UE B, both UEs e2ae; the
#              S-CSCF is test/scscf.cfg through test/hairpin.sh): the
#              module's own instructions per hairpin call (both passages)
#              against a single-passage e2ae call's, measured in the same
#              run (a second Kamailio under callgrind), and their ratio
#
# Everything runs on 127.0.0.1 with ports from build/bin/freeport, through
# test/lib.sh (processes stopped by pidfile only).  The run directory is
# bench/out/<date>-<pid>/; the results (Markdown) and the plot (PNG) go to
# bench/results/<date>-<host>.{md,png}, and the table is printed at the end.
#
# Environment (defaults in brackets):
#   BENCH_RATES       offered call rates of the ramp, calls/s
#                     [200 300 400 500 600 700 800 900 1000 1200 1500 2000 2500 3000]
#   BENCH_STEP_S      seconds per ramp step [10]
#   BENCH_HOLD_MS     how long a call stays up after its ACK [200]
#   BENCH_WORKERS     Kamailio SIP workers in (a) and (b), and ng_load's [4]
#   BENCH_STOP_AFTER  a configuration's ramp ends after this many
#                     consecutive steps over 0.1 % failed calls [2]
#   BENCH_CG_CALLS    calls under callgrind [100] (in hairpin: that many
#                     single-passage calls, and that many hairpin calls)
#   BENCH_REGS        registrations made through Kamailio for the memory
#                     figure [10000]
#   BENCH_RESULTS     where the results go [bench/results; the run
#                     directory when only some parts run]
set -euo pipefail

REPO_ROOT=$(cd "$(dirname "$0")/.." && pwd)
export REPO_ROOT
export TEST_OUT=${TEST_OUT:-$REPO_ROOT/bench/out}
TEST_NAME=bench
# shellcheck source=../test/lib.sh
. "$REPO_ROOT/test/lib.sh"
# shellcheck source=../test/e2ae.sh
. "$REPO_ROOT/test/e2ae.sh"

BENCH_RATES=${BENCH_RATES:-200 300 400 500 600 700 800 900 1000 1200 1500 2000 2500 3000}
BENCH_STEP_S=${BENCH_STEP_S:-10}
BENCH_HOLD_MS=${BENCH_HOLD_MS:-200}
BENCH_WORKERS=${BENCH_WORKERS:-4}
BENCH_STOP_AFTER=${BENCH_STOP_AFTER:-2}
BENCH_CG_CALLS=${BENCH_CG_CALLS:-100}
BENCH_REGS=${BENCH_REGS:-10000}
BENCH_RESULTS_GIVEN=${BENCH_RESULTS:-}
BENCH_RESULTS=${BENCH_RESULTS:-$REPO_ROOT/bench/results}
BENCH_BIN=$BUILD_DIR/bench
# a step's calls may finish this long after its last call was offered
BENCH_GRACE_S=8
# Kamailio's shared memory: at 1,000 calls/s, tm keeps ~10,000
# transactions for their wait timer (the default 64 MB runs out)
BENCH_SHM_MB=1024

sections=("$@")
# A partial run (some parts named) keeps its results in its run directory,
# so that it never replaces the last complete run's file.
if [ ${#sections[@]} -gt 0 ] && [ "${1:-}" != report ] && [ -z "${BENCH_RESULTS_GIVEN:-}" ]; then
	BENCH_PARTIAL=1
fi
[ ${#sections[@]} -gt 0 ] || sections=(capacity module ngrtt regtable hairpin)
want() {
	local s
	for s in "${sections[@]}"; do [ "$s" = "$1" ] && return 0; done
	return 1
}

# ----- set-up -----

# bench_deps: gnuplot (the plot) and valgrind (callgrind), from Debian's
# archive, when missing.  Everything else comes from make build's set-up.
bench_deps() {
	local p missing=()
	for p in gnuplot-nox valgrind; do
		[ "$(dpkg-query -W -f='${Status}' "$p" 2>/dev/null || true)" = "install ok installed" ] ||
			missing+=("$p")
	done
	[ ${#missing[@]} -gt 0 ] || return 0
	note "installing ${missing[*]}"
	local root=()
	[ "$(id -u)" -eq 0 ] || root=(sudo -n)
	export DEBIAN_FRONTEND=noninteractive
	"${root[@]}" apt-get update -qq
	"${root[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" \
		>"$RUN_DIR/apt-install.out" 2>&1 || {
		cat "$RUN_DIR/apt-install.out" >&2
		fail "cannot install ${missing[*]}"
	}
}

# alloc_media_range COUNT: like alloc_ports, for more ports than freeport
# hands out at once (it checks 1,000): the rest of the range must have no
# UDP or TCP socket bound, per /proc/net, and stay below the ephemeral range.
alloc_media_range() {
	local count=$1 base try eph
	eph=$(awk '{ print $1 }' /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
	for try in $(seq 1 100); do
		base=$("$FREEPORT" 1000) || continue
		[ $((base + count)) -lt "$eph" ] || continue
		_ranges_overlap "$base" "$count" && continue
		# local_address is IP:PORT, the port in hex
		if awk -v lo="$base" -v hi="$((base + count - 1))" '
			function hex(s,   i, v) {
				v = 0
				for (i = 1; i <= length(s); i++) v = v * 16 + index("0123456789ABCDEF", substr(s, i, 1)) - 1
				return v
			}
			FNR > 1 { n = split($2, a, ":"); p = hex(a[n]); if (p >= lo && p <= hi) bad = 1 }
			END { exit bad ? 1 : 0 }' /proc/net/udp /proc/net/udp6 /proc/net/tcp /proc/net/tcp6 2>/dev/null; then
			echo "$base $count" >>"$RUN_DIR/ports"
			echo "$base"
			return 0
		fi
	done
	fail "no free range of $count ports"
}

# bench_rtpengine NAME: an rtpengine for the bench: the run's 4,000-port
# media range BENCH_MEDIA (1,000 calls at once; one rtpengine at a time), logging errors only (its warnings quote ng
# requests, SDES keys included).  Exports RTPE_<NAME>_NG like
# start_rtpengine and BENCH_RTPE_PIDFILE.
bench_rtpengine() {
	local media=$BENCH_MEDIA
	start_rtpengine "$1" --log-level=3 --port-min="$media" --port-max="$((media + 3999))"
	local v
	v=$(_var "$1")
	BENCH_RTPE_PIDFILE=$RUN_DIR/rtpengine-$1.pid
	note "rtpengine $1: media ports $media-$((media + 3999)) (the range above is replaced)"
	eval "BENCH_NG=\$RTPE_${v}_NG"
}

# The offer the UE sends (two crypto lines, requested) and the core's answer.
bench_sdps() {
	local key1 key2
	key1=$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)
	key2=$(srtp_gen_key AES_CM_128_HMAC_SHA1_32)
	e2ae_sdp_file "$RUN_DIR/ue-offer.sdp" ue "m=audio 40000 RTP/SAVP 0 8" \
		"a=rtpmap:0 PCMU/8000" "a=rtpmap:8 PCMA/8000" \
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$key1" \
		"a=crypto:2 AES_CM_128_HMAC_SHA1_32 inline:$key2" \
		"a=3ge2ae:requested" "a=sendrecv"
	e2ae_sdp_file "$RUN_DIR/core-answer.sdp" core "m=audio 40010 RTP/AVP 0" \
		"a=rtpmap:0 PCMU/8000" "a=sendrecv"
}

# Configuration (b): the stock module doing the same bridge.  Offer (UE ->
# core): RTP/AVP toward the core, the ten SDES-no-<suite> filters of the
# default suite policy (AES_CM_128_HMAC_SHA1_80/_32 only), no DTLS, no
# ICE.  Answer: rtpengine answers the UE in RTP/SAVP with one crypto line.
STOCK_NO_SUITES="SDES-no-AEAD_AES_256_GCM SDES-no-AEAD_AES_128_GCM SDES-no-AES_256_CM_HMAC_SHA1_80 SDES-no-AES_256_CM_HMAC_SHA1_32 SDES-no-AES_192_CM_HMAC_SHA1_80 SDES-no-AES_192_CM_HMAC_SHA1_32 SDES-no-F8_128_HMAC_SHA1_80 SDES-no-F8_128_HMAC_SHA1_32 SDES-no-NULL_HMAC_SHA1_80 SDES-no-NULL_HMAC_SHA1_32"
STOCK_OFFER="replace-origin replace-session-connection ICE=remove DTLS=off RTP/AVP $STOCK_NO_SUITES"
STOCK_ANSWER="replace-origin replace-session-connection ICE=remove DTLS=off"

# bench_kamailio CONFIG [DEFINE...]: Kamailio with the example config for
# configuration a or b, on rtpengine $BENCH_NG, the S-CSCF/core at
# SCSCF_PORT.
bench_kamailio() {
	local cfg=$1 defs
	shift
	defs=("MEDSEC_MODULE=\"$MEDSEC_MODULE\"" "RTPENGINE_NG=\"udp:127.0.0.1:$BENCH_NG\""
		"WORKERS=$BENCH_WORKERS" "SCSCF_URI=\"sip:127.0.0.1:$SCSCF_PORT\"")
	if [ "$cfg" = b ]; then
		defs+=(WITH_STOCK_RTPENGINE "STOCK_RTPENGINE_OFFER_FLAGS=\"$STOCK_OFFER\""
			"STOCK_RTPENGINE_ANSWER_FLAGS=\"$STOCK_ANSWER\"")
	fi
	start_kamailio "$REPO_ROOT/etc/ims_medsec-pcscf.cfg" "${defs[@]}" "$@"
}

# bench_register CONFIG: register the UE (UE_PORT) with mediasec; in (b)
# nobody answers mediasec.
bench_register() {
	if [ "$1" = b ]; then
		e2ae_register "reg-$1" "$UE_PORT" ue -key exp401 none -key exp200 none
	else
		e2ae_register "reg-$1" "$UE_PORT" ue
	fi
}

# What each side must receive (checked by the scenarios on every call):
# the core RTP/AVP without crypto, the UE RTP/SAVP with an
# AES_CM_128_HMAC_SHA1_80 line; (a) confirms e2ae (a=3ge2ae:applied) and
# removes the indication toward the core, (b) passes it through.
uac_keys() {
	local ind=applied
	[ "$1" = b ] && ind=none
	printf '%s\n' -key ruri sip:bob@ims.test -key user ue \
		-key offer_sdp "$RUN_DIR/ue-offer.sdp" -key exp_proto RTP/SAVP \
		-key exp_3ge2ae "$ind" -key exp_crypto AES_CM_128_HMAC_SHA1_80
}
uas_keys() {
	local ind=none
	[ "$1" = b ] && ind=requested
	printf '%s\n' -key answer_sdp "$RUN_DIR/core-answer.sdp" -key exp_proto RTP/AVP \
		-key exp_3ge2ae "$ind" -key exp_crypto none
}

# bench_uas CONFIG: the core (callee) sipp on SCSCF_PORT, answering at once,
# until stopped.  Its errors go to NAME.errors.trace (masked later).
bench_uas() {
	local -a keys
	mapfile -t keys < <(uas_keys "$1")
	start_bg "uas-$1" sipp "$SIPP" -sf "$TEST_SIPP_DIR/e2ae_uas_call.xml" -nostdin \
		-i 127.0.0.1 -p "$SCSCF_PORT" -mp "$(alloc_ports 4)" -d 0 "${keys[@]}" \
		-trace_err -error_file "$RUN_DIR/uas-$1.errors.trace"
	BENCH_UAS_PIDFILE=$RUN_DIR/uas-$1.bg.pid
	e2ae_sipp_bound "$SCSCF_PORT"
}

# ----- CPU accounting -----

# cpu_ticks PID...: the user + system clock ticks of these processes and of
# every process in their process groups (Kamailio's workers).
cpu_ticks() {
	local pids=" $* "
	# cat goes on past a process that ended meanwhile (awk would stop)
	cat /proc/[0-9]*/stat 2>/dev/null | awk -v pids="$pids" '
		{
			pid = $1; s = $0; sub(/^.*\) /, "", s); split(s, a, " ")
			# a[1] state, a[2] ppid, a[3] pgrp, a[12] utime, a[13] stime
			if (index(pids, " " pid " ") || index(pids, " " a[3] " ")) t += a[12] + a[13]
		}
		END { print t + 0 }'
}
CLK_TCK=$(getconf CLK_TCK)

# machine_busy: "busy total" jiffies of all CPUs (from /proc/stat).
machine_busy() {
	awk '/^cpu / { t = 0; for (i = 2; i <= NF; i++) t += $i; print t - $5 - $6, t; exit }' /proc/stat
}

# ----- 1. capacity -----

# step_result CONFIG RATE OFFERED OK ELAPSED CPU_KAM CPU_RTPE CPU_GEN BUSY:
# one line of capacity.dat.
step_result() {
	echo "$*" >>"$RUN_DIR/capacity.dat"
	note "($1) $2 calls/s: $4 of $3 calls ok, ${5}s; CPU kamailio ${6}%, rtpengine ${7}%, generator ${8}%; machine busy ${9}%"
}

# sipp_step CONFIG RATE: one ramp step through Kamailio; prints nothing,
# appends to capacity.dat.  True when the step was sustained.
sipp_step() {
	local cfg=$1 rate=$2 n name kpid rpid t0 t1 k0 k1 r0 r1 g0 g1 m0 m1 ok elapsed
	local -a keys
	n=$((rate * BENCH_STEP_S))
	name=uac-$cfg-$rate
	mapfile -t keys < <(uac_keys "$cfg")
	wait_until 15 ng_no_calls "$BENCH_NG" || note "($cfg) calls still held before the $rate step"
	kpid=$(_read_pid "$KAM_PIDFILE")
	rpid=$(_read_pid "$BENCH_RTPE_PIDFILE")
	read -r m0 _ < <(machine_busy)
	k0=$(cpu_ticks "$kpid") r0=$(cpu_ticks "$rpid") g0=$(cpu_ticks "$(_read_pid "$BENCH_UAS_PIDFILE")")
	t0=$(date +%s%N)
	start_bg "$name" sipp "$SIPP" -sf "$TEST_SIPP_DIR/e2ae_uac_call.xml" -nostdin \
		-i 127.0.0.1 -p "$UE_PORT" -mp "$(alloc_ports 4)" -d "$BENCH_HOLD_MS" \
		-r "$rate" -m "$n" -recv_timeout 5000 -timeout "$((BENCH_STEP_S + BENCH_GRACE_S))s" \
		"${keys[@]}" -trace_stat -stf "$RUN_DIR/$name.csv" -fd 60 \
		-trace_err -error_file "$RUN_DIR/$name.errors.trace" "127.0.0.1:$KAM_SIP_PORT"
	local pid=$BG_PID
	# the generator's CPU: sample it just before it ends
	while _alive "$pid"; do
		g1=$(cpu_ticks "$pid")
		sleep 0.5
	done
	wait "$pid" || true
	t1=$(date +%s%N)
	read -r m1 _ < <(machine_busy)
	k1=$(cpu_ticks "$kpid") r1=$(cpu_ticks "$rpid")
	g1=$((${g1:-0} + $(cpu_ticks "$(_read_pid "$BENCH_UAS_PIDFILE")") - g0))
	elapsed=$(((t1 - t0) / 1000000))
	ok=$(sipp_successful "$RUN_DIR/$name.csv")
	if [ -f "$RUN_DIR/$name.errors.trace" ]; then
		sdes_mask <"$RUN_DIR/$name.errors.trace" >"$RUN_DIR/$name.errors.log"
		rm -f "$RUN_DIR/$name.errors.trace"
	fi
	step_result "$cfg" "$rate" "$n" "$ok" "$(pct_s "$elapsed")" \
		"$(cpu_pct $((k1 - k0)) "$elapsed")" "$(cpu_pct $((r1 - r0)) "$elapsed")" \
		"$(cpu_pct "$g1" "$elapsed")" "$(busy_pct "$m0" "$m1" "$elapsed")"
	sustained "$n" "$ok"
}

pct_s() { awk -v ms="$1" 'BEGIN { printf "%.1f", ms / 1000 }'; }
# cpu_pct TICKS MS: percent of one core
cpu_pct() { awk -v t="$1" -v ms="$2" -v hz="$CLK_TCK" 'BEGIN { printf "%.0f", (ms > 0 ? 100 * t / hz / (ms / 1000) : 0) }'; }
# busy_pct BUSY0 BUSY1 MS: percent of the whole machine (all cores)
busy_pct() {
	awk -v a="$1" -v b="$2" -v ms="$3" -v hz="$CLK_TCK" -v n="$(nproc)" \
		'BEGIN { printf "%.0f", (ms > 0 ? 100 * (b - a) / hz / (ms / 1000) / n : 0) }'
}
# sustained OFFERED OK: under 0.1 % of the offered calls failed
sustained() { awk -v n="$1" -v ok="$2" 'BEGIN { exit (n - ok) * 1000 < n ? 0 : 1 }'; }

# sipp_successful CSV: SuccessfulCall(C) of the last statistics line.
sipp_successful() {
	awk -F';' 'NR == 1 { for (i = 1; i <= NF; i++) if ($i == "SuccessfulCall(C)") c = i; next }
		{ v = $c } END { print v + 0 }' "$1" 2>/dev/null || echo 0
}

# ngload_step RATE: one ramp step of configuration (c).
ngload_step() {
	local rate=$1 n out rpid r0 r1 m0 m1 ok t0 t1 elapsed cpu
	n=$((rate * BENCH_STEP_S))
	wait_until 15 ng_no_calls "$BENCH_NG" || note "(c) calls still held before the $rate step"
	rpid=$(_read_pid "$BENCH_RTPE_PIDFILE")
	read -r m0 _ < <(machine_busy)
	r0=$(cpu_ticks "$rpid")
	t0=$(date +%s%N)
	out=$("$BENCH_BIN/ng_load" -n "udp:127.0.0.1:$BENCH_NG" -r "$rate" -t "$BENCH_STEP_S" \
		-w "$BENCH_WORKERS" -H "$BENCH_HOLD_MS" -g "$BENCH_GRACE_S" -p "c$rate") ||
		fail "ng_load failed at $rate calls/s: $out"
	t1=$(date +%s%N)
	read -r m1 _ < <(machine_busy)
	r1=$(cpu_ticks "$rpid")
	echo "$rate $out" >>"$RUN_DIR/ng_load.out"
	elapsed=$(((t1 - t0) / 1000000))
	ok=$(printf '%s\n' "$out" | sed -n 's/.* ok=\([0-9]*\) .*/\1/p')
	cpu=$(printf '%s\n' "$out" | sed -n 's/.* cpu_s=\([0-9.]*\).*/\1/p')
	step_result c "$rate" "$n" "$ok" "$(pct_s "$elapsed")" - \
		"$(cpu_pct $((r1 - r0)) "$elapsed")" \
		"$(awk -v c="$cpu" -v ms="$elapsed" 'BEGIN { printf "%.0f", 100 * c / (ms / 1000) }')" \
		"$(busy_pct "$m0" "$m1" "$elapsed")"
	sustained "$n" "$ok"
}

# ramp CONFIG STEPFN: every rate of BENCH_RATES until BENCH_STOP_AFTER
# consecutive steps are not sustained.
ramp() {
	local cfg=$1 fn=$2 rate bad=0
	for rate in $BENCH_RATES; do
		if "$fn" "$cfg" "$rate"; then
			bad=0
		else
			bad=$((bad + 1))
			[ "$bad" -lt "$BENCH_STOP_AFTER" ] || break
		fi
	done
}
ngload_ramp_step() { ngload_step "$2"; }

run_capacity() {
	local cfg
	: >"$RUN_DIR/capacity.dat"
	bench_sdps
	for cfg in a b; do
		note "capacity ($cfg): $([ $cfg = a ] && echo 'Kamailio + ims_medsec' || echo 'Kamailio + stock rtpengine module')"
		bench_rtpengine "cap-$cfg"
		SCSCF_PORT=$(alloc_ports 1)
		UE_PORT=$(alloc_ports 1)
		export SCSCF_PORT
		bench_kamailio "$cfg"
		bench_register "$cfg"
		bench_uas "$cfg"
		ramp "$cfg" sipp_step
		stop_pidfiles "$BENCH_UAS_PIDFILE" sipp "$KAM_PIDFILE" kamailio \
			"$BENCH_RTPE_PIDFILE" rtpengine || true
		if [ -f "$RUN_DIR/uas-$cfg.errors.trace" ]; then
			sdes_mask <"$RUN_DIR/uas-$cfg.errors.trace" >"$RUN_DIR/uas-$cfg.errors.log"
			rm -f "$RUN_DIR/uas-$cfg.errors.trace"
		fi
	done
	note "capacity (c): ng_load straight to rtpengine"
	bench_rtpengine cap-c
	ramp c ngload_ramp_step
	stop_pidfiles "$BENCH_RTPE_PIDFILE" rtpengine || true
}

# ----- 2. module cost (callgrind) -----

# cg_kamailio_start NAME DIR: the example P-CSCF (etc/ims_medsec-pcscf.cfg)
# under callgrind, counting only inside receive_msg() (the processing of
# each SIP message, start-up and timers left out), one profile per process
# in DIR (callgrind.out.<pid>); on rtpengine $BENCH_NG, the S-CSCF/core at
# SCSCF_PORT.  Log NAME.log, pidfile NAME.pid.  Sets KAM_SIP_PORT,
# KAM_PIDFILE and CG_PID (valgrind's: the process group of Kamailio).
cg_kamailio_start() {
	local name=$1 cg=$2 pidfile rundir port core_port
	mkdir -p "$cg"
	port=$(alloc_ports 1)
	core_port=$(alloc_ports 1)
	pidfile=$RUN_DIR/$name.pid
	rundir=$(mktemp -d "${TMPDIR:-/tmp}/imk.XXXXXX")
	echo "$rundir" >>"$RUN_DIR/tmpdirs"
	start_bg "$name" callgrind-amd64 valgrind --tool=callgrind \
		--collect-atstart=no --toggle-collect=receive_msg --dump-instr=no \
		--callgrind-out-file="$cg/callgrind.out.%p" \
		kamailio -m "$BENCH_SHM_MB" -f "$REPO_ROOT/etc/ims_medsec-pcscf.cfg" -DD -E \
		-P "$pidfile" -Y "$rundir" -A "SIP_PORT=$port" -A "CORE_PORT=$core_port" \
		-A "E2AE_SOCKET=\"udp:127.0.0.1:$port\"" -A "MEDSEC_MODULE=\"$MEDSEC_MODULE\"" \
		-A "RTPENGINE_NG=\"udp:127.0.0.1:$BENCH_NG\"" -A "WORKERS=$BENCH_WORKERS" \
		-A "SCSCF_URI=\"sip:127.0.0.1:$SCSCF_PORT\""
	register_proc "$pidfile" callgrind-amd64
	CG_PID=$BG_PID
	wait_until 90 _kamailio_ready "$CG_PID" "$pidfile" "$port" && _alive "$CG_PID" ||
		fail "Kamailio under callgrind ($name) did not start"
	KAM_SIP_PORT=$port KAM_PIDFILE=$pidfile
	note "Kamailio under callgrind ($name): SIP 127.0.0.1:$port"
}

# cg_kamailio_stop NAME: end the Kamailio of cg_kamailio_start with
# SIGTERM (every process writes its profile as it exits), by its pid.
cg_kamailio_stop() {
	local name=$1 i
	kill -TERM "$CG_PID" 2>/dev/null || true
	for i in $(seq 1 300); do
		_group_alive "$CG_PID" || break
		sleep 0.1
	done
	stop_pidfiles "$RUN_DIR/$name.pid" callgrind-amd64 "$RUN_DIR/$name.bg.pid" callgrind-amd64 || true
	wait "$CG_PID" 2>/dev/null || true
}

# cg_e2ae_calls CONFIG: BENCH_CG_CALLS originating e2ae calls (UE ->
# core, the "module" part's calls) through the Kamailio of
# cg_kamailio_start, 10 calls/s: the UE (UE_PORT) registers, the core
# answers on SCSCF_PORT (SIPp names reg-CONFIG, uas-CONFIG, uac-cg-CONFIG,
# or uac-cg for CONFIG a).  Sets CG_OK (the successful calls).
cg_e2ae_calls() {
	local cfg=$1 uac=uac-cg keys_uac
	[ "$cfg" = a ] || uac=uac-cg-$cfg
	bench_register "$cfg"
	bench_uas "$cfg"
	mapfile -t keys_uac < <(uac_keys "$cfg")
	start_bg "$uac" sipp "$SIPP" -sf "$TEST_SIPP_DIR/e2ae_uac_call.xml" -nostdin \
		-i 127.0.0.1 -p "$UE_PORT" -mp "$(alloc_ports 4)" -d "$BENCH_HOLD_MS" \
		-r 10 -m "$BENCH_CG_CALLS" -recv_timeout 10000 -timeout 120s \
		"${keys_uac[@]}" -trace_stat -stf "$RUN_DIR/$uac.csv" -fd 60 \
		"127.0.0.1:$KAM_SIP_PORT"
	wait "$BG_PID" || true
	CG_OK=$(sipp_successful "$RUN_DIR/$uac.csv")
	wait_until 10 ng_no_calls "$BENCH_NG" || true
	stop_pidfiles "$BENCH_UAS_PIDFILE" sipp || true
}

run_module() {
	bench_sdps
	bench_rtpengine cg
	SCSCF_PORT=$(alloc_ports 1)
	UE_PORT=$(alloc_ports 1)
	export SCSCF_PORT
	cg_kamailio_start kamailio-cg "$RUN_DIR/callgrind"
	cg_e2ae_calls a
	cg_kamailio_stop kamailio-cg
	stop_pidfiles "$BENCH_RTPE_PIDFILE" rtpengine || true
	[ "$CG_OK" -gt 0 ] || fail "no call succeeded under callgrind"
	note "callgrind: $CG_OK calls ok of $BENCH_CG_CALLS"
	cg_analyse "$RUN_DIR/callgrind" "$CG_OK" >"$RUN_DIR/module.out"
	cat "$RUN_DIR/module.out" >&2
}

# cg_analyse DIR CALLS: per-call figures from every callgrind.out.* of DIR
# (bench/callgrind.awk sums them):
#   kamailio_per_call  instructions inside receive_msg (all SIP processing)
#   offer/answer/delete_per_call  inclusive instructions of medsec_call_*
#   ng_per_call        inclusive instructions of the ng exchange
#                      (medsec_agw_sdp, medsec_agw_delete: encoding,
#                      client, reply parsing; user space only)
#   module_own_per_call  offer + answer + delete - ng
#   wipe_per_call      the module's explicit_bzero of its scratch buffers
#   alloc_cost_per_call  Kamailio's allocator and lump constructors called
#                      by the module's functions, parse_contact included
#   allocs_per_call    allocations by the module's functions (an allocator
#                      call, or a lump constructor: one allocation each)
# and the module's costliest calls ("arc CALLER CALLEE INSTRUCTIONS/CALL").
cg_analyse() {
	local dir=$1 calls=$2
	awk -f "$REPO_ROOT/bench/callgrind.awk" "$dir"/callgrind.out.* >"$dir/functions.txt"
	awk -v calls="$calls" '
		$1 == "total" { total = $2 }
		$1 == "fn" { incl[$2] = $4 }
		$1 == "call" && $2 ~ /^medsec_/ {
			if ($3 ~ /explicit_bzero/) wipe += $5
			if ($3 ~ /_(malloc|mallocxz|realloc|reallocxf|resize)$/ ||
			    $3 ~ /^(del_lump|insert_new_lump_after|insert_new_lump_before|anchor_lump|add_lump_rpl)$/) {
				allocs += $4; acost += $5
			}
			if ($3 == "parse_contact") acost += $5
			if ($3 !~ /^medsec_|^(call_offer|call_answer|send_req)$/) arc[$2 " " $3] = $5
		}
		END {
			offer = incl["medsec_call_offer"]; answer = incl["medsec_call_answer"]
			del = incl["medsec_session_delete"]
			ng = incl["medsec_agw_sdp"] + incl["medsec_agw_delete"]
			own = offer + answer + del - ng
			printf "calls %d\n", calls
			printf "kamailio_per_call %.0f\n", total / calls
			printf "offer_per_call %.0f\n", offer / calls
			printf "answer_per_call %.0f\n", answer / calls
			printf "delete_per_call %.0f\n", del / calls
			printf "ng_per_call %.0f\n", ng / calls
			printf "module_own_per_call %.0f\n", own / calls
			printf "module_share_pct %.2f\n", total ? 100 * own / total : 0
			printf "wipe_per_call %.0f\n", wipe / calls
			printf "alloc_cost_per_call %.0f\n", acost / calls
			printf "allocs_per_call %.2f\n", allocs / calls
			printf "rest_share_pct %.2f\n", total ? 100 * (own - wipe - acost) / total : 0
			for (k in arc) printf "arc %s %.0f\n", k, arc[k] / calls
		}' "$dir/functions.txt" | sort -k1,1 -k4,4nr | awk '$1 != "arc" || n++ < 10'
}

# ----- 5. hairpin (callgrind) -----

# A hairpin e2ae call: UE A and UE B, both registered with sdes-srtp;mediasec
# through the same P-CSCF, call each other; the INVITE passes the P-CSCF
# twice, each passage its own leg on the gateway (test/hairpin.sh):
#
#   UE A --> P-CSCF UE side (orig leg) --> S-CSCF (Kamailio, test/scscf.cfg)
#        --> P-CSCF core side (term leg, "<Call-ID>;mt") --> UE B
#
# The P-CSCF runs under callgrind as in the "module" part, during
# BENCH_CG_CALLS hairpin calls; a second P-CSCF under callgrind, in the
# same run, takes BENCH_CG_CALLS single-passage e2ae calls (the "module"
# part's).  The module's own instructions per call (offer + answer +
# delete, ng exchange excluded: cg_analyse) of both, and their ratio.
# The S-CSCF is test/hairpin.sh's hairpin_scscf (not under callgrind).

# hp_sdps: B's answer to the gateway's offer: RTP/SAVP, the
# AES_CM_128_HMAC_SHA1_80 line (tag 1: the policy's first suite, the
# first crypto line the gateway offers) with B's own key.  A's offer is
# bench_sdps's ue-offer.sdp.
hp_sdps() {
	e2ae_sdp_file "$RUN_DIR/ueb-answer.sdp" ueb "m=audio 40020 RTP/SAVP 0" \
		"a=rtpmap:0 PCMU/8000" \
		"a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)" \
		"a=sendrecv"
}

# cg_hairpin_calls: BENCH_CG_CALLS hairpin calls through the Kamailio of
# cg_kamailio_start, 10 calls/s: A (uea, A_PORT) and B (ueb, B_PORT)
# register with mediasec through it (SIPp registrar on SCSCF_PORT), then
# the Kamailio S-CSCF takes SCSCF_PORT.  What each UE must receive
# (checked by the scenarios on every call): A's 200 and B's INVITE
# RTP/SAVP with a=3ge2ae:applied and AES_CM_128_HMAC_SHA1_80 first.  Sets
# CG_OK.
cg_hairpin_calls() {
	local -a exp=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto AES_CM_128_HMAC_SHA1_80)
	A_PORT=$(alloc_ports 1)
	B_PORT=$(alloc_ports 1)
	e2ae_register reg-hpa "$A_PORT" uea
	e2ae_register reg-hpb "$B_PORT" ueb
	hairpin_scscf "sip:ueb@127.0.0.1:$B_PORT"
	start_bg uas-hpb sipp "$SIPP" -sf "$TEST_SIPP_DIR/e2ae_uas_call.xml" -nostdin \
		-i 127.0.0.1 -p "$B_PORT" -mp "$(alloc_ports 4)" -d 0 \
		-key answer_sdp "$RUN_DIR/ueb-answer.sdp" "${exp[@]}" \
		-trace_err -error_file "$RUN_DIR/uas-hpb.errors.trace"
	local uas=$RUN_DIR/uas-hpb.bg.pid
	e2ae_sipp_bound "$B_PORT"
	start_bg uac-hpa sipp "$SIPP" -sf "$TEST_SIPP_DIR/e2ae_uac_call.xml" -nostdin \
		-i 127.0.0.1 -p "$A_PORT" -mp "$(alloc_ports 4)" -d "$BENCH_HOLD_MS" \
		-r 10 -m "$BENCH_CG_CALLS" -recv_timeout 10000 -timeout 120s \
		-key ruri sip:ueb@ims.test -key user uea -key offer_sdp "$RUN_DIR/ue-offer.sdp" \
		"${exp[@]}" -trace_stat -stf "$RUN_DIR/uac-hpa.csv" -fd 60 \
		-trace_err -error_file "$RUN_DIR/uac-hpa.errors.trace" "127.0.0.1:$KAM_SIP_PORT"
	wait "$BG_PID" || true
	CG_OK=$(sipp_successful "$RUN_DIR/uac-hpa.csv")
	wait_until 10 ng_no_calls "$BENCH_NG" || true
	stop_pidfiles "$uas" sipp || true
	hairpin_scscf_stop
	local f
	for f in uas-hpb uac-hpa; do
		if [ -f "$RUN_DIR/$f.errors.trace" ]; then
			sdes_mask <"$RUN_DIR/$f.errors.trace" >"$RUN_DIR/$f.errors.log"
			rm -f "$RUN_DIR/$f.errors.trace"
		fi
	done
}

# cg_entries DIR FN: how many times FN was called (every caller), from
# DIR/functions.txt (cg_analyse)
cg_entries() {
	awk -v f="$2" '$1 == "call" && $3 == f { n += $4 } END { print n + 0 }' "$1/functions.txt"
}

run_hairpin() {
	local s=$RUN_DIR/callgrind-single h=$RUN_DIR/callgrind-hairpin single_ok k fn
	[ -f "$REPO_ROOT/test/hairpin.sh" ] && [ -f "$REPO_ROOT/test/scscf.cfg" ] ||
		fail "part hairpin: test/hairpin.sh and test/scscf.cfg (the hairpin tests' S-CSCF) are missing"
	# shellcheck source=../test/hairpin.sh
	. "$REPO_ROOT/test/hairpin.sh"
	declare -F hairpin_scscf >/dev/null && declare -F hairpin_scscf_stop >/dev/null ||
		fail "part hairpin: test/hairpin.sh has no hairpin_scscf / hairpin_scscf_stop"
	bench_sdps
	hp_sdps
	bench_rtpengine hp
	# single-passage e2ae calls, as in the "module" part
	SCSCF_PORT=$(alloc_ports 1)
	UE_PORT=$(alloc_ports 1)
	export SCSCF_PORT
	cg_kamailio_start kamailio-cg-single "$s"
	cg_e2ae_calls hps
	cg_kamailio_stop kamailio-cg-single
	single_ok=$CG_OK
	note "callgrind, single passage: $single_ok calls ok of $BENCH_CG_CALLS"
	# hairpin calls: a new P-CSCF, its own S-CSCF port
	SCSCF_PORT=$(alloc_ports 1)
	export SCSCF_PORT
	cg_kamailio_start kamailio-cg-hairpin "$h"
	cg_hairpin_calls
	cg_kamailio_stop kamailio-cg-hairpin
	stop_pidfiles "$BENCH_RTPE_PIDFILE" rtpengine || true
	note "callgrind, hairpin: $CG_OK calls ok of $BENCH_CG_CALLS"
	[ "$single_ok" -gt 0 ] && [ "$CG_OK" -gt 0 ] || fail "no call succeeded under callgrind"
	cg_analyse "$s" "$single_ok" >"$RUN_DIR/hairpin-single.out"
	cg_analyse "$h" "$CG_OK" >"$RUN_DIR/hairpin-hairpin.out"
	{
		for k in calls kamailio_per_call offer_per_call answer_per_call delete_per_call \
			ng_per_call module_own_per_call module_share_pct allocs_per_call; do
			echo "single_$k $(kv "$RUN_DIR/hairpin-single.out" "$k")"
			echo "hairpin_$k $(kv "$RUN_DIR/hairpin-hairpin.out" "$k")"
		done
		# module entry points per call: 1 each for a single passage, 2
		# each for a hairpin call (one per passage)
		for fn in medsec_call_offer medsec_call_answer medsec_session_delete; do
			awk -v a="$(cg_entries "$s" "$fn")" -v b="$(cg_entries "$h" "$fn")" \
				-v n1="$single_ok" -v n2="$CG_OK" -v f="$fn" \
				'BEGIN { printf "single_%s_entries_per_call %.2f\nhairpin_%s_entries_per_call %.2f\n", f, a / n1, f, b / n2 }'
		done
		for k in module_own_per_call kamailio_per_call ng_per_call; do
			awk -v a="$(kv "$RUN_DIR/hairpin-hairpin.out" "$k")" -v b="$(kv "$RUN_DIR/hairpin-single.out" "$k")" \
				-v k="$k" 'BEGIN { if (b > 0) printf "ratio_%s %.3f\n", k, a / b; else printf "ratio_%s n/a\n", k }'
		done
	} >"$RUN_DIR/hairpin.out"
	cat "$RUN_DIR/hairpin.out" >&2
}

# hairpin_report: the Markdown section of the hairpin part (hairpin.out)
hairpin_report() {
	local o=$RUN_DIR/hairpin.out
	[ -f "$o" ] || return 0
	echo
	echo "## Hairpin e2ae call against a single passage (callgrind)"
	echo
	echo "Two P-CSCFs under callgrind in this run: $(kv "$o" single_calls) single-passage e2ae calls (UE -> core, as in the module profile) and $(kv "$o" hairpin_calls) hairpin calls (UE A -> P-CSCF -> S-CSCF -> P-CSCF -> UE B, both UEs e2ae; the S-CSCF is test/scscf.cfg, not profiled).  Instructions per call; the module's own: offer + answer + delete, ng exchange excluded."
	echo
	echo "| per call | single passage | hairpin (both passages) | hairpin / single |"
	echo "|---|---|---|---|"
	echo "| module's own instructions | $(kv "$o" single_module_own_per_call) | $(kv "$o" hairpin_module_own_per_call) | $(kv "$o" ratio_module_own_per_call) |"
	echo "| Kamailio's instructions (receive_msg) | $(kv "$o" single_kamailio_per_call) | $(kv "$o" hairpin_kamailio_per_call) | $(kv "$o" ratio_kamailio_per_call) |"
	echo "| ng exchange | $(kv "$o" single_ng_per_call) | $(kv "$o" hairpin_ng_per_call) | $(kv "$o" ratio_ng_per_call) |"
	echo "| offer / answer / delete | $(kv "$o" single_offer_per_call) / $(kv "$o" single_answer_per_call) / $(kv "$o" single_delete_per_call) | $(kv "$o" hairpin_offer_per_call) / $(kv "$o" hairpin_answer_per_call) / $(kv "$o" hairpin_delete_per_call) | |"
	echo "| module entries (offer / answer / delete) | $(kv "$o" single_medsec_call_offer_entries_per_call) / $(kv "$o" single_medsec_call_answer_entries_per_call) / $(kv "$o" single_medsec_session_delete_entries_per_call) | $(kv "$o" hairpin_medsec_call_offer_entries_per_call) / $(kv "$o" hairpin_medsec_call_answer_entries_per_call) / $(kv "$o" hairpin_medsec_session_delete_entries_per_call) | |"
	echo "| module share of Kamailio's instructions | $(kv "$o" single_module_share_pct) % | $(kv "$o" hairpin_module_share_pct) % | |"
}

# ----- 3. ng round trip -----

run_ngrtt() {
	local w
	bench_rtpengine rtt
	"$BENCH_BIN/ng_rtt" -n "udp:127.0.0.1:$BENCH_NG" rtt -c 20000 -b 500 >"$RUN_DIR/ngrtt.out" ||
		fail "ng_rtt rtt failed"
	for w in 1 2 4 8; do
		"$BENCH_BIN/ng_rtt" -n "udp:127.0.0.1:$BENCH_NG" tput -w "$w" -t 3 >>"$RUN_DIR/ngrtt.out" ||
			fail "ng_rtt tput -w $w failed"
	done
	stop_pidfiles "$BENCH_RTPE_PIDFILE" rtpengine || true
	cat "$RUN_DIR/ngrtt.out" >&2
}

# ----- 4. registration table -----

# Memory: BENCH_REGS distinct e2ae contacts registered through a real
# Kamailio (one REGISTER + 200 each: a protected re-registration), the
# shared memory Kamailio reports (real_used, allocator overhead included)
# before and after, and ims_medsec's registration count.  Lookup cost: the
# module's own table code (medsec_ht.c) in bench/regtable at 1k, 10k and
# 100k entries.
run_regtable() {
	local csv=$RUN_DIR/contacts.csv n=$BENCH_REGS before after count
	bench_rtpengine reg
	SCSCF_PORT=$(alloc_ports 1)
	UE_PORT=$(alloc_ports 1)
	export SCSCF_PORT
	bench_kamailio a
	# contacts 10.x.y.z:5060, one per registration
	awk -v n="$n" 'BEGIN { print "SEQUENTIAL"; for (i = 0; i < n; i++)
		printf "10.%d.%d.%d\n", int(i / 62500) % 250 + 1, int(i / 250) % 250 + 1, i % 250 + 1 }' >"$csv"
	sleep 1
	before=$(shm_real_used)
	start_bg regs-scscf sipp "$SIPP" -sf "$TEST_SIPP_DIR/e2ae_scscf_register.xml" -nostdin \
		-i 127.0.0.1 -p "$SCSCF_PORT" -mp "$(alloc_ports 4)" \
		-key srv401 "$E2AE_IPSEC_SERVER" -key extra401 "$E2AE_NOHDR" \
		-key extra200 "$E2AE_NOHDR" -key reg_expires 3600
	local scscf=$BG_PID
	e2ae_sipp_bound "$SCSCF_PORT"
	sed -e 's/Contact: <sip:\[user\]@\[local_ip\]:\[local_port\]>/Contact: <sip:[user]@[field0]:5060>/' \
		"$TEST_SIPP_DIR/e2ae_ue_register.xml" >"$RUN_DIR/bench_ue_register.xml"
	start_bg regs-ue sipp "$SIPP" -sf "$RUN_DIR/bench_ue_register.xml" -nostdin \
		-i 127.0.0.1 -p "$UE_PORT" -mp "$(alloc_ports 4)" -inf "$csv" \
		-r 1000 -m "$n" -timeout 120s -key user ue -key expires 3600 \
		-key sec_client "$E2AE_IPSEC_CLIENT, sdes-srtp;mediasec" -key sec_client2 "$E2AE_NOHDR" \
		-key auth0 'Authorization: Digest username="ue@ims.test", realm="ims.test", uri="sip:ims.test", nonce="bm9uY2U=", response="00000000000000000000000000000000"' \
		-key exp401 mediasec -key exp200 mediasec \
		-trace_stat -stf "$RUN_DIR/regs-ue.csv" -fd 60 "127.0.0.1:$KAM_SIP_PORT"
	wait "$BG_PID" || true
	stop_pidfiles "$RUN_DIR/regs-scscf.bg.pid" sipp || true
	wait "$scscf" 2>/dev/null || true
	# the REGISTER transactions wait out tm's wait timer before they go
	wait_until 30 tm_idle || note "tm transactions still held"
	sleep 1
	after=$(shm_real_used)
	count=$(kam_rpc stats.get_statistics ims_medsec:registrations 2>/dev/null |
		sed -n 's/.*registrations[^0-9]*\([0-9][0-9]*\).*/\1/p' | head -n 1)
	[ -n "$count" ] || count=$(sipp_successful "$RUN_DIR/regs-ue.csv")
	stop_pidfiles "$KAM_PIDFILE" kamailio "$BENCH_RTPE_PIDFILE" rtpengine || true
	echo "regs $count shm_before $before shm_after $after" >"$RUN_DIR/regtable.out"
	[ "${count:-0}" -gt 0 ] || fail "no registration recorded"
	local slots
	: >"$RUN_DIR/regtable-ir.out"
	for slots in 4096 131072; do
		"$BENCH_BIN/regtable" -s "$slots" 1000 10000 100000 >>"$RUN_DIR/regtable.out" ||
			fail "regtable failed"
		for n in 1000 10000 100000; do
			valgrind --tool=callgrind --collect-atstart=no --toggle-collect=medsec_ht_get \
				--callgrind-out-file="$RUN_DIR/regtable.cg.$slots.$n" \
				"$BENCH_BIN/regtable" -q -s "$slots" "$n" >/dev/null 2>&1 ||
				fail "regtable under callgrind failed"
			awk -v n="$n" -v s="$slots" '/^totals:/ { printf "ir %s %s %.0f\n", n, s, $2 / 20000 }' \
				"$RUN_DIR/regtable.cg.$slots.$n" >>"$RUN_DIR/regtable-ir.out"
		done
	done
	cat "$RUN_DIR/regtable.out" "$RUN_DIR/regtable-ir.out" >&2
}

# kam_rpc CMD...: kamcmd on this run's Kamailio's control socket
kam_rpc() { kamcmd -s "unix:$RUN_DIR/kamailio.run/kamailio_ctl" "$@"; }

# tm_idle: Kamailio holds no transaction
tm_idle() { kam_rpc tm.stats 2>/dev/null | awk '$1 == "current:" { f = 1; exit ($2 == 0 ? 0 : 1) } END { if (!f) exit 1 }'; }

# shm_real_used: Kamailio's shared memory in use, allocator overhead included
shm_real_used() {
	kam_rpc core.shmmem | awk '$1 == "real_used:" { print $2 }'
}

# ----- report -----

. "$REPO_ROOT/bench/report.sh"

# bench_report_all: bench/report.sh's results, and the hairpin part's
# section (when it ran) appended to the same Markdown file.
bench_report_all() {
	local md
	bench_report
	[ -f "$RUN_DIR/hairpin.out" ] || return 0
	md=$BENCH_RESULTS/$(date +%Y-%m-%d)-$(hostname -s).md
	hairpin_report | tee -a "$md"
}

# ----- main -----

if [ "${1:-}" = report ]; then
	RUN_DIR=$(cd "${2:?usage: bench.sh report RUN_DIR}" && pwd)
	BENCH_LOADAVG=$(cat "$RUN_DIR/loadavg" 2>/dev/null || echo "not recorded")
	BENCH_STARTED=$(cat "$RUN_DIR/started" 2>/dev/null || date +%s)
	bench_report_all
	exit 0
fi

setup_run
[ -n "${BENCH_PARTIAL:-}" ] && BENCH_RESULTS=$RUN_DIR
bench_deps
[ -x "$BENCH_BIN/ng_load" ] && [ -x "$BENCH_BIN/ng_rtt" ] && [ -x "$BENCH_BIN/regtable" ] ||
	fail "bench tools not built (make bench builds them)"
# Kamailio with more shared memory (see BENCH_SHM_MB)
printf '#!/bin/sh\nexec %s -m %s "$@"\n' "$(command -v "$KAMAILIO")" "$BENCH_SHM_MB" \
	>"$RUN_DIR/kamailio-bench"
chmod +x "$RUN_DIR/kamailio-bench"
KAMAILIO=$RUN_DIR/kamailio-bench
BENCH_MEDIA=$(alloc_media_range 4000)
BENCH_STARTED=$(date +%s)
BENCH_LOADAVG=$(cut -d' ' -f1-3 /proc/loadavg)
echo "$BENCH_LOADAVG" >"$RUN_DIR/loadavg"
echo "$BENCH_STARTED" >"$RUN_DIR/started"
{
	git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown
	git -C "$REPO_ROOT" diff --quiet HEAD -- . ':!bench/results' 2>/dev/null || echo "(with uncommitted changes)"
} | paste -sd' ' >"$RUN_DIR/commit"

want capacity && run_capacity
want module && run_module
want ngrtt && run_ngrtt
want regtable && run_regtable
want hairpin && run_hairpin

bench_report_all
