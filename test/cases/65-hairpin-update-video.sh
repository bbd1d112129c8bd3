#!/usr/bin/env bash
# A hairpin e2ae call (issue 11, see 62-hairpin-e2ae.sh: UE A calls UE B,
# both registered with sdes-srtp;mediasec through the same P-CSCF; each
# passage is its own leg on the gateway, "<Call-ID>" and "<Call-ID>;mt")
# renegotiated with an UPDATE and with video, then a core that spoofs e2ae
# indications:
#   0. the call: A offers AES_CM_128_HMAC_SHA1_80 (tag 1) with
#      a=3ge2ae:requested, B picks AES_CM_128_HMAC_SHA1_80 with its own key;
#   1. B sends an UPDATE (CSeq 10) in the confirmed dialog with a NEW key
#      and a=3ge2ae:requested; A answers in the 200 to the UPDATE (its key
#      unchanged).  A is offered RTP/SAVP on the gateway, one
#      a=3ge2ae:applied and, for A's suite, the gateway key A got at first
#      (A's leg untouched by B's change); B's 200 has one crypto line (its
#      tag) and a=3ge2ae:applied; the IMS core (the S-CSCF's SCSCF-SDP
#      lines) saw a plain UPDATE and a plain 200; the media is probed with
#      srtp_probe --far-srtp (A its key, B its NEW key), and SRTP under B's
#      replaced key no longer gets through to A;
#   2. A re-INVITEs (CSeq 2) adding a video line (m=video RTP/SAVP 96 with
#      its own crypto line and a=3ge2ae:requested, as the UE would): B is
#      offered two media lines, each RTP/SAVP on the gateway with the
#      policy's crypto offers and one a=3ge2ae:applied, and answers both
#      with keys of its own; A's 200 has two lines, each with one crypto
#      line (tag 1) with a gateway key and one a=3ge2ae:applied; the core
#      saw plain RTP/AVP (no crypto, no indication, no SAVP on any line);
#      the audio is probed afterwards; A hangs up;
#   3. the S-CSCF restarted with SPOOF_3GE2AE (test/scscf.cfg): it inserts
#      a=3ge2ae:applied and a=3ge2ae:requested after every m= line of each
#      SDP it relays, i.e. into the INVITE it sends back to the P-CSCF
#      (B's passage) and into B's 200 on its way to A's passage.  B gets
#      exactly one a=3ge2ae line, the module's applied, after the policy's
#      crypto lines; A's 200 has exactly one, applied; the media is probed.
# At the end rtpengine holds no call and no S-CSCF log has a key or error.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
# shellcheck source=../hairpin.sh
. "$(dirname "$0")/../hairpin.sh"
setup_run
hairpin_lab
SUITE=AES_CM_128_HMAC_SHA1_80

o=$RUN_DIR/uv
A_MPORT=$(alloc_ports 2) B_MPORT=$(alloc_ports 2)
A_VPORT=$(alloc_ports 2) B_VPORT=$(alloc_ports 2)
AT=$RUN_DIR/uv.a.trace BT=$RUN_DIR/uv.b.trace
for k in a1 av b2 bv; do
	srtp_gen_key "$SUITE" >"$o.$k.key"
done

# step OUT TRACE DIR REGEX CSEQ WHAT: wait (12 s) for the message and put
# it into OUT.msg, its SDP into OUT.sdp.
step() {
	wait_until 12 msg_cseq "$1.msg" "$2" "$3" "$4" "$5" || {
		e2ae_mask_traces
		fail "$6: not seen (A received: $(sipp_received "$AT" | tr -d '\r' | tr '\n' ',' | sed 's/,$//'); B received: $(sipp_received "$BT" | tr -d '\r' | tr '\n' ',' | sed 's/,$//'))"
	}
	msg_body "$1.msg" >"$1.sdp"
}
# section FILE KIND: the lines of the first m=KIND section of an SDP.
section() { awk -v k="$2" '/^m=/ { on = ($0 ~ ("^m=" k " ")) } on' "$1"; }
# audio_only FILE OUT: the session part and the audio section (for the
# probe's address, port and keys).
audio_only() { awk '/^m=/ { on = ($0 ~ /^m=audio /) } !seen || on { print } /^m=/ { seen = 1 }' "$1" >"$2"; }
# tag_of FILE: the tag of the (first) crypto line of SUITE in FILE.
tag_of() { sdp_crypto "$1" | awk -v s="$SUITE" '$2 == s { print $1; exit }'; }
keyfate() { cmp -s "$1" "$2" && echo kept || echo changed; }
# per_line FILE REGEX: how many lines match REGEX in each m= section,
# e.g. "1 1".
per_line() { awk -v re="$2" '/^m=/ { m++ } $0 ~ re { c[m]++ } END { for (i = 1; i <= m; i++) printf "%s%d", (i > 1 ? " " : ""), c[i] + 0; print "" }' "$1"; }

