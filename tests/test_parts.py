"""Optional parts: off with one logged error, retried every minute and on demand, stopped once."""

from __future__ import annotations

import logging

import pytest
from twisted.internet import task
from twisted.internet.defer import Deferred

from pynutd.parts import OptionalPart, PartsBoard


class Flaky:
    """A part that fails with the queued reasons, then starts; counts its stops."""

    def __init__(self, *reasons: str) -> None:
        self.reasons = list(reasons)
        self.starts = 0
        self.stops = 0

    def start(self) -> None:
        self.starts += 1
        if self.reasons:
            raise OSError(self.reasons.pop(0))

    def stop(self) -> None:
        self.stops += 1


def make(*reasons: str) -> tuple[OptionalPart, Flaky, PartsBoard, task.Clock]:
    clock, board, flaky = task.Clock(), PartsBoard(), Flaky(*reasons)
    part = OptionalPart("history", flaky.start, flaky.stop, clock, board)
    return part, flaky, board, clock


def test_off_logged_once_then_retried_every_minute(caplog: pytest.LogCaptureFixture) -> None:
    """The same failure is logged once; a new reason is logged; success is logged and shown."""
    part, flaky, board, clock = make("disk full", "disk full", "read-only")
    with caplog.at_level(logging.INFO, "pynutd"):
        part.startService()
        assert board.status == {"history": "off: disk full"} and board.off() == board.status
        clock.advance(59)
        assert flaky.starts == 1
        clock.advance(1)
        assert (flaky.starts, board.status["history"]) == (2, "off: disk full")
        clock.advance(60)
        assert board.status["history"] == "off: read-only"
        clock.advance(60)
        assert board.status["history"] == "ok" and board.off() == {}
        clock.advance(600)
    assert flaky.starts == 4
    assert [r.getMessage() for r in caplog.records] == [
        "history is off: disk full (retrying every 60 s and on SIGHUP)",
        "history is off: read-only (retrying every 60 s and on SIGHUP)",
        "history is on again"]
    assert [r.levelname for r in caplog.records] == ["ERROR", "ERROR", "INFO"]
    part.stopService()
    assert flaky.stops == 1


def test_retry_now_and_stop_while_off() -> None:
    """retry() (SIGHUP) tries at once; a part that never started is not stopped, nor retried."""
    part, flaky, board, clock = make("no", "no")
    part.startService()
    board.retry()
    assert flaky.starts == 2 and len(clock.getDelayedCalls()) == 1
    part.stopService()
    assert flaky.stops == 0 and clock.getDelayedCalls() == []
    board.retry()
    assert flaky.starts == 2


def test_asynchronous_start() -> None:
    """A start returning a Deferred is one attempt until it fires; retry() meanwhile does nothing."""
    clock, board = task.Clock(), PartsBoard()
    pending: list[Deferred[None]] = []
    stops: list[bool] = []

    def start() -> Deferred[None]:
        pending.append(Deferred())
        return pending[-1]
    part = OptionalPart("web", start, lambda: stops.append(True), clock, board)
    part.startService()
    assert board.status["web"] == "off: not started"
    board.retry()
    assert len(pending) == 1
    pending[0].errback(OSError("Couldn't listen on 127.0.0.1:8080: Address already in use."))
    assert board.status["web"] == "off: Couldn't listen on 127.0.0.1:8080: Address already in use."
    clock.advance(60)
    pending[1].callback(None)
    assert board.status["web"] == "ok"
    part.stopService()
    assert stops == [True] and board.status["web"] == "off: stopped"
