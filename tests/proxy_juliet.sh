#!/usr/bin/env bash
# The seed's Juliet scenario (draft-mahy-simple-why-session-mode-00, 3)
# against the forking proxy of the real binary, over UDP on loopback.
# Juliet has registered from her chamber (q=1.0), her balcony (q=0.9) and
# her PDA (q=0.4); the Nurse (user nurse) is her last resort. Romeo
# (a local user: sipbox challenges his INVITE with 407) calls
# sip:juliet@office.example; chamber and balcony ring until the ring time
# is over and are CANCELled, the PDA answers 486 Busy Here, the Nurse
# answers 200; Romeo ACKs and hangs up over the route set.
# Run twice, with a fresh store each time:
#  (a) q-values only: the Nurse's device is also a contact of juliet with
#      q=0.1; chamber, balcony, PDA and Nurse ring one after the other;
#  (b) a ring plan: balcony and chamber together, then the PDA, then
#      @nurse (`sipbox user ring-plan juliet set PLAN`, devices named by
#      their +sip.instance URNs).
# The user agents are tests/sip_ua.py (one process, five UAs, each on a
# port the OS picks). The ring time is `settings set proxy_ring_s 2` when
# sipbox has that setting, else its default of 20 s.
# tests/proxy_juliet_fake.py (NOT sipbox) stands in for sipbox to test the
# harness itself: tests/proxy_juliet.sh tests/proxy_juliet_fake.py
# Usage: tests/proxy_juliet.sh SIPBOX [QEMU...]  (JULIET_KEEP=1 keeps the logs in /tmp/juliet-keep)
set -u
. "$(dirname "$0")/lib.sh"
bin=$1; shift
QEMU=("$@")
ua_py="$(dirname "$0")/sip_ua.py"
tmp=$(mktemp -d)
pid="" upid=""
cleanup() {
	[ -n "$upid" ] && kill -KILL "$upid" 2>/dev/null
	[ -n "$pid" ] && kill -KILL "$pid" 2>/dev/null
	[ -n "${JULIET_KEEP:-}" ] && cp -r "$tmp" /tmp/juliet-keep
	rm -rf "$tmp"
}
trap cleanup EXIT
D=office.example
WANT_RING=${PROXY_JULIET_RING:-2} # s; the environment may ask for another
PASSWORDS=(--password romeo=romeo-pw --password juliet=juliet-pw --password nurse=nurse-pw)

uuid() { python3 -c 'import uuid; print("urn:uuid:%s" % uuid.uuid4())'; }
CHAMBER=$(uuid) BALCONY=$(uuid) PDA=$(uuid) NURSE=$(uuid)

cli() { local data=$1; shift; "${QEMU[@]}" "$bin" --data "$data" "$@"; }

