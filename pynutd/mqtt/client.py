"""paho-mqtt as pynutd uses it: its network loop in its own thread, everything it hears handed to the reactor.

paho's thread connects, reconnects with backoff (1 s doubling to 30 s, the
broker down at start included), reads and writes.  Each of its callbacks
only passes what happened to the reactor with ``callFromThread``; all of
pynutd's own state is touched on the reactor thread alone.

Nothing waits without bound:

- outgoing messages wait in an :class:`~pynutd.mqtt.outbox.Outbox` (one
  per topic, the newest) and at most ``window`` are handed to paho before
  the broker acknowledges them; while disconnected nothing is handed over
  and nothing waits, because everything is published again on connect
  (and paho's own leftovers of the old connection are dropped);
- incoming messages wait in a queue of ``inbox`` places; beyond that they
  are dropped and counted.

The broker's last will sets ``<prefix>/status`` to ``offline`` when pynutd
dies; a clean stop publishes ``offline`` itself before disconnecting.
"""

from __future__ import annotations

import logging
import queue
import threading
from collections.abc import Iterable
from typing import Any, Protocol

import paho.mqtt.client as paho
from paho.mqtt.enums import CallbackAPIVersion, MQTTErrorCode
from twisted.internet.defer import Deferred, succeed
from twisted.internet.threads import deferToThreadPool

from pynutd.config import MqttConfig
from pynutd.mqtt.outbox import Message, Outbox

log = logging.getLogger(__name__)

ONLINE, OFFLINE = b"online", b"offline"
KEEPALIVE = 30          # seconds between pings when idle
MIN_DELAY, MAX_DELAY = 1, 30   # reconnect backoff, seconds
WINDOW = 64             # messages handed to paho and not yet acknowledged
LIMIT = 10000           # distinct topics waiting (about 40 per UPS)
INBOX = 256             # incoming messages waiting for the reactor


class ClientHandler(Protocol):
    """What the client tells its owner, always on the reactor thread."""

    def connected(self) -> None:
        """The broker accepted the connection (again): publish everything."""

    def disconnected(self, reason: str) -> None:
        """The connection is gone; paho reconnects by itself."""

    def unreachable(self) -> None:
        """A connection attempt failed (no route, refused, timeout); paho retries."""

    def refused(self, reason: str) -> None:
        """The broker answered but refused us (bad credentials, client id)."""

    def message(self, topic: str, payload: bytes) -> None:
        """A message arrived on a subscribed topic."""


