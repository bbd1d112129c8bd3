#!/usr/bin/env bash
# Re-offers from the core in an originating e2ae call (TS 33.328 7.2.1:
# the UE asked for e2ae; later offers come from the far end):
#   the UE calls the core with one e2ae audio line and the media is set
#   up; then the core sends in the dialog
#   - re-INVITE 1: a codec change (PCMA instead of PCMU) and a new video
#     line: the UE gets RTP/SAVP on the gateway for both lines, SDES
#     offers on each (AES_CM_128_HMAC_SHA1_80 as tag 1) and
#     a=3ge2ae:applied on each; it answers both with keys of its own; the core
#     gets RTP/AVP for both lines, no crypto, no indication;
#   - re-INVITE 2: the video line removed (port 0): the UE is offered port
#     0 for video (no key for it), answers with port 0; the core gets
#     port 0 for video and RTP/AVP audio;
#   then the audio is probed with the UE's latest key and the gateway's
#   latest key (SRTP <-> RTP, both ways), the core hangs up, and rtpengine
#   holds no call.
# And the same from the core as the caller (terminating e2ae call, "rt"):
#   the core calls the UE, puts it on hold (re-INVITE with a=sendonly: the
#   UE gets RTP/SAVP, a=sendonly, SDES offers, a=3ge2ae:applied), then
#   resumes with a codec change and a new video line (both lines offered
#   SDES, the UE answers both with new keys); the core gets RTP/AVP without
#   SDES each time; the audio is probed after the resume.
set -euo pipefail
# shellcheck source=../lib.sh
. "$(dirname "$0")/../lib.sh"
# shellcheck source=../e2ae.sh
. "$(dirname "$0")/../e2ae.sh"
setup_run
e2ae_lab

SUITE=AES_CM_128_HMAC_SHA1_80
UE_PORT=$(alloc_ports 1)
e2ae_register reg "$UE_PORT" ue
o=$RUN_DIR/ro
UE_MPORT=$(alloc_ports 2) CORE_MPORT=$(alloc_ports 2)
UE_VPORT=$(alloc_ports 2) CORE_VPORT=$(alloc_ports 2)
key() { srtp_gen_key "$SUITE" >"$o.$1.key"; cat "$o.$1.key"; }

e2ae_sdp_file "$o.offer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 $SUITE inline:$(key k1)" "a=3ge2ae:requested" "a=sendrecv"
e2ae_sdp_file "$o.answer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
# the core's re-offers (o= version 2 and 3)
e2ae_sdp "$o.reoffer1.sdp" v=0 "o=core 1 2 IN IP4 127.0.0.1" s=- "c=IN IP4 127.0.0.1" "t=0 0" \
	"m=audio $CORE_MPORT RTP/AVP 8" "a=rtpmap:8 PCMA/8000" "a=sendrecv" \
	"m=video $CORE_VPORT RTP/AVP 96" "a=rtpmap:96 H264/90000" "a=sendrecv"
e2ae_sdp "$o.reoffer2.sdp" v=0 "o=core 1 3 IN IP4 127.0.0.1" s=- "c=IN IP4 127.0.0.1" "t=0 0" \
	"m=audio $CORE_MPORT RTP/AVP 8" "a=rtpmap:8 PCMA/8000" "a=sendrecv" \
	"m=video 0 RTP/AVP 96"
# the UE's answers: tag 1 of each line, new keys
e2ae_sdp_file "$o.reanswer1.sdp" ue "m=audio $UE_MPORT RTP/SAVP 8" "a=rtpmap:8 PCMA/8000" \
	"a=crypto:1 $SUITE inline:$(key k2)" "a=sendrecv" \
	"m=video $UE_VPORT RTP/SAVP 96" "a=rtpmap:96 H264/90000" \
	"a=crypto:1 $SUITE inline:$(key kv)" "a=sendrecv"
e2ae_sdp_file "$o.reanswer2.sdp" ue "m=audio $UE_MPORT RTP/SAVP 8" "a=rtpmap:8 PCMA/8000" \
	"a=crypto:1 $SUITE inline:$(key k3)" "a=sendrecv" "m=video 0 RTP/SAVP 96"

