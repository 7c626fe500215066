#!/usr/bin/env python3
"""bench-report.py [results/bench.json [ROWS.jsonl ...]]: add the rows of
each JSON-lines file, and of bench/reference-*.jsonl, to the JSON
(rewriting it; a row with the same op, format, size and host as one
already there replaces it), then write bench.txt (the machine, a summary
by format, the issue-9 targets, every row) and bench.png (chart of
ratios) next to it.

bench-report.py --readme README.md [results/bench.txt]: replace what lies
between the README's BEGIN and END markers (below) with the part of
bench.txt above its full table.

Input (DESIGN.md section 7): a JSON array of rows
  {"op", "format", "size", "ns", "peer", "peer_ns", "floor_ns", "host"}
with peer, peer_ns and floor_ns null where there is none.
Ratios are ns / peer_ns (below 1: faster than the peer) and ns / floor_ns
(how far above the floor, e.g. a bare store loop, we are).  Rows whose host
starts with "reference:" are published numbers from another machine
(bench/reference-*.jsonl): shown beside ours, never a ratio."""
import datetime
import glob
import json
import os
import platform
import re
import sys

KEYS = ('op', 'format', 'size', 'ns', 'peer', 'peer_ns', 'floor_ns', 'host')
FORMATS = ('mock', 'vtdss', 'ept', 'x86_64')
BEGIN = '<!-- bench.txt summary: BEGIN (scripts/bench-report.py --readme) -->'
END = '<!-- bench.txt summary: END -->'
FULL = 'All rows:'
# Our rows a reference row stands beside: TDPMMU_OWNED, as the VT-d
# front-end maps and unmaps, the tables kept from round to round.
REF_BESIDE = {'map': 'map-owned-present', 'unmap': 'unmap-owned-present'}


def ratio(a, b):
    return a / b if a is not None and b else None


def fmt(v, col):
    if v is None:
        return '-'
    if col.endswith('ratio'):
        return f'{v:.2f}'
    if isinstance(v, (int, float)):
        return f'{v:.1f}'
    return str(v)


def is_ref(r):
    return r['host'].startswith('reference:')


def refs_by_key(rows):
    """The reference rows by the (op, format, size) of ours beside them."""
    return {(REF_BESIDE.get(r['op'], r['op']), r['format'], r['size']): r
            for r in rows if is_ref(r)}


def key(r):
    return (r['op'], r['format'], r['size'], r['host'])


def machine():
    cpu = '?'
    try:
        with open('/proc/cpuinfo') as f:
            for line in f:
                if line.startswith('model name'):
                    cpu = line.split(':', 1)[1].strip()
                    break
    except OSError:
        pass
    now = datetime.datetime.now(datetime.timezone.utc)
    return (f'{cpu}, {os.cpu_count()} CPUs, kernel {platform.release()}, '
            f'{now:%Y-%m-%d %H:%M} UTC')


def entries(size):
    """How many entries a row's size covers: 256x4K, 1G-of-4K, ..."""
    m = re.fullmatch(r'(\d+)x(4K|2M)', size)
    if m:
        return int(m.group(1))
    m = re.fullmatch(r'1G-of-(4K|2M)', size)
    if m:
        return 262144 if m.group(1) == '4K' else 512
    return 1


def table(head, body, left):
    width = [max(len(t[i]) for t in [head] + body) for i in range(len(head))]
    lines = ['  '.join(c.ljust(w) if i in left else c.rjust(w)
                       for i, (c, w) in enumerate(zip(t, width))).rstrip()
             for t in [head] + body]
    lines.insert(1, '  '.join('-' * w for w in width))
    return lines


def short(v):
    """3 significant digits, more where the integer part has them."""
    return f'{v:.3g}' if v < 100 else f'{v:.0f}'


def summary(rows):
    """Per host, one line per op and size, a column per format."""
    refs = {(op, size): r for (op, f, size), r in refs_by_key(rows).items()
            if f == 'vtdss'}
    out, hosts = [], []
    for r in rows:
        if not is_ref(r) and r['host'] not in hosts:
            hosts.append(r['host'])
    for host in hosts:
        cells, order = {}, []
        for r in rows:
            if r['host'] != host:
                continue
            k = (r['op'], r['size'])
            if k not in cells:
                cells[k] = {'()': ''}
                order.append(k)
            if 'scaling' in r:
                x, cells[k]['()'] = r['scaling'], 'scaling'
            elif r['peer_ratio'] is not None:
                x, cells[k]['()'] = r['peer_ratio'], r['peer']
            elif r['floor_ratio'] is not None:
                x, cells[k]['()'] = r['floor_ratio'], 'floor'
            else:
                x = None
            cells[k][r['format']] = short(r['ns']) + \
                (f' ({short(x)})' if x is not None else '')
        fmts = [f for f in FORMATS if any(f in c for c in cells.values())]
        fmts += sorted({f for c in cells.values() for f in c
                        if f not in FORMATS and f != '()'})
        ref = host == 'userspace' and any(k in refs for k in order)
        head = ['op', 'size'] + fmts + ['( )'] + \
            (['generic_pt, i7-12700'] if ref else [])
        body = []
        for k in order:
            body.append(list(k) + [cells[k].get(f, '-') for f in fmts] +
                        [cells[k]['()']] +
                        ([short(refs[k]['ns']) if k in refs else '']
                         if ref else []))
        out += [f'{host}:'] + table(head, body, {0, 1, 2 + len(fmts)}) + ['']
    return out


