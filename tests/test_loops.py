"""Periodic timers outlive a body that raises or fails (pynutd.loops)."""

from __future__ import annotations

import logging

import pytest
from twisted.internet import task

from pynutd.loops import start_loop
from tests.faults import failing_first


def test_loop_survives_its_body(caplog: pytest.LogCaptureFixture) -> None:
    """A raising body and a failed Deferred are logged with their cause; the ticks go on."""
    clock = task.Clock()
    ticks: list[float] = []
    log = logging.getLogger("pynutd.test")
    with caplog.at_level(logging.ERROR, "pynutd.test"):
        loop = start_loop(failing_first(lambda: ticks.append(clock.seconds())), 1.0, clock,
                          log, "test tick", now=True)
        clock.pump([1.0] * 4)
    assert ticks == [2.0, 3.0, 4.0]
    assert loop.running
    messages = [r.getMessage() for r in caplog.records]
    assert len(messages) == 2 and all(m.startswith("test tick failed") for m in messages)
    assert "injected fault (failed Deferred)" in messages[1]
    loop.stop()