# ----- the SDPs written before the call -----
a_audio=("m=audio $A_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000"
	"a=crypto:1 $SUITE inline:$(cat "$o.a1.key")" "a=3ge2ae:requested" "a=sendrecv")
e2ae_sdp_file "$o.offer.sdp" uea "${a_audio[@]}"
# A's answer to B's UPDATE, sent at once (see hairpin_uac_update.xml): tag
# 1 of the gateway's offer (checked below to be $SUITE), A's key unchanged
e2ae_sdp "$o.update_answer.sdp" v=0 "o=uea 1 2 IN IP4 127.0.0.1" s=- "c=IN IP4 127.0.0.1" "t=0 0" \
	"m=audio $A_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 $SUITE inline:$(cat "$o.a1.key")" "a=sendrecv"
# A's re-INVITE: the same audio line, plus video with a key of its own
e2ae_sdp "$o.video.sdp" v=0 "o=uea 1 3 IN IP4 127.0.0.1" s=- "c=IN IP4 127.0.0.1" "t=0 0" \
	"${a_audio[@]}" \
	"m=video $A_VPORT RTP/SAVP 96" "a=rtpmap:96 H264/90000" "a=fmtp:96 profile-level-id=42e01f" \
	"a=crypto:1 $SUITE inline:$(cat "$o.av.key")" "a=3ge2ae:requested" "a=sendrecv"
# These files reach their SIPp through gates (test/lib.sh): the SIPp waits
# for each, the test feeds it once written and its checks of the step
# before are done (feed KEY), however long they took.
for f in answer update video_answer; do
	: >"$o.$f.sdp"
done
for f in answer update video_answer video; do
	gate_new "uv.$f" >/dev/null
done
feed() { gate_open "$o.$1.gate" "$o.$1.sdp"; }

# ----- 0. the call -----
cid="uv-$$-$RANDOM@hairpin.test"
e2ae_sipp uv.b hairpin_uas_update.xml "$B_PORT" \
	-key answer_sdp "$o.answer.gate" -key update_sdp "$o.update.gate" \
	-key video_answer_sdp "$o.video_answer.gate"
bpid=$BG_PID
e2ae_sipp_bound "$B_PORT"
# A sends its video re-INVITE once the UPDATE's checks are done (its gate),
# and hangs up after its ACK once the audio probe is done (its hold gate)
e2ae_sipp uv.a hairpin_uac_update.xml "$A_PORT" -d 200 -cid_str "$cid" \
	-key ruri "sip:ueb@ims.test" -key user uea -key offer_sdp "$o.offer.sdp" \
	-key update_answer_sdp "$o.update_answer.sdp" -key video_sdp "$o.video.gate" \
	-set hold_gate "$(gate_new uv.a.hold)" "127.0.0.1:$KAM_SIP_PORT"
apid=$BG_PID

