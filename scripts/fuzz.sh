#!/usr/bin/env bash
# Run the libFuzzer harnesses of rtpengine-ng and ims_medsec.
#
#   scripts/fuzz.sh <fuzz-bin-dir> smoke|long
#
# <fuzz-bin-dir> holds the fuzz_* binaries built by
# `make -C rtpengine-ng O=<dir> fuzz-build` and
# `make -C modules/ims_medsec/tests O=<dir> fuzz-build` (that is, <dir>/fuzz).
# A harness fuzz_NAME belongs to the first of rtpengine-ng/fuzz and
# modules/ims_medsec/fuzz that has corpus/NAME/ (rtpengine-ng/fuzz when
# neither has), and uses that directory's *.dict.  For each harness:
#   1. replay the committed seeds in <that directory>/corpus/NAME/;
#   2. fuzz for $FUZZ_SECONDS seconds (smoke: 5 by default, long: 60) with
#      a working corpus under <fuzz-bin-dir>/work/NAME/ (smoke starts it
#      afresh, long keeps it between runs).  The committed corpus is only
#      read: libFuzzer writes new inputs to the first corpus directory, the
#      working one, and crash reproducers to <fuzz-bin-dir>/work/NAME/crashes/.
# One line per harness reports its executions.  Exit status: 0 when every
# harness ran clean, 1 on any crash (the reproducer's path is printed),
# 2 on bad usage.
set -euo pipefail

usage() {
	echo "usage: $0 <fuzz-bin-dir> smoke|long" >&2
	exit 2
}

[ $# -eq 2 ] || usage
bindir=$1
mode=$2
case "$mode" in
smoke) seconds=${FUZZ_SECONDS:-5} ;;
long) seconds=${FUZZ_SECONDS:-60} ;;
*) usage ;;
esac
case "$seconds" in
'' | *[!0-9]*)
	echo "fuzz.sh: FUZZ_SECONDS must be a whole number" >&2
	exit 2
	;;
esac
[ -d "$bindir" ] || {
	echo "fuzz.sh: no directory $bindir" >&2
	exit 2
}
bindir=$(cd "$bindir" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
fuzzdirs=("$root/rtpengine-ng/fuzz" "$root/modules/ims_medsec/fuzz")

mapfile -t harnesses < <(find "$bindir" -maxdepth 1 -type f -name 'fuzz_*' \
	-perm -u+x | sort)
if [ ${#harnesses[@]} -eq 0 ]; then
	echo "fuzz.sh: no fuzz_* binary in $bindir" >&2
	exit 2
fi

failed=0
for bin in "${harnesses[@]}"; do
	harness=$(basename "$bin")
	name=${harness#fuzz_}
	fuzzdir=${fuzzdirs[0]}
	for d in "${fuzzdirs[@]}"; do
		if [ -d "$d/corpus/$name" ]; then
			fuzzdir=$d
			break
		fi
	done
	seeds=$fuzzdir/corpus/$name
	dict=
	for f in "$fuzzdir"/*.dict; do
		if [ -f "$f" ]; then
			dict=$f
			break
		fi
	done
	work=$bindir/work/$name
	if [ "$mode" = smoke ]; then
		rm -rf "$work"
	fi
	mkdir -p "$work/corpus" "$work/crashes"
	log=$work/$mode.log
	: >"$log"

	# 1. replay the committed seeds, one run each
	nseeds=0
	if [ -d "$seeds" ]; then
		mapfile -d '' files < <(find "$seeds" -type f -print0 | sort -z)
		nseeds=${#files[@]}
		if [ "$nseeds" -gt 0 ]; then
			if ! "$bin" -artifact_prefix="$work/crashes/" "${files[@]}" \
				>"$work/replay.log" 2>&1; then
				echo "$harness: FAILED replaying $seeds (log: $work/replay.log)"
				tail -n 30 "$work/replay.log" | sed 's/^/    /'
				failed=1
				continue
			fi
		fi
	fi
	[ "$nseeds" -gt 0 ] || echo "$harness: warning: no seeds in $seeds" >&2

	# 2. fuzz; new inputs go to the working corpus (the first directory)
	args=(-max_total_time="$seconds" -print_final_stats=1 -timeout=10
		-rss_limit_mb=2048 -max_len=8192 -artifact_prefix="$work/crashes/")
	[ -n "$dict" ] && args+=(-dict="$dict")
	dirs=("$work/corpus")
	[ -d "$seeds" ] && dirs+=("$seeds")
	rc=0
	"$bin" "${args[@]}" "${dirs[@]}" >"$log" 2>&1 || rc=$?

	execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)
	execs=${execs:-?}
	units=$(find "$work/corpus" -type f | wc -l)
	if [ "$rc" -ne 0 ]; then
		failed=1
		crash=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
		echo "$harness: CRASH after $execs executions (exit $rc, log: $log)"
		if [ -n "$crash" ]; then
			echo "$harness: reproducer: $crash"
			echo "$harness: replay with: $bin $crash"
		fi
		grep -m 5 -E 'ERROR: |SUMMARY: |runtime error' "$log" | sed 's/^/    /' || true
	else
		echo "$harness: $execs executions in ${seconds}s ($mode; $nseeds seeds replayed, working corpus $units inputs)"
	fi
done
exit "$failed"
