"""The web side of a real pynutd process: live values, writes, history, metrics.

pynutd runs as a subprocess with a dummy-ups UPS; the test changes the
UPS's .dev file (the dummy driver re-reads it within about 2 s) and sees
the change on every web surface.
"""

from __future__ import annotations

import base64
import json
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.harness import Pynutd, chat

DEV = """\
device.mfr: pynutd
device.model: Live Test
device.serial: LT-1
device.type: ups
ups.status: OL CHRG
battery.charge: {charge}
battery.voltage: 27.1
input.voltage: 231.0
output.voltage: 230.0
input.frequency: 50.0
ups.load: {load}
ups.temperature: 31.5
"""
USERS = "[admin]\n password = adminpw\n actions = SET\n instcmds = ALL\n" \
        "[viewer]\n password = viewpw\n upsmon secondary\n"


def write_dev(path: Path, charge: int, load: int, status: str = "OL CHRG") -> None:
    text = DEV.format(charge=charge, load=load).replace("OL CHRG", status)
    path.write_text(text)


def http(server: Pynutd, method: str, path: str, body: bytes | None = None,
         auth: tuple[str, str] | None = None, timeout: float = 10) -> tuple[int, dict[str, str], bytes]:
    url = f"http://127.0.0.1:{server.web_port}{path}"
    req = urllib.request.Request(url, data=body, method=method)
    if auth:
        req.add_header("Authorization", "Basic " + base64.b64encode(
            f"{auth[0]}:{auth[1]}".encode()).decode())
    if body is not None:
        req.add_header("Content-Type", "text/plain")
    try:
        with urllib.request.urlopen(req, timeout=timeout) as resp:
            return resp.status, {k.lower(): v for k, v in resp.headers.items()}, resp.read()
    except urllib.error.HTTPError as err:
        return err.code, {k.lower(): v for k, v in err.headers.items()}, err.read()


def get_json(server: Pynutd, path: str) -> Any:
    status, _, body = http(server, "GET", path)
    assert status == 200, body
    return json.loads(body)


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    confdir = tmp_path_factory.mktemp("web")
    (confdir / "ups.conf").write_text("[dummy]\n driver = dummy-ups\n port = ups.dev\n"
                                      ' desc = "Live test UPS"\n')
    write_dev(confdir / "ups.dev", 92, 23)
    (confdir / "upsd.users").write_text(USERS)
    notify = confdir / "notify.sh"
    notify.write_text('#!/bin/sh\nprintf "%s|%s|%s|%s\\n" "$NOTIFYTYPE" "$UPSNAME" '
                      '"$PYNUTD_RULE" "$1" >> "$(dirname "$0")/notify.out"\n')
    notify.chmod(0o755)
    (confdir / "pynutd.conf").write_text(
        "[history]\ndatabase = history.sqlite\ninterval = 1\n\n"
        f"[alerts]\nload_high = 80\nnotifycmd = {notify}\n\n[log]\ntelemetry_interval = 1\n")
    with Pynutd(confdir, web=True, wait_for_ups="dummy") as srv:
        srv.confdir = confdir
        yield srv


def test_seed_api_and_peanut_shapes(server):
    """The seed's JSON and PeaNUT's flat map come from the running server."""
    telemetry = get_json(server, "/api/telemetry")
    assert telemetry["battery_level"] == 92 and telemetry["status"] == "online"
    assert get_json(server, "/api/health")["status"] == "running"
    device = get_json(server, "/api/v1/devices/dummy")
    assert device["battery.charge"] in (92, "92") and device["ups.status"] == "OL CHRG"
    assert get_json(server, "/api/v1/devices/dummy/description") == "Live test UPS"
    assert http(server, "GET", "/api/v1/devices/nope")[0] == 404


def test_values_change_live_everywhere(server):
    """Changing the UPS shows up in the JSON, the metrics, the alerts and the event log."""
    write_dev(server.confdir / "ups.dev", 55, 91, "OB DISCHRG")
    server.wait_until(lambda: get_json(server, "/api/telemetry")["status"] == "battery", 15)
    telemetry = get_json(server, "/api/telemetry")
    assert telemetry["battery_level"] == 55 and "High load" in telemetry["alarms"]
    _, _, body = http(server, "GET", "/metrics")
    families = {f.name: f for f in text_string_to_metric_families(body.decode())}
    values = {s.name: s.value for s in families["network_ups_tools_battery_charge"].samples}
    assert values == {"network_ups_tools_battery_charge": 55.0}
    flags = {s.labels["flag"]: s.value for s in families["network_ups_tools_ups_status"].samples}
    assert flags["OB"] == 1.0 and flags["OL"] == 0.0
    server.wait_until(lambda: any(e["kind"] == "status" for e in get_json(
        server, "/api/v1/devices/dummy/events")), 10)
    kinds = {e["kind"] for e in get_json(server, "/api/v1/events")}
    assert {"status", "alert"} <= kinds
    log = server.log()
    assert "[dummy] alert: High load (ups.load 91 > 80)" in log
    assert "pynutd.telemetry: [dummy] Vin=231.0V, Vout=230.0V, Batt=27.1V, Load=" in log
    write_dev(server.confdir / "ups.dev", 92, 23)
    server.wait_until(lambda: get_json(server, "/api/telemetry")["status"] == "online", 15)
    out = server.confdir / "notify.out"
    server.wait_until(lambda: out.exists() and "ALERTCLEAR" in out.read_text(), 10)
    assert out.read_text().splitlines() == [
        "ALERT|dummy|load_high|UPS dummy: High load (ups.load 91)",
        "ALERTCLEAR|dummy|load_high|UPS dummy: High load cleared (ups.load 23)"]


def test_write_over_http_reaches_the_ups(server):
    """POST with Basic auth sets a variable; the NUT port serves the new value."""
    assert http(server, "POST", "/api/v1/devices/dummy/var/ups.load", b"42")[0] == 401
    assert http(server, "POST", "/api/v1/devices/dummy/var/ups.load", b"42",
                ("viewer", "viewpw"))[0] == 403
    status, _, body = http(server, "POST", "/api/v1/devices/dummy/var/ups.load", b"42",
                           ("admin", "adminpw"))
    assert (status, json.loads(body)) == (
        200, "Variable ups.load on device dummy saved successfully")
    server.wait_until(lambda: chat(server.port, ["GET VAR dummy ups.load"]).strip()
                      == 'VAR dummy ups.load "42"', 10)
    events = get_json(server, "/api/v1/devices/dummy/events?kind=setvar")
    assert events[0]["user"] == "admin" and events[0]["detail"]["value"] == "42"


def test_history_rows_are_written(server):
    """Samples reach the SQLite file (WAL) while the server runs."""
    server.wait_until(lambda: len(get_json(
        server, "/api/v1/devices/dummy/history?var=battery.charge&since=-10m")
        ["series"].get("battery.charge", [])) >= 3, 15)
    db = sqlite3.connect(server.confdir / "history.sqlite")
    try:
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert db.execute("SELECT count(*) FROM samples WHERE ups = 'dummy'").fetchone()[0] >= 3
    finally:
        db.close()


def test_openapi_document_validates(server):
    """The served OpenAPI document is valid OpenAPI 3.0."""
    from openapi_spec_validator import validate
    document = get_json(server, "/api/openapi.json")
    validate(document)
    assert "/api/v1/devices/{ups}/var/{name}" in document["paths"]
