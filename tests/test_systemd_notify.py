"""The notify protocol without systemd: datagrams on a test socket, driven by a test clock."""

from __future__ import annotations

import socket
import uuid
from pathlib import Path

import pytest
from twisted.internet import task

from pynutd.sdnotify import Notifier, watchdog_period
from pynutd.systemd import READY_AT_MOST, SystemdLink
from pynutd.ups import UpsRegistry, UpsState


class Listener:
    """A datagram socket standing in for systemd's."""

    def __init__(self, address: str) -> None:
        self.address = address
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        self.sock.bind("\0" + address[1:] if address.startswith("@") else address)
        self.sock.setblocking(False)

    def messages(self) -> list[list[str]]:
        out = []
        while True:
            try:
                out.append(self.sock.recv(4096).decode().split("\n"))
            except BlockingIOError:
                return out


@pytest.fixture
def listener(tmp_path: Path):
    sock = Listener(str(tmp_path / "notify"))
    yield sock
    sock.sock.close()


def test_path_and_abstract_sockets(listener):
    Notifier(listener.address).notify("READY=1", "STATUS=hello")
    assert listener.messages() == [["READY=1", "STATUS=hello"]]
    abstract = Listener(f"@pynutd-{uuid.uuid4().hex}")
    try:
        Notifier(abstract.address).notify("WATCHDOG=1")
        assert abstract.messages() == [["WATCHDOG=1"]]
    finally:
        abstract.sock.close()


def test_without_socket_nothing_happens():
    notifier = Notifier.from_env({})
    assert not notifier.enabled
    notifier.notify("READY=1")          # no socket, no error


def test_unreachable_socket_warns_once(tmp_path, caplog):
    notifier = Notifier(str(tmp_path / "gone"))
    notifier.notify("WATCHDOG=1")
    notifier.notify("WATCHDOG=1")
    assert len([r for r in caplog.records if "cannot notify systemd" in r.message]) == 1


@pytest.mark.parametrize("env,period", [
    ({"WATCHDOG_USEC": "200000"}, 0.1),
    ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "4242"}, 15.0),
    ({"WATCHDOG_USEC": "30000000", "WATCHDOG_PID": "1"}, None),
    ({"WATCHDOG_USEC": "0"}, None),
    ({"WATCHDOG_USEC": "soon"}, None),
    ({}, None),
])
def test_watchdog_period(env, period):
    assert watchdog_period(env, pid=4242) == period


def link(listener, states, watchdog=None):
    clock = task.Clock()
    registry = UpsRegistry(states)
    return clock, SystemdLink(Notifier(listener.address), registry, clock,
                              (("127.0.0.1", 3493),), tls=True, watchdog=watchdog)


def test_ready_waits_for_every_first_poll(listener):
    """READY only once each UPS was polled, by data or by an error."""
    a, b = UpsState("a"), UpsState("b")
    clock, sd = link(listener, [a, b])
    sd.started()
    clock.advance(1)
    assert listener.messages() == []
    a.update({"ups.status": "OL"}, clock.seconds())
    clock.advance(1)
    assert listener.messages() == []
    b.count_poll_error()                 # tried, and failed: that counts
    clock.advance(1)
    [message] = listener.messages()
    assert message == ["READY=1", "STATUS=serving a, b on 127.0.0.1:3493 (STARTTLS)"]
    clock.advance(5)
    assert listener.messages() == []     # READY once


def test_ready_at_most_after_a_while(listener, caplog):
    """A UPS that never answers does not hold the start back for ever."""
    clock, sd = link(listener, [UpsState("slow")])
    sd.started()
    clock.advance(READY_AT_MOST - 1)
    assert listener.messages() == []
    clock.advance(2)
    assert [m[0] for m in listener.messages()] == ["READY=1"]
    assert any("not polled yet: slow" in r.message for r in caplog.records)


def test_watchdog_pings_stop_at_shutdown(listener):
    clock, sd = link(listener, [], watchdog=5)
    sd.started()
    clock.advance(0)
    clock.pump([5] * 4)
    messages = listener.messages()
    assert sum(m == ["WATCHDOG=1"] for m in messages) == 5    # at 0, 5, 10, 15, 20
    sd.stopping()
    clock.pump([5] * 4)
    assert listener.messages() == [["STOPPING=1", "STATUS=stopping"]]


def test_reload_is_bracketed(listener):
    _, sd = link(listener, [])
    sd.reloading()
    sd.reloaded()
    first, second = listener.messages()
    assert first[0] == "RELOADING=1" and first[1].startswith("MONOTONIC_USEC=")
    assert second[0] == "READY=1"
