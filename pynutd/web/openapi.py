"""The OpenAPI 3.0 description of pynutd's web API, served at /api/openapi.json.

Built from small tables so that each route is one line; the test suite
validates the document (openapi-spec-validator) and runs schemathesis
against a live pynutd with it.
"""

from __future__ import annotations

from typing import Any

from pynutd.records.db import EntryKind

JSON = "application/json"
STR = {"type": "string"}
NUM = {"type": "number"}
INT = {"type": "integer"}
VALUE = {"oneOf": [STR, NUM]}


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _arr(item: dict[str, Any]) -> dict[str, Any]:
    return {"type": "array", "items": item}


def _obj(props: dict[str, Any], required: bool = True, nullable: tuple[str, ...] = (),
         optional: dict[str, Any] | None = None) -> dict[str, Any]:
    # ``props`` are required (unless ``required`` is false); ``optional`` ones never.
    schema: dict[str, Any] = {"type": "object", "properties": {
        k: dict(v, nullable=True) if k in nullable else v
        for k, v in {**props, **(optional or {})}.items()}}
    if required:
        schema["required"] = list(props)
    return schema


SCHEMAS: dict[str, Any] = {
    "Error": {"type": "object", "required": ["error"], "properties": {
        "error": STR, "nut_error": STR, "reason": STR}},
    "FlatVars": {"type": "object", "additionalProperties": VALUE,
                 "example": {"battery.charge": 100, "ups.status": "OL"}},
    "Telemetry": _obj({
        "input_voltage": NUM, "output_voltage": NUM, "battery_voltage": NUM,
        "battery_level": INT, "load_percent": INT, "load_power": INT, "frequency": NUM,
        "input_frequency": NUM, "temperature": NUM,
        "timestamp": {"type": "string", "pattern": r"^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d$"},
        "status": {"type": "string", "enum": ["online", "battery", "unknown"]},
        "uptime": {"type": "string", "pattern": r"^\d{2,}:\d\d:\d\d$"},
        # mustmon.py's later fields (issue 13.5); 0.0 where the UPS gives no data.
        "battery_soc_percent": NUM, "battery_current_a": NUM,
        "battery_time_remaining_hours": NUM, "battery_time_remaining_minutes": NUM,
        "alarms": _arr(STR),
        "recent_warnings": _arr(_obj({"timestamp": STR, "message": STR}))}),
    # ``parts`` only when pynutd has optional parts (pynutd.parts): each one's
    # state, "ok" or "off: <why>".
    "Health": _obj({"status": {"type": "string", "enum": ["running"]},
                    "uptime": STR, "timestamp": STR},
                   optional={"parts": {
                       "type": "object",
                       "additionalProperties": {"type": "string", "pattern": "^(ok|off: .+)$"},
                       "example": {"history": "off: cannot open the history database "
                                              "/var/lib/pynutd/history.sqlite: file is not "
                                              "a database", "web": "ok"}}}),
    "Alert": _obj({"rule": STR, "message": STR, "var": STR, "value": NUM, "threshold": NUM,
                   "since": NUM}),
    "Summary": _obj({
        "name": STR, "desc": STR, "driver": STR,
        "availability": {"type": "string", "enum": ["OK", "DATA-STALE", "DRIVER-NOT-CONNECTED"]},
        "last_update": NUM, "age": NUM, "status": STR, "status_tokens": _arr(STR),
        "alerts": _arr(_ref("Alert")), "alarms": _arr(STR), "vars": _ref("FlatVars"),
        "commands": _arr(STR), "rw": _arr(STR)}, nullable=("desc", "last_update", "age")),
    "VarInfo": _obj({"name": STR, "value": STR, "description": STR, "type": STR,
                     "rw": {"type": "boolean"}, "string_len": INT, "enum": _arr(STR),
                     "range": _arr({"type": "array", "items": INT, "minItems": 2,
                                    "maxItems": 2})}),
    "Command": _obj({"name": STR, "description": STR}),
    "Event": _obj({"id": INT, "ups": STR, "time": NUM, "iso": STR, "kind": STR, "message": STR,
                   "user": STR, "detail": {"type": "object"}}, nullable=("id", "user")),
    "History": _obj({"ups": STR, "since": NUM, "until": NUM, "step": NUM,
                     "series": {"type": "object", "additionalProperties": _arr(_arr(NUM))}}),
    "Whoami": _obj({"user": STR, "set": {"type": "boolean"}, "instcmds": _arr(STR)}),
}


def _param(name: str, where: str = "path", schema: dict[str, Any] = STR,
           text: str = "", example: Any = None) -> dict[str, Any]:
    param: dict[str, Any] = {"name": name, "in": where, "required": where == "path",
                             "schema": schema, "description": text or name}
    if example is not None:
        param["example"] = example
    return param


