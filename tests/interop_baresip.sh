#!/usr/bin/env bash
# Interop: baresip (Debian baresip-core 1.0.0) registers alice with digest
# over UDP, TCP and TLS through sipbox as its outbound proxy; baresip reports
# "200 OK", and sipbox lists the binding with the transport, the contact,
# baresip's +sip.instance and its User-Agent.
# Usage: tests/interop_baresip.sh SIPBOX [QEMU...]
# baresip quirks: 1.0.0 answers only an MD5 challenge when it comes first
# (sipbox sends it MD5 only, by its User-Agent "baresip"); it binds
# sip_listen's port + 1 for TLS too; it does not verify the server's TLS
# certificate (no option for it in 1.0.0), so sipbox's self-signed one works;
# without the stdio module it needs no terminal and no stdin.
set -u
. "$(dirname "$0")/interop/lib.sh"
interop_init "$@"
start_or_bail

for t in udp tcp tls; do
	T=${t^^}
	dir=$tmp/baresip-$t
	mkdir -p "$dir"
	lport=$(free_port 2)
	cat >"$dir/config" <<EOF
poll_method	epoll
sip_listen	127.0.0.1:$lport
module_path	/usr/lib/baresip/modules
module		g711.so
module_tmp	uuid.so
module_tmp	account.so
audio_player	aufile,/dev/null
audio_source	ausine,440
EOF
	if [ $t = tls ]; then
		ob="sip:127.0.0.1:$TLS_PORT;transport=tls"
	else
		ob="sip:127.0.0.1:$SIP_PORT;transport=$t"
	fi
	echo "<sip:alice@$DOMAIN>;auth_pass=alicepw;outbound=\"$ob\";regint=300" >"$dir/accounts"
	# -s: SIP trace on stdout; -t: quits by itself if the test hangs
	spawn "baresip-$t" 40 baresip -s -f "$dir" -t 35
	pid=$BG_PID
	out=$tmp/baresip-$t.out
	if wait_for_line "$out" "alice@$DOMAIN: \{0/$T/v4\} 200 OK" 15; then
		ok "baresip over $T reports its registration: 200 OK"
	else
		fail "baresip over $T reports its registration: 200 OK ($(grep -E "alice@$DOMAIN: |ERR|error" "$out" | head -3 | tr '\n' '|'))"
	fi
	check "baresip over $T: challenged with 401 first" grep -q '^SIP/2.0 401' "$out"
	check "baresip over $T: answered with digest credentials" \
		grep -qE '^Authorization: Digest username="alice", realm="office.example"' "$out"
	if wait_binding alice "$t" 5; then ok "sipbox lists alice's binding with transport=$t"
	else fail "sipbox lists alice's binding with transport=$t: $(sb_bindings alice | tr '\n' '|')"; fi
	line=$(sb_bindings alice | grep " transport=$t")
	check "the $t binding is baresip's contact (port $lport or $((lport + 1)))" \
		grep -qE "^binding <sip:alice-[^@]*@127.0.0.1:($lport|$((lport + 1)))[;>]" <<<"$line"
	uuid=$(cat "$dir/uuid" 2>/dev/null)
	check "the $t binding carries baresip's instance id" grep -qF "instance=<urn:uuid:${uuid:-none}>" <<<"$line"
	check "the $t binding records baresip's User-Agent" grep -q 'ua="baresip v1.0.0' <<<"$line"
	# No check that the binding goes when baresip quits: 1.0.0 sends its
	# un-REGISTER on SIGTERM but may exit before answering the 401 to it.
	stop_pid "$pid"
done

sb_stop; rc=$?
check "sipbox stops cleanly" test $rc = 0
totals
