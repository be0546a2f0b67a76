"""``pynutd DEVICE`` started as a user would: the EP20 simulator, the virtual HID UPS, nothing.

Judged by Debian's upsc and upsrw, curl-like HTTP reads, and the text the
command prints (the ups.conf section, read back with ups.conf's reader).
"""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Self

import pytest

from pynutd.config import load_ups_conf
from tests.integration.harness import ROOT, chat, free_port, run
from tests.integration.must_helpers import simulator

ENV = dict(os.environ, PYTHONPATH=str(ROOT))
VIRTUAL = "virtual:pynutd/data/hid/tripplite-smart1500lcdt-09ae_3016.hex"


class QuickPynutd:
    """``pynutd --port P --web-port W DEVICE`` on free ports (retried if one was taken)."""

    def __init__(self, device: str, tmp: Path, *extra: str) -> None:
        self.device = device
        self.extra = extra
        self.logpath = tmp / "quick.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.port = self.web_port = 0

    def __enter__(self) -> Self:
        for _ in range(3):
            self.port, self.web_port = free_port(), free_port()
            with open(self.logpath, "wb") as log:
                # -u root: the harness's reason (private temporary folders).
                self.proc = subprocess.Popen(
                    [sys.executable, "-m", "pynutd", "-u", "root", "--port", str(self.port),
                     "--web-port", str(self.web_port), *self.extra, self.device],
                    stdout=log, stderr=subprocess.STDOUT, env=ENV, cwd=ROOT)
            try:
                if self._wait_started():
                    return self
            except BaseException:
                self.__exit__()
                raise
        raise RuntimeError("no free port in 3 tries:\n" + self.log())

    def _wait_started(self) -> bool:
        assert self.proc is not None
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if "Stop with Ctrl-C." in self.log():
                if "pynutd" in chat(self.port, ["VER"]):
                    return True
                break   # someone else answers on the port: try others
            if self.proc.poll() is not None:
                if "in use" in self.log():
                    return False
                raise RuntimeError(f"pynutd exited {self.proc.returncode}:\n{self.log()}")
            time.sleep(0.05)
        self._stop()
        return False

    def log(self) -> str:
        return self.logpath.read_text(errors="replace") if self.logpath.exists() else ""

    def wait_data(self) -> None:
        """Wait until the UPS has been polled (GET VAR answers)."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if chat(self.port, ["GET VAR ups ups.status"]).startswith("VAR"):
                return
            time.sleep(0.1)
        raise TimeoutError("no data:\n" + self.log())

    def get(self, path: str) -> tuple[int, object]:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.web_port}{path}",
                                        timeout=10) as resp:
                return resp.status, json.loads(resp.read())
        except urllib.error.HTTPError as exc:
            return exc.code, json.loads(exc.read())

    def _stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGINT)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()

    def __exit__(self, *exc: object) -> None:
        self._stop()


def printed_section(log: str) -> str:
    """The ups.conf section the command printed (between its heading and the blank line)."""
    after = log.split("(keep it in /etc/nut/ups.conf):\n\n", 1)[1]
    return after.split("\n\n", 1)[0] + "\n"


def served_like_a_file(section: str, tmp: Path) -> dict[str, str]:
    """The printed section, read back as /etc/nut/ups.conf would be: its options."""
    (tmp / "ups.conf").write_text(section)
    (ups,), _ = load_ups_conf(tmp / "ups.conf", [])
    assert ups.name == "ups"
    return {"driver": ups.driver, "port": ups.port, "desc": ups.desc or "", **ups.options}


def upsc(port: int, *args: str) -> subprocess.CompletedProcess[str]:
    return run(["upsc", f"ups@127.0.0.1:{port}", *args], timeout=10)


def test_ep20_simulator_served_as_ups(tmp_path: Path) -> None:
    """The EP20 found on a pty by its Modbus identity: upsc reads it, /api/telemetry answers,
    the section is printed, and writes are refused for want of users."""
    with simulator(tmp_path, "--scenario", "online") as sim, \
            QuickPynutd(sim.path, tmp_path, "--pollinterval", "1") as quick:
        quick.wait_data()
        values = dict(line.split(": ", 1) for line in upsc(quick.port).stdout.splitlines())
        assert values["device.mfr"] == "MUST" and values["ups.status"] == "OL"
        assert values["driver.name"] == "must_ep2000pro"
        assert values["driver.parameter.pollinterval"] == "1"
        assert values["driver.parameter.port"] == sim.path
        status, telemetry = quick.get("/api/telemetry")
        assert status == 200 and isinstance(telemetry, dict)
        assert telemetry["status"] == "online" and telemetry["battery_level"] == 100
        assert run(["upsc", "-l", f"127.0.0.1:{quick.port}"]).stdout.split() == ["ups"]
        write = run(["upsrw", "-s", "battery.charge.low=20", "-u", "admin", "-p", "admin",
                     f"ups@127.0.0.1:{quick.port}"])
        assert "ERR ACCESS-DENIED" in write.stderr + write.stdout
        log = quick.log()
    assert served_like_a_file(printed_section(log), tmp_path) == {
        "driver": "must_ep2000pro", "port": sim.path, "desc": "MUST EP20-1012 PRO",
        "pollinterval": "1"}
    assert "Writes are off" in log and "no users exist" in log
    assert f"upsc ups@127.0.0.1:{quick.port}" in log


def test_virtual_hid_ups_served_as_ups(tmp_path: Path) -> None:
    """The virtual Tripp Lite judged by its descriptor and served by usbhid-ups as UPS ups."""
    with QuickPynutd(VIRTUAL, tmp_path) as quick:
        quick.wait_data()
        assert upsc(quick.port, "ups.status").stdout.strip().startswith("OL")
        assert upsc(quick.port, "driver.name").stdout.strip() == "usbhid-ups"
        assert upsc(quick.port, "ups.vendorid").stdout.strip() == "09ae"
        status, device = quick.get("/api/v1/devices/ups")
        assert status == 200 and isinstance(device, dict)
        assert str(device["ups.status"]).startswith("OL")
        log = quick.log()
    options = served_like_a_file(printed_section(log), tmp_path)
    assert options["driver"] == "usbhid-ups"
    assert options["port"] == f"virtual:{ROOT}/{VIRTUAL.split(':', 1)[1]}"
    assert (options["vendorid"], options["productid"]) == ("09ae", "3016")


def _no_peer_pty() -> tuple[str, list[int]]:
    master, slave = os.openpty()
    return os.ttyname(slave), [master, slave]


@pytest.mark.parametrize("kind", ["pty-without-simulator", "dev-null", "missing", "hidraw-missing",
                                  "virtual-missing", "virtual-mouse"])
def test_nothing_answering_is_one_line_and_exit_2(kind: str, tmp_path: Path) -> None:
    """Nothing at DEVICE: one line on stderr, nothing on stdout, exit 2, no traceback."""
    fds: list[int] = []
    device = {"dev-null": "/dev/null", "missing": str(tmp_path / "ttyUSB9"),
              "hidraw-missing": "/dev/hidraw99",
              "virtual-missing": f"virtual:{tmp_path}/none.hex"}.get(kind, "")
    if kind == "pty-without-simulator":
        device, fds = _no_peer_pty()
    if kind == "virtual-mouse":
        # A boot mouse's descriptor (Generic Desktop page): HID, but no UPS.
        (tmp_path / "mouse-046d_c077.hex").write_text(
            "05 01 09 02 a1 01 09 01 a1 00 05 09 19 01 29 03 15 00 25 01 95 03 75 01\n"
            "81 02 95 01 75 05 81 03 05 01 09 30 09 31 15 81 25 7f 75 08 95 02 81 06 c0 c0\n")
        device = f"virtual:{tmp_path}/mouse-046d_c077.hex"
    port, web = free_port(), free_port()
    try:
        out = subprocess.run([sys.executable, "-m", "pynutd", "--port", str(port), "--web-port",
                              str(web), device], capture_output=True, text=True, timeout=30,
                             env=ENV, cwd=ROOT, check=False)
    finally:
        for fd in fds:
            os.close(fd)
    assert out.returncode == 2, out.stderr
    assert out.stdout == ""
    assert len(out.stderr.splitlines()) == 1 and out.stderr.startswith("pynutd: "), out.stderr
    expected = {"pty-without-simulator": "nothing answered on", "dev-null": "nothing answered on",
                "missing": "no such device", "hidraw-missing": "no such device",
                "virtual-missing": "no such file", "virtual-mouse": "not a HID Power Device"}
    assert expected[kind] in out.stderr


def test_tools_and_options_keep_their_meaning(tmp_path: Path) -> None:
    """A tool's name is never taken for DEVICE, and -c with DEVICE is refused (no files read)."""
    scan = subprocess.run([sys.executable, "-m", "pynutd", "scan", "--port", "/dev/null"],
                          capture_output=True, text=True, timeout=60, env=ENV, cwd=ROOT,
                          check=False)
    assert scan.returncode == 1 and "No UPS answered." in scan.stdout, scan.stderr
    both = subprocess.run([sys.executable, "-m", "pynutd", "-c", str(tmp_path), "/dev/null"],
                          capture_output=True, text=True, timeout=30, env=ENV, cwd=ROOT,
                          check=False)
    assert both.returncode == 2 and "leave out --demo and -c" in both.stderr
