# shellcheck shell=bash
#
# test/tls.sh: TLS on the UE side of the example P-CSCF (case 57).  Sourced
# after lib.sh and e2ae.sh:
#
#   tls_certs                      # a test CA and the P-CSCF's certificate
#   TLS_PORT=$(alloc_ports 1)
#   E2AE_KAM_DEFINES=($(...) ...) # tls_kam_defines "$TLS_PORT" prints them
#   e2ae_lab
#   tls_relay_start relay "$TLS_PORT"   # the UE's TLS: TLS_RELAY_PORT
#   E2AE_UE_SIPP_ARGS=(-t t1) E2AE_UE_PCSCF_PORT=$TLS_RELAY_PORT
#
# Debian's SIPp is built without TLS (sipp -v shows no TLS, -t has no l1),
# so the UE's sipp speaks TCP to tls_relay (test/tools/tls_relay.c, built
# into the run directory with libssl), which opens a TLS connection per
# sipp connection to Kamailio's tls: socket, verifying the P-CSCF's
# certificate against the test CA and its IP address, and relays both ways.
# Kamailio receives the UE's requests over TLS (the module sees PROTO_TLS);
# the UE's Via says TCP, which Kamailio does not use to answer (replies go
# back over the connection a request came on).
#
# Certificates and keys are made at run time with openssl, in
# $RUN_DIR/tls/ (never committed): ca.pem / ca.key (the test CA),
# pcscf.pem / pcscf.key (the P-CSCF, CN pcscf.ims.test, subjectAltName
# IP:127.0.0.1, signed by the CA), other-ca.pem (a second CA that signed
# nothing of ours: a UE trusting only it must refuse the P-CSCF).

# tls_certs: make the CAs and the P-CSCF's certificate; sets TLS_DIR.
tls_certs() {
	local d=$RUN_DIR/tls ext
	command -v openssl >/dev/null || fail "openssl not found"
	TLS_DIR=$d
	mkdir -p "$d"
	ext=$d/pcscf.ext
	printf '%s\n' 'basicConstraints=critical,CA:FALSE' \
		'keyUsage=critical,digitalSignature,keyEncipherment' \
		'extendedKeyUsage=serverAuth' \
		'subjectAltName=IP:127.0.0.1,DNS:pcscf.ims.test' >"$ext"
	{
		_tls_ca "$d/ca" "ims_medsec test CA" &&
			_tls_ca "$d/other-ca" "ims_medsec other CA" &&
			openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
				-keyout "$d/pcscf.key" -out "$d/pcscf.csr" -subj "/CN=pcscf.ims.test" &&
			openssl x509 -req -in "$d/pcscf.csr" -CA "$d/ca.pem" -CAkey "$d/ca.key" \
				-set_serial "0x$(head -c 8 /dev/urandom | od -An -tx1 | tr -d ' \n')" \
				-days 2 -extfile "$ext" -out "$d/pcscf.pem"
	} >"$d/openssl.out" 2>&1 || fail "openssl could not make the test certificates: $(tail -n 3 "$d/openssl.out")"
	openssl verify -CAfile "$d/ca.pem" "$d/pcscf.pem" >>"$d/openssl.out" 2>&1 ||
		fail "the P-CSCF's certificate does not verify against the test CA"
}

# _tls_ca BASE CN: a self-signed CA certificate BASE.pem, key BASE.key.
_tls_ca() {
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
		-keyout "$1.key" -out "$1.pem" -days 2 -subj "/CN=$2" \
		-addext 'basicConstraints=critical,CA:TRUE' \
		-addext 'keyUsage=critical,keyCertSign,cRLSign'
}

# tls_kam_defines PORT: the Kamailio defines (one per line) for a tls:
# socket on 127.0.0.1:PORT with the P-CSCF's certificate, listed as an e2ae
# socket.
tls_kam_defines() {
	printf '%s\n' WITH_TLS "TLS_PORT=$1" "TLS_CERT=\"$TLS_DIR/pcscf.pem\"" \
		"TLS_KEY=\"$TLS_DIR/pcscf.key\"" "E2AE_SOCKET_TLS=\"tls:127.0.0.1:$1\""
}

# need_tls_relay: TLS_RELAY, test/tools/tls_relay.c built into the run
# directory (cc, libssl).
need_tls_relay() {
	TLS_RELAY=$RUN_DIR/tls_relay
	[ -x "$TLS_RELAY" ] && return 0
	# shellcheck disable=SC2046 # pkg-config output is a word list
	cc -O2 -Wall -Wextra -o "$TLS_RELAY" "$REPO_ROOT/test/tools/tls_relay.c" \
		$(pkg-config --cflags --libs openssl 2>/dev/null || echo -lssl -lcrypto) \
		>"$RUN_DIR/tls_relay.build.out" 2>&1 ||
		fail "tls_relay cannot be built: $(tail -n 3 "$RUN_DIR/tls_relay.build.out")"
}

# tls_relay_start NAME PORT [CA]: start tls_relay NAME (log NAME.log)
# listening for the UE's TCP on a fresh port, TLS_RELAY_PORT, and making
# TLS connections to 127.0.0.1:PORT trusting CA (default the test CA).
tls_relay_start() {
	local name=$1 port=$2 ca=${3:-$TLS_DIR/ca.pem}
	need_tls_relay
	TLS_RELAY_PORT=$(alloc_ports 1)
	start_bg "$name" tls_relay "$TLS_RELAY" --listen "127.0.0.1:$TLS_RELAY_PORT" \
		--connect "127.0.0.1:$port" --ca "$ca"
	wait_until 5 port_bound "$TLS_RELAY_PORT" tcp ||
		fail "tls_relay $name does not listen on $TLS_RELAY_PORT: $(cat "$RUN_DIR/$name.log")"
	note "tls_relay $name: TCP 127.0.0.1:$TLS_RELAY_PORT -> TLS 127.0.0.1:$port"
}

# tls_poke PORT: open a TCP connection to 127.0.0.1:PORT (a relay) and
# close it at once: the relay makes its TLS handshake for it.
tls_poke() {
	local fd
	exec {fd}<>"/dev/tcp/127.0.0.1/$1" || fail "cannot connect to 127.0.0.1:$1"
	sleep 0.3
	exec {fd}>&-
}
