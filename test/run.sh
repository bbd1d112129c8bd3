#!/usr/bin/env bash
# test/run.sh [-h] [-j N] [FILTER]: run the project's tests and report.
#
#   (a) every cmocka unit binary $BUILD_DIR/tests/test_*, one after the
#       other: each cmocka test counts (cmocka's "[  PASSED  ] N test(s)."
#       / "[  FAILED  ] N test(s)" summary lines); a binary that crashes or
#       exits non-zero without a summary counts as one failure;
#   (b) every executable test/cases/*.sh, one test each (exit status 0 =
#       pass), N at a time (-j N, else $TEST_JOBS, else 4), each in its own
#       run directory $TEST_OUT/<session>/<case>/ with a timeout of
#       $CASE_TIMEOUT seconds, and once more per variant that applies to it
#       (see "variants" below: a case with the line "# lab: ims" also runs
#       as <case>@ims, against the IMS P-CSCF).  A case with a line
#       "# parallel: alone ..." runs while no other case runs.  Every case
#       takes its ports from the checkout's ledger, $PORT_LEDGER
#       [test/out/ports.ledger] (freeport -l, test/lib.sh alloc_ports),
#       shared with every other session, so that no port is handed out
#       twice at a time.
#
# FILTER keeps only the unit binaries and cases whose name contains it
# (e.g. "@ims": only the @ims variants).  One line per test, printed when
# the test ends (PASS name (1.2s) / FAIL name (...), a failure followed by
# its output and logs): with -j 1 in the cases' sorted order; in parallel,
# the alone cases first, then the others longest first (as long as they
# took last time, $TEST_OUT/durations), in the order they end.  The last
# line is exactly "N passed, N failed"; the exit status is non-zero when a
# test failed or when nothing ran.
#
# Environment (the Makefile sets the first four):
#   BUILD_DIR      [build]            RNGCTL  [$BUILD_DIR/bin/rngctl]
#   FREEPORT       [$BUILD_DIR/bin/freeport; built here if missing or old]
#   MEDSEC_MODULE  [modules/ims_medsec/ims_medsec.so]
#   TEST_OUT       [test/out]         CASE_TIMEOUT [120]   UNIT_TIMEOUT [60]
#   TEST_JOBS      [4] cases at a time (-j overrides it)
#   PORT_LEDGER    [test/out/ports.ledger]
set -euo pipefail

cd "$(dirname "$0")/.."
export REPO_ROOT=$PWD
export LC_ALL=C
CASE_TIMEOUT=${CASE_TIMEOUT:-120}
UNIT_TIMEOUT=${UNIT_TIMEOUT:-60}
jobs=${TEST_JOBS:-4}

filter=''
while [ $# -gt 0 ]; do
	case $1 in
	-h | --help)
		sed -n '2,/^set -euo/{/^set -euo/d;s/^# \{0,1\}//;p}' "$0"
		exit 0
		;;
	-j)
		[ $# -ge 2 ] || { echo "run.sh: -j needs a number" >&2; exit 2; }
		jobs=$2
		shift 2
		;;
	-j*)
		jobs=${1#-j}
		shift
		;;
	-*)
		echo "run.sh: unknown option $1 (see -h)" >&2
		exit 2
		;;
	*)
		[ -z "$filter" ] || { echo "run.sh: one FILTER at most" >&2; exit 2; }
		filter=$1
		shift
		;;
	esac
done
case $jobs in
'' | *[!0-9]* | 0)
	echo "run.sh: the number of jobs must be 1 or more, not '$jobs'" >&2
	exit 2
	;;
esac

export TEST_NAME=run
# shellcheck source=lib.sh
. test/lib.sh

