#!/bin/bash
# step.sh NAME CMD...: run one test step, collecting its result lines.
#
# CMD appends "ok <name>" / "not ok <name>" lines (and "# ..." diagnostics)
# to $TAP and writes its noisy output to $LOG.  Whatever CMD does, the step
# ends with at least one result line: a crash or an empty run is a failure.
# V=1 streams $LOG to the terminal.
set -euo pipefail
name=$1; shift
res=${CACHE:?}/results
mkdir -p "$res"
export TAP=$res/$name.tap LOG=$res/$name.log
: >"$TAP"; : >"$LOG"

echo "== $name (log: $LOG)" >&2
start=$SECONDS
if [[ ${V:-0} == 1 ]]; then
	tail -f "$LOG" >&2 & tailpid=$!
fi
rc=0
"$@" >>"$LOG" 2>&1 </dev/null || rc=$?
if [[ -n ${tailpid:-} ]]; then sleep 0.2; kill "$tailpid"; fi

if ! grep -qE '^(not )?ok ' "$TAP"; then
	echo "not ok $name produced no results (exit status $rc)" >>"$TAP"
	tail -n 30 "$LOG" | sed 's/^/# /' >>"$TAP"
elif [[ $rc != 0 ]] && ! grep -q '^not ok ' "$TAP"; then
	echo "not ok $name exited with status $rc" >>"$TAP"
	tail -n 30 "$LOG" | sed 's/^/# /' >>"$TAP"
fi
echo "$((SECONDS - start))" >"$res/$name.secs"
