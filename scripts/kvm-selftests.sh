#!/bin/bash
# kvm-selftests.sh [stock | ours | BUILD NAME]: KVM's own selftests
# (tools/testing/selftests/kvm, the MMU ones) in an x86_64 QEMU TCG guest:
# -cpu max gives the guest SVM with nested paging, so KVM runs on its TDP
# MMU (kvm_amd must log "Nested Paging enabled").  The tests and their
# (small) arguments are selftests/kvm/tests.txt, run one at a time under a
# timeout by the guest's /init (selftests/kvm/init.c).
#
#   kvm-selftests.sh stock|ours   boot $CACHE/build-x86_64-stock (built by
#                                 scripts/stock-kernel.sh) or build-x86_64
#   kvm-selftests.sh BUILD NAME   boot BUILD/arch/x86/boot/bzImage
#
# Writes $CACHE/kvm-selftests/NAME.log (console), NAME.res ("pass|fail|skip
# TEST ARGS" per line; a timeout is a fail) and NAME.times ("RESULT SECONDS
# TEST ARGS") and print "ok N kvm TEST ARGS" / "not ok N kvm TEST ARGS".
# Three extra lines per kernel: "nested-paging" (kvm_amd's message),
# "guest-done" (the list ran to its end within the boot's time limit) and
# "kernel-log" (no BUG/WARNING/Oops/panic/stall on the console).
#
# Without arguments, as a step (scripts/step.sh sets TAP and LOG): boot
# both and write per test to $TAP "ok kvm TEST ARGS (ours R, stock R)" if
# ours passes or ends as stock did, else "not ok ..."; the table (test,
# result and seconds on each) goes to $CACHE/kvm-selftests/table.txt.  The
# stock run is reused while its kernel, initramfs and command line are
# unchanged (KVM_STOCK_RERUN=1 boots it again); else stock and ours boot
# side by side.
#
# KVM_TESTS="prog ..." runs only those tests, KVM_LIST=FILE another list,
# KVM_OURS=BUILD compares another build against stock;
# KVM_TIMEOUT caps a boot (default: the sum of the tests' timeouts plus 5
# minutes).
#
# The selftests are built statically from the grafted tree (the project
# does not change them) into $CACHE/kvm-selftests/build, against uAPI
# headers installed there (make headers_install with its own O=, which
# keeps the tree clean), not against $src/usr/include: the selftests'
# Makefile takes LINUX_HDR_PATH and KHDR_INCLUDES from the command line.
# LDFLAGS on the command line replaces the Makefile's "-pthread -no-pie",
# so it carries them along with -static.  Debian's 6.12.117 tree needed no
# other workaround.  Only the binaries in tests.txt are built (make
# incrementally rebuilds them when the sources change).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${CACHE:-${XDG_CACHE_HOME:-$HOME/.cache}/tdpmmu}
export CACHE=$cache
work=$cache/kvm-selftests
list=${KVM_LIST:-$root/selftests/kvm/tests.txt}
mkdir -p "$work/bin"
# One run at a time: runs share the initramfs and the result files.
exec 9>"$work/.lock"
flock 9

case $# in
0) mode=compare; : "${TAP:?run as a step (scripts/step.sh) or give stock|ours}" ;;
1) mode=single; name=$1
   case $1 in
   stock) build=$("$root/scripts/stock-kernel.sh") ;;
   ours) build=$cache/build-x86_64 ;;
   *) echo "usage: $0 [stock | ours | BUILD NAME]" >&2; exit 2 ;;
   esac ;;
2) mode=single; build=$1 name=$2 ;;
*) echo "usage: $0 [stock | ours | BUILD NAME]" >&2; exit 2 ;;
esac

# The selftests, their /init and the initramfs.
src=$("$root/scripts/graft.sh" | tail -n 1)
make -s -C "$src" ARCH=x86_64 O="$work/hdr" INSTALL_HDR_PATH="$work/usr" \
	headers_install >&2
progs=$(awk '$1 ~ /^[0-9]+$/ { print $2 }' "$list" | sort -u)
sdir=$src/tools/testing/selftests/kvm
targets=()
for p in $progs; do
	if [[ -f $sdir/$p.c ]]; then
		targets+=("$work/build/$p")
	elif [[ -f $sdir/x86_64/$p.c ]]; then
		targets+=("$work/build/x86_64/$p")
	else
		echo "kvm-selftests: no $p.c in $sdir" >&2; exit 1
	fi
done
make -s -C "$sdir" OUTPUT="$work/build" LINUX_HDR_PATH="$work/usr/include/" \
	KHDR_INCLUDES="-isystem $work/usr/include" \
	LDFLAGS="-static -pthread -no-pie" "${targets[@]}" >&2
bins=()
for t in "${targets[@]}"; do
	strip -o "$work/bin/$(basename "$t")" "$t"
	bins+=("$work/bin/$(basename "$t")")
done
cp "$list" "$work/bin/tests.txt"
gcc -static -O2 -Wall -o "$work/init" "$root/selftests/kvm/init.c"
"$root/scripts/initramfs.sh" "$work/initramfs.cpio" "$src" "$work/init" \
	"$work/bin/tests.txt" "${bins[@]}"

