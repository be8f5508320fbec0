#!/usr/bin/env bash
# Interop: sipsak (Debian 0.9.8.1) registers alice with digest over UDP and
# TCP (`-U`: REGISTER, 401, REGISTER with credentials, 200), sipbox lists the
# binding with its transport, and a wrong password never gets a 200.
# Usage: tests/interop_sipsak.sh SIPBOX [QEMU...]
# sipsak quirks: it answers only the first challenge (sipbox sends it MD5
# only, by its User-Agent "sipsak"); a port written in -s is cut to 4 digits,
# so the server's port goes with -r; it resolves the host of -s even with an
# outbound proxy (-p), so the AOR is alice@127.0.0.1 (sipbox's own address
# counts as its domain); -C takes no URI parameters (";transport=tcp" is
# "not a number"); -vvv is needed to see the messages in -U mode.
set -u
. "$(dirname "$0")/interop/lib.sh"
interop_init "$@"
start_or_bail

# sipsak -U: REGISTER, answer the 401, exit 0 only on a final 200; -C the
# contact it registers, -x the expiry.
register() { # register TRANSPORT PASSWORD CONTACT_PORT
	timeout -k 2 20 sipsak -vvv -i -U -C "sip:alice@127.0.0.1:$3" -x 300 \
		-s "sip:alice@127.0.0.1" -r "$SIP_PORT" -E "$1" -u alice -a "$2" 2>&1
}

for t in udp tcp; do
	cport=$(free_port)
	out=$(register $t alicepw "$cport"); rc=$?
	echo "$out" >"$tmp/sipsak-$t.out"
	check "sipsak -U over ${t^^} exits 0 (exit $rc)" test $rc = 0
	check "sipsak over ${t^^}: challenged with 401, then 200" \
		grep -qE '^SIP/2.0 401' "$tmp/sipsak-$t.out"
	check "sipsak over ${t^^}: the REGISTER with credentials gets 200" \
		grep -qE '^SIP/2.0 200' "$tmp/sipsak-$t.out"
	check "sipsak over ${t^^}: its Authorization is MD5 digest" \
		grep -qiE '^Authorization: Digest .*username="alice".*algorithm=MD5' "$tmp/sipsak-$t.out"
	if wait_binding alice "$t" 5; then ok "sipbox lists alice's binding with transport=$t"
	else fail "sipbox lists alice's binding with transport=$t: $(sb_bindings alice | tr '\n' '|')"; fi
	check "the $t binding is the contact sipsak registered" \
		grep -qF "<sip:alice@127.0.0.1:$cport" <<<"$(sb_bindings alice | grep " transport=$t")"
done

out=$(register udp wrongpw "$(free_port)"); rc=$?
echo "$out" >"$tmp/sipsak-wrong.out"
check "wrong password: sipsak fails (exit $rc)" test $rc != 0
check "wrong password: no 200" test "$(grep -c '^SIP/2.0 200' "$tmp/sipsak-wrong.out")" = 0
check "wrong password: challenged again (401)" grep -qE '^SIP/2.0 401' "$tmp/sipsak-wrong.out"

sb_stop; rc=$?
check "sipbox stops cleanly" test $rc = 0
totals
