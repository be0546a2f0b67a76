"""What waits for the history database: samples of each UPS's key variables, and log entries.

Plain code on the reactor thread, with no Twisted and no disk:
:class:`HistoryQueue` takes one row per numeric key variable each time a
UPS has polled since it was last sampled, keeps log entries in order, and
hands both over in one batch.  It is bounded: while the database is slow
or off (for hours, perhaps), the oldest rows go first, and are counted.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from pynutd.records.db import LogEntry, Sample
from pynutd.ups import Snapshot

NUMBER = re.compile(r"^-?[0-9]+(\.[0-9]*)?$")
MAX_QUEUE = 200_000          # samples kept while the disk lags; the oldest go first
MAX_EVENTS = 20_000          # the same for events (the database may be off for hours)


class HistoryQueue:
    """Samples and log entries not yet written, oldest first, bounded."""

    def __init__(self, variables: Sequence[str]) -> None:
        self.variables = tuple(variables)
        self.samples: list[Sample] = []
        self.entries: list[LogEntry] = []
        self.dropped = 0
        self._sampled: dict[str, float] = {}   # UPS -> time of the poll last sampled

    def __len__(self) -> int:
        return len(self.samples) + len(self.entries)

    def add(self, entry: LogEntry) -> None:
        """Queue a log entry."""
        self.entries.append(entry)
        if len(self.entries) > MAX_EVENTS:
            self.dropped += 1
            del self.entries[0]

    def sample(self, snap: Snapshot) -> None:
        """Queue a row per numeric key variable of ``snap``, if it polled since last time."""
        t = snap.last_update
        if t is None or t <= self._sampled.get(snap.name, float("-inf")):
            return
        self._sampled[snap.name] = t
        for var in self.variables:
            text = snap.value(var)
            if text is not None and NUMBER.match(text.strip()):
                self.samples.append((snap.name, t, var, float(text)))

    def trim(self) -> None:
        """Drop the oldest samples beyond :data:`MAX_QUEUE`."""
        if len(self.samples) > MAX_QUEUE:
            drop = len(self.samples) - MAX_QUEUE
            self.dropped += drop
            del self.samples[:drop]

    def take(self) -> tuple[list[Sample], list[LogEntry]]:
        """Return everything queued, and start a new queue."""
        batch = self.samples, self.entries
        self.samples, self.entries = [], []
        return batch
