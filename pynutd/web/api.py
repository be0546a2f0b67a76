"""The MUST EP20 monitor's JSON API and the routing table of everything under /api.

``/api/telemetry`` and ``/api/health`` answer field for field what the MUST
EP20 monitor (bagir/must-inverter ``mustmon.py``) answered, so Home Assistant
REST sensors written for it keep working.  :data:`ROUTES` gathers the
routes of every API module; :func:`api_resource` mounts them at ``/api``.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pynutd.records.warnings import recent_warnings
from pynutd.telemetry_json import hms, seed_telemetry
from pynutd.ups import Availability
from pynutd.web import api_v1, history_api, stream, writes
from pynutd.web.context import WebContext
from pynutd.web.http import ApiError, ApiRequest, Reply, Route, Router, path

# mustmon.py sent this on /api/telemetry; browsers' REST cards rely on it.
CORS = {"Access-Control-Allow-Origin": "*"}


def telemetry(ctx: WebContext, req: ApiRequest) -> Reply:
    """GET /api/telemetry[?ups=NAME]: mustmon.py's JSON for one UPS."""
    name = req.arg("ups")
    if name is None:
        names = ctx.registry.names()
        if not names:
            raise ApiError(404, "no UPS is configured")
        name = names[0]
    state = ctx.state(name)
    snap = state.snapshot()
    now = ctx.now()
    available = snap.availability(now, ctx.maxage) is Availability.OK
    alarm = snap.value("ups.alarm")
    alarms = [a["message"] for a in ctx.alert_list(state.name)] + ([alarm] if alarm else [])
    if ctx.history is not None:
        warnings = recent_warnings(ctx.history.recent, state.name)
    else:   # no event log: the alarms standing now
        warnings = [(snap.last_update or now, text) for text in alarms]
    body = seed_telemetry(snap, now, ctx.started, available, alarms, ctx.tz, warnings)
    return Reply(body, headers=CORS, indent=2)


def health(ctx: WebContext, req: ApiRequest) -> dict[str, Any]:
    """GET /api/health: mustmon.py's liveness answer, plus each optional part's state."""
    now = ctx.now()
    body: dict[str, Any] = {
        "status": "running", "uptime": hms(now - ctx.started),
        # Naive local time, as mustmon.py's datetime.now().isoformat().
        "timestamp": datetime.fromtimestamp(now, ctx.tz).replace(tzinfo=None).isoformat()}
    if ctx.parts:   # {"history": "ok", "web": "ok"} or "off: <why>" (pynutd.parts)
        body["parts"] = dict(ctx.parts)
    return body


def openapi(ctx: WebContext, req: ApiRequest) -> dict[str, Any]:
    """GET /api/openapi.json: the OpenAPI description of this API."""
    from pynutd.web.openapi import document
    return document(ctx.version)


ROUTES: tuple[Route, ...] = (
    Route("GET", path("telemetry"), telemetry),
    Route("GET", path("health"), health),
    Route("GET", path("openapi.json"), openapi),
    *api_v1.ROUTES,
    *writes.ROUTES,
    *history_api.ROUTES,
    *stream.ROUTES,
)


def api_resource(ctx: WebContext) -> Router:
    """Return the resource to mount at ``/api``."""
    return Router(ctx, ROUTES)
