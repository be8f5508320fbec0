#!/usr/bin/env bash
# The TLS certificate from the command line: show, import an admin's EC
# P-256 chain (made here with openssl), refusals with one-line errors and
# nothing stored touched, the imported certificate served on --sips, and a
# new one taken by a running server on SIGHUP. Usage: tests/tls_cert.sh SIPBOX [QEMU...]
set -u
. "$(dirname "$0")/lib.sh"
bin=$1; shift
run=("$@" "$bin")
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT
D=(--data "$tmp/data")

mkcert() { # mkcert NAME: an EC P-256 self-signed pair in $tmp/NAME.{crt,key}
	openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 30 \
		-subj "/CN=$1" -addext "subjectAltName=DNS:$1" \
		-keyout "$tmp/$1.key" -out "$tmp/$1.crt" >/dev/null 2>&1
}
served_cn() { # the CN a TLS client sees on port $1
	timeout 10 openssl s_client -connect "127.0.0.1:$1" </dev/null 2>/dev/null | sed -n 's/^subject=CN *= *//p'
}
one_line_error() { # one_line_error NAME ARGS...: exit 2 and one line on stderr
	local name=$1 err rc; shift
	err=$("${run[@]}" "${D[@]}" "$@" 2>&1 >/dev/null); rc=$?
	if [ "$rc" = 2 ] && [ "$(wc -l <<<"$err")" = 1 ]; then ok "$name: $err"; else fail "$name (exit $rc: $err)"; fi
}

mkcert imported.example && mkcert second.example
openssl req -x509 -newkey rsa:2048 -nodes -days 30 -subj /CN=rsa.example \
	-keyout "$tmp/rsa.key" -out "$tmp/rsa.crt" >/dev/null 2>&1

out=$("${run[@]}" "${D[@]}" cert show)
check "cert show on a new store says there is none yet" grep -q 'no certificate yet' <<<"$out"
one_line_error "garbage instead of PEM is refused" cert import /etc/hostname
one_line_error "a key that does not match is refused" cert import "$tmp/imported.example.crt" "$tmp/second.example.key"
one_line_error "an RSA key is refused" cert import "$tmp/rsa.crt" "$tmp/rsa.key"
one_line_error "a missing file is refused" cert import "$tmp/nope.crt"
one_line_error "a bad cert subcommand is refused" cert frob
out=$("${run[@]}" "${D[@]}" cert show)
check "the refusals stored nothing" grep -q 'no certificate yet' <<<"$out"

out=$("${run[@]}" "${D[@]}" cert import "$tmp/imported.example.crt" "$tmp/imported.example.key"); rc=$?
check "cert import of an EC P-256 pair succeeds (exit $rc)" test $rc = 0
check "cert import shows what it stored" grep -q 'imported certificate: CN=imported.example' <<<"$out"
cat "$tmp/imported.example.key" "$tmp/imported.example.crt" >"$tmp/combined.pem"
out=$("${run[@]}" "${D[@]}" cert import "$tmp/combined.pem"); rc=$?
check "key and chain in one file are accepted (exit $rc)" test $rc = 0

"${run[@]}" "${D[@]}" --domain office.example --sips 127.0.0.1:0 --http 127.0.0.1:0 >"$tmp/log" 2>&1 &
pid=$!
wait_for_line "$tmp/log" 'ready: data' 60
tport=$(sed -n 's/.*sip: TLS listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/log")
check "the server keeps the imported certificate" grep -q 'TLS certificate: imported, CN=imported.example' "$tmp/log"
check "clients see the imported certificate" test "$(served_cn "${tport:-1}")" = imported.example
"${run[@]}" "${D[@]}" cert import "$tmp/second.example.crt" "$tmp/second.example.key" >/dev/null
check "until SIGHUP the running server keeps the old one" test "$(served_cn "${tport:-1}")" = imported.example
kill -HUP "$pid"
wait_for_line "$tmp/log" 'CN=second.example' 20
check "after SIGHUP new connections get the new certificate" test "$(served_cn "${tport:-1}")" = second.example
kill -TERM "$pid"; wait "$pid"; rc=$?; pid=
check "stops cleanly" test $rc = 0
totals
