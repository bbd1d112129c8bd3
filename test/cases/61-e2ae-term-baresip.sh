#!/usr/bin/env bash
# Terminating e2ae call to a user agent that is not ours: Debian's baresip
# (1.0.0, package baresip-core) as the UE, SDES against the AGW (rtpengine),
# the media proven at both ends (helpers: test/baresip.sh):
#
#   SIPp UE on UE_PORT  --REGISTER, Security-Client: sdes-srtp;mediasec-->
#        P-CSCF --> S-CSCF sipp        (contact sip:ue@127.0.0.1:UE_PORT)
#   baresip then listens on UE_PORT (auto-answer, mediaenc=srtp-mand, PCMU,
#        its own config directory in the run directory, 127.0.0.1 only)
#   core sipp --INVITE RTP/AVP--> P-CSCF (core side)
#        --INVITE RTP/SAVP, a=crypto (allowed suites), a=3ge2ae:applied--> baresip
#   baresip --180, 200 RTP/SAVP with its a=crypto--> P-CSCF --200 RTP/AVP--> core
#   baresip (SRTP) <-> rtpengine <-> core end in bash (plain RTP)
#   the core sipp hangs up when told (test/sipp/baresip_uac_call.xml)
#
# Checked:
#   - the P-CSCF lists the contact as registered with a capability;
#   - what baresip received (its own SIP trace, -s): RTP/SAVP on rtpengine's
#     address, crypto lines for the allowed suites only (_80 then _32,
#     distinct tags), exactly one a=3ge2ae:applied, no other keying; what
#     it answered: RTP/SAVP, one crypto line of an offered tag with that
#     tag's suite; baresip enabled SRTP with that suite;
#   - what the core received: a 200 with RTP/AVP on rtpengine's address,
#     no a=crypto, no a=3ge2ae, no other keying; Kamailio logged e2ae for
#     the offer and the answer;
#   - baresip -> core: baresip sends a 1 kHz tone (aufile: a wav of mu-law
#     levels); the core end receives it as PLAIN RTP: 60 datagrams of 172
#     bytes (12 + 160, no SRTP authentication tag), V=2, PT 0, baresip's
#     SSRC (its a=ssrc), each payload exactly the tone's mu-law codes;
#   - core -> baresip: the core end sends 63 plain RTP packets of a 500 Hz
#     tone; baresip decrypted them: the decoded audio its sndfile filter
#     wrote holds frames that are exactly that tone's levels (all but the
#     jitter buffer's tail) and nothing else, its RTP statistics count the
#     packets with no error, and it logged no SRTP failure;
#   - rtpengine counted packets from both sides during the call and holds
#     no call after the BYE; baresip's sockets are on 127.0.0.1 (but for
#     its DNS client's, unconnected, whose server is a loopback port); it
#     ends on SIGTERM.
# (baresip sends SRTCP as soon as it has the offer, before its 200 reaches
# the gateway: rtpengine drops those first compounds, "SRTCP output wanted,
# but no crypto suite was negotiated"; not checked.)
#
# lab: ims
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
# shellcheck source=../baresip.sh
. "$(dirname "$0")/../baresip.sh"
setup_run
command -v "$BARESIP" >/dev/null ||
	fail "baresip not found (Debian package baresip-core; scripts/setup-deps.sh installs it)"
e2ae_lab

# The UE's contact registers with mediasec (a SIPp UE on UE_PORT, which
# ends); baresip then takes that port: the P-CSCF keys e2ae capability by
# the contact's host:port.
UE_PORT=$(alloc_ports 2) # baresip listens on TCP UE_PORT+1 too (TLS)
e2ae_register reg "$UE_PORT" ue
e2ae_ctl
kam regs.out ims_medsec.registrations
assert_grep "$RUN_DIR/regs.out" "127\\.0\\.0\\.1:$UE_PORT\$" "the P-CSCF holds the UE's contact as e2ae-capable"

# Tones: baresip sends UE_CODES (1 kHz), the core sends CORE_CODES (500 Hz).
mapfile -t UE_CODES < <(tone_codes 8 8000)
mapfile -t CORE_CODES < <(tone_codes 16 4000)
UE_HEX=$(tone_hex "${UE_CODES[@]}")
mapfile -t CORE_LEVELS < <(tone_levels "${CORE_CODES[@]}")
# 30 s: baresip hangs up when its aufile source ends
tone_wav "$RUN_DIR/ue-tone.wav" 30 "${UE_CODES[@]}"

