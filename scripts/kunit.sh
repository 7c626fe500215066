#!/bin/bash
# kunit.sh um|x86_64: graft, then build and run KUnit with kunit.py from the
# build copy; result lines to $TAP (see step.sh).  KUNIT_FILTER=suite.* is
# passed as kunit.py's filter_glob.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
arch=$1
case $arch in
um)     name=kunit-um;  cfg=$root/kunit/um.kunitconfig;     extra=() ;;
x86_64) name=kunit-x86; cfg=$root/kunit/x86_64.kunitconfig
	# make run: the random differential test at 10^6 operations, as
	# 10 seeds of 10^5 (each KUnit case must end within 300 s).
	extra=(--arch x86_64 --qemu_config "$root/scripts/qemu_x86_64_iommu.py"
	       --kernel_args tdpmmu_test.random_runs=10 --timeout 1800) ;;
*) echo "usage: $0 um|x86_64" >&2; exit 2 ;;
esac
json=$CACHE/$name.json
rm -f "$json"

src=$("$root/scripts/graft.sh" | tail -n 1)
export CCACHE_BASEDIR=$src
cd "$src"
rc=0
"${PYTHON:-python3}" tools/testing/kunit/kunit.py run \
	--kunitconfig="$cfg" --build_dir="$CACHE/build-$arch" \
	--make_options "CC=ccache gcc" --jobs "$(nproc)" --json="$json" \
	"${extra[@]}" ${KUNIT_FILTER:+"$KUNIT_FILTER"} || rc=$?
"${PYTHON:-python3}" "$root/scripts/kunit-tap.py" "$name" "$json" "$LOG" >>"$TAP"

# The rows of the in-kernel benchmarks, for make bench: "tdpmmu-bench: {...}"
# (tdpmmu_bench, the core per format; intel_tdpmmu_bench, intel-iommu's
# map/unmap against its own tables).
mkdir -p "$CACHE/results"
sed -n 's/^.*tdpmmu-bench: {/{/p' "$CACHE/build-$arch/test.log" \
	>"$CACHE/results/$name-bench.jsonl" 2>/dev/null || true

# sparse over the project's files, in the tree kunit.py just configured
# (not for a filtered run, such as make bench's).
if [[ $arch == um && -z ${KUNIT_FILTER:-} ]]; then
	slog=$CACHE/results/sparse.log
	if make ARCH=um O="$CACHE/build-um" CC="ccache gcc" C=2 lib/tdpmmu/ \
		>"$slog" 2>&1 && ! grep -E '(warning|error):' "$slog" | grep -q tdpmmu; then
		echo "ok $name sparse lib/tdpmmu" >>"$TAP"
	else
		echo "not ok $name sparse lib/tdpmmu" >>"$TAP"
		grep -E '(warning|error):' "$slog" | tail -n 20 | sed 's/^/# /' >>"$TAP"
	fi
fi
exit "$rc"
