"""The web side of a real pynutd process: live values, writes, history, metrics.

pynutd runs as a subprocess with a dummy-ups UPS; the test changes the
UPS's .dev file (the dummy driver re-reads it within about 2 s) and sees
the change on every web surface.
"""

from __future__ import annotations

import base64
import json
import socket
import sqlite3
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.harness import Pynutd, chat, run

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


def test_mustmon_api_and_peanut_shapes(server):
    """mustmon.py's JSON and PeaNUT's flat map come from the running server."""
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


# -- the web port's guards, over raw sockets ------------------------------------------

SECURITY_HEADERS = ("content-security-policy", "x-content-type-options", "referrer-policy")


def raw_exchange(server: Pynutd, data: bytes, timeout: float = 10) -> bytes:
    """Send ``data`` on a fresh connection and return everything until the server closes."""
    with socket.create_connection(("127.0.0.1", server.web_port), timeout=timeout) as s:
        s.sendall(data)
        out = b""
        while True:
            chunk = s.recv(65536)
            if not chunk:
                return out
            out += chunk


def raw_head(server: Pynutd, data: bytes) -> tuple[int, dict[str, str]]:
    """Status and headers of the answer to ``data`` (which must close the connection)."""
    answer = raw_exchange(server, data)
    assert answer.startswith(b"HTTP/1.1 "), answer[:200]
    lines = answer.partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    headers = {}
    for line in lines[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(lines[0].split()[1]), headers


def get_request(path: bytes, extra: bytes = b"") -> bytes:
    """A GET of ``path`` (with ``extra`` header lines) that closes the connection."""
    return b"GET " + path + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n" + extra + b"Connection: close\r\n\r\n"


@pytest.mark.parametrize("data,status", [
    (get_request(b"/static/%00"), 404),
    (get_request(b"/static/%c0%ae%c0%ae/%c0%ae%c0%ae/etc/passwd"), 404),
    (get_request(b"/%c0%ae"), 404),
    (get_request(b"/api/v1/devices/%c0%ae"), 400),
    (get_request(b"/", b"X-Big: " + b"a" * 16 * 1024 + b"\r\n"), 431),
    (get_request(b"/" + b"a" * 100_000), 414),
    (get_request(b"/api/v1/whoami", b"Authorization: Basic " + b"A" * 60_000 + b"\r\n"), 431),
], ids=["nul", "overlong-dots", "overlong-root", "overlong-api", "16k-header", "100k-url",
        "60k-authorization"])
def test_hostile_requests_get_a_status_and_no_traceback(server, data: bytes, status: int):
    """Odd paths are 404 (or 400), oversized requests 414/431, each with the security headers."""
    got, headers = raw_head(server, data)
    assert got == status
    for name in SECURITY_HEADERS:
        assert name in headers, name
    # The server still answers, and logged no traceback for a client's mistake.
    assert http(server, "GET", "/api/health")[0] == 200
    log = server.log()
    assert "Traceback" not in log and "CRITICAL" not in log


@pytest.mark.parametrize("path", ["/", "/static/dashboard.js", "/static/nope.js", "/nope",
                                  "/api/health", "/api/v1/devices/dummy", "/api/v1/devices/x",
                                  "/metrics", "/api/v1/stream"])
def test_every_response_carries_the_security_headers(server, path: str):
    """The dashboard, files, JSON, metrics, the stream and error pages: CSP, nosniff, referrer."""
    with socket.create_connection(("127.0.0.1", server.web_port), timeout=10) as s:
        s.sendall(get_request(path.encode()))
        head = b""
        while b"\r\n\r\n" not in head:    # the stream never ends: read its head only
            chunk = s.recv(65536)
            assert chunk, head
            head += chunk
    lines = head.partition(b"\r\n\r\n")[0].decode("latin-1").lower().split("\r\n")
    headers = dict(line.split(": ", 1) for line in lines[1:])
    assert headers["content-security-policy"].endswith("frame-ancestors 'none'")
    assert headers["x-content-type-options"] == "nosniff"
    assert headers["referrer-policy"] == "no-referrer"


def test_cross_site_write_is_refused_and_logged_once(server):
    """A write carrying another Origin is a 403; the log has one line for it."""
    url = f"http://127.0.0.1:{server.web_port}/api/v1/devices/dummy/var/ups.load"
    before = server.log().count("refused cross-site write")
    req = urllib.request.Request(url, data=b"value=66", method="POST", headers={
        "Authorization": "Basic " + base64.b64encode(b"admin:adminpw").decode(),
        "Content-Type": "application/x-www-form-urlencoded", "Origin": "http://127.0.0.2:8080"})
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(req, timeout=10)
    assert refused.value.code == 403
    assert json.loads(refused.value.read())["error"].startswith("cross-site request refused")
    server.wait_until(lambda: server.log().count("refused cross-site write") == before + 1, 5)
    assert chat(server.port, ["GET VAR dummy ups.load"]).strip() != 'VAR dummy ups.load "66"'


def test_line_injection_through_a_web_write_is_refused(server):
    """SET ups.load to '5\\nVAR ...' is a 400; upsc still shows the true ups.status."""
    forged = b"5\nVAR dummy ups.status OB LB"
    status, _, body = http(server, "POST", "/api/v1/devices/dummy/var/ups.load", forged,
                           ("admin", "adminpw"))
    assert (status, json.loads(body)["error"]) == (
        400, "value contains a control character (\\n)")
    out = run(["upsc", f"dummy@127.0.0.1:{server.port}"])
    assert out.returncode == 0, out.stderr
    statuses = [line for line in out.stdout.splitlines() if "ups.status" in line]
    assert statuses == ["ups.status: OL CHRG"]
    assert "VAR dummy" not in out.stdout
    assert not any(line.startswith("VAR") for line in server.log().splitlines())
