"""The write side of REST API v1: SET VAR and INSTCMD over HTTP Basic auth.

A user has exactly the rights upsd.users gives on the NUT port
(:mod:`pynutd.nut.auth`); the request then goes through the same write
contract as the NUT port's (:mod:`pynutd.control`: NUT's value rules, the
log line, the event record).  Checks run in this order: credentials
(401), UPS (404), rights (403), availability (503), variable or command
(404), value (400).  A value or command parameter holding a control
character (CR, LF, NUL, ...) is refused here, whatever the NUT side's own
rules say, so it can never reach a driver as a second line.  The device's
answer is awaited for ``write_timeout`` seconds; every write is recorded
with its user for the event log, and logged with the value escaped.
(Cross-site writes never get here: :mod:`pynutd.web.site` refuses them.)
"""

from __future__ import annotations

import json
import logging
from typing import Any
from urllib.parse import parse_qs

from twisted.internet.defer import Deferred

from pynutd.config import User
from pynutd.control import (
    CommandRejected,
    CommandUnknown,
    NoController,
    Requester,
    ValueRefused,
    request_instcmd,
    request_set,
)
from pynutd.nut import auth
from pynutd.printable import escape, first_control
from pynutd.web.context import WebContext
from pynutd.web.http import ApiError, ApiRequest, Route, path

log = logging.getLogger(__name__)

CHALLENGE = {"WWW-Authenticate": 'Basic realm="pynutd"'}


def _challenge(req: ApiRequest) -> dict[str, str]:
    # A script page (X-Requested-With: XMLHttpRequest) gets no challenge, so the
    # browser shows the dashboard's own login form instead of its native dialog.
    if (req.header("x-requested-with") or "").lower() == "xmlhttprequest":
        return {}
    return CHALLENGE


def authenticated(ctx: WebContext, req: ApiRequest) -> User:
    """Return the user of the request's Basic credentials, or raise 401."""
    header = req.header("authorization") or ""
    if not header.lower().startswith("basic "):
        raise ApiError(401, "authentication required", _challenge(req))
    name = req.request.getUser().decode("utf-8", "replace")
    password = req.request.getPassword().decode("utf-8", "replace")
    user = auth.authenticate(ctx.server.users, name, password)
    if user is None:
        raise ApiError(401, "invalid username or password", _challenge(req))
    return user


def body_value(req: ApiRequest, required: bool) -> str | None:
    """Return the value a write carries: raw text, JSON, or a form field."""
    text = req.body.decode("utf-8", "replace")
    kind = (req.header("content-type") or "").split(";")[0].strip().lower()
    if kind == "application/json" and text.strip():
        try:
            data = json.loads(text)
        except ValueError:
            raise ApiError(400, "the body is not valid JSON") from None
        if isinstance(data, dict):
            data = data.get("value")
        if isinstance(data, bool) or not isinstance(data, (str, int, float)):
            if data is None and not required:
                return None
            raise ApiError(400, "the body must be a string, a number or {\"value\": ...}")
        text = str(data)
    elif kind == "application/x-www-form-urlencoded" and "=" in text:
        values = parse_qs(text, keep_blank_values=True).get("value")
        text = values[-1] if values else ""
    # Otherwise the raw text: PeaNUT's POST reads request.text()
    # (src/app/api/v1/devices/[device]/var/[param]/route.ts), and
    # ``curl --data 20`` sends "20" labelled as a form; the site's
    # cross-site check has already run, whatever the body's label.
    if not text and required:
        raise ApiError(400, "the body must carry the value")
    return text if text else None


def refuse_controls(what: str, text: str | None, nut_error: str) -> None:
    """Raise a 400 naming the first control character of ``text`` (``what``: value, parameter)."""
    char = first_control(text or "")
    if char is not None:
        raise ApiError(400, f"{what} contains a control character ({char})",
                       nut_error=nut_error)