UPS = _param("ups", text="UPS name from ups.conf (any case)", example="dummy")
NAME = _param("name", text="NUT variable name", example="battery.charge")
CMD = _param("cmd", text="instant command name", example="load.off")
BOOL = {"type": "string", "enum": ["true", "false", "1", "0"]}
# since/until: what history_api.parse_time reads.
TIME = {"type": "string", "pattern": (
    r"^(now|-[0-9]{1,9}(\.[0-9]{1,3})?[smhdw]?|[0-9]{1,11}(\.[0-9]{1,6})?|"
    r"[0-9]{4}-(0[1-9]|1[0-2])-(0[1-9]|1[0-9]|2[0-8])"
    r"(T([01][0-9]|2[0-3]):[0-5][0-9](:[0-5][0-9])?)?)$")}
META = _param("meta", "query", BOOL, "add peanut.device_id and peanut.server")
DETAIL = _param("detail", "query", BOOL, "objects instead of names")
SINCE = _param("since", "query", TIME, "Unix seconds, ISO 8601, or relative like -6h", "-1h")
UNTIL = _param("until", "query", TIME, "Unix seconds, ISO 8601, relative, or now", "now")
VARQ = _param("var", "query", STR, "variables (repeatable or comma-separated)", "ups.load")
POINTS = _param("points", "query", {"type": "integer", "minimum": 10, "maximum": 5000},
                "most points per series")
LIMIT = _param("limit", "query", {"type": "integer", "minimum": 1, "maximum": 10000},
               "most events")
KIND = _param("kind", "query", {"type": "string", "enum": [str(k) for k in EntryKind]},
              "event kind")
UPSQ = _param("ups", "query", STR, "UPS name (default: the first)")

# path -> (method, summary, parameters, 200 schema, error statuses, tag)
READS: tuple[tuple[str, str, list[Any], Any, tuple[int, ...], str], ...] = (
    ("/api/telemetry", "The MUST EP20 monitor's (mustmon.py) telemetry JSON", [UPSQ],
     _ref("Telemetry"), (404,), "mustmon"),
    ("/api/health", "Liveness", [], _ref("Health"), (), "mustmon"),
    ("/api/v1/devices", "Every UPS as a flat map of NUT variables", [META],
     _arr(_ref("FlatVars")), (400,), "Devices"),
    ("/api/v1/devices/{ups}", "One UPS as a flat map ('Device Unreachable' when unavailable)",
     [UPS, META], _ref("FlatVars"), (400, 404), "Devices"),
    ("/api/v1/devices/{ups}/vars", "One UPS's variables ('Device Unreachable' when unavailable)",
     [UPS], _ref("FlatVars"), (404,), "Vars"),
    ("/api/v1/devices/{ups}/description", "ups.conf desc", [UPS], STR, (404,), "Devices"),
    ("/api/v1/devices/{ups}/var/{name}", "A variable's value", [UPS, NAME], STR,
     (404, 503), "Vars"),
    ("/api/v1/devices/{ups}/var/{name}/description", "NUT's description", [UPS, NAME], STR,
     (404, 503), "Vars"),
    ("/api/v1/devices/{ups}/var/{name}/type", "NUT's type words", [UPS, NAME], STR,
     (404, 503), "Vars"),
    ("/api/v1/devices/{ups}/var/{name}/enum", "Allowed values", [UPS, NAME], _arr(STR),
     (404, 503), "Vars"),
    ("/api/v1/devices/{ups}/var/{name}/range", "Allowed ranges' minima, as PeaNUT (info: pairs)",
     [UPS, NAME], _arr(STR), (404, 503), "Vars"),
    ("/api/v1/devices/{ups}/var/{name}/info", "Everything about a variable", [UPS, NAME],
     _ref("VarInfo"), (404, 503), "Vars"),
    ("/api/v1/devices/{ups}/commands", "Instant commands", [UPS, DETAIL],
     _arr({"oneOf": [STR, _ref("Command")]}), (400, 404, 503), "Commands"),
    ("/api/v1/devices/{ups}/command/{cmd}/description", "A command's description", [UPS, CMD],
     STR, (404, 503), "Commands"),
    ("/api/v1/devices/{ups}/rwvars", "Writable variables", [UPS, DETAIL],
     _arr({"oneOf": [STR, _ref("VarInfo")]}), (400, 404, 503), "Vars"),
    ("/api/v1/devices/{ups}/clients", "NUT clients LOGINed to the UPS", [UPS], _arr(STR),
     (404,), "Devices"),
    ("/api/v1/devices/{ups}/history", "Time series from the history database",
     [UPS, VARQ, SINCE, UNTIL, POINTS], _ref("History"), (400, 404, 503), "History"),
    ("/api/v1/devices/{ups}/events", "One UPS's event log, newest first",
     [UPS, SINCE, UNTIL, LIMIT, KIND], _arr(_ref("Event")), (400, 404, 503), "History"),
    ("/api/v1/events", "Every UPS's event log, newest first", [SINCE, UNTIL, LIMIT, KIND],
     _arr(_ref("Event")), (400, 503), "History"),
    ("/api/ping", "PeaNUT's liveness check: \"pong\"", [], STR, (), "PeaNUT"),
    ("/api/v1/version", "The NUT server's VER, one per server", [], _arr(STR), (), "PeaNUT"),
    ("/api/v1/netversion", "The NUT server's NETVER, one per server", [], _arr(STR), (),
     "PeaNUT"),
    ("/api/v1/ups", "Every UPS's summary (the dashboard's view)", [], _arr(_ref("Summary")),
     (), "pynutd"),
    ("/api/v1/ups/{ups}", "One UPS's summary", [UPS], _ref("Summary"), (404,), "pynutd"),
    ("/api/v1/whoami", "Check HTTP Basic credentials", [], _ref("Whoami"), (401,), "pynutd"),
    ("/api/openapi.json", "This document", [], {"type": "object"}, (), "pynutd"),
)

