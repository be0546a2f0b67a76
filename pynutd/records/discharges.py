"""The discharges the history database has seen, as curves a runtime estimate learns from.

The database keeps ``battery.charge`` and ``ups.realpower`` samples and the
status changes in the event log; :func:`discharge_rows` joins them into
``(time, on battery, charge %, load W)`` rows, in time order, for one UPS.
Runs on the database thread (a :class:`~pynutd.records.db.HistoryDB` method's
company); the rows are plain tuples, so the records import no driver.
"""

from __future__ import annotations

import bisect

from pynutd.records.db import EntryKind, HistoryDB

Row = tuple[float, bool, float, float]
MAX_EVENTS = 100000


def discharge_rows(db: HistoryDB, ups: str, since: float, until: float) -> list[Row]:
    """Rows of every raw sample of ``ups`` in ``since..until`` that has charge and load."""
    charge = db.series(ups, "battery.charge", since, until, 0, True)
    watts = dict((t, v) for t, v in db.series(ups, "ups.realpower", since, until, 0, True))
    if not charge or not watts:
        return []
    # The status in force at each sample: the last change at or before it.
    changes = sorted(db.events(ups, 0.0, until, MAX_EVENTS, [EntryKind.STATUS]),
                     key=lambda e: (e.time, e.id or 0))
    times = [e.time for e in changes]
    on_battery = ["OB" in str((e.detail or {}).get("new", "")).split() for e in changes]
    rows: list[Row] = []
    for t, value in charge:
        load = watts.get(t)
        i = bisect.bisect_right(times, t) - 1
        if load is None or i < 0:
            continue
        rows.append((t, on_battery[i], value, load))
    return rows


__all__ = ["discharge_rows"]
