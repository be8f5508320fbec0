#!/usr/bin/env bash
# make bench: OPTIONS over UDP against sipbox, and in the same run against
# a trivial UDP echo server on the same loopback (the physical limit).
# For each: the maximum rate with a window of requests in flight, p50/p99
# latency, and at a fixed offered load the server's CPU time per request
# (utime + stime from /proc/PID/stat) and its memory (VmRSS, VmHWM).
# Then REGISTER with digest authentication and persistent bindings (fresh
# bindings and refreshes) against sipbox and, in the same run, against
# Kamailio from Debian as a registrar (tests/bench/kamailio/reg_auth.cfg:
# auth_db + usrloc in SQLite, write-through and write-back): the maximum
# rate, the CPU time per registration at a fixed offered load (summed over
# all of a server's processes) and the memory (sum of Pss over all its
# processes, VmHWM of the main one), then the ratios.
# Then MESSAGE relay and forked INVITE through sipbox's proxy and, in the
# same run, through Kamailio (tests/bench/kamailio/proxy.cfg: auth_db on
# the same SQLite subscriber table, usrloc in memory, t_relay with
# record_route): callers authenticate with Proxy-Authorization (407);
# MESSAGE callees have one device, INVITE callees two (one answers 200,
# the other rings until CANCELled); the devices are sipload --uas,
# registered with sipload --register-contacts. Per server: the maximum
# rate, the CPU time per message or per call at a fixed offered load, the
# memory (Pss sum), then the ratios.
# Everything stays on 127.0.0.1 and stops by itself.
#
# BENCH_PARTS="options register message invite" (default all), BENCH_SECONDS (5),
# BENCH_RATE (5000), BENCH_WINDOW (64); REGISTER: BENCH_REG_SECONDS
# (BENCH_SECONDS), BENCH_REG_RATE (1000), BENCH_REG_WINDOW (64),
# BENCH_REG_USERS (100), BENCH_REG_SETTLE (11), BENCH_KAM_UL_TIMER (10),
# BENCH_KAM_CHILDREN (write-back workers, 2), BENCH_KAM_VARIANTS ("wt wb"),
# BENCH_KAM_SHA256 (0; 1 = Kamailio challenges with SHA-256, as sipbox does first);
# MESSAGE/INVITE: BENCH_PX_SECONDS (BENCH_SECONDS), BENCH_MSG_RATE (50),
# BENCH_INV_RATE (20), BENCH_PX_WINDOW (64), BENCH_PX_CALLERS (50),
# BENCH_MSG_CALLEES (5), BENCH_INV_CALLEES (5), BENCH_PX_SETTLE (33),
# BENCH_KAM_CHILDREN and BENCH_KAM_SHA256 as above.
set -eu
cd "$(dirname "$0")/../.."
PARTS=${BENCH_PARTS:-options register message invite}
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
# tree PID: PID and all its descendants (Kamailio forks its workers).
tree() {
	local p
	echo "$1"
	for p in $(awk -v pp="$1" '{ sub(/.*\) /, ""); if ($2 == pp) print FILENAME }' \
		/proc/[0-9]*/stat 2>/dev/null | cut -d/ -f3); do
		tree "$p"
	done
}
# started PID: the start time of PID (field 22 of /proc/PID/stat), empty when gone.
started() { awk '{ sub(/.*\) /, ""); print $20 }' "/proc/$1/stat" 2>/dev/null || true; }
# stop_tree PID: SIGTERM to PID, at most 5 s for it to end, then SIGKILL to
# what is left of it and its descendants (as they were: PID and start time
# checked, so a reused PID is never hit).
stop_tree() {
	local all p st
	all=$(for p in $(tree "$1"); do echo "$p:$(started "$p")"; done)
	kill "$1" 2>/dev/null || true
	for _ in $(seq 50); do [ -d "/proc/$1" ] || break; sleep 0.1; done
	for p in $all; do
		st=$(started "${p%%:*}")
		if [ -n "$st" ] && [ "$st" = "${p#*:}" ]; then kill -9 "${p%%:*}" 2>/dev/null || true; fi
	done
	wait "$1" 2>/dev/null || true
}
# Servers still running at exit: only children of this shell.
cleanup() {
	for p in "${pids[@]}"; do
		if [ "$(awk '{ sub(/.*\) /, ""); print $2 }' "/proc/$p/stat" 2>/dev/null)" = $$ ]; then
			stop_tree "$p"
		fi
	done
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

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

if [[ " $PARTS " == *" options "* ]]; then
	echo "OPTIONS over UDP, ${SECS}s per run, window $WINDOW, fixed load $RATE/s ($(nproc) cores)"
	run sipbox "$sipbox_pid" "$sip_port"
	run echo "$echo_pid" "$echo_port"
	awk -v s="$(cat "$tmp/sipbox.rate")" -v e="$(cat "$tmp/echo.rate")" \
		'BEGIN { gsub("/s","",s); gsub("/s","",e); if (e > 0) printf "sipbox max rate / echo max rate = %.2f\n", s / e }'
fi
stop_tree "$echo_pid"
stop_tree "$sipbox_pid"

# ---- REGISTER with digest auth and persistent bindings ----
REG_SECS=${BENCH_REG_SECONDS:-$SECS}
REG_RATE=${BENCH_REG_RATE:-1000}
REG_WINDOW=${BENCH_REG_WINDOW:-64}
USERS=${BENCH_REG_USERS:-100}
SETTLE=${BENCH_REG_SETTLE:-11}
KAM_TIMER=${BENCH_KAM_UL_TIMER:-10}
KAM_CHILDREN=${BENCH_KAM_CHILDREN:-2}
KAM_VARIANTS=${BENCH_KAM_VARIANTS:-wt wb}
KAM_SHA256=${BENCH_KAM_SHA256:-0} # 1: Kamailio challenges with SHA-256 (sipbox offers it first)
REALM=bench.example
PW=bench-Pw-1
SIPBOX=${BENCH_O:-build/x86_64}/sipbox
hz=$(getconf CLK_TCK)

# tree_ticks PID: utime + stime of PID and its descendants (clock ticks).
tree_ticks() {
	local t=0 p
	for p in $(tree "$1"); do
		t=$((t + $(awk '{ sub(/.*\) /, ""); print $12 + $13 }' "/proc/$p/stat" 2>/dev/null || echo 0)))
	done
	echo "$t"
}
# tree_mem PID: "PSS_KB NPROC HWM_KB": Pss summed over the tree, VmHWM of PID.
tree_mem() {
	local pss=0 n=0 p
	for p in $(tree "$1"); do
		pss=$((pss + $(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || echo 0)))
		n=$((n + 1))
	done
	echo "$pss $n $(awk '/^VmHWM/ { print $2 }' "/proc/$1/status")"
}
field() { awk -v k="$1" '{ for (i = 1; i < NF; i++) if ($i == k) { print $(i + 1); exit } }'; }
# not200 LINE: "N x CODE ..." from a sipload --register line, empty when all were 200.
not200() {
	awk '{ for (i = 1; i <= NF; i++) if ($i == "codes") { for (j = i + 1; j <= NF && $j != "alg"; j++) {
		split($j, a, ":"); printf "%s%s x %s", (n++ ? ", " : ""), a[2], a[1] } } }' <<<"$1"
}
regload() { # regload PORT SECONDS RATE MODE
	"$B/sipload" --register 127.0.0.1 "$1" "$2" "$3" "$REG_WINDOW" "$USERS" "$PW" "$REALM" "$4"
}