baresip_start bs "$UE_PORT" ue "$RUN_DIR/ue-tone.wav"
SELF=127.0.0.1:$UE_PORT
assert_grep "$BS_OUT" "Using media encryption 'srtp-mand'" "baresip: SDES mandatory for its account"
socks=$(baresip_sockets "$BS_PID") || fail "baresip has a socket off 127.0.0.1: ${socks:-no socket found}"
read -r n_lo n_dns <<<"$socks"
note "baresip's sockets: $n_lo on 127.0.0.1, $n_dns unconnected wildcard UDP (its DNS client; dns_server is a loopback port)"

id=call
o=$RUN_DIR/$id
CORE_MPORT=$(alloc_ports 2)
e2ae_sdp_file "$o.offer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
CID="$id-$$-$RANDOM@e2ae.test"
# The core hangs up when the test tells it (baresip_uac_call.xml: an INFO).
e2ae_sipp "$id.core" baresip_uac_call.xml "$SCSCF_PORT" -cid_str "$CID" \
	-key ruri "sip:ue@127.0.0.1:$UE_PORT" -key user core -key offer_sdp "$o.offer.sdp" \
	-key exp_proto RTP/AVP -key exp_3ge2ae none -key exp_crypto none \
	"127.0.0.1:$KAM_CORE_PORT"
core_pid=$BG_PID

wait_until 10 sipp_saw "$o.core.trace" received '^SIP/2\.0 200 ' ||
	fail "$id: the core received no 200 (baresip did not answer?)"
sipp_msg_to "$o.core.rx.msg" "$o.core.trace" received '^SIP/2\.0 200 '
msg_body "$o.core.rx.msg" >"$o.core.rx.sdp"
GW_CORE_PORT=$(sdp_media_port "$o.core.rx.sdp")
[ -n "$GW_CORE_PORT" ] || fail "$id: no media port in the core's 200"

# Media while the call is up: the core end answers baresip's packets with
# its own, 60 of them after 3 warm-up ones (~1.5 s); then the core hangs up.
core_rtp "$o.core.rx.hex" "$GW_CORE_PORT" 60 "${CORE_CODES[@]}"
rngctl "$RTPE_A_NG" query "$CID" >"$o.query" 2>&1 ||
	fail "$id: rtpengine does not hold the call: $(tr '\n' ' ' <"$o.query")"
ng_query_both_ways "$o.query" ||
	fail "$id: rtpengine did not count packets from both baresip and the core: $(ng_query_summary "$o.query")"
note "$id: rtpengine received $(ng_query_summary "$o.query") (packets per tag)"

sipp_hangup "$SCSCF_PORT" "$CID"
e2ae_sipp_wait "$id.core" "$core_pid" "$id: core caller (terminating call to baresip)"
e2ae_no_calls_left "$id"
# The call is over (BYE): baresip closed its wav files and printed its
# statistics; stop it before reading them.
wait_until 5 grep -q '^audio: destroyed' "$BS_OUT" || true
baresip_stop

# --- what baresip received: the INVITE
baresip_msg_to "$o.bs.rx.msg" "$BS_OUT" "$SELF" received '^INVITE '
msg_body "$o.bs.rx.msg" >"$o.bs.rx.sdp"
assert_agw_sdp "$o.bs.rx.sdp" "$id: baresip's offer"
assert_grep "$o.bs.rx.sdp" '^m=audio [0-9]+ RTP/SAVP 0$' "$id: baresip is offered RTP/SAVP with the core's codec"
offered=$(sdp_crypto "$o.bs.rx.sdp" | awk '{ print $2 }' | tr '\n' ' ')
assert_eq "$offered" "AES_CM_128_HMAC_SHA1_80 AES_CM_128_HMAC_SHA1_32 " \
	"$id: baresip is offered the allowed suites only, preferred first"
assert_eq "$(sdp_crypto "$o.bs.rx.sdp" | awk '{ print $1 }' | sort | uniq -d)" "" \
	"$id: crypto tags are distinct"
assert_eq "$(msg_count "$o.bs.rx.sdp" '^a=3ge2ae:')" 1 "$id: one e2ae indication to baresip"
assert_grep "$o.bs.rx.sdp" '^a=3ge2ae:applied$' "$id: baresip is told e2ae is applied"
assert_no_grep "$o.bs.rx.sdp" '^a=(setup|fingerprint|tls-id|key-mgmt)' "$id: no other keying toward baresip"

# --- what baresip answered, and the SRTP it set up
baresip_msg_to "$o.bs.tx.msg" "$BS_OUT" "$SELF" sent '^SIP/2\.0 200 '
msg_body "$o.bs.tx.msg" >"$o.bs.tx.sdp"
assert_grep "$o.bs.tx.sdp" '^m=audio [0-9]+ RTP/SAVP 0$' "$id: baresip answers RTP/SAVP"
read -r tag suite <<<"$(sdp_crypto "$o.bs.tx.sdp")" || true
assert_eq "$(sdp_crypto "$o.bs.tx.sdp" | wc -l)" 1 "$id: baresip answers one crypto line"
assert_eq "$(sdp_crypto "$o.bs.rx.sdp" | awk -v t="$tag" '$1 == t { print $2 }')" "$suite" \
	"$id: baresip's crypto line has an offered tag with its suite"
