"""The web port's guards, request by request: CSRF, control characters, headers, limits.

Requests go through the real Site, Request and (for the limits) the real
GuardedChannel over a StringTransport; time is a task.Clock.  The same
guards are checked against a running pynutd over sockets in
tests/integration/test_web_live.py and in Chromium in
tests/integration/test_web_csrf_browser.py.
"""

from __future__ import annotations

import logging
from typing import Any

import pytest
from twisted.internet.testing import StringTransport
from twisted.web.resource import Resource

from pynutd.printable import escape, first_control
from pynutd.web.headers import CONTENT_SECURITY_POLICY
from pynutd.web.origin import cross_site, parse_origin
from pynutd.web.site import QuietSite
from pynutd.web.stream import StreamHub
from tests.webhelpers import Call, basic, connect, make_harness, request

SETVAR = "/api/v1/devices/main/var/ups.id"
INSTCMD = "/api/v1/devices/main/command/load.off"
OWN = "http://127.0.0.1:8080"


# -- escaping -------------------------------------------------------------------

@pytest.mark.parametrize("text,escaped,first", [
    ("rack 1", "rack 1", None),
    ("5\nVAR ups ups.status OB LB", "5\\nVAR ups ups.status OB LB", "\\n"),
    ("a\r\nb", "a\\r\\nb", "\\r"),
    ("nul\x00", "nul\\x00", "\\x00"),
    ("tab\there", "tab\\there", "\\t"),
    ("esc\x1b[31m", "esc\\x1b[31m", "\\x1b"),
    ("del\x7f", "del\\x7f", "\\x7f"),
    ("c1\x85", "c1\\x85", "\\x85"),
    ("line\u2028sep", "line\\u2028sep", "\\u2028"),
    ("back\\slash", "back\\\\slash", None),
    ("Zürich °C", "Zürich °C", None),
])
def test_escape_and_first_control(text: str, escaped: str, first: str | None) -> None:
    """Control characters are named and escaped; printable text is left alone."""
    assert escape(text) == escaped
    assert "\n" not in escape(text) and "\r" not in escape(text)
    assert first_control(text) == first


# -- the origin rule ------------------------------------------------------------

@pytest.mark.parametrize("origin,fetch_site,host,allowed,refused", [
    (None, None, "127.0.0.1:8080", (), False),                 # curl, scripts, PeaNUT
    (OWN, None, "127.0.0.1:8080", (), False),
    (OWN, "same-origin", "127.0.0.1:8080", (), False),          # the dashboard
    (None, "none", "127.0.0.1:8080", (), False),                # typed by the user
    ("HTTP://LOCALHOST", None, "localhost:80", (), False),       # default port, case
    ("http://[::1]:8080", None, "[::1]:8080", (), False),
    ("http://127.0.0.2:8080", None, "127.0.0.1:8080", (), True),
    ("http://127.0.0.1:9999", None, "127.0.0.1:8080", (), True),  # another port
    ("https://127.0.0.1:8080", None, "127.0.0.1:8080", (), True),  # another scheme
    ("null", None, "127.0.0.1:8080", (), True),                  # sandboxed or file: page
    ("http://evil.example", None, None, (), True),               # no Host to compare
    ("not an origin", None, "127.0.0.1:8080", (), True),
    (OWN, "cross-site", "127.0.0.1:8080", (), True),
    (OWN, "same-site", "127.0.0.1:8080", (), True),
    (None, "cross-site", "127.0.0.1:8080", (), True),
    ("https://ups.example.com", "cross-site", "127.0.0.1:8080",
     ("https://ups.example.com",), False),                       # a proxy's public origin
    ("https://ups.example.com:443", "same-origin", "127.0.0.1:8080",
     ("https://UPS.example.com/",), False),
    ("https://evil.example.com", None, "127.0.0.1:8080", ("https://ups.example.com",), True),
])
def test_cross_site_rule(origin: str | None, fetch_site: str | None, host: str | None,
                         allowed: tuple[str, ...], refused: bool) -> None:
    """Another Origin, null, or a Sec-Fetch-Site from elsewhere is cross-site."""
    assert (cross_site(origin, fetch_site, host, False, allowed) is not None) is refused