# reg_server NAME PID PORT: a probe, then both modes at the fixed rate, then
# both at the maximum rate; results in $tmp/NAME.*. The CPU time of a
# fixed-rate run is counted from its start to SETTLE s after its end, and
# the probe is followed by SETTLE s too, so that a write-back flush is
# counted for the run that caused it, not the next one.
reg_server() {
	local name=$1 pid=$2 port=$3 mode probe max fixed t0 t1 ok cpu bad
	probe=$(regload "$port" 1 0 fresh)
	ok=$(field answered <<<"$probe")
	if [ "${ok:-0}" = 0 ]; then
		bad=$(not200 "$probe")
		echo "$name: REGISTER not answered 200: ${bad:-no answer} (probe: $probe)"
		echo "$name: no REGISTER figures"
		return 0
	fi
	sleep "$SETTLE"
	for mode in fresh refresh; do
		t0=$(tree_ticks "$pid")
		fixed=$(regload "$port" "$REG_SECS" "$REG_RATE" "$mode")
		sleep "$SETTLE"
		t1=$(tree_ticks "$pid")
		ok=$(field answered <<<"$fixed")
		cpu=$(awk -v d=$((t1 - t0)) -v n="$ok" -v hz="$hz" \
			'BEGIN { if (n > 0) printf "%.1f", d * 1e6 / hz / n; else print "-" }')
		printf '%-12s %-7s at %s/s: %s\n' "$name" "$mode" "$REG_RATE" "$fixed"
		bad=$(not200 "$fixed")
		[ -z "$bad" ] || echo "$name $mode at $REG_RATE/s: REGISTER not answered 200: $bad"
		echo "$cpu" >"$tmp/$name.$mode.cpu"
		field rate <<<"$fixed" | tr -d '/s' >"$tmp/$name.$mode.fixed"
	done
	for mode in fresh refresh; do
		max=$(regload "$port" "$REG_SECS" 0 "$mode")
		printf '%-12s %-7s max:      %s\n' "$name" "$mode" "$max"
		bad=$(not200 "$max")
		[ -z "$bad" ] || echo "$name $mode max: REGISTER not answered 200: $bad"
		field rate <<<"$max" | tr -d '/s' >"$tmp/$name.$mode.max"
	done
	tree_mem "$pid" >"$tmp/$name.mem"
}