cid="ro-$$-$RANDOM@e2ae.test"
# the core hangs up once the probe is done (its hold gate, test/lib.sh)
e2ae_sipp ro.core life_uas_ue_reinvite.xml "$SCSCF_PORT" -d 200 \
	-key answer_sdp "$o.answer.sdp" -key hold_sdp "$o.reoffer1.sdp" -key resume_sdp "$o.reoffer2.sdp" \
	-set hold_gate "$(gate_new ro.hold)"
core_pid=$BG_PID
e2ae_sipp_bound "$SCSCF_PORT"
e2ae_sipp ro.ue life_uac_core_reinvite.xml "$UE_PORT" -cid_str "$cid" \
	-key ruri "sip:bob@ims.test" -key user ue -key offer_sdp "$o.offer.sdp" \
	-key hold_answer_sdp "$o.reanswer1.sdp" -key resume_answer_sdp "$o.reanswer2.sdp" \
	"127.0.0.1:$KAM_SIP_PORT"
ue_pid=$BG_PID
UT=$RUN_DIR/ro.ue.trace CT=$RUN_DIR/ro.core.trace

# --- after the second re-INVITE's ACK: probe the audio
saw_n() { sipp_msg "$1" "$2" "$3" "$4" >/dev/null 2>&1; }
wait_until 15 saw_n "$UT" received '^ACK ' 2 || fail "ro: the UE did not get the second re-INVITE's ACK"
sipp_msg_to "$o.ue.ro2.msg" "$UT" received '^INVITE ' 2
msg_body "$o.ue.ro2.msg" >"$o.ue.rx.sdp"
msg_cseq "$o.core.ra2.msg" "$CT" received '^SIP/2\.0 200 ' '11 INVITE' || fail "ro: the core got no 200 to its second re-INVITE"
msg_body "$o.core.ra2.msg" >"$o.core.rx.sdp"
sdp_crypto_key "$o.ue.rx.sdp" 1 >"$o.gw.key"
e2ae_probe ro "$SUITE" "$o.k3.key" "$o.gw.key"
gate_open "$o.hold.gate"

e2ae_sipp_wait ro.ue "$ue_pid" "ro: UE"
e2ae_sipp_wait ro.core "$core_pid" "ro: core"

# --- re-INVITE 1: codec change and a new video line
sipp_msg_to "$o.ue.ro1.msg" "$UT" received '^INVITE ' 1
msg_body "$o.ue.ro1.msg" >"$o.ue.ro1.sdp"
assert_eq "$(grep -c '^m=' "$o.ue.ro1.sdp")" 2 "ro1: two media lines to the UE"
assert_grep "$o.ue.ro1.sdp" '^m=audio [1-9][0-9]* RTP/SAVP 8$' "ro1: audio RTP/SAVP with PCMA to the UE"
assert_grep "$o.ue.ro1.sdp" '^m=video [1-9][0-9]* RTP/SAVP 96$' "ro1: video RTP/SAVP to the UE"
assert_eq "$(awk '/^m=/{m++} /^a=crypto:1 AES_CM_128_HMAC_SHA1_80 /{c[m]++} END{print c[1]+0, c[2]+0}' "$o.ue.ro1.sdp")" "1 1" \
	"ro1: each line offers $SUITE as tag 1"
assert_eq "$(awk '/^m=/{m++} /^a=3ge2ae:applied/{c[m]++} END{print c[1]+0, c[2]+0}' "$o.ue.ro1.sdp")" "1 1" \
	"ro1: one a=3ge2ae:applied on each line"
