"""Home Assistant's buttons and settings, turned into requests of the write contract.

A message on ``<prefix>/<ups>/command/<cmd>`` runs instant command
``cmd`` (the payload ``PRESS``, or empty, means no parameter; any other
payload is the parameter); one on ``<prefix>/<ups>/set/<var>`` sets
``var`` to the payload.  Each is asked as the upsd.users account named by
``[mqtt] commands_user``, with exactly the rights that account has on the
NUT port (:mod:`pynutd.nut.auth`, re-read on SIGHUP), and goes through
:mod:`pynutd.control` like the NUT port's and the web's requests: NUT's
value rules, the log line, and the event-log record of what the device
answered.

Anything else (an unknown UPS, variable or command, a missing right, stale
data, a refused value, a payload that is not UTF-8) is refused: one
WARNING line, with the topic and reason escaped, and nothing is sent.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Mapping
from typing import Any

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime

from pynutd.config import User
from pynutd.control import (
    NoController,
    Requester,
    ValueRefused,
    request_instcmd,
    request_set,
)
from pynutd.mqtt.topics import COMMAND, Topics
from pynutd.nut import auth
from pynutd.printable import escape
from pynutd.ups import Availability, UpsState

log = logging.getLogger(__name__)

ADDRESS = "mqtt"          # where requests come from, in the log and the event record
PRESS = "PRESS"           # Home Assistant's button payload: no parameter
SHOWN = 120               # characters of a topic or payload a log line quotes


class Refused(Exception):
    """A request that is not sent: the message says why."""


def shown(text: str) -> str:
    """Return ``text`` escaped and cut for a log line."""
    cut = text if len(text) <= SHOWN else text[:SHOWN] + "…"
    return escape(cut)


class Commands:
    """Runs the requests Home Assistant publishes, as the ``commands_user`` account."""

    def __init__(self, topics: Topics, user: str, users: Callable[[], Mapping[str, User]],
                 resolve: Callable[[str], UpsState | None], clock: IReactorTime,
                 maxage: float) -> None:
        self.topics = topics
        self.user = user
        self.users = users
        self.resolve = resolve
        self.clock = clock
        self.maxage = maxage

    def handle(self, topic: str, payload: bytes) -> Deferred[None] | None:
        """Act on one request message; return the device's Deferred, or None if refused."""
        try:
            return self._request(topic, payload)
        except Refused as why:
            log.warning("MQTT request refused: %s (topic %s)", why, shown(topic))
            return None

    def _request(self, topic: str, payload: bytes) -> Deferred[None]:
        parsed = self.topics.parse_request(topic)
        if parsed is None:
            raise Refused("not a command or setting topic")
        ups_id, kind, name = parsed
        state = self.resolve(ups_id)
        if state is None:
            raise Refused(f"no UPS {shown(ups_id)}")
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            raise Refused("the payload is not UTF-8 text") from None
        user = self.users().get(self.user)
        if user is None:
            raise Refused(f"commands_user {self.user} is no longer in upsd.users")
        if kind == COMMAND:
            return self._instcmd(state, name, text, user)
        return self._set(state, name, text, user)

    def _available(self, state: UpsState) -> Any:
        snap = state.snapshot()
        status = snap.availability(self.clock.seconds(), self.maxage)
        if status is not Availability.OK:
            raise Refused(f"{state.name}'s data is unavailable ({status.value})")
        return snap

    def _instcmd(self, state: UpsState, name: str, text: str, user: User) -> Deferred[None]:
        snap = self._available(state)
        cmd = next((c for c in snap.commands if c.lower() == name.lower()), None)
        if cmd is None:
            raise Refused(f"{state.name} has no command {shown(name)}")
        if not auth.may_instcmd(user, cmd):
            raise Refused(f"user {user.name} may not run {cmd} (instcmds)")
        param = None if text in ("", PRESS) else text
        try:
            d = request_instcmd(state, cmd, param, Requester(user.name, ADDRESS), self.clock)
        except ValueRefused as refused:
            raise Refused(f"{cmd} does not take '{shown(text)}': {refused.code}") from None
        except NoController:
            raise Refused(f"{state.name} has no driver") from None
        return self._watch(d, f"{cmd} on {state.name}")

    def _set(self, state: UpsState, name: str, text: str, user: User) -> Deferred[None]:
        if not auth.may_set(user):
            raise Refused(f"user {user.name} may not set variables (actions = SET)")
        snap = self._available(state)
        var = snap.get(name)
        if var is None:
            raise Refused(f"{state.name} has no variable {shown(name)}")
        try:
            d = request_set(state, var.name, var.spec, text, Requester(user.name, ADDRESS),
                            self.clock)
        except ValueRefused as refused:
            raise Refused(f"{var.name} does not accept '{shown(text)}': {refused.code}") from None
        except NoController:
            raise Refused(f"{state.name} has no driver") from None
        return self._watch(d, f"set {var.name} on {state.name}")

    def _watch(self, d: Deferred[None], what: str) -> Deferred[None]:
        def failed(failure: Any) -> None:
            log.warning("MQTT request %s failed: %s", what, shown(failure.getErrorMessage()))
        d.addErrback(failed)
        return d
