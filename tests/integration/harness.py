"""Start a real pynutd process for integration tests and talk to it.

Tests write a configuration directory (ups.conf, upsd.users, ...), then
``with Pynutd(confdir) as server:`` runs ``python -m pynutd -c confdir`` on a
free loopback port (upsd.conf's LISTEN line is written here) and stops it by
its PID afterwards.  NUT's own clients are then run against ``server.port``.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[2]
_WEB_MARK = "\n# -- web section written by the test harness --\n"


class _PortTaken(Exception):
    """The port chosen for pynutd was taken before it could bind it."""


def _default_sigint() -> None:
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def free_port() -> int:
    """Return a TCP port that is free on 127.0.0.1 right now."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def wait_port(port: int, timeout: float = 15.0) -> None:
    """Wait until 127.0.0.1:port accepts connections."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
            return
        except OSError:
            time.sleep(0.05)
    raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")


def chat(port: int, lines: list[str] | bytes, timeout: float = 3.0) -> str:
    """Send request lines on one connection and return everything received.

    Reads until the server has been quiet for 0.3 s or closes.
    """
    data = lines if isinstance(lines, bytes) else "".join(l + "\n" for l in lines).encode()
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
        s.sendall(data)
        s.settimeout(0.3)
        out = b""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                chunk = s.recv(65536)
            except TimeoutError:
                break
            if not chunk:
                break
            out += chunk
    return out.decode("latin-1")


class Pynutd:
    """A pynutd subprocess serving ``confdir`` on a free loopback port."""

    def __init__(self, confdir: Path, web: bool = False, extra_env: dict[str, str] | None = None,
                 wait_for_ups: str | None = None, upsd_extra: str = "") -> None:
        self.confdir = Path(confdir)
        self.port = free_port()
        self.web_port = free_port() if web else None
        self.env = dict(os.environ, PYTHONPATH=str(ROOT), **(extra_env or {}))
        self.wait_for_ups = wait_for_ups
        self.upsd_extra = upsd_extra    # more upsd.conf lines, e.g. "MAXAGE 5"
        self.proc: subprocess.Popen[bytes] | None = None
        self.logpath = self.confdir / "pynutd.log"
        self._log: Any = None
        self._web_written = False

    def __enter__(self) -> Pynutd:
        # A port found free may be taken by another process before pynutd
        # binds it: then pynutd exits (or someone else answers), and the
        # start is retried on fresh ports.
        for attempt in range(3):
            if attempt:
                self.port = free_port()
                self.web_port = free_port() if self.web_port is not None else None
            try:
                self._start()
                return self
            except _PortTaken:
                continue
            except Exception:  # noqa: BLE001 - any failure: stop the child, show its log
                self.__exit__(None, None, None)
                raise RuntimeError("pynutd did not start:\n" + self.log()) from None
        raise RuntimeError("pynutd found no free port in 3 tries:\n" + self.log())

    def _start(self) -> None:
        (self.confdir / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {self.port}\n{self.upsd_extra}")
        ini = self.confdir / "pynutd.conf"
        text = ini.read_text() if ini.exists() else ""
        if "[web]" not in text or self._web_written:
            # Without web=True the web site stays off, so parallel runs never
            # fight over its default port.
            base = text.split(_WEB_MARK)[0]
            text = base + _WEB_MARK + (
                f"[web]\nlisten = 127.0.0.1\nport = {self.web_port}\n"
                if self.web_port is not None else "[web]\nenabled = no\n")
            ini.write_text(text)
            self._web_written = True
        if self.proc is not None:
            self._log.close()
        self._log = open(self.logpath, "wb")  # noqa: SIM115 - open while the child runs
        self.proc = subprocess.Popen(
            # -u root: as root pynutd would become `nut`, which cannot read
            # the test's private temporary folders (test_privileges.py drops).
            [sys.executable, "-m", "pynutd", "-c", str(self.confdir), "-u", "root"],
            stdout=self._log, stderr=subprocess.STDOUT, env=self.env, cwd=ROOT,
            # A suite started from a background shell inherits SIGINT
            # ignored; pynutd must see it as a terminal would send it.
            preexec_fn=_default_sigint)  # noqa: PLW1509 - the tests start no threads here
        ports = [self.port] + ([self.web_port] if self.web_port is not None else [])
        for port in ports:
            self._wait_own_port(port)
        if "pynutd" not in chat(self.port, ["VER"]):
            self._stop()
            raise _PortTaken()
        if self.wait_for_ups:
            self.wait_until(lambda: chat(self.port, [f"GET VAR {self.wait_for_ups} ups.status"])
                            .startswith("VAR"), 20)

    def _wait_own_port(self, port: int, timeout: float = 15.0) -> None:
        assert self.proc is not None
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                if "in use" in self.log():
                    raise _PortTaken()
                raise RuntimeError(f"pynutd exited with status {self.proc.returncode}")
            if f"{port}: [Errno 98] Address already in use" in self.log():
                # The web port is optional: pynutd runs on without it.
                self._stop()
                raise _PortTaken()
            try:
                socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
                return
            except OSError:
                time.sleep(0.05)
        raise TimeoutError(f"nothing listens on 127.0.0.1:{port}")

    def wait_until(self, predicate, timeout: float = 20.0, interval: float = 0.1) -> None:
        """Poll ``predicate()`` until it is true; raise TimeoutError otherwise."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if predicate():
                return
            time.sleep(interval)
        raise TimeoutError("condition not reached; pynutd log:\n" + self.log())

    def log(self) -> str:
        """Return what pynutd printed so far."""
        return self.logpath.read_text(errors="replace") if self.logpath.exists() else ""

    def reload(self) -> None:
        """Send SIGHUP, as ``upsd -c reload`` would."""
        assert self.proc is not None
        self.proc.send_signal(signal.SIGHUP)

    def __exit__(self, *exc: object) -> None:
        self._stop()
        if self._log is not None:
            self._log.close()

    def _stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def run(cmd: list[str], timeout: float = 30, **kw) -> subprocess.CompletedProcess[str]:
    """Run a NUT client and return its completed process (text mode)."""
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)
