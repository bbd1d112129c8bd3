# shellcheck shell=bash
#
# bench/report.sh: the results of a make bench run, sourced by
# scripts/bench.sh.  bench_report reads the run directory's outputs
# (capacity.dat, module.out, ngrtt.out, regtable.out, regtable-ir.out),
# writes bench/results/<date>-<host>.md and the plot
# bench/results/<date>-<host>.png, and prints the Markdown.

# kv FILE KEY: the value of "KEY VALUE" or "KEY=VALUE" in FILE
kv() {
	[ -f "$1" ] || return 0
	awk -v k="$2" '{ for (i = 1; i <= NF; i++) {
		if ($i == k && i < NF) { print $(i + 1); exit }
		if (index($i, k "=") == 1) { print substr($i, length(k) + 2); exit } } }' "$1" 2>/dev/null || true
}

# max_sustained CONFIG: the highest offered rate with under 0.1 % failed
# calls (0 when none)
max_sustained() {
	[ -f "$RUN_DIR/capacity.dat" ] || {
		echo 0
		return 0
	}
	awk -v c="$1" '$1 == c && ($3 - $4) * 1000 < $3 && $2 > m { m = $2 } END { print m + 0 }' \
		"$RUN_DIR/capacity.dat" 2>/dev/null || echo 0
}

# step_of CONFIG RATE FIELD: a column of that step (6 kamailio CPU,
# 7 rtpengine CPU, 8 generator CPU, 9 machine busy)
step_of() {
	[ -f "$RUN_DIR/capacity.dat" ] || return 0
	awk -v c="$1" -v r="$2" -v f="$3" '$1 == c && $2 == r { print $f; exit }' \
		"$RUN_DIR/capacity.dat" 2>/dev/null
}

ratio() { awk -v a="$1" -v b="$2" 'BEGIN { if (b > 0) printf "%.2f", a / b; else print "n/a" }'; }
# met VALUE OP TARGET: "met" / "missed"
met() {
	awk -v v="$1" -v op="$2" -v t="$3" 'BEGIN {
		if (v == "n/a" || v == "") { print "n/a"; exit }
		ok = (op == ">=") ? (v + 0 >= t + 0) : (v + 0 <= t + 0)
		print ok ? "met" : "**missed**" }'
}

bench_plot() {
	local png=$1 cfg
	[ -s "$RUN_DIR/capacity.dat" ] || return 0
	command -v gnuplot >/dev/null || {
		note "gnuplot missing: no plot"
		return 0
	}
	for cfg in a b c; do
		awk -v c="$cfg" '$1 == c { printf "%s %.3f\n", $2, 100 * $4 / $3 }' \
			"$RUN_DIR/capacity.dat" >"$RUN_DIR/plot-$cfg.dat"
	done
	gnuplot <<EOF
set terminal png size 900,540 noenhanced
set output "$png"
set title "make bench: successful calls against offered call rate ($(hostname -s), $(date +%Y-%m-%d))"
set xlabel "offered call rate (calls/s, ${BENCH_STEP_S} s per step, ${BENCH_HOLD_MS} ms hold)"
set ylabel "successful calls (%)"
set yrange [0:105]
set grid
set key bottom left
set arrow from graph 0, first 99.9 to graph 1, first 99.9 nohead dt 2 lc rgb "gray"
plot "$RUN_DIR/plot-a.dat" using 1:2 with linespoints lw 2 title "(a) Kamailio + ims_medsec", \
     "$RUN_DIR/plot-b.dat" using 1:2 with linespoints lw 2 title "(b) Kamailio + stock rtpengine module", \
     "$RUN_DIR/plot-c.dat" using 1:2 with linespoints lw 2 title "(c) ng_load -> rtpengine (ceiling)"
EOF
}

