#!/usr/bin/env python3
"""kunit-tap.py NAME JSON LOG: turn kunit.py's --json output into result
lines "ok NAME suite.case" / "not ok NAME suite.case" (skips pass, marked
"# SKIP").  No JSON means kunit.py never ran the kernel: one failure line
"not ok NAME build" with the last 30 lines of LOG."""
import json
import re
import sys

name, json_path, log_path = sys.argv[1:4]


def tail(path, n=30):
    try:
        with open(path, errors='replace') as f:
            return ['# ' + l.rstrip('\n') for l in f.readlines()[-n:]]
    except OSError:
        return []


def why(case, log):
    """kunit.py prints a failed case's messages just before "[FAILED] case"."""
    case = case.rsplit('.', 1)[-1]
    for i, l in enumerate(log):
        if re.search(r'\[(FAILED|CRASHED)\] ' + re.escape(case) + '$', l):
            j = i
            while j > 0 and not re.search(r'\[(PASSED|SKIPPED|FAILED|CRASHED)\]|====', log[j - 1]):
                j -= 1
            return ['# ' + re.sub(r'^\[[0-9:]+\] ', '', x) for x in log[max(j, i - 20):i]]
    return []


def walk(group, prefix):
    for case in group.get('test_cases', []):
        yield prefix + case['name'], case['status']
    for sub in group.get('sub_groups', []):
        yield from walk(sub, prefix + sub['name'] + '.')


try:
    with open(json_path) as f:
        top = json.load(f)
except (OSError, ValueError):
    print(f'not ok {name} build')
    # The kernel's own warnings can fill the tail: show the errors first.
    last = tail(log_path)
    errs = [l for l in tail(log_path, 100000)
            if re.search(r'error:|Error [0-9]|ERROR:', l) and l not in last]
    print('\n'.join(errs[:20] + ['# ...'] + last if errs else last))
    sys.exit(0)

cases = list(walk(top, ''))
with open(log_path, errors='replace') as f:
    log = f.read().splitlines()
for case, status in cases:
    if status == 'PASS':
        print(f'ok {name} {case}')
    elif status == 'SKIP':
        print(f'ok {name} {case} # SKIP')
    else:
        print(f'not ok {name} {case} # {status}')
        for line in why(case, log):
            print(line)
if not cases:
    print(f'not ok {name} run (no test results: crashed, or no test matched)')
    print('\n'.join(tail(log_path)))
