"""History and event-log endpoints of REST API v1.

``since`` and ``until`` take Unix seconds, ISO 8601 local times, or
relative times (``-6h``, ``-2d``, ``now``); the queries run on the history
service's database thread.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from twisted.internet.defer import Deferred

from pynutd.config import parse_duration
from pynutd.records.db import KINDS
from pynutd.records.history import HistoryService
from pynutd.web.context import WebContext
from pynutd.web.http import ApiError, ApiRequest, Route, path

DEFAULT_SPAN = 3600.0
DEFAULT_POINTS = 500


def parse_time(text: str, now: float, tz: Any = None) -> float:
    """Return Unix seconds for ``1763900000``, ``-6h``, ``now`` or an ISO time."""
    text = text.strip()
    if text.lower() == "now":
        return now
    if text.startswith("-"):
        return now - parse_duration(text[1:])
    if re.fullmatch(r"[0-9]+(\.[0-9]+)?", text):
        return float(text)
    stamp = datetime.fromisoformat(text)
    if stamp.tzinfo is None and tz is not None:
        stamp = stamp.replace(tzinfo=tz)
    return stamp.timestamp()


def _range(ctx: WebContext, req: ApiRequest, span: float) -> tuple[float, float]:
    now = ctx.now()
    try:
        until = parse_time(req.arg("until", "now") or "", now, ctx.tz)
        since = parse_time(req.arg("since", f"-{int(span)}") or "", now, ctx.tz)
    except (ValueError, OverflowError, OSError):
        raise ApiError(400, "since/until must be Unix seconds, ISO 8601 or like -6h") from None
    return since, min(max(until, since), 1e12)


def _int(req: ApiRequest, name: str, default: int, lo: int, hi: int) -> int:
    raw = req.arg(name)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise ApiError(400, f"{name} must be an integer") from None
    if not lo <= value <= hi:
        raise ApiError(400, f"{name} must be between {lo} and {hi}")
    return value


def _history(ctx: WebContext) -> HistoryService:
    history: HistoryService | None = ctx.history
    if history is None or history.db is None:
        raise ApiError(503, "history is not running")
    return history


def history(ctx: WebContext, req: ApiRequest) -> Deferred[dict[str, Any]]:
    """GET /api/v1/devices/{ups}/history?var=...&since=...&until=...&points=..."""
    state = ctx.state(req.params["ups"])
    since, until = _range(ctx, req, DEFAULT_SPAN)
    points = _int(req, "points", DEFAULT_POINTS, 10, 5000)
    d = _history(ctx).query_series(state.name, req.args("var"), since, until, points)
    d.addCallback(lambda r: {"ups": state.name, "since": since, "until": until,
                             "step": r["step"], "series": r["series"]})
    return d


def _events(ctx: WebContext, req: ApiRequest, ups: str | None) -> Deferred[list[Any]]:
    since, until = _range(ctx, req, 7 * 86400)
    limit = _int(req, "limit", 100, 1, 10000)
    kinds = req.args("kind")
    unknown = [k for k in kinds if k not in KINDS]
    if unknown:
        raise ApiError(400, f"unknown event kind {unknown[0]!r}")
    d = _history(ctx).query_events(ups, since, until, limit, kinds)
    d.addCallback(lambda entries: [e.to_json(ctx.tz) for e in entries])
    return d


def ups_events(ctx: WebContext, req: ApiRequest) -> Deferred[list[Any]]:
    """GET /api/v1/devices/{ups}/events: one UPS's log, newest first."""
    return _events(ctx, req, ctx.state(req.params["ups"]).name)


def all_events(ctx: WebContext, req: ApiRequest) -> Deferred[list[Any]]:
    """GET /api/v1/events: every UPS's log, newest first."""
    return _events(ctx, req, None)


ROUTES = (
    Route("GET", path("v1/devices/{ups}/history"), history),
    Route("GET", path("v1/devices/{ups}/events"), ups_events),
    Route("GET", path("v1/events"), all_events),
)