assert_agw_sdp "$o.ue.ro1.sdp" "ro1: UE's re-offer"
msg_cseq "$o.core.ra1.msg" "$CT" received '^SIP/2\.0 200 ' '10 INVITE' || fail "ro1: the core got no 200"
msg_body "$o.core.ra1.msg" >"$o.core.ra1.sdp"
assert_grep "$o.core.ra1.sdp" '^m=audio [1-9][0-9]* RTP/AVP 8$' "ro1: audio RTP/AVP PCMA to the core"
assert_grep "$o.core.ra1.sdp" '^m=video [1-9][0-9]* RTP/AVP 96$' "ro1: video RTP/AVP to the core"
assert_no_grep "$o.core.ra1.sdp" '^a=(crypto|3ge2ae)' "ro1: no SDES, no indication to the core"
assert_agw_sdp "$o.core.ra1.sdp" "ro1: core's answer"

# --- re-INVITE 2: the video line removed
assert_grep "$o.ue.rx.sdp" '^m=video 0 ' "ro2: video port 0 to the UE"
assert_eq "$(awk '/^m=/{m++} /^a=crypto:/{c[m]++} END{print c[2]+0}' "$o.ue.rx.sdp")" 0 "ro2: no key for the removed line"
assert_grep "$o.ue.rx.sdp" '^m=audio [1-9][0-9]* RTP/SAVP 8$' "ro2: audio stays RTP/SAVP to the UE"
assert_grep "$o.core.rx.sdp" '^m=video 0 ' "ro2: video port 0 to the core"
assert_no_grep "$o.core.rx.sdp" '^a=(crypto|3ge2ae)' "ro2: no SDES, no indication to the core"

e2ae_no_calls_left "ro"
note "ro: core re-offers (PCMA + video, then video removed) reached the UE as e2ae offers; audio probed after both"

# ----- the core calls, then re-offers (terminating e2ae call) -----
o=$RUN_DIR/rt
UE_MPORT=$(alloc_ports 2) CORE_MPORT=$(alloc_ports 2)
UE_VPORT=$(alloc_ports 2) CORE_VPORT=$(alloc_ports 2)
e2ae_sdp_file "$o.offer.sdp" core "m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendrecv"
e2ae_sdp "$o.hold.sdp" v=0 "o=core 1 2 IN IP4 127.0.0.1" s=- "c=IN IP4 127.0.0.1" "t=0 0" \
	"m=audio $CORE_MPORT RTP/AVP 0" "a=rtpmap:0 PCMU/8000" "a=sendonly"
e2ae_sdp "$o.resume.sdp" v=0 "o=core 1 3 IN IP4 127.0.0.1" s=- "c=IN IP4 127.0.0.1" "t=0 0" \
	"m=audio $CORE_MPORT RTP/AVP 8" "a=rtpmap:8 PCMA/8000" "a=sendrecv" \
	"m=video $CORE_VPORT RTP/AVP 96" "a=rtpmap:96 H264/90000" "a=sendrecv"
e2ae_sdp_file "$o.answer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 $SUITE inline:$(key t1)" "a=sendrecv"
e2ae_sdp_file "$o.hold_answer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 0" "a=rtpmap:0 PCMU/8000" \
	"a=crypto:1 $SUITE inline:$(key t2)" "a=recvonly"
e2ae_sdp_file "$o.resume_answer.sdp" ue "m=audio $UE_MPORT RTP/SAVP 8" "a=rtpmap:8 PCMA/8000" \
	"a=crypto:1 $SUITE inline:$(key t3)" "a=sendrecv" \
	"m=video $UE_VPORT RTP/SAVP 96" "a=rtpmap:96 H264/90000" \
	"a=crypto:1 $SUITE inline:$(key tv)" "a=sendrecv"
cid="rt-$$-$RANDOM@e2ae.test"
e2ae_sipp rt.ue life_uas_reinvite.xml "$UE_PORT" -d 100 -key answer_sdp "$o.answer.sdp" \
	-key hold_answer_sdp "$o.hold_answer.sdp" -key resume_answer_sdp "$o.resume_answer.sdp"
ue_pid=$BG_PID
e2ae_sipp_bound "$UE_PORT"
# the core hangs up once the probe is done (its hold gate, test/lib.sh)
e2ae_sipp rt.core life_uac_reinvite.xml "$SCSCF_PORT" -d 200 -cid_str "$cid" \
	-key ruri "sip:ue@127.0.0.1:$UE_PORT" -key user core -key offer_sdp "$o.offer.sdp" \
	-key hold_sdp "$o.hold.sdp" -key resume_sdp "$o.resume.sdp" \
	-set hold_gate "$(gate_new rt.hold)" "127.0.0.1:$KAM_CORE_PORT"
