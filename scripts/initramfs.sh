#!/bin/bash
# initramfs.sh OUT SRC INIT [PROG...]: the initramfs of a QEMU guest step:
# /dev/console, /proc, /sys, INIT as /init and each PROG as /<its name>.
# SRC is the grafted tree (usr/gen_init_cpio.c).
set -euo pipefail
out=$1 src=$2 init=$3
shift 3
dir=$(dirname "$out")
gcc -O2 -o "$dir/gen_init_cpio" "$src/usr/gen_init_cpio.c"
{
	echo "dir /dev 0755 0 0"
	echo "nod /dev/console 0600 0 0 c 5 1"
	echo "dir /proc 0755 0 0"
	echo "dir /sys 0755 0 0"
	echo "file /init $init 0755 0 0"
	for p in "$@"; do
		echo "file /$(basename "$p") $p 0755 0 0"
	done
} >"$out.list"
"$dir/gen_init_cpio" "$out.list" >"$out"
