"""Live updates: Server-Sent Events with one summary per UPS change, throttled."""

from __future__ import annotations

import json
from typing import Any

from pynutd.historydb import LogEntry
from pynutd.web.stream import StreamHub
from tests.webhelpers import Call, make_harness


def events_of(call: Call) -> list[tuple[str, Any]]:
    raw = call.channel.transport.written.getvalue().partition(b"\r\n\r\n")[2]
    text = raw.decode()
    out = []
    for block in text.split("\n\n"):
        fields = dict(line.split(": ", 1) for line in block.splitlines()
                      if line.startswith(("event:", "data:")))
        if "event" in fields:
            out.append((fields["event"], json.loads(fields["data"])))
    return out


def test_stream_sends_summaries_and_changes() -> None:
    """On connect one ups event per UPS; then one per changed UPS per second."""
    h = make_harness()
    h.ctx.stream = hub = StreamHub(h.ctx)
    hub.start()
    call = Call(h.site, "GET", "/api/v1/stream")
    assert not call.finished
    first = events_of(call)
    assert [(kind, body["name"]) for kind, body in first] == [("ups", "main"), ("ups", "spare")]
    h.main.update({"ups.load": "40"}, h.clock.seconds())
    h.main.update({"ups.load": "41"}, h.clock.seconds())
    h.clock.advance(1)
    later = events_of(call)[2:]
    assert [(k, b["name"], b["vars"]["ups.load"]) for k, b in later] == [("ups", "main", 41)]
    hub.push_entry(LogEntry("main", h.clock.seconds(), "status", "on battery"))
    kind, body = events_of(call)[-1]
    assert kind == "event" and body["message"] == "on battery"
    assert len(hub.clients) == 1
    header = call.channel.transport.written.getvalue().partition(b"\r\n\r\n")[0].lower()
    assert b"content-type: text/event-stream" in header


def test_stream_reports_staleness_without_an_event() -> None:
    """Data going stale by the clock is pushed, though no state event fires."""
    h = make_harness()
    h.ctx.stream = hub = StreamHub(h.ctx)
    hub.start()
    call = Call(h.site, "GET", "/api/v1/stream")
    h.clock.advance(1)
    before = len(events_of(call))
    h.clock.advance(15)
    stale = [b for k, b in events_of(call)[before:] if k == "ups"]
    assert {b["name"]: b["availability"] for b in stale} == {"main": "DATA-STALE",
                                                             "spare": "DATA-STALE"}


def test_closed_streams_are_forgotten() -> None:
    """A client that goes away is removed; keep-alives go to the others."""
    h = make_harness()
    h.ctx.stream = hub = StreamHub(h.ctx)
    hub.start()
    one = Call(h.site, "GET", "/api/v1/stream")
    Call(h.site, "GET", "/api/v1/stream")
    one.request.connectionLost(Exception("gone"))
    assert len(hub.clients) == 1
    h.clock.advance(15)
    hub.stop()
    assert hub.clients == []
