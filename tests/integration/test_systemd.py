"""systemd integration of a real pynutd: the notify protocol on a test socket,
journald log lines, and the shipped unit file judged by ``systemd-analyze verify``."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import time
import uuid
from pathlib import Path

import pytest

from tests.integration.harness import ROOT, Pynutd, chat

UNIT = ROOT / "conf" / "pynutd.service"


class NotifySocket:
    """A datagram socket standing in for systemd's; collects every message."""

    def __init__(self, address: str) -> None:
        self.env_value = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + address[1:] if address.startswith("@") else address)
        self.sock.settimeout(0.1)
        self.messages: list[list[str]] = []

    def collect(self, seconds: float) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            try:
                self.messages.append(self.sock.recv(4096).decode().split("\n"))
            except TimeoutError:
                pass

    def wait_for(self, field: str, timeout: float = 20) -> int:
        """Collect until a message holds ``field``; return its index."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for i, message in enumerate(self.messages):
                if field in message:
                    return i
            self.collect(0.2)
        raise TimeoutError(f"no {field}; got {self.messages}")

    def count(self, field: str) -> int:
        return sum(field in m for m in self.messages)

    def close(self) -> None:
        self.sock.close()


def confdir(tmp_path: Path) -> Path:
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "ups.conf").write_text("[ups]\n driver = dummy-ups\n port = ups.dev\n")
    (conf / "ups.dev").write_text("ups.status: OL\nbattery.charge: 77\n")
    (conf / "upsd.users").write_text("")
    return conf


@pytest.mark.parametrize("abstract", [False, True], ids=["path", "abstract"])
def test_notify_protocol(tmp_path, abstract):
    """READY (port listening, the UPS polled), WATCHDOG pings, RELOADING/READY on SIGHUP,
    STOPPING on SIGTERM."""
    address = f"@pynutd-test-{uuid.uuid4().hex}" if abstract else str(tmp_path / "notify")
    notify = NotifySocket(address)
    try:
        env = {"NOTIFY_SOCKET": address, "WATCHDOG_USEC": "200000"}  # a ping every 0.1 s
        with Pynutd(confdir(tmp_path), extra_env=env) as server:
            ready = notify.wait_for("READY=1")
            # READY came after the port listened and the first poll: data is there at once.
            assert chat(server.port, ["GET VAR ups battery.charge"]) == \
                'VAR ups battery.charge "77"\n'
            status = [f for f in notify.messages[ready] if f.startswith("STATUS=")]
            assert status and "ups" in status[0] and str(server.port) in status[0]
            notify.collect(1.5)
            # Not timing-strict: many pings, at least a few per second.
            assert notify.count("WATCHDOG=1") >= 5, notify.messages
            before = len(notify.messages)
            server.reload()
            reloading = notify.wait_for("RELOADING=1")
            assert reloading >= before
            notify.collect(0.5)
            assert any("READY=1" in m for m in notify.messages[reloading + 1:]), notify.messages
            server.proc.send_signal(signal.SIGTERM)
            server.proc.wait(10)
            notify.collect(0.3)
            assert notify.count("STOPPING=1") == 1, notify.messages
            last_ping = max(i for i, m in enumerate(notify.messages) if "WATCHDOG=1" in m)
            stopping = notify.wait_for("STOPPING=1")
            assert last_ping < stopping
    finally:
        notify.close()


def test_no_watchdog_for_another_pid(tmp_path):
    """WATCHDOG_PID naming another process: READY, but no pings (the variables were inherited)."""
    notify = NotifySocket(str(tmp_path / "notify"))
    try:
        env = {"NOTIFY_SOCKET": notify.env_value, "WATCHDOG_USEC": "200000", "WATCHDOG_PID": "1"}
        with Pynutd(confdir(tmp_path), extra_env=env):
            notify.wait_for("READY=1")
            notify.collect(1.0)
            assert notify.count("WATCHDOG=1") == 0, notify.messages
    finally:
        notify.close()


def test_journal_lines_have_priorities(tmp_path):
    """With JOURNAL_STREAM naming stderr: `<N>name: message`, no time stamp."""
    conf = confdir(tmp_path)
    (conf / "upsd.conf").write_text("")
    log = conf / "pynutd.log"           # the harness sends stderr here (same inode)
    log.write_bytes(b"")
    st = os.stat(log)
    env = {"JOURNAL_STREAM": f"{st.st_dev}:{st.st_ino}"}
    with Pynutd(conf, extra_env=env, upsd_extra="CERTPATH /nowhere\n") as server:
        server.wait_until(lambda: "CERTPATH" in server.log())
        lines = [line for line in server.log().splitlines() if line]
    warning = next(line for line in lines if "CERTPATH" in line)
    assert warning.startswith("<4>pynutd: "), warning
    assert any(line.startswith("<6>") for line in lines), lines
    assert all(line[:1] == "<" and line[2:3] == ">" for line in lines), lines


def test_journal_stream_of_another_file_is_ignored(tmp_path):
    """JOURNAL_STREAM inherited but stderr elsewhere: the usual time-stamped lines."""
    conf = confdir(tmp_path)
    with Pynutd(conf, extra_env={"JOURNAL_STREAM": "1:1"},
                upsd_extra="CERTPATH /nowhere\n") as server:
        server.wait_until(lambda: "CERTPATH" in server.log())
        warning = next(line for line in server.log().splitlines() if "CERTPATH" in line)
    assert warning[:4].isdigit() and " WARNING " in warning, warning


def test_unit_file_verifies(tmp_path):
    """`systemd-analyze verify` accepts conf/pynutd.service (ExecStart resolved to a real file)."""
    unit = tmp_path / "pynutd.service"
    text = UNIT.read_text()
    assert "Type=notify" in text and "WatchdogSec=" in text and "User=nut" in text
    # verify checks that ExecStart's program exists: point it at this machine's pynutd.
    exe = shutil.which("pynutd") or str(ROOT / ".venv" / "bin" / "pynutd")
    unit.write_text(text.replace("/opt/pynutd/bin/pynutd", exe))
    out = subprocess.run(["systemd-analyze", "verify", str(unit)], capture_output=True,
                         text=True, timeout=60)
    problems = [line for line in (out.stdout + out.stderr).splitlines()
                if "pynutd.service" in line]
    assert out.returncode == 0 and not problems, out.stdout + out.stderr
