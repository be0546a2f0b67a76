"""PeaNUT's API where its consumers look (issue 13.2).

Each expectation is read from PeaNUT's own code (github Brandawg93/PeaNUT,
commit 5830817c1b62, paths below); nothing of it is copied.  Homepage's
peanut widget (gethomepage/homepage src/widgets/peanut/widget.js: the URL
``{url}/api/v1/devices/{key}``; component.jsx: an error answer shows the
error, otherwise ``ups.status`` is shown as it is) must get 200 for an
unreachable UPS, so that it shows the outage rather than an HTTP error.
"""

from __future__ import annotations

import pytest

from pynutd.nut import misc
from tests.webhelpers import Harness, basic, make_harness, request

# src/common/constants.ts: upsStatus.DEVICE_UNREACHABLE.
UNREACHABLE = "Device Unreachable"


def _stale() -> Harness:
    h = make_harness()
    h.clock.advance(16)   # past MAXAGE 15: main's data is DATA-STALE
    h.spare.update({"ups.load": "10"}, h.clock.seconds())
    return h


def test_unreachable_in_device_list() -> None:
    """src/app/api/v1/devices/route.ts maps getData (src/server/nut.ts), whose stand-in
    for a UPS it cannot read is {ups.device_name, ups.status: Device Unreachable}."""
    h = _stale()
    listed = request(h.site, "GET", "/api/v1/devices").json()
    assert listed[0] == {"ups.device_name": "main", "ups.status": UNREACHABLE}
    assert listed[1]["ups.load"] == 10   # the fresh UPS keeps its variables


@pytest.mark.parametrize("path", ["/api/v1/devices/main", "/api/v1/devices/MAIN/vars"])
def test_unreachable_device_is_200(path: str) -> None:
    """[device]/route.ts and [device]/vars/route.ts return getDeviceVariablesData
    (src/app/api/utils.ts), which is getData's stand-in: 200, not an error."""
    h = _stale()
    response = request(h.site, "GET", path)
    assert response.status == 200
    assert response.json() == {"ups.device_name": "main", "ups.status": UNREACHABLE}


def test_driver_not_connected_is_unreachable_too() -> None:
    """A UPS whose driver lost its device is as unreachable to PeaNUT as a stale one."""
    h = make_harness()
    h.main.set_connected(False, h.clock.seconds())
    response = request(h.site, "GET", "/api/v1/devices/main?meta=true")
    assert response.status == 200
    assert response.json()["ups.status"] == UNREACHABLE
    assert response.json()["peanut.device_id"].endswith("/main")


def test_unknown_device_still_404() -> None:
    """utils.ts deviceNotFoundError: an unknown device stays 404 {error: Device not found}."""
    h = make_harness()
    response = request(h.site, "GET", "/api/v1/devices/nope")
    assert (response.status, response.json()) == (404, {"error": "Device not found"})


def test_ping() -> None:
    """src/app/api/ping/route.ts answers the JSON string "pong"."""
    h = make_harness()
    response = request(h.site, "GET", "/api/ping")
    assert (response.status, response.headers["content-type"]) == (200, "application/json")
    assert response.body == b'"pong"'


def test_version_and_netversion() -> None:
    """v1/version and v1/netversion list getVersion (VER) and getNetVersion (NETVER) of each
    NUT server (src/server/nut.ts): here the one NUT port's own replies."""
    h = make_harness()
    assert request(h.site, "GET", "/api/v1/version").json() == [misc.SERVER_INFO]
    assert request(h.site, "GET", "/api/v1/netversion").json() == [misc.PROTOCOL_VERSION]


def test_meta_names_the_nut_server() -> None:
    """?meta=true: peanut.server is `${nut.getHost()}:${nut.getPort()}` (devices/route.ts,
    [device]/route.ts), the NUT server, and device_id is server/name on one device."""
    h = make_harness()
    h.ctx.nut_address = ("192.0.2.7", 3493)
    listed = request(h.site, "GET", "/api/v1/devices?meta=true").json()
    assert [(d["peanut.device_id"], d["peanut.server"]) for d in listed] == \
        [("main", "192.0.2.7:3493"), ("spare", "192.0.2.7:3493")]
    one = request(h.site, "GET", "/api/v1/devices/main?meta=true").json()
    assert (one["peanut.device_id"], one["peanut.server"]) == \
        ("192.0.2.7:3493/main", "192.0.2.7:3493")


def test_meta_wildcard_nut_address_uses_the_requests_host() -> None:
    """A NUT port on 0.0.0.0 names no reachable host: the web request's host stands in."""
    h = make_harness()
    h.ctx.nut_address = ("0.0.0.0", 3493)
    one = request(h.site, "GET", "/api/v1/devices/main?meta=true").json()
    assert one["peanut.server"] == "10.0.0.1:3493"


def test_range_is_peanuts_list_of_strings() -> None:
    """getRange (src/server/nut.ts) keeps the first quoted word of each RANGE line: the
    minimum, as a string; pynutd's [min, max] pairs stay in /info."""
    h = make_harness()
    base = "/api/v1/devices/main/var/battery.charge.low"
    assert request(h.site, "GET", base + "/range").json() == ["5"]
    assert request(h.site, "GET", base + "/info").json()["range"] == [[5, 50]]


def test_curl_data_write() -> None:
    """`curl -u admin --data 20 .../var/battery.charge.low`: a form-labelled raw body, which
    PeaNUT's POST reads whole (request.text(), [device]/var/[param]/route.ts)."""
    h = make_harness()
    response = request(h.site, "POST", "/api/v1/devices/main/var/battery.charge.low", b"20",
                       {**basic("admin", "adminpw"),
                        "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 200
    assert response.json() == "Variable battery.charge.low on device main saved successfully"
    assert h.controller.calls == [("set", "battery.charge.low", "20")]


def test_curl_data_write_from_another_site_is_still_refused() -> None:
    """The same raw form body from another origin's page is a CSRF: 403, nothing set."""
    h = make_harness()
    response = request(h.site, "POST", "/api/v1/devices/main/var/battery.charge.low", b"20",
                       {**basic("admin", "adminpw"), "Origin": "http://evil.example",
                        "Content-Type": "application/x-www-form-urlencoded"})
    assert response.status == 403
    assert h.controller.calls == []
