"""Logging of readings: the seed's telemetry line, and the optional log file.

The seed monitor logged ``Vin=225.6V, Vout=224.8V, Batt=13.6V, Load=14%``
after each poll; :class:`TelemetryLog` logs the same line at INFO for each
UPS that polled, at most once per ``telemetry_interval`` seconds (0: every
poll).  ``[log] file`` adds a size-rotated log file to the root logger.
"""

from __future__ import annotations

import logging
import logging.handlers
from typing import Any

from twisted.internet.task import LoopingCall

from pynutd.config import LogConfig
from pynutd.ups import Snapshot, UpsRegistry
from pynutd.web.views import number

log = logging.getLogger("pynutd.telemetry")

FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"

# (label, NUT variable, format, unit) of the seed's line, in its order.
TELEMETRY_FIELDS = (
    ("Vin", "input.voltage", "{:.1f}", "V"),
    ("Vout", "output.voltage", "{:.1f}", "V"),
    ("Batt", "battery.voltage", "{:.1f}", "V"),
    ("Load", "ups.load", "{:.0f}", "%"),
)


def add_log_file(cfg: LogConfig) -> logging.Handler | None:
    """Attach a rotating file handler to the root logger; return it.

    Raises OSError when the file cannot be opened (pynutd then runs
    without it and retries: :mod:`pynutd.parts`).
    """
    if not cfg.file:
        return None
    handler = logging.handlers.RotatingFileHandler(
        cfg.file, maxBytes=cfg.max_bytes, backupCount=cfg.backups, encoding="utf-8")
    handler.setFormatter(logging.Formatter(FORMAT))
    logging.getLogger().addHandler(handler)
    return handler


def telemetry_line(snap: Snapshot) -> str | None:
    """Return the seed's line for ``snap``, or None when it has none of the values."""
    parts = []
    for label, var, fmt, unit in TELEMETRY_FIELDS:
        value = number(snap.value(var))
        if value is not None:
            parts.append(f"{label}={fmt.format(value)}{unit}")
    return ", ".join(parts) if parts else None


class TelemetryLog:
    """Logs each UPS's telemetry line after a poll, rate-limited per UPS."""

    def __init__(self, registry: UpsRegistry, clock: Any, interval: float) -> None:
        self.registry = registry
        self.clock = clock
        self.interval = interval
        self._logged: dict[str, tuple[float, float]] = {}   # ups -> (poll time, log time)
        self._loop: LoopingCall | None = None

    def start(self) -> None:
        """Check every second (or every ``interval``)."""
        self._loop = LoopingCall(self.tick)
        self._loop.clock = self.clock
        self._loop.start(max(min(self.interval, 5.0), 1.0), now=False)

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
