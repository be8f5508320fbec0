# shellcheck shell=bash
# Sourced by board/deps.sh and board/toolchain.sh: a private apt set-up
# under the download cache (the machine's own sources and dpkg
# architectures are never touched) and the checksum checks of
# board/checksums.sha256. The caller defines say, die, PROG, APTDIR,
# CHECKSUMS, KEYRING, MIRROR and SUITE before calling these.
APT_UPDATED=0

# apt_setup SOURCES [EXTRA_CONF_LINE]: the private apt folders, its
# sources.list (SOURCES, already formatted lines) and apt.conf.
apt_setup() {
	mkdir -p "$APTDIR/state/lists/partial" "$APTDIR/cache/archives/partial" \
		"$APTDIR/sources.list.d" "$APTDIR/preferences.d"
	[ -f "$APTDIR/state/status" ] || : >"$APTDIR/state/status"
	printf '%s\n' "$1" >"$APTDIR/sources.list"
	{
		echo "Dir::Etc::SourceList \"$APTDIR/sources.list\";"
		echo "Dir::Etc::SourceParts \"$APTDIR/sources.list.d\";"
		echo "Dir::Etc::PreferencesParts \"$APTDIR/preferences.d\";"
		echo "Dir::Etc::Preferences \"$APTDIR/preferences\";"
		echo "Dir::State \"$APTDIR/state\";"
		echo "Dir::State::Lists \"$APTDIR/state/lists\";"
		echo "Dir::State::status \"$APTDIR/state/status\";"
		echo "Dir::Cache \"$APTDIR/cache\";"
		[ -z "${2:-}" ] || echo "$2"
		echo "Acquire::Languages \"none\";"
		[ "$(id -u)" != 0 ] || echo "APT::Sandbox::User \"root\";"
	} >"$APTDIR/apt.conf"
}
apt_q() { APT_CONFIG=$APTDIR/apt.conf apt-get -q "$@"; }
apt_update() {
	say "apt-get update (private lists in $APTDIR)"
	apt_q update >"$APTDIR/update.log" 2>&1 ||
		die "apt-get update failed: $(grep -E '^(E|W):' "$APTDIR/update.log" | tail -n1)"
	touch "$APTDIR/updated"
	APT_UPDATED=1
}
# Lists are refreshed when missing or older than a day.
apt_lists() {
	if [ -z "$(find "$APTDIR/updated" -mmin -1440 2>/dev/null)" ]; then
		apt_update
	fi
}
# apt_in DIR ARGS...: run apt-get in DIR; on failure refresh the lists once
# (the mirror may have moved on) and retry.
apt_in() {
	local d=$1
	shift
	apt_lists
	if (cd "$d" && apt_q "$@") >"$APTDIR/get.log" 2>&1; then return 0; fi
	if [ "$APT_UPDATED" = 0 ]; then
		apt_update
		if (cd "$d" && apt_q "$@") >"$APTDIR/get.log" 2>&1; then return 0; fi
	fi
	die "apt-get $* failed: $(grep -E '^E:' "$APTDIR/get.log" | tail -n1)" \
		"(if the mirror no longer serves this pinned version, update the pin in board/$PROG and board/checksums.sha256)"
}
sha_want() { awk -v f="$1" '$2 == f || $2 == "*" f { print $1; exit }' "$CHECKSUMS"; }
sha_ok() { # FILE: 0 when it matches board/checksums.sha256
	local want
	want=$(sha_want "${1##*/}")
	[ -n "$want" ] && [ -f "$1" ] && [ "$(sha256sum <"$1" | cut -d' ' -f1)" = "$want" ]
}
verify() { # FILE: die unless it matches
	local n=${1##*/} want got
	want=$(sha_want "$n")
	[ -n "$want" ] || die "no checksum for $n in board/checksums.sha256"
	got=$(sha256sum <"$1" | cut -d' ' -f1)
	[ "$got" = "$want" ] || die "SHA-256 mismatch for $n: got $got, expected $want"
}
