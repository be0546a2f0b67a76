"""A HID device's own thread, and the blocking transfers that run on it.

:class:`DeviceRunner` runs every blocking call of one device on its own
single-thread pool (``deferToThreadPool``), so calls to a device are
serialised and the reactor never blocks.  The functions below it are the
calls it runs: each takes a :class:`~pynutd.drivers.hid.device.HidBackend`
and blocks.

test-case-name: tests.test_hid_tables
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

from twisted.internet.defer import Deferred
from twisted.internet.threads import deferToThreadPool
from twisted.python.threadpool import ThreadPool

from pynutd.control import DeviceError
from pynutd.drivers.hid.device import HidBackend

T = TypeVar("T")

Executor = Callable[..., "Deferred[Any]"]


class DeviceRunner:
    """Runs a device's blocking calls one at a time off the reactor thread.

    ``executor`` replaces the thread pool in tests: it is called as
    ``executor(func, *args)`` and returns a Deferred.
    """

    def __init__(self, reactor: Any, name: str, executor: Executor | None = None) -> None:
        self.reactor = reactor
        self.name = name
        self._executor = executor
        self._pool: ThreadPool | None = None

    def run(self, func: Callable[..., T], *args: Any) -> Deferred[T]:
        """Call ``func(*args)`` on the device's thread; fire with its result."""
        if self._executor is not None:
            return self._executor(func, *args)
        if self._pool is None:
            self._pool = ThreadPool(1, 1, name=f"hid:{self.name}")
            self._pool.start()
            self._trigger = self.reactor.addSystemEventTrigger(
                "during", "shutdown", self.stop)
        return deferToThreadPool(self.reactor, self._pool, func, *args)

    def stop(self) -> None:
        """Stop the thread (waits for the call in progress)."""
        pool, self._pool = self._pool, None
        if pool is not None:
            pool.stop()
            try:
                self.reactor.removeSystemEventTrigger(self._trigger)
            except (ValueError, KeyError, TypeError):
                pass


# -- blocking helpers (run on the device thread) ----------------------------------

def fetch_reports(backend: HidBackend, wanted: Mapping[int, int]) -> dict[int, bytes]:
    """GET_REPORT every wanted report; raise DeviceError only if all fail."""
    replies: dict[int, bytes] = {}
    errors = []
    for rid, length in wanted.items():
        try:
            data = backend.get_feature_report(rid, length)
        except OSError as exc:
            errors.append(f"0x{rid:02x}: {exc}")
            continue
        if data and data[0] == rid:
            replies[rid] = data
    if wanted and not replies:
        raise DeviceError("no report could be read (" + "; ".join(errors[:3]) + ")")
    return replies


def fetch_all(backend: HidBackend, wanted: Mapping[int, int]
                ) -> tuple[dict[int, bytes | str], dict[int, str]]:
    """GET_REPORT every report (an error's text instead of raising) and strings 1-15."""
    replies: dict[int, bytes | str] = {}
    for rid, length in wanted.items():
        try:
            replies[rid] = backend.get_feature_report(rid, length)
        except OSError as exc:
            replies[rid] = str(exc) or "error"
    strings = {i: text for i in range(1, 16) if (text := backend.get_string(i))}
    return replies, strings


def fetch_strings(backend: HidBackend, indexes: list[int]) -> dict[int, str | None]:
    """Read the USB strings with these indexes."""
    return {i: backend.get_string(i) for i in indexes}


def drain_input(backend: HidBackend, size: int, limit: int = 32) -> list[bytes]:
    """Read the interrupt-in reports waiting now (non-blocking), at most ``limit``."""
    reports = []
    for _ in range(limit):
        data = backend.read(size, 0)
        if not data:
            break
        reports.append(bytes(data))
    return reports
