#!/usr/bin/env bash
# Interop through sipbox's forking proxy, over UDP on loopback:
#  1. bob registers two baresip instances (bob, bob2); sipsak sends alice's
#     MESSAGE to sip:bob@office.example (407, MD5 digest, 200): both bob
#     devices print the text, sipsak gets the 200.
#     The same MESSAGE from linphonec (SHA-256 digest): both print it, 200.
#  2. a third baresip (alice) calls sip:bob@office.example: both bob devices
#     ring, bob answers (/accept), alice's call is established, bob2 gets the
#     CANCEL and closes its call; alice hangs up and the BYE closes bob's call.
# Usage: tests/interop_proxy.sh SIPBOX [QEMU...]
#        PROXY_BOB_TRANSPORT=tcp tests/interop_proxy.sh SIPBOX: bob (the one
#        that answers) over TCP: its 200's Contact names the local port of
#        its registered connection, so alice's ACK and BYE reach it over
#        that connection (sipbox opens none itself).
# Client quirks: see tests/interop_baresip.sh and tests/interop_sipsak.sh
# (baresip and sipsak get an MD5 challenge only, sipsak's -M segfaults so
# the MESSAGE comes from a file with -f, a port in -s is cut to 4 digits so
# it goes with -r, and sipsak resolves the host of -s, hence
# sip:bob@127.0.0.1 there and sip:bob@office.example in the file). baresip
# reads commands (/dial, /accept, /hangup, /quit) from a FIFO on stdin
# through its stdio module; audio: an 8 kHz WAV of silence in (ausine does
# 48 kHz only, and baresip then cannot answer a G.711 call), aufile to
# /dev/null out. linphonec: as in tests/interop_linphone.sh; its `chat`
# sends the quotes around a text as part of the body, so the text is one
# word without quotes; its SIP messages are read from its -d 6 log.
set -u
. "$(dirname "$0")/interop/lib.sh"
interop_init "$@"
start_or_bail
OB="sip:127.0.0.1:$SIP_PORT;transport=udp"
# PROXY_BOB_TRANSPORT=tcp (stage interop-proxy-tcp): the answering device bob
# registers over TCP instead, so the in-dialog requests (ACK, BYE) must
# reach it over its registered connection.
BT=${PROXY_BOB_TRANSPORT:-udp}

# The audio source: 8 kHz mono silence for PCMU/PCMA (ausine only does
# 48 kHz, and then baresip cannot start audio for a G.711 call and never
# sends its 200); the player writes to /dev/null.
/usr/bin/python3 -c '
import sys, wave
w = wave.open(sys.argv[1], "wb"); w.setnchannels(1); w.setsampwidth(2); w.setframerate(8000)
w.writeframes(bytes(2 * 8000 * 70)); w.close()' "$tmp/silence.wav"

# baresip_start NAME USER PASSWORD [TRANSPORT]: one instance, commands
# through cmd NAME
declare -A BS_FD BS_PID
baresip_start() {
	local name=$1 user=$2 pw=$3 t=${4:-udp} dir=$tmp/$1 lport fd
	mkdir -p "$dir"
	lport=$(free_port 2)
	cat >"$dir/config" <<EOF
poll_method	epoll
sip_listen	127.0.0.1:$lport
module_path	/usr/lib/baresip/modules
module		stdio.so
module		g711.so
module		aufile.so
module_tmp	uuid.so
module_tmp	account.so
module_app	menu.so
audio_player	aufile,/dev/null
audio_source	aufile,$tmp/silence.wav
audio_alert	aufile,/dev/null
rtp_ports	$((lport + 2))-$((lport + 40))
EOF
	echo "<sip:$user@$DOMAIN>;auth_pass=$pw;outbound=\"${OB%;transport=udp};transport=$t\";regint=300" >"$dir/accounts"
	mkfifo "$dir/in"
	exec {fd}<>"$dir/in" # read-write: opening it does not wait for a reader
	BS_FD[$name]=$fd
	# -s: SIP trace on stdout; -t: quits by itself if the test hangs
	spawn "$name" 60 stdbuf -oL baresip -s -f "$dir" -t 55 <"$dir/in"
	BS_PID[$name]=$BG_PID
}
cmd() { echo "$2" >&"${BS_FD[$1]}"; } # cmd NAME COMMAND
mark() { wc -l <"$tmp/$1.out"; }       # mark NAME: lines of output so far
wait_until() { # wait_until SECONDS CMD...: 0 once CMD succeeds
	local s=$1; shift
	for _ in $(seq 1 $((s * 10))); do
		"$@" && return 0
		sleep 0.1
	done
	return 1
}
since() { # since NAME LINE REGEX SECONDS: a match after line LINE of NAME's output
	for _ in $(seq 1 $(($4 * 10))); do
		tail -n +"$(($2 + 1))" "$tmp/$1.out" | grep -qE "$3" && return 0
		sleep 0.1
	done
	return 1
}

