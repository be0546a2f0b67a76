"""Live updates for the dashboard: Server-Sent Events at ``/api/v1/stream``.

The :class:`StreamHub` observes the state store and the event log.  A UPS
whose values, status, availability or alerts changed is marked dirty, and
once a second every dirty UPS's summary goes to every open stream, so a
fast driver costs at most one message per UPS per second.  Availability
is also re-checked each second, because data goes stale by the clock
without any event.

A client that does not read its stream costs a bounded amount of memory.
Each stream is a :class:`StreamClient`, a push producer registered on its
request: when the connection's send buffer is full (64 KiB, see
:mod:`pynutd.web.channel`), it stops writing, remembers only which UPSes
changed and the last :data:`EVENT_BACKLOG` log entries, and when the
client has read the buffer it sends each changed UPS's state as it is
then (the intermediate ones are dropped) and the kept entries.  A stream
whose buffer stays full for a minute is closed by the channel.  Other
streams never wait for it.
"""

from __future__ import annotations

import json
import logging
from collections import deque
from collections.abc import Callable
from typing import Any

from twisted.internet.interfaces import IPushProducer
from twisted.internet.task import LoopingCall
from twisted.web.server import Request
from zope.interface import implementer

from pynutd.loops import start_loop
from pynutd.records.db import LogEntry
from pynutd.ups import Event, Snapshot
from pynutd.web import views
from pynutd.web.context import WebContext
from pynutd.web.http import STREAMING, ApiRequest, Route, Streaming, path

log = logging.getLogger(__name__)

KEEPALIVE = 15.0
EVENT_BACKLOG = 100     # log entries kept for a stream that is not reading


def frame(event: str, data: Any) -> bytes:
    """Return one SSE message (``event:`` and a one-line JSON ``data:``)."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


@implementer(IPushProducer)
class StreamClient:
    """One open event stream: written while its client reads, summarised while not.

    ``latest(key)`` returns the current frame of UPS ``key`` (None once the
    UPS is gone); it is asked when a paused stream resumes.
    """

    def __init__(self, request: Request, latest: Callable[[str], bytes | None]) -> None:
        self.request = request
        self.latest = latest
        self.paused = False
        self.changed: dict[str, None] = {}      # UPS keys, in order of change
        self.entries: deque[bytes] = deque(maxlen=EVENT_BACKLOG)

    def send_ups(self, key: str, data: bytes) -> None:
        """Send UPS ``key``'s new state, or remember that it changed."""
        if self.paused:
            self.changed[key] = None
        else:
            self.request.write(data)

    def send_entry(self, data: bytes) -> None:
        """Send a log entry, or keep it (the oldest are dropped past the backlog)."""
        if self.paused:
            self.entries.append(data)
        else:
            self.request.write(data)

    def send_keepalive(self, data: bytes) -> None:
        """Send a keep-alive comment, unless the stream is full anyway."""
        if not self.paused:
            self.request.write(data)

    def pauseProducing(self) -> None:
        """The connection's send buffer is full: write nothing more."""
        self.paused = True

    def resumeProducing(self) -> None:
        """The client read the buffer: send the latest states, then the kept entries."""
        self.paused = False
        while self.changed and not self.paused:
            key = next(iter(self.changed))
            del self.changed[key]
            data = self.latest(key)
            if data is not None:
                self.request.write(data)
        while self.entries and not self.paused:
            self.request.write(self.entries.popleft())

    def stopProducing(self) -> None:
        """The connection is going away."""
        self.paused = True
        self.changed.clear()
        self.entries.clear()


