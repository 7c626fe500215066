#!/usr/bin/env python3
"""bench-report.py [results/bench.json [ROWS.jsonl ...]]: add the rows of
each JSON-lines file to the JSON (rewriting it), then write bench.txt
(table) and bench.png (chart of ratios) next to it.

Input (DESIGN.md section 7): a JSON array of rows
  {"op", "format", "size", "ns", "peer", "peer_ns", "floor_ns", "host"}
with peer, peer_ns and floor_ns null where there is none.
Ratios are ns / peer_ns (below 1: faster than the peer) and ns / floor_ns
(how far above the floor, e.g. a bare store loop, we are)."""
import json
import os
import sys

import matplotlib
matplotlib.use('Agg')
import matplotlib.pyplot as plt  # noqa: E402

KEYS = ('op', 'format', 'size', 'ns', 'peer', 'peer_ns', 'floor_ns', 'host')


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


def main():
    src = sys.argv[1] if len(sys.argv) > 1 else 'results/bench.json'
    out = os.path.dirname(src) or '.'
    with open(src) as f:
        rows = json.load(f)
    if not isinstance(rows, list):
        sys.exit(f'{src}: expected a JSON array of rows')
    if len(sys.argv) > 2:
        for extra in sys.argv[2:]:
            with open(extra) as f:
                rows += [json.loads(line) for line in f if line.strip()]
        with open(src, 'w') as f:
            json.dump(rows, f, indent=1)
    for i, r in enumerate(rows):
        missing = [k for k in KEYS if k not in r]
        if missing:
            sys.exit(f'{src}: row {i} lacks {", ".join(missing)}')
        r['peer_ratio'] = ratio(r['ns'], r['peer_ns'])
        r['floor_ratio'] = ratio(r['ns'], r['floor_ns'])

    head = ('op', 'format', 'size', 'ns', 'peer', 'peer_ns', 'x peer',
            'floor_ns', 'x floor', 'host')
    cols = ('op', 'format', 'size', 'ns', 'peer', 'peer_ns', 'peer_ratio',
            'floor_ns', 'floor_ratio', 'host')
    table = [head] + [tuple(fmt(r[c], c) for c in cols) for r in rows]
    width = [max(len(t[i]) for t in table) for i in range(len(head))]
    lines = ['  '.join(c.ljust(w) if i in (0, 1, 2, 4, 9) else c.rjust(w)
                       for i, (c, w) in enumerate(zip(t, width))).rstrip()
             for t in table]
    lines.insert(1, '  '.join('-' * w for w in width))
    with open(os.path.join(out, 'bench.txt'), 'w') as f:
        f.write('\n'.join(lines) + '\n')
        f.write('\nx peer = ns / peer_ns (below 1: faster than the peer); '
                'x floor = ns / floor_ns.\n')
        for r in rows:
            if 'retry_pct' in r:
                f.write(f"{r['op']}: {r['retry_pct']:.2f}% of faults retried"
                        f" ({r['peer']}: {r['peer_retry_pct']:.2f}%)\n")

    labels = [f"{r['op']} {r['format']} {r['size']} ({r['host']})" for r in rows]
    pos = range(len(rows))
    fig, ax = plt.subplots(figsize=(max(6, 0.6 * len(rows) + 2), 5))
    ax.bar([p - 0.2 for p in pos], [r['peer_ratio'] or 0 for r in rows],
           width=0.4, label='ns / peer_ns')
    ax.bar([p + 0.2 for p in pos], [r['floor_ratio'] or 0 for r in rows],
           width=0.4, label='ns / floor_ns')
    ax.axhline(1.0, color='black', linewidth=0.8)
    ax.set_xticks(list(pos))
    ax.set_xticklabels(labels, rotation=45, ha='right', fontsize=8)
    ax.set_ylabel('ratio (1 = equal; missing bar = no peer/floor)')
    ax.set_title('tdpmmu bench: time relative to peer and floor')
    ax.legend()
    fig.tight_layout()
    fig.savefig(os.path.join(out, 'bench.png'), dpi=100)
    print(os.path.join(out, 'bench.txt'))
    print('\n'.join(lines))


if __name__ == '__main__':
    main()
