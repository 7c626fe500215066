#!/bin/bash
# lint.sh: checkpatch (--strict) and kernel-doc on every project C file,
# one result line per file per tool to $TAP.  Any message is a failure.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src=$("$root/scripts/graft.sh" | tail -n 1)
cd "$root"

dirs=()
for d in lib-tdpmmu kunit vtd-pgtable-ops kvm-adapter iommufd-adapter selftests bench; do
	[[ -d $d ]] && dirs+=("$d")
done
files=$(find "${dirs[@]}" -type f \( -name '*.c' -o -name '*.h' \) \
	-not -path 'selftests/harness/build/*' | sort)
if [[ -z $files ]]; then
	echo "not ok lint no C files found"; exit 0
fi >>"$TAP"

result() {   # result TOOL FILE OUTPUT RC
	if [[ $4 == 0 && -z $3 ]]; then
		echo "ok lint $1 $2"
	else
		echo "not ok lint $1 $2"
		sed 's/^/# /' <<<"$3"
	fi >>"$TAP"
}
for f in $files; do
	rc=0
	out=$("$src/scripts/checkpatch.pl" --no-tree --strict --terse --no-summary \
		--show-types -f "$f" 2>&1) || rc=$?
	result checkpatch "$f" "$out" "$rc"
	rc=0
	out=$("$src/scripts/kernel-doc" -none "$f" 2>&1) || rc=$?
	result kernel-doc "$f" "$out" "$rc"
done
