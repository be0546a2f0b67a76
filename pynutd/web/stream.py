"""Live updates for the dashboard: Server-Sent Events at ``/api/v1/stream``.

The :class:`StreamHub` observes the state store and the event log.  A UPS
whose values, status, availability or alerts changed is marked dirty, and
once a second every dirty UPS's summary goes to every open stream, so a
fast driver costs at most one message per UPS per second.  Availability
is also re-checked each second, because data goes stale by the clock
without any event.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from twisted.internet.task import LoopingCall

from pynutd.historydb import LogEntry
from pynutd.ups import Event
from pynutd.web import views
from pynutd.web.context import WebContext
from pynutd.web.http import STREAMING, ApiRequest, Route, Streaming, path

log = logging.getLogger(__name__)

KEEPALIVE = 15.0


def frame(event: str, data: Any) -> bytes:
    """Return one SSE message (``event:`` and a one-line JSON ``data:``)."""
    return f"event: {event}\ndata: {json.dumps(data, ensure_ascii=False)}\n\n".encode()


class StreamHub:
    """Fans UPS summaries and log entries out to open event streams."""

    def __init__(self, ctx: WebContext) -> None:
        self.ctx = ctx
        self.clients: list[Any] = []
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
        for func, period in ((self.tick, 1.0), (self.keepalive, KEEPALIVE)):
            loop = LoopingCall(func)
            loop.clock = self.ctx.clock
            loop.start(period, now=False)
            self._loops.append(loop)

    def stop(self) -> None:
        """Stop the timers and close every stream."""
        for loop in self._loops:
            if loop.running:
                loop.stop()
        self._loops = []
        for request in list(self.clients):
            request.finish()
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
                    self.broadcast(frame("ups", views.summary(
                        snap, now, self.ctx.maxage, self.ctx.alert_list(snap.name))))

    def push_entry(self, entry: LogEntry) -> None:
        """History listener: send a new log entry at once."""
        if self.clients:
            self.broadcast(frame("event", entry.to_json(self.ctx.tz)))

    def keepalive(self) -> None:
        """Keep proxies from closing idle streams."""
        self.broadcast(b": keep-alive\n\n")

    def broadcast(self, data: bytes) -> None:
        """Write ``data`` to every open stream."""
        for request in list(self.clients):
            try:
                request.write(data)
            except RuntimeError:  # written after finish: a dead connection
                self._forget(request)

    def attach(self, request: Any) -> None:
        """Start an event stream on ``request`` with one summary per UPS."""
        request.setHeader(b"content-type", b"text/event-stream; charset=utf-8")
        request.setHeader(b"cache-control", b"no-cache")
        request.setHeader(b"x-accel-buffering", b"no")
        request.write(b"retry: 2000\n\n")
        now = self.ctx.now()
        for snap in self.ctx.registry.snapshots():
            request.write(frame("ups", views.summary(
                snap, now, self.ctx.maxage, self.ctx.alert_list(snap.name))))
        self.clients.append(request)
        request.notifyFinish().addBoth(lambda _: self._forget(request))

    def _forget(self, request: Any) -> None:
        if request in self.clients:
            self.clients.remove(request)


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
