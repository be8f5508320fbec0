#!/usr/bin/env bash
# The user commands: add, passwd, del, list, ring-plan, with one-line errors and exit
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

# Ring plans: set, show, clear; every refusal is one line, exit 2, and
# stores nothing.
rp() { "${run[@]}" --data "$d" user ring-plan "$@"; }
out=$(rp alice); rc=$?
check "ring-plan show without a plan" test "$rc" = 0
check "ring-plan show says q-values decide" grep -qx 'no ring plan: devices ring by q-value' <<<"$out"
out=$(rp alice set urn:uuid:aaa,urn:uuid:bbb/20 urn:uuid:ccc/15 @bob/30); rc=$?
check "ring-plan set" test "$rc" = 0
check "ring-plan set prints the plan" grep -qx 'ring plan of alice: urn:uuid:aaa,urn:uuid:bbb/20 urn:uuid:ccc/15 @bob/30' <<<"$out"
plan='urn:uuid:aaa,urn:uuid:bbb/20 urn:uuid:ccc/15 @bob/30'
check "ring-plan show prints it back exactly" test "$(rp alice)" = "$plan"
out=$(rp alice set "$(rp alice)"); rc=$?
check "ring-plan show's text is accepted as one argument" test "$rc:$(rp alice)" = "0:$plan"
for bad in "set urn:uuid:a/0|1 to 600 seconds" "set urn:uuid:a/601|1 to 600 seconds" \
	"set urn:uuid:a/abc|1 to 600 seconds" "set bogus|a device is" "set <urn:uuid:a>|without <>" \
	"set urn:uuid:a urn:uuid:a|named twice" "set @bob urn:uuid:a|must be the last" \
	"set */20 @bob @alice|more than one @USER" "set */20 @alice|is the user itself" \
	"set */20 @nobody|no user 'nobody'" "set 1 2 3 4 5 6 7 8 9|a device is" \
	"set u:1 u:2|a device is" \
	"set urn:uuid:1 urn:uuid:2 urn:uuid:3 urn:uuid:4 urn:uuid:5 urn:uuid:6 urn:uuid:7 urn:uuid:8 urn:uuid:9|more than 8 groups" \
	"set urn:uuid:1,urn:uuid:2,urn:uuid:3,urn:uuid:4,urn:uuid:5,urn:uuid:6,urn:uuid:7,urn:uuid:8,urn:uuid:9,urn:uuid:10,urn:uuid:11,urn:uuid:12,urn:uuid:13,urn:uuid:14,urn:uuid:15,urn:uuid:16,urn:uuid:17|more than 16 devices" \
	"set|expected 'user ring-plan USER'" "frob|expected 'user ring-plan USER'"; do
	args=${bad%%|*}; re=${bad#*|}
	# shellcheck disable=SC2086
	expect "ring-plan refuses '${args:0:30}'" 2 "$re" --data "$d" user ring-plan alice $args
done
expect "ring-plan refuses an empty plan" 2 "empty ring plan" --data "$d" user ring-plan alice set ''
check "refusals stored nothing" test "$(rp alice)" = "$plan"
expect "ring-plan of an unknown user" 2 "no user 'zed'" --data "$d" user ring-plan zed
expect "ring-plan set for an unknown user" 2 "no user 'zed'" --data "$d" user ring-plan zed set '*'
expect "ring-plan clear for an unknown user" 2 "no user 'zed'" --data "$d" user ring-plan zed clear
expect "ring-plan set for a bad name" 2 "no user 'a b'" --data "$d" user ring-plan 'a b' set '*'
expect "ring-plan refusal for bob" 2 "is the user itself" --data "$d" user ring-plan bob set @bob
check "a refused first plan stored nothing" grep -qx 'no ring plan.*' <<<"$(rp bob)"
out=$(rp bob set '*' sip:bob@192.0.2.9:5060); rc=$?
check "ring-plan set with defaults" test "$rc" = 0
check "ring-plan defaults to 20 s" test "$(rp bob)" = '*/20 sip:bob@192.0.2.9:5060/20'
out=$(rp bob clear); rc=$?
check "ring-plan clear" test "$rc" = 0
check "ring-plan clear says so" grep -q '^ring plan of bob removed' <<<"$out"
check "ring-plan cleared" grep -qx 'no ring plan: devices ring by q-value' <<<"$(rp bob)"
out=$(rp bob clear); rc=$?
check "ring-plan clear without a plan is fine" test "$rc" = 0
check "ring-plan clear without a plan says so" grep -q 'bob has no ring plan' <<<"$out"
"${run[@]}" --data "$d" user del alice >/dev/null
"${run[@]}" --data "$d" user add alice --password "$pw" >/dev/null
check "user del removed the ring plan" grep -qx 'no ring plan: devices ring by q-value' <<<"$(rp alice)"
printf '%s\n' "$pw2" | "${run[@]}" --data "$d" user passwd alice >/dev/null

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
