"""The estimated battery.runtime and mustmon.py's later telemetry fields, end to end (issue 13.5-13.6).

The EP20 simulator on a pty, the real driver in a pynutd subprocess, Debian's
upsc (what Home Assistant's NUT integration and nut_exporter read) and the
real HTTP endpoint /api/telemetry.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
import urllib.request

from tests.integration.harness import ROOT, Pynutd, free_port
from tests.integration.must_helpers import follow_status, simulator, upsc_values, write_conf
from tests.integration.test_dashboard_browser import browser  # noqa: F401 - its Chromium


def telemetry(port: int) -> dict:
    """GET /api/telemetry over HTTP."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/api/telemetry", timeout=5) as r:
        return json.loads(r.read())


def test_runtime_estimate_and_telemetry_on_a_simulated_outage(tmp_path):
    """upsc reads an estimated battery.runtime; /api/telemetry serves the later fields."""
    # 500 model seconds in, at 150x: the mains go 2.7 s from now, for 8.8 s.
    with simulator(tmp_path, "--scenario", "outage", "--speed", "150", "--start", "500") as sim:
        conf = tmp_path / "conf"
        write_conf(conf, sim.path, "    pollinterval = 0.5\n    lowbatt = 30\n"
                   "    battery_ah = 9\n    default.battery.runtime.low = 300\n")
        (conf / "pynutd.conf").write_text("")      # the harness adds [web] on a free port
        with Pynutd(conf, web=True, wait_for_ups="ep20") as server:
            online = upsc_values(server.port)
            assert online["driver.parameter.runtime_estimate"] == "battery_ah", online
            assert int(online["battery.runtime"]) > 0
            follow_status(server.port, ["OB DISCHRG"], 30)
            values = upsc_values(server.port)
            body = telemetry(server.web_port)
            charge, watts = float(values["battery.charge"]), float(values["ups.realpower"])
            runtime = int(values["battery.runtime"])
            # charge x 9 Ah x 12 V x 0.88 over the load; one % of charge of slack.
            expected = charge / 100 * 9 * 12 * 0.88 * 3600 / watts
            assert abs(runtime - expected) <= expected * 0.02 + 9 * 12 * 0.88 * 36 / watts, values
            assert values["battery.runtime.low"] == "300"
            assert values["driver.parameter.battery_ah"] == "9"
            # /api/telemetry a moment later (the model runs at 150x): same sense, close values.
            assert body["status"] == "battery"
            assert abs(body["battery_soc_percent"] - charge) <= 5
            assert body["battery_current_a"] > 5          # ~14 A out of a 12 V battery at 150 W
            minutes = body["battery_time_remaining_minutes"]
            assert 0 < minutes <= runtime / 60 + 1
            assert abs(body["battery_time_remaining_hours"] * 60 - minutes) < 0.1
            assert any(w["message"].startswith("on battery") for w in body["recent_warnings"])
            # nut_exporter's runtime panels: the gauge /metrics exports.
            with urllib.request.urlopen(f"http://127.0.0.1:{server.web_port}/metrics?ups=ep20",
                                        timeout=5) as r:
                metrics = r.read().decode()
            assert re.search(r'^network_ups_tools_battery_runtime\{[^}]*ups="ep20"[^}]*\} \d',
                             metrics, re.M), metrics[:2000]
            follow_status(server.port, ["OB DISCHRG LB", "OL CHRG"], 30)
            charging = telemetry(server.web_port)
            assert charging["battery_current_a"] < 0        # charging: into the battery
        assert "Traceback" not in server.log()


def test_history_teaches_the_estimate_across_a_restart(tmp_path):
    """Without battery_ah, an outage in the history database gives a runtime after a restart."""
    with simulator(tmp_path, "--scenario", "outage", "--speed", "150", "--start", "500") as sim:
        conf = tmp_path / "conf"
        write_conf(conf, sim.path, "    pollinterval = 0.5\n    lowbatt = 30\n")
        (conf / "pynutd.conf").write_text(
            f"[history]\ndatabase = {tmp_path / 'history.sqlite'}\ninterval = 0.5\n"
            "flush_interval = 0.2\n")
        with Pynutd(conf, wait_for_ups="ep20") as server:
            assert "battery.runtime" not in upsc_values(server.port)   # nothing known yet
            follow_status(server.port, ["OB DISCHRG", "OL CHRG"], 40)
            learned = upsc_values(server.port)
            assert learned.get("driver.parameter.runtime_estimate") == "history", learned
            time.sleep(1)    # the last samples reach the database
        with Pynutd(conf, wait_for_ups="ep20") as again:
            deadline = time.monotonic() + 10
            values = upsc_values(again.port)
            while "battery.runtime" not in values and time.monotonic() < deadline:
                time.sleep(0.2)
                values = upsc_values(again.port)
            assert values.get("driver.parameter.runtime_estimate") == "history", values
            assert values["ups.status"].startswith("OL"), values   # not learned from a new outage
            assert int(values["battery.runtime"]) > 0
        assert "Traceback" not in server.log() + again.log()


def test_dashboard_marks_the_estimate(tmp_path, browser):  # noqa: F811 - the fixture
    """Chromium shows the EP20's runtime as "≈ …" with a tooltip naming the method."""
    from tests.integration.test_dashboard_browser import reading, wait_for

    with simulator(tmp_path, "--scenario", "online") as sim:
        conf = tmp_path / "conf"
        write_conf(conf, sim.path, "    battery_ah = 9\n")
        (conf / "pynutd.conf").write_text("")
        with Pynutd(conf, web=True, wait_for_ups="ep20") as server:
            browser.get(f"http://127.0.0.1:{server.web_port}/")
            value = f'{reading("ep20", "runtime")} .value'
            wait_for(browser, "the runtime reading", lambda: browser.find_elements(
                "css selector", value) and browser.find_element(
                "css selector", value).text.startswith("≈ "))
            element = browser.find_element("css selector", value)
            # A full 9 Ah battery at 150 W: about 38 minutes.
            assert element.text in ("≈ 37 min", "≈ 38 min"), element.text
            title = element.get_attribute("title")
            assert title.startswith("Estimated by pynutd") and "battery_ah" in title, title


def test_bad_runtime_option_exits_2_at_its_line(tmp_path):
    """A runtimecal NUT would refuse stops pynutd at start: `path:line: message`, status 2."""
    conf = tmp_path / "conf"
    write_conf(conf, "/dev/null", "    battery_ah = 9\n    runtimecal = 720,100,240,50\n")
    (conf / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {free_port()}\n")
    out = subprocess.run([sys.executable, "-m", "pynutd", "-c", str(conf)], capture_output=True,
                         text=True, timeout=20, cwd=ROOT, check=False,
                         env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip().splitlines()[-1].startswith(
        f"pynutd: {conf}/ups.conf:6: [ep20] runtimecal: the runtimes must be positive"), out.stderr
    assert "Traceback" not in out.stderr
