#!/bin/bash
# vtd-dma.sh: real DMA through QEMU's VT-d with lib/tdpmmu building the
# second-stage tables.  Boots the x86_64 kernel that kunit-x86 built
# (kunit/x86_64.kunitconfig has CONFIG_INTEL_IOMMU_TDPMMU and virtio-blk)
# with an initramfs whose /init (selftests/vtd-dma/dma_check.c) writes a
# pattern to a virtio disk with O_DIRECT, reads it back and compares, once
# per IOMMU mode (legacy, scalable) and address width (39, 48 bits).
# Result lines "ok vtd-dma-virtio-blk-<mode>-aw<bits>" to $TAP (step.sh).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:?}
build=$cache/build-x86_64
work=$cache/vtd-dma
src=$("$root/scripts/graft.sh" | tail -n 1)
kernel=$build/arch/x86/boot/bzImage
mkdir -p "$work"

"$root/scripts/x86-kernel.sh" vtd-dma CONFIG_INTEL_IOMMU_TDPMMU "$build"

# The initramfs: /init and the directories it mounts on.
gcc -static -O2 -Wall -o "$work/init" "$root/selftests/vtd-dma/dma_check.c"
"$root/scripts/initramfs.sh" "$work/initramfs.cpio" "$src" "$work/init"
truncate -s 64M "$work/disk.img"

for mode in legacy scalable; do
	for aw in 39 48; do
		name=vtd-dma-virtio-blk-$mode-aw$aw
		if [[ $mode == legacy ]]; then sm=off; else sm=on; fi
		out=$work/$name.log
		rc=0
		timeout 240 qemu-system-x86_64 -nodefaults -no-reboot -nographic \
			-machine q35,kernel-irqchip=split -accel tcg -cpu max \
			-m 1G -smp 2 -bios qboot.rom -serial stdio \
			-kernel "$kernel" -initrd "$work/initramfs.cpio" \
			-append "console=ttyS0 intel_iommu=on,sm_$sm iommu.passthrough=0 iommu.strict=1 no_timer_check kunit.enable=0 rdinit=/init panic=-1" \
			-device intel-iommu,intremap=on,x-scalable-mode=$sm,aw-bits=$aw \
			-drive if=none,id=d0,file="$work/disk.img",format=raw \
			-device virtio-blk-pci,drive=d0,disable-legacy=on,iommu_platform=on \
			>"$out" 2>&1 </dev/null || rc=$?
		cat "$out" >>"$LOG"
		line=$(grep -a -m1 '^vtd-dma: ' "$out" | tr -d '\r' || true)
		# Ours: data intact, no DMA fault, and the library's glue served
		# the maps and holds the tables.
		if [[ $line == "vtd-dma: ok "* ]] &&
		   [[ $line == *" dmar_faults=0"* ]] &&
		   [[ $line =~ \ maps=[1-9] ]] && [[ $line =~ \ tables=[1-9] ]] &&
		   grep -aq "DMAR: Intel(R) Virtualization Technology for Directed I/O" "$out"; then
			echo "ok $name" >>"$TAP"
			echo "# ${line#vtd-dma: ok }" >>"$TAP"
		else
			echo "not ok $name (qemu exit $rc)" >>"$TAP"
			grep -a -E 'vtd-dma:|DMAR|tdpmmu|BUG|WARNING|panic' "$out" |
				tail -n 20 | sed 's/^/# /' >>"$TAP"
		fi
	done
done
