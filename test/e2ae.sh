# shellcheck shell=bash
#
# test/e2ae.sh: helpers for the end-to-end e2ae SIP cases (test/cases/5x-7x).
# Sourced after lib.sh:
#
#   . "$(dirname "$0")/../lib.sh"
#   . "$(dirname "$0")/../e2ae.sh"
#   setup_run
#   e2ae_lab                       # rtpengine + Kamailio (P-CSCF) + S-CSCF port
#
# The lab (etc/ims_medsec-pcscf.cfg):
#
#   UE sipp  <-->  127.0.0.1:$KAM_SIP_PORT  Kamailio  127.0.0.1:$KAM_CORE_PORT  <-->  core sipp
#                                          |  (ims_medsec)                        on $SCSCF_PORT
#                                          v                                      (SCSCF_URI)
#                                     rtpengine a (the IMS-AGW)
#
# REGISTER and originating requests go to the S-CSCF/core sipp on
# $SCSCF_PORT; terminating INVITEs are sent by a core sipp to
# $KAM_CORE_PORT with the UE's contact in the Request-URI.
#
# SDES keys are secrets even in a test: SIPp's message traces and output
# (which hold them) are written to NAME.trace / NAME.errors.trace /
# NAME.stdout, never to *.log (dump_logs prints *.log); NAME.messages.log,
# NAME.errors.log and NAME.log are copies with every key masked
# (sdes_mask), made when a sipp ends and again on exit.  Key files are
# *.key; rtpengine logs control, crypto and SRTP at level 6 (no keys).

# The lab's P-CSCF configuration (e2ae_lab_cfg: LAB_PCSCF=ims picks the
# one built on Kamailio's IMS modules, etc/ims_medsec-pcscf-ims.cfg).
e2ae_lab_cfg() {
	if [ "${LAB_PCSCF:-}" = ims ]; then
		echo "$REPO_ROOT/etc/ims_medsec-pcscf-ims.cfg"
	else
		echo "$REPO_ROOT/etc/ims_medsec-pcscf.cfg"
	fi
}
E2AE_CFG=$(e2ae_lab_cfg)
# rtpengine's DEBUG lines of these subsystems carry SDES and session keys.
E2AE_QUIET_KEYS=(--log-level-control=6 --log-level-crypto=6 --log-level-srtp=6)
# Probe: 50 measured packets each way after 5 warm-up ones, 20 ms apart, at
# most 2 lost, plus one SRTCP/RTCP compound each way.
E2AE_PROBE_OPTS=(--count 50 --warmup 5 --interval 20 --max-loss 2 --rtcp)
# How long a call whose media is probed stays up (the probe needs ~1.5 s;
# e2ae_call and hairpin_call hold a probed call at a gate instead, until
# the probe is done).
E2AE_HOLD_MS=${E2AE_HOLD_MS:-4000}
# How long a ringing UE waits before its 200 (the test writes the answer
# SDP meanwhile, from the offer the UE received; e2ae_call and
# hairpin_call make it wait at a gate for that answer instead).
E2AE_UE_ANSWER_DELAY_MS=${E2AE_UE_ANSWER_DELAY_MS:-1500}

# The S-CSCF's IPsec Security-Server entry in its 401 (simulated).
E2AE_IPSEC_SERVER='ipsec-3gpp;q=0.1;prot=esp;mod=trans;spi-c=3001;spi-s=3002;port-c=5062;port-s=5064;alg=hmac-sha-1-96;ealg=null'
E2AE_IPSEC_CLIENT='ipsec-3gpp;prot=esp;mod=trans;spi-c=45597;spi-s=45598;port-c=6101;port-s=6100;alg=hmac-sha-1-96;ealg=null'
# A header line that means nothing to anyone (SIPp keys for optional lines:
# an empty key would end the header section).
E2AE_NOHDR='X-E2ae-Test: none'

# ----- lab -----

# e2ae_lab: rtpengine "a" (keys out of its log), a port for the S-CSCF/core
# sipp (SCSCF_PORT) and Kamailio with the example P-CSCF config sending
# REGISTER and originating requests there (extra Kamailio defines: the
# array E2AE_KAM_DEFINES; extra rtpengine options: the array
# E2AE_RTPE_OPTS; an IPv6 UE side as well: KAM_IP6=::1 e2ae_lab, see
# start_kamailio).  Also sets the EXIT trap that masks SIPp traces.
e2ae_lab() {
	command -v "$SIPP" >/dev/null || fail "sipp not found"
	[ -f "$MEDSEC_MODULE" ] || fail "module not built: $MEDSEC_MODULE"
	have_rngctl || fail "rngctl not built: $RNGCTL"
	need_srtp_probe
	trap '_e2ae_on_exit' EXIT
	start_rtpengine a "${E2AE_QUIET_KEYS[@]}" ${E2AE_RTPE_OPTS[@]+"${E2AE_RTPE_OPTS[@]}"}
	SCSCF_PORT=$(alloc_ports 1)
	export SCSCF_PORT
	local ims=()
	E2AE_CFG=$(e2ae_lab_cfg)
	if [ "${LAB_PCSCF:-}" = ims ]; then
		ims_defines ims
	fi
	start_kamailio "$E2AE_CFG" ${ims[@]+"${ims[@]}"} "MEDSEC_MODULE=\"$MEDSEC_MODULE\"" \
		"RTPENGINE_NG=\"udp:127.0.0.1:$RTPE_A_NG\"" WORKERS=2 \
		"SCSCF_URI=\"sip:127.0.0.1:$SCSCF_PORT\"" ${E2AE_KAM_DEFINES[@]+"${E2AE_KAM_DEFINES[@]}"}
	note "S-CSCF/core sipp on 127.0.0.1:$SCSCF_PORT"
}