reg_summary() { # reg_summary NAME...
	local name mode mem
	echo "REGISTER summary: max rate (200 OK/s), CPU per registration at $REG_RATE/s" \
		"(utime+stime of all processes, from the start of the run to ${SETTLE}s after it), memory"
	for name in "$@"; do
		[ -f "$tmp/$name.mem" ] || { printf '%-12s no figures\n' "$name"; continue; }
		read -r pss n hwm <"$tmp/$name.mem"
		for mode in fresh refresh; do
			printf '%-12s %-7s max %6s/s  CPU %6s us/registration%s\n' "$name" "$mode" \
				"$(cat "$tmp/$name.$mode.max")" "$(cat "$tmp/$name.$mode.cpu")" \
				"$(awk -v f="$(cat "$tmp/$name.$mode.fixed")" -v r="$REG_RATE" 'BEGIN {
					if (f < 0.95 * r) printf " (saturated: %s/s answered of %s/s offered)", f, r }')"
		done
		printf '%-12s memory: Pss %s kB over %s processes, VmHWM (main) %s kB\n' "$name" "$pss" "$n" "$hwm"
	done
}

reg_ratio() { # reg_ratio A B
	local mode
	if [ ! -f "$tmp/$1.mem" ] || [ ! -f "$tmp/$2.mem" ]; then
		echo "$1 / $2: no ratio (no figures for $([ -f "$tmp/$1.mem" ] && echo "$2" || echo "$1"))"
		return 0
	fi
	for mode in fresh refresh; do
		awk -v a="$(cat "$tmp/$1.$mode.cpu")" -v b="$(cat "$tmp/$2.$mode.cpu")" \
			-v ma="$(cat "$tmp/$1.$mode.max")" -v mb="$(cat "$tmp/$2.$mode.max")" -v m="$mode" \
			-v x="$1" -v y="$2" 'BEGIN { printf "%s / %s %-7s: CPU per registration %s, max rate %s\n", x, y, m,
				(a > 0 && b > 0 ? sprintf("%.2f", a / b) : "-"), (mb > 0 ? sprintf("%.2f", ma / mb) : "-") }'
	done
	awk -v a="$(cut -d' ' -f1 "$tmp/$1.mem")" -v b="$(cut -d' ' -f1 "$tmp/$2.mem")" -v x="$1" -v y="$2" \
		'BEGIN { if (b > 0) printf "%s / %s memory (Pss sum): %.2f\n", x, y, a / b }'
}

