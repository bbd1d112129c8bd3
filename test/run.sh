#!/usr/bin/env bash
# test/run.sh [-h] [FILTER]: run the project's tests and report.
#
#   (a) every cmocka unit binary $BUILD_DIR/tests/test_*: each cmocka test
#       counts (cmocka's "[  PASSED  ] N test(s)." / "[  FAILED  ] N
#       test(s)" summary lines); a binary that crashes or exits non-zero
#       without a summary counts as one failure;
#   (b) every executable test/cases/*.sh, in sorted order, one test each
#       (exit status 0 = pass), each in its own run directory
#       $TEST_OUT/<session>/<case>/ with a timeout of $CASE_TIMEOUT seconds;
#       a case with the line "# lab: ims" once more as <case>@ims, against
#       the IMS P-CSCF (etc/ims_medsec-pcscf-ims.cfg, LAB_PCSCF=ims).
#
# FILTER keeps only the unit binaries and cases whose name contains it.
# One line per test (PASS name (1.2s) / FAIL name (...)); a failure is
# followed by its output and logs.  The last line is exactly
# "N passed, N failed"; the exit status is non-zero when a test failed or
# when nothing ran.
#
# Environment (the Makefile sets the first four):
#   BUILD_DIR      [build]            RNGCTL  [$BUILD_DIR/bin/rngctl]
#   FREEPORT       [$BUILD_DIR/bin/freeport; built here if missing]
#   MEDSEC_MODULE  [modules/ims_medsec/ims_medsec.so]
#   TEST_OUT       [test/out]         CASE_TIMEOUT [120]   UNIT_TIMEOUT [60]
set -euo pipefail

cd "$(dirname "$0")/.."
export REPO_ROOT=$PWD
export LC_ALL=C
CASE_TIMEOUT=${CASE_TIMEOUT:-120}
UNIT_TIMEOUT=${UNIT_TIMEOUT:-60}

case ${1:-} in
-h | --help)
	sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
	exit 0
	;;
esac
filter=${1:-}

export TEST_NAME=run
# shellcheck source=lib.sh
. test/lib.sh

# ----- preparation -----

# The Makefile builds freeport; build it here when run.sh runs alone.
if [ ! -x "$FREEPORT" ]; then
	echo "building $FREEPORT"
	mkdir -p "$(dirname "$FREEPORT")"
	cc -O2 -Wall -o "$FREEPORT" test/tools/freeport.c
fi

session=$(date +%Y%m%d-%H%M%S)-$$
SESSION_DIR=$TEST_OUT/$session
mkdir -p "$SESSION_DIR"
ln -sfn "$session" "$TEST_OUT/latest"

passed=0
failed=0
failures=()

# Milliseconds since the epoch (bash 5's EPOCHREALTIME).
now_ms() {
	local t=${EPOCHREALTIME/[.,]/}
	echo $((t / 1000))
}

# secs MS: "1.2s"
secs() { printf '%d.%ds' $(($1 / 1000)) $(($1 % 1000 / 100)); }

# selected NAME: NAME passes the filter.
selected() { [ -z "$filter" ] || [[ $1 == *"$filter"* ]]; }

# indent FILE: print FILE indented, for failure reports.
indent() { sed 's/^/    /' "$1"; }

# The case being run, for the INT/TERM handler.
current_pid=''
current_dir=''
on_signal() {
	trap - INT TERM
	echo
	echo "interrupted"
	if [ -n "$current_pid" ]; then
		kill -TERM "$current_pid" 2>/dev/null || true
		wait "$current_pid" 2>/dev/null || true
	fi
	if [ -n "$current_dir" ]; then
		RUN_DIR=$current_dir stop_all || true
	fi
	echo "$passed passed, $((failed + 1)) failed"
	exit 130
}
trap on_signal INT TERM

# ----- (a) unit tests -----

