#!/usr/bin/env bash
# A local P-CSCF lab on loopback: rtpengine (the IMS-AGW) and Kamailio with
# ims_medsec and the example configuration etc/ims_medsec-pcscf.cfg.
#
#   scripts/lab.sh up | down | status        (make lab-up / lab-down)
#
# Defaults, each overridable from the environment:
#   LAB_IP=127.0.0.1       address of everything (LAB_IP=::1 for IPv6)
#   LAB_UE_PORT=5060       UE side (access) SIP port, UDP and TCP
#   LAB_CORE_PORT=5062     core side SIP port, UDP
#   LAB_SCSCF=sip:127.0.0.1:5080   where REGISTER and originating requests go
#   LAB_NG_PORT=2223       rtpengine's ng control port
#   LAB_MEDIA_MIN=30000 LAB_MEDIA_MAX=30999   rtpengine's media ports
#   LAB_DIR=.lab           pidfiles, logs and Kamailio's runtime directory
#   LAB_PCSCF=             "ims": the P-CSCF built on Kamailio's IMS modules
#                          (etc/ims_medsec-pcscf-ims.cfg: ims_usrloc_pcscf,
#                          ims_registrar_pcscf, ims_ipsec_pcscf) instead of
#                          the example routing; its protected ports are
#                          LAB_IPSEC_PORT (5100) and up.  ims_ipsec_pcscf
#                          removes the xfrm states and policies marked as
#                          its own when it starts: run it where that is yours
#                          to do (a lab host or network namespace).
# Terminating requests are sent by the S-CSCF to LAB_IP:LAB_CORE_PORT with
# the UE's registered contact in the Request-URI.
set -euo pipefail
cd "$(dirname "$0")/.."

LAB_IP=${LAB_IP:-127.0.0.1}
LAB_UE_PORT=${LAB_UE_PORT:-5060}
LAB_CORE_PORT=${LAB_CORE_PORT:-5062}
LAB_NG_PORT=${LAB_NG_PORT:-2223}
LAB_MEDIA_MIN=${LAB_MEDIA_MIN:-30000}
LAB_MEDIA_MAX=${LAB_MEDIA_MAX:-30999}
LAB_DIR=${LAB_DIR:-.lab}
LAB_PCSCF=${LAB_PCSCF:-}
LAB_IPSEC_PORT=${LAB_IPSEC_PORT:-5100}
case $LAB_IP in
*:*) host="[$LAB_IP]" ;;
*) host=$LAB_IP ;;
esac
LAB_SCSCF=${LAB_SCSCF:-sip:$host:5080}
MODULE=$PWD/modules/ims_medsec/ims_medsec.so
RNGCTL=$PWD/build/bin/rngctl

mkdir -p "$LAB_DIR/run"
LAB_DIR=$(cd "$LAB_DIR" && pwd)

# alive PIDFILE COMM: the pidfile names a live process called COMM.
alive() {
	local pid
	[ -s "$1" ] && read -r pid <"$1" && [ -d "/proc/$pid" ] &&
		[ "$(cat "/proc/$pid/comm" 2>/dev/null)" = "$2" ]
}

# stop PIDFILE COMM: SIGTERM, then SIGKILL after 5 s; only that pid.
stop() {
	local pid i
	alive "$1" "$2" || { rm -f "$1"; return 0; }
	read -r pid <"$1"
	kill -TERM "$pid" 2>/dev/null || true
	for ((i = 0; i < 50; i++)); do
		alive "$1" "$2" || break
		sleep 0.1
	done
	if alive "$1" "$2"; then
		kill -KILL "$pid" 2>/dev/null || true
	fi
	rm -f "$1"
	echo "lab: stopped $2 (pid $pid)"
}

