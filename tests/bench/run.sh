#!/usr/bin/env bash
# make bench: OPTIONS over UDP against sipbox, and in the same run against
# a trivial UDP echo server on the same loopback (the physical limit).
# For each: the maximum rate with a window of requests in flight, p50/p99
# latency, and at a fixed offered load the server's CPU time per request
# (utime + stime from /proc/PID/stat) and its memory (VmRSS, VmHWM).
# Everything stays on 127.0.0.1 and stops by itself.
set -eu
cd "$(dirname "$0")/../.."
SECS=${BENCH_SECONDS:-5}
RATE=${BENCH_RATE:-5000}
WINDOW=${BENCH_WINDOW:-64}
B=build/bench
mkdir -p "$B"
make --no-print-directory -j"$(nproc)" O=${BENCH_O:-build/x86_64} BOARD=x86_64 ${BENCH_O:-build/x86_64}/sipbox >/dev/null
gcc -O2 -D_GNU_SOURCE -Wall -o "$B/sipload" tests/bench/sipload.c
gcc -O2 -Wall -o "$B/udpecho" tests/bench/udpecho.c
tmp=$(mktemp -d)
pids=()
cleanup() { for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done; rm -rf "$tmp"; }
trap cleanup EXIT

"$B/udpecho" "$tmp/echo.port" & pids+=($!); echo_pid=$!
${BENCH_O:-build/x86_64}/sipbox --data "$tmp/data" --sip 127.0.0.1:0 --http 127.0.0.1:0 \
	>"$tmp/sipbox.log" 2>&1 & pids+=($!); sipbox_pid=$!
for _ in $(seq 100); do
	[ -s "$tmp/echo.port" ] && grep -q 'ready: data' "$tmp/sipbox.log" && break
	sleep 0.1
done
sip_port=$(sed -n 's/.*sip: listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/sipbox.log")
echo_port=$(cat "$tmp/echo.port")
[ -n "$sip_port" ] && [ -n "$echo_port" ] || { echo "bench: servers did not start"; cat "$tmp/sipbox.log"; exit 1; }

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
mem() { awk '/^VmRSS|^VmHWM/ {printf "%s %s kB  ", $1, $2}' "/proc/$1/status"; }

run() { # run NAME PID PORT
	local max fixed t0 t1 answered cpu_us hz
	hz=$(getconf CLK_TCK)
	max=$("$B/sipload" 127.0.0.1 "$3" "$SECS" 0 "$WINDOW")
	t0=$(ticks "$2")
	fixed=$("$B/sipload" 127.0.0.1 "$3" "$SECS" "$RATE" "$WINDOW")
	t1=$(ticks "$2")
	answered=$(awk '{print $4}' <<<"$fixed")
	cpu_us=$(awk -v d=$((t1 - t0)) -v n="$answered" -v hz="$hz" 'BEGIN { if (n > 0) printf "%.2f", d * 1e6 / hz / n; else print "-" }')
	printf '%-8s max: %s\n' "$1" "$max"
	printf '%-8s at %s/s: %s\n' "$1" "$RATE" "$fixed"
	printf '%-8s CPU %s us/request at %s/s; %s\n' "$1" "$cpu_us" "$RATE" "$(mem "$2")"
	echo "$max" | awk '{print $6}' >"$tmp/$1.rate"
}

echo "OPTIONS over UDP, ${SECS}s per run, window $WINDOW, fixed load $RATE/s ($(nproc) cores)"
run sipbox "$sipbox_pid" "$sip_port"
run echo "$echo_pid" "$echo_port"
awk -v s="$(cat "$tmp/sipbox.rate")" -v e="$(cat "$tmp/echo.rate")" \
	'BEGIN { gsub("/s","",s); gsub("/s","",e); if (e > 0) printf "sipbox max rate / echo max rate = %.2f\n", s / e }'