# ----- variants -----
#
# variant SUFFIX WHEN [VAR=VALUE...] [-- COMMAND...]: every case for which
# the command `WHEN CASEFILE` succeeds runs as NAME$SUFFIX, with the
# VAR=VALUE assignments added to its environment and, when given, COMMAND
# in front of it: `env VAR=VALUE... timeout ... COMMAND... test/cases/NAME.sh`
# (COMMAND must run its last argument with the environment it got, in this
# directory).  A variant is one line below, plus its WHEN function.  Every
# variant shares the session's port ledger, run directory tree and
# timeout, and is stopped the same way (by the pidfiles its run
# recorded); a variant that runs a case elsewhere (a chroot) must see this
# repository and $TEST_OUT at the same paths and share the host's pid
# space, and a case it overrides BUILD_DIR for needs the matching
# FREEPORT, RNGCTL and MEDSEC_MODULE too (run.sh exports all four).
V_SUFFIX=() V_WHEN=() V_ENV=() V_CMD=()
variant() {
	local suffix=$1 when=$2 env=() cmd=()
	shift 2
	while [ $# -gt 0 ] && [ "$1" != -- ]; do
		env+=("$1")
		shift
	done
	[ $# -eq 0 ] || shift
	cmd=("$@")
	V_SUFFIX+=("$suffix")
	V_WHEN+=("$when")
	V_ENV+=("$([ ${#env[@]} -eq 0 ] || printf '%q ' "${env[@]}")")
	V_CMD+=("$([ ${#cmd[@]} -eq 0 ] || printf '%q ' "${cmd[@]}")")
}

# The case as it is.
variant '' true
# "# lab: ims": against the P-CSCF built on Kamailio's IMS modules
# (LAB_PCSCF=ims, test/e2ae.sh), in a network namespace of its own
# (CASE_OWN_NETNS=1, test/lib.sh).
lab_ims() { grep -q '^# lab: ims$' "$1"; }
variant @ims lab_ims LAB_PCSCF=ims CASE_OWN_NETNS=1

# ----- preparation -----

# The Makefile builds freeport; build it here when run.sh runs alone, or
# when it predates its source (an old one has no port ledger).
if [ ! -x "$FREEPORT" ] || [ test/tools/freeport.c -nt "$FREEPORT" ]; then
	echo "building $FREEPORT"
	mkdir -p "$(dirname "$FREEPORT")"
	cc -O2 -Wall -o "$FREEPORT" test/tools/freeport.c
fi

session=$(date +%Y%m%d-%H%M%S)-$$
SESSION_DIR=$TEST_OUT/$session
mkdir -p "$SESSION_DIR"
ln -sfn "$session" "$TEST_OUT/latest"
# The checkout's port ledger (test/lib.sh alloc_ports), shared with the
# other sessions; this session's ranges are live while this process runs.
export PORT_LEDGER=${PORT_LEDGER:-$REPO_ROOT/test/out/ports.ledger}
mkdir -p "$(dirname "$PORT_LEDGER")"
"$FREEPORT" -l "$PORT_LEDGER" -S "$session" -p $$ ||
	{ echo "run.sh: $FREEPORT cannot use the port ledger $PORT_LEDGER" >&2; exit 2; }
trap '"$FREEPORT" -l "$PORT_LEDGER" -E "$session" || true' EXIT

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

# The running cases (job pid -> index), for the signal handler.
declare -A RUNNING=()
# on_signal: ^C, TERM, HUP, or a reader of our output that went away
# (PIPE): stop the running cases (each job stops its case through its
# pidfiles), count them as failed, exit 130.
on_signal() {
	local pid i n=0
	trap - INT TERM HUP
	trap '' PIPE # the report may have nowhere to go
	{
		echo
		echo "interrupted"
	} 2>/dev/null || true
	for pid in "${!RUNNING[@]}"; do
		kill -TERM "$pid" 2>/dev/null || true
	done
	for pid in "${!RUNNING[@]}"; do
		wait "$pid" 2>/dev/null || true
		i=${RUNNING[$pid]}
		# the job stopped its case; this is the safety net
		RUN_DIR=$SESSION_DIR/${J_NAME[i]} stop_all >/dev/null 2>&1 || true
		echo "FAIL ${J_NAME[i]} (interrupted)" 2>/dev/null || true
		n=$((n + 1))
	done
	# what was interrupted counts as failed (a unit test: one)
	[ "$n" -gt 0 ] || n=1
	echo "$passed passed, $((failed + n)) failed" 2>/dev/null || true
	exit 130
}
trap on_signal INT TERM HUP PIPE

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

# The jobs: one per case and variant that applies, in sorted order.
J_NAME=() J_CASE=() J_VAR=() J_ALONE=()
for case in test/cases/*.sh; do
	if [ ! -f "$case" ] || [ ! -x "$case" ]; then
		continue # not executable: not a case (a helper, a draft)
	fi
	base=$(basename "$case" .sh)
	alone=0
	if grep -q '^# parallel: alone\b' "$case"; then
		alone=1
	fi
	for v in "${!V_SUFFIX[@]}"; do
		name=$base${V_SUFFIX[v]}
		selected "$name" || continue
		"${V_WHEN[v]}" "$case" || continue
		J_NAME+=("$name") J_CASE+=("$case") J_VAR+=("$v") J_ALONE+=("$alone")
	done
done

# The order in which they start: sorted with -j 1; in parallel, the alone
# cases first (sorted), then the others by the time they took last time,
# longest first (a case never timed before counts as the longest).
DURATIONS=$TEST_OUT/durations
ORDER=()
if [ "$jobs" -eq 1 ]; then
	ORDER=("${!J_NAME[@]}")
elif [ ${#J_NAME[@]} -gt 0 ]; then
	mapfile -t ORDER < <(
		for i in "${!J_NAME[@]}"; do
			printf '%s %s %s\n' "$i" "${J_ALONE[i]}" "${J_NAME[i]}"
		done | awk -v f="$DURATIONS" '
			BEGIN { while ((getline l < f) > 0) { split(l, a, " "); ms[a[1]] = a[2] } }
			{
				if ($2 == 1) key = 0
				else if ($3 in ms) key = 1e9 - ms[$3]
				else key = 1
				printf "%d %d %d\n", ($2 == 1 ? 0 : 1), key, $1
			}' | sort -k1,1n -k2,2n -k3,3n | awk '{ print $3 }'
	)
fi

# run_job I: (in the background) run job I in its own run directory,
# then write its report ($dir/.report, printed by the main loop), its
# verdict ($dir/.result: pass/fail) and its time ($dir/.ms).
run_job() {
	local i=$1 case=${J_CASE[$1]} name=${J_NAME[$1]} v=${J_VAR[$1]} dir t0 rc=0 dt left why
	local tpid='' stop=0 ms ns
	local -a venv=() vcmd=()
	eval "venv=(${V_ENV[v]})"
	eval "vcmd=(${V_CMD[v]})"
	dir=$SESSION_DIR/$name
	# the main loop's TERM (on ^C): stop the case, then report as usual
	trap 'stop=1; [ -z "$tpid" ] || kill -TERM "$tpid" 2>/dev/null || true' TERM
	t0=$(now_ms)
	# timeout runs the case in a process group of its own.
	env ${venv[@]+"${venv[@]}"} RUN_DIR="$dir" TEST_NAME="$name" PORT_OWNER="$session/$name" \
		timeout -k 10 "$CASE_TIMEOUT" ${vcmd[@]+"${vcmd[@]}"} "$case" \
		</dev/null >"$dir/case.log" 2>&1 &
	tpid=$!
	[ "$stop" = 0 ] || kill -TERM "$tpid" 2>/dev/null || true
	while :; do
		rc=0
		wait "$tpid" || rc=$?
		# a status above 128 may be the TERM trap interrupting wait
		kill -0 "$tpid" 2>/dev/null || break
	done
	ms=$(($(now_ms) - t0))
	dt=$(secs "$ms")

	# Safety net: whatever the case left running is a failure, and is
	# stopped here through the run's pidfiles; so are the network
	# namespaces it made (when it was killed before removing them).
	left=$(RUN_DIR=$dir leftover_procs)
	if [ -n "$left" ]; then
		RUN_DIR=$dir stop_all >>"$dir/case.log" 2>&1 || true
	fi
	if [ -s "$dir/netns" ]; then
		while read -r ns; do
			[ -z "$ns" ] || ip netns del "$ns" 2>/dev/null || true
		done <"$dir/netns"
	fi
	# Its ports go back to the ledger (reused only once every other
	# port of the space was handed out).
	"$FREEPORT" -l "$PORT_LEDGER" -r "$session/$name" || true

	exec >"$dir/.report"
	if [ "$rc" -eq 0 ] && [ -z "$left" ]; then
		echo "PASS $name ($dt)"
		# Checks a case had to skip (note "NOTE: ...") stay visible.
		grep -h ': NOTE: ' "$dir/case.log" | sed 's/^/    /' || true
		echo pass >"$dir/.result"
		echo "$ms" >"$dir/.ms"
		return 0
	fi
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
	echo fail >"$dir/.result"
}

# report I: print job I's report and count it.
report() {
	local name=${J_NAME[$1]} dir=$SESSION_DIR/${J_NAME[$1]}
	if [ -f "$dir/.report" ] && [ -f "$dir/.result" ]; then
		cat "$dir/.report"
	else
		echo "FAIL $name (the runner of the case died)"
		echo fail >"$dir/.result"
	fi
	if [ "$(cat "$dir/.result")" = pass ]; then
		passed=$((passed + 1))
	else
		failed=$((failed + 1))
		failures+=("$name")
	fi
}

# reap: wait for a running job to end, report it.
if ((BASH_VERSINFO[0] > 5 || (BASH_VERSINFO[0] == 5 && BASH_VERSINFO[1] >= 1))); then
	reap() {
		local pid=''
		wait -n -p pid "${!RUNNING[@]}" || true
		[ -n "$pid" ] || return 0
		report "${RUNNING[$pid]}"
		unset "RUNNING[$pid]"
	}
else
	reap() { # bash < 5.1 has no wait -p: poll
		local pid
		while :; do
			for pid in "${!RUNNING[@]}"; do
				if ! kill -0 "$pid" 2>/dev/null; then
					wait "$pid" || true
					report "${RUNNING[$pid]}"
					unset "RUNNING[$pid]"
					return 0
				fi
			done
			sleep 0.2
		done
	}
fi

next=0 alone_running=0
while :; do
	while [ "$next" -lt ${#ORDER[@]} ] && [ ${#RUNNING[@]} -lt "$jobs" ] &&
		[ "$alone_running" = 0 ]; do
		i=${ORDER[next]}
		if [ "${J_ALONE[i]}" = 1 ] && [ ${#RUNNING[@]} -gt 0 ]; then
			break # an alone case waits for the others to end
		fi
		mkdir -p "$SESSION_DIR/${J_NAME[i]}"
		rm -f "$SESSION_DIR/${J_NAME[i]}/.report" "$SESSION_DIR/${J_NAME[i]}/.result"
		run_job "$i" &
		RUNNING[$!]=$i
		next=$((next + 1))
		alone_running=${J_ALONE[i]}
	done
	[ ${#RUNNING[@]} -gt 0 ] || break
	reap
	if [ ${#RUNNING[@]} -eq 0 ]; then
		alone_running=0
	fi
done

# What each passing case took, for the next run's order.
if [ ${#J_NAME[@]} -gt 0 ]; then
	{
		for i in "${!J_NAME[@]}"; do
			f=$SESSION_DIR/${J_NAME[i]}/.ms
			[ ! -f "$f" ] || echo "${J_NAME[i]} $(cat "$f")"
		done
		[ ! -f "$DURATIONS" ] || cat "$DURATIONS"
	} | awk '!seen[$1]++ { print $1, $2 }' | sort >"$DURATIONS.$$" || true
	mv "$DURATIONS.$$" "$DURATIONS" 2>/dev/null || rm -f "$DURATIONS.$$"
fi

# ----- summary -----

if [ ${#failures[@]} -gt 0 ]; then
	echo "failed: $(printf '%s\n' "${failures[@]}" | sort | tr '\n' ' ' | sed 's/ $//')"
fi
if [ $((passed + failed)) -eq 0 ]; then
	echo "nothing ran${filter:+ (filter \"$filter\")}"
fi
echo "$passed passed, $failed failed"
[ "$failed" -eq 0 ] && [ $((passed + failed)) -gt 0 ]
