#!/usr/bin/env bash
# Interop: linphonec (Debian linphone-cli 5.1.65, liblinphone) registers
# alice with digest over UDP, TCP and TLS with sipbox as its proxy;
# linphonec's `states` shows LinphoneRegistrationOk and sipbox lists the
# binding with the transport and linphone's User-Agent. linphone answers
# sipbox's first challenge, SHA-256.
# Usage: tests/interop_linphone.sh SIPBOX [QEMU...]
# linphonec quirks: one HOME per instance (it keeps sqlite databases in
# ~/.local/share/linphone, which must exist); the rc file must not be empty;
# `status register` prints registered=-1 in this build, `states` is what
# works; verify_server_certs=0 accepts sipbox's self-signed certificate;
# register_only_when_network_is_up=0 or it never registers on a box with
# loopback only. Commands come through a FIFO on stdin; its stdout is fully
# buffered when not a terminal, hence stdbuf -oL.
set -u
. "$(dirname "$0")/interop/lib.sh"
interop_init "$@"
start_or_bail

for t in udp tcp tls; do
	T=${t^^}
	home=$tmp/linphone-$t
	mkdir -p "$home/.local/share/linphone"
	sport=$(free_port 2) rport=$(free_port 4)
	if [ $t = tls ]; then
		proxy="<sip:127.0.0.1:$TLS_PORT;transport=tls>"
	else
		proxy="<sip:127.0.0.1:$SIP_PORT;transport=$t>"
	fi
	linphone_rc "$home/rc" "$sport" "$sport" $((sport + 1)) "$rport" "$proxy"
	mkfifo "$home/in"
	exec 7<>"$home/in" # read-write: opening it does not wait for a reader
	HOME=$home spawn "linphone-$t" 40 stdbuf -oL linphonec -c "$home/rc" -d 0 <"$home/in"
	pid=$BG_PID
	out=$tmp/linphone-$t.out
	registered=1
	for _ in $(seq 20); do
		echo states >&7
		if wait_for_line "$out" 'LinphoneRegistrationOk' 1; then registered=0; break; fi
	done
	if [ $registered = 0 ]; then ok "linphonec over $T: LinphoneRegistrationOk"
	else fail "linphonec over $T: LinphoneRegistrationOk ($(grep -oE 'LinphoneRegistration[A-Za-z]+' "$out" | sort -u | tr '\n' ' '))"; fi
	if wait_binding alice "$t" 5; then ok "sipbox lists alice's binding with transport=$t"
	else fail "sipbox lists alice's binding with transport=$t: $(sb_bindings alice | tr '\n' '|')"; fi
	line=$(sb_bindings alice | grep " transport=$t")
	# Over TCP and TLS linphone puts its connection's local port in the
	# Contact, not sip_tcp_port.
	[ $t = udp ] && cport=$sport || cport='[0-9]+'
	check "the $t binding is linphone's contact" \
		grep -qE "^binding <sip:alice@127.0.0.1:$cport;transport=$t>" <<<"$line"
	check "the $t binding carries linphone's instance id" grep -qE ' instance=<urn:uuid:[0-9a-f-]{36}>' <<<"$line"
	check "the $t binding records linphone's User-Agent" grep -qiE 'ua="[^"]*linphone' <<<"$line"
	echo quit >&7
	exec 7>&-
	stop_pid "$pid"
done

sb_stop; rc=$?
check "sipbox stops cleanly" test $rc = 0
totals