start() { # start DATA LOG: the server on a fresh port; sets pid, port
	"${QEMU[@]}" "$bin" --data "$1" --domain $D --sip 127.0.0.1:0 --http 127.0.0.1:0 >"$2" 2>&1 &
	pid=$!
	if ! wait_for_line "$2" 'ready: data' 60; then
		fail "sipbox starts"; cat "$2"; return 1
	fi
	port=$(sed -n 's/.*sip: listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$2" | head -1)
	[ -n "$port" ]
}

stop() { # SIGTERM, then SIGKILL after 5 s; returns the exit status
	local rc
	[ -n "$pid" ] || return 0
	kill -TERM "$pid" 2>/dev/null
	for _ in $(seq 1 50); do kill -0 "$pid" 2>/dev/null || break; sleep 0.1; done
	kill -KILL "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null; rc=$?
	pid=
	return $rc
}

RING=
run() { # run a|b
	local run=$1 mode data="$tmp/$1" out="$tmp/$1.ua" go="$tmp/$1.go" show plan err n
	[ "$run" = a ] && mode=q || mode=plan
	echo "# ($run) $([ $mode = q ] && echo 'q-values only' || echo 'a ring plan')"
	cli "$data" settings set domain $D >/dev/null
	if cli "$data" settings set proxy_ring_s "$WANT_RING" >/dev/null 2>"$tmp/err"; then
		RING=$WANT_RING
	else
		RING=20
		echo "# note: this sipbox has no proxy_ring_s setting ($(cat "$tmp/err")); assuming its default ring time of 20 s"
	fi
	for u in romeo juliet nurse; do cli "$data" user add $u --password $u-pw >/dev/null; done
	start "$data" "$tmp/$run.log" || return
	local budget
	budget=$(python3 -c "print(($([ $mode = q ] && echo 3 || echo 2)) * $RING + 12)")
	timeout $((${budget%.*} + 30)) python3 "$ua_py" juliet --proxy 127.0.0.1:"$port" --domain $D \
		--mode $mode --ring "$RING" --timeout "$budget" --go-file "$go" "${PASSWORDS[@]}" \
		--instance chamber="$CHAMBER" --instance balcony="$BALCONY" \
		--instance pda="$PDA" --instance nurse="$NURSE" >"$out" 2>&1 &
	upid=$!
	if ! wait_for_line "$out" '^registered' 20; then
		fail "($run) the user agents register"; cat "$out"
		kill -KILL "$upid" 2>/dev/null; wait "$upid" 2>/dev/null; upid=; stop
		return
	fi

	# The bindings as sipbox has them: user show.
	show=$(cli "$data" user show juliet)
	n=$([ $mode = q ] && echo 4 || echo 3)
	check "($run) user show juliet lists $n devices" test "$(grep -c '^binding <' <<<"$show")" = "$n"
	check "($run) chamber q=1.0 with its instance" grep -q "q=1.0 .*${CHAMBER#urn:uuid:}" <<<"$show"
	check "($run) balcony q=0.9 with its instance" grep -q "q=0.9 .*${BALCONY#urn:uuid:}" <<<"$show"
	check "($run) PDA q=0.4 with its instance" grep -q "q=0.4 .*${PDA#urn:uuid:}" <<<"$show"
	if [ $mode = q ]; then
		check "(a) the Nurse's device as juliet's contact with q=0.1" grep -q "q=0.1 " <<<"$show"
	fi
	check "($run) user show nurse lists the Nurse's device" grep -q "${NURSE#urn:uuid:}" <<<"$(cli "$data" user show nurse)"
	sed 's/^/#   /' <<<"$show"

	if [ $mode = plan ]; then
		plan="$BALCONY,$CHAMBER/$RING $PDA/$RING @nurse/$RING"
		if ! err=$(cli "$data" user ring-plan juliet set "$plan" 2>&1); then
			fail "(b) sipbox user ring-plan juliet set PLAN failed, so the ring-plan run cannot be done (is 'user ring-plan' in this sipbox?): $err"
			kill -KILL "$upid" 2>/dev/null; wait "$upid" 2>/dev/null; upid=; stop
			return
		fi
		echo "# ring plan: $plan"
	fi
	touch "$go"
	wait "$upid"; local rc=$?; upid=
	# The trace goes to the log, each check through lib.sh.
	grep -v '^CHECK' "$out" | sed 's/^/#/'
	while IFS=$'\t' read -r _ verdict name; do
		if [ "$verdict" = ok ]; then ok "($run) $name"; else fail "($run) $name"; fi
	done < <(grep '^CHECK' "$out")
	grep -q '^CHECK' "$out" || fail "($run) the scenario ran (sip_ua.py exited $rc with no verdicts)"
	stop; rc=$?
	check "($run) sipbox stops cleanly on SIGTERM ($rc)" test $rc = 0
	if grep -qiE 'assert|sanitizer|segmentation' "$tmp/$run.log"; then
		fail "($run) sipbox's log is clean"; cat "$tmp/$run.log"
	fi
}

run a
run b
totals
