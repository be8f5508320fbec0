# shellcheck shell=bash
# Shared by tests/interop_*.sh: interop with SIP clients we didn't write.
# Source it after setting nothing; then call `interop_init "$@"` with the
# script's arguments (SIPBOX [QEMU...]). It provides:
#   $tmp                    a fresh temp dir, removed on exit
#   sb ARGS...              the sipbox command line on $tmp/data
#   sb_users                the domain office.example, users alice/alicepw
#                           and bob/bobpw (before the server starts)
#   sb_start                starts the server: $SB_PID, $SIP_PORT (UDP and
#                           TCP), $TLS_PORT, log in $tmp/sipbox.log
#   sb_stop                 SIGTERM to the server, by PID
#   sb_bindings USER        `sipbox user show USER`: the binding lines
#   wait_binding USER TRANSPORT SECONDS
#                           0 once USER has a binding with that transport
#   free_port [N]           a port P such that P..P+N-1 (default 1) are free
#                           for UDP and TCP on 127.0.0.1
#   spawn NAME SECONDS CMD...  runs CMD in the background under timeout, its
#                           output in $tmp/NAME.out, its PID in $BG_PID; all
#                           of them are killed by PID on exit
#   stop_pid PID            TERM, then KILL after 3 s
# Every client runs under `timeout`; everything listens on 127.0.0.1 with
# ports picked at run time; nothing is killed by name.
#
# INTEROP_KEEP=1 keeps the temp dir (logs, client configs and outputs).
# INTEROP_STANDIN (private, for validating the scripts without sipbox's
# registrar): a file sourced at the end that may redefine sb_users,
# sb_start, sb_stop and sb_bindings to drive another registrar instead.
. "$(dirname "${BASH_SOURCE[0]}")/../lib.sh"

DOMAIN=office.example
PIDS=()

interop_init() { # interop_init SIPBOX [QEMU...]
	bin=$1; shift
	run=("$@" "$bin")
	tmp=$(mktemp -d)
	SB_PID=
	trap interop_cleanup EXIT
	trap 'exit 130' INT TERM
}

interop_cleanup() {
	local p
	for p in "${PIDS[@]}" $SB_PID; do
		kill -TERM "$p" 2>/dev/null
	done
	sleep 0.2
	for p in "${PIDS[@]}" $SB_PID; do
		kill -KILL "$p" 2>/dev/null
	done
	if [ -n "${INTEROP_KEEP:-}" ]; then echo "# kept $tmp"; else rm -rf "$tmp"; fi
}

stop_pid() { # stop_pid PID: TERM, KILL after 3 s; returns the exit status
	local p=$1
	kill -TERM "$p" 2>/dev/null
	for _ in $(seq 30); do
		kill -0 "$p" 2>/dev/null || break
		sleep 0.1
	done
	kill -KILL "$p" 2>/dev/null
	wait "$p" 2>/dev/null
}

spawn() { # spawn NAME SECONDS CMD...: background, bounded, output in $tmp/NAME.out
	local name=$1 secs=$2; shift 2
	# <&0: an & command would otherwise get /dev/null as its stdin
	timeout -k 3 "$secs" "$@" <&0 >"$tmp/$name.out" 2>&1 &
	BG_PID=$!
	PIDS+=("$BG_PID")
}

# shellcheck disable=SC2120 # (callers may leave N out)
free_port() { # free_port [N]: P such that P..P+N-1 are free (UDP and TCP)
	/usr/bin/python3 - "${1:-1}" <<'EOF'
import socket, sys
n = int(sys.argv[1])
for _ in range(200):
    s = socket.socket(); s.bind(("127.0.0.1", 0)); p = s.getsockname()[1]; s.close()
    if p + n > 65535:
        continue
    socks = []
    try:
        for q in range(p, p + n):
            for kind in (socket.SOCK_STREAM, socket.SOCK_DGRAM):
                t = socket.socket(socket.AF_INET, kind); socks.append(t)
                t.bind(("127.0.0.1", q))
    except OSError:
        continue
    finally:
        for t in socks: t.close()
    print(p); sys.exit(0)
sys.exit(1)
EOF
}

linphone_rc() { # linphone_rc FILE SIP_PORT TCP_PORT TLS_PORT RTP_PORT PROXY: alice's linphonec config
	cat >"$1" <<EOF
[sip]
sip_port=$2
sip_tcp_port=$3
sip_tls_port=$4
default_proxy=0
register_only_when_network_is_up=0
verify_server_certs=0
verify_server_cn=0
ipv6_enabled=0
[rtp]
audio_rtp_port=$5
video_rtp_port=$(($5 + 2))
[proxy_0]
reg_proxy=$6
reg_route=$6
reg_identity="alice" <sip:alice@$DOMAIN>
reg_expires=300
reg_sendregister=1
publish=0
[auth_info_0]
username=alice
userid=alice
passwd=alicepw
realm=$DOMAIN
domain=$DOMAIN
EOF
}

sb() { "${run[@]}" --data "$tmp/data" "$@"; }

sb_users() { # the domain first: a password is bound to the realm (core/cli.c)
	sb settings set domain "$DOMAIN" >/dev/null &&
		sb user add alice --password alicepw >/dev/null &&
		sb user add bob --password bobpw >/dev/null
}

sb_start() { # starts sipbox; sets SB_PID SIP_PORT TLS_PORT
	"${run[@]}" --data "$tmp/data" --domain "$DOMAIN" --sip 127.0.0.1:0 --sips 127.0.0.1:0 \
		--http 127.0.0.1:0 >"$tmp/sipbox.log" 2>&1 &
	SB_PID=$!
	if ! wait_for_line "$tmp/sipbox.log" 'ready: data' 60; then
		cat "$tmp/sipbox.log"
		return 1
	fi
	SIP_PORT=$(sed -n 's/.*sip: listening on 127.0.0.1:\([0-9]*\) (UDP and TCP).*/\1/p' "$tmp/sipbox.log" | head -1)
	TLS_PORT=$(sed -n 's/.*sip: TLS listening on 127.0.0.1:\([0-9]*\).*/\1/p' "$tmp/sipbox.log" | head -1)
	[ -n "$SIP_PORT" ] && [ -n "$TLS_PORT" ]
}

sb_stop() {
	[ -n "$SB_PID" ] || return 0
	kill -TERM "$SB_PID" 2>/dev/null
	wait "$SB_PID"
	local rc=$?
	SB_PID=
	return $rc
}

sb_bindings() { # sb_bindings USER: one line per binding
	sb user show "$1" 2>&1 | grep '^binding '
}

wait_binding() { # wait_binding USER TRANSPORT SECONDS
	for _ in $(seq 1 $(($3 * 5))); do
		sb_bindings "$1" | grep -qE " transport=$2( |\$)" && return 0
		sleep 0.2
	done
	return 1
}

# start_or_bail: sb_users + sb_start, or one failed check and exit.
start_or_bail() {
	if ! sb_users; then
		fail "sipbox: domain and users set up"; totals; exit 1
	fi
	if ! sb_start; then
		fail "sipbox starts and logs its SIP and TLS ports"; totals; exit 1
	fi
}

if [ -n "${INTEROP_STANDIN:-}" ]; then
	# shellcheck disable=SC1090
	. "$INTEROP_STANDIN"
fi
