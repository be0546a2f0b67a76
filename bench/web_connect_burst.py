#!/usr/bin/env python3
"""Benchmark: a burst of web connections, and how long until every one is answered.

Starts pynutd (from ``--root``, default this checkout) with one dummy-ups UPS
and the web site on free loopback ports, then opens ``--conns`` connections
at once, each asking for the live stream (``GET /api/v1/stream``), and times
how long until every one has its response's status line.  With a listen
backlog of 50 the kernel drops the SYNs beyond it and the clients retry
after 1 s, 3 s, 7 s...: the burst takes seconds.  With the NUT port's deep
backlog (issue 8.7) it takes a fraction of one.

Prints one JSON line: connections, answered, failed, seconds for all, and
the median and slowest single connection.

Usage (the "before" figure from an older checkout in a worktree)::

    python bench/web_connect_burst.py --conns 1000
    git worktree add /tmp/before-backlog 1ed1015
    python bench/web_connect_burst.py --root /tmp/before-backlog --conns 1000
    git worktree remove /tmp/before-backlog

A benchmark, not a test: nothing in the test suite times anything.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nutservers import ROOT, free_port, wait_port


async def one(port: int, timeout: float) -> float | None:
    """Open one stream; return seconds until its status line, None on failure."""
    start = time.monotonic()
    try:
        reader, writer = await asyncio.wait_for(asyncio.open_connection("127.0.0.1", port), timeout)
        writer.write(b"GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                     b"Accept: text/event-stream\r\n\r\n")
        line = await asyncio.wait_for(reader.readline(), timeout)
        elapsed = time.monotonic() - start
        writer.close()
        return elapsed if line.startswith(b"HTTP/1.1 ") else None
    except (TimeoutError, OSError):
        return None


async def burst(port: int, conns: int, timeout: float) -> dict[str, object]:
    """Open ``conns`` streams at once; summarise how long they took."""
    start = time.monotonic()
    times = await asyncio.gather(*(one(port, timeout) for _ in range(conns)))
    total = time.monotonic() - start
    ok = sorted(t for t in times if t is not None)
    return {"conns": conns, "answered": len(ok), "failed": conns - len(ok),
            "seconds_all": round(total, 3),
            "median_s": round(statistics.median(ok), 3) if ok else None,
            "slowest_s": round(ok[-1], 3) if ok else None}


def main() -> None:
    """Run the benchmark and print its JSON line."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="pynutd checkout to run")
    parser.add_argument("--conns", type=int, default=1000)
    parser.add_argument("--timeout", type=float, default=60.0)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        conf = Path(tmp)
        nut, web = free_port(), free_port()
        (conf / "ups.dev").write_text("ups.status: OL\nbattery.charge: 100\n")
        (conf / "ups.conf").write_text("[ups]\n driver = dummy-ups\n port = ups.dev\n")
        (conf / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {nut}\n")
        (conf / "pynutd.conf").write_text(f"[web]\nlisten = 127.0.0.1\nport = {web}\n")
        env = dict(os.environ, PYTHONPATH=str(args.root))
        proc = subprocess.Popen([sys.executable, "-m", "pynutd", "-c", str(conf)], env=env,
                                cwd=args.root, stdout=subprocess.DEVNULL,
                                stderr=subprocess.DEVNULL)
        try:
            wait_port(web)
            result = asyncio.run(burst(web, args.conns, args.timeout))
        finally:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                proc.kill()
    result["root"] = str(args.root)
    print(json.dumps(result))


if __name__ == "__main__":
    main()