step "$o.b.inv1" "$BT" received '^INVITE ' '1 INVITE' "0: B's INVITE"
hairpin_check_ue_offer "$o.b.inv1.sdp" "0: B's offer"
hairpin_answer_to "$o.answer.sdp" "$o.b.inv1.sdp" "$o.b" "$B_MPORT"
feed answer
cp "$o.b.gw.key" "$o.b.gw1.key"
# B's UPDATE: its initial tag, a NEW key, requested (B sends it 800 ms
# after the ACK at the earliest, when it is fed)
e2ae_sdp "$o.update.sdp" v=0 "o=ueb 1 2 IN IP4 127.0.0.1" s=- "c=IN IP4 127.0.0.1" "t=0 0" \
	"m=audio $B_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:$(cat "$o.b.tag") $SUITE inline:$(cat "$o.b2.key")" "a=3ge2ae:requested" "a=sendrecv"
step "$o.a.ok1" "$AT" received '^SIP/2\.0 200 ' '1 INVITE' "0: A's 200"
hairpin_check_ue_answer "$o.a.ok1.sdp" "$SUITE" 1 "0: A's answer"
sdp_crypto_key "$o.a.ok1.sdp" 1 >"$o.a.gw1.key"
hairpin_not_own_key "$o.a.gw1.key" "0: A's answer" "$o.a1.key" "$o.b.key"
hairpin_assert_legs "$cid" "0: the call is up"
feed update

# ----- 1. B's UPDATE, answered by A in the 200 -----
w="1 (B's UPDATE)"
step "$o.a.upd" "$AT" received '^UPDATE ' '10 UPDATE' "$w: A's UPDATE"
assert_agw_sdp "$o.a.upd.sdp" "$w: A's offer"
assert_grep "$o.a.upd.sdp" '^m=audio [0-9]+ RTP/SAVP 0$' "$w: A is offered RTP/SAVP"
assert_eq "$(msg_count "$o.a.upd.sdp" '^a=3ge2ae:')" 1 "$w: one e2ae indication to A"
assert_grep "$o.a.upd.sdp" '^a=3ge2ae:applied$' "$w: a=3ge2ae:applied to A"
assert_no_grep "$o.a.upd.sdp" '^a=(fingerprint|setup|key-mgmt)' "$w: no other keying to A"
assert_eq "$(dir_of "$o.a.upd.sdp")" sendrecv "$w: A is offered a=sendrecv"
# A's answer (sent at once) named tag 1: it must be the line of $SUITE
assert_eq "$(tag_of "$o.a.upd.sdp")" 1 "$w: the gateway offers A $SUITE as tag 1"
sdp_crypto_key "$o.a.upd.sdp" 1 >"$o.a.gw10.key"
cmp -s "$o.a.gw10.key" "$o.a.gw1.key" ||
	fail "$w: the gateway's key toward A changed although only B renegotiated"
hairpin_not_own_key "$o.a.gw10.key" "$w: A's offer" "$o.a1.key" "$o.b.key" "$o.b2.key"
step "$o.b.ok10" "$BT" received '^SIP/2\.0 200 ' '10 UPDATE' "$w: B's 200"
hairpin_check_ue_answer "$o.b.ok10.sdp" "$SUITE" "$(cat "$o.b.tag")" "$w: B's answer"
sdp_crypto_key "$o.b.ok10.sdp" "$(cat "$o.b.tag")" >"$o.b.gw10.key"
hairpin_not_own_key "$o.b.gw10.key" "$w: B's answer" "$o.b.key" "$o.b2.key" "$o.a1.key" "$o.a.gw10.key"
assert_grep "$RUN_DIR/kamailio.log" "call $cid: e2ae answer through gateway" \
	"$w: the P-CSCF handled answers as e2ae"
# the media after the UPDATE: A with its key and the gateway's key of the
# UPDATE A got; B with its NEW key and the gateway's key of its 200
hairpin_probe_far uv-upd "$SUITE" "$o.a1.key" "$o.a.gw10.key" \
	"$SUITE" "$o.b2.key" "$o.b.gw10.key" "$o.a.upd.sdp" "$o.b.ok10.sdp"
