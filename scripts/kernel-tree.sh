#!/bin/bash
# Print the path of the pristine 6.12 base tree.
#   KDIR set: use it (must be a 6.12 source tree).
#   else:     the Debian linux-source-6.12 tree, extracted once into the cache.
set -euo pipefail

die() { echo "kernel-tree: $*" >&2; exit 1; }

check_version() {
	local mk=$1/Makefile
	[[ -f $mk ]] || die "$1 has no Makefile: not a kernel source tree. Point KDIR at a Linux 6.12 source tree, or unset KDIR to use Debian's linux-source-6.12."
	local v p
	v=$(sed -n 's/^VERSION = //p' "$mk" | head -1)
	p=$(sed -n 's/^PATCHLEVEL = //p' "$mk" | head -1)
	[[ $v == 6 && $p == 12 ]] || die "$1 is Linux $v.$p, not 6.12. Point KDIR at a Linux 6.12 source tree, or unset KDIR to use Debian's linux-source-6.12."
}

if [[ -n ${KDIR:-} ]]; then
	[[ -d $KDIR ]] || die "KDIR=$KDIR does not exist. Point KDIR at a Linux 6.12 source tree, or unset it."
	tree=$(realpath "$KDIR")
	check_version "$tree"
	echo "$tree"
	exit 0
fi

cache=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tdpmmu}
tree=$cache/linux-source-6.12
tarball=/usr/src/linux-source-6.12.tar.xz

if [[ ! -d $tree ]]; then
	[[ -f $tarball ]] || die "$tarball not found; run: apt-get install linux-source-6.12 (or set KDIR=/path/to/linux-6.12)"
	mkdir -p "$cache"
	tmp=$(mktemp -d "$cache/.extract.XXXXXX")
	trap 'rm -rf "$tmp"' EXIT
	echo "kernel-tree: extracting $tarball into $cache (about 20 s)..." >&2
	tar -xJf "$tarball" -C "$tmp"
	[[ -d $tmp/linux-source-6.12 ]] || die "$tarball did not contain linux-source-6.12/"
	mv -T "$tmp/linux-source-6.12" "$tree"   # atomic: rename(2) within one fs
fi
check_version "$tree"
echo "$tree"
