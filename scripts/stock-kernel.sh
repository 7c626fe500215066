#!/bin/bash
# stock-kernel.sh: the stock x86_64 kernel, the baseline of the steps that
# compare ours against it (iommufd-upstream.sh, kvm-selftests.sh): the
# pristine base tree with kunit/x86_64.kunitconfig minus the project's
# options (lines matching TDPMMU|IOPF_S2), built in
# $CACHE/build-x86_64-stock on first use and again when that config
# changes (about 10 minutes).  stdout: the build dir.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:?}
stock=$cache/build-x86_64-stock
base=$(CACHE=$cache "$root/scripts/kernel-tree.sh")
mkdir -p "$stock"

grep -vE 'TDPMMU|IOPF_S2' "$root/kunit/x86_64.kunitconfig" >"$stock/.stock.kunitconfig.new"
if [[ ! -f $stock/arch/x86/boot/bzImage ]] ||
   ! cmp -s "$stock/.stock.kunitconfig.new" "$stock/.stock.kunitconfig"; then
	echo "# building the stock kernel in $stock (once, about 10 minutes)" >&2
	rm -f "$stock/.stock.kunitconfig"
	(cd "$base" && "${PYTHON:-python3}" tools/testing/kunit/kunit.py config \
		--kunitconfig="$stock/.stock.kunitconfig.new" --build_dir="$stock" \
		--arch x86_64 --make_options "CC=ccache gcc") >&2
	CCACHE_BASEDIR=$base make -C "$base" ARCH=x86_64 O="$stock" \
		CC="ccache gcc" -j"$(nproc)" bzImage >&2
	mv "$stock/.stock.kunitconfig.new" "$stock/.stock.kunitconfig"
fi
rm -f "$stock/.stock.kunitconfig.new"
echo "$stock"
