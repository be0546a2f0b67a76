#!/usr/bin/env python3
"""Clients that pipeline requests and never read: the server's memory and a probe's latency.

    .venv/bin/python bench/slow_readers.py [--root TREE] [--readers 5] [--mbytes 4]
                                           [--seconds 20]

Starts pynutd from ``--root`` (default: this checkout) on the test fixtures,
then opens ``--readers`` connections that each send ``--mbytes`` MB of
``LIST VAR ups`` and never read a byte.  For ``--seconds`` it samples the
server's RSS every 0.25 s while a probe client on its own connection sends
``GET VAR ups ups.status`` every 50 ms and times each answer, and a second
probe connects afresh for every request, as ``upsc`` does.  Prints the RSS
before, at its peak and at the end, and the probes' p50 / p99 / max.

Run it against the old code from a worktree to compare:
``git worktree add /tmp/before-nut <commit>`` then ``--root /tmp/before-nut``.
A benchmark, not a test: loopback only, bounded in size and time; the server
is stopped early if its RSS passes ``--rss-cap-mb``.
"""

from __future__ import annotations

import argparse
import socket
import sys
import threading
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from nutservers import ROOT, percentile, pynutd, rss_kib

REQUEST = b"LIST VAR ups\n"
PROBE = b"GET VAR ups ups.status\n"


class Reader(threading.Thread):
    """One client that pipelines requests and never reads the replies."""

    def __init__(self, port: int, size: int) -> None:
        super().__init__(daemon=True)
        self.sock = socket.create_connection(("127.0.0.1", port))
        self.data = REQUEST * (size // len(REQUEST))
        self.sent = 0

    def run(self) -> None:
        view = memoryview(self.data)
        try:
            while self.sent < len(self.data):
                self.sent += self.sock.send(view[self.sent:self.sent + 65536])
        except OSError:
            pass  # closed by the server (idle timeout) or by stop()

    def stop(self) -> None:
        """Close the connection (a blocked send then fails)."""
        try:
            self.sock.shutdown(socket.SHUT_RDWR)
        except OSError:
            pass
        self.sock.close()


class Probe(threading.Thread):
    """A well-behaved client timing GET VAR every 50 ms (one connection, or fresh ones)."""

    def __init__(self, port: int, fresh: bool) -> None:
        super().__init__(daemon=True)
        self.port = port
        self.fresh = fresh
        self.latencies: list[float] = []
        self.errors = 0
        self.done = threading.Event()

    def ask(self, sock: socket.socket) -> None:
        """Send one GET VAR and wait for its answer."""
        sock.sendall(PROBE)
        reply = b""
        while not reply.endswith(b"\n"):
            chunk = sock.recv(4096)
            if not chunk:
                raise ConnectionError("closed")
            reply += chunk

    def run(self) -> None:
        sock = None
        while not self.done.is_set():
            start = time.perf_counter()
            try:
                if self.fresh:  # the connect is part of what upsc waits for
                    with socket.create_connection(("127.0.0.1", self.port), timeout=10) as s:
                        self.ask(s)
                else:
                    if sock is None:
                        sock = socket.create_connection(("127.0.0.1", self.port), timeout=10)
                        start = time.perf_counter()
                    self.ask(sock)
                self.latencies.append(time.perf_counter() - start)
            except OSError:
                self.errors += 1
                sock = None
            self.done.wait(0.05)
        if sock is not None:
            sock.close()

    def summary(self) -> str:
        """Return count, p50, p99 and max in milliseconds."""
        ms = [x * 1000 for x in self.latencies]
        return (f"{len(ms)} answers, p50 {percentile(ms, 0.5):.1f} ms, "
                f"p99 {percentile(ms, 0.99):.1f} ms, max {max(ms, default=float('nan')):.1f} ms, "
                f"{self.errors} errors")


def run(args: argparse.Namespace) -> None:
    """Start the server, the readers and the probes; sample; print the figures."""
    with pynutd(args.root) as (port, pid):
        time.sleep(1)
        before = rss_kib(pid)
        probes = [Probe(port, fresh=False), Probe(port, fresh=True)]
        for probe in probes:
            probe.start()
        time.sleep(1)  # the probes' latency with no load comes first
        quiet = [list(p.latencies) for p in probes]
        for probe in probes:
            probe.latencies.clear()
        readers = [Reader(port, int(args.mbytes * 1_000_000)) for _ in range(args.readers)]
        for reader in readers:
            reader.start()
        peak, timeline, start = before, [], time.monotonic()
        while time.monotonic() - start < args.seconds:
            rss = rss_kib(pid)
            peak = max(peak, rss)
            if not timeline or time.monotonic() - start >= 5 * len(timeline):
                timeline.append(rss)
            if rss > args.rss_cap_mb * 1024:
                print(f"RSS passed {args.rss_cap_mb} MB after "
                      f"{time.monotonic() - start:.1f} s: stopping early")
                break
            time.sleep(0.25)
        end = rss_kib(pid)
        for probe in probes:
            probe.done.set()
        for reader in readers:
            reader.stop()
        for probe in probes:
            probe.join(15)
    sent = sum(r.sent for r in readers)
    print(f"pynutd from {args.root}: {args.readers} readers x {args.mbytes:g} MB of "
          f"{REQUEST.strip().decode()!r}, never reading, {args.seconds:g} s")
    print(f"  requests accepted by the server's socket: {sent / 1e6:.1f} MB of "
          f"{args.readers * args.mbytes:g} MB")
    print(f"  RSS: {before / 1024:.0f} MB before, peak {peak / 1024:.0f} MB, "
          f"{end / 1024:.0f} MB at the end (every 5 s: "
          + ", ".join(f"{r / 1024:.0f}" for r in timeline) + " MB)")
    for probe, idle in zip(probes, quiet, strict=True):
        kind = "fresh connection per GET" if probe.fresh else "one connection"
        idle_ms = percentile([x * 1000 for x in idle], 0.5)
        print(f"  probe ({kind}): {probe.summary()}; p50 {idle_ms:.1f} ms before the readers")


def main() -> None:
    """Parse the options and run once."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--root", type=Path, default=ROOT, help="pynutd tree to run")
    parser.add_argument("--readers", type=int, default=5)
    parser.add_argument("--mbytes", type=float, default=4)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--rss-cap-mb", type=int, default=4000)
    run(parser.parse_args())


if __name__ == "__main__":
    main()
