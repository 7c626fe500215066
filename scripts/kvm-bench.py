#!/usr/bin/env python3
# SPDX-License-Identifier: GPL-2.0-only
"""kvm-bench.py STOCK_LOG OURS_LOG OUT_JSONL: KVM's demand_paging_test and
dirty_log_perf_test timings from two guest consoles (scripts/kvm-bench.sh),
stock 6.12 KVM against KVM on lib/tdpmmu.  Each test ran several times in
one boot; the first run of each is a warm-up (the guest's memory is new
to QEMU then) and is dropped.  A row is the median per 4K page of guest
memory (ns) of the other runs, with min/max, ours beside stock (peer
"stock-kvm").  Prints the table, writes
one JSON object per row (DESIGN.md section 7) to OUT_JSONL, and exits 1 if
a log has no runs."""
import json
import re
import statistics
import sys

RUN = re.compile(r'kvm-selftests: run (\S+)(.*?) \(timeout')
RESULT = re.compile(r'kvm-selftests: result (\S+)')
TIME = r'([0-9]+\.[0-9]+)s'
METRICS = [
    # (op, regex on the console); "%s" is the MMU work, by mode (op_name)
    ('fault-demand-paging', re.compile(r'Total guest execution time:\s+' + TIME)),
    ('fault-populate', re.compile(r'Populate memory time: ' + TIME)),
    ('%senable-dirty-log', re.compile(r'Enabling dirty logging time: ' + TIME)),
    ('fault-dirty-pass', re.compile(r'Iteration [2-9] dirty memory time: ' + TIME)),
    ('%sget-dirty-log', re.compile(r'Get dirty log over .* \(Avg ' + TIME)),
    ('%sclear-dirty-log', re.compile(r'Clear dirty log over .* \(Avg ' + TIME)),
    ('%sdisable-dirty-log', re.compile(r'Disabling dirty logging time: ' + TIME)),
]


def op_name(op, args):
    """What KVM's MMU does in the step, which depends on the test's mode.
    With manual protect (dirty_log_perf_test's default), enabling dirty
    logging changes only the memslot's flags, and KVM_CLEAR_DIRTY_LOG
    write-protects 64 pages at a time (splitting 2M pages first); with -g,
    enabling
    write-protects the slot (eagerly splitting its 2M pages first) and
    KVM_GET_DIRTY_LOG write-protects what was dirtied.  Disabling recovers
    2M mappings only where the backing has them (stock KVM zaps the
    collapsible leaves, KVM on lib/tdpmmu collapses them in place)."""
    if '%s' not in op:
        return op
    manual = not re.search(r'(^| )-g( |$)', args)
    thp = re.search(r'-s \S*(thp|hugetlb)', args)
    if op.startswith('%senable'):
        return op % ('' if manual else 'split-wrprot-' if thp else 'wrprot-')
    if op.startswith('%sget'):
        return op % ('' if manual else 'wrprot-')
    if op.startswith('%sclear'):
        return op % ('split-wrprot-' if thp else 'wrprot-')
    return op % ('collapse-' if thp else '')


def size_of(args):
    """Guest memory per vCPU and vCPUs, from -b and -v; backing from -s."""
    b = re.search(r'-b (\d+)([KMG])', args)
    v = re.search(r'-v (\d+)', args)
    s = re.search(r'-s (\S+)', args)
    mul = {'K': 1 << 10, 'M': 1 << 20, 'G': 1 << 30}
    per_vcpu = int(b.group(1)) * mul[b.group(2)] if b else 1 << 30
    vcpus = int(v.group(1)) if v else 1
    return per_vcpu * vcpus, s.group(1) if s else 'anonymous'


def parse(path):
    """{(test, args, op): [ns per 4K page, ...]} over the passed runs,
    but the first run of a test (the warm-up) where it ran three times or
    more."""
    runs, tried = {}, {}
    cur, vals = None, []
    with open(path, errors='replace') as f:
        for line in f:
            line = line.replace('\r', '')
            m = RUN.search(line)
            if m:
                cur, vals = (m.group(1), m.group(2).strip()), []
                tried[cur] = tried.get(cur, 0) + 1
                continue
            if cur is None:
                continue
            m = RESULT.search(line)
            if m:
                if m.group(1) == 'pass':
                    runs.setdefault(cur, []).append((tried[cur], vals))
                cur = None
                continue
            for op, rx in METRICS:
                m = rx.search(line)
                if m:
                    mem, _ = size_of(cur[1])
                    vals.append((op_name(op, cur[1]),
                                 float(m.group(1)) * 1e9 / (mem >> 12)))
    out = {}
    for cur, rs in runs.items():
        for n, vals in rs:
            if n == 1 and tried[cur] > 2:
                continue
            for op, v in vals:
                out.setdefault(cur + (op,), []).append(v)
    return out


def main():
    if len(sys.argv) != 4:
        sys.exit(__doc__)
    stock, ours = parse(sys.argv[1]), parse(sys.argv[2])
    if not stock or not ours:
        print('kvm-bench: no passed runs in %s' %
              (sys.argv[1] if not stock else sys.argv[2]), file=sys.stderr)
        sys.exit(1)
    rows = []
    print('%-28s %-38s %10s %10s %7s  %s' % ('op', 'test', 'ours ns/pg',
                                            'stock', 'ratio', 'runs (min-max ours)'))
    for key in sorted(ours):
        if key not in stock:
            continue
        test, args, op = key
        o, s = ours[key], stock[key]
        mo, ms = statistics.median(o), statistics.median(s)
        mem, backing = size_of(args)
        size = '%dM %s%s' % (mem >> 20, backing,
                             ' -g' if re.search(r'(^| )-g( |$)', args) else '')
        rows.append({'op': op, 'format': 'x86_64', 'size': size, 'ns': round(mo, 1),
                     'peer': 'stock-kvm', 'peer_ns': round(ms, 1), 'floor_ns': None,
                     'host': 'qemu-x86_64', 'runs': len(o),
                     'min': round(min(o), 1), 'max': round(max(o), 1),
                     'test': '%s %s' % (test, args)})
        print('%-28s %-38s %10.1f %10.1f %7.3f  %d (%.1f-%.1f)' %
              (op, (test + ' ' + args)[:38], mo, ms, mo / ms if ms else 0,
               len(o), min(o), max(o)))
    with open(sys.argv[3], 'w') as f:
        for r in rows:
            f.write(json.dumps(r) + '\n')


if __name__ == '__main__':
    main()