def targets(rows):
    """The issue-9 targets this run can judge, and the rows that miss."""
    ours = [r for r in rows if not is_ref(r)]
    out = []

    def judge(title, sel, val, ok):
        got = [(r, val(r)) for r in ours if sel(r) and val(r) is not None]
        if not got:
            out.append(f'- {title}: no rows in this run')
            return
        met = sum(ok(v) for _, v in got)
        out.append(f'- {title}: met by {met} of {len(got)} rows')
        miss = {}
        for r, v in got:
            if not ok(v):
                miss.setdefault((r['op'], r['size'], r['host']), []).append(
                    f"{r['format']} {short(v)}")
        out.extend(f"    not met: {op} {size}{'' if h == 'userspace' else ' ' + h}:"
                   f" {', '.join(v)}" for (op, size, h), v in miss.items())

    judge('map/unmap >= 1.5x faster than intel-iommu (intel-iommu ns / ns)',
          lambda r: r['peer'] == 'intel-iommu',
          lambda r: ratio(r['peer_ns'], r['ns']), lambda v: v >= 1.5)
    judge('per-entry cost within 3x of the store floor (ns / floor_ns, '
          '256 entries or more)',
          lambda r: entries(r['size']) >= 256 and r['floor_ns'],
          lambda r: r['floor_ratio'], lambda v: v <= 3)
    judge('split/collapse <= 1.5x fresh-map (ns / fresh-map ns)',
          lambda r: r['peer'] == 'fresh-map' and
          r['op'].startswith(('split', 'collapse')),
          lambda r: r['peer_ratio'], lambda v: v <= 1.5)
    judge('2-thread fault scaling >= 1.8x (2-thread / 1-thread throughput)',
          lambda r: r['op'].startswith('fault-4K-2thread'),
          lambda r: r.get('scaling'), lambda v: v >= 1.8)
    return out


def chart(rows, path):
    import matplotlib
    matplotlib.use('Agg')
    import matplotlib.pyplot as plt

    groups = {}
    for r in rows:
        if not is_ref(r):
            groups.setdefault((r['host'], r['format']), []).append(r)
    ours = {(r['op'], r['format'], r['size']): r for r in rows
            if r['host'] == 'userspace'}
    pairs = [(r, ours.get(k)) for k, r in refs_by_key(rows).items()]
    n = len(groups) + (1 if pairs else 0)
    most = max([len(g) for g in groups.values()] + [len(pairs)])
    fig, axes = plt.subplots(n, 1, figsize=(max(8, 0.3 * most + 3), 4.5 * n),
                             squeeze=False)
    for ax, ((host, f), g) in zip(axes[:, 0], groups.items()):
        pos = range(len(g))
        nan = float('nan')
        ax.bar([p - 0.2 for p in pos], [r['peer_ratio'] or nan for r in g],
               width=0.4, label='ns / peer_ns')
        ax.bar([p + 0.2 for p in pos], [r['floor_ratio'] or nan for r in g],
               width=0.4, label='ns / floor_ns')
        ax.axhline(1.0, color='black', linewidth=0.8)
        ax.set_yscale('log')
        ax.set_xticks(list(pos))
        ax.set_xticklabels([f"{r['op']} {r['size']}" for r in g],
                           rotation=45, ha='right', fontsize=7)
        ax.set_ylabel('ratio (log; 1 = equal)')
        ax.set_title(f'{f} on {host}: time relative to peer and floor '
                     '(no bar: none)')
        ax.legend(fontsize=8)
    if pairs:
        ax = axes[-1, 0]
        pos = range(len(pairs))
        ax.bar([p - 0.2 for p in pos],
               [o['ns'] if o else float('nan') for _, o in pairs], width=0.4,
               label='tdpmmu vtdss *-owned-present, this machine')
        ax.bar([p + 0.2 for p in pos], [r['ns'] for r, _ in pairs],
               width=0.4, hatch='//', color='lightgray', edgecolor='black',
               label=pairs[0][0]['host'] + ': a DIFFERENT machine')
        ax.set_xticks(list(pos))
        ax.set_xticklabels([f"{r['op']} {r['format']} {r['size']}"
                            for r, _ in pairs],
                           rotation=45, ha='right', fontsize=8)
        ax.set_ylabel('ns per call')
        ax.set_title('VT-d second stage map/unmap beside the published '
                     'generic_pt numbers (not a ratio: other machine)')
        ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=80)


