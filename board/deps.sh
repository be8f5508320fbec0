#!/bin/bash
# board/deps.sh OUTDIR
#
# Fetches the Debian bookworm source packages of the three libraries and
# unpacks them (Debian patches applied, dpkg-source -x) into
#   OUTDIR/lmdb      lmdb 0.9.24-1          (liblmdb in libraries/liblmdb)
#   OUTDIR/bearssl   bearssl 0.6+dfsg.1-3
#   OUTDIR/civetweb  civetweb 1.15+dfsg-4
#   OUTDIR/.ok       stamp with the versions; a second call returns at once
# Downloads go through `apt-get source --download-only` with a private
# APT_CONFIG (deb-src line for bookworm main, signed-by the Debian archive
# keyring); the machine's apt sources are not touched. Every file is checked
# against board/checksums.sha256.
#
# Environment:
#   SIPBOX_CACHE          download cache (default OUTDIR/../cache), shared
#                         with board/toolchain.sh
#   SIPBOX_DEBIAN_MIRROR  default http://deb.debian.org/debian
set -eu
set -o pipefail

PROG=deps.sh
# name=source-package=version; the names are the OUTDIR/ subdirectories.
DEPS="lmdb=lmdb=0.9.24-1 bearssl=bearssl=0.6+dfsg.1-3 civetweb=civetweb=1.15+dfsg-4"
SUITE=bookworm
MIRROR=${SIPBOX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

STEP=start
TMPDIRS=
say() { printf '%s: %s\n' "$PROG" "$*" >&2; }
die() {
	printf '%s: error: %s\n' "$PROG" "$*" >&2
	STEP=reported
	exit 1
}
on_exit() {
	rc=$?
	# shellcheck disable=SC2086
	[ -z "$TMPDIRS" ] || rm -rf $TMPDIRS
	if [ "$rc" -ne 0 ] && [ "$STEP" != reported ]; then
		printf '%s: error: failed (exit %s) while: %s\n' "$PROG" "$rc" "$STEP" >&2
	fi
}
trap on_exit EXIT

if [ $# -ne 1 ]; then
	echo "usage: $0 OUTDIR" >&2
	STEP=reported
	exit 2
fi
HERE=$(cd "$(dirname "$0")" && pwd -P)
CHECKSUMS=$HERE/checksums.sha256
mkdir -p "$1" || die "cannot create $1"
OUTDIR=$(cd "$1" && pwd -P)

# --- fast path -------------------------------------------------------------
RECIPE=$(sha256sum <"$HERE/deps.sh" | cut -c1-16)
H1="deps=$DEPS"
H2="recipe=$RECIPE"
stamp_ok() {
	local l1 l2 d
	[ -f "$OUTDIR/.ok" ] || return 1
	{ read -r l1 && read -r l2; } <"$OUTDIR/.ok" || return 1
	[ "$l1" = "$H1" ] && [ "$l2" = "$H2" ] || return 1
	for d in $DEPS; do
		[ -d "$OUTDIR/${d%%=*}" ] || return 1
	done
}
if stamp_ok; then
	STEP=finished
	exit 0
fi

# --- slow path -------------------------------------------------------------
T0=$(date +%s)
STEP="checking host tools"
for t in apt-get dpkg-source sha256sum flock awk tar xz; do
	command -v "$t" >/dev/null 2>&1 || die "'$t' not found: run board/setup-host.sh"
done
[ -r "$KEYRING" ] || die "$KEYRING missing: run board/setup-host.sh (debian-archive-keyring)"
[ -f "$CHECKSUMS" ] || die "$CHECKSUMS missing"

exec 8>"$OUTDIR/.lock"
flock 8
if stamp_ok; then
	STEP=finished
	exit 0
fi
rm -f "$OUTDIR/.ok"

CACHE=${SIPBOX_CACHE:-$OUTDIR/../cache}
mkdir -p "$CACHE/dl"
CACHE=$(cd "$CACHE" && pwd -P)
DL=$CACHE/dl
APTDIR=$CACHE/apt-deps
# shellcheck source=board/apt.sh
. "$HERE/apt.sh"
apt_init() {
	apt_setup "deb-src [signed-by=$KEYRING] $MIRROR $SUITE main"
}
dsc_files() {
	awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 } on && NF == 3 { print $3 }' "$1"
}
# fetch_src PKG VERSION -> $DL/PKG_VERSION.dsc and the files it lists
fetch_src() {
	local dsc=$DL/${1}_${2#*:}.dsc f ok=1 t
	if sha_ok "$dsc"; then
		for f in $(dsc_files "$dsc"); do sha_ok "$DL/$f" || ok=0; done
		[ "$ok" = 0 ] || return 0
	fi
	STEP="downloading source $1=$2"
	say "downloading source $1 $2"
	t=$(mktemp -d "$CACHE/tmp.XXXXXX")
	TMPDIRS="$TMPDIRS $t"
	apt_in "$t" source --download-only "$1=$2"
	for f in "$t"/*; do
		[ -f "$f" ] || continue
		verify "$f"
		mv -f "$f" "$DL/"
	done
	sha_ok "$dsc" || die "apt-get source $1=$2 did not produce ${dsc##*/}"
	for f in $(dsc_files "$dsc"); do
		[ -f "$DL/$f" ] || die "source $1=$2: $f missing after download"
	done
}

STEP="downloading sources"
exec 9>"$CACHE/.lock"
flock 9
apt_init
for d in $DEPS; do
	rest=${d#*=}
	fetch_src "${rest%%=*}" "${rest#*=}"
done
exec 9>&-

stamp_lines=
for d in $DEPS; do
	name=${d%%=*}
	rest=${d#*=}
	pkg=${rest%%=*}
	ver=${rest#*=}
	dsc=$DL/${pkg}_${ver#*:}.dsc
	STEP="unpacking ${dsc##*/}"
	say "unpacking $pkg $ver into $OUTDIR/$name"
	rm -rf "${OUTDIR:?}/$name" "$OUTDIR/.$name.tmp"
	dpkg-source --no-copy -x "$dsc" "$OUTDIR/.$name.tmp" >"$OUTDIR/.$name.log" 2>&1 ||
		die "dpkg-source -x ${dsc##*/} failed: $(grep -i error "$OUTDIR/.$name.log" | tail -n1)"
	mv "$OUTDIR/.$name.tmp" "$OUTDIR/$name"
	rm -f "$OUTDIR/.$name.log"
	stamp_lines="$stamp_lines$name=$pkg $ver
"
done

{
	echo "$H1"
	echo "$H2"
	printf '%s' "$stamp_lines"
	echo "created=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
} >"$OUTDIR/.ok.tmp"
mv -f "$OUTDIR/.ok.tmp" "$OUTDIR/.ok"
STEP=finished
say "ready: $OUTDIR/{lmdb,bearssl,civetweb} ($(($(date +%s) - T0)) s)"
