#!/bin/bash
# iommufd-upstream.sh: the kernel's own tools/testing/selftests/iommu suite
# (iommufd, iommufd_fail_nth) in an x86_64 QEMU guest, on our kernel (the
# one kunit-x86 built) and on the stock kernel: the pristine base tree with
# the same config minus the project's options (scripts/stock-kernel.sh
# builds it on first use in $CACHE/build-x86_64-stock).  Debian's copy of
# the suite is built with scripts/hooks/0005 so that it compiles against
# 6.12.
# Result lines to $TAP (step.sh): per binary, ours against stock; a test
# that passes on stock and fails on ours is a "not ok" line of its own.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:?}
ours=$cache/build-x86_64
work=$cache/iommufd-upstream
src=$("$root/scripts/graft.sh" | tail -n 1)
mkdir -p "$work/include/linux"

"$root/scripts/x86-kernel.sh" iommufd-upstream CONFIG_IOMMUFD_TEST "$ours"

# The stock kernel: same options, none of ours.
stock=$("$root/scripts/stock-kernel.sh")

# The suite, against the uAPI of the kernels under test (the same for both:
# the project adds to it only).
cp "$src/include/uapi/linux/iommufd.h" "$work/include/linux/"
sdir=$src/tools/testing/selftests/iommu
for t in iommufd iommufd_fail_nth; do
	gcc -static -O2 -Wall -Wno-unused-function -D_GNU_SOURCE -pthread \
		-I"$work/include" -I"$sdir/.." -o "$work/$t" "$sdir/$t.c"
done
gcc -static -O2 -Wall -o "$work/init" "$root/selftests/iommufd-iopf/init.c"
"$root/scripts/initramfs.sh" "$work/initramfs.cpio" "$src" "$work/init" \
	"$work/iommufd" "$work/iommufd_fail_nth"

boot() {   # boot NAME BUILD: results in $work/NAME.log
	timeout "${UPSTREAM_TIMEOUT:-1500}" qemu-system-x86_64 -nodefaults \
		-no-reboot -nographic -machine q35 -accel tcg -cpu max -m 2G \
		-smp 2 -bios qboot.rom -serial stdio \
		-kernel "$2/arch/x86/boot/bzImage" -initrd "$work/initramfs.cpio" \
		-append "console=ttyS0 kunit.enable=0 no_timer_check rdinit=/init panic=-1 -- /iommufd /iommufd_fail_nth" \
		>"$work/$1.log" 2>&1 </dev/null || true
	cat "$work/$1.log" >>"$LOG"
}
boot stock "$stock"
boot ours "$ours"

# "<result> <binary> <test>" per test, from the harness's TAP lines.
results() {
	tr -d '\r' <"$work/$1.log" | awk '
		/^TAP version/ { bin = (bin == "") ? "iommufd" : "iommufd_fail_nth" }
		/^(not )?ok [0-9]+ / {
			r = ($1 == "ok") ? "pass" : "fail"
			name = ($1 == "ok") ? $3 : $4
			if ($0 ~ /# SKIP/) r = "skip"
			print r, bin, name
		}' | sort -k2,3
}
results stock >"$work/stock.res"
results ours >"$work/ours.res"

for bin in iommufd iommufd_fail_nth; do
	s=$(awk -v b=$bin '$2 == b' "$work/stock.res")
	o=$(awk -v b=$bin '$2 == b' "$work/ours.res")
	sp=$(grep -c '^pass' <<<"$s" || true); st=$(grep -c . <<<"$s" || true)
	op=$(grep -c '^pass' <<<"$o" || true); ot=$(grep -c . <<<"$o" || true)
	# Tests that pass on stock but not on ours (or did not run on ours).
	reg=$(join -1 1 -2 1 -a 1 -e missing -o 1.1,1.2,2.2 \
		<(awk '$1 == "pass" { print $3, $1 }' <<<"$s" | sort) \
		<(awk '{ print $3, $1 }' <<<"$o" | sort) | awk '$3 != "pass" { print $1 }')
	if [[ $st -gt 0 && -z $reg ]]; then
		echo "ok iommufd-upstream-$bin ours $op/$ot pass, stock $sp/$st pass, no regression" >>"$TAP"
	else
		echo "not ok iommufd-upstream-$bin ours $op/$ot pass, stock $sp/$st pass" >>"$TAP"
		for t in $reg; do
			echo "not ok iommufd-upstream-$bin $t (passes on stock)" >>"$TAP"
		done
	fi
done
