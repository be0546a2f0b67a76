"""POST writes: Basic authentication on every write, NUT's rights and value rules."""

from __future__ import annotations

import pytest
from twisted.internet.defer import Deferred

from tests.webhelpers import Call, basic, make_harness, request

SETVAR = "/api/v1/devices/main/var/ups.id"
INSTCMD = "/api/v1/devices/main/command/load.off"
WRITES = [SETVAR, INSTCMD, "/api/v1/devices/main/var/battery.charge.low",
          "/api/v1/devices/main/command/beeper.toggle"]


@pytest.mark.parametrize("path", WRITES)
@pytest.mark.parametrize("headers", [
    {},
    basic("admin", "wrong"),
    basic("ADMIN", "adminpw"),       # user names are case-sensitive, as in upsd
    basic("nopw", ""),               # a user without password never matches
    basic("ghost", "x"),
    {"Authorization": "Bearer abc"},
])
def test_write_without_valid_credentials_is_401(path: str, headers: dict[str, str]) -> None:
    """Every write without valid Basic credentials is refused with a challenge."""
    h = make_harness()
    response = request(h.site, "POST", path, b"30", headers)
    assert response.status == 401
    assert response.headers["www-authenticate"] == 'Basic realm="pynutd"'
    assert h.controller.calls == []


def test_401_comes_before_404() -> None:
    """An anonymous client cannot probe UPS names through writes."""
    h = make_harness()
    assert request(h.site, "POST", "/api/v1/devices/nope/var/x.y", b"1").status == 401


def test_set_var_needs_set_action() -> None:
    """A user without ``actions = SET`` gets 403, as ACCESS-DENIED on the NUT port."""
    h = make_harness()
    response = request(h.site, "POST", SETVAR, b"x", basic("cmduser", "cmdpw"))
    assert response.status == 403
    assert h.controller.calls == []


def test_instcmd_needs_the_command_in_instcmds() -> None:
    """cmduser may run load.off only; viewer nothing."""
    h = make_harness()
    ok = request(h.site, "POST", INSTCMD, b"", basic("cmduser", "cmdpw"))
    assert ok.status == 200
    assert ok.json() == "Command load.off on device main run successfully"
    denied = request(h.site, "POST", "/api/v1/devices/main/command/beeper.toggle", b"",
                     basic("cmduser", "cmdpw"))
    assert denied.status == 403
    assert request(h.site, "POST", INSTCMD, b"", basic("viewer", "viewpw")).status == 403
    assert h.controller.calls == [("instcmd", "load.off", None)]


def test_set_var_success_is_recorded_with_user() -> None:
    """A good SET reaches the device and the event names the user."""
    h = make_harness()
    response = request(h.site, "POST", "/api/v1/devices/MAIN/var/UPS.ID", b"rack 2",
                       {**basic("admin", "adminpw"), "Content-Type": "text/plain"})
    assert response.status == 200
    assert response.json() == "Variable ups.id on device main saved successfully"
    assert h.controller.calls == [("set", "ups.id", "rack 2")]
    event = h.events[-1]
    assert (event.kind, event.user, event.detail["var"], event.detail["value"]) == \
        ("setvar", "admin", "ups.id", "rack 2")
    assert event.detail["address"].startswith("web:")


@pytest.mark.parametrize("body,content_type,expected", [
    (b"30", "text/plain", "30"),
    (b'"30"', "application/json", "30"),
    (b"30", "application/json", "30"),
    (b'{"value": "30"}', "application/json", "30"),
    (b"value=30", "application/x-www-form-urlencoded", "30"),
])
def test_body_forms(body: bytes, content_type: str, expected: str) -> None:
    """The value may come as raw text (PeaNUT), JSON, a JSON object or a form."""
    h = make_harness()
    response = request(h.site, "POST", "/api/v1/devices/main/var/battery.charge.low", body,
                       {**basic("admin", "adminpw"), "Content-Type": content_type})
    assert response.status == 200
    assert h.controller.calls == [("set", "battery.charge.low", expected)]


