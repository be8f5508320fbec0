#!/usr/bin/env bash
# Interop with a client we didn't write: sipsak (Debian) sends OPTIONS to
# sipbox over UDP and TCP, and its exit status tells whether a 200 came.
# Also a raw exchange over TCP for what sipsak cannot show: a CRLFCRLF
# keepalive ping gets its CRLF pong (RFC 5626 3.5.1), and a request for
# another domain gets 403. Usage: tests/sip_sipsak.sh SIPBOX [QEMU...]
set -u
. "$(dirname "$0")/lib.sh"
bin=$1; shift
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

"$@" "$bin" --data "$tmp/data" --domain office.example --sip 127.0.0.1:0 --sips 127.0.0.1:0 --http 127.0.0.1:0 >"$tmp/log" 2>&1 &
pid=$!
if ! wait_for_line "$tmp/log" 'ready: data' 60; then
	fail "sipbox starts"; cat "$tmp/log"; totals; exit 1
fi
port=$(sed -n 's/.*sip: listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/log" | head -1)
check "logs the SIP port" test -n "$port"

out=$(timeout 20 sipsak -vv -s "sip:127.0.0.1:$port" 2>&1); rc=$?
check "sipsak OPTIONS over UDP gets 200 (exit $rc)" test $rc = 0
check "the 200 lists Allow" grep -qi '^Allow: .*OPTIONS' <<<"$out"
out=$(timeout 20 sipsak -vv --transport tcp -s "sip:127.0.0.1:$port" 2>&1); rc=$?
check "sipsak OPTIONS over TCP gets 200 (exit $rc)" test $rc = 0

# TLS: the certificate made on first start, sipsak and openssl as clients.
tport=$(sed -n 's/.*sip: TLS listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/log" | head -1)
check "logs the SIP TLS port and a self-signed certificate" grep -q 'TLS certificate: self-signed, CN=office.example' "$tmp/log"
out=$(timeout 20 sipsak -vv --transport tls --tls-ignore-cert-failure -s "sip:127.0.0.1:${tport:-1}" 2>&1); rc=$?
check "sipsak OPTIONS over TLS gets 200 (exit $rc)" test $rc = 0
out=$( (printf 'OPTIONS sip:office.example SIP/2.0\r\nVia: SIP/2.0/TLS 127.0.0.1:9;branch=z9hG4bK-tls1\r\nMax-Forwards: 70\r\nFrom: <sip:a@office.example>;tag=1\r\nTo: <sip:office.example>\r\nCall-ID: tls1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n'; sleep 2) |
	timeout 10 openssl s_client -connect "127.0.0.1:${tport:-1}" -servername office.example 2>&1)
check "openssl s_client: TLS 1.2 handshake" grep -q 'Protocol *: TLSv1.2' <<<"$out"
check "openssl s_client: an ECDHE-ECDSA AEAD suite" grep -qE 'Cipher *: ECDHE-ECDSA-(CHACHA20-POLY1305|AES(128|256)-GCM-SHA(256|384))' <<<"$out"
check "openssl s_client: certificate CN is the domain" grep -q 'subject=CN *= *office.example' <<<"$out"
check "OPTIONS over TLS gets 200" grep -q '^SIP/2.0 200' <<<"$out"
printf 'OPTIONS sip:x SIP/2.0\r\n\r\n' | timeout 8 bash -c "exec 8<>/dev/tcp/127.0.0.1/${tport:-1}; cat >&8; cat <&8" >"$tmp/plain" 2>/dev/null
rc=$?
check "plain text on the TLS port: the connection is closed (exit $rc, not the timeout's 124)" test $rc != 124
check "plain text on the TLS port gets no SIP answer" test "$(grep -c 'SIP/2.0' "$tmp/plain")" = 0

# Raw TCP: ping, then a request on the same connection.
exec 8<>"/dev/tcp/127.0.0.1/$port"
printf '\r\n\r\n' >&8
pong=$(timeout 5 head -c 2 <&8 | od -An -c | tr -d ' ')
check "CRLFCRLF ping gets a CRLF pong" test "$pong" = '\r\n'
printf '\r\n' >&8; sleep 0.3; printf '\r\n' >&8
pong=$(timeout 5 head -c 2 <&8 | od -An -c | tr -d ' ')
check "a ping split across two segments gets its pong" test "$pong" = '\r\n'
printf 'OPTIONS sip:127.0.0.1 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK-raw1\r\nMax-Forwards: 70\r\nFrom: <sip:raw@127.0.0.1>;tag=r1\r\nTo: <sip:127.0.0.1>\r\nCall-ID: raw-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n' >&8
resp=$(timeout 2 cat <&8)
check "a request after the ping is answered on the same connection" grep -q '^SIP/2.0 200' <<<"$resp"
exec 8<&-

raw() { # raw REQUEST-LINE [EXTRA-HEADERS]: one request over TCP from a visitor; $MF = Max-Forwards, $FROM
	printf '%s\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK-%s\r\nMax-Forwards: %s\r\nFrom: <%s>;tag=r1\r\nTo: <sip:x@office.example>\r\nCall-ID: raw-%s\r\nCSeq: 1 %s\r\n%sContent-Length: 0\r\n\r\n' \
		"$1" "$RANDOM" "${MF:-70}" "${FROM:-sip:raw@visitor.example}" "$RANDOM" "${1%% *}" "${2:-}" | sip_exchange 127.0.0.1 "$port"
}
check "OPTIONS for another domain gets 403" grep -q '^SIP/2.0 403' <<<"$(raw 'OPTIONS sip:someone@elsewhere.example SIP/2.0')"
check "OPTIONS for no such user gets 404" grep -q '^SIP/2.0 404' <<<"$(raw 'OPTIONS sip:alice@office.example SIP/2.0')"
resp=$(FROM=sip:alice@office.example raw 'MESSAGE sip:bob@office.example SIP/2.0')
check "a request from a local user must authenticate: 407" grep -q '^SIP/2.0 407' <<<"$resp"
check "407 offers SHA-256 then MD5" test "$(grep '^Proxy-Authenticate:' <<<"$resp" | grep -o 'algorithm=[A-Z0-9-]*' | tr '\n' ' ')" = "algorithm=SHA-256 algorithm=MD5 "
check "an unknown method gets 501" grep -q '^SIP/2.0 501' <<<"$(raw 'FROBNICATE sip:office.example SIP/2.0')"
check "a known method the server itself does not serve gets 405" grep -q '^SIP/2.0 405' <<<"$(raw 'MESSAGE sip:office.example SIP/2.0')"
check "a MESSAGE for no such user gets 404" grep -q '^SIP/2.0 404' <<<"$(raw 'MESSAGE sip:alice@office.example SIP/2.0')"
resp=$(raw 'OPTIONS sip:office.example SIP/2.0' $'Require: foo, bar\r\n')
check "an unsupported Require gets 420" grep -q '^SIP/2.0 420' <<<"$resp"
check "420 lists what is unsupported" grep -q '^Unsupported: foo, bar' <<<"$resp"
resp=$(raw 'MESSAGE sip:alice@office.example SIP/2.0' $'Require: 100rel\r\nProxy-Require: sec-agree\r\n')
check "for a request it would forward, Proxy-Require counts and Require does not" grep -q '^Unsupported: sec-agree' <<<"$resp"
check "a visitor's request routed past us to elsewhere: 403 (no open relay)" grep -q '^SIP/2.0 403' <<<"$(raw 'MESSAGE sip:someone@203.0.113.5 SIP/2.0' "Route: <sip:127.0.0.1:$port;lr>, <sip:203.0.113.5;lr>"$'\r\n')"
resp=$(printf 'BYE sip:someone@203.0.113.5 SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK-bye%s\r\nMax-Forwards: 70\r\nRoute: <sip:127.0.0.1:%s;lr;d=0123456789abcdef>\r\nFrom: <sip:v@visitor.example>;tag=v\r\nTo: <sip:x@office.example>;tag=forged\r\nCall-ID: forged-1\r\nCSeq: 2 BYE\r\nContent-Length: 0\r\n\r\n' "$RANDOM" "$port" | sip_exchange 127.0.0.1 "$port")
check "an in-dialog request with a forged dialog token: 403" grep -q '^SIP/2.0 403' <<<"$resp"
check "Max-Forwards 0 for a user gets 483" grep -q '^SIP/2.0 483' <<<"$(MF=0 raw 'MESSAGE sip:alice@office.example SIP/2.0')"
check "a bad CSeq gets 400 Bad CSeq" grep -q '^SIP/2.0 400 .*CSeq' <<<"$(printf 'OPTIONS sip:office.example SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bK-b\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:c@d>\r\nCall-ID: x\r\nCSeq: abc OPTIONS\r\nContent-Length: 0\r\n\r\n' | sip_exchange 127.0.0.1 "$port")"

udp() { # udp MESSAGE: one datagram, prints the answer
	printf '%s' "$1" | sip_exchange 127.0.0.1 "$port" udp
}
req=$'OPTIONS sip:office.example SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1:9;branch=z9hG4bK-same;rport\r\nMax-Forwards: 70\r\nFrom: <sip:a@office.example>;tag=s1\r\nTo: <sip:office.example>\r\nCall-ID: same-1\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n'
tag1=$(udp "$req" | sed -n 's/^To: .*;tag=\([0-9a-f]*\).*/\1/p')
tag2=$(udp "$req" | sed -n 's/^To: .*;tag=\([0-9a-f]*\).*/\1/p')
check "a stateless answer repeats its To tag for a retransmission (8.2.7)" test -n "$tag1" -a "$tag1" = "$tag2"
big=$(head -c 9000 /dev/zero | tr '\0' x)
resp=$(udp "${req%Content-Length: 0*}Content-Type: text/plain"$'\r\n'"Content-Length: 9000"$'\r\n\r\n'"$big")
check "a datagram over CONFIG_SIP_MAX_MSG_SIZE gets 513" grep -q '^SIP/2.0 513' <<<"$resp"

hport=$(sed -n 's/.*http: listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/log" | head -1)
status=$(http_get 127.0.0.1 "${hport:-1}" /api/status)
check "/api/status counts the SIP requests and the malformed ones" grep -qE '"sip":\{"requests":[1-9][0-9]*,"responses":[1-9][0-9]*,"malformed":[1-9]' <<<"$status"

kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
check "stops cleanly" test $rc = 0

# IPv6: a listener on [::1], answered over TCP with received=::1.
"$@" "$bin" --data "$tmp/data" --sip '[::1]:0' --http 127.0.0.1:0 >"$tmp/log6" 2>&1 &
pid=$!
wait_for_line "$tmp/log6" 'ready: data' 60
port6=$(sed -n 's/.*sip: listening on \[::1\]:\([0-9]*\).*/\1/p' "$tmp/log6" | head -1)
check "listens on [::1]" test -n "$port6"
resp=$(printf 'OPTIONS sip:[::1] SIP/2.0\r\nVia: SIP/2.0/TCP [::1]:9;branch=z9hG4bK-v6\r\nMax-Forwards: 70\r\nFrom: <sip:a@[::1]>;tag=6\r\nTo: <sip:[::1]>\r\nCall-ID: v6\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n' |
	sip_exchange ::1 "${port6:-1}")
check "OPTIONS over IPv6 TCP gets 200" grep -q '^SIP/2.0 200' <<<"$resp"
check "the Via of the answer says received=::1" grep -q '^Via: SIP/2.0/TCP \[::1\]:9;branch=z9hG4bK-v6;received=::1' <<<"$resp"
kill -TERM "$pid"; wait "$pid"; pid=
totals