register_part() {
echo
echo "REGISTER over UDP with digest auth, $USERS users, ${REG_SECS}s per run, window $REG_WINDOW," \
	"fixed load $REG_RATE/s, fresh bindings and refreshes ($(nproc) cores)"

# sipbox: a new store with the domain and the users, then the server.
d=$tmp/reg-data
"$SIPBOX" --data "$d" settings set domain "$REALM" >/dev/null
for i in $(seq "$USERS"); do
	"$SIPBOX" --data "$d" user add "user$i" --password "$PW" >/dev/null
done
"$SIPBOX" --data "$d" --domain "$REALM" --sip 127.0.0.1:0 --http 127.0.0.1:0 \
	>"$tmp/sipbox-reg.log" 2>&1 & pids+=($!); sbx=$!
for _ in $(seq 100); do grep -q 'ready: data' "$tmp/sipbox-reg.log" && break; sleep 0.1; done
port=$(sed -n 's/.*sip: listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/sipbox-reg.log")
[ -n "$port" ] || { echo "bench: sipbox did not start"; cat "$tmp/sipbox-reg.log"; exit 1; }
reg_server sipbox "$sbx" "$port"
stop_tree "$sbx"

# Kamailio: the Debian packages, a SQLite database with Kamailio's own
# schema and the same users (HA1 = MD5(user:realm:password)), one server
# per variant: write-through (usrloc db_mode 1, one worker: SQLite has one
# writer and db_sqlite sets no busy timeout, so two workers writing get
# "database is locked") and write-back (db_mode 2, flushed every
# BENCH_KAM_UL_TIMER s, $KAM_CHILDREN workers as in the reference).
if ! board/setup-host.sh kamailio kamailio-sqlite-modules sqlite3 >"$tmp/setup.log" 2>&1 ||
	! command -v kamailio >/dev/null; then
	echo "kamailio: not installed (board/setup-host.sh kamailio kamailio-sqlite-modules sqlite3):"
	cat "$tmp/setup.log"
	reg_summary sipbox
	return 0
fi
sqldir=/usr/share/kamailio/db_sqlite
hashsum=md5sum kam_alg=()
[ "$KAM_SHA256" = 1 ] && hashsum=sha256sum kam_alg=(-A AUTH_SHA256)
kam_names=()
for v in $KAM_VARIANTS; do
	case $v in
	wt) dbmode=1 children=1 ;;
	wb) dbmode=2 children=$KAM_CHILDREN ;;
	*) echo "bench: unknown Kamailio variant $v (wt, wb)"; exit 2 ;;
	esac
	name=kamailio-$v
	k=$tmp/$name
	mkdir -p "$k/run"
	db=$k/kamailio.sqlite
	{
		cat "$sqldir/standard-create.sql" "$sqldir/auth_db-create.sql" "$sqldir/usrloc-create.sql"
		echo "PRAGMA journal_mode=WAL; BEGIN;"
		for i in $(seq "$USERS"); do
			ha1=$(printf '%s' "user$i:$REALM:$PW" | $hashsum | cut -d' ' -f1)
			echo "INSERT INTO subscriber (username, domain, password, ha1) VALUES ('user$i', '$REALM', '', '$ha1');"
		done
		echo "COMMIT;"
	} | sqlite3 "$db" >/dev/null
	kport=$("$B/sipload" --free-port)
	kamailio -DD -E -f tests/bench/kamailio/reg_auth.cfg -l "udp:127.0.0.1:$kport" \
		-n "$children" -m 64 -M 8 -Y "$k/run" -A "DBURL=\"sqlite://$db\"" \
		-A "DBJOURNAL=\"$db=WAL;\"" -A "CTL_SOCK=\"unix:$k/run/ctl\"" -A "DOMAIN=\"$REALM\"" \
		-A "UL_DBMODE=$dbmode" -A "UL_TIMER=$KAM_TIMER" "${kam_alg[@]}" >"$k/log" 2>&1 & pids+=($!); kpid=$!
	up=
	for _ in $(seq 100); do
		[ -d "/proc/$kpid" ] || break
		ans=$("$B/sipload" 127.0.0.1 "$kport" 0.1 0 1 | field answered)
		[ "${ans:-0}" -gt 0 ] && { up=1; break; }
	done
	if [ -z "$up" ]; then
		echo "$name: did not start"; tail -20 "$k/log"; stop_tree "$kpid"; continue
	fi
	echo "$name: usrloc db_mode $dbmode, $children UDP worker(s), $(tree "$kpid" | wc -l) processes"
	reg_server "$name" "$kpid" "$kport"
	echo "$name: bindings in SQLite: $(sqlite3 "$db" 'SELECT COUNT(*) FROM location') for $USERS users;" \
		"errors logged: $(grep -c ERROR "$k/log" || true)"
	stop_tree "$kpid"
	kam_names+=("$name")
