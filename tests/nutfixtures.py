"""Shared set-up for NUT session and protocol unit tests: a small server context."""

from __future__ import annotations

from twisted.internet import task
from twisted.internet.defer import Deferred, fail, succeed

from pynutd.config import User
from pynutd.control import CommandRejected
from pynutd.nut.descriptions import Descriptions
from pynutd.nut.session import NutSession, ServerContext
from pynutd.ups import UpsRegistry, UpsState, VarSpec

USERS = {
    "monuser": User("monuser", "secret", frozenset({"login"})),
    "prim": User("prim", "primpw", frozenset({"login", "master", "fsd"})),
    "admin": User("admin", "adminpw", frozenset({"set", "fsd"}), frozenset({"all"})),
    "cmduser": User("cmduser", "cmdpw", frozenset(), frozenset({"load.off"})),
    "nopw": User("nopw", None, frozenset({"login", "set"})),
}


class RecordingController:
    """Stands in for a poller: records requests and answers as told."""

    def __init__(self) -> None:
        self.calls: list[tuple[str, str, str | None]] = []
        self.pending: Deferred[None] | None = None
        self.result: str = "ok"

    def _answer(self) -> Deferred[None]:
        if self.result == "pending":
            self.pending = Deferred()
            return self.pending
        if self.result == "rejected":
            return fail(CommandRejected("no"))
        if self.result == "failed":
            return fail(OSError("device gone"))
        return succeed(None)

    def set_var(self, name: str, value: str) -> Deferred[None]:
        self.calls.append(("set", name, value))
        return self._answer()

    def instcmd(self, name: str, param: str | None) -> Deferred[None]:
        self.calls.append(("instcmd", name, param))
        return self._answer()


def make_context(clock: task.Clock | None = None) -> tuple[ServerContext, UpsState, RecordingController]:
    """Return a context serving UPS ``ups`` (fresh data) and ``second`` (no desc)."""
    clock = clock or task.Clock()
    clock.advance(1000)
    ups = UpsState("ups", 'Test "quoted" #desc', "dummy-ups")
    ups.set_connected(True, clock.seconds())
    ups.update({"ups.status": "OL CHRG", "battery.charge": "100", "ups.mfr": "Acme",
                "ups.delay.shutdown": "20", "input.sensitivity": "M", "ups.beeper.status": "enabled",
                "battery.charge.low": "10", "ups.test.result": 'Done "ok" #1'},
               clock.seconds(),
               specs={"ups.delay.shutdown": VarSpec(rw=True),
                      "input.sensitivity": VarSpec(rw=True, string_len=1),
                      "ups.beeper.status": VarSpec(rw=True, string_len=8,
                                                   enums=("enabled", "disabled", "muted")),
                      "battery.charge.low": VarSpec(rw=True, ranges=((5, 50), (60, 70))),
                      "ups.mfr": VarSpec(string_len=32)},
               commands=["load.off", "beeper.enable", "test.battery.start.quick"])
    controller = RecordingController()
    ups.controller = controller
    second = UpsState("second", None, "dummy-ups")
    second.set_connected(True, clock.seconds())
    second.update({"ups.status": "OB DISCHRG"}, clock.seconds())
    registry = UpsRegistry([ups, second])
    descs = Descriptions({"ups.status": "UPS status", "battery.charge": "Battery charge (percent of full)"},
                         {"load.off": "Turn off the load immediately"})
    context = ServerContext(registry=registry, users=USERS, descriptions=descs, maxage=15, clock=clock)
    return context, ups, controller


def chat(session: NutSession, script: list[tuple[str, list[str]]]) -> list[tuple[str, list[str], list[str]]]:
    """Run (request, expected replies) pairs; return the ones that differ."""
    from pynutd.parseconf import split
    wrong = []
    for request, expected in script:
        got = session.handle(split(request))
        if got != expected:
            wrong.append((request, expected, got))
    return wrong
