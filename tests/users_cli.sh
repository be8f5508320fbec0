#!/usr/bin/env bash
# The user commands: add, passwd, del, list, with one-line errors and exit
# code 2, and no plaintext password in the store. Usage:
# tests/users_cli.sh SIPBOX [QEMU...]
set -u
. "$(dirname "$0")/lib.sh"
bin=$1; shift
run=("$@" "$bin")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
d=$tmp/data

expect() { # expect NAME STATUS REGEX ARGS...: exit status and one-line stderr
	local name=$1 want=$2 re=$3; shift 3
	local out rc
	out=$("${run[@]}" "$@" 2>&1 >/dev/null </dev/null); rc=$?
	if [ "$rc" = "$want" ] && grep -qE -- "$re" <<<"$out" && [ "$(wc -l <<<"$out")" -le 1 ]; then
		ok "$name"
	else
		fail "$name (exit $rc, stderr: $out)"
	fi
}

pw='Tr0ub4dor&3-horse'
pw2='correct battery staple'

expect "no domain: says how to set it" 2 "set the domain first: sipbox settings set domain NAME" \
	--data "$d" user add alice --password "$pw"
"${run[@]}" --data "$d" settings set domain office.example >/dev/null
out=$("${run[@]}" --data "$d" user add alice --password "$pw"); rc=$?
check "user add" test "$rc" = 0
check "user add says so" grep -q '^user alice added (realm office.example' <<<"$out"
expect "duplicate add refused" 2 "user 'alice' exists" --data "$d" user add alice --password x
out=$(printf '%s\n' "$pw2" | "${run[@]}" --data "$d" user add bob); rc=$?
check "user add reads the password from stdin" test "$rc" = 0
for n in 'a b' 'a@b' 'a:b' 'a/b' 'x%41' "$(printf 'x%.0s' $(seq 65))"; do
	expect "bad name '${n:0:12}' refused" 2 "is not a valid user name" --data "$d" user add "$n" --password x
done
expect "empty password refused" 2 "empty password" --data "$d" user add carol --password ''
out=$(printf '\n' | "${run[@]}" --data "$d" user add carol 2>&1 >/dev/null); rc=$?
check "empty password from stdin refused" test "$rc" = 2
check "empty password from stdin says so" grep -q 'empty password' <<<"$out"

out=$("${run[@]}" --data "$d" user list)
check "list shows alice" grep -qE '^alice	added [0-9]{4}-' <<<"$out"
check "list shows bob" grep -qE '^bob	added ' <<<"$out"
check "list has no carol" test "$(wc -l <<<"$out")" = 2

out=$(printf '%s\n' "$pw2" | "${run[@]}" --data "$d" user passwd alice); rc=$?
check "passwd from stdin" test "$rc" = 0
check "passwd says so" grep -q '^user alice has a new password' <<<"$out"
expect "passwd of unknown user" 2 "no user 'nobody'" --data "$d" user passwd nobody --password x
expect "usage error" 2 "expected 'user add" --data "$d" user frob

expect "domain change refused while users exist" 2 \
	"settings set domain: 2 users exist: their passwords are bound to the realm" \
	--data "$d" settings set domain other.example
out=$("${run[@]}" --data "$d" settings set domain office.example); rc=$?
check "setting the same domain again is fine" test "$rc" = 0

absent() { [ -s "$d/sipbox.mdb" ] && ! grep -qaF -- "$1" "$d/sipbox.mdb"; }
check "the store holds the user names" grep -qaF alice "$d/sipbox.mdb"
check "no plaintext password in the store (add)" absent "$pw"
check "no plaintext password in the store (passwd)" absent "$pw2"

out=$("${run[@]}" --data "$d" user del alice); rc=$?
check "user del" test "$rc" = 0
expect "del of a deleted user" 2 "no user 'alice'" --data "$d" user del alice
expect "del of an unknown user" 2 "no user 'zed'" --data "$d" user del zed
"${run[@]}" --data "$d" user del bob >/dev/null
out=$("${run[@]}" --data "$d" user list)
check "list after deleting everyone" grep -q '^no users yet' <<<"$out"
out=$("${run[@]}" --data "$d" settings set domain other.example); rc=$?
check "domain change allowed once no users exist" test "$rc" = 0
# The server's --domain obeys the same rule as `settings set domain`.
"${run[@]}" --data "$d" user add carol --password c >/dev/null 2>&1
err=$("${run[@]}" --data "$d" --domain third.example --http 127.0.0.1:0 2>&1 >/dev/null); rc=$?
if [ "$rc" = 2 ] && grep -q 'bound to the realm' <<<"$err"; then ok "--domain is refused while users exist"; else fail "--domain is refused while users exist (exit $rc: $err)"; fi
totals
