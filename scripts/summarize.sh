#!/bin/bash
# summarize.sh [--prefix TEXT] STEP...: print the steps' result lines as one
# TAP stream numbered from 1, then "[TEXT]N passed, N failed" as the last
# line.  Exit status 1 if anything failed or a step left no results.
set -euo pipefail
prefix=
if [[ ${1:-} == --prefix ]]; then prefix=$2; shift 2; fi
res=${CACHE:?}/results

all=$(mktemp); trap 'rm -f "$all"' EXIT
for s in "$@"; do
	f=$res/$s.tap
	if [[ -s $f ]]; then cat "$f"; else echo "not ok $s did not run"; fi
	p=$(grep -c '^ok ' "$f" 2>/dev/null || true)
	n=$(grep -c '^not ok ' "$f" 2>/dev/null || true)
	t=$(cat "$res/$s.secs" 2>/dev/null || echo '?')
	printf '# %-10s %3d passed, %3d failed, %ss (log: %s)\n' "$s" "$p" "$n" "$t" "$res/$s.log" >&2
done >"$all"

pass=$(grep -c '^ok ' "$all" || true)
fail=$(grep -c '^not ok ' "$all" || true)
echo "TAP version 13"
echo "1..$((pass + fail))"
awk '/^(not )?ok /{ n++; sub(/ok /, "ok " n " ") } { print }' "$all"
echo "${prefix}$pass passed, $fail failed"
[[ $fail == 0 ]]