def _await(ctx: WebContext, d: Deferred[None], what: str, device: str) -> Deferred[Any]:
    result: Deferred[Any] = Deferred()
    def too_late() -> None:
        if not result.called:
            result.errback(ApiError(504, f"Device {device} did not answer {what} in time"))
    timer = ctx.clock.callLater(ctx.write_timeout, too_late)

    def ok(_: object) -> None:
        if timer.active():
            timer.cancel()
        if not result.called:
            result.callback(None)

    def failed(failure: Any) -> None:
        if timer.active():
            timer.cancel()
        log.warning("[%s] web %s failed: %s", device, escape(what),
                    escape(failure.getErrorMessage()))
        if result.called:
            return
        # As the NUT side's tracking results: unknown to the driver, refused, failed.
        if failure.check(CommandUnknown):
            error = ApiError(404, f"Device {device} does not support {what.split()[-1]}",
                             reason=failure.getErrorMessage())
        elif failure.check(CommandRejected):
            error = ApiError(400, f"Device {device} refused to {what}",
                             reason=failure.getErrorMessage(), nut_error="INVALID-ARGUMENT")
        else:
            error = ApiError(500, f"Failed to {what} on device {device}",
                             reason=failure.getErrorMessage())
        result.errback(error)
    d.addCallbacks(ok, failed)
    return result


def set_var(ctx: WebContext, req: ApiRequest) -> Deferred[Any]:
    """POST /api/v1/devices/{ups}/var/{name}: set a variable."""
    user = authenticated(ctx, req)
    state = ctx.state(req.params["ups"])
    if not auth.may_set(user):
        raise ApiError(403, f"user {user.name} may not set variables (actions = SET)")
    _, snap = ctx.available(state.name)
    var = snap.get(req.params["name"])
    if var is None:
        raise ApiError(404, f"Parameter {req.params['name']} on device {state.name} not found")
    value = body_value(req, required=True) or ""
    refuse_controls("value", value, "INVALID-VALUE")
    who = Requester(user.name, f"web:{req.peer()}")
    try:
        asked = request_set(state, var.name, var.spec, value, who, ctx.clock)
    except ValueRefused as refused:
        raise ApiError(400, f"{var.name} does not accept {value!r}: {refused.code}",
                       nut_error=refused.code) from None
    except NoController:
        raise ApiError(500, f"Failed to set {var.name} on device {state.name}") from None
    d = _await(ctx, asked, f"set {var.name}", state.name)
    d.addCallback(lambda _: f"Variable {var.name} on device {state.name} saved successfully")
    return d


def instcmd(ctx: WebContext, req: ApiRequest) -> Deferred[Any]:
    """POST /api/v1/devices/{ups}/command/{cmd}: run an instant command."""
    user = authenticated(ctx, req)
    state = ctx.state(req.params["ups"])
    _, snap = ctx.available(state.name)
    cmd = next((c for c in snap.commands if c.lower() == req.params["cmd"].lower()), None)
    if cmd is None:
        raise ApiError(404, f"Command {req.params['cmd']} on device {state.name} not found")
    if not auth.may_instcmd(user, cmd):
        raise ApiError(403, f"user {user.name} may not run {cmd} (instcmds)")
    param = body_value(req, required=False)
    refuse_controls("parameter", param, "INVALID-ARGUMENT")
    who = Requester(user.name, f"web:{req.peer()}")
    try:
        asked = request_instcmd(state, cmd, param, who, ctx.clock)
    except (ValueRefused, NoController):
        raise ApiError(500, f"Failed to run {cmd} on device {state.name}") from None
    d = _await(ctx, asked, f"run {cmd}", state.name)
    d.addCallback(lambda _: f"Command {cmd} on device {state.name} run successfully")
    return d


def whoami(ctx: WebContext, req: ApiRequest) -> dict[str, Any]:
    """GET /api/v1/whoami: check credentials (the dashboard's login)."""
    user = authenticated(ctx, req)
    return {"user": user.name, "set": auth.may_set(user), "instcmds": sorted(user.instcmds)}


ROUTES = (
    Route("POST", path("v1/devices/{ups}/var/{name}"), set_var),
    Route("POST", path("v1/devices/{ups}/command/{cmd}"), instcmd),
    Route("GET", path("v1/whoami"), whoami),
)
