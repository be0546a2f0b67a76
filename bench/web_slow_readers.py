#!/usr/bin/env python3
"""Benchmark: web clients that never read, and what they cost the server.

Starts pynutd (from ``--root``, default this checkout) with ``--ups``
dummy-ups UPSes replaying ``.seq`` files whose values change every
``--period`` seconds, then opens ``--streams`` event streams
(``GET /api/v1/stream``) and ``--pipeliners`` connections that each
pipeline ``--pipeline-kb`` KiB of ``GET /api/v1/devices/ups0`` requests;
none of them ever reads.  While they sit there for ``--seconds``, a probe
client reads ``GET /api/v1/ups`` on a fresh connection every 0.2 s.  The
server's RSS (from /proc) is sampled every second.

Prints one JSON line: RSS before the slow clients, at the end and the
peak; the probe's latency (median, p95, max, failures).  Before
pynutd's backpressure (issue 8.2) the RSS grows with every second the
slow clients stay; after it, it stays flat and the probe is not slowed.

Usage (the "before" figure from an older checkout in a worktree)::

    python bench/web_slow_readers.py --streams 50 --pipeliners 5 --seconds 60
    git worktree add /tmp/before-web 8085f5ff
    python bench/web_slow_readers.py --root /tmp/before-web --streams 50 --pipeliners 5 --seconds 60
    git worktree remove /tmp/before-web

A benchmark, not a test: nothing in the test suite times anything.
"""

from __future__ import annotations

import argparse
import json
import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nutservers import ROOT, free_port, rss_kib, wait_port


def seq_file(index: int, period: float, filler: int) -> str:
    """A dummy-ups sequence whose load and charge change every ``period`` seconds."""
    blocks = []
    for step in range(10):
        lines = [f"ups.status: {'OL' if step % 5 else 'OB DISCHRG'}",
                 f"ups.load: {20 + step}", f"battery.charge: {100 - step}",
                 f"input.voltage: {230 + step}.0", "ups.mfr: Bench", f"ups.model: Slow {index}"]
        lines += [f"ups.bench.var{n:02d}: value-{step}-{n:02d}-padding-padding" for n in range(filler)]
        blocks.append("\n".join(lines) + f"\nTIMER {period}\n")
    return "".join(blocks)