done

reg_summary sipbox "${kam_names[@]}"
for name in "${kam_names[@]}"; do
	reg_ratio sipbox "$name"
done
}

# ---- MESSAGE relay and forked INVITE, sipbox and Kamailio as proxies ----
# Callers user1..userPX_CALLERS (not registered: they only authenticate);
# MESSAGE callees (one device each, answering 200) and INVITE callees (two
# devices each: device 0 answers 180 then 200, device 1 rings until the
# proxy CANCELs it, then 487), the devices being sipload --uas processes
# registered with sipload --register-contacts before the runs. Per server
# and part: a run at the fixed offered load (CPU from its start to
# PX_SETTLE s after its end, memory at its end), then a run at the maximum
# rate, then PX_SETTLE s so that the next run starts with no transaction
# left from this one (sipbox keeps a non-INVITE server transaction 64*T1 =
# 32 s over UDP, Kamailio's tm wt_timer is 5 s).
PX_SECS=${BENCH_PX_SECONDS:-$SECS}
PX_WINDOW=${BENCH_PX_WINDOW:-64}
PX_CALLERS=${BENCH_PX_CALLERS:-50}
MSG_CALLEES=${BENCH_MSG_CALLEES:-5}
INV_CALLEES=${BENCH_INV_CALLEES:-5}
# Below what the default build sustains: a proxied MESSAGE over UDP holds
# two transactions, the server one for Timer J (64*T1 = 32 s), so
# SIP_MAX_TSX (1024) carries 512 per 32 s; above that it answers 503.
MSG_RATE=${BENCH_MSG_RATE:-50}
INV_RATE=${BENCH_INV_RATE:-20}
PX_SETTLE=${BENCH_PX_SETTLE:-33}

px_rate() { [ "$1" = message ] && echo "$MSG_RATE" || echo "$INV_RATE"; }
px_unit() { [ "$1" = message ] && echo "message" || echo "call"; }
px_callees() { # px_callees PART: the callee user names
	local i
	if [ "$1" = message ]; then
		for i in $(seq "$MSG_CALLEES"); do echo "user$((PX_CALLERS + i))"; done
	else
		for i in $(seq "$INV_CALLEES"); do echo "user$((PX_CALLERS + MSG_CALLEES + i))"; done
	fi
}
pxload() { # pxload PART PORT SECONDS RATE
	# shellcheck disable=SC2046
	"$B/sipload" "--$1" 127.0.0.1 "$2" "$3" "$4" "$PX_WINDOW" "$PX_CALLERS" "$PW" "$REALM" \
		$(px_callees "$1")
}