up() {
	[ -f "$MODULE" ] || { echo "lab: build first (make)" >&2; exit 1; }
	if alive "$LAB_DIR/rtpengine.pid" rtpengine || alive "$LAB_DIR/kamailio.pid" kamailio; then
		echo "lab: already running (scripts/lab.sh down first)" >&2
		exit 1
	fi
	rtpengine --config-file=none --table=-1 --interface="$LAB_IP" \
		--listen-ng="$host:$LAB_NG_PORT" --port-min="$LAB_MEDIA_MIN" \
		--port-max="$LAB_MEDIA_MAX" --delete-delay=0 --pidfile="$LAB_DIR/rtpengine.pid" \
		--foreground --log-stderr </dev/null >"$LAB_DIR/rtpengine.log" 2>&1 &
	for _ in $(seq 50); do
		"$RNGCTL" -t 200 -r 0 -n "udp:$host:$LAB_NG_PORT" ping >/dev/null 2>&1 && break
		sleep 0.1
	done
	"$RNGCTL" -n "udp:$host:$LAB_NG_PORT" ping >/dev/null ||
		{ echo "lab: rtpengine did not start, see $LAB_DIR/rtpengine.log" >&2; exit 1; }
	local cfg=etc/ims_medsec-pcscf.cfg extra=()
	if [ "$LAB_PCSCF" = ims ]; then
		cfg=etc/ims_medsec-pcscf-ims.cfg
		extra=(-A "IPSEC_LISTEN_ADDR=\"$LAB_IP\"" -A "IPSEC_CLIENT_PORT=$LAB_IPSEC_PORT"
			-A "PCSCF_CORE_URI=\"sip:$host:$LAB_CORE_PORT\""
			-A "IPSEC_SERVER_PORT=$((LAB_IPSEC_PORT + 4))" -A IPSEC_MAX_CONN=4)
	fi
	kamailio -f "$cfg" -DD -E -P "$LAB_DIR/kamailio.pid" "${extra[@]}" \
		-Y "$LAB_DIR/run" -A "LISTEN_IP=$host" -A "SIP_PORT=$LAB_UE_PORT" \
		-A "CORE_PORT=$LAB_CORE_PORT" -A "SCSCF_URI=\"$LAB_SCSCF\"" \
		-A "E2AE_SOCKET=\"udp:$host:$LAB_UE_PORT\"" \
		-A "E2AE_SOCKET_TCP=\"tcp:$host:$LAB_UE_PORT\"" \
		-A "RTPENGINE_NG=\"udp:$host:$LAB_NG_PORT\"" \
		-A "MEDSEC_MODULE=\"$MODULE\"" </dev/null >"$LAB_DIR/kamailio.log" 2>&1 &
	for _ in $(seq 50); do
		alive "$LAB_DIR/kamailio.pid" kamailio && break
		sleep 0.1
	done
	alive "$LAB_DIR/kamailio.pid" kamailio ||
		{ echo "lab: kamailio did not start, see $LAB_DIR/kamailio.log" >&2; exit 1; }
	status
}

down() {
	stop "$LAB_DIR/kamailio.pid" kamailio
	stop "$LAB_DIR/rtpengine.pid" rtpengine
}

status() {
	local k=stopped r=stopped
	alive "$LAB_DIR/kamailio.pid" kamailio && k="running (pid $(cat "$LAB_DIR/kamailio.pid"))"
	alive "$LAB_DIR/rtpengine.pid" rtpengine && r="running (pid $(cat "$LAB_DIR/rtpengine.pid"))"
	cat <<TXT
P-CSCF lab${LAB_PCSCF:+ ($LAB_PCSCF)}
  kamailio   $k
    UE side     udp/tcp $host:$LAB_UE_PORT
    core side   udp $host:$LAB_CORE_PORT
    S-CSCF      $LAB_SCSCF (REGISTER and originating requests)
  rtpengine  $r
    ng          udp $host:$LAB_NG_PORT
    media       $LAB_MEDIA_MIN-$LAB_MEDIA_MAX
  logs       $LAB_DIR/kamailio.log, $LAB_DIR/rtpengine.log
TXT
}

case ${1:-} in
up) up ;;
down) down ;;
status) status ;;
*) echo "usage: $0 up|down|status" >&2; exit 2 ;;
esac