# SRTP under B's replaced key no longer reaches A
rc=0
"$SRTP_PROBE" --far-srtp --suite "$SUITE" --count 10 --warmup 0 --interval 20 --timeout 500 \
	--direction core-to-ue \
	--ue-local "127.0.0.1:$A_MPORT" \
	--ue-remote "$(hostport "$(sdp_conn_addr "$o.a.upd.sdp")" "$(sdp_media_port "$o.a.upd.sdp")")" \
	--core-local "127.0.0.1:$B_MPORT" \
	--core-remote "$(hostport "$(sdp_conn_addr "$o.b.ok10.sdp")" "$(sdp_media_port "$o.b.ok10.sdp")")" \
	--ue-tx-key-file "$o.a1.key" --ue-rx-key-file "$o.a.gw10.key" \
	--core-tx-key-file "$o.b.key" --core-rx-key-file "$o.b.gw10.key" >"$o.oldkey.log" 2>&1 || rc=$?
sed 's/^/uv old-key probe: /' "$o.oldkey.log" | grep -E ': (core->ue|VERDICT|usage)' >&2 || true
assert_eq "$rc" 1 "$w: a probe with B's replaced key must fail (exit)"
assert_grep "$o.oldkey.log" '^core->ue: sent 10 srtp, received 0 srtp' \
	"$w: nothing B sends under its replaced key reaches A"
note "NOTE: $w: A offered $(sdp_crypto "$o.a.upd.sdp" | tr '\n' ',' | sed 's/,$//') + applied (gateway key toward A kept); B got $(sdp_crypto "$o.b.ok10.sdp" | tr '\n' ' ')+ applied, gateway key toward B $(keyfate "$o.b.gw1.key" "$o.b.gw10.key") since the call's start"
# now A's re-INVITE adding video (3 s after the UPDATE at the earliest)
feed video

# ----- 2. A adds video (re-INVITE CSeq 2) -----
w="2 (A adds video)"
step "$o.b.inv2" "$BT" received '^INVITE ' '2 INVITE' "$w: B's re-INVITE"
f=$o.b.inv2.sdp
assert_eq "$(grep -c '^m=' "$f")" 2 "$w: B is offered two media lines"
assert_agw_sdp "$f" "$w: B's offer"
assert_grep "$f" '^m=audio [1-9][0-9]* RTP/SAVP 0$' "$w: audio RTP/SAVP to B"
assert_grep "$f" '^m=video [1-9][0-9]* RTP/SAVP 96$' "$w: video RTP/SAVP to B"
assert_eq "$(per_line "$f" '^a=3ge2ae:')" "1 1" "$w: one e2ae indication on each line to B"
assert_eq "$(per_line "$f" '^a=3ge2ae:applied$')" "1 1" "$w: a=3ge2ae:applied on each line to B"
assert_eq "$(per_line "$f" "^a=crypto:[0-9]+ $SUITE ")" "1 1" "$w: $SUITE offered on each line to B"
assert_no_grep "$f" '^a=(fingerprint|setup|key-mgmt)' "$w: no other keying to B"
section "$f" audio >"$o.b.inv2.audio"
section "$f" video >"$o.b.inv2.video"
vp=$(sed -n 's/^m=video \([0-9]*\) .*/\1/p' "$f")
if [ "$vp" -lt "$RTPE_A_PORT_MIN" ] || [ "$vp" -gt "$RTPE_A_PORT_MAX" ]; then
	fail "$w: B's video port $vp is not rtpengine's"
fi
assert_ne "$vp" "$(sdp_media_port "$f")" "$w: video and audio on different gateway ports"
for s in audio video; do
	sdp_crypto_key "$o.b.inv2.$s" "$(tag_of "$o.b.inv2.$s")" >"$o.b.gw2$s.key"
	hairpin_not_own_key "$o.b.gw2$s.key" "$w: B's $s offer" "$o.a1.key" "$o.av.key" "$o.a.gw1.key"
done
# B answers both lines: audio with its current key, video with a new one
bta=$(tag_of "$o.b.inv2.audio") btv=$(tag_of "$o.b.inv2.video")
e2ae_sdp "$o.video_answer.sdp.tmp" v=0 "o=ueb 1 3 IN IP4 127.0.0.1" s=- "c=IN IP4 127.0.0.1" "t=0 0" \
	"m=audio $B_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:$bta $SUITE inline:$(cat "$o.b2.key")" "a=sendrecv" \
	"m=video $B_VPORT RTP/SAVP 96" "a=rtpmap:96 H264/90000" \
	"a=crypto:$btv $SUITE inline:$(cat "$o.bv.key")" "a=sendrecv"
