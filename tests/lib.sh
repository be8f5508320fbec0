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
