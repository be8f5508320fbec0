#!/bin/bash
# board/toolchain.sh BOARD OUTDIR
#
# Sets up a static musl C toolchain for one board and writes
#   OUTDIR/cc OUTDIR/ar OUTDIR/strip   executable wrappers
#   OUTDIR/sysroot/                    musl headers/libs, specs file (and for
#                                      MIPS: soft-fp lib, filtered libgcc,
#                                      UAPI header symlinks)
#   OUTDIR/.ok                         stamp: board, versions, recipe hash
# A second call with a valid stamp returns at once.
#
# Boards: x86_64 aarch64 armv7 mipsel_24kc mips_24kc
#   x86_64       Debian musl-gcc (musl-tools), system ar/strip
#   aarch64      aarch64-linux-gnu-gcc + Debian musl-dev:arm64 (route A)
#   armv7        arm-linux-gnueabihf-gcc + Debian musl-dev:armhf (route A)
#   mipsel_24kc  mipsel-linux-gnu-gcc -msoft-float -march=24kc + musl built
#   mips_24kc    from the Debian source package + soft-fp runtime (route B)
# Route A/B are described in /work/shared/notes/toolchain.md. Nothing here
# touches the machine's dpkg architectures or apt sources: .debs and sources
# come through a private APT_CONFIG under the cache dir.
#
# Environment:
#   SIPBOX_CACHE          download cache (default OUTDIR/../cache), shared by
#                         boards and by board/deps.sh; safe to share
#   SIPBOX_DEBIAN_MIRROR  default http://deb.debian.org/debian
#   SIPBOX_JOBS           parallel jobs for the musl build (default: nproc)
# Every download is checked against board/checksums.sha256.
# Host packages: board/setup-host.sh.
set -eu
set -o pipefail

PROG=toolchain.sh
MUSL_VER=1.2.3-1                 # Debian bookworm musl (binary and source)
GLIBC_SRC_VER=2.36-9+deb12u14    # Debian bookworm glibc source (soft-fp/ only)
GLIBC_UPSTREAM=2.36
SUITE=bookworm
MIRROR=${SIPBOX_DEBIAN_MIRROR:-http://deb.debian.org/debian}
KEYRING=/usr/share/keyrings/debian-archive-keyring.gpg

STEP=start
TMPDIRS=
say() { printf '%s[%s]: %s\n' "$PROG" "${BOARD:-?}" "$*" >&2; }
die() {
	printf '%s[%s]: error: %s\n' "$PROG" "${BOARD:-?}" "$*" >&2
	STEP=reported
	exit 1
}
on_exit() {
	rc=$?
	# shellcheck disable=SC2086
	[ -z "$TMPDIRS" ] || rm -rf $TMPDIRS
	if [ "$rc" -ne 0 ] && [ "$STEP" != reported ]; then
		printf '%s[%s]: error: failed (exit %s) while: %s\n' \
			"$PROG" "${BOARD:-?}" "$rc" "$STEP" >&2
	fi
}
trap on_exit EXIT
usage() {
	echo "usage: $0 BOARD OUTDIR  (BOARD: x86_64 aarch64 armv7 mipsel_24kc mips_24kc)" >&2
	STEP=reported
	exit 2
}

[ $# -eq 2 ] || usage
BOARD=$1
case $BOARD in
x86_64)      ROUTE=native; TRIPLET=x86_64-linux-gnu ;;
aarch64)     ROUTE=A; TRIPLET=aarch64-linux-gnu;   DEBARCH=arm64; MUSLTRIPLET=aarch64-linux-musl ;;
armv7)       ROUTE=A; TRIPLET=arm-linux-gnueabihf; DEBARCH=armhf; MUSLTRIPLET=arm-linux-musleabihf ;;
mipsel_24kc) ROUTE=B; TRIPLET=mipsel-linux-gnu;    DEBARCH=mipsel; LDSO=ld-musl-mipsel-sf.so.1 ;;
mips_24kc)   ROUTE=B; TRIPLET=mips-linux-gnu;      DEBARCH=mips;   LDSO=ld-musl-mips-sf.so.1 ;;
*) usage ;;
esac

