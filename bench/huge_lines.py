#!/usr/bin/env python3
"""How long a NUT server takes to answer one huge request line, alone and in parallel.

    .venv/bin/python bench/huge_lines.py [--root TREE] [--mbytes 20] [--parallel 4]
                                         [--reps 3] [--upsd]

Each request is ``GET VAR ups `` followed by ``--mbytes`` MB of one shape
(a single long word, many short words, many quoted words, escapes, a long
quoted value) and a newline; every shape is answered with one short line.
The time is from the first byte sent to the reply, median of ``--reps``;
``--parallel`` clients then send the same line at once.  With ``--upsd``
the reference upsd 2.8.0 is measured in the same sitting and the ratio is
printed (pynutd / upsd: below 1 is pynutd faster).  A benchmark, not a test;
loopback only, bounded in size and count.
"""

from __future__ import annotations

import argparse
import socket
import statistics
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nutservers import ROOT, pynutd, upsd

SHAPES = {
    "one long word": lambda n: b"x" * n,
    "short words": lambda n: b"a " * (n // 2),
    "quoted words": lambda n: b'"" ' * (n // 3),
    "escapes": lambda n: b"\\a" * (n // 2),
    "long quoted value": lambda n: b'"' + b"q" * (n - 2) + b'"',
}


def ask(port: int, payload: bytes, timeout: float = 120) -> float:
    """Send one request line and return the seconds until its reply line arrived."""
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        start = time.perf_counter()
        s.sendall(payload)
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                raise ConnectionError(f"closed after {reply!r}")
            reply += chunk
        return time.perf_counter() - start


def in_parallel(port: int, payload: bytes, clients: int) -> float:
    """Send the line on ``clients`` connections at once; seconds until all are answered."""
    errors: list[Exception] = []

    def one() -> None:
        try:
            ask(port, payload)
        except Exception as exc:  # noqa: BLE001 -- reported below, not lost in the thread
            errors.append(exc)

    threads = [threading.Thread(target=one) for _ in range(clients)]
    start = time.perf_counter()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    if errors:
        raise errors[0]
    return time.perf_counter() - start


def measure(port: int, mbytes: float, parallel: int, reps: int) -> dict[str, tuple[float, float]]:
    """Return {shape: (median single time, median parallel time)} in seconds."""
    size = int(mbytes * 1_000_000)
    results = {}
    for shape, make in SHAPES.items():
        payload = b"GET VAR ups " + make(size) + b"\n"
        single = statistics.median(ask(port, payload) for _ in range(reps))
        together = statistics.median(in_parallel(port, payload, parallel) for _ in range(reps))
        results[shape] = (single, together)
    return results


def main() -> None:
    """Parse the options, run the servers one after the other, print a table."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="pynutd tree to run")
    parser.add_argument("--mbytes", type=float, default=20)
    parser.add_argument("--parallel", type=int, default=4)
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--upsd", action="store_true", help="also measure upsd 2.8.0")
    args = parser.parse_args()
    runs = {}
    with pynutd(args.root) as (port, _):
        runs["pynutd"] = measure(port, args.mbytes, args.parallel, args.reps)
    if args.upsd:
        with upsd() as (port, _):
            runs["upsd"] = measure(port, args.mbytes, args.parallel, args.reps)
    print(f"{args.mbytes:g} MB request line, median of {args.reps}; "
          f"parallel = {args.parallel} clients at once; pynutd from {args.root}")
    header = f"| shape | pynutd 1 (s) | pynutd ×{args.parallel} (s) |"
    if "upsd" in runs:
        header += f" upsd 1 (s) | upsd ×{args.parallel} (s) | ratio 1 | ratio ×{args.parallel} |"
    print(header)
    print("|" + "---|" * (header.count("|") - 1))
    for shape, (one, many) in runs["pynutd"].items():
        row = f"| {shape} | {one:.2f} | {many:.2f} |"
        if "upsd" in runs:
            ref_one, ref_many = runs["upsd"][shape]
            row += f" {ref_one:.2f} | {ref_many:.2f} | {one / ref_one:.2f} | {many / ref_many:.2f} |"
        print(row)


if __name__ == "__main__":
    main()
