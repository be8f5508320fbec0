#!/usr/bin/env bash
# The command line: help, version, and one-line errors with exit code 2 for
# bad options and unusable data folders. Usage: tests/cli.sh SIPBOX [QEMU...]
set -u
. "$(dirname "$0")/lib.sh"
bin=$1; shift
run=("$@" "$bin")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

expect() { # expect NAME STATUS REGEX ARGS...: exit status and one-line stderr
	local name=$1 want=$2 re=$3; shift 3
	local out rc
	out=$("${run[@]}" "$@" 2>&1 >/dev/null); rc=$?
	if [ "$rc" = "$want" ] && grep -qE -- "$re" <<<"$out" && [ "$(wc -l <<<"$out")" -le 1 ]; then
		ok "$name"
	else
		fail "$name (exit $rc, stderr: $out)"
	fi
}

out=$("${run[@]}" --help); rc=$?
check "--help exits 0" test $rc = 0
for o in --data --domain --sip --sips --msrp --http --log-level --syslog --version; do
	check "--help documents $o" grep -q -- "$o" <<<"$out"
done
out=$("${run[@]}" --version)
check "--version names sipbox and the libraries" grep -q '^sipbox ' <<<"$out"
check "--version shows LMDB's version" grep -q '^lmdb LMDB 0.9' <<<"$out"
check "--version shows BearSSL's version" grep -q '^bearssl ' <<<"$out"
check "--version lists the features" grep -q '^features:' <<<"$out"

expect "unknown option" 2 "unknown option '--frobnicate'" --frobnicate
expect "option without its value" 2 "--data needs a value" --data
expect "unknown command" 2 "unknown command 'extra'" --data "$tmp/d0" extra
expect "bad log level" 2 "--log-level loud: expected" --log-level loud
expect "bad http address" 2 "--http nowhere: missing :PORT" --http nowhere
expect "names are not resolved" 2 "names are not resolved" --http localhost:80
expect "port out of range" 2 "port must be a number" --http 127.0.0.1:70000
expect "bad --sip address" 2 "--sip 127.0.0.1:99999: port must be" --sip 127.0.0.1:99999
expect "--msrp not built yet says so" 2 "--msrp" --msrp 127.0.0.1:2855
expect "bad domain" 2 "not a valid host name" --data "$tmp/d1" --http 127.0.0.1:0 --domain 'bad domain'
touch "$tmp/file"
expect "data folder is a file" 2 "cannot open store" --data "$tmp/file" --http 127.0.0.1:0
expect "data folder cannot be created" 2 "cannot create data folder" --data /proc/nope/data --http 127.0.0.1:0
out=$("${run[@]}" --data "$tmp/s" settings show)
check "settings show lists the timers with their defaults" grep -q '^sip_t1_ms *500 (default)' <<<"$out"
expect "settings set: unknown name" 2 "no setting 'nope'" --data "$tmp/s" settings set nope 1
expect "settings set: out of range" 2 "sip_t1_ms: out of range: from 100 to 10000" --data "$tmp/s" settings set sip_t1_ms 5
expect "settings set: bad domain" 2 "domain: not a valid host name" --data "$tmp/s" settings set domain 'a b'
out=$("${run[@]}" --data "$tmp/s" settings set sip_t1_ms 250)
check "settings set stores a value" grep -q '^sip_t1_ms = 250' <<<"$out"
check "settings show has it" grep -q '^sip_t1_ms *250 ' <<<"$("${run[@]}" --data "$tmp/s" settings show)"
totals