core_pid=$BG_PID
UT=$RUN_DIR/rt.ue.trace CT=$RUN_DIR/rt.core.trace
wait_until 20 saw_n "$UT" received '^ACK ' 3 || fail "rt: the UE did not get the resume's ACK"
sipp_msg_to "$o.ue.hold.msg" "$UT" received '^INVITE ' 2
msg_body "$o.ue.hold.msg" >"$o.ue.hold.sdp"
sipp_msg_to "$o.ue.res.msg" "$UT" received '^INVITE ' 3
msg_body "$o.ue.res.msg" >"$o.ue.rx.sdp"
msg_cseq "$o.core.hold.msg" "$CT" received '^SIP/2\.0 200 ' '2 INVITE' || fail "rt: the core got no 200 to its hold"
msg_body "$o.core.hold.msg" >"$o.core.hold.sdp"
msg_cseq "$o.core.res.msg" "$CT" received '^SIP/2\.0 200 ' '3 INVITE' || fail "rt: the core got no 200 to its resume"
msg_body "$o.core.res.msg" >"$o.core.rx.sdp"
sdp_crypto_key "$o.ue.rx.sdp" 1 >"$o.gw.key"
e2ae_probe rt "$SUITE" "$o.t3.key" "$o.gw.key"
gate_open "$o.hold.gate"
e2ae_sipp_wait rt.core "$core_pid" "rt: core"
e2ae_sipp_wait rt.ue "$ue_pid" "rt: UE"

assert_grep "$o.ue.hold.sdp" '^m=audio [1-9][0-9]* RTP/SAVP 0$' "rt hold: RTP/SAVP to the UE"
assert_eq "$(dir_of "$o.ue.hold.sdp")" sendonly "rt hold: a=sendonly to the UE"
assert_eq "$(sdp_crypto "$o.ue.hold.sdp" | head -n 1)" "1 $SUITE" "rt hold: $SUITE offered as tag 1"
assert_grep "$o.ue.hold.sdp" '^a=3ge2ae:applied$' "rt hold: a=3ge2ae:applied"
assert_grep "$o.core.hold.sdp" '^m=audio [1-9][0-9]* RTP/AVP 0$' "rt hold: RTP/AVP to the core"
assert_eq "$(dir_of "$o.core.hold.sdp")" recvonly "rt hold: the UE's a=recvonly to the core"
assert_no_grep "$o.core.hold.sdp" '^a=(crypto|3ge2ae)' "rt hold: no SDES, no indication to the core"
assert_eq "$(awk '/^m=/{m++} /^a=crypto:1 AES_CM_128_HMAC_SHA1_80 /{c[m]++} END{print c[1]+0, c[2]+0}' "$o.ue.rx.sdp")" "1 1" \
	"rt resume: each line offers $SUITE as tag 1 to the UE"
assert_grep "$o.ue.rx.sdp" '^m=video [1-9][0-9]* RTP/SAVP 96$' "rt resume: video RTP/SAVP to the UE"
assert_grep "$o.core.rx.sdp" '^m=audio [1-9][0-9]* RTP/AVP 8$' "rt resume: audio RTP/AVP PCMA to the core"
assert_grep "$o.core.rx.sdp" '^m=video [1-9][0-9]* RTP/AVP 96$' "rt resume: video RTP/AVP to the core"
assert_no_grep "$o.core.rx.sdp" '^a=(crypto|3ge2ae)' "rt resume: no SDES, no indication to the core"
e2ae_no_calls_left "rt"

assert_no_grep "$RUN_DIR/kamailio.log" 'refused|failed a check' "no refusal in the P-CSCF"
note "rt: the core's hold and resume (PCMA + video) reached the UE as e2ae offers; audio probed after the resume"