@pytest.mark.parametrize("path,body,code", [
    ("/api/v1/devices/main/var/battery.charge", b"50", "READONLY"),
    ("/api/v1/devices/main/var/ups.id", b"much too long", "TOO-LONG"),
    ("/api/v1/devices/main/var/input.sensitivity", b"medium", "INVALID-VALUE"),
    ("/api/v1/devices/main/var/battery.charge.low", b"99", "INVALID-VALUE"),
])
def test_nut_value_rules(path: str, body: bytes, code: str) -> None:
    """Values are checked with NUT's SET VAR rules; the NUT code is in the answer."""
    h = make_harness()
    response = request(h.site, "POST", path, body, basic("admin", "adminpw"))
    assert response.status == 400
    assert response.json()["nut_error"] == code
    assert h.controller.calls == []


def test_bad_bodies() -> None:
    """An empty value, broken JSON or a JSON list is a 400."""
    h = make_harness()
    auth = basic("admin", "adminpw")
    assert request(h.site, "POST", SETVAR, b"", auth).status == 400
    bad_json = {**auth, "Content-Type": "application/json"}
    assert request(h.site, "POST", SETVAR, b"{", bad_json).status == 400
    assert request(h.site, "POST", SETVAR, b"[1]", bad_json).status == 400


def test_unknown_targets_are_404() -> None:
    """Unknown UPS, variable or command on a write are 404 (after authentication)."""
    h = make_harness()
    auth = basic("admin", "adminpw")
    assert request(h.site, "POST", "/api/v1/devices/nope/var/ups.id", b"x", auth).status == 404
    assert request(h.site, "POST", "/api/v1/devices/main/var/no.such", b"x", auth).status == 404
    assert request(h.site, "POST", "/api/v1/devices/main/command/no.such", b"", auth).status == 404


def test_stale_write_is_503() -> None:
    """Writes to a stale UPS are refused, as upsd's DATA-STALE."""
    h = make_harness()
    h.clock.advance(20)
    response = request(h.site, "POST", SETVAR, b"x", basic("admin", "adminpw"))
    assert (response.status, response.json()["nut_error"]) == (503, "DATA-STALE")


@pytest.mark.parametrize("result,status,text", [
    ("rejected", 400, "Device main refused to run load.off"),
    ("unknown", 404, "Device main does not support load.off"),
    ("failed", 500, "Failed to run load.off on device main"),
])
def test_device_answers(result: str, status: int, text: str) -> None:
    """The driver's refusal is a 400, an unknown command 404, a device failure 500."""
    h = make_harness()
    h.controller.result = result
    if result == "unknown":
        from twisted.internet.defer import fail

        from pynutd.control import CommandUnknown
        h.controller.instcmd = lambda name, param: fail(CommandUnknown("no"))  # type: ignore
    response = request(h.site, "POST", INSTCMD, b"", basic("admin", "adminpw"))
    assert (response.status, response.json()["error"]) == (status, text)


def test_answer_waits_for_the_device_and_times_out() -> None:
    """The answer comes when the device answers, or 504 after the write timeout."""
    h = make_harness()
    h.controller.result = "pending"
    call = Call(h.site, "POST", INSTCMD, b"5", basic("admin", "adminpw"))
    assert not call.finished
    pending: Deferred[None] = h.controller.pending  # type: ignore[assignment]
    pending.callback(None)
    assert call.finished and call.response().status == 200
    assert h.controller.calls == [("instcmd", "load.off", "5")]

    slow = Call(h.site, "POST", INSTCMD, b"", basic("admin", "adminpw"))
    h.clock.advance(10)
    assert slow.finished and slow.response().status == 504


def test_whoami() -> None:
    """/whoami checks credentials for the dashboard's login."""
    h = make_harness()
    assert request(h.site, "GET", "/api/v1/whoami").status == 401
    assert request(h.site, "GET", "/api/v1/whoami", headers=basic("admin", "bad")).status == 401
    assert request(h.site, "GET", "/api/v1/whoami", headers=basic("admin", "adminpw")).json() == \
        {"user": "admin", "set": True, "instcmds": ["all"]}


def test_users_are_read_at_request_time() -> None:
    """A SIGHUP that replaces the users applies to the next request."""
    h = make_harness()
    h.server.users = {}
    assert request(h.site, "GET", "/api/v1/whoami", headers=basic("admin", "adminpw")).status == 401


def test_script_requests_get_no_challenge() -> None:
    """With X-Requested-With the 401 has no WWW-Authenticate (no browser dialog)."""
    h = make_harness()
    response = request(h.site, "GET", "/api/v1/whoami",
                       headers={**basic("admin", "bad"), "X-Requested-With": "XMLHttpRequest"})
    assert response.status == 401 and "www-authenticate" not in response.headers
