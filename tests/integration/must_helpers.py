"""Helpers for the MUST EP20 integration tests: peers on a pty, ups.conf, upsc.

Each peer is a subprocess started here and stopped by its own PID; it
prints the path of the pseudo-terminal the driver should open first.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path
from typing import Self

from tests.integration.harness import ROOT, run

HERE = Path(__file__).resolve().parent


class Peer:
    """A subprocess that serves an EP20 on a pty and prints its path."""

    def __init__(self, argv: list[str], logpath: Path) -> None:
        self.argv = argv
        self.logpath = logpath
        self.proc: subprocess.Popen[str] | None = None
        self.path = ""

    def __enter__(self) -> Self:
        self._log = open(self.logpath, "w")
        self.proc = subprocess.Popen(self.argv, stdout=subprocess.PIPE, stderr=self._log,
                                     text=True, cwd=ROOT,
                                     env=dict(os.environ, PYTHONPATH=str(ROOT)))
        assert self.proc.stdout is not None
        self.path = self.proc.stdout.readline().strip()
        if not self.path.startswith("/dev/"):
            self.__exit__()
            raise RuntimeError(f"peer printed no pty path: {self.path!r}\n{self.log()}")
        return self

    def signal(self, signum: int) -> None:
        """Send ``signum`` to the peer (SIGUSR1 toggles the simulator's silence)."""
        assert self.proc is not None
        self.proc.send_signal(signum)

    def log(self) -> str:
        return self.logpath.read_text(errors="replace") if self.logpath.exists() else ""

    def __exit__(self, *exc: object) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None and self.proc.stdout is not None:
            self.proc.stdout.close()
        self._log.close()


def simulator(tmp: Path, *args: str) -> Peer:
    """``pynutd simulate must-ep20`` with ``args``."""
    return Peer([sys.executable, "-m", "pynutd", "simulate", "must-ep20", *args],
                tmp / "sim.log")


def pymodbus_peer(tmp: Path) -> Peer:
    """pymodbus serving slave 10 behind a pty pair."""
    return Peer([sys.executable, str(HERE / "pymodbus_ep20.py")], tmp / "pymodbus.log")


def write_conf(confdir: Path, port: str, extra: str = "") -> None:
    """Write ups.conf with one [ep20] section and upsd.users with an admin."""
    confdir.mkdir(parents=True, exist_ok=True)
    (confdir / "ups.conf").write_text(
        f"[ep20]\n    driver = must_ep2000pro\n    port = {port}\n"
        f"    desc = \"test EP20\"\n{extra}")
    (confdir / "upsd.users").write_text(
        "[admin]\n    password = adminpw\n    actions = SET FSD\n    instcmds = ALL\n"
        "[prim]\n    password = primpw\n    upsmon primary\n")
    # The web side is not under test here; keep it off port 8080.
    (confdir / "pynutd.conf").write_text("[web]\nenabled = no\n")


def upsc(port: int, var: str | None = None, ups: str = "ep20") -> subprocess.CompletedProcess[str]:
    """Run Debian's upsc against pynutd."""
    cmd = ["upsc", f"{ups}@127.0.0.1:{port}"] + ([var] if var else [])
    return run(cmd, timeout=10)


def upsc_values(port: int) -> dict[str, str]:
    """Return every variable upsc lists."""
    out = upsc(port).stdout
    return dict(line.split(": ", 1) for line in out.splitlines() if ": " in line)


def follow_status(port: int, until: list[str], timeout: float) -> list[str]:
    """Poll ups.status with upsc; return the distinct values seen once ``until`` is a subsequence."""
    seen: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        status = upsc(port, "ups.status").stdout.strip()
        if status and (not seen or seen[-1] != status):
            seen.append(status)
            if is_subsequence(until, seen):
                return seen
        time.sleep(0.1)
    raise TimeoutError(f"statuses seen: {seen}")


def is_subsequence(wanted: list[str], seen: list[str]) -> bool:
    """Whether ``wanted`` occurs in ``seen`` in order (not necessarily adjacent)."""
    it = iter(seen)
    return all(any(s == w for s in it) for w in wanted)