mv "$o.video_answer.sdp.tmp" "$o.video_answer.sdp"
feed video_answer
step "$o.a.ok2" "$AT" received '^SIP/2\.0 200 ' '2 INVITE' "$w: A's 200"
f=$o.a.ok2.sdp
assert_eq "$(grep -c '^m=' "$f")" 2 "$w: A's answer has two media lines"
assert_agw_sdp "$f" "$w: A's answer"
assert_grep "$f" '^m=audio [1-9][0-9]* RTP/SAVP 0$' "$w: audio RTP/SAVP to A"
assert_grep "$f" '^m=video [1-9][0-9]* RTP/SAVP 96$' "$w: video RTP/SAVP to A"
assert_eq "$(per_line "$f" '^a=crypto:')" "1 1" "$w: exactly one crypto line on each line to A"
assert_eq "$(per_line "$f" "^a=crypto:1 $SUITE ")" "1 1" "$w: A's tag 1 and suite on each line"
assert_eq "$(per_line "$f" '^a=3ge2ae:')" "1 1" "$w: one e2ae indication on each line to A"
assert_eq "$(per_line "$f" '^a=3ge2ae:applied$')" "1 1" "$w: a=3ge2ae:applied on each line to A"
assert_no_grep "$f" '^a=(fingerprint|setup|key-mgmt)' "$w: no other keying to A"
section "$f" audio >"$o.a.ok2.audio"
section "$f" video >"$o.a.ok2.video"
for s in audio video; do
	sdp_crypto_key "$o.a.ok2.$s" 1 >"$o.a.gw2$s.key"
	hairpin_not_own_key "$o.a.gw2$s.key" "$w: A's $s answer" "$o.a1.key" "$o.av.key" "$o.b2.key" "$o.bv.key"
done
cmp -s "$o.a.gw2audio.key" "$o.a.gw2video.key" && fail "$w: A got the same gateway key for audio and video"
# the audio after the video re-INVITE
wait_until 8 msg_cseq "$o.b.ack2.msg" "$BT" received '^ACK ' '2 ACK' || fail "$w: B received no ACK"
audio_only "$o.a.ok2.sdp" "$o.a.ok2.a.sdp"
audio_only "$o.b.inv2.sdp" "$o.b.inv2.a.sdp"
hairpin_probe_far uv-video "$SUITE" "$o.a1.key" "$o.a.gw2audio.key" \
	"$SUITE" "$o.b2.key" "$o.b.gw2audio.key" "$o.a.ok2.a.sdp" "$o.b.inv2.a.sdp"
note "NOTE: $w: B offered audio $(sdp_crypto "$o.b.inv2.audio" | tr '\n' ',' | sed 's/,$//'), video $(sdp_crypto "$o.b.inv2.video" | tr '\n' ',' | sed 's/,$//'), each + applied; A got one line each + applied; gateway key toward A (audio) $(keyfate "$o.a.gw1.key" "$o.a.gw2audio.key"), toward B (audio) $(keyfate "$o.b.gw10.key" "$o.b.gw2audio.key") since step 1"
gate_open "$o.a.hold.gate"
e2ae_sipp_wait uv.a "$apid" "UE A (call, B's UPDATE, its video re-INVITE, BYE)"
e2ae_sipp_wait uv.b "$bpid" "UE B (call, its UPDATE, A's video re-INVITE, BYE)"

# --- the IMS core saw plain RTP/AVP in every offer and answer of both
hairpin_core_plain uv "$cid" "core" "INVITE cseq=1 INVITE" "200 cseq=1 INVITE" \
	"UPDATE cseq=10 UPDATE" "200 cseq=10 UPDATE" "INVITE cseq=2 INVITE" "200 cseq=2 INVITE"