class StreamHub:
    """Fans UPS summaries and log entries out to open event streams."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx
        self.clients: list[StreamClient] = []
        self._dirty: set[str] = set()
        self._seen: dict[str, str] = {}
        self._loops: list[LoopingCall] = []

    def start(self) -> None:
        """Observe the registry and start the one-second flush."""
        self.ctx.registry.subscribe(self.observe)
        now = self.ctx.now()
        for snap in self.ctx.registry.snapshots():
            self._seen[snap.name.lower()] = snap.availability(now, self.ctx.maxage).value
        if self.ctx.history is not None:
            self.ctx.history.listeners.append(self.push_entry)
        self._loops = [start_loop(self.tick, 1.0, self.ctx.clock, log, "live stream tick"),
                       start_loop(self.keepalive, KEEPALIVE, self.ctx.clock, log,
                                  "live stream keep-alive")]

    def stop(self) -> None:
        """Stop the timers and close every stream."""
        for loop in self._loops:
            if loop.running:
                loop.stop()
        self._loops = []
        for client in list(self.clients):
            client.request.unregisterProducer()
            client.request.finish()
        self.clients = []

    def observe(self, event: Event) -> None:
        """Registry observer: the UPS must be sent again."""
        self._dirty.add(event.ups.lower())

    def tick(self) -> None:
        """Send every dirty UPS, and any whose availability changed."""
        now = self.ctx.now()
        for snap in self.ctx.registry.snapshots():
            state = snap.availability(now, self.ctx.maxage).value
            key = snap.name.lower()
            if self._seen.get(key) != state:
                self._seen[key] = state
                self._dirty.add(key)
            if key in self._dirty:
                self._dirty.discard(key)
                if self.clients:
                    data = self._summary_frame(snap, now)
                    self._each(StreamClient.send_ups, key, data)

    def push_entry(self, entry: LogEntry) -> None:
        """History listener: send a new log entry at once."""
        if self.clients:
            data = frame("event", entry.to_json(self.ctx.tz))
            self._each(StreamClient.send_entry, data)

    def keepalive(self) -> None:
        """Keep proxies from closing idle streams."""
        self._each(StreamClient.send_keepalive, b": keep-alive\n\n")

    def latest(self, key: str) -> bytes | None:
        """Return the current frame of UPS ``key`` (lower-case name), or None."""
        state = self.ctx.registry.get(key)
        return None if state is None else self._summary_frame(state.snapshot(), self.ctx.now())

    def attach(self, request: Request) -> None:
        """Start an event stream on ``request`` with one summary per UPS."""
        request.setHeader(b"content-type", b"text/event-stream; charset=utf-8")
        request.setHeader(b"cache-control", b"no-cache")
        request.setHeader(b"x-accel-buffering", b"no")
        client = StreamClient(request, self.latest)
        request.registerProducer(client, True)
        request.write(b"retry: 2000\n\n")
        now = self.ctx.now()
        for snap in self.ctx.registry.snapshots():
            client.send_ups(snap.name.lower(), self._summary_frame(snap, now))
        self.clients.append(client)
        request.notifyFinish().addBoth(lambda _: self._forget(client))

    def _summary_frame(self, snap: Snapshot, now: float) -> bytes:
        return frame("ups", views.summary(snap, now, self.ctx.maxage,
                                          self.ctx.alert_list(snap.name)))

    def _each(self, send: Callable[..., None], *args: Any) -> None:
        for client in list(self.clients):
            try:
                send(client, *args)
            except RuntimeError:  # written after finish: a dead connection
                self._forget(client)

    def _forget(self, client: StreamClient) -> None:
        if client in self.clients:
            self.clients.remove(client)


def stream(ctx: WebContext, req: ApiRequest) -> Streaming:
    """GET /api/v1/stream: Server-Sent Events."""
    if ctx.stream is None:
        from pynutd.web.http import ApiError
        raise ApiError(503, "live updates are not running")
    if req.method == "HEAD":
        req.request.setHeader(b"content-type", b"text/event-stream; charset=utf-8")
        req.request.finish()
        return STREAMING
    ctx.stream.attach(req.request)
    return STREAMING


ROUTES = (Route("GET", path("v1/stream"), stream),)
