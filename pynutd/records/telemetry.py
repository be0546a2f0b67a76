"""The telemetry log: each UPS's readings as one INFO line, as the MUST EP20 monitor wrote them.

The MUST EP20 monitor (mustmon.py) logged ``Vin=225.6V, Vout=224.8V,
Batt=13.6V, Load=14%`` after each poll; :class:`TelemetryLog` logs the
same line at INFO for each UPS that polled, at most once per
``telemetry_interval`` seconds (0: every poll).  Where the lines go (stderr,
the ``[log] file``) is the wiring's business (:mod:`pynutd.logfile`).
"""

from __future__ import annotations

import logging
import re

from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall

from pynutd.loops import start_loop
from pynutd.ups import Snapshot, UpsRegistry

log = logging.getLogger("pynutd.telemetry")

# (label, NUT variable, format, unit) of mustmon.py's line, in its order.
TELEMETRY_FIELDS = (
    ("Vin", "input.voltage", "{:.1f}", "V"),
    ("Vout", "output.voltage", "{:.1f}", "V"),
    ("Batt", "battery.voltage", "{:.1f}", "V"),
    ("Load", "ups.load", "{:.0f}", "%"),
)
# A plain decimal number, as the web API reads one (pynutd.web.views.number).
DECIMAL = re.compile(r"^-?([0-9]+\.?[0-9]*|\.[0-9]+)$")


def telemetry_line(snap: Snapshot) -> str | None:
    """Return mustmon.py's line for ``snap``, or None when it has none of the values.

    Its later versions ended the line with ``TimeRemaining=1h05m`` and
    ``BattCurrent=8.60A`` (current out of the battery); they follow where
    the UPS has ``battery.runtime`` (estimated for the EP20) and
    ``battery.current``.
    """
    parts = []
    for label, var, fmt, unit in TELEMETRY_FIELDS:
        text = _decimal(snap.value(var))
        if text is not None:
            parts.append(f"{label}={fmt.format(float(text))}{unit}")
    if not parts:
        return None
    runtime = _decimal(snap.value("battery.runtime"))
    if runtime is not None:
        minutes = max(int(float(runtime)) // 60, 0)
        parts.append(f"TimeRemaining={minutes // 60}h{minutes % 60:02d}m")
    current = _decimal(snap.value("battery.current"))
    if current is not None:
        parts.append(f"BattCurrent={-float(current) + 0.0:.2f}A")
    return ", ".join(parts)


def _decimal(text: str | None) -> str | None:
    return text.strip() if text is not None and DECIMAL.match(text.strip()) else None


class TelemetryLog:
    """Logs each UPS's telemetry line after a poll, rate-limited per UPS."""

    def __init__(self, registry: UpsRegistry, clock: IReactorTime, interval: float) -> None:
        self.registry = registry
        self.clock = clock
        self.interval = interval
        self._logged: dict[str, tuple[float, float]] = {}   # ups -> (poll time, log time)
        self._loop: LoopingCall | None = None

    def start(self) -> None:
        """Check every second (or every ``interval``, up to 5 s)."""
        self._loop = start_loop(self.tick, max(min(self.interval, 5.0), 1.0), self.clock, log,
                                "telemetry log")

    def stop(self) -> None:
        """Stop checking."""
        if self._loop is not None and self._loop.running:
            self._loop.stop()

    def tick(self) -> None:
        """Log a line for every UPS that polled and is due."""
        now = self.clock.seconds()
        for snap in self.registry.snapshots():
            if snap.last_update is None:
                continue
            polled, logged = self._logged.get(snap.name, (float("-inf"), float("-inf")))
            if snap.last_update <= polled or now - logged < self.interval:
                continue
            line = telemetry_line(snap)
            self._logged[snap.name] = (snap.last_update, now)
            if line is not None:
                log.info("[%s] %s", snap.name, line)