assert_grep "$BS_OUT" "srtp: audio: SRTP is Enabled \(cryptosuite=$suite\)" "$id: baresip enabled SRTP"
echoed=$(msg_count "$o.bs.tx.sdp" '^a=3ge2ae')
bs_ssrc=$(sed -n 's/^a=ssrc:\([0-9]*\) .*/\1/p' "$o.bs.tx.sdp" | head -n 1)

# --- what the core received: the 200
check_core_offer "$o.core.rx.sdp" "$id: the core's 200"
assert_grep "$RUN_DIR/kamailio.log" "call $CID: e2ae offer from the core through gateway" \
	"$id: Kamailio handled the offer as e2ae"
assert_grep "$RUN_DIR/kamailio.log" "call $CID: e2ae answer through gateway" \
	"$id: Kamailio handled the answer as e2ae"

# --- baresip -> core: plain RTP carrying baresip's tone
read -r _ rx _ plain _ v2 _ tone _ ssrcs <<<"$(rtp_tone_summary "$o.core.rx.hex" "$UE_HEX")"
note "NOTE: $id baresip->core at the core end: $CORE_RTP_DATAGRAMS datagrams, $CORE_RTP_BYTES bytes; $plain of 172 bytes (plain RTP length), $v2 V=2 PT 0, $tone exactly baresip's tone, SSRC $ssrcs"
assert_ge "${CORE_RTP_DATAGRAMS:-0}" 60 "$id: baresip's RTP reached the core"
assert_eq "$CORE_RTP_BYTES" $((CORE_RTP_DATAGRAMS * 172)) \
	"$id: the datagrams at the core are plain RTP (12 + 160 bytes each, no SRTP tag)"
assert_eq "$plain/$v2" "$CORE_RTP_DATAGRAMS/$CORE_RTP_DATAGRAMS" "$id: every datagram at the core is RTP V=2 PCMU"
assert_eq "$tone" "$CORE_RTP_DATAGRAMS" "$id: the core hears baresip's tone byte for byte"
if [ -n "$bs_ssrc" ]; then
	assert_eq "$ssrcs" "$(printf '%08x' "$bs_ssrc")" "$id: the core's RTP is baresip's stream (its a=ssrc)"
fi

# --- core -> baresip: baresip decrypted the core's plain RTP
dec=$(find "$BS_DIR/snd" -name 'dump-*-dec.wav' | head -n 1)
[ -n "$dec" ] || fail "$id: baresip's sndfile wrote no decoded audio"
read -r _ frames _ ctone _ nonsilent <<<"$(wav_frames_tone "$dec" "${CORE_LEVELS[@]}")"
note "NOTE: $id core->baresip: sent $CORE_RTP_SENT plain RTP; baresip decoded $frames frames, $ctone exactly the core's tone, $nonsilent not silent"
# baresip's jitter buffer (5-10 frames) keeps the last packets when the
# core stops sending: they are never decoded.
assert_ge "$ctone" $((CORE_RTP_SENT - 12)) "$id: baresip decrypted and decoded the core's tone"
assert_eq "$nonsilent" "$ctone" "$id: every non-silent frame baresip decoded is the core's tone"
# rtp_stats: "packets: TX RX" and "errors: TX RX" at the end of the call
read -r _ bs_tx bs_rx <<<"$(grep -E '^packets: ' "$BS_OUT" | tail -n 1)" || true
read -r _ bs_etx bs_erx <<<"$(grep -E '^errors: ' "$BS_OUT" | tail -n 1)" || true
assert_ge "${bs_rx:-0}" "$CORE_RTP_SENT" "$id: baresip counted the core's packets"
assert_eq "${bs_erx:-x}/${bs_etx:-x}" "0/0" "$id: baresip counted no RTP error"
assert_no_grep "$BS_OUT" 'srtp: failed|no valid a=crypto' "$id: no SRTP failure in baresip"

assert_no_grep "$RUN_DIR/kamailio.log" 'media (offer|answer) refused|failed a check' \
	"no refusal in the P-CSCF"
note "$id: baresip was offered $(sdp_crypto "$o.bs.rx.sdp" | tr '\n' ',' | sed 's/,$//') + a=3ge2ae:applied, answered tag $tag $suite ($([ "$echoed" -gt 0 ] && echo "echoing a=3ge2ae" || echo "no a=3ge2ae")); RTP tx/rx $bs_tx/$bs_rx; core got RTP/AVP without SDES"