def test_parse_origin() -> None:
    """Origins are normalised; anything with a path, user or odd scheme is not one."""
    assert parse_origin("http://Example.COM") == ("http", "example.com", 80)
    assert parse_origin("https://example.com:8443") == ("https", "example.com", 8443)
    for bad in ("null", "", "ftp://example.com", "http://example.com/path",
                "http://user@example.com", "http://example.com:99999", "http://"):
        assert parse_origin(bad) is None, bad


# -- CSRF through the site --------------------------------------------------------

FOREIGN = [
    {"Origin": "http://127.0.0.2:8080"},
    {"Origin": "null"},
    {"Origin": "http://127.0.0.1:9999"},
    {"Sec-Fetch-Site": "cross-site"},
    {"Origin": OWN, "Sec-Fetch-Site": "same-site"},
]


@pytest.mark.parametrize("path,body", [(SETVAR, b"rack 9"), (INSTCMD, b""),
                                       ("/api/v1/devices/main/var/battery.charge.low", b"30")])
@pytest.mark.parametrize("headers", FOREIGN)
@pytest.mark.parametrize("content_type", ["application/x-www-form-urlencoded", "text/plain"])
def test_cross_site_writes_are_refused(path: str, body: bytes, headers: dict[str, str],
                                       content_type: str,
                                       caplog: pytest.LogCaptureFixture) -> None:
    """A write from another origin is a 403, changes nothing and is logged once."""
    h = make_harness(alerts=False)
    caplog.set_level(logging.INFO, logger="pynutd")
    all_headers = {"Host": "127.0.0.1:8080", "Content-Type": content_type,
                   **basic("admin", "adminpw"), **headers}
    if content_type.endswith("urlencoded"):
        body = b"value=" + body
    response = request(h.site, "POST", path, body, all_headers)
    assert response.status == 403
    assert response.headers["content-type"] == "application/json"
    assert response.json()["error"].startswith("cross-site request refused: ")
    assert h.controller.calls == []
    assert not [e for e in h.events if e.kind in ("setvar", "instcmd")]
    lines = [r for r in caplog.records if r.name.startswith("pynutd")]
    assert [(r.levelname, r.getMessage().split(":")[0]) for r in lines] == [
        ("WARNING", "refused cross-site write")]


def test_cross_site_refusal_comes_before_authentication() -> None:
    """No 401 challenge (a login dialog) is shown for another site's form."""
    h = make_harness()
    response = request(h.site, "POST", SETVAR, b"x", {"Origin": "http://evil.example"})
    assert response.status == 403
    assert "www-authenticate" not in response.headers


@pytest.mark.parametrize("headers", [
    {},                                                        # curl, PeaNUT
    {"Origin": OWN, "Sec-Fetch-Site": "same-origin"},          # the dashboard
    {"Origin": OWN},
    {"Sec-Fetch-Site": "none"},
    {"Origin": "https://ups.example.com", "Sec-Fetch-Site": "cross-site"},  # allowed origin
])
def test_own_and_allowed_writes_work(headers: dict[str, str]) -> None:
    """Writes without browser headers, from the own origin or an allowed one go through."""
    h = make_harness()
    h.ctx.allowed_origins = ("https://ups.example.com",)
    from pynutd.web.site import build_site
    site = build_site(h.ctx)
    response = request(site, "POST", SETVAR, b"rack 9",
                       {"Host": "127.0.0.1:8080", **basic("admin", "adminpw"), **headers})
    assert response.status == 200, response.body
    assert h.controller.calls == [("set", "ups.id", "rack 9")]


def test_reads_from_other_origins_are_not_refused() -> None:
    """The origin rule is for writes: a GET from anywhere is answered."""
    h = make_harness()
    response = request(h.site, "GET", "/api/v1/ups", headers={
        "Host": "127.0.0.1:8080", "Origin": "http://evil.example", "Sec-Fetch-Site": "cross-site"})
    assert response.status == 200


# -- control characters in writes ---------------------------------------------------

CONTROLS = ["\n", "\r", "\x00", "\t", "\x1b", "\x7f", "\x85", "\u2028"]


