"""The read side of REST API v1, in PeaNUT's shape, plus pynutd's summaries.

Routes and bodies follow PeaNUT's ``src/app/api/v1`` (Brandawg93/PeaNUT) so
Homepage's peanut widget and PeaNUT users' scripts work: a device is a flat
map of NUT variables, a variable's value is a JSON string, its
description, type, enum and range are sub-resources.
"""

from __future__ import annotations

from typing import Any

from pynutd.ups import Availability, Snapshot, Variable
from pynutd.web import views
from pynutd.web.context import WebContext
from pynutd.web.http import ApiError, ApiRequest, Route, path

FLAGS = {"true": True, "1": True, "false": False, "0": False}


def _flag(req: ApiRequest, name: str) -> bool:
    raw = req.arg(name)
    if raw is None:
        return False
    if raw.lower() not in FLAGS:
        raise ApiError(400, f"{name} must be true or false")
    return FLAGS[raw.lower()]


def _var(ctx: WebContext, req: ApiRequest) -> tuple[Snapshot, Variable]:
    state, snap = ctx.available(req.params["ups"])
    var = snap.get(req.params["name"])
    if var is None:
        raise ApiError(404, f"Parameter {req.params['name']} on device {state.name} not found")
    return snap, var


def devices(ctx: WebContext, req: ApiRequest) -> list[dict[str, Any]]:
    """GET /api/v1/devices: every UPS as a flat map; a stale one as unreachable."""
    out = []
    now = ctx.now()
    for snap in ctx.registry.snapshots():
        if snap.availability(now, ctx.maxage) is Availability.OK:
            data: dict[str, Any] = views.flat_vars(snap)
        else:
            # PeaNUT's own answer for a UPS it cannot read.
            data = {"ups.device_name": snap.name, "ups.status": "DEVICE_UNREACHABLE"}
        if _flag(req, "meta"):
            data["peanut.device_id"] = snap.name
            data["peanut.server"] = _server(req)
        out.append(data)
    return out


def device(ctx: WebContext, req: ApiRequest) -> dict[str, Any]:
    """GET /api/v1/devices/{ups}: one flat map (``?meta=true`` as PeaNUT)."""
    _, snap = ctx.available(req.params["ups"])
    data: dict[str, Any] = views.flat_vars(snap)
    if _flag(req, "meta"):
        data["peanut.device_id"] = f"{_server(req)}/{snap.name}"
        data["peanut.server"] = _server(req)
    return data


def device_vars(ctx: WebContext, req: ApiRequest) -> dict[str, Any]:
    """GET /api/v1/devices/{ups}/vars."""
    _, snap = ctx.available(req.params["ups"])
    return views.flat_vars(snap)


def description(ctx: WebContext, req: ApiRequest) -> str:
    """GET /api/v1/devices/{ups}/description: ups.conf desc (upsd: "Unavailable")."""
    return ctx.state(req.params["ups"]).desc or "Unavailable"


def var_value(ctx: WebContext, req: ApiRequest) -> str:
    """GET /api/v1/devices/{ups}/var/{name}: the value as a string."""
    snap, var = _var(ctx, req)
    return views.served_value(snap, var)


def var_description(ctx: WebContext, req: ApiRequest) -> str:
    """GET .../var/{name}/description."""
    _, var = _var(ctx, req)
    return ctx.descriptions.var_desc(var.name) or views.DESC_UNAVAILABLE


def var_type(ctx: WebContext, req: ApiRequest) -> str:
    """GET .../var/{name}/type: the words of upsd's TYPE reply."""
    _, var = _var(ctx, req)
    return var.spec.type_words()


def var_enum(ctx: WebContext, req: ApiRequest) -> list[str]:
    """GET .../var/{name}/enum."""
    _, var = _var(ctx, req)
    return list(var.spec.enums)


def var_range(ctx: WebContext, req: ApiRequest) -> list[list[int]]:
    """GET .../var/{name}/range: [min, max] pairs."""
    _, var = _var(ctx, req)
    return [[lo, hi] for lo, hi in var.spec.ranges]


