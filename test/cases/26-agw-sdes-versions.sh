#!/usr/bin/env bash
# What rtpengine does with SDES, on this stack's rtpengine (10.5 on Debian
# 12, 12.5 on Debian 13), driven through rngctl: the facts ims_medsec is
# built on (docs/architecture.md, "rtpengine versions").  Each check states
# what each version does; a new rtpengine that behaves otherwise fails here
# first, before a call does.
#   1. RTP/AVP offered toward RTP/SAVP: twelve crypto lines, in the same
#      order and with the same key lengths (AEAD-GCM included) on both.
#   2. The ten SDES-no-<suite> flags the module sends leave exactly
#      AES_CM_128_HMAC_SHA1_80 (tag 1) and _32 (tag 2) on both.
#   3. SDES-only-<suite>: ignored by 10.5 (all twelve lines), honoured by
#      12.5 (one line): a flag a client cannot rely on across versions,
#      so the module does not use it.
#   4. Re-offer after an answer: the accepted suite keeps its tag and key,
#      the other suite gets a new key (both).
#   5. A NULL_HMAC_SHA1_80 call: the first media packet kills rtpengine, on
#      10.5.3.5 and still on 12.5.1.31: the module must (and does: case 70)
#      keep NULL suites away from the gateway.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
setup_run
ulimit -c 0 # rtpengine's crash in check 5 leaves no core file behind

rtpengine_version
case $RTPE_MAJOR in
10 | 12) ;;
*) fail "rtpengine $RTPE_VERSION: no expectations for this version here" ;;
esac
start_rtpengine a
o=$RUN_DIR
# ngk ARG...: rngctl against rtpengine a, keys shown (-k).
ngk() { "$RNGCTL" -k -n "udp:127.0.0.1:$RTPE_A_NG" "$@"; }
avp() {
	printf 'v=0\r\no=core 1 %s IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %s RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n' "$1" "$2"
}
savp() {
	printf 'v=0\r\no=ue 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio %s RTP/SAVP 0\r\na=rtpmap:0 PCMU/8000\r\n%s\r\n' "$1" "$2"
}
# lines FILE: "TAG SUITE KEYBYTES" per crypto line.
lines() {
	awk '/a=crypto:/ {
		sub(/.*a=crypto:/, ""); k = $3; sub(/^inline:/, "", k); sub(/[|].*/, "", k); gsub(/=/, "", k)
		printf "%s %s %d\n", $1, $2, int(length(k) * 3 / 4) }' "$1" | tr -d '\r'
}
TO_UE=(transport-protocol=RTP/SAVP DTLS=off ICE=remove)
NO=()
for s in AEAD_AES_256_GCM AEAD_AES_128_GCM AES_256_CM_HMAC_SHA1_80 AES_256_CM_HMAC_SHA1_32 \
	AES_192_CM_HMAC_SHA1_80 AES_192_CM_HMAC_SHA1_32 F8_128_HMAC_SHA1_80 F8_128_HMAC_SHA1_32 \
	NULL_HMAC_SHA1_80 NULL_HMAC_SHA1_32; do
	NO+=("SDES=no-$s")
done

# 1. the full list
avp 1 41000 >"$o/avp.sdp"
ngk offer v1 ft "$o/avp.sdp" "${TO_UE[@]}" >"$o/1.out" || fail "offer refused"
lines "$o/1.out" >"$o/1.lines"
cat >"$o/1.expected" <<'TXT'
1 AEAD_AES_256_GCM 44
2 AEAD_AES_128_GCM 28
3 AES_256_CM_HMAC_SHA1_80 46
4 AES_256_CM_HMAC_SHA1_32 46
5 AES_192_CM_HMAC_SHA1_80 38
6 AES_192_CM_HMAC_SHA1_32 38
7 AES_CM_128_HMAC_SHA1_80 30
8 AES_CM_128_HMAC_SHA1_32 30
9 F8_128_HMAC_SHA1_80 30
10 F8_128_HMAC_SHA1_32 30
11 NULL_HMAC_SHA1_80 30
12 NULL_HMAC_SHA1_32 30
TXT
diff "$o/1.expected" "$o/1.lines" >"$o/1.diff" ||
	fail "rtpengine $RTPE_VERSION: the generated crypto lines differ (tag suite key-bytes): $(cat "$o/1.diff")"
