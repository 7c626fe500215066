#!/bin/bash
# kvm-bench.sh: KVM's demand_paging_test and dirty_log_perf_test
# (selftests/kvm/bench.txt: six rounds, the first a warm-up) on the stock
# 6.12 kernel and on ours (KVM on lib/tdpmmu, $CACHE/build-x86_64), one
# boot each of the guest scripts/kvm-selftests.sh sets up.  Medians per
# 4K page of guest memory, ours beside stock: the table to stdout, the
# rows (peer "stock-kvm") to $CACHE/results/kvm-bench.jsonl for make
# bench.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tdpmmu}
export CACHE=$cache KVM_LIST=$root/selftests/kvm/bench.txt
work=$cache/kvm-selftests
mkdir -p "$cache/results"

if ! grep -qs '^CONFIG_KVM_TDPMMU=y' "$cache/build-x86_64/.config" ||
   [[ ! -f $cache/build-x86_64/arch/x86/boot/bzImage ]]; then
	echo "kvm-bench: no kernel with CONFIG_KVM_TDPMMU=y in $cache/build-x86_64 (make kunit-x86)" >&2
	exit 1
fi
stock=$("$root/scripts/stock-kernel.sh")
# One guest after the other: kvm-selftests.sh runs one boot at a time
# (the boots share the initramfs it builds).
"$root/scripts/kvm-selftests.sh" "$stock" bench-stock >&2 || true
"$root/scripts/kvm-selftests.sh" "$cache/build-x86_64" bench-ours >&2 || true
"${PYTHON:-python3}" "$root/scripts/kvm-bench.py" "$work/bench-stock.log" \
	"$work/bench-ours.log" "$cache/results/kvm-bench.jsonl"
