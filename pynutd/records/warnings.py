"""The event log's warnings: what mustmon.py listed as ``recent_warnings``.

mustmon.py kept its last five warnings (a failed poll, each alarm it
raised) as ``{"timestamp", "message"}``.  Here they come from the event
log: the UPS's own alarms (its fault and warning bits, as ``ups.alarm``),
pynutd's alert rules, lost communication, and status changes into a
worse state (on battery, low battery, overload and the like).
"""

from __future__ import annotations

from collections.abc import Iterable

from pynutd.records.db import EntryKind, LogEntry

MAX_WARNINGS = 5    # mustmon.py's max_warnings
# ups.status tokens whose arrival is a warning.
BAD_TOKENS = frozenset({"OB", "LB", "HB", "RB", "OVER", "ALARM", "FSD", "BYPASS", "OFF"})


def is_warning(entry: LogEntry) -> bool:
    """Whether ``entry`` is something mustmon.py would have warned about."""
    if entry.kind in (EntryKind.ALERT, EntryKind.FSD):
        return True
    if entry.kind is EntryKind.ALARM:
        return not entry.message.endswith("cleared")
    if entry.kind is EntryKind.COMM:
        return entry.message.startswith("communication lost")
    if entry.kind is EntryKind.STATUS and isinstance(entry.detail, dict):
        old = set(str(entry.detail.get("old", "")).split())
        new = set(str(entry.detail.get("new", "")).split())
        return bool((new - old) & BAD_TOKENS) and bool(old)
    return False


def recent_warnings(entries: Iterable[LogEntry], ups: str,
                    limit: int = MAX_WARNINGS) -> list[tuple[float, str]]:
    """The last ``limit`` warnings of ``ups`` as (time, message), oldest first."""
    found = [(e.time, e.message) for e in entries if e.ups == ups and is_warning(e)]
    found.sort(key=lambda pair: pair[0])
    return found[-limit:]


__all__ = ["MAX_WARNINGS", "is_warning", "recent_warnings"]
