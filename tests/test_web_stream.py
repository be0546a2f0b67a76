"""Live updates: Server-Sent Events with one summary per UPS change, throttled."""

from __future__ import annotations

import json
from typing import Any

from pynutd.records.db import EntryKind, LogEntry
from pynutd.web.stream import EVENT_BACKLOG, StreamHub
from tests.faults import failing_first
from tests.webhelpers import Call, connect, make_harness


def events_of(call: Call) -> list[tuple[str, Any]]:
    """The (event, data) pairs a stream call received so far."""
    return parse_events(call.channel.transport.written.getvalue().partition(b"\r\n\r\n")[2])


def parse_events(raw: bytes) -> list[tuple[str, Any]]:
    """The (event, data) pairs of an SSE body (chunked framing is harmless here)."""
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
    hub.push_entry(LogEntry("main", h.clock.seconds(), EntryKind.STATUS, "on battery"))
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


def test_stream_outlives_a_failing_tick() -> None:
    """A tick or keep-alive that raises or fails is logged; changes and keep-alives go on."""
    h = make_harness()
    h.ctx.stream = hub = StreamHub(h.ctx)
    hub.tick = failing_first(hub.tick)            # type: ignore[method-assign]
    hub.keepalive = failing_first(hub.keepalive)  # type: ignore[method-assign]
    hub.start()
    call = Call(h.site, "GET", "/api/v1/stream")
    h.clock.pump([1.0, 1.0])                      # the raising tick, the failing tick
    h.main.update({"ups.load": "41"}, h.clock.seconds())
    h.clock.advance(1)
    assert events_of(call)[-1][1]["vars"]["ups.load"] == 41
    h.clock.pump([1.0] * 43)                      # keep-alives at 15 and 30 s fail, 45 s goes
    assert call.channel.transport.written.getvalue().count(b": keep-alive") == 1
    hub.stop()


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


def test_a_stream_that_is_not_read_stays_bounded() -> None:
    """While the send buffer is full nothing is written; then only the latest states follow."""
    h = make_harness()
    h.ctx.stream = hub = StreamHub(h.ctx)
    hub.start()
    channel, transport = connect(h.site)
    channel.dataReceived(b"GET /api/v1/stream HTTP/1.1\r\nHost: x\r\n\r\n")
    channel.pauseProducing()            # what TCP calls once 64 KiB wait unsent
    written = len(transport.value())
    for second in range(50):            # under the 60 s stall limit
        for i in range(20):
            h.main.update({"ups.load": str(second + i)}, h.clock.seconds())
        for i in range(6):
            hub.push_entry(LogEntry("main", h.clock.seconds(), EntryKind.STATUS, f"entry {second}.{i}"))
        h.clock.advance(1)
    assert len(transport.value()) == written      # 1000 changes, 300 entries, 3 keep-alives
    assert not transport.disconnecting
    channel.resumeProducing()           # the client read its buffer
    after = parse_events(transport.value()[written:])
    ups = [(body["name"], body["vars"].get("ups.load"), body["availability"])
           for kind, body in after if kind == "ups"]
    assert ups == [("main", 68, "OK"), ("spare", 85, "DATA-STALE")]
    entries = [body["message"] for kind, body in after if kind == "event"]
    assert len(entries) == EVENT_BACKLOG
    assert entries[0] == "entry 33.2" and entries[-1] == "entry 49.5"
    # Written as usual again once the client reads.
    h.main.update({"ups.load": "7"}, h.clock.seconds())
    h.clock.advance(1)
    assert parse_events(transport.value()[written:])[-1][1]["vars"]["ups.load"] == 7
    hub.stop()