# ims_defines ARRAY: the per-run defines the IMS P-CSCF needs besides
# e2ae_lab's: its protected ports, $IMS_IPSEC_CONN (default 4) client
# ports then as many server ports, from IMS_IPSEC_BASE (set here).
ims_defines() {
	local -n _d=$1
	local base n=${IMS_IPSEC_CONN:-4}
	base=$(alloc_ports $((2 * n)))
	IMS_IPSEC_BASE=$base
	_d+=("IPSEC_CLIENT_PORT=$base" "IPSEC_SERVER_PORT=$((base + n))" "IPSEC_MAX_CONN=$n")
}

# The EXIT trap: a passing case must leave rtpengine without a call; mask
# the traces, then lib.sh's own handler (stop_all, logs
# on failure) with the case's exit status.
_e2ae_on_exit() {
	local rc=$?
	set +e
	# every case leaves rtpengine without a call (when it still answers)
	if [ "$rc" = 0 ] && [ -n "${RTPE_A_NG:-}" ] &&
		rngctl "$RTPE_A_NG" list >"$RUN_DIR/list-at-exit.out" 2>&1 &&
		grep -q '^ *- ' "$RUN_DIR/list-at-exit.out"; then
		note "FAILED: rtpengine holds calls at the end of the case: $(tr '\n' ' ' <"$RUN_DIR/list-at-exit.out")"
		rc=1
	fi
	e2ae_mask_traces
	(exit "$rc")
	_on_exit
}

