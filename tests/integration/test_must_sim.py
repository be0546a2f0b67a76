"""End to end through the EP20 simulator on a pty: the real driver, pynutd and upsc."""

from __future__ import annotations

import re
import signal
import subprocess
import sys
import time

from tests.integration.harness import ROOT, Pynutd, chat, free_port, run, wait_port
from tests.integration.must_helpers import follow_status, simulator, upsc, write_conf

OUTAGE = ["OL CHRG", "OB DISCHRG", "OB DISCHRG LB", "OL CHRG"]


def test_upsc_follows_an_outage(tmp_path):
    """upsc sees OL CHRG, OB DISCHRG, OB DISCHRG LB and OL CHRG again, in order."""
    # 500 model seconds in: 2.7 s of OL CHRG left, LB about 7 s after the outage.
    with simulator(tmp_path, "--scenario", "outage", "--speed", "150", "--start", "500") as sim:
        conf = tmp_path / "conf"
        write_conf(conf, sim.path, "    pollinterval = 0.5\n    lowbatt = 30\n")
        with Pynutd(conf, wait_for_ups="ep20") as server:
            seen = follow_status(server.port, OUTAGE, 60)
            assert set(seen) <= set(OUTAGE), seen
            charge = int(upsc(server.port, "battery.charge").stdout)
            assert 0 < charge < 100
        assert "Traceback" not in server.log()


def test_silent_device_goes_stale_and_recovers(tmp_path):
    """A silent unit gives ERR DATA-STALE after MAXAGE, logged once, then comes back."""
    with simulator(tmp_path, "--scenario", "online") as sim:
        conf = tmp_path / "conf"
        write_conf(conf, sim.path, "    pollinterval = 0.5\n")
        with Pynutd(conf, wait_for_ups="ep20", upsd_extra="MAXAGE 3\n") as server:
            get = ["GET VAR ep20 ups.status"]
            server.wait_until(lambda: chat(server.port, get) == 'VAR ep20 ups.status "OL"\n', 15)
            sim.signal(signal.SIGUSR1)       # the simulator stops answering
            server.wait_until(lambda: chat(server.port, get) == "ERR DATA-STALE\n", 15)
            result = upsc(server.port, "ups.status")
            assert result.returncode != 0 and "Data stale" in result.stderr
            sim.signal(signal.SIGUSR1)       # and answers again
            server.wait_until(lambda: chat(server.port, get) == 'VAR ep20 ups.status "OL"\n', 40)
            log = server.log()
        failures = re.findall(r"\[ep20\] poll failed: (.*)", log)
        assert failures == ["read 30000x27 from slave 10: no reply (4 tries)"], log
        assert len(re.findall(r"\[ep20\] cannot connect", log)) <= 1, log
        assert "[ep20] communication restored" in log


def test_scan_finds_the_simulator(tmp_path):
    """pynutd scan says the pty answers as an EP20 and prints a ups.conf section."""
    with simulator(tmp_path) as sim:
        result = run([sys.executable, "-m", "pynutd", "scan", "--port", sim.path,
                      "--port", "/dev/null"], cwd=ROOT, timeout=30)
    assert result.returncode == 0, result.stderr
    assert f"Found {sim.path}: MUST EP20-1012 PRO (slave 10" in result.stdout
    assert f"[ep20]\n    driver = must_ep2000pro\n    port = {sim.path}\n" in result.stdout
    assert "/dev/null: MUST" not in result.stdout


def test_demo_serves_the_simulated_ep20(tmp_path):
    """pynutd --demo serves an EP20 through the real driver over a pty."""
    port, web_port = free_port(), free_port()
    with open(tmp_path / "demo.log", "wb") as log:
        proc = subprocess.Popen([sys.executable, "-m", "pynutd", "--demo", "--port", str(port),
                                 "--web-port", str(web_port)], cwd=ROOT, stdout=log,
                                stderr=subprocess.STDOUT)
    try:
        wait_port(port)
        reply = ""
        deadline = time.monotonic() + 15
        while 'VAR ep20 ups.status "OL' not in reply and time.monotonic() < deadline:
            time.sleep(0.1)
            reply = chat(port, ["GET VAR ep20 driver.name", "GET VAR ep20 ups.status"])
        assert 'VAR ep20 ups.status "OL CHRG"' in reply, (tmp_path / "demo.log").read_text()
        assert 'VAR ep20 driver.name "must_ep2000pro"' in reply
        port_line = upsc(port, "driver.parameter.port").stdout.strip()
        assert port_line.startswith("/dev/pts/")
        # The EP20 has no runtime: the demo's battery_ah gives an estimated one.
        assert int(upsc(port, "battery.runtime").stdout) > 0
        assert upsc(port, "driver.parameter.runtime_estimate").stdout.strip() == "battery_ah"
    finally:
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