baresip_start bob bob bobpw "$BT"
baresip_start bob2 bob bobpw
for n in bob bob2; do
	T=UDP; [ $n = bob ] && T=${BT^^}
	if wait_for_line "$tmp/$n.out" "bob@$DOMAIN: \{0/$T/v4\} 200 OK" 15; then
		ok "baresip $n registers as bob: 200 OK"
	else
		fail "baresip $n registers as bob: 200 OK ($(grep -E "bob@$DOMAIN: |ERR|error" "$tmp/$n.out" | head -3 | tr '\n' '|'))"
	fi
done
for _ in $(seq 25); do
	[ "$(sb_bindings bob | grep -c ' transport=')" -ge 2 ] && break
	sleep 0.2
done
check "sipbox lists two bindings for bob ($BT and udp)" \
	test "$(sb_bindings bob | grep -c -e ' transport=udp' -e " transport=$BT")" = 2

# --- 1. MESSAGE from sipsak (as alice) forked to both bob devices
text="proxy-interop-$$-$RANDOM"
printf '%s\r\n' "MESSAGE sip:bob@$DOMAIN SIP/2.0" \
	"From: <sip:alice@$DOMAIN>;tag=$RANDOM$RANDOM" \
	"To: <sip:bob@$DOMAIN>" \
	"Call-ID: $RANDOM$RANDOM@127.0.0.1" \
	"CSeq: 1 MESSAGE" \
	"User-Agent: sipsak 0.9.8.1" \
	"Max-Forwards: 70" \
	"Content-Type: text/plain" \
	"Content-Length: ${#text}" \
	"" >"$tmp/message.sip"
printf '%s' "$text" >>"$tmp/message.sip"
timeout -k 2 20 sipsak -vvv -s "sip:bob@127.0.0.1" -r "$SIP_PORT" -f "$tmp/message.sip" \
	-u alice -a alicepw >"$tmp/sipsak.out" 2>&1
rc=$?
check "sipsak MESSAGE exits 0 (exit $rc)" test $rc = 0
check "sipsak MESSAGE: challenged with 407" grep -qE '^SIP/2.0 407' "$tmp/sipsak.out"
check "sipsak MESSAGE: answered with MD5 Proxy-Authorization" \
	grep -qiE '^Proxy-Authorization: Digest .*username="alice".*algorithm=MD5' "$tmp/sipsak.out"
check "sipsak MESSAGE: final 200" grep -qE '^SIP/2.0 200' "$tmp/sipsak.out"
for n in bob bob2; do
	if wait_for_line "$tmp/$n.out" "^MESSAGE sip:bob" 5; then
		ok "baresip $n receives the MESSAGE"
	else
		fail "baresip $n receives the MESSAGE"
	fi
	# baresip's own line for a received MESSAGE (not the SIP trace):
	# sip:alice@office.example: "text"
	check "baresip $n prints the message text from alice" \
		grep -qF "sip:alice@$DOMAIN: \"$text\"" "$tmp/$n.out"
done

# --- 1b. the same from linphonec (alice): SHA-256 digest, `chat` command
home=$tmp/linphone
mkdir -p "$home/.local/share/linphone"
sport=$(free_port 2) rport=$(free_port 4)
linphone_rc "$home/rc" "$sport" -1 -1 "$rport" "<$OB>"
mkfifo "$home/in"
exec {lfd}<>"$home/in"
HOME=$home spawn linphone 40 stdbuf -oL linphonec -c "$home/rc" -d 6 -l "$home/log" <"$home/in"
lpid=$BG_PID
registered=1
for _ in $(seq 20); do
	echo states >&"$lfd"
	if wait_for_line "$tmp/linphone.out" 'LinphoneRegistrationOk' 1; then registered=0; break; fi
done
check "linphonec (alice) registers: LinphoneRegistrationOk" test $registered = 0
ltext="proxy-linphone-$$-$RANDOM"
m_bob=$(mark bob) m_bob2=$(mark bob2)
# one word, no quotes: linphonec's chat sends quotes as part of the body
echo "chat sip:bob@$DOMAIN $ltext" >&"$lfd"
check "baresip bob prints linphonec's message text from alice" \
	since bob "$m_bob" "sip:alice@$DOMAIN: \"$ltext\"" 10
