"""The poller: runs one driver against one UPS state.

The :class:`Poller` owns the timing (one LoopingCall per poll tier on an
injected clock), turns every driver failure into a log line and a reconnect
with backoff, and writes good readings into the
:class:`~pynutd.ups.UpsState`, with the ``driver.*`` and ``device.*``
variables NUT's driver core adds.  This is the one error boundary of the
driver layer: nothing a driver raises escapes it.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping

from twisted.internet.defer import Deferred, maybeDeferred
from twisted.internet.interfaces import IDelayedCall, IReactorTime
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure

from pynutd.config import UpsSection
from pynutd.control import DeviceError
from pynutd.drivers.base import Driver, Update, driver_variables
from pynutd.ups import UpsState, VarSpec, same_value

log = logging.getLogger(__name__)


class Poller:
    """Runs one driver for one UPS: connect, poll by tiers, reconnect.

    ``backoff`` is the first reconnect delay in seconds; it doubles after
    each failed attempt up to ``max_backoff``.  The UPS is
    DRIVER-NOT-CONNECTED until the first connect succeeds; after that a
    lost device only lets the data age into DATA-STALE (MAXAGE), as a NUT
    driver that loses its device does.
    """

    def __init__(self, state: UpsState, driver: Driver, section: UpsSection,
                 clock: IReactorTime, backoff: float = 1.0, max_backoff: float = 60.0,
                 max_failures: int = 3) -> None:
        self.state = state
        self.driver = driver
        self.section = section
        self.clock = clock
        self.min_backoff = backoff
        self.max_backoff = max_backoff
        self.max_failures = max_failures
        self._backoff = backoff
        self._loops: list[LoopingCall] = []
        self._busy = False
        self._waiting: list[str] = []
        self._failures = 0
        self._failing: str | None = None   # the problem already logged
        self._retry: IDelayedCall | None = None
        self._running = False
        self._linked = False
        self._core: dict[str, str] = {}
        self._core_specs: dict[str, VarSpec] = {}
        # device.* copies of ups.* -> (copy, the driver's own value then)
        self._remapped: dict[str, tuple[str, str | None]] = {}
        self._first_poll = True
        state.controller = self

    # -- life cycle --------------------------------------------------------

    def start(self) -> None:
        """Start connecting; never raises."""
        self._running = True
        self._connect()

    def stop(self) -> None:
        """Stop polling and release the device."""
        self._running = False
        if self._retry is not None and self._retry.active():
            self._retry.cancel()
        self._retry = None
        self._drop()

    def _connect(self) -> None:
        self._retry = None
        if not self._running:
            return
        d = maybeDeferred(self.driver.connect)
        d.addCallbacks(self._connected, self._connect_failed)
        d.addErrback(self._bug)

    def _connected(self, _: object) -> None:
        if not self._running:
            self._safe_disconnect()
            return
        self._linked = True
        self._failures = 0
        self._backoff = self.min_backoff
        self._core = driver_variables(self.section, self.driver)
        self._core_specs = {}
        self._first_poll = True
        self.state.set_connected(True, self.clock.seconds())
        for tier, period in self.driver.tiers().items():
            loop = LoopingCall(self._tick, tier)
            loop.clock = self.clock
            self._loops.append(loop)
            loop.start(period, now=True)

    def _connect_failed(self, failure: Failure) -> None:
        self.state.count_poll_error()
        self._report(f"cannot connect: {self._describe(failure)}")
        self._schedule_reconnect()

    def _schedule_reconnect(self) -> None:
        if not self._running or self._retry is not None:
            return
        delay = self._backoff
        self._backoff = min(self._backoff * 2, self.max_backoff)
        self._retry = self.clock.callLater(delay, self._connect)

    def _drop(self) -> None:
        self._waiting = []
        for loop in self._loops:
            if loop.running:
                loop.stop()
        self._loops = []
        if self._linked:
            self._linked = False
            self._safe_disconnect()

    def _safe_disconnect(self) -> None:
        try:
            self.driver.disconnect()
        except Exception:
            log.exception("[%s] driver failed to disconnect", self.state.name)

    # -- polling -----------------------------------------------------------

    def _tick(self, tier: str) -> None:
        # Never raises: a LoopingCall whose function raises stops for good.
        # One poll at a time: a tier that comes due meanwhile waits its turn
        # (once; a slow device does not pile up polls).
        if self._busy:
            if tier not in self._waiting:
                self._waiting.append(tier)
            return
        self._busy = True
        d = maybeDeferred(self.driver.poll, tier)
        d.addCallbacks(self._good, self._bad)
        d.addErrback(self._bug)
        d.addBoth(self._idle)

    def _idle(self, _: object) -> None:
        self._busy = False
        if self._waiting and self._linked:
            self._tick(self._waiting.pop(0))

    def _good(self, update: Update) -> None:
        first = self._first_poll
        if first:
            self._first_poll = False
            self._remap_device(update.values)
        values = self._merge_core(update) if first or update.replace_all else dict(update.values)
        specs = {**self._core_specs, **update.specs}
        self.state.update(values, self.clock.seconds(), specs, update.commands,
                          update.replace_all)
        self._failures = 0
        if self._failing is not None:
            log.info("[%s] communication restored (was: %s)", self.state.name, self._failing)
            self._failing = None

    def _merge_core(self, update: Update) -> dict[str, str]:
        """Lay the driver core's own variables over one poll's values.

        ``driver.*`` and the ``device.type`` default lose to what the driver
        publishes itself; the ``device.*`` copies made by
        :meth:`_remap_device` win over the driver's value until the driver
        sets that variable to something new, as in NUT, where main.c's copy
        is the last write until the driver writes again.  A driver that
        does not replace all its variables gets the core ones once.
        """
        values = {**self._core, **update.values}
        lowered = {k.lower(): k for k in values}
        for key, (copy, seen) in list(self._remapped.items()):
            name = lowered.get(key, key)
            driver_value = seen
            if seen is _AFTER_SET:
                # What the driver reports after a client's SET is its baseline.
                driver_value = update.values.get(name)
                self._remapped[key] = (copy, driver_value)
            if update.values.get(name) != driver_value:
                del self._remapped[key]   # the driver wrote it again: its value stands
            else:
                values.pop(name, None)
                values[key] = copy
        return values

    def _remap_device(self, values: Mapping[str, str]) -> None:
        """Publish device.* as NUT's driver core does after its first read.

        ``device.type`` defaults to ``ups``; ``device.mfr``, ``.model`` and
        ``.serial`` are then copied once from their ``ups.*`` counterparts
        over whatever the driver set (``drivers/main.c``, "remap the
        device.* info", which runs after the driver's first update).
        """
        lowered = {k.lower(): v for k, v in values.items()}
        self._core.setdefault("device.type", "ups")
        self._remapped = {}
        for part in ("mfr", "model", "serial"):
            if f"ups.{part}" in lowered:
                key = f"device.{part}"
                self._remapped[key] = (lowered[f"ups.{part}"], lowered.get(key))
                self._core.pop(key, None)
                self._core_specs.pop(key, None)

    def _set_over_copy(self, name: str, value: str) -> None:
        """A client's SET of a device.* copy reached the driver: it stands, as in NUT.

        NUT's copy lives in the driver's own tree, so the SET replaces it
        there, even when the driver's own value differed from the copy only
        in case; a SET that changes only the letter case of what stands is
        no change (``dstate_setinfo``), also when two SETs come before the
        next poll.  The value stands until the driver writes the variable
        again.
        """
        key = name.lower()
        entry = self._remapped.get(key)
        if entry is not None:
            stands = entry[0] if same_value(entry[0], value) else value
            self._remapped[key] = (stands, _AFTER_SET)

    def _forget_core(self, name: str) -> None:
        """A variable the core published was deleted (SET to ""): keep it deleted."""
        key = name.lower()
        self._remapped.pop(key, None)
        for core_key in [k for k in self._core if k.lower() == key]:
            del self._core[core_key]

    def _bad(self, failure: Failure) -> None:
        self._failures += 1
        self.state.count_poll_error()
        self._report(f"poll failed: {self._describe(failure)}")
        if self._failures >= self.max_failures and self._linked:
            self._drop()
            self._schedule_reconnect()

    def _report(self, problem: str) -> None:
        # Log each kind of problem once, not on every tick.
        if problem != self._failing:
            log.warning("[%s] %s", self.state.name, problem)
            self._failing = problem

    @staticmethod
    def _describe(failure: Failure) -> str:
        exc = failure.value
        if isinstance(exc, (DeviceError, OSError)):
            return str(exc) or type(exc).__name__
        return f"{type(exc).__name__}: {exc}"

    def _bug(self, failure: Failure) -> None:
        log.error("[%s] internal error in poller: %s", self.state.name,
                  failure.getTraceback())

    # -- requests from clients (the UpsState controller) -------------------

    def set_var(self, name: str, value: str) -> Deferred[None]:
        """Forward SET VAR to the driver; the result fires when it is done."""
        if not self._linked:
            return _failed(DeviceError("device not connected"))
        d: Deferred[None] = maybeDeferred(self.driver.set_var, name, value)  # type: ignore[arg-type, call-overload]
        if value == "":
            d.addCallback(lambda _: self._forget_core(name))
        else:
            d.addCallback(lambda _: self._set_over_copy(name, value))
        d.addCallback(lambda _: self._poll_soon())
        return d

    def instcmd(self, name: str, param: str | None) -> Deferred[None]:
        """Forward INSTCMD to the driver; the result fires when it is done."""
        if not self._linked:
            return _failed(DeviceError("device not connected"))
        d: Deferred[None] = maybeDeferred(self.driver.instcmd, name, param)  # type: ignore[arg-type, call-overload]
        d.addCallback(lambda _: self._poll_soon())
        return d

    def _poll_soon(self) -> None:
        # Show the effect of a write at once rather than at the next period.
        tiers = list(self.driver.tiers())
        if tiers and self._linked:
            self.clock.callLater(0, self._tick, tiers[0])


# Marks a device.* copy whose driver value is to be read at the next poll.
_AFTER_SET = "\0after a SET"


def _failed(exc: Exception) -> Deferred[None]:
    d: Deferred[None] = Deferred()
    d.errback(Failure(exc))
    return d