HERE=$(cd "$(dirname "$0")" && pwd -P)
CHECKSUMS=$HERE/checksums.sha256
mkdir -p "$2" || die "cannot create $2"
OUTDIR=$(cd "$2" && pwd -P)
case $OUTDIR in
*[!A-Za-z0-9._/+-]*) die "OUTDIR '$OUTDIR' may only contain A-Z a-z 0-9 . _ / + - (it goes into gcc specs)" ;;
esac
SYSROOT=$OUTDIR/sysroot

# --- fast path: a valid stamp ----------------------------------------------
STEP="checking the compiler"
if [ "$ROUTE" = native ]; then
	GCC=$(command -v musl-gcc || true)
	[ -n "$GCC" ] || die "musl-gcc not found: run board/setup-host.sh (package musl-tools)"
	REALGCC=$(command -v x86_64-linux-gnu-gcc || true)
	[ -n "$REALGCC" ] || die "x86_64-linux-gnu-gcc not found: run board/setup-host.sh"
else
	GCC=$(command -v "$TRIPLET-gcc" || true)
	[ -n "$GCC" ] || die "$TRIPLET-gcc not found: run board/setup-host.sh"
	REALGCC=$GCC
fi
GCCVER=$("$REALGCC" -dumpfullversion) || die "$REALGCC does not run"
RECIPE=$(cat "$HERE/toolchain.sh" "$HERE"/softfp/* | sha256sum | cut -c1-16)
H1="board=$BOARD"
H2="outdir=$OUTDIR"
H3="recipe=$RECIPE"
H4="gcc=$TRIPLET-gcc $GCCVER"
stamp_ok() {
	local l1 l2 l3 l4
	[ -f "$OUTDIR/.ok" ] && [ -x "$OUTDIR/cc" ] || return 1
	{ read -r l1 && read -r l2 && read -r l3 && read -r l4; } <"$OUTDIR/.ok" || return 1
	[ "$l1" = "$H1" ] && [ "$l2" = "$H2" ] && [ "$l3" = "$H3" ] && [ "$l4" = "$H4" ]
}
if stamp_ok; then
	STEP=finished
	exit 0
fi

# --- slow path ---------------------------------------------------------------
T0=$(date +%s)
STEP="checking host tools"
need() {
	local t
	for t in "$@"; do
		command -v "$t" >/dev/null 2>&1 || die "'$t' not found: run board/setup-host.sh"
	done
}
need sha256sum tar sed awk flock
case $ROUTE in
native) need ar strip ;;
A) need "$TRIPLET-ar" "$TRIPLET-strip" "$TRIPLET-readelf" apt-get dpkg-deb ;;
B) need "$TRIPLET-ar" "$TRIPLET-strip" "$TRIPLET-objdump" "$TRIPLET-readelf" "$TRIPLET-objcopy" \
	apt-get dpkg-source make xz ;;
esac

# One build per OUTDIR at a time; re-check the stamp once we hold the lock.
exec 8>"$OUTDIR/.lock"
flock 8
if stamp_ok; then
	STEP=finished
	exit 0
fi
rm -rf "$OUTDIR/cc" "$OUTDIR/ar" "$OUTDIR/strip" "$OUTDIR/.ok" "$SYSROOT" \
	"$OUTDIR/build" "$OUTDIR/build.log"

# --- download cache + private apt --------------------------------------------
CACHE=${SIPBOX_CACHE:-$OUTDIR/../cache}
DL=
APTDIR=
# shellcheck source=board/apt.sh
. "$HERE/apt.sh"
cache_init() {
	[ -z "$DL" ] || return 0
	STEP="preparing the cache $CACHE"
	mkdir -p "$CACHE/dl"
	CACHE=$(cd "$CACHE" && pwd -P)
	DL=$CACHE/dl
	APTDIR=$CACHE/apt-toolchain
	[ -r "$KEYRING" ] || die "$KEYRING missing: run board/setup-host.sh (debian-archive-keyring)"
	[ -f "$CHECKSUMS" ] || die "$CHECKSUMS missing"
	apt_setup "deb [signed-by=$KEYRING] $MIRROR $SUITE main
deb-src [signed-by=$KEYRING] $MIRROR $SUITE main" 'APT::Architectures { "amd64"; "arm64"; "armhf"; };'
}
# Serialise everything that writes into the shared cache.
cache_lock() { exec 9>"$CACHE/.lock"; flock 9; }
cache_unlock() { exec 9>&-; }
newtmp() { # TMP=new temp dir under the cache, removed at exit
	TMP=$(mktemp -d "$CACHE/tmp.XXXXXX")
	TMPDIRS="$TMPDIRS $TMP"
}
# Verify every file fetched into TMP and move it into the cache.
adopt() {
	local f
	for f in "$1"/*; do
		[ -f "$f" ] || continue
		verify "$f"
		mv -f "$f" "$DL/"
	done
}
# fetch_deb PKG ARCH VERSION -> $DL/PKG_VERSION_ARCH.deb
fetch_deb() {
	local f=$DL/${1}_${3}_$2.deb
	sha_ok "$f" && return 0
	STEP="downloading $1:$2=$3"
	say "downloading $1:$2 $3"
	newtmp
	apt_in "$TMP" download "$1:$2=$3"
	adopt "$TMP"
	[ -f "$f" ] || die "apt-get download $1:$2=$3 did not produce ${f##*/}"
}
dsc_files() { # DSC: the file names listed in its Checksums-Sha256 field
	awk '/^Checksums-Sha256:/ { on = 1; next } /^[^ ]/ { on = 0 } on && NF == 3 { print $3 }' "$1"
}
# fetch_src PKG VERSION -> $DL/PKG_VERSION.dsc and the files it lists
fetch_src() {
	local dsc=$DL/${1}_$2.dsc f ok=1
	if sha_ok "$dsc"; then
		for f in $(dsc_files "$dsc"); do sha_ok "$DL/$f" || ok=0; done
		[ "$ok" = 0 ] || return 0
	fi
	STEP="downloading source $1=$2"
	say "downloading source $1 $2"
	newtmp
	apt_in "$TMP" source --download-only "$1=$2"
	adopt "$TMP"
	sha_ok "$dsc" || die "apt-get source $1=$2 did not produce ${dsc##*/}"
	for f in $(dsc_files "$dsc"); do
		[ -f "$DL/$f" ] || die "source $1=$2: $f missing after download"
	done
}

