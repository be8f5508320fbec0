#!/usr/bin/env bash
# Page-mode MESSAGE through the proxy (RFC 3428): to a user with no device
# registered it is stored and answered 202; it survives kill -9; each of
# the user's devices that registers then gets every stored message once,
# in order, as it was sent (From, Date, type and body untouched); a device
# that registers again gets nothing twice; with two devices online a
# MESSAGE goes to both; too large for UDP is 513; the outbound proxy;
# caller preferences; strict routers before and after us. Usage: tests/proxy_message.sh SIPBOX [QEMU...]
set -u
. "$(dirname "$0")/lib.sh"
bin=$1; shift
QEMU=("$@")
py="$(dirname "$0")/proxy_message.py"
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

cli() { "${QEMU[@]}" "$bin" --data "$tmp/data" "$@"; }
start() { # start LOG: sets pid, port, hport
	"${QEMU[@]}" "$bin" --data "$tmp/data" --domain office.example --sip 127.0.0.1:0 --http 127.0.0.1:0 >"$tmp/$1" 2>&1 &
	pid=$!
	if ! wait_for_line "$tmp/$1" 'ready: data' 60; then
		fail "sipbox starts ($1)"; cat "$tmp/$1"; totals; exit 1
	fi
	port=$(sed -n 's/.*sip: listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/$1" | head -1)
	hport=$(sed -n 's/.*http: listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/$1" | head -1)
}

cli settings set domain office.example >/dev/null
cli user add alice --password alicepw >/dev/null
cli user add bob --password bobpw >/dev/null
sink=$(python3 -c 'import socket; s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
cli settings set proxy_outbound "127.0.0.1:$sink" >/dev/null
start log1

check "a MESSAGE for a user with no device is stored: 202" test "$(python3 "$py" "$port" send 'first, while you were out')" = 202
check "a second one too: 202" test "$(python3 "$py" "$port" send 'second')" = 202
kill -KILL "$pid"; wait "$pid" 2>/dev/null; pid=
start log2

out=$(python3 "$py" "$port" device desk 3)
check "the desk registers (200)" grep -q '^registered 200' <<<"$out"
check "after kill -9 and a restart the desk gets both stored MESSAGEs, in order" \
	test "$(grep -c '^got' <<<"$out")" = 2 -a "$(grep '^got' <<<"$out" | head -1 | grep -c "body='first, while you were out'")" = 1
check "as they were sent: alice's From with its tag" grep -q "from='\"Alice\" <sip:alice@office.example>;tag=alice" <<<"$out"
check "as they were sent: the Date and the Content-Type" grep -q "date='Tue, 01 Dec 2026 09:30:00 GMT' type='text/plain;charset=utf-8'" <<<"$out"
check "the body is untouched (no text added)" grep -q "body='second'" <<<"$out"
out=$(python3 "$py" "$port" device laptop 3)
check "the laptop, registering later, gets them too, once" test "$(grep -c '^got' <<<"$out")" = 2
out=$(python3 "$py" "$port" device desk 2)
check "the desk registering again gets nothing twice" test "$(grep -c '^got' <<<"$out")" = 0
status=$(http_get 127.0.0.1 "${hport:-1}" /api/status)
check "/api/status counts the deliveries" grep -q '"stored":0,"delivered":4' <<<"$status"

# Both devices online (still registered): a MESSAGE goes to both at once.
out=$(python3 "$py" "$port" online 3)
while IFS=$'\t' read -r _ res text; do
	if [ "$res" = ok ]; then ok "$text"; else fail "$text"; fi
done < <(grep '^CHECK' <<<"$out")
big=$(head -c 2000 /dev/zero | tr '\0' x)
check "a MESSAGE too large for UDP to the devices: 513 (RFC 3261 18.1.1)" test "$(python3 "$py" "$port" send "$big")" = 513
out=$(python3 "$py" "$port" outbound "$sink")
while IFS=$'\t' read -r _ res text; do
	if [ "$res" = ok ]; then ok "$text"; else fail "$text"; fi
done < <(grep '^CHECK' <<<"$out")

# RFC 3841 9.1: a caller who asks for a redirect gets the devices in a 302.
resp=$(printf 'MESSAGE sip:bob@office.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-rd1;rport\r\nMax-Forwards: 70\r\nFrom: <sip:carol@visitor.example>;tag=v1\r\nTo: <sip:bob@office.example>\r\nCall-ID: rd1\r\nCSeq: 1 MESSAGE\r\nRequest-Disposition: redirect\r\nContent-Length: 0\r\n\r\n' |
	sip_exchange 127.0.0.1 "$port" udp)
check "Request-Disposition: redirect gets 302 with both devices" test "$(grep -c '^Contact: <sip:bob@127.0.0.1:' <<<"$resp")" = 2 -a "$(grep -c '^SIP/2.0 302' <<<"$resp")" = 1
resp=$(printf 'MESSAGE sip:bob@office.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-rd2;rport\r\nMax-Forwards: 70\r\nFrom: <sip:carol@visitor.example>;tag=v2\r\nTo: <sip:bob@office.example>\r\nCall-ID: rd2\r\nCSeq: 1 MESSAGE\r\nAccept-Contact: *;audio;require;explicit\r\nContent-Length: 0\r\n\r\n' |
	sip_exchange 127.0.0.1 "$port" udp)
check "Accept-Contact that no device meets (require, explicit): 480" grep -q '^SIP/2.0 480' <<<"$resp"
# RFC 3261 16.4 and 16.6 step 7: strict routers before and after us.
out=$(python3 "$py" "$port" strict)
while IFS=$'\t' read -r _ res text; do
	if [ "$res" = ok ]; then ok "$text"; else fail "$text"; fi
done < <(grep '^CHECK' <<<"$out")
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
check "stops cleanly" test $rc = 0
totals
