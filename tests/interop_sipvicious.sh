#!/usr/bin/env bash
# Interop with an attacker's tools: SIPVicious (Debian sipvicious 0.3.3).
# - svwar (extension enumeration) finds no extension although alice and bob
#   exist: sipbox answers unknown users exactly like known ones (401 to
#   REGISTER, 407 to other requests from its domain). Without --force svwar
#   gives up at once ("replied with an authentication request for an
#   unknown extension"); with --force it compares answers and finds nothing.
# - svcrack against alice with a wordlist that lacks her password, from
#   127.0.0.2 (so that 127.0.0.1, the other clients, is not blocked): sipbox
#   answers 503 with Retry-After once the source failed too often, and
#   finally blocks it (drops its requests) and logs
#   "auth: IP blocked for N s after N failed logins: ADDRESS".
# Usage: tests/interop_sipvicious.sh SIPBOX [QEMU...]
# svcrack quirks: it reads only the first WWW-Authenticate and has no MD5
# fallback: on sipbox's first challenge, SHA-256, it prints "Unknown
# algorithm" and crashes (ha1 unset). So the test runs a copy of its package
# in the temp dir with one function patched (getAuthHeader picks the MD5
# challenge, as RFC 8760 lets a client pick the algorithm it supports); the
# server is not weakened for it. The copy has a second fix: svcrack 0.3.3's
# main() does not pass -b on, so it would send from 127.0.0.1. svcrack stops at the first answer it does
# not know (the 503) and then waits 10 s for more, so it is run in rounds.
# With the default limits (5 failures to throttle, 20 to block) that takes
# minutes, so the test lowers them to 2 and 6 (settings, before the start).
set -u
. "$(dirname "$0")/interop/lib.sh"
interop_init "$@"
sb settings set auth_throttle_after 2 >/dev/null && sb settings set auth_block_after 6 >/dev/null ||
	fail "settings auth_throttle_after and auth_block_after can be set"
start_or_bail
PY=/usr/bin/python3 # Debian's, where the sipvicious package lives

# --- svwar ---
printf '%s\n' alice bob carol 100 101 1000 admin >"$tmp/users.txt"
svwar() { # svwar NAME ARGS...: output in $tmp/NAME.out
	local name=$1; shift
	timeout -k 2 60 svwar -P "$(free_port)" -x 127.0.0.1 -b 127.0.0.1 --domain "$DOMAIN" \
		-d "$tmp/users.txt" -p "$SIP_PORT" "$@" 127.0.0.1 >"$tmp/$name.out" 2>&1
}
svwar svwar-register; rc=$?
check "svwar (REGISTER): ends by itself (exit $rc)" test $rc != 124
check "svwar (REGISTER): unknown extensions get an authentication request, so it gives up" \
	grep -q 'authentication request for an unknown extension' "$tmp/svwar-register.out"
check "svwar (REGISTER): reports no extension" test "$(grep -cE "extension '[^']*' exists" "$tmp/svwar-register.out")" = 0
for m in REGISTER INVITE OPTIONS; do
	svwar "svwar-force-$m" --force -m $m; rc=$?
	out=$tmp/svwar-force-$m.out
	check "svwar --force -m $m: ends by itself (exit $rc)" test $rc != 124
	check "svwar --force -m $m: found nothing" grep -q 'found nothing' "$out"
	check "svwar --force -m $m: reports no extension" test "$(grep -cE "extension '[^']*' exists" "$out")" = 0
done

# --- svcrack ---
sv=$tmp/sv
mkdir -p "$sv" && cp -r /usr/share/sipvicious/sipvicious "$sv/"
"$PY" - "$sv/sipvicious/libs/svhelper.py" <<'EOF'
import sys
p = sys.argv[1]
s = open(p).read()
old = """    _tmp = re.findall(nonceRE, pkt, re.I)
    if _tmp is not None:
        if len(_tmp) > 0:
            return(_tmp[0][1])
    return None
"""
new = """    _tmp = re.findall(nonceRE, pkt, re.I)
    # test patch: the first challenge whose algorithm svcrack knows (MD5);
    # the lookahead lets consecutive challenge lines all match
    for _h in re.findall(r"\\r\\n(www-authenticate|proxy-authenticate): (.+?)(?=\\r\\n)", pkt, re.I):
        if re.search(r'algorithm="?md5"?\\s*(,|$)', _h[1], re.I) or 'algorithm=' not in _h[1].lower():
            return _h[1]
    if _tmp is not None:
        if len(_tmp) > 0:
            return(_tmp[0][1])
    return None
"""
if "def getAuthHeader(pkt):" not in s or old not in s:
    sys.exit("svhelper.py: getAuthHeader not as expected, cannot patch")