# e2ae_mask_traces: SIPp's files holding keys, masked into *.log:
# NAME.trace -> NAME.messages.log, NAME.errors.trace -> NAME.errors.log,
# NAME.stdout -> NAME.log.
e2ae_mask_traces() {
	local f out
	for f in "$RUN_DIR"/*.trace "$RUN_DIR"/*.stdout; do
		[ -f "$f" ] || continue
		case $f in
		*.errors.trace) out=${f%.errors.trace}.errors.log ;;
		*.trace) out=${f%.trace}.messages.log ;;
		*.stdout) out=${f%.stdout}.log ;;
		esac
		# masked already, and not written since (called after every
		# sipp: masking all each time made a case's cost quadratic)
		[ "$out" -nt "$f" ] && continue
		sdes_mask <"$f" >"$out"
	done
}

# e2ae_no_calls_left WHAT: rtpengine holds no call (waits up to 5 s for a
# BYE or a failure to be processed).
e2ae_no_calls_left() {
	if ! wait_until 5 ng_no_calls "$RTPE_A_NG"; then
		rngctl "$RTPE_A_NG" list >"$RUN_DIR/list.out" 2>&1 || true
		fail "$1: rtpengine still holds a call: $(tr '\n' ' ' <"$RUN_DIR/list.out")"
	fi
}

# ----- RPC (kamcmd on the lab Kamailio's ctl socket) -----

# e2ae_ctl: CTL is the ctl socket of the lab's Kamailio (after e2ae_lab;
# the path is kept short through the real runtime directory).
e2ae_ctl() {
	command -v kamcmd >/dev/null || fail "kamcmd not found"
	CTL="unix:$(readlink -f "$RUN_DIR/kamailio.run")/kamailio_ctl"
}

# kam OUT CMD [ARG...]: kamcmd into OUT (in the run directory); a failed
# command or an RPC fault fails the case.
kam() {
	local out=$RUN_DIR/$1
	shift
	kamcmd -s "$CTL" "$@" >"$out" 2>&1 || fail "kamcmd $* failed: $(cat "$out")"
	if grep -q '^error:' "$out"; then
		fail "kamcmd $*: $(cat "$out")"
	fi
}

# kam_stat NAME: the value of ims_medsec:NAME (read from the whole group: a
# bare name is looked up in every module).
kam_stat() {
	kamcmd -s "$CTL" stats.get_statistics ims_medsec: |
		sed -n "s/^ims_medsec:$1 = \\([0-9]*\\)\$/\\1/p"
}

# ----- SDP files -----

# e2ae_sdp FILE LINE...: write an SDP body for SIPp's [file name=...]: the
# lines joined with CRLF, without the last CRLF (SIPp adds it).
e2ae_sdp() {
	local f=$1 first=1 l
	shift
	: >"$f"
	for l in "$@"; do
		if [ "$first" = 1 ]; then
			first=0
		else
			printf '\r\n' >>"$f"
		fi
		printf '%s' "$l" >>"$f"
	done
}

# e2ae_sdp_file FILE ORIGIN LINE...: e2ae_sdp with the usual v/o/s/c/t
# lines first (o=ORIGIN, everything on 127.0.0.1), then LINE...
e2ae_sdp_file() {
	local f=$1 origin=$2
	shift 2
	e2ae_sdp "$f" v=0 "o=$origin 1 1 IN IP4 127.0.0.1" s=- "c=IN IP4 127.0.0.1" "t=0 0" "$@"
}

# ----- SIPp -----

# e2ae_sipp NAME SCENARIO PORT [SIPP ARG...]: start sipp (one call, -m 1)
# on 127.0.0.1:PORT with test/sipp/SCENARIO, its own 4 media ports (unused:
# the SDPs come from files), traces NAME.trace / NAME.errors.trace /
# NAME.actions.log, output NAME.stdout; BG_PID is its pid.  A global timeout
# of 60 s ends a stuck sipp (with a failure; a loaded machine may hold a
# sipp at its gates for long).
e2ae_sipp() {
	local name=$1 sf=$2 port=$3 media
	shift 3
	e2ae_unique_keys "$@"
	set -- ${E2AE_SIPP_ARGS[@]+"${E2AE_SIPP_ARGS[@]}"}
	media=$(alloc_ports 4)
	rm -f "$RUN_DIR/$name.trace" "$RUN_DIR/$name.errors.trace"
	# sipp prints an unexpected message whole (keys included) when it
	# aborts: its output goes to NAME.stdout, NAME.log is a masked copy.
	# (sh execs sipp: the pid start_bg records is sipp's.)
	# shellcheck disable=SC2016 # expanded by that sh
	start_bg "$name" sipp sh -c 'o=$1; shift; exec "$@" >"$o" 2>&1' e2ae_sipp \
		"$RUN_DIR/$name.stdout" "$SIPP" -sf "$TEST_SIPP_DIR/$sf" -nostdin -i 127.0.0.1 \
		-p "$port" -mp "$media" -m 1 -timeout 60s -timeout_error \
		-trace_msg -message_file "$RUN_DIR/$name.trace" \
		-trace_err -error_file "$RUN_DIR/$name.errors.trace" \
		-trace_logs -log_file "$RUN_DIR/$name.actions.log" "$@"
}

# e2ae_unique_keys ARG...: E2AE_SIPP_ARGS=(ARG...) less every "-key NAME
# VALUE" after the first for the same NAME.  Callers put their own values
# before the defaults; SIPp 3.6 (Debian 12) keeps the first value of a key
# given twice, SIPp 3.7 (Debian 13) the last, so each SIPp gets only one.
E2AE_SIPP_ARGS=()
e2ae_unique_keys() {
	local seen=' '
	E2AE_SIPP_ARGS=()
	while [ $# -gt 0 ]; do
		if [ "$1" = -key ] && [ $# -ge 3 ]; then
			case $seen in
			*" $2 "*) ;;
			*)
				seen="$seen$2 "
				E2AE_SIPP_ARGS+=(-key "$2" "$3")
				;;
			esac
			shift 3
			continue
		fi
		E2AE_SIPP_ARGS+=("$1")
		shift
	done
}

# sipp_has_hold_gate SCENARIO: test/sipp/SCENARIO declares the hold gate
# (the global variable hold_gate: sipp -set hold_gate GATE, test/lib.sh).
sipp_has_hold_gate() {
	grep -q '<Global variables="hold_gate"/>' "$TEST_SIPP_DIR/$1"
}

# e2ae_sipp_wait NAME PID WHAT: wait for sipp NAME (pid PID) to end, mask
# its traces, and fail with its last error unless it exited 0.
e2ae_sipp_wait() {
	local rc=0
	wait "$2" || rc=$?
	e2ae_mask_traces
	assert_sipp_ok "$1" "$rc" "$3"
}

# e2ae_sipp_bound PORT: wait until a sipp (or anything) bound UDP PORT.
e2ae_sipp_bound() {
	wait_until 5 port_bound "$1" udp || fail "nothing bound UDP port $1 (sipp did not start?)"
}

# _e2ae_ue_bound PORT: a UDP socket on PORT in the UE's namespace.
_e2ae_ue_bound() {
	ip netns exec "$E2AE_UE_NETNS" cat /proc/net/udp |
		awk -v p="$(printf '%04X' "$1")" 'NR > 1 { split($2, a, ":"); if (a[2] == p) f = 1 } END { exit !f }'
}

# sipp_msg TRACE DIR REGEX [N]: print the N-th (default 1st) message of a
# SIPp message trace that SIPp DIR ("received" or "sent") and whose first
# line matches REGEX (ERE), CRs removed, trailing empty lines dropped.
# False when there is none.
sipp_msg() {
	awk -v dir="$2" -v re="$3" -v want="${4:-1}" '
		function flush(   i) {
			if (state == 2 && nl > 0 && lines[1] ~ re && ++n == want) {
				while (nl > 0 && lines[nl] == "") nl--
				for (i = 1; i <= nl; i++) print lines[i]
				found = 1
				exit
			}
		}
		# a record starts with a dashed line (with a time stamp, but for
		# "Unexpected UDP message received:" records)
		/^----------------------------------------+( [0-9][0-9][0-9][0-9]-.*)?$/ {
			flush(); state = 1; nl = 0; next
		}
		state == 1 {
			# "UDP message received [N] bytes :" / "UDP message sent (N bytes):"
			# / "Unexpected UDP message received:"
			state = ($0 ~ ("message " dir)) ? 2 : 3
			skip = 1
			next
		}
		state == 2 {
			sub(/\r$/, "")
			if (skip && $0 == "" && nl == 0) { skip = 0; next }
			skip = 0
			lines[++nl] = $0
		}
		END { if (!found) flush(); exit found ? 0 : 1 }
	' "$1"
}

# sipp_msg_to FILE TRACE DIR REGEX [N]: sipp_msg into FILE; fails with a
# message when there is no such message.
sipp_msg_to() {
	local out=$1
	shift
	sipp_msg "$@" >"$out" ||
		fail "no message /$3/ $2 in ${1#"$RUN_DIR"/}"
}

# msg_hdrs FILE / msg_body FILE: a message's start line and headers / its
# body (after the first empty line).
msg_hdrs() { awk '$0 == "" { exit } { print }' "$1"; }
msg_body() { awk 'b { print } $0 == "" { b = 1 }' "$1"; }

# msg_count FILE REGEX: how many lines of FILE match REGEX (ERE).
msg_count() { grep -Ec -- "$2" "$1" || true; }

# sipp_saw TRACE DIR REGEX: true when the trace holds such a message.
sipp_saw() { sipp_msg "$1" "$2" "$3" >/dev/null 2>&1; }

# ----- the UE's transport -----
#
# The UE's sipp in e2ae_register, and the caller's in an orig e2ae_call,
# sends over UDP to $KAM_SIP_PORT unless the case sets
#   E2AE_UE_SIPP_ARGS   more sipp arguments for it (array), e.g. (-t t1) for
#                       TCP (its contact port is its -p port; sipp makes
#                       the connection from that port too);
#   E2AE_UE_PCSCF_PORT  the port it sends to (the P-CSCF's UE-side TCP port,
#                       or a TLS relay in front of its TLS port: test/tls.sh).
#   E2AE_UE_PCSCF_IP    the address it sends to (default 127.0.0.1)
#   E2AE_UE_SIPP        the command that runs its sipp (default $SIPP), e.g.
#                       a wrapper running sipp in the UE's network namespace
#                       (test/ims.sh)
#   E2AE_UE_NETNS       that namespace: the called UE (term e2ae_call) runs
#                       there too, with E2AE_UE_SIPP_ARGS
#   E2AE_UE_CONTACT     host:port of the called UE's contact in the
#                       Request-URI (default 127.0.0.1:$UE_PORT)
# A UE that is called (term e2ae_call) stays on UDP.

# ----- registration -----

# e2ae_register NAME UE_PORT USER [-key K V]...: one registration step:
# the S-CSCF sipp (test/sipp/e2ae_scscf_register.xml on $SCSCF_PORT) and
# the UE sipp (e2ae_ue_register.xml on UE_PORT, through the P-CSCF).  Both
# must succeed (their own checks included).  Defaults (overridden by the
# -key arguments, which go to both sipps):
#   UE:     expires 600, sec_client "<ipsec-3gpp>, sdes-srtp;mediasec",
#           sec_client2 / auth0 harmless lines, exp401 / exp200 mediasec
#   S-CSCF: srv401 <ipsec-3gpp>, extra401 / extra200 harmless, reg_expires 600
# Traces: NAME.ue.trace, NAME.scscf.trace.
e2ae_register() {
	local name=$1 port=$2 user=$3 scscf ue
	shift 3
	# The caller's values first: e2ae_sipp keeps the first of each key.
	local keys=("$@" -key user "$user" -key expires 600
		-key sec_client "$E2AE_IPSEC_CLIENT, sdes-srtp;mediasec"
		-key sec_client2 "$E2AE_NOHDR" -key auth0 "$E2AE_NOHDR"
		-key exp401 mediasec -key exp200 mediasec
		-key srv401 "$E2AE_IPSEC_SERVER" -key extra401 "$E2AE_NOHDR"
		-key extra200 "$E2AE_NOHDR" -key reg_expires 600)
	e2ae_sipp "$name.scscf" e2ae_scscf_register.xml "$SCSCF_PORT" "${keys[@]}"
	scscf=$BG_PID
	e2ae_sipp_bound "$SCSCF_PORT"
	SIPP=${E2AE_UE_SIPP:-$SIPP} e2ae_sipp "$name.ue" e2ae_ue_register.xml "$port" "${keys[@]}" \
		${E2AE_UE_SIPP_ARGS[@]+"${E2AE_UE_SIPP_ARGS[@]}"} \
		"${E2AE_UE_PCSCF_IP:-127.0.0.1}:${E2AE_UE_PCSCF_PORT:-$KAM_SIP_PORT}"
	ue=$BG_PID
	e2ae_sipp_wait "$name.ue" "$ue" "$name: UE registration"
	e2ae_sipp_wait "$name.scscf" "$scscf" "$name: S-CSCF registrar"
}

# ----- calls -----
#
# e2ae_call ID DIR OFFER ANSWER HOLD_MS: one call through the P-CSCF, the
# caller sending the SDP in file OFFER, the callee answering with ANSWER.
#   DIR orig: the UE (sipp on $UE_PORT) calls the core (sipp on
#             $SCSCF_PORT, reached through SCSCF_URI);
#   DIR term: the core (sipp on $SCSCF_PORT) sends the INVITE to
#             $KAM_CORE_PORT for sip:ue@127.0.0.1:$UE_PORT, the UE answers.
# The caller hangs up HOLD_MS after its ACK.  Expectations checked by the
# scenarios themselves (check_it) come from the arrays UE_EXPECT and
# CORE_EXPECT (-key exp_proto / exp_3ge2ae / exp_crypto: what that side
# receives; see the scenarios).  Hooks, when set (function names):
#   E2AE_ON_OFFER   runs once the callee received the INVITE, before it
#                   answers: it may write ANSWER from the offer;
#   E2AE_ON_UP      runs once the callee received the ACK (media probe).
# Neither hook races the scenarios' timers: with E2AE_ON_OFFER the callee
# reads ANSWER through a gate (test/lib.sh) that opens when the hook
# returned (and rings 100 ms at least instead of its usual delay), and
# a caller whose scenario declares hold_gate (e2ae_uac_call.xml before its
# BYE, e2ae_uac_cancel.xml before its CANCEL) waits there until the last
# hook returned (with E2AE_ON_UP, 200 ms after its ACK at least instead of
# HOLD_MS).
# Then both sipps must succeed (E2AE_NO_ASSERT=1: the case judges from
# E2AE_CALLER_RC / E2AE_CALLEE_RC).  Traces ID.ue.trace and ID.core.trace;
# the messages each side sent and received are extracted into
#   ID.ue.rx.msg ID.ue.tx.msg ID.core.rx.msg ID.core.tx.msg   (the INVITE
#   or the 200 to it) and their SDP bodies ID.{ue,core}.{rx,tx}.sdp.
# Caller keys: E2AE_CALLER_KEYS; callee keys: E2AE_CALLEE_KEYS (arrays).
# E2AE_CALLER_SF: another caller scenario (e.g. e2ae_uac_cancel.xml, for
# which HOLD_MS is how long it waits for a 200 that must not come).
e2ae_call() {
	local id=$1 dir=$2 offer=$3 answer=$4 hold=$5
	local caller callee caller_pid callee_pid cport eport rport ruri user delay
	local rip=127.0.0.1 csipp=$SIPP esipp=$SIPP answer_in=$answer answer_gate='' hold_gate=''
	local csf=${E2AE_CALLER_SF:-e2ae_uac_call.xml}
	local -a eargs=() gargs=()
	local -a ckeys=() ekeys=() cargs=()
	case $dir in
	orig)
		caller=$id.ue callee=$id.core cport=$UE_PORT eport=$SCSCF_PORT
		rport=${E2AE_UE_PCSCF_PORT:-$KAM_SIP_PORT} ruri="sip:bob@ims.test" user=ue delay=100
		ckeys=(${UE_EXPECT[@]+"${UE_EXPECT[@]}"}) ekeys=(${CORE_EXPECT[@]+"${CORE_EXPECT[@]}"})
		cargs=(${E2AE_UE_SIPP_ARGS[@]+"${E2AE_UE_SIPP_ARGS[@]}"})
		rip=${E2AE_UE_PCSCF_IP:-127.0.0.1} csipp=${E2AE_UE_SIPP:-$SIPP}
		;;
	term)
		caller=$id.core callee=$id.ue cport=$SCSCF_PORT eport=$UE_PORT
		rport=$KAM_CORE_PORT ruri="sip:ue@${E2AE_UE_CONTACT:-127.0.0.1:$UE_PORT}" user=core
		if [ -n "${E2AE_UE_NETNS:-}" ]; then
			esipp=$E2AE_UE_SIPP eargs=(${E2AE_UE_SIPP_ARGS[@]+"${E2AE_UE_SIPP_ARGS[@]}"})
		fi
		delay=$E2AE_UE_ANSWER_DELAY_MS
		ckeys=(${CORE_EXPECT[@]+"${CORE_EXPECT[@]}"}) ekeys=(${UE_EXPECT[@]+"${UE_EXPECT[@]}"})
		;;
	*) fail "e2ae_call: DIR is orig or term, not $dir" ;;
	esac
	E2AE_CALL_ID="$id-$$-$RANDOM@e2ae.test"
	# the gates make the callee's delay and the caller's hold minimums
	# only: the hooks, not timers, say when the call goes on
	if [ -n "${E2AE_ON_OFFER:-}" ]; then
		answer_gate=$(gate_new "$id.answer")
		answer_in=$answer_gate
		[ "$delay" -le 100 ] || delay=100
	fi
	if [ -n "${E2AE_ON_OFFER:-}${E2AE_ON_UP:-}" ] && sipp_has_hold_gate "$csf"; then
		hold_gate=$(gate_new "$id.hold")
		gargs=(-set hold_gate "$hold_gate")
		[ -z "${E2AE_ON_UP:-}" ] || [ "$hold" -le 200 ] || hold=200
	fi
	SIPP=$esipp e2ae_sipp "$callee" e2ae_uas_call.xml "$eport" -d "$delay" -key answer_sdp "$answer_in" \
		${ekeys[@]+"${ekeys[@]}"} ${E2AE_CALLEE_KEYS[@]+"${E2AE_CALLEE_KEYS[@]}"} \
		${eargs[@]+"${eargs[@]}"}
	callee_pid=$BG_PID
	if [ "$esipp" = "$SIPP" ]; then
		e2ae_sipp_bound "$eport"
	else
		wait_until 5 _e2ae_ue_bound "$eport" || fail "$id: the UE's sipp did not bind UDP $eport"
	fi
	SIPP=$csipp e2ae_sipp "$caller" "$csf" "$cport" -d "$hold" \
		-cid_str "$E2AE_CALL_ID" -key ruri "$ruri" -key user "$user" -key offer_sdp "$offer" \
		${ckeys[@]+"${ckeys[@]}"} ${E2AE_CALLER_KEYS[@]+"${E2AE_CALLER_KEYS[@]}"} \
		${gargs[@]+"${gargs[@]}"} ${cargs[@]+"${cargs[@]}"} "$rip:$rport"
	caller_pid=$BG_PID

	if [ -n "${E2AE_ON_OFFER:-}" ]; then
		wait_until 10 sipp_saw "$RUN_DIR/$callee.trace" received '^INVITE ' ||
			fail "$id: the callee received no INVITE"
		"$E2AE_ON_OFFER" "$id"
		gate_open "$answer_gate" "$answer"
	fi
	if [ -n "${E2AE_ON_UP:-}" ]; then
		if wait_until 10 sipp_saw "$RUN_DIR/$callee.trace" received '^ACK '; then
			_e2ae_extract "$id"
			"$E2AE_ON_UP" "$id"
		fi
	fi
	[ -z "$hold_gate" ] || gate_open "$hold_gate"
	local crc=0 erc=0
	wait "$caller_pid" || crc=$?
	wait "$callee_pid" || erc=$?
	e2ae_mask_traces
	_e2ae_extract "$id"
	# shellcheck disable=SC2034 # for the case
	E2AE_CALLER_RC=$crc E2AE_CALLEE_RC=$erc
	if [ "${E2AE_NO_ASSERT:-0}" != 1 ]; then
		assert_sipp_ok "$caller" "$crc" "$id: caller ($dir call)"
		assert_sipp_ok "$callee" "$erc" "$id: callee ($dir call)"
	fi
}

# _e2ae_extract ID: the INVITE and its 200 as each side sent/received them.
_e2ae_extract() {
	local id=$1 o=$RUN_DIR/$1 side
	for side in ue core; do
		[ -f "$o.$side.trace" ] || continue
		if sipp_msg "$o.$side.trace" received '^INVITE ' >"$o.$side.rx.msg"; then
			sipp_msg "$o.$side.trace" sent '^SIP/2\.0 200 ' >"$o.$side.tx.msg" || true
		else
			sipp_msg "$o.$side.trace" received '^SIP/2\.0 200 ' >"$o.$side.rx.msg" || true
			sipp_msg "$o.$side.trace" sent '^INVITE ' >"$o.$side.tx.msg" || true
		fi
		msg_body "$o.$side.rx.msg" >"$o.$side.rx.sdp"
		msg_body "$o.$side.tx.msg" >"$o.$side.tx.sdp"
	done
}

# ----- media probe -----

# e2ae_probe ID SUITE TXKEY RXKEY [PROBE OPTION...]: srtp_probe for call ID
# while it is up: the UE endpoint on 127.0.0.1:$UE_MPORT (the port of the
# UE's SDP) sending to the address of the SDP the UE received, the core
# endpoint on 127.0.0.1:$CORE_MPORT sending to the address of the SDP the
# core received; UE tx key from file TXKEY, rx key from file RXKEY.  Needs
# ID.ue.rx.sdp and ID.core.rx.sdp (e2ae_call extracts them before
# E2AE_ON_UP).  Asserts the verdict and the counts (SRTP<->RTP, or with
# --passthrough byte-identical SRTP both ways) and notes them.
e2ae_probe() {
	local id=$1 suite=$2 tx=$3 rx=$4 o=$RUN_DIR/$1 rc=0 pass=0 ue_rx core_rx
	shift 4
	case " $* " in *' --passthrough '*) pass=1 ;; esac
	ue_rx=$o.ue.rx.sdp core_rx=$o.core.rx.sdp
	if [ ! -s "$ue_rx" ] || [ ! -s "$core_rx" ]; then
		fail "$id: no SDP to probe with"
	fi
	"$SRTP_PROBE" --suite "$suite" "${E2AE_PROBE_OPTS[@]}" "$@" \
		--ue-local "127.0.0.1:$UE_MPORT" \
		--ue-remote "$(hostport "$(sdp_conn_addr "$ue_rx")" "$(sdp_media_port "$ue_rx")")" \
		--ue-remote-rtcp "$(hostport "$(sdp_conn_addr "$ue_rx")" "$(sdp_rtcp_port "$ue_rx")")" \
		--core-local "127.0.0.1:$CORE_MPORT" \
		--core-remote "$(hostport "$(sdp_conn_addr "$core_rx")" "$(sdp_media_port "$core_rx")")" \
		--core-remote-rtcp "$(hostport "$(sdp_conn_addr "$core_rx")" "$(sdp_rtcp_port "$core_rx")")" \
		--ue-tx-key-file "$tx" --ue-rx-key-file "$rx" >"$o.probe.log" 2>&1 || rc=$?
	sed "s/^/$id probe: /" "$o.probe.log" | grep -E ': (ue |core |ue->core|core->ue|srtcp|rtcp|VERDICT)' >&2 || true
	assert_grep "$o.probe.log" '^VERDICT: PASS$' "$id: srtp_probe verdict (exit $rc)"
	assert_eq "$rc" 0 "$id: srtp_probe exit status"
	local n='(48|49|50)'
	if [ "$pass" = 1 ]; then
		assert_grep "$o.probe.log" "^ue->core: sent 50 srtp, received $n srtp, identical $n, decrypted $n, payloads ok $n\$" \
			"$id: UE->core SRTP arrived byte-identical"
		assert_grep "$o.probe.log" "^core->ue: sent 50 srtp, received $n srtp, identical $n, decrypted $n, payloads ok $n\$" \
			"$id: core->UE SRTP arrived byte-identical"
		assert_grep "$o.probe.log" '^srtcp ue->core: ok \(byte-identical\)' "$id: SRTCP UE->core byte-identical"
		assert_grep "$o.probe.log" '^srtcp core->ue: ok \(byte-identical\)' "$id: SRTCP core->UE byte-identical"
	else
		assert_grep "$o.probe.log" "^ue->core: sent 50 srtp, received $n rtp, payloads ok $n\$" \
			"$id: UE->core SRTP arrived as RTP"
		assert_grep "$o.probe.log" "^core->ue: sent 50 rtp, received $n srtp, decrypted $n, payloads ok $n\$" \
			"$id: core->UE RTP arrived as SRTP"
		assert_grep "$o.probe.log" '^srtcp ue->core: ok' "$id: SRTCP UE->core"
		assert_grep "$o.probe.log" '^rtcp core->ue: ok' "$id: RTCP core->UE"
	fi
	note "NOTE: $id media ($suite$([ "$pass" = 1 ] && echo ", end-to-end")): $(grep -E '^(ue->core|core->ue): |^(srtcp|rtcp) ' "$o.probe.log" | tr '\n' ';' | sed 's/;$//; s/;/; /g')"
}

# ----- SDP assertions -----

# assert_agw_sdp FILE WHAT: the SDP's first m= port is one of rtpengine's
# (the media is anchored in the AGW), on 127.0.0.1.
assert_agw_sdp() {
	local p
	p=$(sdp_media_port "$1")
	assert_eq "$(sdp_conn_addr "$1")" 127.0.0.1 "$2: c= of the gateway"
	if [ -z "$p" ] || [ "$p" -lt "$RTPE_A_PORT_MIN" ] || [ "$p" -gt "$RTPE_A_PORT_MAX" ]; then
		fail "$2: m= port '$p' is not rtpengine's ($RTPE_A_PORT_MIN-$RTPE_A_PORT_MAX)"
	fi
}

# assert_sdp_port FILE PORT WHAT: the SDP's first m= port is PORT (the
# other endpoint's own: no gateway in the path).
assert_sdp_port() {
	assert_eq "$(sdp_media_port "$1")" "$2" "$3"
}

# sdp_without_crypto_keys FILE: the SDP with inline keys masked (for
# comparisons and notes).
sdp_masked() { sdes_mask <"$1"; }

# ----- gateway failure cases (test/cases/8x) -----

# e2ae_lab_nodes DEFINE...: e2ae_lab without an rtpengine: the case starts
# its nodes itself (or none) and gives Kamailio RTPENGINE_NG (RTPENGINE_NG2,
# NG_TIMEOUT_MS, NG_RETRIES...) as DEFINEs.  SCSCF_PORT and the EXIT trap
# as in e2ae_lab.
e2ae_lab_nodes() {
	command -v "$SIPP" >/dev/null || fail "sipp not found"
	[ -f "$MEDSEC_MODULE" ] || fail "module not built: $MEDSEC_MODULE"
	have_rngctl || fail "rngctl not built: $RNGCTL"
	trap '_e2ae_on_exit' EXIT
	SCSCF_PORT=$(alloc_ports 1)
	export SCSCF_PORT
	local ims=()
	E2AE_CFG=$(e2ae_lab_cfg)
	if [ "${LAB_PCSCF:-}" = ims ]; then
		ims_defines ims
	fi
	start_kamailio "$E2AE_CFG" ${ims[@]+"${ims[@]}"} "MEDSEC_MODULE=\"$MEDSEC_MODULE\"" WORKERS=2 \
		"SCSCF_URI=\"sip:127.0.0.1:$SCSCF_PORT\"" "$@"
	note "S-CSCF/core sipp on 127.0.0.1:$SCSCF_PORT"
}

# e2ae_no_calls_on PORT WHAT: the rtpengine whose ng port is PORT holds no
# call (waits up to 5 s).
e2ae_no_calls_on() {
	if ! wait_until 5 ng_no_calls "$1"; then
		rngctl "$1" list >"$RUN_DIR/list-$1.out" 2>&1 || true
		fail "$2: rtpengine (ng $1) still holds a call: $(tr '\n' ' ' <"$RUN_DIR/list-$1.out")"
	fi
}

# ng_holds PORT CALLID: the rtpengine whose ng port is PORT lists CALLID.
ng_holds() {
	rngctl "$1" list 2>/dev/null | awk -v c="$2" '{ sub(/^ *- */, "- ") } $0 == "- " c { f = 1 } END { exit f ? 0 : 1 }'
}

