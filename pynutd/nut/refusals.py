"""One log line per interval for connections refused at MAXCONN, not one per connection.

A client (or an attacker) that keeps connecting while the server is full
would otherwise write a WARNING per attempt: 3,000 lines in 3 s were seen.
The first refusal is logged at once; later ones are counted and summed up
in one line at the end of each interval that had any.  Time comes from the
injected reactor clock, so tests drive it with ``task.Clock``.
"""

from __future__ import annotations

import logging

from twisted.internet.interfaces import IDelayedCall, IReactorTime

log = logging.getLogger("pynutd.nut.protocol")

# How often at most a summary line is written, in seconds.
SUMMARY_INTERVAL = 60.0


class RefusalLog:
    """Logs refused connections: the first one, then a count per interval."""

    def __init__(self, clock: IReactorTime, maxconn: int,
                 interval: float = SUMMARY_INTERVAL) -> None:
        self.clock = clock
        self.maxconn = maxconn
        self.interval = interval
        self._quiet_until = float("-inf")
        self._count = 0
        self._summary: IDelayedCall | None = None

    def refused(self, peer: object) -> None:
        """Record one refused connection from ``peer``."""
        now = self.clock.seconds()
        if now >= self._quiet_until:
            log.warning("MAXCONN (%d) reached: refusing %s; further refusals are "
                        "counted and logged at most every %g s", self.maxconn, peer,
                        self.interval)
            self._quiet_until = now + self.interval
            return
        self._count += 1
        if self._summary is None:
            self._summary = self.clock.callLater(self._quiet_until - now, self._flush)

    def _flush(self) -> None:
        self._summary = None
        log.warning("MAXCONN (%d) reached: refused %d more connection%s in the last %g s",
                    self.maxconn, self._count, "" if self._count == 1 else "s", self.interval)
        self._count = 0
        # The next refusal within an interval of this line is counted again.
        self._quiet_until = self.clock.seconds() + self.interval

    def stop(self) -> None:
        """Cancel a pending summary (the server is stopping)."""
        if self._summary is not None and self._summary.active():
            self._summary.cancel()
        self._summary = None
