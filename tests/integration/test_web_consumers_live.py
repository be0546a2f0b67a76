"""PeaNUT's and nut_exporter's consumers against a running pynutd, by curl (issue 13.2-13.3).

The judges are the real programs: curl (as the issue's own example and
Homepage's fetch do it) and Debian's upsc on the NUT port.  A second UPS
whose dummy file does not exist is one pynutd cannot read.
"""

from __future__ import annotations

import json
import subprocess
from collections.abc import Iterator

import pytest
from prometheus_client.parser import text_string_to_metric_families

from tests.integration.harness import Pynutd

DEV = """\
device.mfr: pynutd
device.model: Consumers
ups.status: OL
battery.charge: 80
battery.charge.low: 10
ups.load: 30
input.voltage: 230.0
"""


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Pynutd]:
    confdir = tmp_path_factory.mktemp("consumers")
    (confdir / "ups.conf").write_text("[ups]\n driver = dummy-ups\n port = ups.dev\n"
                                      "[gone]\n driver = dummy-ups\n port = missing.dev\n")
    (confdir / "ups.dev").write_text(DEV)
    (confdir / "upsd.users").write_text("[admin]\n password = adminpw\n actions = SET\n")
    with Pynutd(confdir, web=True, wait_for_ups="ups") as srv:
        yield srv


def curl(server: Pynutd, path: str, *args: str) -> tuple[int, str]:
    """Run curl; return the HTTP status and the body."""
    out = subprocess.run(["curl", "-sS", "-w", "\n%{http_code}", *args,
                          f"http://127.0.0.1:{server.web_port}{path}"],
                         capture_output=True, text=True, timeout=20, check=True).stdout
    body, _, code = out.rpartition("\n")
    return int(code), body


def test_curl_data_write_reaches_upsc(server: Pynutd) -> None:
    """`curl -u admin --data 20 .../var/battery.charge.low` sets it; upsc reads 20."""
    status, body = curl(server, "/api/v1/devices/ups/var/battery.charge.low",
                        "-u", "admin:adminpw", "--data", "20")
    assert (status, json.loads(body)) == \
        (200, "Variable battery.charge.low on device ups saved successfully")
    server.wait_until(lambda: subprocess.run(
        ["upsc", f"ups@127.0.0.1:{server.port}", "battery.charge.low"], capture_output=True,
        text=True, timeout=10).stdout.strip() == "20")


def test_unreachable_ups_is_200_with_peanuts_status(server: Pynutd) -> None:
    """Homepage's widget fetches /api/v1/devices/{ups}: 200 and Device Unreachable."""
    status, body = curl(server, "/api/v1/devices/gone")
    assert status == 200
    assert json.loads(body) == {"ups.device_name": "gone", "ups.status": "Device Unreachable"}
    _, listed = curl(server, "/api/v1/devices?meta=true")
    servers = {d["peanut.server"] for d in json.loads(listed)}
    assert servers == {f"127.0.0.1:{server.port}"}   # the NUT port, not the web port


def test_ping_version_netversion(server: Pynutd) -> None:
    """PeaNUT's three small routes answer from the running server."""
    assert curl(server, "/api/ping") == (200, '"pong"')
    status, body = curl(server, "/api/v1/version")
    assert status == 200 and json.loads(body)[0].startswith("Network UPS Tools upsd")
    assert curl(server, "/api/v1/netversion") == (200, '["1.3"]')


def test_nut_exporter_scrape_parameters(server: Pynutd) -> None:
    """A scrape config's ups/variables/statuses on nut_exporter's path."""
    status, text = curl(server, "/ups_metrics?ups=ups&variables=ups.load,ups.status"
                        "&statuses=OL,OB")
    assert status == 200
    families = {f.name: f for f in text_string_to_metric_families(text)}
    ours = {n for n in families if n.startswith("network_ups_tools_")}
    assert ours == {"network_ups_tools_ups_load", "network_ups_tools_ups_status",
                    "network_ups_tools_device_info"}
    flags = {s.labels["flag"]: s.value for s in families["network_ups_tools_ups_status"].samples}
    assert flags == {"OL": 1.0, "OB": 0.0}