# assert_node_sdp FILE NODE WHAT: like assert_agw_sdp, for rtpengine NODE
# (the name given to start_rtpengine: its RTPE_<NODE>_PORT_MIN/MAX).
assert_node_sdp() {
	local p v min max
	v=$(_var "$2")
	min=RTPE_${v}_PORT_MIN max=RTPE_${v}_PORT_MAX
	p=$(sdp_media_port "$1")
	assert_eq "$(sdp_conn_addr "$1")" 127.0.0.1 "$3: c= of the gateway"
	if [ -z "$p" ] || [ "$p" -lt "${!min}" ] || [ "$p" -gt "${!max}" ]; then
		fail "$3: m= port '$p' is not rtpengine $2's (${!min}-${!max})"
	fi
}

# sipp_received TRACE: the first lines of every message sipp received.
sipp_received() {
	local i=1
	while sipp_msg "$1" received '.' "$i" >"$RUN_DIR/.rx.msg" 2>/dev/null; do
		head -n 1 "$RUN_DIR/.rx.msg"
		i=$((i + 1))
	done
	rm -f "$RUN_DIR/.rx.msg"
}

# sipp_received_all TRACE: every message sipp received, whole.
sipp_received_all() {
	local i=1
	while sipp_msg "$1" received '.' "$i" 2>/dev/null; do
		i=$((i + 1))
	done
}

