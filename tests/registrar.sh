#!/usr/bin/env bash
# The registrar as a user of the real binary sees it: digest REGISTER over
# UDP and TCP (tests/sip_register.py), bindings that survive kill -9 right
# after the 200 with their remaining time, `user show`, users added to a
# running server, `user del` taking the devices along, expiry swept by the
# housekeeping tick after a settings reload, and /api/status.
# Usage: tests/registrar.sh SIPBOX [QEMU...]
set -u
. "$(dirname "$0")/lib.sh"
bin=$1; shift
reg_py="$(dirname "$0")/sip_register.py"
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
D=office.example

cli() { "${QEMU[@]}" "$bin" --data "$tmp/data" "$@"; }
QEMU=("$@")

start() { # start LOGNAME: the server on fresh ports; sets pid, port, hport
	"${QEMU[@]}" "$bin" --data "$tmp/data" --domain $D --sip 127.0.0.1:0 --http 127.0.0.1:0 >"$tmp/$1" 2>&1 &
	pid=$!
	if ! wait_for_line "$tmp/$1" 'ready: data' 60; then
		fail "sipbox starts ($1)"; cat "$tmp/$1"; totals; exit 1
	fi
	port=$(sed -n 's/.*sip: listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/$1" | head -1)
	hport=$(sed -n 's/.*http: listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/$1" | head -1)
}
reg() { # reg USER PASSWORD [sip_register.py options]
	local u=$1 p=$2; shift 2
	python3 "$reg_py" 127.0.0.1 "$port" "$u" "$p" $D "$@"
}

# The domain first (the users' HA1s are bound to it), then the users.
cli settings set domain $D >/dev/null
cli user add alice --password alicepw >/dev/null
cli user add bob --password bobpw >/dev/null
start log1

out=$(reg alice alicepw --contact sip:alice@127.0.0.1:5070 --expires 600 --call-id crash-1)
check "REGISTER with SHA-256 digest over UDP gets 200" grep -q '^SIP/2.0 200' <<<"$out"
kill -KILL "$pid"; wait "$pid" 2>/dev/null; pid=
check "the 200 listed the binding with its time" grep -q '^Contact: <sip:alice@127.0.0.1:5070>;expires=600' <<<"$out"

# kill -9 right after the 200: the binding was committed before it went out.
show=$(cli user show alice)
exp=$(sed -n 's/^binding <sip:alice@127.0.0.1:5070> expires=\([0-9]*\).*/\1/p' <<<"$show")
check "after kill -9 the binding is in the store (user show: $exp s left)" test -n "$exp"
check "with its remaining lifetime (590..600 s)" test "${exp:-0}" -ge 590 -a "${exp:-0}" -le 600
check "user show says how it came" grep -q 'transport=udp source=127.0.0.1:' <<<"$show"

start log2
out=$(reg alice alicepw)
check "after a restart a fetch (no Contact) lists it" grep -qE '^Contact: <sip:alice@127.0.0.1:5070>;expires=(59[0-9]|600)' <<<"$out"
out=$(reg alice alicepw --contact 'sip:alice@127.0.0.1:5071;transport=tcp' --proto tcp --header 'User-Agent: test-tcp/1.0')
check "REGISTER over TCP gets 200 with both bindings" test "$(grep -c '^Contact: ' <<<"$out")" = 2
check "user show names the TCP binding and its user agent" grep -q 'transport=tcp .*ua="test-tcp/1.0"' <<<"$(cli user show alice)"

wrong=$(reg alice nope --contact sip:alice@127.0.0.1:5072)
unknown=$(reg mallory nope --contact sip:mallory@127.0.0.1:5072)
check "a wrong password gets 401" grep -q '^SIP/2.0 401' <<<"$wrong"
mask() { grep -E '^(SIP/2.0|WWW-Authenticate)' | sed 's/nonce="[0-9a-f]*"/nonce=N/'; }
check "an unknown user gets exactly the same answer" test "$(mask <<<"$wrong")" = "$(mask <<<"$unknown")"
check "a Contact too brief gets 423 with Min-Expires" grep -q '^Min-Expires: 60' <<<"$(reg bob bobpw --contact sip:bob@127.0.0.1:5073 --expires 5)"

# A user added while the server runs can register at once.
cli user add carol --password carolpw >/dev/null
check "a user added to a running server registers" grep -q '^SIP/2.0 200' <<<"$(reg carol carolpw --contact sip:carol@127.0.0.1:5074)"

status=$(http_get 127.0.0.1 "${hport:-1}" /api/status)
check "/api/status counts registered users and bindings" grep -q '"registered_users":2,"bindings":3' <<<"$status"
check "/api/status counts failed logins" grep -qE '"auth":\{"ok":[1-9][0-9]*,"challenged":[0-9]+,"failed":[1-9]' <<<"$status"

# Deleting a user takes its devices along.
cli user del carol >/dev/null
status=$(http_get 127.0.0.1 "${hport:-1}" /api/status)
check "user del removes the user's bindings" grep -q '"registered_users":1,"bindings":2' <<<"$status"

# Settings: a shorter minimum after SIGHUP, then the sweep removes what expired.
cli settings set reg_min_expires_s 1 >/dev/null
kill -HUP "$pid"
wait_for_line "$tmp/log2" 'settings reloaded' 10
check "after SIGHUP a 2 s registration is accepted" grep -q ';expires=2$' <<<"$(reg bob bobpw --contact sip:bob@127.0.0.1:5075 --expires 2 | tr -d '\r' | grep 5075)"
sleep 4
status=$(http_get 127.0.0.1 "${hport:-1}" /api/status)
check "the housekeeping tick swept the expired binding" grep -qE '"expired":[1-9][0-9]*,"registered_users":1,"bindings":2' <<<"$status"
check "user show bob: no devices" grep -q 'no devices registered' <<<"$(cli user show bob)"
cli user show nobody >/dev/null 2>&1; rc=$?
check "user show for an unknown user exits 2 ($rc)" test $rc = 2
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
check "stops cleanly" test $rc = 0
totals
