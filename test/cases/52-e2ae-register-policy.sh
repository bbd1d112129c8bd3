#!/usr/bin/env bash
# Registration policy knobs:
#   - require_protected_signalling (REQUIRE_PROTECTED_SIGNALLING in the
#     example config): a UE whose IPsec has ealg=null gets no mediasec
#     indication in the 401 or the 200 (SDES keys would travel in clear
#     SIP), and its "requested" offer stays end-to-end; a UE with
#     ealg=aes-cbc gets the indication in both;
#   - e2ae_socket: a UE registering on a socket not listed gets none (the
#     harness lists only the UE-side socket; this UE registers through the
#     core-side socket).
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
E2AE_KAM_DEFINES=(REQUIRE_PROTECTED_SIGNALLING)
e2ae_lab

null_c="ipsec-3gpp;prot=esp;mod=trans;spi-c=1;spi-s=2;port-c=6101;port-s=6100;alg=hmac-sha-1-96;ealg=null"
enc_c="ipsec-3gpp;prot=esp;mod=trans;spi-c=3;spi-s=4;port-c=6103;port-s=6102;alg=hmac-sha-1-96;ealg=aes-cbc"

UE1_PORT=$(alloc_ports 1)
e2ae_register clear "$UE1_PORT" ue1 -key sec_client "$null_c, sdes-srtp;mediasec" \
	-key exp401 none -key exp200 none
note "ealg=null: no mediasec indication in the 401 or the 200"

UE2_PORT=$(alloc_ports 1)
e2ae_register enc "$UE2_PORT" ue2 -key sec_client "$enc_c, sdes-srtp;mediasec"
note "ealg=aes-cbc: mediasec indicated in the 401 and the 200"

# the e2ae_socket policy: the same REGISTER arriving on the core-side socket
UE3_PORT=$(alloc_ports 1)
KAM_SIP_PORT_SAVED=$KAM_SIP_PORT
KAM_SIP_PORT=$KAM_CORE_PORT
e2ae_register othersock "$UE3_PORT" ue3 -key sec_client "$enc_c, sdes-srtp;mediasec" \
	-key exp401 none -key exp200 none
KAM_SIP_PORT=$KAM_SIP_PORT_SAVED
note "a socket outside e2ae_socket: no mediasec indication"
e2ae_no_calls_left "end of case"