# 160 2M pages: dirty_log_page_splitting_test's default backing (2 vCPUs
# x 64M) and the -s anonymous_hugetlb runs; nx_huge_pages_test takes 3.
cmdline="console=ttyS0 kunit.enable=0 no_timer_check hugepagesz=2M hugepages=160 rdinit=/init panic=-1${KVM_TESTS:+ -- $KVM_TESTS}"
# One host thread for both vCPUs: with QEMU 7.2's multi-threaded TCG the
# nested guests of 2-vCPU tests on hugetlb memory (dirty_log_perf_test -v 2
# -s anonymous_hugetlb, dirty_log_page_splitting_test) now and then hung or
# died (exit_reason=SHUTDOWN) on the stock kernel, 3 runs in 14; none in
# 14 with thread=single.  The guest kernel still runs on two CPUs.
accel=${KVM_ACCEL:-tcg,thread=single}
limit=${KVM_TIMEOUT:-$(awk '$1 ~ /^[0-9]+$/ { s += $1 } END { print s + 300 }' "$list")}

boot() {   # boot NAME BUILD: console to $work/NAME.log, results to NAME.res
	local k=$2/arch/x86/boot/bzImage
	rm -f "$work/$1.key"	# stock.key: what the saved stock run was
	if [[ ! -f $k ]] || ! grep -q '^CONFIG_KVM_AMD=y' "$2/.config"; then
		echo "kvm-selftests: no kernel with CONFIG_KVM_AMD=y in $2" >"$work/$1.log"
	else
		echo "# kvm-selftests: booting $1 ($k), up to $limit s" >&2
		timeout "$limit" qemu-system-x86_64 -nodefaults -no-reboot -nographic \
			-machine q35 -accel "$accel" -cpu max -m 4G -smp 2 -bios qboot.rom \
			-serial stdio -kernel "$k" -initrd "$work/initramfs.cpio" \
			-append "$cmdline" >"$work/$1.log" 2>&1 </dev/null || true
	fi
	# "RESULT SECONDS TEST ARGS", in the order the tests ran.
	tr -d '\r' <"$work/$1.log" | awk '
		/kvm-selftests: result / {	# a test may end without a newline
			sub(/ \(status -?[0-9]+\)$/, ""); sub(/^.*kvm-selftests: result /, "")
			print
		}
		/kvm_amd: Nested Paging enabled/ { npt = 1 }
		/BUG: |WARNING: CPU: |Oops: |Kernel panic|blocked for more than|detected stall/ { bad = 1 }
		/^kvm-selftests: done$/ { done = 1 }
		END {
			print (npt ? "pass" : "fail"), 0, "nested-paging"
			print (done ? "pass" : "fail"), 0, "guest-done"
			print (bad ? "fail" : "pass"), 0, "kernel-log"
		}' >"$work/$1.times"
	awk '{ r = ($1 == "timeout") ? "fail" : $1; $1 = ""; $2 = ""
	       sub(/^  /, ""); print r, $0 }' "$work/$1.times" >"$work/$1.res"
}

if [[ $mode == single ]]; then
	start=$SECONDS
	boot "$name" "$build"
	if [[ -n ${LOG:-} ]]; then cat "$work/$name.log" >>"$LOG"; fi
	awk '{ r = $1; s = $2; $1 = ""; $2 = ""; sub(/^  /, "")
	       printf "%sok %d kvm %s (%s, %s s)\n", (r == "pass" || r == "skip") ? "" : "not ",
	              NR, $0, r, s }' "$work/$name.times"
	echo "# kvm-selftests $name: $((SECONDS - start)) s, log $work/$name.log" >&2
	exit 0
fi

# Step mode: ours against stock.
ours=${KVM_OURS:-$cache/build-x86_64}
"$root/scripts/x86-kernel.sh" kvm-selftests CONFIG_KVM_AMD "$ours"
stock=$("$root/scripts/stock-kernel.sh")
key=$(cat "$stock/arch/x86/boot/bzImage" "$work/init" "$work/bin"/* <(echo "$cmdline $accel") |
	sha256sum | cut -c1-16)
# Both boots at once when stock runs too: each QEMU keeps one host CPU busy.
if [[ ${KVM_STOCK_RERUN:-0} == 1 || ! -s $work/stock.times ]] ||
   [[ $(cat "$work/stock.key" 2>/dev/null) != "$key" ]]; then
	boot stock "$stock" &
	boot ours "$ours"
	wait $!
	echo "$key" >"$work/stock.key"
else
	echo "# kvm-selftests: stock results reused ($work/stock.times)" >&2
	boot ours "$ours"
fi
cat "$work/stock.log" "$work/ours.log" >>"$LOG"

# One line per test, in stock's order then any only ours ran:
# "TEST ARGS|stock result|stock s|ours result|ours s".
awk '
	{ r = $1; s = $2; $1 = ""; $2 = ""; sub(/^  /, "") }
	FILENAME ~ /stock.times$/ {
		if (!($0 in sres)) order[n++] = $0
		sres[$0] = r; ssec[$0] = s; next
	}
	{ if (!($0 in sres) && !($0 in ores)) order[n++] = $0; ores[$0] = r; osec[$0] = s }
	END {
		for (i = 0; i < n; i++) {
			t = order[i]
			printf "%s|%s|%s|%s|%s\n", t, (t in sres) ? sres[t] : "missing", ssec[t],
			       (t in ores) ? ores[t] : "missing", osec[t]
		}
	}' "$work/stock.times" "$work/ours.times" >"$work/table.psv"
{
	printf '%-64s %-8s %7s %-8s %7s\n' test stock s ours s
	awk -F'|' '{ printf "%-64s %-8s %7s %-8s %7s\n", $1, $2, $3, $4, $5 }' "$work/table.psv"
} >"$work/table.txt"
cat "$work/table.txt" >>"$LOG"
awk -F'|' '{
	ok = ($4 == "pass" || $4 == $2)
	printf "%sok kvm %s (ours %s, stock %s)\n", ok ? "" : "not ", $1, $4, $2
}' "$work/table.psv" >>"$TAP"