machine_description() {
	local os
	os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
	echo "- machine: $(nproc) CPUs, $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo), $(awk '/^MemTotal/ { printf "%.0f GB", $2 / 1048576 }' /proc/meminfo) RAM, $os, Linux $(uname -r)"
	echo "- software: $(kamailio -v 2>/dev/null | head -n 1 | sed 's/version: //; s/ *$//'), rtpengine $(rtpengine --version 2>&1 | awk '{ print $NF; exit }'), $(sipp -v 2>/dev/null | awk '/SIPp v/ { print $1, $2; exit }' | sed 's/,$//'), $(valgrind --version 2>/dev/null)"
	echo "- commit: $(cat "$RUN_DIR/commit" 2>/dev/null || git -C "$REPO_ROOT" rev-parse --short HEAD 2>/dev/null), date: $(date -u -d "@$BENCH_STARTED" '+%Y-%m-%d %H:%M UTC')"
	echo "- load average when the bench started: $BENCH_LOADAVG (another user's jobs may share the CPUs: every comparison is a ratio within this run)"
	echo "- settings: steps of ${BENCH_STEP_S} s, hold ${BENCH_HOLD_MS} ms, ${BENCH_WORKERS} Kamailio SIP workers in (a) and (b) and ${BENCH_WORKERS} ng_load workers in (c), Kamailio shm ${BENCH_SHM_MB} MB, rtpengine userspace with 4,000 media ports, logging at its error level"
}

# closing_note AB AC SHARE RTT PER_REG: why each missed target was missed,
# from this run's own figures, and what would move it.
closing_note() {
	local m=$RUN_DIR/module.out g=$RUN_DIR/regtable.out
	echo "## Closing note"
	echo
	if [ "$(met "$1" '>=' 1.0)" != met ]; then
		echo "- (a)/(b) under 1.0: the two configurations share the machine with the SIPp instances and rtpengine, and the step where each starts failing is within one step of the other; compare the CPU columns of the ramp at the same offered rate for the per-call cost."
	fi
	if [ "$(met "$2" '>=' 0.9)" != met ]; then
		echo "- (a)/(c) under 0.9: (c) has no SIP at all.  In (a) every call also costs two SIPp instances and Kamailio's SIP processing ($(kv "$m" kamailio_per_call) instructions per call, of which the module's own is $(kv "$m" module_own_per_call)) on the same 2 cores as rtpengine; (b) pays the same SIP cost.  What would move it: more cores, or SIPp on another machine; the module's share is the smaller part."
	fi
	if [ "$(met "$3" '<=' 3)" != met ]; then
		echo "- Module instructions $3 % of Kamailio's, over 3 %.  Profile (per call): the module wipes its two 32 kB scratch buffers after every offer and every answer, whatever the SDP's size: $(kv "$m" wipe_per_call) instructions (explicit_bzero, see the table above); Kamailio's q_malloc scans its free lists for each allocation, so the module's $(kv "$m" allocs_per_call) allocations per call (body copy and two lumps per rewritten body, the call-table entry, parse_contact for the registration lookup) cost $(kv "$m" alloc_cost_per_call).  The rest (SDP walk, crypto selection, rewrite, tables) is $(kv "$m" rest_share_pct) %.  What would move it: wipe only the bytes written (the output length of each buffer), and reuse the contact Kamailio already parsed (or parse the contact once per request)."
	fi
	if [ "$(met "$4" '<=' 1.05)" != met ]; then
		echo "- ng round trip over 1.05 x raw: the client adds a poll() before each recv() and builds a cookie per request; the medians above show how much is scheduling noise."
	fi
	if [ "$(met "$5" '<=' 512)" != met ]; then
		echo "- Shared memory per registration over 512 B: see regtable.out in the run directory (the entry itself is $(awk '/^n=100000 slots=4096/ { sub(/.*bytes_per_entry=/, ""); sub(/ .*/, ""); print }' "$g" 2>/dev/null) B requested)."
	fi
	if awk '/^ir / && $3 == 4096 { v[$2] = $4 } END { exit (v[100000] > 1.2 * v[1000]) ? 0 : 1 }' "$RUN_DIR/regtable-ir.out" 2>/dev/null; then
		echo "- Lookup cost grows with the table: the registration table has a fixed number of slots (registration_table_size, default 4096) and chains entries per slot, so at 100k registrations a lookup walks ~12 entries (chain $(awk '/^n=100000 slots=4096/ { sub(/.*chain=/, ""); print }' "$g" 2>/dev/null) per slot).  Sized for the registrations expected (registration_table_size 131072 above) the chains stay under one entry; what remains is cache misses (time per lookup) and longer keys.  What would move it for good: a table that grows (rehash when entries exceed slots), or a default sized for a P-CSCF's registrations."
	fi
}

