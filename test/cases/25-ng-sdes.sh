#!/usr/bin/env bash
# rtpengine-ng against a real rtpengine: ping, an SDES offer/answer/delete
# (RTP/SAVP with two crypto lines toward RTP/AVP), and a query showing the
# crypto suite rtpengine holds.  Drives the library through rngctl.
set -euo pipefail
. "$(dirname "$0")/../lib.sh"
setup_run
start_rtpengine a
ng=$RTPE_A_NG
sdp=$REPO_ROOT/test/ng/sdp
out=$RUN_DIR

assert_eq "$(rngctl "$ng" ping)" pong "rtpengine answers ping"

# offer from the UE side: SAVP with two crypto lines, RTP/AVP to the core
sed 's/$/\r/' "$sdp/ue-offer-savp.sdp" >"$out/offer.sdp"
rngctl "$ng" offer sdes-1 uetag "$out/offer.sdp" \
	transport-protocol=RTP/AVP DTLS=off ICE=remove >"$out/offer.out" ||
	fail "offer refused: $(cat "$out/offer.out")"
assert_grep "$out/offer.out" '^result: ok$' "offer result ok"
assert_grep "$out/offer.out" "m=audio [0-9]+ RTP/AVP 0 8" "core leg is RTP/AVP"
assert_no_grep "$out/offer.out" 'a=crypto' "no crypto line toward the core"
assert_no_grep "$out/offer.out" 'm=audio 40000 ' "media anchored on rtpengine"

# answer from the core: plain RTP/AVP, UE gets SAVP with one crypto line
sed 's/$/\r/' "$sdp/core-answer-avp.sdp" >"$out/answer.sdp"
rngctl "$ng" answer sdes-1 uetag coretag "$out/answer.sdp" \
	transport-protocol=RTP/SAVP DTLS=off ICE=remove >"$out/answer.out" ||
	fail "answer refused: $(cat "$out/answer.out")"
assert_grep "$out/answer.out" "m=audio [0-9]+ RTP/SAVP 0" "UE leg is RTP/SAVP"
assert_eq "$(grep -c 'a=crypto:' "$out/answer.out")" 1 "exactly one crypto line"
assert_grep "$out/answer.out" 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:<masked>' \
	"same tag and suite as the first offered line, key masked"
assert_no_grep "$out/answer.out" 'WVNfX19zZW1jdGwgKCkgewkyMjA7fQp9CnVubGVz' \
	"the UE's own key is not echoed"
"$RNGCTL" -k -n "udp:127.0.0.1:$ng" query sdes-1 >"$out/query-keys.out" || true

# query: the crypto suite rtpengine holds on the UE side
rngctl "$ng" query sdes-1 >"$out/query.out" || fail "query failed"
assert_grep "$out/query.out" 'crypto suite: AES_CM_128_HMAC_SHA1_80' \
	"rtpengine holds AES_CM_128_HMAC_SHA1_80"
assert_grep "$out/query.out" 'protocol: RTP/SAVP' "UE media is SAVP"
assert_grep "$out/query.out" 'protocol: RTP/AVP' "core media is AVP"

# delete, then nothing is left
rngctl "$ng" delete sdes-1 uetag >"$out/delete.out" || fail "delete failed"
assert_grep "$out/delete.out" '^result: ok$' "delete ok"
rngctl "$ng" list >"$out/list.out"
assert_no_grep "$out/list.out" 'sdes-1' "no call left after delete"
note "SDES offer/answer/query/delete ok"