# px_devices NAME PORT: starts the user agents and registers them with the
# server on PORT (MESSAGE callees: one device each; INVITE callees: two).
px_devices() {
	local name=$1 port=$2 life i u ports
	life=$(((2 * PX_SECS + 2 * PX_SETTLE) * 2 + 60))
	"$B/sipload" --uas "$tmp/$name.msg.ports" "$MSG_CALLEES" "$life" ok \
		>"$tmp/$name.msg.uas" 2>&1 & pids+=($!); uas_msg=$!
	"$B/sipload" --uas "$tmp/$name.inv.ports" "$((2 * INV_CALLEES))" "$life" ok,ring \
		>"$tmp/$name.inv.uas" 2>&1 & pids+=($!); uas_inv=$!
	for _ in $(seq 50); do
		[ -s "$tmp/$name.msg.ports" ] && [ -s "$tmp/$name.inv.ports" ] && break
		sleep 0.1
	done
	mapfile -t ports <"$tmp/$name.msg.ports"
	i=0
	for u in $(px_callees message); do
		"$B/sipload" --register-contacts 127.0.0.1 "$port" "$PW" "$REALM" "$u" "${ports[$i]}" \
			>>"$tmp/$name.contacts" || return 1
		i=$((i + 1))
	done
	mapfile -t ports <"$tmp/$name.inv.ports"
	i=0
	for u in $(px_callees invite); do
		"$B/sipload" --register-contacts 127.0.0.1 "$port" "$PW" "$REALM" "$u" \
			"${ports[$i]}" "${ports[$((i + 1))]}" >>"$tmp/$name.contacts" || return 1
		i=$((i + 2))
	done
}

# px_server NAME PID PORT: both parts (as in PARTS) against one server.
px_server() {
	local name=$1 pid=$2 port=$3 part rate fixed max t0 t1 ok cpu
	if ! px_devices "$name" "$port"; then
		echo "$name: the callee devices could not register:"; cat "$tmp/$name.contacts"
		return 0
	fi
	for part in message invite; do
		[[ " $PARTS " == *" $part "* ]] || continue
		rate=$(px_rate "$part")
		t0=$(tree_ticks "$pid")
		fixed=$(pxload "$part" "$port" "$PX_SECS" "$rate")
		tree_mem "$pid" >"$tmp/$name.$part.mem"
		sleep "$PX_SETTLE"
		t1=$(tree_ticks "$pid")
		ok=$(field answered <<<"$fixed")
		cpu=$(awk -v d=$((t1 - t0)) -v n="$ok" -v hz="$hz" \
			'BEGIN { if (n > 0) printf "%.1f", d * 1e6 / hz / n; else print "-" }')
		printf '%-10s %-7s at %s/s: %s\n' "$name" "$part" "$rate" "$fixed"
		echo "$cpu" >"$tmp/$name.$part.cpu"
		field rate <<<"$fixed" | tr -d '/s' >"$tmp/$name.$part.fixed"
		max=$(pxload "$part" "$port" "$PX_SECS" 0)
		printf '%-10s %-7s max:      %s\n' "$name" "$part" "$max"
		field rate <<<"$max" | tr -d '/s' >"$tmp/$name.$part.max"
		sleep "$PX_SETTLE"
	done
	kill "$uas_msg" "$uas_inv" 2>/dev/null || true
	wait "$uas_msg" "$uas_inv" 2>/dev/null || true
	echo "$name devices: MESSAGE callees $(cat "$tmp/$name.msg.uas"); INVITE callees $(cat "$tmp/$name.inv.uas")"
}