def write_config(confdir: Path, ups: int, period: float, filler: int, nut_port: int,
                 web_port: int) -> None:
    """ups.conf, .seq files, users, upsd.conf and pynutd.conf for the run."""
    conf = []
    for i in range(ups):
        (confdir / f"ups{i}.seq").write_text(seq_file(i, period, filler))
        conf.append(f"[ups{i}]\n driver = dummy-ups\n port = ups{i}.seq\n"
                    f" pollinterval = {min(period, 2.0)}\n")
    (confdir / "ups.conf").write_text("".join(conf))
    (confdir / "upsd.users").write_text("[admin]\n password = admin\n actions = SET\n")
    (confdir / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {nut_port}\nMAXAGE 30\n")
    (confdir / "pynutd.conf").write_text(
        f"[web]\nlisten = 127.0.0.1\nport = {web_port}\n\n[log]\ntelemetry_interval = 3600\n")


def slow_client(port: int, request: bytes) -> socket.socket:
    """A connection that sends ``request`` and never reads (small receive window)."""
    s = socket.socket()
    s.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    s.connect(("127.0.0.1", port))
    s.setblocking(False)
    deadline = time.monotonic() + 2
    while request and time.monotonic() < deadline:
        try:
            request = request[s.send(request):]
        except BlockingIOError:
            time.sleep(0.01)   # the server stopped reading: that is the point
    return s


def probe_once(port: int) -> float | None:
    """Seconds for one GET /api/v1/ups on a fresh connection, or None on failure."""
    start = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=10) as s:
            s.sendall(b"GET /api/v1/ups HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            data = b""
            while chunk := s.recv(65536):
                data += chunk
    except OSError:
        return None
    return time.monotonic() - start if data.startswith(b"HTTP/1.1 200") else None


def probe_loop(port: int, stop: threading.Event, out: list[float | None]) -> None:
    """Probe every 0.2 s until ``stop``."""
    while not stop.is_set():
        out.append(probe_once(port))
        stop.wait(0.2)


def summary(latencies: list[float | None]) -> dict[str, float | int]:
    """Median, p95 and max in milliseconds, and the number of failed probes."""
    good = sorted(x for x in latencies if x is not None)
    if not good:
        return {"probes": len(latencies), "failed": len(latencies)}
    return {"probes": len(latencies), "failed": len(latencies) - len(good),
            "median_ms": round(statistics.median(good) * 1000, 1),
            "p95_ms": round(good[int(0.95 * (len(good) - 1))] * 1000, 1),
            "max_ms": round(good[-1] * 1000, 1)}


def open_slow_clients(port: int, streams: int, pipeliners: int,
                      pipeline_kb: int) -> list[socket.socket]:
    """The event streams and the pipelining connections, none of which will read."""
    clients = [slow_client(port, b"GET /api/v1/stream HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
               for _ in range(streams)]
    pipelined = b"GET /api/v1/devices/ups0 HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    burst = pipelined * (pipeline_kb * 1024 // len(pipelined))
    clients += [slow_client(port, burst) for _ in range(pipeliners)]
    return clients


def measure(proc: subprocess.Popen[bytes], port: int, args: argparse.Namespace
            ) -> dict[str, object]:
    """RSS and probe latency before and while the slow clients sit there."""
    time.sleep(args.warmup)
    idle = [probe_once(port) for _ in range(20)]
    rss_before = rss_kib(proc.pid)
    clients = open_slow_clients(port, args.streams, args.pipeliners, args.pipeline_kb)
    stop = threading.Event()
    loaded: list[float | None] = []
    prober = threading.Thread(target=probe_loop, args=(port, stop, loaded))
    prober.start()
    samples = []
    try:
        for _ in range(int(args.seconds)):
            time.sleep(1)
            if proc.poll() is not None:
                break
            samples.append(rss_kib(proc.pid))
    finally:
        stop.set()
        prober.join()
        alive = proc.poll() is None
        rss_end = rss_kib(proc.pid) if alive else 0
        for c in clients:
            c.close()
    return {"server_alive": alive, "rss_before_mib": round(rss_before / 1024, 1),
            "rss_end_mib": round(rss_end / 1024, 1),
            "rss_peak_mib": round(max(samples or [0]) / 1024, 1),
            "probe_idle": summary(idle), "probe_loaded": summary(loaded)}


def run(args: argparse.Namespace) -> dict[str, object]:
    """Start pynutd from ``args.root``, measure once, stop it; return the result line."""
    root = Path(args.root).resolve()
    head = {"root": str(root), "ups": args.ups, "filler": args.filler, "streams": args.streams,
            "pipeliners": args.pipeliners, "pipeline_kb": args.pipeline_kb,
            "seconds": args.seconds}
    with tempfile.TemporaryDirectory() as tmp, open(Path(tmp) / "pynutd.log", "wb") as log:
        confdir = Path(tmp)
        nut_port, web_port = free_port(), free_port()
        write_config(confdir, args.ups, args.period, args.filler, nut_port, web_port)
        proc = subprocess.Popen([sys.executable, "-m", "pynutd", "-c", str(confdir)],
                                cwd=root, env=dict(os.environ, PYTHONPATH=str(root)),
                                stdout=log, stderr=subprocess.STDOUT)
        try:
            wait_port(web_port)
            return {**head, **measure(proc, web_port, args)}
        finally:
            if proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                try:
                    proc.wait(10)
                except subprocess.TimeoutExpired:
                    proc.kill()
                    proc.wait()


def main() -> None:
    """Parse the options, run once, print the JSON result."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--root", default=str(ROOT), help="pynutd source tree to run")
    parser.add_argument("--ups", type=int, default=10, help="dummy UPSes (default 10)")
    parser.add_argument("--filler", type=int, default=60,
                        help="extra variables per UPS; 60 makes a summary about 4 KiB")
    parser.add_argument("--period", type=float, default=1.0,
                        help="seconds between value changes (default 1)")
    parser.add_argument("--streams", type=int, default=50, help="unread event streams")
    parser.add_argument("--pipeliners", type=int, default=5,
                        help="connections pipelining requests and never reading")
    parser.add_argument("--pipeline-kb", type=int, default=256,
                        help="KiB of pipelined requests per pipeliner (default 256)")
    parser.add_argument("--seconds", type=float, default=60, help="how long they stay")
    parser.add_argument("--warmup", type=float, default=3, help="seconds before measuring")
    print(json.dumps(run(parser.parse_args())))


if __name__ == "__main__":
    main()