# --- wrappers and stamp ------------------------------------------------------
write_wrapper() { # NAME COMMAND...: OUTDIR/NAME runs COMMAND "$@"
	local name=$1
	shift
	{
		echo '#!/bin/sh'
		echo "# sipbox $BOARD toolchain, generated by board/toolchain.sh"
		echo "exec $*"
	} >"$OUTDIR/$name.tmp"
	chmod 755 "$OUTDIR/$name.tmp"
	mv -f "$OUTDIR/$name.tmp" "$OUTDIR/$name"
}

# fp_members FILE: archive members (or the object) using FPU instructions
# or FPU registers, from the MIPS disassembly.
fp_members() {
	"$TRIPLET-objdump" -d "$1" | awk '
		/^[^ \t].*:[ \t]+file format/ { m = $1; sub(/:$/, "", m); next }
		/\$f[0-9]|\$fcc|[ \t](cfc1|ctc1|mfc1|mtc1|mfhc1|mthc1|bc1f|bc1t|bc1fl|bc1tl)[ \t]/ {
			if (!(m in bad)) { bad[m] = 1; print m }
		}'
}

# Compile and link a small static program; on MIPS make sure no FPU
# instruction and no hard-float ABI reached the binary.
self_test() {
	local t
	STEP="self-test of the new toolchain"
	t=$(mktemp -d)
	TMPDIRS="$TMPDIRS $t"
	cat >"$t/t.c" <<'EOF'
#include <stdio.h>
#include <stdlib.h>
#include <pthread.h>
#if defined(__mips__)
#include <asm/cachectl.h>
#endif
static void *run(void *p) { return p; }
int main(int argc, char **argv)
{
	pthread_t th;
	double d = strtod(argc > 1 ? argv[1] : "2.5", 0);
	long long q = (long long)(d * 1e12) / (argc + 6);
	pthread_create(&th, 0, run, 0);
	pthread_join(th, 0);
	printf("%.3f %lld\n", d * 3.0, q);
	return 0;
}
EOF
	"$OUTDIR/cc" -static -Os -pthread -Wall -Werror "$t/t.c" -o "$t/t" >"$t/log" 2>&1 ||
		die "self-test compile/link failed: $(head -n3 "$t/log" | tr '\n' ' ')"
	if [ -s "$t/log" ]; then
		say "self-test: compiler/linker printed warnings:"
		sed 's/^/    /' "$t/log" >&2
	fi
	if [ "$ROUTE" = B ]; then
		[ -z "$(fp_members "$t/t")" ] ||
			die "self-test: FPU instructions found in a soft-float binary"
		case $("$TRIPLET-readelf" -A "$t/t") in
		*"FP ABI: Soft float"*) ;;
		*) die "self-test: binary is not marked soft-float (readelf -A)" ;;
		esac
	fi
}

