"""Start the servers the hostile-input benchmarks measure: pynutd from any tree, and upsd.

Both serve the test fixtures (``tests/fixtures/nut``: UPS ``ups`` from
``diff.dev`` and ``second``) on a free loopback port.  pynutd runs from the
tree given (``--root``), so the same script measures the current code and an
older checkout (``git worktree add /tmp/before-nut <commit>``); the reference
upsd 2.8.0 runs through the test suite's own starter.  Loopback only; every
process started here is stopped by its PID.
"""

from __future__ import annotations

import contextlib
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIXTURES = ROOT / "tests" / "fixtures" / "nut"
FILES = ("ups.conf", "upsd.users", "diff.dev", "second.dev")


def free_port() -> int:
    """Return a TCP port free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 30.0) -> None:
    """Wait until 127.0.0.1:port accepts a connection."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def wait_ready(port: int, ups: str = "ups", timeout: float = 60.0) -> None:
    """Wait until the server answers ``GET VAR <ups> ups.status`` with a value."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1) as s:
                s.sendall(f"GET VAR {ups} ups.status\n".encode())
                if s.recv(512).startswith(b"VAR"):
                    return
        except OSError:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"no UPS data on 127.0.0.1:{port}")


def rss_kib(pid: int) -> int:
    """Return the resident set size of process ``pid`` in KiB (0 once it is gone)."""
    try:
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    except OSError:
        pass
    return 0


@contextlib.contextmanager
def pynutd(root: Path, upsd_extra: str = "") -> Iterator[tuple[int, int]]:
    """Run pynutd from the tree ``root``; yield (port, pid)."""
    confdir = Path(tempfile.mkdtemp(prefix="pynutd-bench."))
    port = free_port()
    for name in FILES:
        shutil.copy(FIXTURES / name, confdir / name)
    (confdir / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {port}\n{upsd_extra}")
    (confdir / "pynutd.conf").write_text("[web]\nenabled = no\n")
    with open(confdir / "pynutd.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "pynutd", "-c", str(confdir)],
                                cwd=root, env={"PYTHONPATH": str(root), "PATH": "/usr/bin:/bin"},
                                stdout=log, stderr=subprocess.STDOUT)
    try:
        wait_ready(port)
        yield port, proc.pid
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        shutil.rmtree(confdir, ignore_errors=True)


@contextlib.contextmanager
def upsd() -> Iterator[tuple[int, int]]:
    """Run Debian's upsd 2.8.0 with dummy-ups on the same files; yield (port, pid)."""
    sys.path.insert(0, str(ROOT))
    from tests.integration.nutref import RealUpsd

    confdir = Path(tempfile.mkdtemp(prefix="upsd-bench."))
    for name in FILES:
        shutil.copy(FIXTURES / name, confdir / name)
    try:
        with RealUpsd(confdir) as ref:
            wait_ready(ref.port)
            yield ref.port, ref.procs[-1].pid
    finally:
        shutil.rmtree(confdir, ignore_errors=True)


def percentile(values: list[float], q: float) -> float:
    """Return the ``q`` quantile (0..1) of ``values`` (nearest rank); NaN when empty."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(q * len(ordered)))]