i = s.index("def getAuthHeader(pkt):")
j = s.index(old, i)
s = s[:j] + new + s[j + len(old):]
open(p, "w").write(s)
# svcrack.py: main() drops -b (bindingip) instead of passing it on
p = p.replace("libs/svhelper.py", "svcrack.py")
s = open(p).read()
old = "        method=options.method,\n    )\n"
if s.count(old) != 1:
    sys.exit("svcrack.py: the ASipOfRedWine call is not as expected, cannot patch")
s = s.replace(old, "        method=options.method,\n        bindingip=options.bindingip,  # test patch\n    )\n")
open(p, "w").write(s)
EOF
check "svcrack patched in a copy (MD5 challenge, -b)" \
	test "$(grep -l 'test patch' "$sv/sipvicious/libs/svhelper.py" "$sv/sipvicious/svcrack.py" | wc -l)" = 2
for i in $(seq 1 30); do echo "wrong$i"; done >"$tmp/words.txt"
svcrack() { # svcrack NAME: one round from 127.0.0.2 to sipbox, output in $tmp/NAME.out
	PYTHONPATH=$sv timeout -k 2 30 "$PY" -c 'import sys; sys.argv[0] = "svcrack"; from sipvicious.svcrack import main; main()' \
		-v -v -u alice -d "$tmp/words.txt" -P "$(free_port)" -b 127.0.0.2 -x 127.0.0.2 \
		--domain "$DOMAIN" -p "$SIP_PORT" 127.0.0.1 >"$tmp/$1.out" 2>&1
}
deadline=$((SECONDS + ${INTEROP_CRACK_SECONDS:-150}))
round=0
blocked=1
while [ $SECONDS -lt $deadline ]; do
	round=$((round + 1))
	svcrack "svcrack-$round"
	if grep -qE 'auth: IP blocked for [0-9]+ s after [0-9]+ failed logins' "$tmp/sipbox.log"; then
		blocked=0
		break
	fi
done
echo "# svcrack: $round rounds"
cat "$tmp"/svcrack-*.out >"$tmp/svcrack-all.out"
check "svcrack never crashes (no Traceback)" test "$(grep -c Traceback "$tmp/svcrack-all.out")" = 0
check "svcrack tried passwords against the MD5 challenge" grep -q "trying wrong" "$tmp/svcrack-all.out"
check "svcrack is throttled: sipbox answers 503 with Retry-After" \
	grep -qE "SIP/2.0 503 .*Retry-After: [0-9]+" "$tmp/svcrack-all.out"
check "svcrack finds no password" test "$(grep -c 'The password for' "$tmp/svcrack-all.out")" = 0
if [ $blocked = 0 ]; then
	ok "sipbox blocks svcrack's address: $(grep -oE 'auth: IP blocked for [0-9]+ s after [0-9]+ failed logins[^"]*' "$tmp/sipbox.log" | head -1)"
else
	fail "sipbox blocks svcrack's address within ${INTEROP_CRACK_SECONDS:-150} s ($round rounds)"
fi
svcrack svcrack-after; rc=$?
check "once blocked, svcrack gets no answer at all" grep -q 'no server response' "$tmp/svcrack-after.out"
out=$(timeout 20 sipsak -vv -s "sip:127.0.0.1" -r "$SIP_PORT" 2>&1); rc=$?
check "127.0.0.1 is not blocked: sipsak OPTIONS still gets 200 (exit $rc)" test $rc = 0

sb_stop; rc=$?
check "sipbox stops cleanly" test $rc = 0
totals
