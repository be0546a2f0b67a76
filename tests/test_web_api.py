"""The JSON API: golden bodies for every GET endpoint, errors, HEAD and 405."""

from __future__ import annotations

import pytest

from tests.webhelpers import golden, make_harness, request

# (golden name, path): every read endpoint of docs/web-api.md.
GOLDEN_GETS = [
    ("telemetry", "/api/telemetry"),
    ("telemetry_spare", "/api/telemetry?ups=SPARE"),
    ("health", "/api/health"),
    ("devices", "/api/v1/devices"),
    ("devices_meta", "/api/v1/devices?meta=true"),
    ("device", "/api/v1/devices/main"),
    ("device_vars", "/api/v1/devices/main/vars"),
    ("device_description", "/api/v1/devices/main/description"),
    ("device_description_none", "/api/v1/devices/spare/description"),
    ("var", "/api/v1/devices/main/var/battery.charge"),
    ("var_description", "/api/v1/devices/main/var/battery.charge/description"),
    ("var_description_unknown", "/api/v1/devices/main/var/ups.id/description"),
    ("var_type", "/api/v1/devices/main/var/input.sensitivity/type"),
    ("var_type_number", "/api/v1/devices/main/var/battery.charge/type"),
    ("var_enum", "/api/v1/devices/main/var/input.sensitivity/enum"),
    ("var_range", "/api/v1/devices/main/var/battery.charge.low/range"),
    ("var_info", "/api/v1/devices/main/var/battery.charge.low/info"),
    ("commands", "/api/v1/devices/main/commands"),
    ("commands_detail", "/api/v1/devices/main/commands?detail=true"),
    ("command_description", "/api/v1/devices/main/command/load.off/description"),
    ("rwvars", "/api/v1/devices/main/rwvars"),
    ("rwvars_detail", "/api/v1/devices/main/rwvars?detail=true"),
    ("clients", "/api/v1/devices/main/clients"),
    ("ups_list", "/api/v1/ups"),
    ("ups_one", "/api/v1/ups/spare"),
]


@pytest.mark.parametrize("name,path", GOLDEN_GETS)
def test_golden(name: str, path: str) -> None:
    """Each read endpoint answers 200 with exactly its golden JSON body."""
    h = make_harness()
    response = request(h.site, "GET", path)
    assert response.status == 200
    assert response.headers["content-type"] == "application/json"
    assert response.json() == golden(name, response.json())


def test_names_match_case_insensitively() -> None:
    """UPS and variable names match in any case, as upsd's; answers use canonical names."""
    h = make_harness()
    assert request(h.site, "GET", "/api/v1/devices/MAIN/var/BATTERY.CHARGE").json() == "92"
    assert request(h.site, "GET", "/api/v1/ups/Main").json()["name"] == "main"


UNKNOWN = [
    "/api/v1/devices/nope", "/api/v1/devices/nope/vars", "/api/v1/devices/nope/description",
    "/api/v1/devices/nope/var/battery.charge", "/api/v1/devices/nope/commands",
    "/api/v1/devices/nope/rwvars", "/api/v1/devices/nope/clients", "/api/v1/ups/nope",
    "/api/v1/devices/nope/history", "/api/v1/devices/nope/events", "/api/telemetry?ups=nope",
    "/api/v1/devices/main/var/no.such", "/api/v1/devices/main/var/no.such/info",
    "/api/v1/devices/main/var/no.such/type", "/api/v1/devices/main/var/no.such/enum",
    "/api/v1/devices/main/var/no.such/range", "/api/v1/devices/main/var/no.such/description",
    "/api/v1/devices/main/command/no.such/description", "/api/v1/nothing", "/api/nothing",
]


@pytest.mark.parametrize("path", UNKNOWN)
def test_unknown_is_404(path: str) -> None:
    """An unknown UPS, variable, command or path is a 404 with a JSON error."""
    h = make_harness()
    response = request(h.site, "GET", path)
    assert response.status == 404
    assert isinstance(response.json()["error"], str)


def test_unknown_ups_and_var_texts() -> None:
    """The 404 texts are PeaNUT's."""
    h = make_harness()
    assert request(h.site, "GET", "/api/v1/devices/nope").json() == {"error": "Device not found"}
    assert request(h.site, "GET", "/api/v1/devices/main/var/x.y").json() == {
        "error": "Parameter x.y on device main not found"}


def test_stale_ups_reads_are_503() -> None:
    """Once data is older than MAXAGE, value reads answer 503 DATA-STALE; the device maps
    are PeaNUT's 'Device Unreachable' (tests/test_web_peanut.py)."""
    h = make_harness()
    h.clock.advance(16)
    response = request(h.site, "GET", "/api/v1/devices/main/var/ups.load")
    assert response.status == 503
    assert response.json()["nut_error"] == "DATA-STALE"
    listed = request(h.site, "GET", "/api/v1/devices").json()
    assert listed[0] == {"ups.device_name": "main", "ups.status": "Device Unreachable"}
    summary = request(h.site, "GET", "/api/v1/ups/main").json()
    assert summary["availability"] == "DATA-STALE"
    assert summary["vars"]["ups.load"] == 23   # last known values stay visible
    assert request(h.site, "GET", "/api/telemetry").json()["status"] == "unknown"


def test_driver_not_connected_is_503() -> None:
    """A UPS whose driver lost its device answers 503 DRIVER-NOT-CONNECTED."""
    h = make_harness()
    h.main.set_connected(False, h.clock.seconds())
    response = request(h.site, "GET", "/api/v1/devices/main/commands")
    assert (response.status, response.json()["nut_error"]) == (503, "DRIVER-NOT-CONNECTED")


