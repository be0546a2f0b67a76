"""Run Debian's real upsd 2.8.0 with dummy-ups drivers: the reference to compare against.

``with RealUpsd(confdir) as ref:`` copies the configuration to a private
temporary directory, starts one ``dummy-ups`` per UPS and then ``upsd``, all
in the foreground and on a free loopback port, and stops exactly those
processes by PID afterwards (dummy-ups spins when its upsd goes away, so
both always stop together).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import tempfile
import time
from pathlib import Path

from pynutd.config import load_ups_conf
from tests.integration.harness import free_port, wait_port

NUTLIB = Path("/lib/nut") if Path("/lib/nut/upsd").exists() else Path("/usr/lib/nut")


class RealUpsd:
    """upsd 2.8.0 + dummy-ups serving a copy of ``confdir``."""

    def __init__(self, confdir: Path, upsd_extra: str = "") -> None:
        self.source = Path(confdir)
        self.port = free_port()
        self.upsd_extra = upsd_extra
        self.dir = Path(tempfile.mkdtemp(prefix="nutref."))
        self.procs: list[subprocess.Popen[bytes]] = []

    def __enter__(self) -> RealUpsd:
        for item in self.source.iterdir():
            if item.is_file():
                shutil.copy(item, self.dir / item.name)
        os.chmod(self.dir, 0o755)
        (self.dir / "nut.conf").write_text("MODE=standalone\n")
        os.chmod(self.dir / "upsd.users", 0o640)
        env = dict(os.environ, NUT_CONFPATH=str(self.dir), NUT_STATEPATH=str(self.dir),
                   NUT_ALTPIDPATH=str(self.dir))
        user = ["-u", "root"] if os.geteuid() == 0 else []
        sections, _ = load_ups_conf(self.dir / "ups.conf", [])
        try:
            for section in sections:
                self._spawn([str(NUTLIB / "dummy-ups"), "-a", section.name, *user, "-F"],
                            env, f"driver-{section.name}.log")
                self._wait_file(self.dir / f"dummy-ups-{section.name}")
            self._start_upsd([str(NUTLIB / "upsd"), *user, "-F"], env)
            time.sleep(0.5)  # upsd reads each driver's initial dump after connecting
        except Exception:
            self.__exit__()
            raise
        return self

    def _start_upsd(self, cmd: list[str], env: dict[str, str], attempts: int = 3) -> None:
        # Between choosing a free port and upsd's bind, any client's
        # connection may take it as its own port; upsd then says "no
        # listening interface available" and exits: try a fresh port.
        for attempt in range(attempts):
            if attempt:
                self.port = free_port()
            (self.dir / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {self.port}\n{self.upsd_extra}")
            self._spawn(cmd, env, "upsd.log")
            upsd = self.procs[-1]
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and upsd.poll() is None:
                try:
                    wait_port(self.port, timeout=0.5)
                    return
                except TimeoutError:
                    continue
            if upsd.poll() is None:
                raise TimeoutError(f"upsd does not listen on 127.0.0.1:{self.port}")
            self.procs.remove(upsd)
        raise TimeoutError(f"upsd found no free port in {attempts} tries")

    def _spawn(self, cmd: list[str], env: dict[str, str], logname: str) -> None:
        log = open(self.dir / logname, "wb")  # noqa: SIM115 - the child's stdout for its life
        self.procs.append(subprocess.Popen(cmd, env=env, stdout=log, stderr=subprocess.STDOUT,
                                           stdin=subprocess.DEVNULL, start_new_session=True))

    def _wait_file(self, path: Path, timeout: float = 10) -> None:
        deadline = time.monotonic() + timeout
        while not path.exists():
            if time.monotonic() > deadline:
                raise TimeoutError(f"{path} did not appear")
            time.sleep(0.05)

    def __exit__(self, *exc: object) -> None:
        for proc in reversed(self.procs):
            if proc.poll() is None:
                proc.terminate()
        for proc in self.procs:
            try:
                proc.wait(5)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()
        shutil.rmtree(self.dir, ignore_errors=True)
