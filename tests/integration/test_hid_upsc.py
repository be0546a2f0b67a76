"""The virtual Tripp Lite through the real usbhid-ups driver, judged by NUT's own clients."""

from __future__ import annotations

import json
import shutil
import socket
import subprocess
import sys
import time
from pathlib import Path

from pynutd.drivers.hid.dumps import from_hex, parse_reports
from tests.integration.harness import ROOT, Pynutd, chat, run
from tests.integration.upsmon import Upsmon

DATA = ROOT / "pynutd" / "data" / "hid"
STEM = "tripplite-smart1500lcdt-09ae_3016"
USERS = ("[prim]\n password = primpw\n upsmon primary\n"
         "[admin]\n password = adminpw\n actions = SET\n instcmds = ALL\n")


def _confdir(tmp_path: Path, options: str) -> Path:
    conf = tmp_path / "conf"
    conf.mkdir()
    for suffix in (".hex", ".reports.txt", ".strings.txt"):
        shutil.copy(DATA / f"{STEM}{suffix}", conf)
    (conf / "ups.conf").write_text(
        f"[tl]\n driver = usbhid-ups\n port = virtual:{STEM}.hex\n pollinterval = 1\n{options}")
    (conf / "upsd.users").write_text(USERS)
    (conf / "pynutd.conf").write_text("[web]\nenabled = no\n")
    return conf


def _status(port: int) -> str:
    proc = run(["upsc", f"tl@127.0.0.1:{port}", "ups.status"], timeout=10)
    return proc.stdout.strip()


class _StatusWatch:
    """One NUT session asking ``GET VAR tl ups.status`` in a loop.

    Spawning upsc takes long enough on a loaded machine to miss the short
    ``OB DISCHRG LB`` window before upsmon sets FSD; one open session samples
    every 50 ms.  upsc still judges the first and the last status.
    """

    def __init__(self, port: int) -> None:
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=10)
        self.reader = self.sock.makefile("rb")

    def status(self) -> str:
        self.sock.sendall(b"GET VAR tl ups.status\n")
        line = self.reader.readline().decode().rstrip("\n")
        prefix = 'VAR tl ups.status "'
        assert line.startswith(prefix) and line.endswith('"'), line
        return line[len(prefix):-1]

    def close(self) -> None:
        self.reader.close()
        self.sock.close()


def test_outage_ol_ob_lb_and_upsmon_sets_fsd(tmp_path: Path) -> None:
    """upsc sees OL, then OB, then OB LB; a real upsmon primary sets FSD and shuts down."""
    conf = _confdir(tmp_path, " virtual_scenario = outage\n virtual_timescale = 2\n"
                              " virtual_discharge_rate = 5\n")
    with Pynutd(conf, wait_for_ups="tl") as server:
        seen = [_status(server.port)]
        watch = _StatusWatch(server.port)
        try:
            with Upsmon(tmp_path / "upsmon", f"tl@127.0.0.1:{server.port}", "prim",
                        "primpw") as upsmon:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline and "FSD" not in seen[-1]:
                    status = watch.status()
                    if status != seen[-1]:
                        seen.append(status)
                    time.sleep(0.05)
                upsmon.wait_shutdown(15)
                assert _status(server.port).split()[:2] == ["FSD", "OB"]
        finally:
            watch.close()
        assert seen[0] == "OL", seen
        assert "OB DISCHRG" in seen, seen
        lb = [s for s in seen if "LB" in s.split()]
        assert lb and lb[0] == "OB DISCHRG LB", seen
        assert seen.index("OB DISCHRG") < seen.index("OB DISCHRG LB")
        # By the time FSD shows, a fast-draining battery may have stopped discharging.
        final = seen[-1].split()
        assert final[:2] == ["FSD", "OB"] and "LB" in final, seen


def test_upsc_upsrw_upscmd_on_virtual_tripplite(tmp_path: Path) -> None:
    """upsc lists NUT's Tripp Lite variables; upsrw and upscmd reach the device."""
    conf = _confdir(tmp_path, " virtual_scenario = online\n")
    with Pynutd(conf, wait_for_ups="tl") as server:
        ups = f"tl@127.0.0.1:{server.port}"
        listing = run(["upsc", ups]).stdout
        assert "driver.name: usbhid-ups" in listing
        assert "input.voltage: 121.4" in listing and "ups.mfr: Tripp Lite" in listing
        assert "device.model: TRIPP LITE UPS" in listing and "ups.vendorid: 09ae" in listing
        rw = run(["upsrw", ups]).stdout
        assert "[battery.charge.low]" in rw and "Maximum length: 5" in rw
        cmds = run(["upscmd", "-l", ups]).stdout
        assert "shutdown.return" in cmds and "beeper.enable" in cmds
        done = run(["upsrw", "-s", "battery.charge.low=25", "-u", "admin", "-p", "adminpw", ups])
        assert "OK" in done.stdout + done.stderr
        done = run(["upscmd", "-u", "admin", "-p", "adminpw", ups, "beeper.enable"])
        assert "OK" in done.stdout + done.stderr
        server.wait_until(lambda: run(["upsc", ups, "battery.charge.low"]).stdout.strip() == "25",
                          10)
        server.wait_until(lambda: run(["upsc", ups, "ups.beeper.status"]).stdout.strip()
                          == "enabled", 10)
        assert chat(server.port, ["GET TYPE tl ups.delay.shutdown"]).startswith(
            "TYPE tl ups.delay.shutdown RW STRING:10")


def test_pynutd_read_json(tmp_path: Path) -> None:
    """pynutd read: JSON variables, the tripplite reader's layout, and a dump a virtual UPS loads."""
    conf = _confdir(tmp_path, "")
    base = [sys.executable, "-m", "pynutd", "read", "-c", str(conf)]
    proc = subprocess.run(base + ["tl"], capture_output=True, text=True, timeout=60, cwd=ROOT,
                          check=False)
    assert proc.returncode == 0, proc.stderr
    values = json.loads(proc.stdout)
    assert values["ups.status"] == "OL" and values["battery.charge"] == "100"
    proc = subprocess.run(base + ["--tripplite-layout"], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    layout = json.loads(proc.stdout)
    assert layout["config"] == {"voltage": 120, "frequency": 60, "power": 1500}
    assert layout["health"] == 100 and layout["time to empty"] == 1800
    dump = tmp_path / "dump"
    proc = subprocess.run(base + ["tl", "--dump", str(dump)], capture_output=True, text=True,
                          timeout=60, cwd=ROOT, check=False)
    assert proc.returncode == 0, proc.stderr
    saved = parse_reports((dump / "trippliteups-09ae_3016.reports.txt").read_text())
    original = parse_reports((conf / f"{STEM}.reports.txt").read_text())
    assert {rid: saved[rid] for rid in original} == original
    assert from_hex((dump / "trippliteups-09ae_3016.hex").read_text()) == \
        from_hex((conf / f"{STEM}.hex").read_text())
    proc = subprocess.run(base + ["nosuch"], capture_output=True, text=True, timeout=60, cwd=ROOT,
                          check=False)
    assert proc.returncode == 2 and "no UPS [nosuch]" in proc.stderr