bench_report() {
	local stamp host md png a b c ab ac
	host=$(hostname -s)
	stamp=$(date +%Y-%m-%d)
	mkdir -p "$BENCH_RESULTS"
	md=$BENCH_RESULTS/$stamp-$host.md
	png=$BENCH_RESULTS/$stamp-$host.png
	bench_plot "$png"
	a=$(max_sustained a) b=$(max_sustained b) c=$(max_sustained c)
	ab=$(ratio "$a" "$b") ac=$(ratio "$a" "$c")
	local m=$RUN_DIR/module.out r=$RUN_DIR/ngrtt.out g=$RUN_DIR/regtable.out
	local share rtt_c rtt_r rtt_ratio per_reg regs
	share=$(kv "$m" module_share_pct)
	rtt_c=$(kv "$r" client_us) rtt_r=$(kv "$r" raw_us)
	rtt_ratio=$(ratio "$rtt_c" "$rtt_r")
	regs=$(kv "$g" regs)
	per_reg=$(awk -v b="$(kv "$g" shm_before)" -v a="$(kv "$g" shm_after)" -v n="$regs" \
		'BEGIN { if (n > 0) printf "%.0f", (a - b) / n; else print "n/a" }')
	{
		echo "# make bench results, $stamp, $host"
		echo
		machine_description
		echo
		echo "## Summary"
		echo
		echo "| figure | value | target | |"
		echo "|---|---|---|---|"
		echo "| (a) Kamailio + ims_medsec, highest sustained rate (< 0.1 % failed) | $a calls/s | | |"
		echo "| (b) Kamailio + stock rtpengine module, same routing and flags | $b calls/s | | |"
		echo "| (c) ng_load straight to rtpengine (ceiling) | $c calls/s | | |"
		echo "| (a)/(b) | $ab | ≥ 1.0 | $(met "$ab" '>=' 1.0) |"
		echo "| (a)/(c) | $ac | ≥ 0.9 | $(met "$ac" '>=' 0.9) |"
		echo "| CPU at (a)'s highest sustained rate: Kamailio / rtpengine / SIPp (% of one core) | $(step_of a "$a" 6) / $(step_of a "$a" 7) / $(step_of a "$a" 8) | | |"
		echo "| CPU at (b)'s highest sustained rate: Kamailio / rtpengine / SIPp | $(step_of b "$b" 6) / $(step_of b "$b" 7) / $(step_of b "$b" 8) | | |"
		echo "| CPU at (c)'s highest sustained rate: rtpengine / ng_load | $(step_of c "$c" 7) / $(step_of c "$c" 8) | | |"
		echo "| module instructions per call: offer + answer + delete, ng exchange excluded | $(kv "$m" module_own_per_call) | | |"
		echo "| Kamailio instructions per call (all SIP processing, receive_msg inclusive) | $(kv "$m" kamailio_per_call) | | |"
		echo "| module share of Kamailio's instructions | $share % | ≤ 3 % | $(met "$share" '<=' 3) |"
		echo "| ng exchange per call (encoding, client, reply parsing; user space) | $(kv "$m" ng_per_call) instructions | | |"
		echo "| module allocations per call (pkg + shm, lumps included) | $(kv "$m" allocs_per_call) | | |"
		echo "| ng round trip: rtpengine-ng client / raw UDP (mean) | $rtt_c µs / $rtt_r µs = $rtt_ratio | ≤ 1.05 | $(met "$rtt_ratio" '<=' 1.05) |"
		echo "| ng round trip, median: client / raw | $(kv "$r" client_p50_us) µs / $(kv "$r" raw_p50_us) µs | | |"
		echo "| ng client throughput (pings/s) with 1 / 2 / 4 / 8 workers | $(awk '/^workers=/ { sub(/.*ops_per_s=/, ""); sub(/ .*/, ""); printf "%s%s", s, $0; s = " / " }' "$r" 2>/dev/null) | | |"
		echo "| shared memory per e2ae registration (real Kamailio, $regs registrations, allocator overhead included) | $per_reg B | ≤ 512 B | $(met "$per_reg" '<=' 512) |"
		awk '/^n=/ && $2 == "slots=4096" { sub(/^n=/, "", $1); printf "| registration lookup, %s registrations (default table, 4096 slots) | %s ns, %s instructions, chain %s | flat | |\n", $1, substr($5, 11), ir[$1], substr($7, 7) }
			/^ir / && $3 == 4096 { ir[$2] = $4 }' "$RUN_DIR/regtable-ir.out" "$g" 2>/dev/null || true
		awk '/^n=/ && $2 == "slots=131072" { sub(/^n=/, "", $1); printf "| registration lookup, %s registrations (registration_table_size 131072) | %s ns, %s instructions, chain %s | flat | |\n", $1, substr($5, 11), ir[$1], substr($7, 7) }
			/^ir / && $3 == 131072 { ir[$2] = $4 }' "$RUN_DIR/regtable-ir.out" "$g" 2>/dev/null || true
		echo
		echo "Plot: \`$(basename "$png")\` (successful calls against offered rate for (a), (b) and (c))."
		echo
		echo "## Call-rate ramp"
		echo
		echo "CPU in % of one core over the step; SIPp = both SIPp instances, the generator in (c) is ng_load."
		echo
		echo "| config | offered calls/s | calls | ok | success | duration | Kamailio CPU | rtpengine CPU | generator CPU | machine busy |"
		echo "|---|---|---|---|---|---|---|---|---|---|"
		awk '{ printf "| %s | %s | %s | %s | %.2f %% | %s s | %s | %s | %s | %s %% |\n", $1, $2, $3, $4, 100 * $4 / $3, $5, $6, $7, $8, $9 }' \
			"$RUN_DIR/capacity.dat" 2>/dev/null || true
		echo
		echo "## Module profile (callgrind, $(kv "$m" calls) e2ae calls)"
		echo
		echo "Per call: offer $(kv "$m" offer_per_call), answer $(kv "$m" answer_per_call), delete $(kv "$m" delete_per_call) instructions inclusive, of which the ng exchange $(kv "$m" ng_per_call)."
		echo "Of the module's own $(kv "$m" module_own_per_call) instructions per call: wiping its scratch buffers (explicit_bzero) $(kv "$m" wipe_per_call); Kamailio's allocator and lump constructors it calls, and parse_contact, $(kv "$m" alloc_cost_per_call); the rest (SDP walk, crypto selection, rewrite, tables) is $(kv "$m" rest_share_pct) % of Kamailio's instructions."
		echo
		echo "The module's costliest calls into other code (instructions per call):"
		echo
		echo "| caller | callee | instructions per call |"
		echo "|---|---|---|"
		awk '$1 == "arc" { printf "| %s | %s | %s |\n", $2, $3, $4 }' "$m" 2>/dev/null || true
		echo
		closing_note "$ab" "$ac" "$share" "$rtt_ratio" "$per_reg"
		echo
		echo "Reproduce: \`make bench\` (after \`make test\`'s set-up); the run directory was \`${RUN_DIR#"$REPO_ROOT"/}\`; took $(($(date +%s) - BENCH_STARTED)) s."
	} >"$md"
	note "results: ${md#"$REPO_ROOT"/}, plot: ${png#"$REPO_ROOT"/}"
	cat "$md"
}