note "1. rtpengine $RTPE_VERSION writes the twelve lines, AEAD_AES_256_GCM tag 1 ... NULL_HMAC_SHA1_32 tag 12, key+salt 44/28/46/38/30 bytes"

# 2. the module's flags
ngk offer v2 ft "$o/avp.sdp" "${TO_UE[@]}" "${NO[@]}" >"$o/2.out" || fail "offer refused"
assert_eq "$(lines "$o/2.out" | tr '\n' ' ')" "1 AES_CM_128_HMAC_SHA1_80 30 2 AES_CM_128_HMAC_SHA1_32 30 " \
	"the ten SDES-no- flags leave the two AES_CM_128 suites, tags 1 and 2"

# 3. SDES-only-
ngk offer v3 ft "$o/avp.sdp" "${TO_UE[@]}" SDES=only-AES_CM_128_HMAC_SHA1_80 >"$o/3.out" ||
	fail "offer refused"
n=$(lines "$o/3.out" | wc -l)
if [ "$RTPE_MAJOR" = 10 ]; then
	assert_eq "$n" 12 "rtpengine $RTPE_VERSION ignores SDES-only- (twelve lines)"
else
	assert_eq "$(lines "$o/3.out" | tr '\n' ' ')" "1 AES_CM_128_HMAC_SHA1_80 30 " \
		"rtpengine $RTPE_VERSION honours SDES-only- (one line)"
fi
note "3. SDES-only-AES_CM_128_HMAC_SHA1_80: $n line(s) on rtpengine $RTPE_VERSION"

# 4. re-offer after an answer that took tag 1
key=$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)
savp 40000 "a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:$key" >"$o/ans.sdp"
ngk answer v2 ft tt "$o/ans.sdp" transport-protocol=RTP/AVP DTLS=off ICE=remove >"$o/4a.out" ||
	fail "answer refused"
avp 2 41000 >"$o/avp2.sdp"
ngk offer v2 ft "$o/avp2.sdp" "${TO_UE[@]}" "${NO[@]}" >"$o/4.out" || fail "re-offer refused"
k() { awk -v t="a=crypto:$2" '$0 ~ t" " { sub(/.*inline:/, ""); print; exit }' "$1" | tr -d '\r'; }
assert_eq "$(k "$o/4.out" 1)" "$(k "$o/2.out" 1)" "the accepted suite keeps tag 1 and its key on a re-offer"
[ "$(k "$o/4.out" 2)" != "$(k "$o/2.out" 2)" ] || fail "the other suite kept its key too"
note "4. re-offer: tag 1 (accepted) keeps its key, tag 2 gets a new one"

# 5. a NULL suite
savp 40100 "a=crypto:1 NULL_HMAC_SHA1_80 inline:$(srtp_gen_key AES_CM_128_HMAC_SHA1_80)" >"$o/null.sdp"
rngctl "$RTPE_A_NG" offer v5 nt "$o/null.sdp" transport-protocol=RTP/AVP DTLS=off ICE=remove \
	>"$o/5.out" || fail "NULL offer refused"
port=$(awk '/m=audio/ { print $2; exit }' "$o/5.out")
core=$(alloc_ports 1)
avp 1 "$core" >"$o/null-ans.sdp"
rngctl "$RTPE_A_NG" answer v5 nt nt2 "$o/null-ans.sdp" "${TO_UE[@]}" >"$o/5a.out" ||
	fail "NULL answer refused"
assert_grep "$o/5a.out" 'a=crypto:1 NULL_HMAC_SHA1_80' "rtpengine accepts a NULL suite"
pid=$(cat "$RTPE_A_PIDFILE")
# one RTP packet from the core's port (12-byte header, 160 bytes of PCMU)
perl -MIO::Socket::INET -e '
	my $s = IO::Socket::INET->new(PeerAddr => "127.0.0.1", PeerPort => $ARGV[0],
		LocalAddr => "127.0.0.1", LocalPort => $ARGV[1], Proto => "udp") or die "socket: $!";
	$s->send(pack("CCnNN", 0x80, 0, 1, 160, 0x1234) . ("\xff" x 160)) or die "send: $!";' "$port" "$core"
wait_until 5 sh -c "! kill -0 $pid 2>/dev/null" ||
	fail "rtpengine $RTPE_VERSION survived a NULL_HMAC_SHA1_80 packet: update docs/architecture.md and this case"
note "5. rtpengine $RTPE_VERSION dies on the first packet of a NULL_HMAC_SHA1_80 call"