px_summary() { # px_summary NAME...
	local name part pss n hwm
	echo "MESSAGE and forked INVITE summary: max rate (MESSAGE: 200 OK/s; INVITE: calls/s," \
		"a call = INVITE forked to 2 devices, 200, CANCEL of the other, ACK, BYE), CPU per" \
		"message or call at the fixed load (utime+stime of all processes, from the start of" \
		"the run to ${PX_SETTLE}s after it), memory (Pss sum at the end of the fixed-load run)"
	for name in "$@"; do
		for part in message invite; do
			[ -f "$tmp/$name.$part.mem" ] || continue
			read -r pss n hwm <"$tmp/$name.$part.mem"
			printf '%-10s %-7s max %6s/s  CPU %7s us/%s at %s/s%s  Pss %s kB over %s processes\n' \
				"$name" "$part" "$(cat "$tmp/$name.$part.max")" "$(cat "$tmp/$name.$part.cpu")" \
				"$(px_unit "$part")" "$(px_rate "$part")" \
				"$(awk -v f="$(cat "$tmp/$name.$part.fixed")" -v r="$(px_rate "$part")" 'BEGIN {
					if (f < 0.95 * r) printf " (saturated: %s/s done of %s/s offered)", f, r }')" \
				"$pss" "$n"
		done
	done
}

px_ratio() { # px_ratio A B
	local part
	for part in message invite; do
		if [ ! -f "$tmp/$1.$part.mem" ] || [ ! -f "$tmp/$2.$part.mem" ]; then
			continue
		fi
		awk -v a="$(cat "$tmp/$1.$part.cpu")" -v b="$(cat "$tmp/$2.$part.cpu")" \
			-v ma="$(cat "$tmp/$1.$part.max")" -v mb="$(cat "$tmp/$2.$part.max")" \
			-v pa="$(cut -d' ' -f1 "$tmp/$1.$part.mem")" -v pb="$(cut -d' ' -f1 "$tmp/$2.$part.mem")" \
			-v p="$part" -v u="$(px_unit "$part")" -v x="$1" -v y="$2" 'BEGIN {
			printf "%s / %s %-7s: CPU per %s %s, max rate %s, memory (Pss sum) %s\n", x, y, p, u,
				(a > 0 && b > 0 ? sprintf("%.2f", a / b) : "-"), (mb > 0 ? sprintf("%.2f", ma / mb) : "-"),
				(pb > 0 ? sprintf("%.2f", pa / pb) : "-") }'
	done
}

