"""The MQTT publisher: state store events in, retained MQTT messages out.

:class:`MqttService` observes every UPS.  After a poll that changed
something it publishes the UPS's state JSON (:mod:`pynutd.mqtt.state`),
at most once per poll interval per UPS, retained, so a Home Assistant
that restarts has every value at once; its discovery configs
(:mod:`pynutd.mqtt.discovery`) are published when they change; its
availability follows the NUT port's staleness gate, checked every second
because MAXAGE passing fires no event.  On every (re)connect, and when
Home Assistant announces itself on ``<discovery_prefix>/status``, all of
it is published again.  ``legacy_topic`` gets the seed monitor's
telemetry JSON of the first UPS, as ``/api/telemetry`` answers it.

The connection itself is :mod:`pynutd.mqtt.client`; the service logs its
faults once each and keeps ``parts["mqtt"]`` (``/api/health``,
``/metrics``) at ``ok`` only while connected.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from twisted.application.service import Service
from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IDelayedCall
from twisted.internet.task import LoopingCall

from pynutd import __version__
from pynutd.config import MqttConfig, UpsSection, User
from pynutd.loops import start_loop
from pynutd.mqtt import discovery
from pynutd.mqtt.client import OFFLINE, ONLINE, MqttClient
from pynutd.mqtt.commands import Commands
from pynutd.mqtt.outbox import Message
from pynutd.mqtt.state import state_payload
from pynutd.mqtt.topics import Topics, ident
from pynutd.nut import auth
from pynutd.telemetry_json import seed_telemetry
from pynutd.ups import Availability, Event, UpsRegistry, UpsState

log = logging.getLogger(__name__)

PART = "mqtt"          # the optional part's name in /api/health and /metrics
DEFAULT_POLL = 2.0      # seconds, the drivers' default pollinterval
CHECK_SECONDS = 1.0     # how often availability (MAXAGE) is checked


def poll_interval(sections: Iterable[UpsSection], name: str) -> float:
    """Return the ``pollinterval`` ups.conf gives UPS ``name`` (the drivers' default: 2 s)."""
    for section in sections:
        if section.name.lower() == name.lower():
            return section.get_float("pollinterval", DEFAULT_POLL, minimum=0.1)
    return DEFAULT_POLL


def encode(payload: Mapping[str, Any]) -> bytes:
    """Return compact JSON bytes (non-ASCII text kept as UTF-8)."""
    return json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()


class MqttService(Service):
    """Publishes every UPS to the broker of ``config`` and runs Home Assistant's requests.

    ``status`` is the optional parts' board (``{"mqtt": "ok" | "off: why"}``);
    ``users`` returns upsd.users as currently loaded; ``interval(name)`` is
    a UPS's poll interval; ``alerts(name)`` pynutd's raised alert messages.
    ``make_client`` builds the connection (tests pass their own).
    """

    def __init__(self, config: MqttConfig, registry: UpsRegistry, reactor: Any,
                 status: dict[str, str], users: Callable[[], Mapping[str, User]],
                 maxage: float, interval: Callable[[str], float] = lambda _: DEFAULT_POLL,
                 alerts: Callable[[str], list[str]] = lambda _: [],
                 make_client: Callable[..., Any] = MqttClient) -> None:
        self.setName("mqtt-publisher")
        self.config = config
        self.registry = registry
        self.reactor = reactor
        self.status = status
        self.users = users
        self.maxage = maxage
        self.interval = interval
        self.alerts = alerts
        self.make_client = make_client
        self.topics = Topics(config.topic_prefix, config.discovery_prefix)
        self.origin = discovery.Origin("pynutd", __version__)
        self.started = reactor.seconds()
        self.commands = (Commands(self.topics, config.commands_user, users, self.resolve,
                                  reactor, maxage) if config.commands_user else None)
        self.client: Any = None
        self._first: Deferred[None] | None = None
        self._complaint: str | None = None      # the fault last logged, said once
        self._sent: dict[str, bytes] = {}       # retained topic -> payload last sent
        self._owned: dict[str, set[str]] = {}   # ups id -> its topics (to clear on removal)
        self._published_at: dict[str, float] = {}
        self._pending: dict[str, IDelayedCall] = {}
        self._loop: LoopingCall | None = None

    # -- the optional part: the connection ------------------------------------------

    def start_client(self) -> Deferred[None]:
        """Start connecting; the Deferred fires at the first connection.

        Raises at once when a TLS file cannot be used (the part stays off and
        is retried, :mod:`pynutd.parts`).  Until the broker answers,
        ``parts["mqtt"]`` says it is connecting.
        """
        self.client = self.make_client(self.config, self.reactor, _Handler(self),
                                       self.topics.status)
        try:
            self.client.start()
        except Exception:
            self.client = None
            raise
        self._first = Deferred()
        self._set_status(f"off: connecting to {self._broker()}")
        return self._first

    def stop_client(self) -> Deferred[None] | None:
        """Say ``offline`` and disconnect."""
        client, self.client = self.client, None
        return client.stop() if client is not None else None

    # -- the service: observe the state store ----------------------------------------

    def startService(self) -> None:
        super().startService()
        self.registry.subscribe(self._observe)
        self._loop = start_loop(self._check, CHECK_SECONDS, self.reactor, log,
                                "MQTT availability check")

    def stopService(self) -> Deferred[None] | None:
        super().stopService()
        if self._loop is not None and self._loop.running:
            self._loop.stop()
        for call in self._pending.values():
            if call.active():
                call.cancel()
        self._pending.clear()
        return self.stop_client()

    def resolve(self, ups_id: str) -> UpsState | None:
        """Return the UPS whose topic id is ``ups_id``, or None."""
        return next((s for s in self.registry if ident(s.name) == ups_id), None)

    def _observe(self, event: Event) -> None:
        if not self.running or self.client is None or not self.client.connected:
            return
        if event.kind == "update":
            self._schedule(event.ups)
        elif event.kind in ("stale", "connected", "disconnected"):
            state = self.registry.get(event.ups)
            if state is not None:
                self._publish_availability(state)

    def _schedule(self, name: str) -> None:
        """Publish the UPS now, or when its poll interval since the last publish is over."""
        key = name.lower()
        due = self._published_at.get(key, float("-inf")) + self.interval(name)
        wait = due - self.reactor.seconds()
        if wait <= 0:
            self._publish_named(name)
        elif key not in self._pending:
            self._pending[key] = self.reactor.callLater(wait, self._publish_named, name)

    def _publish_named(self, name: str) -> None:
        self._pending.pop(name.lower(), None)
        state = self.registry.get(name)
        if state is not None and self.client is not None and self.client.connected:
            self._publish_ups(state)

    def _check(self) -> None:
        """Every second: availability by MAXAGE, and UPSes removed by a reload."""
        if self.client is None or not self.client.connected:
            return
        names = {ident(s.name) for s in self.registry}
        for state in self.registry:
            self._publish_availability(state)
        for gone in [u for u in self._owned if u not in names]:
            self._forget(gone)

    # -- publishing ------------------------------------------------------------------

    def _put(self, topic: str, payload: bytes, owner: str | None = None,
             force: bool = False) -> None:
        if owner is not None:
            self._owned.setdefault(owner, set()).add(topic)
        if force or self._sent.get(topic) != payload:
            self._sent[topic] = payload
            self.client.publish(Message(topic, payload))

    def _publish_all(self) -> None:
        self._sent.clear()
        self._put(self.topics.status, ONLINE, force=True)
        for state in self.registry:
            self._publish_ups(state)

    def _publish_ups(self, state: UpsState) -> None:
        ups_id = ident(state.name)
        snap = state.snapshot()
        self._published_at[state.name.lower()] = self.reactor.seconds()
        self._publish_availability(state)
        if snap.last_update is None:
            return   # never polled: nothing to show yet
        alerts = self.alerts(state.name)
        self._put(self.topics.state(ups_id), encode(state_payload(snap, alerts)), ups_id)
        if self.config.discovery:
            self._publish_discovery(state, ups_id)
        if self.config.legacy_topic and self.registry.names()[:1] == [state.name]:
            now = self.reactor.seconds()
            available = snap.availability(now, self.maxage) is Availability.OK
            alarm = snap.value("ups.alarm")
            body = seed_telemetry(snap, now, self.started, available,
                                  [*alerts, *([alarm] if alarm else [])])
            self._put(self.config.legacy_topic, encode(body))

    def _publish_availability(self, state: UpsState) -> None:
        ups_id = ident(state.name)
        ok = state.snapshot().availability(self.reactor.seconds(), self.maxage)
        self._put(self.topics.availability(ups_id),
                  ONLINE if ok is Availability.OK else OFFLINE, ups_id)

    def _publish_discovery(self, state: UpsState, ups_id: str) -> None:
        found = discovery.configs(state.snapshot(), self.topics, ups_id, self.origin,
                                  self._controls(state))
        prefix = f"{self.config.discovery_prefix}/"
        old = {t for t in self._owned.get(ups_id, set()) if t.startswith(prefix)}
        for topic in sorted(old - set(found)):
            self._put(topic, b"", ups_id)   # an empty retained config removes the entity
            self._owned[ups_id].discard(topic)
        for topic, payload in found.items():
            self._put(topic, encode(payload), ups_id)

    def _controls(self, state: UpsState) -> discovery.Controls:
        user = self.users().get(self.config.commands_user or "")
        if self.commands is None or user is None:
            return discovery.Controls()
        snap = state.snapshot()
        return discovery.Controls(
            commands=tuple(c for c in snap.commands if auth.may_instcmd(user, c)),
            settable=auth.may_set(user))

    def _forget(self, ups_id: str) -> None:
        """Clear every retained message of a UPS removed by a reload."""
        for topic in sorted(self._owned.pop(ups_id, set())):
            self._put(topic, b"")

    # -- what the connection reports -------------------------------------------------

    def _broker(self) -> str:
        return f"{self.config.host}:{self.config.port}"

    def _set_status(self, text: str) -> None:
        self.status[PART] = text

    def _complain(self, level: int, text: str) -> None:
        if text != self._complaint:
            log.log(level, "MQTT: %s", text)
            self._complaint = text

    def connected(self) -> None:
        """Publish everything, listen for requests, and say so."""
        log.info("MQTT: connected to %s", self._broker())
        self._complaint = None
        self._set_status("ok")
        filters = [self.topics.ha_status] if self.config.discovery else []
        if self.commands is not None:
            filters.extend(self.topics.requests())
        self.client.subscribe(filters)
        self._publish_all()
        first, self._first = self._first, None
        if first is not None:
            first.callback(None)

    def disconnected(self, reason: str) -> None:
        """The broker went away: one line, then paho reconnects with backoff."""
        self._set_status(f"off: lost the broker {self._broker()} ({reason}); reconnecting")
        self._complain(logging.WARNING, f"lost the broker {self._broker()} ({reason}); "
                       "reconnecting with backoff")

    def unreachable(self) -> None:
        """A connection attempt failed: said once until the next success."""
        self._set_status(f"off: broker {self._broker()} unreachable; retrying")
        self._complain(logging.ERROR, f"broker {self._broker()} unreachable; retrying with "
                       "backoff (1 s up to 30 s)")

    def refused(self, reason: str) -> None:
        """The broker refused the connection (credentials, client id): said once."""
        self._set_status(f"off: broker {self._broker()} refused the connection: {reason}")
        self._complain(logging.ERROR, f"broker {self._broker()} refused the connection: "
                       f"{reason} (check [mqtt] username, password, client_id); retrying")

    def message(self, topic: str, payload: bytes) -> None:
        """A request from Home Assistant, or its birth message."""
        if topic == self.topics.ha_status:
            if payload == ONLINE and self.client is not None and self.client.connected:
                self._publish_all()   # Home Assistant restarted: tell it everything again
            return
        if self.commands is not None:
            self.commands.handle(topic, payload)


class _Handler:
    """Passes the client's reports to the service; one that raises is logged, not spread."""

    def __init__(self, service: MqttService) -> None:
        self.service = service

    def _guard(self, method: Callable[..., None], *args: Any) -> None:
        try:
            method(*args)
        except Exception:
            log.exception("MQTT: %s failed", method.__name__)

    def connected(self) -> None:
        self._guard(self.service.connected)

    def disconnected(self, reason: str) -> None:
        self._guard(self.service.disconnected, reason)

    def unreachable(self) -> None:
        self._guard(self.service.unreachable)

    def refused(self, reason: str) -> None:
        self._guard(self.service.refused, reason)

    def message(self, topic: str, payload: bytes) -> None:
        self._guard(self.service.message, topic, payload)