def var_info(ctx: WebContext, req: ApiRequest) -> dict[str, Any]:
    """GET .../var/{name}/info: everything about one variable."""
    snap, var = _var(ctx, req)
    return views.var_info(snap, var, ctx.descriptions.var_desc(var.name))


def commands(ctx: WebContext, req: ApiRequest) -> list[Any]:
    """GET /api/v1/devices/{ups}/commands (``?detail=true`` adds descriptions)."""
    _, snap = ctx.available(req.params["ups"])
    if _flag(req, "detail"):
        return [{"name": c, "description": ctx.descriptions.cmd_desc(c) or views.DESC_UNAVAILABLE}
                for c in snap.commands]
    return list(snap.commands)


def command_description(ctx: WebContext, req: ApiRequest) -> str:
    """GET /api/v1/devices/{ups}/command/{cmd}/description."""
    state, snap = ctx.available(req.params["ups"])
    if not snap.has_command(req.params["cmd"]):
        raise ApiError(404, f"Command {req.params['cmd']} on device {state.name} not found")
    return ctx.descriptions.cmd_desc(req.params["cmd"]) or views.DESC_UNAVAILABLE


def rwvars(ctx: WebContext, req: ApiRequest) -> list[Any]:
    """GET /api/v1/devices/{ups}/rwvars (``?detail=true``: info objects)."""
    _, snap = ctx.available(req.params["ups"])
    writable = [v for v in snap.variables if v.spec.rw]
    if _flag(req, "detail"):
        return [views.var_info(snap, v, ctx.descriptions.var_desc(v.name)) for v in writable]
    return [v.name for v in writable]


def clients(ctx: WebContext, req: ApiRequest) -> list[str]:
    """GET /api/v1/devices/{ups}/clients: NUT LOGINs (upsd's LIST CLIENT)."""
    state = ctx.state(req.params["ups"])
    return list(ctx.server.logins(state.name))


def ups_list(ctx: WebContext, req: ApiRequest) -> list[dict[str, Any]]:
    """GET /api/v1/ups: every UPS's summary, stale ones flagged."""
    now = ctx.now()
    return [views.summary(s, now, ctx.maxage, ctx.alert_list(s.name))
            for s in ctx.registry.snapshots()]


def ups_one(ctx: WebContext, req: ApiRequest) -> dict[str, Any]:
    """GET /api/v1/ups/{ups}."""
    snap = ctx.state(req.params["ups"]).snapshot()
    return views.summary(snap, ctx.now(), ctx.maxage, ctx.alert_list(snap.name))


def _server(req: ApiRequest) -> str:
    host: Any = req.request.getHost()
    return f"{getattr(host, 'host', '')}:{getattr(host, 'port', '')}"


DEV = "v1/devices/{ups}"
ROUTES = (
    Route("GET", path("v1/devices"), devices),
    Route("GET", path(DEV), device),
    Route("GET", path(DEV + "/vars"), device_vars),
    Route("GET", path(DEV + "/description"), description),
    Route("GET", path(DEV + "/var/{name}"), var_value),
    Route("GET", path(DEV + "/var/{name}/description"), var_description),
    Route("GET", path(DEV + "/var/{name}/type"), var_type),
    Route("GET", path(DEV + "/var/{name}/enum"), var_enum),
    Route("GET", path(DEV + "/var/{name}/range"), var_range),
    Route("GET", path(DEV + "/var/{name}/info"), var_info),
    Route("GET", path(DEV + "/commands"), commands),
    Route("GET", path(DEV + "/command/{cmd}/description"), command_description),
    Route("GET", path(DEV + "/rwvars"), rwvars),
    Route("GET", path(DEV + "/clients"), clients),
    Route("GET", path("v1/ups"), ups_list),
    Route("GET", path("v1/ups/{ups}"), ups_one),
)