@pytest.mark.parametrize("char", CONTROLS)
def test_values_with_control_characters_are_400(char: str,
                                                caplog: pytest.LogCaptureFixture) -> None:
    """A SET value holding a control character is refused, naming it; nothing is sent."""
    h = make_harness()
    caplog.set_level(logging.INFO, logger="pynutd")
    value = f"5{char}VAR ups ups.status OB LB"
    response = request(h.site, "POST", SETVAR, value.encode(),
                       {**basic("admin", "adminpw"), "Content-Type": "text/plain; charset=utf-8"})
    assert response.status == 400
    assert response.json() == {"error": f"value contains a control character ({escape(char)})",
                               "nut_error": "INVALID-VALUE"}
    assert h.controller.calls == []
    assert not [e for e in h.events if e.kind == "setvar"]
    assert all("\n" not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize("body,content_type", [
    (b"5\nLOGOUT", "text/plain"),
    (b"value=5%0D%0ALOGOUT", "application/x-www-form-urlencoded"),
    (b'{"value": "5\\u0000x"}', "application/json"),
])
def test_command_parameters_with_control_characters_are_400(body: bytes,
                                                            content_type: str) -> None:
    """An INSTCMD parameter with a control character is refused, in any body form."""
    h = make_harness()
    response = request(h.site, "POST", INSTCMD, body,
                       {**basic("admin", "adminpw"), "Content-Type": content_type})
    assert response.status == 400
    assert response.json()["error"].startswith("parameter contains a control character (")
    assert h.controller.calls == []


def test_the_example_message() -> None:
    """The answer names the newline as \\n."""
    h = make_harness()
    response = request(h.site, "POST", "/api/v1/devices/main/var/battery.charge.low",
                       b"5\nVAR ups ups.status OB LB", basic("admin", "adminpw"))
    assert response.json()["error"] == "value contains a control character (\\n)"


def test_driver_messages_are_logged_escaped(caplog: pytest.LogCaptureFixture) -> None:
    """A driver's refusal text with a line break is logged on one line."""
    from twisted.internet.defer import fail

    from pynutd.control import CommandRejected
    h = make_harness()
    caplog.set_level(logging.INFO, logger="pynutd")
    h.controller.instcmd = lambda name, param: fail(  # type: ignore[method-assign]
        CommandRejected("no\nVAR ups ups.status OB"))
    response = request(h.site, "POST", INSTCMD, b"", basic("admin", "adminpw"))
    assert response.status == 400
    failed = [r.getMessage() for r in caplog.records if "failed" in r.getMessage()]
    assert failed == ["[main] web run load.off failed: no\\nVAR ups ups.status OB"]


# -- security headers on every response --------------------------------------------

def assert_security_headers(headers: dict[str, str], what: str) -> None:
    """The three headers, with frame-ancestors 'none' in the policy."""
    assert headers.get("content-security-policy") == CONTENT_SECURITY_POLICY, what
    assert "frame-ancestors 'none'" in CONTENT_SECURITY_POLICY
    assert headers.get("x-content-type-options") == "nosniff", what
    assert headers.get("referrer-policy") == "no-referrer", what


@pytest.mark.parametrize("method,path,headers,status", [
    ("GET", "/", {}, 200),
    ("GET", "/static/format.js", {}, 200),
    ("GET", "/static/nope.js", {}, 404),
    ("GET", "/static/%00", {}, 404),
    ("GET", "/static/%c0%ae%c0%ae/x", {}, 404),
    ("GET", "/nope", {}, 404),
    ("GET", "/api/health", {}, 200),
    ("GET", "/api/telemetry", {}, 200),
    ("GET", "/api/v1/devices/main", {}, 200),
    ("GET", "/api/v1/devices/nope", {}, 404),
    ("GET", "/api/v1/%c0%ae", {}, 400),
    ("GET", "/api/v1/whoami", {}, 401),
    ("POST", SETVAR, {"Origin": "null"}, 403),
    ("DELETE", SETVAR, {}, 405),
    ("GET", "/metrics", {}, 200),
    ("GET", "/ups_metrics?ups=nope", {}, 404),
    ("POST", "/metrics", {}, 405),
])
def test_every_response_has_the_security_headers(method: str, path: str,
                                                 headers: dict[str, str], status: int) -> None:
    """Pages, files, JSON, metrics and error answers all carry CSP, nosniff, Referrer-Policy."""
    h = make_harness()
    # A static file is sent by a producer after this call: read the response
    # head from the request rather than from what was written so far.
    call = Call(h.site, method, path, headers=headers)
    assert call.request.code == status
    response_headers = {name.decode().lower(): values[-1].decode()
                        for name, values in call.request.responseHeaders.getAllRawHeaders()}
    assert_security_headers(response_headers, path)


def test_the_event_stream_has_the_security_headers() -> None:
    """The SSE stream's response head carries them too."""
    h = make_harness()
    h.ctx.stream = hub = StreamHub(h.ctx)
    hub.start()
    call = Call(h.site, "GET", "/api/v1/stream")
    assert not call.finished
    assert_security_headers(call.response().headers, "stream")
    hub.stop()


class Broken(Resource):
    """A resource that fails, for Twisted's own 500 page."""

    isLeaf = True

    def render(self, request: Any) -> bytes:
        raise ValueError("broken")


def test_a_failing_resource_answers_500_with_the_headers() -> None:
    """Even Twisted's 'Processing Failed' page carries them, and shows no traceback."""
    site = QuietSite(Broken())  # type: ignore[arg-type]
    response = request(site, "GET", "/")
    assert response.status == 500
    assert b"Traceback" not in response.body
    assert_security_headers(response.headers, "500")


# -- limits of the HTTP channel ---------------------------------------------------

def status_of(transport: StringTransport) -> tuple[int, dict[str, str]]:
    """The status and headers of the first response written to ``transport``."""
    head = transport.value().partition(b"\r\n\r\n")[0].decode("latin-1").split("\r\n")
    headers = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        headers[name.strip().lower()] = value.strip()
    return int(head[0].split()[1]), headers


@pytest.mark.parametrize("data,status", [
    (b"GET /" + b"a" * 100_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET /" + b"a" * 16_400, 414),                                   # no line end yet
    (b"GET / HTTP/1.1\r\nX-Big: " + b"a" * 16_384 + b"\r\n\r\n", 431),
    (b"GET / HTTP/1.1\r\nAuthorization: Basic " + b"A" * 60_000 + b"\r\n\r\n", 431),
    (b"GET / HTTP/1.1\r\n" + b"X-A: " + b"a" * 9000 + b"\r\nX-B: " + b"b" * 9000
     + b"\r\n\r\n", 431),                                              # too big in all
    (b"GET / HTTP/1.1\r\n" + b"".join(b"X-%d: 1\r\n" % i for i in range(600)) + b"\r\n", 431),
    (b"GET / HTTP/1.1\r\nBad header\r\n\r\n", 400),
    (b"POST /api/v1/devices/main/var/ups.id HTTP/1.1\r\nContent-Length: 100000000\r\n\r\n",
     413),
])
def test_limits_are_answered(data: bytes, status: int) -> None:
    """Too long a URL is 414, too big headers 431, nonsense 400: a status, not a silent close."""
    h = make_harness()
    channel, transport = connect(h.site)
    channel.dataReceived(data)
    got, headers = status_of(transport)
    assert got == status
    assert headers["connection"] == "close"
    assert_security_headers(headers, str(status))
    assert transport.disconnecting
    assert h.controller.calls == []
    # Whatever follows is not parsed as a request.
    before = transport.value()
    channel.dataReceived(b"\r\nGET /api/health HTTP/1.1\r\nHost: x\r\n\r\n")
    assert transport.value() == before


def test_legitimate_requests_pass_the_channel() -> None:
    """A browser-sized request (8 KB of headers, a 4 KB URL) is answered as before."""
    h = make_harness()
    channel, transport = connect(h.site)
    channel.dataReceived(b"GET /api/health?" + b"x" * 4000 + b" HTTP/1.1\r\nHost: x\r\n"
                         + b"Cookie: " + b"c" * 8000 + b"\r\n\r\n")
    assert status_of(transport)[0] == 200
    assert not transport.disconnecting


def test_a_stalled_stream_is_closed_after_a_minute() -> None:
    """A full send buffer that sends nothing for 60 s ends the stream; a drained one does not."""
    h = make_harness()
    h.ctx.stream = hub = StreamHub(h.ctx)
    hub.start()
    channel, transport = connect(h.site)
    channel.dataReceived(b"GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n")
    assert len(hub.clients) == 1
    channel.pauseProducing()            # what a full TCP transport calls
    assert hub.clients[0].paused
    h.clock.advance(59)
    channel.resumeProducing()           # the client read it all
    assert not hub.clients[0].paused
    h.clock.advance(120)
    assert not transport.disconnecting
    channel.pauseProducing()
    channel.pauseProducing()            # called on every write while full: one timer
    h.clock.advance(59)
    assert not transport.disconnecting
    h.clock.advance(1)
    assert transport.disconnecting
    channel.connectionLost(Exception("aborted"))
    assert hub.clients == []
    hub.stop()
