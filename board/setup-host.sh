#!/bin/sh
# board/setup-host.sh [EXTRA_PACKAGE...]
#
# Installs the Debian 12 (bookworm) host packages that the build, the board
# toolchains (board/toolchain.sh), the dependency sources (board/deps.sh) and
# the tests need. Idempotent: when everything is installed it prints nothing
# and returns in a fraction of a second (it runs on every `make`).
# Only missing packages are installed; `apt-get update` only runs then.
# It never adds dpkg architectures or apt sources.
#
# Not root, or not Debian: prints the commands to run and exits 1 (exits 0
# when nothing is missing).
# Extra package names given as arguments are checked/installed too.
set -eu

PKGS="make gcc file xz-utils ca-certificates debian-archive-keyring
musl-tools musl-dev
gcc-aarch64-linux-gnu binutils-aarch64-linux-gnu
gcc-arm-linux-gnueabihf binutils-arm-linux-gnueabihf
gcc-mipsel-linux-gnu binutils-mipsel-linux-gnu linux-libc-dev-mipsel-cross
gcc-mips-linux-gnu binutils-mips-linux-gnu linux-libc-dev-mips-cross
qemu-user-static dpkg-dev python3-kconfiglib clang libclang-rt-14-dev clang-format
sipsak openssl
baresip-core linphone-cli sipvicious"

# shellcheck disable=SC2086
set -- $PKGS "$@"

if [ ! -f /etc/debian_version ] || ! command -v apt-get >/dev/null 2>&1 ||
	! command -v dpkg-query >/dev/null 2>&1; then
	{
		echo "setup-host.sh: this is not a Debian system with apt-get."
		echo "On Debian 12 (bookworm), as root, run:"
		echo "  apt-get update"
		echo "  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $*"
	} >&2
	exit 1
fi

# missing PKG...: prints " pkg" for each package whose dpkg status is not
# "... ok installed" (one dpkg-query run for all of them: this is fast).
missing() {
	dpkg-query -W -f='${Package} ${Status}\n' "$@" 2>/dev/null |
		awk -v want="$*" '
			BEGIN { n = split(want, w, " ") }
			/ ok installed$/ { ok[$1] = 1 }
			END { for (i = 1; i <= n; i++) if (!(w[i] in ok)) printf " %s", w[i] }'
}
missing=$(missing "$@")
[ -n "$missing" ] || exit 0

if [ "$(id -u)" != 0 ]; then
	{
		echo "setup-host.sh: missing host packages:$missing"
		echo "Run as root:"
		echo "  apt-get update"
		echo "  DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends$missing"
	} >&2
	exit 1
fi

echo "setup-host.sh: installing:$missing" >&2
if ! apt-get update -q >&2; then
	echo "setup-host.sh: error: apt-get update failed" >&2
	exit 1
fi
# shellcheck disable=SC2086
if ! DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $missing >&2; then
	echo "setup-host.sh: error: apt-get install failed for:$missing" >&2
	exit 1
fi

# shellcheck disable=SC2086
still=$(missing $missing)
if [ -n "$still" ]; then
	echo "setup-host.sh: error: still not installed:$still" >&2
	exit 1
fi
echo "setup-host.sh: done" >&2