ERRORS = {400: "Bad request or value", 401: "Missing or wrong credentials",
          403: "Not allowed for this user, or a write from another web site's page",
          404: "Unknown UPS, variable or command",
          500: "The device refused", 503: "Data stale or driver not connected",
          504: "The device did not answer in time"}
WRITE_ERRORS = (400, 401, 403, 404, 500, 503, 504)
# A value or command parameter: no control characters (CR, LF, NUL, C1...),
# which a write refuses with 400 (pynutd.web.writes).
NO_CONTROLS = r"^[^\u0000-\u001f\u007f-\u009f\u2028\u2029]*$"
TEXT = {"type": "string", "minLength": 1, "pattern": NO_CONTROLS}
WRITE_BODY: dict[str, Any] = {"required": False, "content": {
    "text/plain": {"schema": {"type": "string", "pattern": NO_CONTROLS}, "example": "30"},
    JSON: {"schema": {"oneOf": [TEXT, NUM, _obj({"value": {"oneOf": [TEXT, NUM]}})]}},
    "application/x-www-form-urlencoded": {"schema": _obj({"value": TEXT})}}}


def _responses(ok: Any, errors: tuple[int, ...], text: str = "Success") -> dict[str, Any]:
    out: dict[str, Any] = {"200": {"description": text, "content": {JSON: {"schema": ok}}}}
    for status in errors:
        out[str(status)] = {"description": ERRORS[status],
                            "content": {JSON: {"schema": _ref("Error")}}}
    return out


def document(version: str = "") -> dict[str, Any]:
    """Return the OpenAPI document as a dict."""
    paths: dict[str, Any] = {}
    for route, summary, params, ok, errors, tag in READS:
        paths.setdefault(route, {})["get"] = {
            "summary": summary, "tags": [tag], "parameters": params,
            "responses": _responses(ok, errors)}
    paths["/api/v1/whoami"]["get"]["security"] = [{"basic": []}]
    content: dict[str, Any] = WRITE_BODY["content"]
    set_body = {"required": True, "content": dict(content, **{
        "text/plain": {"schema": TEXT, "example": "30"}})}
    paths["/api/v1/devices/{ups}/var/{name}"]["post"] = {
        "summary": "Set a variable (NUT SET VAR; needs actions = SET)", "tags": ["Vars"],
        "parameters": [UPS, NAME], "requestBody": set_body,
        "security": [{"basic": []}], "responses": _responses(STR, WRITE_ERRORS)}
    paths["/api/v1/devices/{ups}/command/{cmd}"] = {"post": {
        "summary": "Run an instant command (NUT INSTCMD; needs it in instcmds)",
        "tags": ["Commands"], "parameters": [UPS, CMD], "requestBody": WRITE_BODY,
        "security": [{"basic": []}], "responses": _responses(STR, WRITE_ERRORS)}}
    paths["/api/v1/stream"] = {"get": {
        "summary": "Live updates (Server-Sent Events: 'ups' and 'event' messages)",
        "tags": ["pynutd"], "responses": {"200": {"description": "An event stream",
                                                  "content": {"text/event-stream": {
                                                      "schema": STR}}}}}}
    metrics = {"get": {
        "summary": "Prometheus exposition (nut_exporter names and query parameters)",
        "tags": ["Metrics"],
        "parameters": [_param("ups", "query", STR, "Only this UPS (default: every UPS)"),
                       _param("variables", "query", STR,
                              "Comma list of NUT variables to export (default: every one)"),
                       _param("statuses", "query", STR,
                              "Comma list of ups.status flags always exported, 0 when unset")],
        "responses": {
            "200": {"description": "Metrics", "content": {"text/plain": {"schema": STR}}},
            "404": {"description": "Unknown UPS", "content": {"text/plain": {"schema": STR}}}}}}
    paths["/metrics"] = metrics
    paths["/ups_metrics"] = metrics   # nut_exporter's path
    return {
        "openapi": "3.0.3",
        "info": {"title": "pynutd web API", "version": version or "1",
                 "description": "NUT-compatible UPS server: the MUST EP20 monitor's "
                                "(mustmon.py) JSON, a PeaNUT-shaped REST API v1, history, "
                                "events and metrics. See docs/web-api.md."},
        "paths": paths,
        "components": {"schemas": SCHEMAS,
                       "securitySchemes": {"basic": {"type": "http", "scheme": "basic"}}},
    }
