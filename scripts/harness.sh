#!/bin/bash
# harness.sh: build and run the userspace harness (selftests/harness) against
# the build copy; its TAP lines "ok N name" become "ok harness name" in $TAP.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
src=$("$root/scripts/graft.sh" | tail -n 1)
rc=0
make -C "$root/selftests/harness" KSRC="$src" 2>&1 | tee "$LOG.tap" || rc=$?
sed -nE 's/^(not )?ok [0-9]+ (- )?/\1ok harness /p' "$LOG.tap" >>"$TAP"
exit "$rc"
