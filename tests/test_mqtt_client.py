"""The paho adapter's bounds, without a network: a window of unacknowledged messages, bounded queues.

paho itself is replaced by a recording stand-in with paho's ``publish``
signature, and paho's thread by direct calls of the adapter's
reactor-side methods; the real paho against a real broker is exercised by
tests/integration/test_mqtt_broker.py.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

import pytest
from paho.mqtt.enums import MQTTErrorCode

from pynutd.config import MqttConfig
from pynutd.mqtt.client import MqttClient
from pynutd.mqtt.outbox import Message


class Info:
    def __init__(self, rc: MQTTErrorCode, mid: int) -> None:
        self.rc, self.mid = rc, mid


class Paho:
    """Records publishes as paho's client would take them."""

    def __init__(self) -> None:
        self.published: list[tuple[str, bytes]] = []
        self.rc = MQTTErrorCode.MQTT_ERR_SUCCESS

    def publish(self, topic: str, payload: bytes, qos: int, retain: bool) -> Info:
        self.published.append((topic, payload))
        return Info(self.rc, len(self.published))


class Handler:
    def __init__(self) -> None:
        self.seen: list[Any] = []

    def connected(self) -> None:
        self.seen.append("connected")

    def disconnected(self, reason: str) -> None:
        self.seen.append(("disconnected", reason))

    def unreachable(self) -> None:
        self.seen.append("unreachable")

    def refused(self, reason: str) -> None:
        self.seen.append(("refused", reason))

    def message(self, topic: str, payload: bytes) -> None:
        self.seen.append((topic, payload))


class Reactor:
    """callFromThread that queues, as the real reactor does until its next turn."""

    def __init__(self) -> None:
        self.queued: list[tuple[Callable[..., Any], tuple[Any, ...]]] = []

    def callFromThread(self, f: Callable[..., Any], *args: Any) -> None:
        self.queued.append((f, args))

    def run(self) -> None:
        queued, self.queued = self.queued, []
        for f, args in queued:
            f(*args)


def connected_client(window: int = 4, limit: int = 10) -> tuple[MqttClient, Paho, Handler]:
    handler = Handler()
    client = MqttClient(MqttConfig(host="broker"), Reactor(), handler, "pynutd/status",
                        window=window, limit=limit)
    paho = Paho()
    client._client = paho  # type: ignore[assignment]
    client._connected(paho)  # type: ignore[arg-type]
    return client, paho, handler


def test_at_most_window_messages_wait_for_the_broker() -> None:
    """Until the broker acknowledges, paho holds at most ``window``; the rest wait coalesced."""
    client, paho, _ = connected_client(window=4, limit=10)
    for n in range(100):
        client.publish(Message(f"t{n % 20}", str(n).encode()))
    assert len(paho.published) == 4
    assert len(client.outbox) == 10 and client.outbox.dropped > 0
    client._published(paho, 1)  # type: ignore[arg-type]
    assert len(paho.published) == 5


def test_nothing_waits_while_disconnected() -> None:
    """A lost connection empties the outbox; publishes are dropped until the next connect."""
    client, paho, handler = connected_client()
    for n in range(10):
        client.publish(Message(f"t{n}", b""))
    client._disconnected(paho, "gone")  # type: ignore[arg-type]
    client.publish(Message("late", b""))
    assert len(client.outbox) == 0 and len(paho.published) == 4
    assert handler.seen == ["connected", ("disconnected", "gone")]
    client._connected(paho)  # type: ignore[arg-type]
    client.publish(Message("again", b""))
    assert paho.published[-1] == ("again", b"")


def test_a_failed_handover_is_not_counted_in_flight() -> None:
    """paho saying no connection: the message is dropped (all is re-sent on reconnect)."""
    client, paho, _ = connected_client(window=2)
    paho.rc = MQTTErrorCode.MQTT_ERR_NO_CONN
    for n in range(5):
        client.publish(Message(f"t{n}", b""))
    assert len(paho.published) == 5 and client._in_flight == set()


def test_reports_of_an_old_connection_are_ignored() -> None:
    """Callbacks of a client that was replaced or stopped change nothing."""
    client, _, handler = connected_client()
    stale = Paho()
    client._disconnected(stale, "old")  # type: ignore[arg-type]
    client._unreachable(stale)  # type: ignore[arg-type]
    assert handler.seen == ["connected"] and client.connected


def test_incoming_messages_are_bounded(caplog: pytest.LogCaptureFixture) -> None:
    """Beyond ``inbox`` waiting messages, more are dropped and counted in one warning."""
    handler = Handler()
    reactor = Reactor()
    client = MqttClient(MqttConfig(host="broker"), reactor, handler, "pynutd/status", inbox=8)

    class Msg:
        topic = "pynutd/ups/command/load.off"
        payload = b"PRESS"
    for _ in range(20):
        client._paho_message(None, None, Msg())  # type: ignore[arg-type]
    assert len(reactor.queued) == 8
    with caplog.at_level(logging.WARNING, "pynutd.mqtt.client"):
        reactor.run()
    assert len(handler.seen) == 8
    assert caplog.messages == ["MQTT: dropped 12 incoming messages (more than 8 were waiting)"]