hairpin_core_on_gateway uv "$cid" "core"
assert_no_grep "$RUN_DIR/kamailio.log" 'media (offer|answer) refused|failed a check' \
	"no refusal in the P-CSCF"
e2ae_no_calls_left "after A's BYE"

# ----- 3. a core that spoofs e2ae indications -----
w="3 (spoofing core)"
HP_SCSCF_DEFINES=(SPOOF_3GE2AE=1)
hairpin_scscf "sip:ueb@127.0.0.1:$B_PORT"
HP_SCSCF_DEFINES=()
id=sp o=$RUN_DIR/sp
A_MPORT=$(alloc_ports 2) B_MPORT=$(alloc_ports 2)
hairpin_ue_offer "$id" "$SUITE"
HP_A_KEYS=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto "$SUITE")
HP_B_KEYS=(-key exp_proto RTP/SAVP -key exp_3ge2ae applied -key exp_crypto "$SUITE")
# up_probe ID: the media A<->B with each UE's keys
up_probe() {
	local o=$RUN_DIR/$1
	hairpin_assert_legs "$HP_CID" "$1: the call is up"
	sdp_crypto_key "$o.a.rx.sdp" 1 >"$o.a.gw.key"
	hairpin_probe_far "$1" "$SUITE" "$o.a1.key" "$o.a.gw.key" "$SUITE" "$o.b.key" "$o.b.gw.key"
}
HP_ON_OFFER=hairpin_b_answers HP_ON_UP=up_probe
hairpin_call "$id"
[ -s "$o.probe.log" ] || fail "$w: the media was not probed (no ACK at B in time?)"
# the S-CSCF did spoof: the INVITE toward B's passage and B's 200 toward A's
grep -F " call=$HP_CID:" "$HP_SCSCF_LOG" | sed -n 's/.*\(SCSCF-SPOOF .*\)/\1/p' >"$o.spoof"
assert_grep "$o.spoof" '^SCSCF-SPOOF INVITE cseq=1 INVITE ' "$w: the S-CSCF inserted indications into the INVITE"
assert_grep "$o.spoof" '^SCSCF-SPOOF 200 cseq=1 INVITE ' "$w: the S-CSCF inserted indications into the 200"
# B: the policy's offers, exactly one a=3ge2ae (the module's applied), no
# requested
hairpin_check_ue_offer "$o.b.rx.sdp" "$w: B's offer"
assert_no_grep "$o.b.rx.sdp" '^a=3ge2ae:requested' "$w: no spoofed requested reaches B"
assert_eq "$(grep -n '' "$o.b.rx.sdp" | sed -n 's/^\([0-9]*\):a=3ge2ae:.*/\1/p')" \
	"$(grep -n '' "$o.b.rx.sdp" | sed -n 's/^\([0-9]*\):a=crypto:.*/\1/p' | tail -n 1 | awk '{ print $1 + 1 }')" \
	"$w: B's indication is the module's, right after its crypto lines"
# A: one crypto line, exactly one a=3ge2ae, applied
hairpin_check_ue_answer "$o.a.rx.sdp" "$SUITE" 1 "$w: A's answer"
assert_no_grep "$o.a.rx.sdp" '^a=3ge2ae:requested' "$w: no spoofed requested reaches A"
hairpin_core_plain "$id" "$HP_CID" "$w" "INVITE cseq=1 INVITE" "200 cseq=1 INVITE"
e2ae_no_calls_left "$w"
note "NOTE: $w: the S-CSCF spoofed $(wc -l <"$o.spoof") SDPs; B got $(msg_count "$o.b.rx.sdp" '^a=3ge2ae:') indication ($(grep '^a=3ge2ae:' "$o.b.rx.sdp" | tr -d '\r')), A got $(msg_count "$o.a.rx.sdp" '^a=3ge2ae:') ($(grep '^a=3ge2ae:' "$o.a.rx.sdp" | tr -d '\r'))"

hairpin_core_all_plain "end of case"
note "UPDATE from B (A's keys unchanged, probed), video added by A (e2ae on both lines, audio probed), spoofed indications from the core removed on both passages"
