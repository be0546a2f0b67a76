"""Shared set-up for the web tests: a fixed state store, a site, and requests.

Requests go through the real twisted.web Site and Request objects over a
DummyChannel, synchronously: no sockets, and time comes from a task.Clock
started at a fixed instant, so golden JSON files can be compared exactly.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC
from pathlib import Path
from typing import Any

from twisted.internet import task
from twisted.web.server import Request
from twisted.web.test.requesthelper import DummyChannel

from pynutd.config import AlertConfig, User
from pynutd.nut.descriptions import Descriptions
from pynutd.nut.session import ServerContext
from pynutd.records.alerts import AlertEngine
from pynutd.ups import UpsRegistry, UpsState, VarSpec
from pynutd.web.context import WebContext
from pynutd.web.site import build_site
from tests.nutfixtures import RecordingController

GOLDEN = Path(__file__).parent / "fixtures" / "web"
T0 = 1763900000.0          # 2025-11-23 12:13:20 UTC

USERS = {
    "admin": User("admin", "adminpw", frozenset({"set"}), frozenset({"all"})),
    "cmduser": User("cmduser", "cmdpw", frozenset(), frozenset({"load.off"})),
    "viewer": User("viewer", "viewpw", frozenset({"login"})),
    "nopw": User("nopw", None, frozenset({"set"}), frozenset({"all"})),
}

DESCRIPTIONS = Descriptions(
    {"ups.status": "UPS status", "battery.charge": "Battery charge (percent of full)",
     "input.voltage": "Input voltage (V)", "ups.load": "Load on UPS (percent of full)",
     "battery.charge.low": "Remaining battery level when UPS switches to LB (percent)"},
    {"load.off": "Turn off the load immediately"})

MAIN_VALUES = {
    "device.mfr": "Acme", "device.model": "Smart 1500", "device.serial": "AC123",
    "device.type": "ups", "ups.status": "OL CHRG", "battery.charge": "92",
    "battery.voltage": "27.1", "battery.runtime": "1800", "input.voltage": "231.0",
    "input.frequency": "50.0", "output.voltage": "230.0", "output.frequency": "50.0",
    "ups.load": "23", "ups.realpower": "140", "ups.temperature": "31.5",
    "ups.beeper.status": "enabled", "battery.charge.low": "20", "input.sensitivity": "normal",
    "ups.id": "rack 1",
}
MAIN_SPECS = {
    "battery.charge.low": VarSpec(rw=True, ranges=((5, 50),)),
    "input.sensitivity": VarSpec(rw=True, string_len=8, enums=("low", "normal", "high")),
    "ups.id": VarSpec(rw=True, string_len=8),
    "ups.beeper.status": VarSpec(string_len=10),
    "device.mfr": VarSpec(string_len=32), "device.model": VarSpec(string_len=32),
    "device.serial": VarSpec(string_len=32), "device.type": VarSpec(string_len=32),
    "ups.status": VarSpec(string_len=32),
}


@dataclass
class Harness:
    """A site over two UPSes: ``main`` (fresh, writable) and ``spare`` (on battery)."""

    clock: task.Clock
    registry: UpsRegistry
    main: UpsState
    spare: UpsState
    controller: RecordingController
    server: ServerContext
    ctx: WebContext
    site: Any
    events: list[Any]


def make_harness(alerts: bool = True) -> Harness:
    """Return a fresh harness at time T0 (+ 10 s of uptime)."""
    clock = task.Clock()
    clock.advance(T0 - 10)
    started = clock.seconds()
    clock.advance(10)
    main = UpsState("main", "Rack UPS", "usbhid-ups")
    main.set_connected(True, clock.seconds())
    main.update(MAIN_VALUES, clock.seconds(), specs=MAIN_SPECS,
                commands=["beeper.toggle", "load.off", "test.battery.start.quick"])
    controller = RecordingController()
    main.controller = controller
    spare = UpsState("spare", None, "dummy-ups")
    spare.set_connected(True, clock.seconds())
    spare.update({"ups.status": "OB DISCHRG LB", "battery.charge": "15", "input.voltage": "0.0",
                  "ups.load": "85"}, clock.seconds())
    registry = UpsRegistry([main, spare])
    server = ServerContext(registry=registry, users=dict(USERS), descriptions=DESCRIPTIONS,
                           maxage=15, clock=clock)
    events: list[Any] = []
    registry.subscribe(events.append)
    engine = None
    if alerts:
        engine = AlertEngine(registry, AlertConfig(), clock)
        engine.start()
    ctx = WebContext(registry=registry, server=server, descriptions=DESCRIPTIONS, clock=clock,
                     started=started, alerts=engine, tz=UTC, version="9.9")
    return Harness(clock, registry, main, spare, controller, server, ctx, build_site(ctx), events)


@dataclass
class Response:
    """A parsed HTTP response."""

    status: int
    headers: dict[str, str]
    body: bytes

    def json(self) -> Any:
        return json.loads(self.body)


class Call:
    """One request in flight through the site; :meth:`response` parses what was written."""

    def __init__(self, site: Any, method: str, uri: str, body: bytes = b"",
                 headers: dict[str, str] | None = None) -> None:
        self.channel = DummyChannel()
        self.channel.site = site
        self.request: Request = site.requestFactory(self.channel)
        for name, value in (headers or {}).items():
            self.request.requestHeaders.addRawHeader(name.encode(), value.encode())
        self.request.gotLength(len(body))
        self.request.handleContentChunk(body)
        self.request.requestReceived(method.encode(), uri.encode(), b"HTTP/1.1")

    @property
    def finished(self) -> bool:
        return bool(self.request.finished)

    def response(self) -> Response:
        raw = self.channel.transport.written.getvalue()
        head, _, body = raw.partition(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        status = int(lines[0].split()[1])
        headers = {}
        for line in lines[1:]:
            name, _, value = line.partition(":")
            headers[name.strip().lower()] = value.strip()
        if headers.get("transfer-encoding") == "chunked":
            body = _dechunk(body)
        return Response(status, headers, body)


def _dechunk(data: bytes) -> bytes:
    out = b""
    while data:
        size_line, _, data = data.partition(b"\r\n")
        size = int(size_line.split(b";")[0], 16)
        if size == 0:
            break
        out, data = out + data[:size], data[size + 2:]
    return out


def connect(site: Any) -> tuple[Any, Any]:
    """Return a channel of ``site`` (a real GuardedChannel) over a StringTransport."""
    from twisted.internet.address import IPv4Address
    from twisted.internet.testing import StringTransport
    address = IPv4Address("TCP", "127.0.0.1", 40000)
    channel = site.buildProtocol(address)
    transport = StringTransport(peerAddress=address)
    channel.makeConnection(transport)
    return channel, transport


def request(site: Any, method: str, uri: str, body: bytes = b"",
            headers: dict[str, str] | None = None) -> Response:
    """Run a request that completes at once and return its response."""
    call = Call(site, method, uri, body, headers)
    assert call.finished, f"{method} {uri} did not finish"
    return call.response()


def basic(user: str, password: str) -> dict[str, str]:
    """Return an Authorization header for HTTP Basic."""
    import base64
    token = base64.b64encode(f"{user}:{password}".encode()).decode()
    return {"Authorization": f"Basic {token}"}


def golden(name: str, data: Any) -> Any:
    """Return the golden JSON ``name``; write it when PYNUTD_REGOLD=1 (review the diff!)."""
    import os
    path = GOLDEN / f"{name}.json"
    if os.environ.get("PYNUTD_REGOLD") == "1":
        path.write_text(json.dumps(data, indent=2, ensure_ascii=False) + "\n")
    return json.loads(path.read_text())