write_stamp() { # extra lines...
	{
		echo "$H1"
		echo "$H2"
		echo "$H3"
		echo "$H4"
		printf '%s\n' "$@"
		echo "created=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
	} >"$OUTDIR/.ok.tmp"
	mv -f "$OUTDIR/.ok.tmp" "$OUTDIR/.ok"
}

# --- x86_64: Debian's musl-gcc -----------------------------------------------
setup_native() {
	local v
	STEP="checking Debian musl-dev"
	[ -f /usr/lib/x86_64-linux-musl/libc.a ] ||
		die "/usr/lib/x86_64-linux-musl/libc.a missing: run board/setup-host.sh (musl-dev)"
	v=$(dpkg-query -W -f='${Version}' musl-dev 2>/dev/null || echo unknown)
	[ "$v" = "$MUSL_VER" ] || say "warning: musl-dev is $v, expected $MUSL_VER"
	write_wrapper cc "$GCC" '"$@"'
	write_wrapper ar "$(command -v ar)" '"$@"'
	write_wrapper strip "$(command -v strip)" '"$@"'
	self_test
	write_stamp "musl=$v (Debian musl-dev, system)" "route=native musl-gcc"
}

# --- route A: Debian musl-dev:ARCH without dpkg --add-architecture ----------
setup_route_a() {
	local deb extra='' lib inc
	cache_init
	cache_lock
	fetch_deb musl-dev "$DEBARCH" "$MUSL_VER"
	cache_unlock
	deb=$DL/musl-dev_${MUSL_VER}_$DEBARCH.deb
	STEP="extracting ${deb##*/}"
	say "extracting ${deb##*/}"
	mkdir -p "$SYSROOT"
	dpkg-deb -x "$deb" "$SYSROOT"
	lib=$SYSROOT/usr/lib/$MUSLTRIPLET
	inc=$SYSROOT/usr/include/$MUSLTRIPLET
	if [ ! -f "$lib/musl-gcc.specs" ] || [ ! -f "$lib/libc.a" ] || [ ! -d "$inc" ]; then
		die "${deb##*/} does not have the expected layout"
	fi
	# Debian's specs, pointed at the extracted tree.
	sed -e "s#/usr/include/$MUSLTRIPLET#$inc#g" -e "s#/usr/lib/$MUSLTRIPLET#$lib#g" \
		"$lib/musl-gcc.specs" >"$SYSROOT/musl-gcc.specs"
	if [ "$BOARD" = armv7 ]; then
		# armv7-a, VFPv3-D16, hard-float, Thumb-2: add the flags unless
		# they are already gcc's defaults (they are for Debian armhf).
		# Compared through the EABI attributes of an empty object.
		local want='-march=armv7-a -mfpu=vfpv3-d16 -mfloat-abi=hard -mthumb'
		newtmp
		echo 'int sipbox_probe;' >"$TMP/p.c"
		"$GCC" -c "$TMP/p.c" -o "$TMP/def.o"
		# shellcheck disable=SC2086
		"$GCC" $want -c "$TMP/p.c" -o "$TMP/want.o"
		if [ "$("$TRIPLET-readelf" -A "$TMP/def.o")" != "$("$TRIPLET-readelf" -A "$TMP/want.o")" ]; then
			extra="$want "
		fi
	fi
	write_wrapper cc "$GCC" "$extra"'"$@"' -specs "$SYSROOT/musl-gcc.specs"
	write_wrapper ar "$(command -v "$TRIPLET-ar")" '"$@"'
	write_wrapper strip "$(command -v "$TRIPLET-strip")" '"$@"'
	self_test
	write_stamp "musl=$MUSL_VER (Debian musl-dev:$DEBARCH)" "route=A" \
		"cflags=${extra:-(gcc defaults)}"
}

