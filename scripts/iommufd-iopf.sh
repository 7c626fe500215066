#!/bin/bash
# iommufd-iopf.sh: the fault-driven HWPT kselftests
# (selftests/iommufd-iopf/iopf_s2.c) in an x86_64 QEMU guest, on the
# kernel kunit-x86 built (kunit/x86_64.kunitconfig has IOMMUFD_TEST and
# IOMMUFD_IOPF_S2).  One result line per test to $TAP (step.sh):
# "ok iommufd-iopf-<test>".
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:?}
build=$cache/build-x86_64
work=$cache/iommufd-iopf
src=$("$root/scripts/graft.sh" | tail -n 1)
kernel=$build/arch/x86/boot/bzImage
mkdir -p "$work/include/linux"

"$root/scripts/x86-kernel.sh" iommufd-iopf CONFIG_IOMMUFD_IOPF_S2 "$build"

# sparse over the adapter, in the tree kunit-x86 configured.
slog=$cache/results/sparse-iommufd.log
if make -C "$src" ARCH=x86_64 O="$build" CC="ccache gcc" C=2 drivers/iommu/iommufd/ \
	>"$slog" 2>&1 && ! grep -E '(warning|error):' "$slog" | grep -qE 'iopf_s2|mock_tdpmmu'; then
	echo "ok iommufd-iopf sparse drivers/iommu/iommufd" >>"$TAP"
else
	echo "not ok iommufd-iopf sparse drivers/iommu/iommufd" >>"$TAP"
	grep -E '(warning|error):' "$slog" | tail -n 20 | sed 's/^/# /' >>"$TAP"
fi

# Userspace sees the uAPI of the kernel under test, not the host's.
cp "$src/include/uapi/linux/iommufd.h" "$work/include/linux/"
cflags=(-static -O2 -Wall -pthread -I"$work/include"
	-I"$src/drivers/iommu/iommufd" -I"$src/tools/testing/selftests")
for t in iopf_s2 iopf_bench; do
	gcc "${cflags[@]}" -o "$work/$t" "$root/selftests/iommufd-iopf/$t.c"
done
gcc -static -O2 -Wall -o "$work/init" "$root/selftests/iommufd-iopf/init.c"
"$root/scripts/initramfs.sh" "$work/initramfs.cpio" "$src" "$work/init" \
	"$work/iopf_s2" "$work/iopf_bench"

# One boot per program: the kselftests with every slab allocation traced
# (slub_debug, for their leak checks; redzones and poisoning catch use
# after free), the bench without.
boot() { # LOG PROG [APPEND...]
	local log=$1 prog=$2
	shift 2
	timeout "${IOPF_TIMEOUT:-600}" qemu-system-x86_64 -nodefaults -no-reboot -nographic \
		-machine q35 -accel tcg -cpu max -m 4G -smp 2 -bios qboot.rom \
		-serial stdio -kernel "$kernel" -initrd "$work/initramfs.cpio" \
		-append "console=ttyS0 kunit.enable=0 no_timer_check hugepagesz=1G hugepages=1 hugepagesz=2M hugepages=8 rdinit=/init panic=-1 $* -- $prog" \
		>"$log" 2>&1 </dev/null
}
out=$work/guest.log
bout=$work/guest-bench.log
rc=0 brc=0
boot "$out" /iopf_s2 slub_debug=FZPU || rc=$?
boot "$bout" /iopf_bench || brc=$?
cat "$out" "$bout" >>"$LOG"
# The guest is set up for every case: a skipped one is a failure.
# iopf.badinput_x, iopf.race_x, fail_nth.x and leak.x become badinput-x,
# race-x, fail_nth-x and leak-x.
tr -d '\r' <"$out" |
	sed -nE 's/^(not )?ok ([0-9]+) iopf\.(badinput|race)_/\1ok \2 iopf.\3-/
		s/^(not )?ok ([0-9]+) (fail_nth|leak)\./\1ok \2 iopf.\3-/
		s/^ok [0-9]+ iopf\.([a-z0-9_-]+) # SKIP(.*)$/not ok iommufd-iopf-\1 (skipped:\2)/p
		s/^(not )?ok [0-9]+ iopf\.([a-z0-9_-]+)(.*)$/\1ok iommufd-iopf-\2\3/p
		s/^# (iommufd-iopf fail_nth .*)$/# \1/p' >>"$TAP"
# No kernel splat in the kselftests' boot, fault injection included.
splat='WARNING:|BUG[: ]|Oops|general protection fault|Kernel panic|blocked for more than'
if tr -d '\r' <"$out" | grep -q '^iommufd-iopf: done /iopf_s2' &&
   ! tr -d '\r' <"$out" | grep -aqE "$splat"; then
	echo "ok iommufd-iopf-kernel-log no WARN, BUG or slab corruption" >>"$TAP"
else
	echo "not ok iommufd-iopf-kernel-log" >>"$TAP"
	tr -d '\r' <"$out" | grep -aE -A12 "$splat" | head -n 60 | sed 's/^/# /' >>"$TAP"
fi
# The bench rows, for make bench (scripts/bench-report.py).
tr -d '\r' <"$bout" | sed -n 's/^iopf-bench: {/{/p' >"$cache/results/iopf-bench.jsonl"
if tr -d '\r' <"$bout" | grep -q '^iommufd-iopf: done /iopf_bench status=0$'; then
	echo "ok iommufd-iopf-bench $(tr -d '\r' <"$bout" | sed -n 's/^iopf-bench: done //p')" >>"$TAP"
else
	echo "not ok iommufd-iopf-bench (qemu exit $brc)" >>"$TAP"
	tr -d '\r' <"$bout" | grep -a '^iopf-bench:' | sed 's/^/# /' >>"$TAP"
fi
if ! tr -d '\r' <"$out" | grep -q '^iommufd-iopf: done /iopf_s2 status=0$'; then
	echo "not ok iommufd-iopf guest run (qemu exit $rc)" >>"$TAP"
	tr -d '\r' <"$out" | grep -a -E '^#|iommufd|BUG|WARNING|panic|Oops' |
		tail -n 30 | sed 's/^/# /' >>"$TAP"
fi
