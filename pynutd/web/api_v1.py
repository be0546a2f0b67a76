"""The read side of REST API v1, in PeaNUT's shape, plus pynutd's summaries.

Routes and bodies follow PeaNUT's ``src/app/api`` (Brandawg93/PeaNUT) so
Homepage's peanut widget and PeaNUT users' scripts work: a device is a flat
map of NUT variables, a variable's value is a JSON string, its
description, type, enum and range are sub-resources.  A UPS whose data is
unavailable is, in the device list and in ``/devices/{ups}`` and its
``/vars``, PeaNUT's stand-in ``{"ups.device_name": ..., "ups.status":
"Device Unreachable"}`` with 200 (``src/server/nut.ts`` ``getData``), so a
widget shows the outage instead of an HTTP error.  pynutd's richer shapes
(range pairs, availability) stay under ``/var/{name}/info`` and ``/v1/ups``.
"""

from __future__ import annotations

from typing import Any

from pynutd import PROTOCOL_VERSION, SERVER_INFO
from pynutd.ups import Availability, Snapshot, Variable
from pynutd.web import views
from pynutd.web.context import WebContext
from pynutd.web.http import ApiError, ApiRequest, Route, path

FLAGS = {"true": True, "1": True, "false": False, "0": False}
# PeaNUT's upsStatus.DEVICE_UNREACHABLE (src/common/constants.ts).
DEVICE_UNREACHABLE = "Device Unreachable"


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


def _peanut_vars(ctx: WebContext, snap: Snapshot) -> dict[str, Any]:
    """Return the flat map, or PeaNUT's stand-in for a UPS it cannot read."""
    if snap.availability(ctx.now(), ctx.maxage) is Availability.OK:
        return dict(views.flat_vars(snap))
    # PeaNUT's getData (src/server/nut.ts) when LIST VAR fails.
    return {"ups.device_name": snap.name, "ups.status": DEVICE_UNREACHABLE}


def devices(ctx: WebContext, req: ApiRequest) -> list[dict[str, Any]]:
    """GET /api/v1/devices: every UPS as a flat map; an unavailable one as unreachable."""
    meta = _flag(req, "meta")
    out = []
    for snap in ctx.registry.snapshots():
        data = _peanut_vars(ctx, snap)
        if meta:
            data["peanut.device_id"] = snap.name
            data["peanut.server"] = _server(ctx, req)
        out.append(data)
    return out


def device(ctx: WebContext, req: ApiRequest) -> dict[str, Any]:
    """GET /api/v1/devices/{ups}: one flat map (``?meta=true`` as PeaNUT), 200 when unreachable."""
    meta = _flag(req, "meta")
    data = _peanut_vars(ctx, ctx.state(req.params["ups"]).snapshot())
    if meta:
        name = ctx.state(req.params["ups"]).name
        data["peanut.device_id"] = f"{_server(ctx, req)}/{name}"
        data["peanut.server"] = _server(ctx, req)
    return data


def device_vars(ctx: WebContext, req: ApiRequest) -> dict[str, Any]:
    """GET /api/v1/devices/{ups}/vars (PeaNUT's getDeviceVariablesData, as ``device``)."""
    return _peanut_vars(ctx, ctx.state(req.params["ups"]).snapshot())


def description(ctx: WebContext, req: ApiRequest) -> str:
    """GET /api/v1/devices/{ups}/description: ups.conf desc (upsd: "Unavailable")."""
    return ctx.state(req.params["ups"]).desc or "Unavailable"


def var_value(ctx: WebContext, req: ApiRequest) -> str:
    """GET /api/v1/devices/{ups}/var/{name}: the value as a string."""
    snap, var = _var(ctx, req)
    return snap.served_value(var)


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


def var_range(ctx: WebContext, req: ApiRequest) -> list[str]:
    """GET .../var/{name}/range: PeaNUT's list of strings (``/info`` has the pairs).

    PeaNUT's ``getRange`` (src/server/nut.ts) keeps, of each ``RANGE ups
    var "min" "max"`` line upsd sends, the first quoted word: the minimum.
    """
    _, var = _var(ctx, req)
    return [str(lo) for lo, _hi in var.spec.ranges]


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


def ping(ctx: WebContext, req: ApiRequest) -> str:
    """GET /api/ping: PeaNUT's liveness answer (src/app/api/ping/route.ts)."""
    return "pong"


def version(ctx: WebContext, req: ApiRequest) -> list[str]:
    """GET /api/v1/version: the NUT server's VER, one per server as PeaNUT lists them."""
    return [SERVER_INFO]


def netversion(ctx: WebContext, req: ApiRequest) -> list[str]:
    """GET /api/v1/netversion: the NUT server's NETVER, one per server."""
    return [PROTOCOL_VERSION]


def _server(ctx: WebContext, req: ApiRequest) -> str:
    """Return the NUT server's host:port, PeaNUT's ``peanut.server``.

    A wildcard NUT address names no host a client could use: the host
    this request reached stands in for it.
    """
    host: Any = req.request.getHost()
    if ctx.nut_address is None:
        return f"{getattr(host, 'host', '')}:{getattr(host, 'port', '')}"
    address, port = ctx.nut_address
    if address in ("", "0.0.0.0", "::"):
        address = str(getattr(host, "host", ""))
    return f"{address}:{port}"


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
    Route("GET", path("ping"), ping),
    Route("GET", path("v1/version"), version),
    Route("GET", path("v1/netversion"), netversion),
    Route("GET", path("v1/ups"), ups_list),
    Route("GET", path("v1/ups/{ups}"), ups_one),
)
