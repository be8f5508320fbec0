#!/usr/bin/env bash
# Smoke run of one sipbox binary, natively or under qemu-user: start on a
# fresh data folder with the web UI on a free loopback port, report ready,
# answer /api/status, stop cleanly on SIGTERM, keep its settings across a
# restart. Usage: tests/smoke.sh SIPBOX [QEMU...]
set -u
. "$(dirname "$0")/lib.sh"
bin=$1; shift
run=("$@" "$bin")
tmp=$(mktemp -d)
pid=
cleanup() { [ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

start() { # start LOG ARGS...
	local log=$1; shift
	"${run[@]}" --data "$tmp/data" --http 127.0.0.1:0 "$@" >"$log" 2>&1 &
	pid=$!
}

stop() { # stop SIGNAL: waits up to 20 s, sets $status to the exit status
	local i
	kill -"$1" "$pid"
	for i in $(seq 1 200); do
		kill -0 "$pid" 2>/dev/null || break
		sleep 0.1
	done
	if kill -0 "$pid" 2>/dev/null; then
		kill -KILL "$pid"; wait "$pid" 2>/dev/null; status=timeout
	else
		wait "$pid"; status=$?
	fi
	pid=
}

start "$tmp/log1" --domain office.example
if wait_for_line "$tmp/log1" 'ready: data' 60; then ok "starts and reports ready"; else fail "starts and reports ready"; cat "$tmp/log1"; fi
port=$(sed -n 's/.*http: listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/log1" | head -1)
check "logs where it listens" test -n "$port"
resp=$(http_get 127.0.0.1 "${port:-1}" /api/status)
check "GET /api/status answers 200" grep -q '^HTTP/1.1 200' <<<"$resp"
check "status shows the domain and schema" grep -q '"domain":"office.example","store_schema":1' <<<"$resp"
check "status shows pool use through the loop" grep -q '"name":"fds","used":[1-9]' <<<"$resp"
resp=$(http_get 127.0.0.1 "${port:-1}" /nope)
check "unknown page is 404" grep -q '^HTTP/1.1 404' <<<"$resp"
check "store created in the data folder" test -s "$tmp/data/sipbox.mdb"
out=$("${run[@]}" --data "$tmp/data" settings set sip_t1_ms 250 2>&1)
check "the command line changes a setting while the server runs" grep -q '^sip_t1_ms = 250' <<<"$out"
kill -HUP "$pid"
check "SIGHUP reloads the settings" wait_for_line "$tmp/log1" 'settings reloaded: domain office.example, sip T1 250 ms' 20
check "still serving after SIGHUP" grep -q '^HTTP/1.1 200' <<<"$(http_get 127.0.0.1 "${port:-1}" /api/status)"
stop TERM
check "SIGTERM stops cleanly (exit 0)" test "$status" = 0
check "logs the clean stop" grep -q 'stopped cleanly' "$tmp/log1"

start "$tmp/log2"
wait_for_line "$tmp/log2" 'ready: data' 60
check "restart keeps the stored domain" grep -q 'domain office.example' "$tmp/log2"
stop INT
check "SIGINT stops cleanly too" test "$status" = 0
totals