shopt -s nullglob
for bin in "$BUILD_DIR"/tests/test_*; do
	if [ ! -f "$bin" ] || [ ! -x "$bin" ]; then
		continue
	fi
	name=unit/$(basename "$bin")
	selected "$name" || continue
	mkdir -p "$SESSION_DIR/unit"
	log=$SESSION_DIR/unit/$(basename "$bin").log
	t0=$(now_ms)
	rc=0
	# In a subshell whose stderr is discarded: bash's own "Segmentation
	# fault" notice would land outside the report; the log gets a note.
	(
		CMOCKA_MESSAGE_OUTPUT=stdout timeout -k 5 "$UNIT_TIMEOUT" "$bin" \
			</dev/null >"$log" 2>&1
		exit $?
	) 2>/dev/null || rc=$?
	dt=$(secs $(($(now_ms) - t0)))
	# Sum every summary line: a binary may run several groups.
	p=$(awk '/^\[  PASSED  \] [0-9]+ test\(s\)/ { n += $4 } END { print n + 0 }' "$log")
	f=$(awk '/^\[  FAILED  \] [0-9]+ test\(s\)/ { n += $4 } END { print n + 0 }' "$log")
	what="$f of $((p + f)) tests failed"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		what="timed out after ${UNIT_TIMEOUT}s"
	elif [ "$rc" -gt 128 ]; then
		what="killed by SIG$(kill -l $((rc - 128)) 2>/dev/null || echo $((rc - 128)))"
		echo "($what)" >>"$log"
	elif [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		what="exit $rc without a cmocka failure"
	fi
	if [ "$rc" -ne 0 ] && [ "$f" -eq 0 ]; then
		f=1 # crashed, timed out or failed outside cmocka's accounting
	fi
	if [ "$p" -eq 0 ] && [ "$f" -eq 0 ]; then
		p=1 # exit 0 without a cmocka summary: one passing test
	fi
	passed=$((passed + p))
	failed=$((failed + f))
	if [ "$f" -eq 0 ]; then
		echo "PASS $name ($p tests, $dt)"
	else
		echo "FAIL $name ($what, $dt)"
		indent "$log"
		failures+=("$name")
	fi
done

# ----- (b) real-process cases -----

# run_case CASE NAME [VAR=VALUE...]: one case, in its own run directory,
# with the environment additions given.
run_case() {
	local case=$1 name=$2 dir t0 rc=0 dt left why
	shift 2
	dir=$SESSION_DIR/$name
	mkdir -p "$dir"
	t0=$(now_ms)
	# In the background so that a ^C here can stop it (timeout runs the
	# case in a process group of its own, out of the terminal's reach).
	env "$@" RUN_DIR="$dir" TEST_NAME="$name" timeout -k 10 "$CASE_TIMEOUT" "$case" \
		</dev/null >"$dir/case.log" 2>&1 &
	current_pid=$! current_dir=$dir
	wait "$current_pid" || rc=$?
	current_pid=''
	dt=$(secs $(($(now_ms) - t0)))

	# Safety net: whatever the case left running is a failure, and is
	# stopped here through the run's pidfiles.
	left=$(RUN_DIR=$dir leftover_procs)
	if [ -n "$left" ]; then
		RUN_DIR=$dir stop_all >>"$dir/case.log" 2>&1 || true
	fi
	current_dir=''

	if [ "$rc" -eq 0 ] && [ -z "$left" ]; then
		echo "PASS $name ($dt)"
		# Checks a case had to skip (note "NOTE: ...") stay visible.
		grep -h ': NOTE: ' "$dir/case.log" | sed 's/^/    /' || true
		passed=$((passed + 1))
		return 0
	fi
	failed=$((failed + 1))
	failures+=("$name")
	why="exit $rc"
	if [ "$rc" -eq 124 ] || [ "$rc" -eq 137 ]; then
		why="timed out after ${CASE_TIMEOUT}s"
	fi
	if [ -n "$left" ]; then
		why="$why; left running: $(echo "$left" | tr '\n' ' ')"
	fi
	echo "FAIL $name ($why, $dt)"
	indent "$dir/case.log"
	# A case killed by the timeout may not have printed its logs.
	if ! grep -q '^===== end of logs' "$dir/case.log"; then
		RUN_DIR=$dir dump_logs | sed 's/^/    /'
	fi
	echo "    (run directory: $dir)"
}

# A case with the line "# lab: ims" runs a second time as NAME@ims against
# the P-CSCF built on Kamailio's IMS modules (LAB_PCSCF=ims, test/e2ae.sh),
# in a network namespace of its own (CASE_OWN_NETNS=1, test/lib.sh).
for case in test/cases/*.sh; do
	if [ ! -f "$case" ] || [ ! -x "$case" ]; then
		continue # not executable: not a case (a helper, a draft)
	fi
	name=$(basename "$case" .sh)
	if selected "$name"; then
		run_case "$case" "$name"
	fi
	if grep -q '^# lab: ims$' "$case" && selected "$name@ims"; then
		run_case "$case" "$name@ims" LAB_PCSCF=ims CASE_OWN_NETNS=1
	fi
done

# ----- summary -----

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: ${failures[*]}"
fi
if [ $((passed + failed)) -eq 0 ]; then
	echo "nothing ran${filter:+ (filter \"$filter\")}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ $((passed + failed)) -gt 0 ]