class MqttClient:
    """One connection to the broker of ``config``, reporting to ``handler``."""

    def __init__(self, config: MqttConfig, reactor: Any, handler: ClientHandler,
                 status_topic: str, window: int = WINDOW, limit: int = LIMIT,
                 inbox: int = INBOX) -> None:
        self.config = config
        self.reactor = reactor
        self.handler = handler
        self.status_topic = status_topic
        self.window = window
        self.outbox = Outbox(limit)
        self.connected = False
        self._client: paho.Client | None = None
        self._in_flight: set[int] = set()
        self._inbox: queue.Queue[tuple[str, bytes]] = queue.Queue(inbox)
        self._lock = threading.Lock()
        self._dropped_in = 0

    # -- life ------------------------------------------------------------------

    def start(self) -> None:
        """Build paho's client and start its thread; connecting happens there.

        Raises OSError or ValueError (ssl.SSLError is an OSError) when a TLS
        file cannot be used.
        """
        cfg = self.config
        client = paho.Client(CallbackAPIVersion.VERSION2, client_id=cfg.client_id or "",
                             protocol=paho.MQTTv311, clean_session=True)
        if cfg.username is not None:
            client.username_pw_set(cfg.username, cfg.password)
        if cfg.tls:
            client.tls_set(ca_certs=cfg.cafile, certfile=cfg.certfile, keyfile=cfg.keyfile)
        client.will_set(self.status_topic, OFFLINE, qos=1, retain=True)
        client.reconnect_delay_set(MIN_DELAY, MAX_DELAY)
        client.max_queued_messages_set(self.window + 8)   # paho's own bound, behind ours
        client.connect_timeout = 5.0
        client.on_connect = self._paho_connect
        client.on_connect_fail = self._paho_connect_fail
        client.on_disconnect = self._paho_disconnect
        client.on_publish = self._paho_publish
        client.on_message = self._paho_message
        assert cfg.host is not None
        client.connect_async(cfg.host, cfg.port, KEEPALIVE)
        self._client = client
        client.loop_start()

    def stop(self) -> Deferred[None]:
        """Publish ``offline``, disconnect and let paho's thread end (joined off the reactor)."""
        client, self._client = self._client, None
        was_connected, self.connected = self.connected, False
        self.outbox.clear()
        self._in_flight.clear()
        if client is None:
            return succeed(None)
        if was_connected:
            client.publish(self.status_topic, OFFLINE, qos=1, retain=True)
        client.disconnect()

        def join() -> None:
            client.loop_stop()   # blocks until paho's thread has ended
        d: Deferred[None] = deferToThreadPool(self.reactor, self.reactor.getThreadPool(), join)
        return d

    # -- sending (reactor thread) ------------------------------------------------

    def publish(self, message: Message) -> None:
        """Publish ``message`` when the window allows; dropped while disconnected."""
        if not self.connected:
            return
        self.outbox.put(message)
        self._flush()

    def subscribe(self, filters: Iterable[str]) -> None:
        """Subscribe to ``filters`` (QoS 1) on the current connection."""
        if self._client is not None and self.connected:
            for topic_filter in filters:
                self._client.subscribe(topic_filter, qos=1)

    def _flush(self) -> None:
        client = self._client
        if client is None:
            return
        room = self.window - len(self._in_flight)
        for message in self.outbox.take(max(room, 0)):
            info = client.publish(message.topic, message.payload, message.qos, message.retain)
            if info.rc == MQTTErrorCode.MQTT_ERR_SUCCESS:
                self._in_flight.add(info.mid)
            # Otherwise the connection just went: all is re-sent on reconnect.

    # -- paho's thread: hand everything to the reactor ---------------------------

    def _paho_connect(self, client: paho.Client, userdata: Any, flags: Any,
                      reason: Any, properties: Any) -> None:
        if reason.is_failure:
            self.reactor.callFromThread(self._refused, client, str(reason))
            return
        # Left over from the last connection: what matters is re-sent fresh.
        client.drop_out_messages()
        self.reactor.callFromThread(self._connected, client)

    def _paho_connect_fail(self, client: paho.Client, userdata: Any) -> None:
        self.reactor.callFromThread(self._unreachable, client)

    def _paho_disconnect(self, client: paho.Client, userdata: Any, flags: Any,
                         reason: Any, properties: Any) -> None:
        self.reactor.callFromThread(self._disconnected, client, str(reason))

    def _paho_publish(self, client: paho.Client, userdata: Any, mid: int, reason: Any,
                      properties: Any) -> None:
        self.reactor.callFromThread(self._published, client, mid)

    def _paho_message(self, client: paho.Client, userdata: Any,
                      message: paho.MQTTMessage) -> None:
        try:
            self._inbox.put_nowait((message.topic, bytes(message.payload)))
        except queue.Full:
            with self._lock:
                self._dropped_in += 1
            return
        self.reactor.callFromThread(self._drain)

    # -- the reactor's side ---------------------------------------------------------

    def _connected(self, client: paho.Client) -> None:
        if client is not self._client:
            return
        self.connected = True
        self._in_flight.clear()
        self.outbox.clear()
        self.handler.connected()

    def _disconnected(self, client: paho.Client, reason: str) -> None:
        if client is not self._client:
            return
        was, self.connected = self.connected, False
        self._in_flight.clear()
        self.outbox.clear()
        if was:
            self.handler.disconnected(reason)

    def _unreachable(self, client: paho.Client) -> None:
        if client is self._client:
            self.handler.unreachable()

    def _refused(self, client: paho.Client, reason: str) -> None:
        if client is self._client:
            self.handler.refused(reason)

    def _published(self, client: paho.Client, mid: int) -> None:
        if client is self._client:
            self._in_flight.discard(mid)
            self._flush()

    def _drain(self) -> None:
        while True:
            try:
                topic, payload = self._inbox.get_nowait()
            except queue.Empty:
                break
            self.handler.message(topic, payload)
        with self._lock:
            dropped, self._dropped_in = self._dropped_in, 0
        if dropped:
            log.warning("MQTT: dropped %d incoming messages (more than %d were waiting)",
                        dropped, self._inbox.maxsize)
