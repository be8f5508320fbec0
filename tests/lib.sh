# Shared by the shell tests: result lines and totals in the format of
# tests/run.sh ("ok - name", "FAIL - name: why", "N passed, N failed").
T_PASS=0
T_FAIL=0
ok() { T_PASS=$((T_PASS + 1)); echo "ok - $1"; }
fail() { T_FAIL=$((T_FAIL + 1)); echo "FAIL - $1"; }
check() { # check NAME COMMAND...: passes when the command succeeds
	local name=$1; shift
	if "$@"; then ok "$name"; else fail "$name"; fi
}
totals() { echo "$T_PASS passed, $T_FAIL failed"; [ "$T_FAIL" -eq 0 ]; }

# http_get HOST PORT PATH: prints the whole response (bash /dev/tcp, no curl).
http_get() {
	local resp
	exec 9<>"/dev/tcp/$1/$2" || return 1
	printf 'GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n' "$3" "$1" >&9
	resp=$(timeout 10 cat <&9)
	exec 9<&-
	printf '%s' "$resp"
}

# wait_for_line FILE REGEX SECONDS: 0 once a line matches
wait_for_line() {
	local i
	for i in $(seq 1 $(($3 * 10))); do
		grep -qE "$2" "$1" 2>/dev/null && return 0
		sleep 0.1
	done
	return 1
}

# sip_exchange HOST PORT [tcp|udp] < REQUEST: sends one SIP request and
# prints the first response, as soon as it is complete (headers and
# Content-Length body), or what came within 3 s. python3 only because
# bash's /dev/udp splits large datagrams and /dev/tcp cannot tell where a
# response ends.
sip_exchange() {
	/usr/bin/python3 -c '
import socket, sys
host, port, proto = sys.argv[1], int(sys.argv[2]), sys.argv[3]
fam = socket.AF_INET6 if ":" in host else socket.AF_INET
kind = socket.SOCK_DGRAM if proto == "udp" else socket.SOCK_STREAM
s = socket.socket(fam, kind); s.settimeout(3)
data = sys.stdin.buffer.read()
got = b""
try:
    if proto == "udp":
        s.sendto(data, (host, port)); got = s.recv(65536)
    else:
        s.connect((host, port)); s.sendall(data)
        while True:
            head, sep, body = got.partition(b"\r\n\r\n")
            if sep:
                n = 0
                for line in head.split(b"\r\n"):
                    k, _, v = line.partition(b":")
                    if k.strip().lower() in (b"content-length", b"l"):
                        n = int(v)
                if len(body) >= n:
                    got = head + sep + body[:n]
                    break
            chunk = s.recv(65536)
            if not chunk:
                break
            got += chunk
except OSError:
    pass
sys.stdout.write(got.decode("latin-1"))' "$1" "$2" "${3:-tcp}"
}