# --- route B: soft-float musl from the Debian source package ----------------
setup_route_b() {
	local b=$OUTDIR/build log=$OUTDIR/build.log mflags jobs d sfsrc m routines
	cache_init
	cache_lock
	fetch_src musl "$MUSL_VER"
	fetch_src glibc "$GLIBC_SRC_VER"
	# glibc is only used for soft-fp/ and longlong.h: extract them once.
	sfsrc=$CACHE/glibc-$GLIBC_UPSTREAM-softfp
	if [ ! -f "$sfsrc/.ok" ]; then
		STEP="extracting soft-fp from glibc_$GLIBC_UPSTREAM.orig.tar.xz"
		say "extracting soft-fp/ from glibc_$GLIBC_UPSTREAM.orig.tar.xz"
		rm -rf "$sfsrc"
		mkdir -p "$sfsrc"
		tar -xJf "$DL/glibc_$GLIBC_UPSTREAM.orig.tar.xz" -C "$sfsrc" --strip-components=1 \
			"glibc-$GLIBC_UPSTREAM/soft-fp" "glibc-$GLIBC_UPSTREAM/stdlib/longlong.h"
		echo "glibc $GLIBC_SRC_VER" >"$sfsrc/.ok"
	fi
	cache_unlock

	STEP="checking compiler flags"
	mflags=-msoft-float
	if "$GCC" -msoft-float -march=24kc -c -x c /dev/null -o /dev/null 2>/dev/null; then
		mflags="-msoft-float -march=24kc"
	fi
	[ -f "/usr/$TRIPLET/include/asm/cachectl.h" ] ||
		die "/usr/$TRIPLET/include/asm/cachectl.h missing: run board/setup-host.sh (linux-libc-dev-$DEBARCH-cross)"

	STEP="unpacking musl $MUSL_VER"
	mkdir -p "$b"
	: >"$log"
	dpkg-source --no-copy -x "$DL/musl_$MUSL_VER.dsc" "$b/musl" >>"$log" 2>&1 ||
		die "dpkg-source -x musl_$MUSL_VER.dsc failed, see $log"

	jobs=${SIPBOX_JOBS:-$(nproc 2>/dev/null || echo 2)}
	STEP="building musl $MUSL_VER ($mflags), log in $log"
	say "building musl $MUSL_VER with $TRIPLET-gcc $mflags (make -j$jobs, a few minutes)"
	(
		cd "$b/musl"
		./configure --target="$TRIPLET" --prefix=/ --disable-shared --disable-wrapper \
			CROSS_COMPILE="$TRIPLET-" CC="$GCC $mflags" CFLAGS="-Os -pipe"
		make -j"$jobs"
		make install-headers install-libs DESTDIR="$SYSROOT"
	) >>"$log" 2>&1 || die "musl build failed, see $log"
	grep -q '^SUBARCH = .*sf' "$b/musl/config.mak" ||
		die "musl configure did not select a soft-float subarch, see $log"

	# Linux UAPI headers (LMDB wants <asm/cachectl.h> on MIPS) from
	# linux-libc-dev-*-cross. Only these dirs: /usr/TRIPLET/include may
	# also hold glibc headers once libc6-dev-*-cross is installed.
	STEP="linking UAPI headers"
	mkdir -p "$SYSROOT/kinc"
	for d in asm asm-generic linux mtd; do
		if [ -d "/usr/$TRIPLET/include/$d" ]; then
			ln -sfn "/usr/$TRIPLET/include/$d" "$SYSROOT/kinc/$d"
		fi
	done

	# Soft-float runtime: glibc soft-fp routines + our powi.c, built with
	# our sfp-machine.h (board/softfp/).
	STEP="building the soft-float runtime"
	say "building libsoftfp.a"
	mkdir -p "$b/softfp"
	routines=$(sed 's/#.*//' "$HERE/softfp/routines.txt")
	for m in $routines; do
		# shellcheck disable=SC2086
		"$GCC" $mflags -Os -pipe -fno-stack-protector -ffunction-sections -Wall \
			-I"$HERE/softfp" -I"$sfsrc/soft-fp" -I"$sfsrc/stdlib" \
			-c "$sfsrc/soft-fp/$m.c" -o "$b/softfp/$m.o" >>"$log" 2>&1 ||
			die "compiling soft-fp $m.c failed, see $log"
	done
	# shellcheck disable=SC2086
	"$GCC" $mflags -Os -pipe -fno-stack-protector -Wall -c "$HERE/softfp/powi.c" \
		-o "$b/softfp/powi.o" >>"$log" 2>&1 || die "compiling powi.c failed, see $log"
	"$TRIPLET-ar" rcs "$SYSROOT/lib/libsoftfp.a" "$b"/softfp/*.o

	# libgcc without any member that uses the FPU: Debian's libgcc is built
	# for hard-float (its __adddf3 etc. are FPU trampolines). What is left
	# (64-bit division, clz, ...) has no FP code. A program that needs a
	# removed routine not provided by libsoftfp fails to link instead of
	# dying with SIGILL on an FPU-less CPU.
	#
	# The FP-free objects we keep from gcc (those libgcc members and
	# crtbeginS.o/crtendS.o) are still tagged "hard float, any FPU", which
	# makes ld warn "uses -mhard-float" on every link. We drop their
	# .gnu.attributes and .MIPS.abiflags sections: an object without them
	# has an unspecified FP ABI, so it links silently and the output stays
	# tagged soft-float (from musl's objects). Safe only because we checked
	# that they contain no FPU instruction.
	STEP="filtering libgcc.a"
	say "filtering libgcc.a (dropping members with FPU instructions)"
	cp "$("$GCC" -print-libgcc-file-name)" "$SYSROOT/lib/libgcc.a"
	fp_members "$SYSROOT/lib/libgcc.a" >"$b/fp-members"
	# shellcheck disable=SC2046
	[ ! -s "$b/fp-members" ] || "$TRIPLET-ar" d "$SYSROOT/lib/libgcc.a" $(cat "$b/fp-members")
	mkdir -p "$SYSROOT/lib/gcc"
	for m in crtbeginS.o crtendS.o; do
		cp "$("$GCC" -print-file-name=$m)" "$SYSROOT/lib/gcc/$m"
	done
	for m in "$SYSROOT/lib/libgcc.a" "$SYSROOT"/lib/gcc/*.o; do
		[ -z "$(fp_members "$m")" ] || die "${m##*/} still contains FPU instructions"
		"$TRIPLET-objcopy" -R .gnu.attributes -R .MIPS.abiflags "$m"
	done

	STEP="writing the specs file"
	cat >"$SYSROOT/musl-gcc.specs" <<EOF