# ----- re-INVITE cases (94-*): shared checks; they read SUITE and
# CORE_MPORT from the case -----

# msg_cseq OUT TRACE DIR REGEX CSEQ: the first message of TRACE that sipp
# DIR (received/sent), whose first line matches REGEX and whose CSeq
# header is CSEQ (e.g. "2 INVITE"), into file OUT; false when none.
msg_cseq() {
	local out=$1 tr=$2 dir=$3 re=$4 cseq=$5 i=1
	while sipp_msg "$tr" "$dir" "$re" "$i" >"$out.tmp" 2>/dev/null; do
		if grep -Eiq "^CSeq: *$cseq\$" "$out.tmp"; then
			mv "$out.tmp" "$out"
			return 0
		fi
		i=$((i + 1))
	done
	rm -f "$out.tmp"
	return 1
}

# check_ue_answer FILE WHAT: the SDP the UE received: RTP/SAVP on the
# gateway, exactly one a=crypto with tag 1 and SUITE, one a=3ge2ae:applied.
check_ue_answer() {
	assert_agw_sdp "$1" "$2"
	assert_grep "$1" '^m=audio [0-9]+ RTP/SAVP 0$' "$2: RTP/SAVP"
	assert_eq "$(sdp_crypto "$1" | tr '\n' ' ')" "1 $SUITE " \
		"$2: exactly one crypto line, the UE's tag and suite"
	assert_eq "$(msg_count "$1" '^a=3ge2ae:')" 1 "$2: one e2ae indication"
	assert_grep "$1" '^a=3ge2ae:applied$' "$2: a=3ge2ae:applied"
	assert_no_grep "$1" '^a=(fingerprint|setup)' "$2: no DTLS toward the UE"
}

# check_core_offer FILE WHAT: the SDP the core received (an offer or an
# answer): RTP/AVP on the gateway, no SDES, no e2ae indication, no other
# keying.
check_core_offer() {
	assert_agw_sdp "$1" "$2"
	assert_grep "$1" '^m=audio [0-9]+ RTP/AVP 0$' "$2: RTP/AVP"
	assert_no_grep "$1" '^a=crypto' "$2: no crypto line toward the core"
	assert_no_grep "$1" '^a=3ge2ae' "$2: no e2ae indication toward the core"
	assert_no_grep "$1" '^a=(fingerprint|setup|key-mgmt)' "$2: no other keying toward the core"
}

# dir_of FILE: the SDP's direction attribute (or "none").
dir_of() {
	local d
	d=$(sed -n 's/^a=\(sendrecv\|sendonly\|recvonly\|inactive\)\r\{0,1\}$/\1/p' "$1" | head -n 1)
	echo "${d:-none}"
}

core_sdp() { # FILE VERSION DIRECTION
	e2ae_sdp "$1" v=0 "o=core 1 $2 IN IP4 127.0.0.1" s=- "c=IN IP4 127.0.0.1" "t=0 0" \
		"m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=$3"
}