def readme(path, txt):
    with open(txt) as f:
        text = f.read()
    text = text.split('\n' + FULL + '\n')[0].rstrip('\n')
    with open(path) as f:
        doc = f.read()
    if doc.count(BEGIN) != 1 or doc.count(END) != 1:
        sys.exit(f'{path}: needs one line {BEGIN} and one {END}')
    head, rest = doc.split(BEGIN)
    tail = rest.split(END)[1]
    with open(path, 'w') as f:
        f.write(f'{head}{BEGIN}\n```\n{text}\n```\n{END}{tail}')
    print(f'{path}: bench summary from {txt}')


def main():
    args = sys.argv[1:]
    if args[:1] == ['--readme'] and len(args) in (2, 3):
        readme(args[1], args[2] if len(args) == 3 else 'results/bench.txt')
        return
    src = args[0] if args else 'results/bench.json'
    out = os.path.dirname(src) or '.'
    with open(src) as f:
        rows = json.load(f)
    if not isinstance(rows, list):
        sys.exit(f'{src}: expected a JSON array of rows')
    top = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
    for extra in args[1:] + sorted(glob.glob(f'{top}/bench/reference-*.jsonl')):
        with open(extra) as f:
            new = [json.loads(line) for line in f if line.strip()]
        keys = {key(r) for r in new}
        rows = [r for r in rows if key(r) not in keys] + new
    with open(src, 'w') as f:
        json.dump(rows, f, indent=1)
    for i, r in enumerate(rows):
        missing = [k for k in KEYS if k not in r]
        if missing:
            sys.exit(f'{src}: row {i} lacks {", ".join(missing)}')
        r['peer_ratio'] = ratio(r['ns'], r['peer_ns'])
        r['floor_ratio'] = ratio(r['ns'], r['floor_ns'])

    hosts = sorted({r['host'] for r in rows})
    text = [f'tdpmmu bench ({src}), {machine()}', '',
            'host userspace: the harness on this machine; qemu-x86_64: an '
            'x86_64 guest (TCG) on it;',
            'host "reference: ...": published numbers from a DIFFERENT '
            'machine, not measured here.',
            f"hosts in this run: {', '.join(hosts)}", '',
            'Median ns per operation by format, and in ( ) the ratio the '
            '( ) column names:',
            '  floor: ns / floor_ns (a plain store loop over as many '
            'entries); a peer: ns / peer_ns;',
            '  scaling: 2-thread over 1-thread throughput (2 = perfect).',
            'generic_pt, i7-12700: the published VT-d second-stage map and '
            'unmap of a DIFFERENT machine,',
            '  never a ratio, beside our vtdss *-owned-present rows '
            '(TDPMMU_OWNED, as the VT-d front-end',
            '  maps and unmaps; tables kept from round to round).', '']
    text += summary(rows)
    text += ['Targets (issue 9):'] + targets(rows)
    for r in rows:
        if 'retry_pct' in r:
            text.append(f"{r['op']} {r['format']}: {r['retry_pct']:.2f}% of "
                        f"faults retried ({r['peer']}: "
                        f"{r['peer_retry_pct']:.2f}%)")

    head = ('op', 'format', 'size', 'ns', 'peer', 'peer_ns', 'x peer',
            'floor_ns', 'x floor', 'host')
    cols = ('op', 'format', 'size', 'ns', 'peer', 'peer_ns', 'peer_ratio',
            'floor_ns', 'floor_ratio', 'host')
    lines = table(head, [[fmt(r[c], c) for c in cols] for r in rows],
                  {0, 1, 2, 4, 9})
    text += ['', FULL] + lines
    text.append('\nx peer = ns / peer_ns (below 1: faster than the peer); '
                'x floor = ns / floor_ns.')
    with open(os.path.join(out, 'bench.txt'), 'w') as f:
        f.write('\n'.join(text) + '\n')
    chart(rows, os.path.join(out, 'bench.png'))
    print(os.path.join(out, 'bench.txt'))
    print('\n'.join(text))


if __name__ == '__main__':
    main()