%rename cpp_options old_cpp_options

*cpp_options:
-nostdinc -isystem $SYSROOT/include -isystem $SYSROOT/kinc -isystem include%s %(old_cpp_options)

*cc1:
%(cc1_cpu) -nostdinc -isystem $SYSROOT/include -isystem $SYSROOT/kinc -isystem include%s

*link_libgcc:
-L$SYSROOT/lib -L .%s

*libgcc:
$SYSROOT/lib/libsoftfp.a $SYSROOT/lib/libgcc.a

*startfile:
%{!shared: $SYSROOT/lib/Scrt1.o} $SYSROOT/lib/crti.o $SYSROOT/lib/gcc/crtbeginS.o

*endfile:
$SYSROOT/lib/gcc/crtendS.o $SYSROOT/lib/crtn.o

*link:
-dynamic-linker /lib/$LDSO -nostdlib %{shared:-shared} %{static:-static} %{rdynamic:-export-dynamic}

EOF
	write_wrapper cc "$GCC" "$mflags" '"$@"' -specs "$SYSROOT/musl-gcc.specs"
	write_wrapper ar "$(command -v "$TRIPLET-ar")" '"$@"'
	write_wrapper strip "$(command -v "$TRIPLET-strip")" '"$@"'
	self_test
	rm -rf "$b"
	write_stamp "musl=$MUSL_VER (built from Debian source musl_$MUSL_VER.dsc)" \
		"softfp=glibc $GLIBC_SRC_VER soft-fp/ ($(echo "$routines" | wc -w) routines + powi)" \
		"route=B" "cflags=$mflags"
}

say "setting up in $OUTDIR"
case $ROUTE in
native) setup_native ;;
A) setup_route_a ;;
B) setup_route_b ;;
esac
STEP=finished
say "ready: $OUTDIR/cc ($(($(date +%s) - T0)) s)"
