#!/bin/bash
# check-debug.sh [CONFIG...]: the project's KUnit suites under kernel debug
# configs, kunit/debug-<config>.kunitconfig (default: all of them):
#   lockdep  UML: PROVE_LOCKING, PROVE_RCU, DEBUG_ATOMIC_SLEEP, DEBUG_VM, ...
#   kasan    UML: generic KASAN
#   kcsan    x86_64 under QEMU TCG, SMP with 2 vCPUs (scripts/qemu_x86_64_smp.py)
# Each config is a step check-debug-<config> (step.sh: $CACHE/results/
# check-debug-<config>.{tap,log}) built in $CACHE/build-debug-<config>: one
# result line per KUnit case, then one saying the kernel log has no splat
# (BUG, WARNING, KASAN, KCSAN, lockdep, RCU, ...).  Last line of the output:
# "N passed, N failed" (summarize.sh).  Not part of make check: slow.
#
# check-debug.sh --one CONFIG runs one config inside step.sh.
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
: "${CACHE:=${XDG_CACHE_HOME:-$HOME/.cache}/tdpmmu}"
export CACHE
all=(lockdep kasan kcsan)

# A splat in the kernel log: lockdep, RCU, KASAN, KCSAN, debugobjects,
# list debugging, sleeping in atomic context, WARN, BUG, oops, hangs.
splat='BUG:|WARNING:|KASAN:|KCSAN:|data-race|UBSAN:|cut here|Oops|Kernel panic'
splat+='|general protection fault|possible circular locking'
splat+='|possible recursive locking|suspicious RCU usage|inconsistent lock state'
splat+='|Invalid wait context|sleeping function called|lockdep is turned off'
splat+='|DEBUG_LOCKS_WARN_ON|ODEBUG:|list_(add|del) corruption'
splat+='|INFO: task .* blocked|rcu_.*detected stall|soft lockup|hard LOCKUP'

# The banner showing the tool is really in the kernel that ran.  Generic
# KASAN on UML prints none (kunit.py has checked CONFIG_KASAN=y in .config).
banner() {
	case $1 in
	lockdep) echo 'Lock dependency validator' ;;
	kcsan)   echo 'kcsan: enabled' ;;
	*)       echo '' ;;
	esac
}

one() {
	local c=$1 name=check-debug-$1 build=$CACHE/build-debug-$1
	local cfg=$root/kunit/debug-$1.kunitconfig extra=() rc=0 src
	local json=$CACHE/$name.json klog=$CACHE/build-debug-$1/test.log

	[[ -f $cfg ]] || { echo "not ok $name no $cfg" >>"$TAP"; return 1; }
	# Two vCPUs under TCG, every access instrumented: the default 10^5
	# random ops took 223 s, and with teardown overran KUnit's 300 s.
	[[ $c == kcsan ]] && extra=(--arch x86_64
		--qemu_config "$root/scripts/qemu_x86_64_smp.py"
		--kernel_args tdpmmu_test.random_ops=20000)
	rm -f "$json" "$klog"
	src=$("$root/scripts/graft.sh" | tail -n 1)
	export CCACHE_BASEDIR=$src
	cd "$src"
	"${PYTHON:-python3}" tools/testing/kunit/kunit.py run \
		--kunitconfig="$cfg" --build_dir="$build" \
		--make_options "CC=ccache gcc" --jobs "$(nproc)" --json="$json" \
		--timeout 3600 "${extra[@]}" ${KUNIT_FILTER:+"$KUNIT_FILTER"} || rc=$?
	"${PYTHON:-python3}" "$root/scripts/kunit-tap.py" "$name" "$json" "$LOG" >>"$TAP"
	grep -h 'Elapsed time:' "$LOG" | sed "s/^\[[0-9:]*\] /# $name: /" >>"$TAP" || true

	# The kernel's whole console output (kunit.py keeps it in test.log).
	if [[ ! -s $klog ]]; then
		echo "not ok $name kernel log clean # no kernel log" >>"$TAP"
	elif grep -qE "$splat" "$klog"; then
		{
			echo "not ok $name kernel log clean"
			grep -nE "$splat" "$klog" | head -n 20 | sed 's/^/# /'
			echo "# (full log: $klog)"
		} >>"$TAP"
	elif [[ -n $(banner "$c") ]] && ! grep -q "$(banner "$c")" "$klog"; then
		echo "not ok $name kernel log clean # no '$(banner "$c")': tool not active" >>"$TAP"
	else
		echo "ok $name kernel log clean" >>"$TAP"
	fi
	return "$rc"
}

if [[ ${1:-} == --one ]]; then
	one "$2"
	exit
fi

configs=("$@")
[[ ${#configs[@]} -gt 0 ]] || configs=("${all[@]}")
steps=()
for c in "${configs[@]}"; do
	steps+=("check-debug-$c")
	"$root/scripts/step.sh" "check-debug-$c" "$0" --one "$c" || true
done
exec "$root/scripts/summarize.sh" "${steps[@]}"
