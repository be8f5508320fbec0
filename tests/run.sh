#!/usr/bin/env bash
# make test: every stage, each logged to build/test-logs/STAGE.log. A stage
# that prints "N passed, N failed" adds its counts; any other stage counts
# as one test (passed when it exits 0). Ends with the totals line.
#
# Stages: native build, unit tests, interop with real SIP clients, store
# crash test, command line, smoke
# run; unit tests and smoke run again under ASan+UBSan (glibc build); the
# allnoconfig / defconfig / allyesconfig builds with their unit tests; and
# per cross board: build, static check, unit tests and smoke run under
# qemu-user. SIPBOX_TEST_BOARDS limits the boards (default: all).
set -u
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)
LOGS=build/test-logs
rm -rf "$LOGS"; mkdir -p "$LOGS"
PASSED=0 FAILED=0 SKIPPED=0
FAILED_NAMES=()

stage() { # stage NAME COMMAND...
	local name=$1; shift
	local log="$LOGS/$name.log" rc counts p f
	local t0=$SECONDS
	"$@" >"$log" 2>&1; rc=$?
	counts=$(grep -E '^[0-9]+ passed, [0-9]+ failed' "$log" | tail -1)
	if [ -n "$counts" ]; then
		p=${counts%% passed*}; f=${counts#*passed, }; f=${f%% failed*}
		[ "$rc" != 0 ] && [ "$f" = 0 ] && f=1   # crashed after its totals
	elif [ "$rc" = 0 ]; then p=1 f=0
	else p=0 f=1
	fi
	PASSED=$((PASSED + p)); FAILED=$((FAILED + f))
	if [ "$f" = 0 ]; then
		printf 'ok   %-28s %4s passed  (%ss)\n' "$name" "$p" $((SECONDS - t0))
	else
		printf 'FAIL %-28s %4s passed, %s failed  (%ss, log %s)\n' "$name" "$p" "$f" $((SECONDS - t0)) "$log"
		grep -E '^FAIL|check failed|error' "$log" | head -20 | sed 's/^/     /'
		FAILED_NAMES+=("$name")
	fi
	return "$rc"
}

skip() { # skip NAME WHY
	SKIPPED=$((SKIPPED + 1))
	printf 'skip %-28s %s\n' "$1" "$2"
}

board_qemu() { ( . "board/$1/board.conf"; echo "$QEMU" ); }

is_static() { file -L "$1" | grep -q 'statically linked'; }

run_board() { # run_board BOARD
	local b=$1 q out=build/$1
	q=$(board_qemu "$b")
	if ! stage "build-$b" make -j"$JOBS" BOARD="$b"; then
		for s in static unit cli users smoke sip registrar proxy-juliet proxy-message tls-cert; do skip "$s-$b" "the $b build failed"; done
		return
	fi
	stage "static-$b" is_static "$out/sipbox"
	# shellcheck disable=SC2086
	stage "unit-$b" $q "$out/sipbox-unit"
	# shellcheck disable=SC2086
	stage "cli-$b" tests/cli.sh "$out/sipbox" $q
	# shellcheck disable=SC2086
	stage "users-$b" tests/users_cli.sh "$out/sipbox" $q
	# shellcheck disable=SC2086
	stage "smoke-$b" tests/smoke.sh "$out/sipbox" $q
	# shellcheck disable=SC2086
	stage "sip-$b" tests/sip_sipsak.sh "$out/sipbox" $q
	# shellcheck disable=SC2086
	stage "registrar-$b" tests/registrar.sh "$out/sipbox" $q
	# shellcheck disable=SC2086
	stage "proxy-juliet-$b" tests/proxy_juliet.sh "$out/sipbox" $q
	# shellcheck disable=SC2086
	stage "proxy-message-$b" tests/proxy_message.sh "$out/sipbox" $q
	# shellcheck disable=SC2086
	stage "tls-cert-$b" tests/tls_cert.sh "$out/sipbox" $q
}

run_config() { # run_config NAME: x86_64 build of an alternative configuration
	local o=build/cfg-$1
	mkdir -p "$o"
	# Two makes: the first writes the .config that the second reads.
	if stage "config-$1" sh -c "make O=$o BOARD=x86_64 $1 && make -j$JOBS O=$o BOARD=x86_64 all"; then
		stage "unit-$1" "$o/sipbox-unit"
	else
		skip "unit-$1" "the $1 build failed"
	fi
}

echo "sipbox tests, logs in $LOGS"
stage format make --no-print-directory format-check
run_board x86_64
# Interop with SIP clients we didn't write (Debian packages, see board/setup-host.sh).
for c in baresip linphone sipsak sipvicious proxy; do
	if [ -x build/x86_64/sipbox ]; then
		stage "interop-$c" "tests/interop_$c.sh" build/x86_64/sipbox
	else
		skip "interop-$c" "the x86_64 build failed"
	fi
done
if [ -x build/x86_64/sipbox ]; then
	stage interop-proxy-tcp env PROXY_BOB_TRANSPORT=tcp tests/interop_proxy.sh build/x86_64/sipbox
else
	skip interop-proxy-tcp "the x86_64 build failed"
fi
if [ -x build/x86_64/store-crash ]; then
	crashdir=$(mktemp -d)
	stage store-crash build/x86_64/store-crash "$crashdir/data" 20
	rm -rf "$crashdir"
else
	skip store-crash "the x86_64 build failed"
fi

if stage build-asan make -j"$JOBS" O=build/asan BOARD=x86_64 TOOLCHAIN=host SANITIZE=1 all; then
	stage unit-asan env ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 build/asan/sipbox-unit
	stage smoke-asan tests/smoke.sh build/asan/sipbox
	stage sip-asan tests/sip_sipsak.sh build/asan/sipbox
	stage registrar-asan tests/registrar.sh build/asan/sipbox
	stage proxy-juliet-asan tests/proxy_juliet.sh build/asan/sipbox
	stage proxy-message-asan tests/proxy_message.sh build/asan/sipbox
	stage tls-cert-asan tests/tls_cert.sh build/asan/sipbox
else
	for s in unit-asan smoke-asan sip-asan registrar-asan proxy-juliet-asan proxy-message-asan tls-cert-asan; do skip $s "the sanitizer build failed"; done
fi

stage fuzz make --no-print-directory BOARD=x86_64 fuzz-check

for c in allnoconfig defconfig allyesconfig; do run_config "$c"; done

for b in ${SIPBOX_TEST_BOARDS:-aarch64 armv7 mipsel_24kc mips_24kc}; do run_board "$b"; done

if [ ${#FAILED_NAMES[@]} -gt 0 ]; then echo "failed stages: ${FAILED_NAMES[*]}"; fi
if [ "$SKIPPED" -gt 0 ]; then
	echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
else
	echo "$PASSED passed, $FAILED failed"
fi
[ "$FAILED" -eq 0 ] && [ "$SKIPPED" -eq 0 ]
