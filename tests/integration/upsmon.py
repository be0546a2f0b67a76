"""Run NUT 2.8.0's real upsmon against a test server, in its own /run/nut.

upsmon 2.8.0 always writes /run/nut/upsmon.pid and refuses to start a
second instance, so each one runs under ``unshare -m`` with a private tmpfs
on /run/nut (see shared/bench/README.md).  Its SHUTDOWNCMD only writes a
file, so a test can see that (and when) it decided to shut the host down.
"""

from __future__ import annotations

import os
import signal
import subprocess
import time
from pathlib import Path

UPSMON = "/lib/nut/upsmon" if Path("/lib/nut/upsmon").exists() else "/usr/sbin/upsmon"

CONF = """\
RUN_AS_USER root
MONITOR {monitor} 1 {user} {password} {role}
MINSUPPLIES 1
SHUTDOWNCMD "/bin/sh -c 'date +%s.%N > {flagfile}'"
POWERDOWNFLAG {workdir}/killpower
POLLFREQ 1
POLLFREQALERT 1
HOSTSYNC 15
DEADTIME 15
FINALDELAY 1
"""


class Upsmon:
    """One upsmon process; ``shutdown_file`` appears when it runs SHUTDOWNCMD.

    ``extra`` adds upsmon.conf lines (CERTPATH, FORCESSL, ...).
    """

    def __init__(self, workdir: Path, monitor: str, user: str, password: str,
                 role: str = "primary", extra: str = "") -> None:
        self.workdir = Path(workdir)
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.shutdown_file = self.workdir / "shutdown-ran"
        conf = self.workdir / "upsmon.conf"
        conf.write_text(CONF.format(monitor=monitor, user=user, password=password, role=role,
                                    flagfile=self.shutdown_file, workdir=self.workdir)
                        + extra)
        os.chmod(conf, 0o600)
        self.proc: subprocess.Popen[bytes] | None = None
        self.logpath = self.workdir / "upsmon.log"

    def __enter__(self) -> Upsmon:
        env = dict(os.environ, NUT_CONFPATH=str(self.workdir), NUT_STATEPATH=str(self.workdir),
                   NUT_ALTPIDPATH=str(self.workdir))
        script = f"mkdir -p /run/nut && mount -t tmpfs none /run/nut && exec {UPSMON} -D -F -u root"
        self._log = open(self.logpath, "wb")
        self.proc = subprocess.Popen(["unshare", "-m", "sh", "-c", script], env=env,
                                     stdout=self._log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, start_new_session=True)
        return self

    def shutdown_time(self) -> float | None:
        """Return when SHUTDOWNCMD ran (epoch seconds), or None."""
        try:
            return float(self.shutdown_file.read_text().strip())
        except (OSError, ValueError):
            return None

    def wait_shutdown(self, timeout: float) -> float:
        """Wait for SHUTDOWNCMD to run; return its time."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            when = self.shutdown_time()
            if when is not None:
                return when
            time.sleep(0.1)
        raise TimeoutError("upsmon did not shut down; its log:\n" + self.log())

    def log(self) -> str:
        """Return upsmon's output so far."""
        return self.logpath.read_text(errors="replace") if self.logpath.exists() else ""

    def __exit__(self, *exc: object) -> None:
        # upsmon forks a privileged parent and a monitoring child; both are in
        # the session started above, so the whole group is ended, not only the
        # process we hold (a lone child would outlive the test).
        if self.proc is not None:
            self._signal_group(signal.SIGTERM)
            try:
                self.proc.wait(5)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.proc.wait()
            deadline = time.monotonic() + 5
            while self._group_alive() and time.monotonic() < deadline:
                time.sleep(0.05)
            self._signal_group(signal.SIGKILL)
        self._log.close()

    def _signal_group(self, sig: signal.Signals) -> None:
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, sig)
        except ProcessLookupError:
            pass

    def _group_alive(self) -> bool:
        assert self.proc is not None
        try:
            os.killpg(self.proc.pid, 0)
        except ProcessLookupError:
            return False
        return True
