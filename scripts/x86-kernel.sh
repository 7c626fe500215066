#!/bin/bash
# x86-kernel.sh STEP CONFIG BUILD: succeed if BUILD holds a bzImage built
# with CONFIG=y (the kernel make kunit-x86 builds); else write
# "not ok STEP ..." to $TAP and fail.
set -euo pipefail
step=$1 config=$2 build=$3
if [[ -f $build/arch/x86/boot/bzImage ]] &&
   grep -q "^$config=y" "$build/.config"; then
	exit 0
fi
echo "not ok $step no kernel with $config in $build (run make kunit-x86 first)" >>"$TAP"
exit 1