check "baresip bob2 prints linphonec's message text from alice" \
	since bob2 "$m_bob2" "sip:alice@$DOMAIN: \"$ltext\"" 10
# the sender's side: linphone's log (-d 6) has the SIP messages; a 200 with
# CSeq MESSAGE after the 407
check "linphonec: MESSAGE challenged with 407 (SHA-256 first)" \
	grep -qE 'Proxy-Authenticate: Digest .*algorithm=SHA-256' "$home/log"
check "linphonec: answered with SHA-256 Proxy-Authorization" \
	grep -qE '^Proxy-Authorization: +Digest .*algorithm=SHA-256.*username="alice"' "$home/log"
msg_200() {
	awk '/^SIP\/2.0 /{st=$2} /^CSeq: [0-9]+ MESSAGE/{if(st==200)f=1} /^\r?$/{st=""} END{exit !f}' "$home/log"
}
check "linphonec: its MESSAGE gets 200" wait_until 5 msg_200
echo quit >&"$lfd"
exec {lfd}>&-
stop_pid "$lpid"

# --- 2. alice (baresip) calls bob: both ring, bob answers, bob2 is cancelled
baresip_start alice alice alicepw
if wait_for_line "$tmp/alice.out" "alice@$DOMAIN: \{0/UDP/v4\} 200 OK" 15; then
	ok "baresip alice registers: 200 OK"
else
	fail "baresip alice registers: 200 OK ($(grep -E "alice@$DOMAIN: |ERR|error" "$tmp/alice.out" | head -3 | tr '\n' '|'))"
fi
cmd alice "/dial sip:bob@$DOMAIN"
for n in bob bob2; do
	check "baresip $n rings (incoming call from alice)" \
		wait_for_line "$tmp/$n.out" "Incoming call from: +sip:alice@$DOMAIN" 10
done
check "alice gets 100 Trying from the proxy" \
	wait_for_line "$tmp/alice.out" "call: SIP Progress: 100 Trying" 5
check "the INVITE reaches bob with sipbox's Record-Route" \
	grep -qE "^Record-Route: <sip:127.0.0.1:$SIP_PORT;lr[;>]" "$tmp/bob.out"
check "alice hears the ringing (180 through the proxy)" \
	wait_for_line "$tmp/alice.out" "call: SIP Progress: 180 Ringing" 5
sleep 0.5
m_alice=$(mark alice) m_bob=$(mark bob) m_bob2=$(mark bob2)
cmd bob /accept
check "bob answers: baresip sends its 200 for the INVITE" \
	since bob "$m_bob" '^SIP/2.0 200 Answering' 10
if since alice "$m_alice" "^alice@$DOMAIN: Call established: sip:bob@$DOMAIN" 10; then
	ok "alice: call established"
else
	fail "alice: call established ($(tail -n +"$m_alice" "$tmp/alice.out" | grep -E '^call:|session closed|^SIP/2.0 [3-6]' | tail -3 | tr '\n' '|'))"
fi
check "bob: call established (the ACK came through)" \
	since bob "$m_bob" "^bob@$DOMAIN: Call established: sip:alice@$DOMAIN" 5
check "bob2 gets the proxy's CANCEL" since bob2 "$m_bob2" "^CANCEL sip:bob-" 5
check "bob2's ringing call is closed" \
	since bob2 "$m_bob2" "sip:alice@$DOMAIN: session closed" 5
check "alice's call is still up after the CANCEL of bob2" \
	test "$(tail -n +"$m_alice" "$tmp/alice.out" | grep -c 'session closed')" = 0
sleep 1
m_alice=$(mark alice) m_bob=$(mark bob)
cmd alice /hangup
check "alice's BYE reaches bob" since bob "$m_bob" "^BYE sip:bob-" 5
check "bob's call is closed by the BYE" \
	since bob "$m_bob" "Call with sip:alice@$DOMAIN terminated" 5
check "alice's call is terminated" \
	since alice "$m_alice" "Call with sip:bob@$DOMAIN terminated" 5
# the 200 for the BYE: a traced "SIP/2.0 200" whose CSeq is BYE
bye_200() {
	tail -n +"$((m_alice + 1))" "$tmp/alice.out" |
		awk '/^SIP\/2.0 /{st=$2} /^CSeq: [0-9]+ BYE/{if(st==200)f=1} /^$/{st=""} END{exit !f}'
}
check "alice's BYE gets 200 from bob" wait_until 5 bye_200

for n in alice bob bob2; do
	cmd $n /quit
done
for n in alice bob bob2; do
	stop_pid "${BS_PID[$n]}"
done
sb_stop; rc=$?
check "sipbox stops cleanly" test $rc = 0
totals
