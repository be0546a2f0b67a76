#!/usr/bin/env python3
"""Turn nutbench_matrix JSONL runs into pynutd/upsd ratios (throughput, CPU, memory).

    ratios.py upsd.jsonl pynutd.jsonl [upsd-quickack.jsonl pynutd-quickack.jsonl]

Pairs each ``upsd*`` label with the ``pynutd*`` label of the same suffix and
prints one markdown row per (mode, connections): medians and their ratio.
"""

import json
import statistics
import sys
from collections import defaultdict


def load(paths):
    cells = defaultdict(list)
    for path in paths:
        with open(path) as f:
            for line in f:
                r = json.loads(line)
                cells[(r["label"], r["mode"], r["conns"])].append(r)
    return cells


def med(runs, key):
    vals = [r[key] for r in runs if r.get(key) is not None]
    return statistics.median(vals) if vals else float("nan")


def main(paths):
    cells = load(paths)
    print("| variant | mode | conns | upsd req/s | pynutd req/s | ratio | upsd CPU s/100k | "
          "pynutd CPU s/100k | upsd RSS KiB | pynutd RSS KiB | errors (upsd/pynutd) |")
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|")
    for (label, mode, conns), ref in sorted(cells.items()):
        if not label.startswith("upsd"):
            continue
        ours = cells.get(("pynutd" + label[4:], mode, conns))
        if not ours:
            continue
        def errs(runs):
            return sum(r["reset"] + r["connfail"] + r["timeout"] + r["malformed"] + r["err"]
                       for r in runs)
        a, b = med(ref, "rps"), med(ours, "rps")
        print(f"| {label[4:].lstrip('-') or 'plain'} | {mode} | {conns} | {a:.0f} | {b:.0f} | "
              f"{b / a:.2f} | {med(ref, 'server_cpu_per_100k')} | {med(ours, 'server_cpu_per_100k')} | "
              f"{med(ref, 'VmRSS'):.0f} | {med(ours, 'VmRSS'):.0f} | {errs(ref)}/{errs(ours)} |")


if __name__ == "__main__":
    main(sys.argv[1:])