proxy_part() {
	local users d sbx port k db kport kpid up ans hashsum kam_alg i ha1
	users=$((PX_CALLERS + MSG_CALLEES + INV_CALLEES))
	echo
	echo "MESSAGE and forked INVITE over UDP with proxy digest auth (407), $PX_CALLERS callers," \
		"$MSG_CALLEES MESSAGE callees (1 device), $INV_CALLEES INVITE callees (2 devices: 200 / rings," \
		"CANCELled), ${PX_SECS}s per run, window $PX_WINDOW, fixed load MESSAGE $MSG_RATE/s," \
		"INVITE $INV_RATE/s ($(nproc) cores)"
	d=$tmp/px-data
	"$SIPBOX" --data "$d" settings set domain "$REALM" >/dev/null
	for i in $(seq "$users"); do
		"$SIPBOX" --data "$d" user add "user$i" --password "$PW" >/dev/null
	done
	"$SIPBOX" --data "$d" --domain "$REALM" --sip 127.0.0.1:0 --http 127.0.0.1:0 \
		>"$tmp/sipbox-px.log" 2>&1 & pids+=($!); sbx=$!
	for _ in $(seq 100); do grep -q 'ready: data' "$tmp/sipbox-px.log" && break; sleep 0.1; done
	port=$(sed -n 's/.*sip: listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/sipbox-px.log")
	[ -n "$port" ] || { echo "bench: sipbox did not start"; cat "$tmp/sipbox-px.log"; exit 1; }
	px_server sipbox "$sbx" "$port"
	echo "sipbox: log lines: $(wc -l <"$tmp/sipbox-px.log"), warnings:" \
		"$(grep -v ' info: ' "$tmp/sipbox-px.log" | sed 's/^[^ ]* //' | sort | uniq -c | sort -rn | head -5 | tr -s ' ' | paste -sd';' -)"
	stop_tree "$sbx"

	if ! board/setup-host.sh kamailio kamailio-sqlite-modules sqlite3 >"$tmp/setup.log" 2>&1 ||
		! command -v kamailio >/dev/null; then
		echo "kamailio: not installed (board/setup-host.sh kamailio kamailio-sqlite-modules sqlite3):"
		cat "$tmp/setup.log"
		px_summary sipbox
		return 0
	fi
	hashsum=md5sum kam_alg=()
	[ "$KAM_SHA256" = 1 ] && hashsum=sha256sum kam_alg=(-A AUTH_SHA256)
	k=$tmp/kamailio-px
	mkdir -p "$k/run"
	db=$k/kamailio.sqlite
	{
		cat /usr/share/kamailio/db_sqlite/standard-create.sql \
			/usr/share/kamailio/db_sqlite/auth_db-create.sql \
			/usr/share/kamailio/db_sqlite/usrloc-create.sql
		echo "PRAGMA journal_mode=WAL; BEGIN;"
		for i in $(seq "$users"); do
			ha1=$(printf '%s' "user$i:$REALM:$PW" | $hashsum | cut -d' ' -f1)
			echo "INSERT INTO subscriber (username, domain, password, ha1) VALUES ('user$i', '$REALM', '', '$ha1');"
		done
		echo "COMMIT;"
	} | sqlite3 "$db" >/dev/null
	kport=$("$B/sipload" --free-port)
	kamailio -DD -E -f tests/bench/kamailio/proxy.cfg -l "udp:127.0.0.1:$kport" \
		-n "$KAM_CHILDREN" -m 64 -M 8 -Y "$k/run" -A "DBURL=\"sqlite://$db\"" \
		-A "DBJOURNAL=\"$db=WAL;\"" -A "CTL_SOCK=\"unix:$k/run/ctl\"" -A "DOMAIN=\"$REALM\"" \
		"${kam_alg[@]}" >"$k/log" 2>&1 & pids+=($!); kpid=$!
	up=
	for _ in $(seq 100); do
		[ -d "/proc/$kpid" ] || break
		ans=$("$B/sipload" 127.0.0.1 "$kport" 0.1 0 1 | field answered)
		[ "${ans:-0}" -gt 0 ] && { up=1; break; }
	done
	if [ -z "$up" ]; then
		echo "kamailio: did not start"; tail -20 "$k/log"; stop_tree "$kpid"
		px_summary sipbox
		return 0
	fi
	echo "kamailio: tests/bench/kamailio/proxy.cfg, usrloc in memory, $KAM_CHILDREN UDP workers," \
		"-m 64, $(tree "$kpid" | wc -l) processes"
	px_server kamailio "$kpid" "$kport"
	echo "kamailio: errors logged: $(grep -c ERROR "$k/log" || true)" \
		"$(grep ERROR "$k/log" | sed 's/^[^:]*: //; s/([0-9a-fx, ]*)//g' | sort | uniq -c | sort -rn | head -3 | tr -s ' ' | paste -sd';' -)"
	stop_tree "$kpid"
	px_summary sipbox kamailio
	px_ratio sipbox kamailio
}

"$B/sipload" --hash-test >"$tmp/hash-test.log" || { cat "$tmp/hash-test.log"; exit 1; }
[[ " $PARTS " != *" register "* ]] || register_part
[[ " $PARTS " != *" message "* && " $PARTS " != *" invite "* ]] || proxy_part