def test_fsd_prefix_is_served() -> None:
    """After FSD, ups.status reads with the FSD prefix, as on the NUT port."""
    h = make_harness()
    h.main.set_fsd(h.clock.seconds(), "upsmon")
    assert request(h.site, "GET", "/api/v1/devices/main").json()["ups.status"] == "FSD OL CHRG"
    assert request(h.site, "GET", "/api/v1/ups/main").json()["status_tokens"][0] == "FSD"


def test_clients_lists_nut_logins() -> None:
    """/clients lists the NUT sessions LOGINed to the UPS, newest first."""
    from pynutd.nut.session import NutSession
    h = make_harness()
    for address, ups in (("10.0.0.1", "main"), ("10.0.0.2", "spare"), ("10.0.0.3", "main")):
        session = NutSession(h.server, address, {})
        session.login_ups = ups
        h.server.sessions.append(session)
    assert request(h.site, "GET", "/api/v1/devices/main/clients").json() == ["10.0.0.3", "10.0.0.1"]


def test_head_and_method_not_allowed() -> None:
    """HEAD answers like GET without a body; a wrong method is a 405 with Allow."""
    h = make_harness()
    head = request(h.site, "HEAD", "/api/v1/devices/main")
    assert head.status == 200 and head.body == b""
    wrong = request(h.site, "DELETE", "/api/v1/devices/main")
    assert wrong.status == 405
    assert wrong.headers["allow"] == "GET"
    post_only = request(h.site, "GET", "/api/v1/devices/main/command/load.off")
    assert post_only.status == 405 and post_only.headers["allow"] == "POST"


def test_trailing_slash_and_bad_utf8() -> None:
    """A trailing slash names the same resource; undecodable paths are a 400."""
    h = make_harness()
    assert request(h.site, "GET", "/api/v1/devices/main/").status == 200
    assert request(h.site, "GET", "/api/v1/devices/%ff").status == 400


def test_telemetry_shape_is_mustmons() -> None:
    """/api/telemetry has mustmon.py's fields in its order, with its types."""
    h = make_harness()
    body = request(h.site, "GET", "/api/telemetry").json()
    assert list(body) == ["input_voltage", "output_voltage", "battery_voltage", "battery_level",
                          "load_percent", "load_power", "frequency", "input_frequency",
                          "temperature", "timestamp", "status", "uptime",
                          "battery_soc_percent", "battery_current_a",
                          "battery_time_remaining_hours", "battery_time_remaining_minutes",
                          "alarms", "recent_warnings"]
    # The fixture's battery.runtime is 1800 s: mustmon.py's total hours and minutes.
    assert (body["battery_time_remaining_hours"], body["battery_time_remaining_minutes"]) == (
        0.5, 30.0)
    assert isinstance(body["battery_soc_percent"], float)
    assert all(isinstance(body[k], float) for k in ("input_voltage", "frequency", "temperature"))
    assert all(isinstance(body[k], int) for k in ("battery_level", "load_percent", "load_power"))
    spare = request(h.site, "GET", "/api/telemetry?ups=spare").json()
    assert spare["status"] == "battery"
    assert spare["alarms"] == ["Low input voltage", "Low battery", "High load"]


def test_telemetry_adds_device_alarm() -> None:
    """The UPS's own ups.alarm follows pynutd's alerts in ``alarms``."""
    h = make_harness()
    h.main.update({"ups.alarm": "No battery installed!"}, h.clock.seconds())
    assert request(h.site, "GET", "/api/telemetry").json()["alarms"] == ["No battery installed!"]


def _with_history():
    from twisted.internet.defer import maybeDeferred

    from pynutd.config import HistoryConfig
    from pynutd.records.history import HistoryService
    from tests.webhelpers import basic
    h = make_harness()
    service = HistoryService(h.registry, HistoryConfig(), h.clock, 15, run=maybeDeferred)
    service.startService()
    h.ctx.history = service
    for load, status in (("30", "OL"), ("45", "OB DISCHRG"), ("60", "OB DISCHRG LB")):
        h.clock.advance(2)
        h.main.update({"ups.load": load, "ups.status": status}, h.clock.seconds())
    h.clock.advance(2)
    request(h.site, "POST", "/api/v1/devices/main/var/ups.id", b"rack 9",
            basic("admin", "adminpw"))
    return h


@pytest.mark.parametrize("name,path", [
    ("history", "/api/v1/devices/main/history?var=ups.load,battery.charge&since=-10s"),
    ("history_bucketed", "/api/v1/devices/main/history?var=ups.load&since=-100s&points=10"),
    ("events_ups", "/api/v1/devices/main/events"),
    ("events_all", "/api/v1/events?kind=alert,status&limit=5"),
])
def test_golden_history(name: str, path: str) -> None:
    """History and event endpoints answer exactly their golden JSON."""
    h = _with_history()
    response = request(h.site, "GET", path)
    assert response.status == 200
    assert response.json() == golden(name, response.json())


def test_golden_whoami_and_openapi() -> None:
    """whoami and the OpenAPI document are pinned too (an API change shows in review)."""
    from tests.webhelpers import basic
    h = make_harness()
    who = request(h.site, "GET", "/api/v1/whoami", headers=basic("cmduser", "cmdpw")).json()
    assert who == golden("whoami", who)
    doc = request(h.site, "GET", "/api/openapi.json").json()
    assert doc == golden("openapi", doc)


def test_openapi_document_validates_and_covers_every_route() -> None:
    """The OpenAPI document is valid 3.0 and names every route of the router."""
    from openapi_spec_validator import validate

    from pynutd.web.api import ROUTES
    from pynutd.web.openapi import document
    doc = document("1")
    validate(doc)
    for route in ROUTES:
        path = "/api/" + "/".join(route.pattern)
        assert route.method.lower() in doc["paths"][path], path
