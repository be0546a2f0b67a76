"""A small JSON router for twisted.web: routes as data, errors in one place.

:class:`Router` is one leaf resource mounted at ``/api``.  It matches the
rest of the path against a table of :class:`Route` rows (``{name}``
segments capture one path segment), calls the handler with an
:class:`ApiRequest`, and turns the result into a JSON response.  Handlers
raise :class:`ApiError`; an unexpected exception is logged and answered
with a generic 500, never a traceback.  Handlers may return a Deferred.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from twisted.internet.defer import maybeDeferred
from twisted.python.failure import Failure
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET, Request

from pynutd.printable import escape

log = logging.getLogger(__name__)

MAX_BODY = 64 * 1024


class ApiError(Exception):
    """An HTTP error with a JSON body ``{"error": message, **extra}``."""

    def __init__(self, status: int, message: str, headers: Mapping[str, str] | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.headers = dict(headers or {})
        self.extra = extra


@dataclass(frozen=True, slots=True)
class Reply:
    """A handler result with a status, headers or a non-default encoding."""

    body: Any
    status: int = 200
    headers: Mapping[str, str] = field(default_factory=dict)
    indent: int | None = None


class Streaming:
    """Returned by a handler that writes and finishes the request itself."""


STREAMING = Streaming()


@dataclass(frozen=True, slots=True)
class ApiRequest:
    """What a handler sees of one request."""

    method: str
    params: Mapping[str, str]
    query: Mapping[str, list[str]]
    body: bytes
    request: Request

    def arg(self, name: str, default: str | None = None) -> str | None:
        """Return the last value of query parameter ``name``."""
        values = self.query.get(name)
        return values[-1] if values else default

    def args(self, name: str) -> list[str]:
        """Return every value of ``name``, comma-separated lists split."""
        return [v for raw in self.query.get(name, []) for v in raw.split(",") if v]

    def header(self, name: str) -> str | None:
        """Return a request header as text."""
        value = self.request.getHeader(name)
        return value.decode("latin-1") if isinstance(value, bytes) else value

    def peer(self) -> str:
        """Return the client's address."""
        host = self.request.getClientAddress()
        return str(getattr(host, "host", host))


Handler = Callable[[Any, ApiRequest], Any]


@dataclass(frozen=True, slots=True)
class Route:
    """One row of the routing table: method, path pattern, handler."""

    method: str
    pattern: tuple[str, ...]
    handler: Handler

    def match(self, segments: Sequence[str]) -> dict[str, str] | None:
        """Return the captured segments when ``segments`` fit the pattern."""
        if len(segments) != len(self.pattern):
            return None
        params: dict[str, str] = {}
        for want, got in zip(self.pattern, segments, strict=True):
            if want.startswith("{"):
                if not got:
                    return None
                params[want[1:-1]] = got
            elif want != got:
                return None
        return params


def path(text: str) -> tuple[str, ...]:
    """Split ``"v1/devices/{ups}"`` into a pattern."""
    return tuple(text.strip("/").split("/"))


def encode(body: Any, indent: int | None = None) -> bytes:
    """Return ``body`` as UTF-8 JSON."""
    return json.dumps(body, ensure_ascii=False, indent=indent).encode("utf-8")


class Router(Resource):
    """Dispatches every request under its mount point through ``routes``."""

    isLeaf = True

    def __init__(self, context: Any, routes: Sequence[Route]) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.context = context
        self.routes = tuple(routes)

    def render(self, request: Request) -> bytes | int:
        method = request.method.decode("ascii", "replace").upper()
        try:
            segments = [s.decode("utf-8") for s in request.postpath or []]
            if segments and segments[-1] == "":
                segments.pop()  # a trailing slash means the same resource
            route, params = self._find(method, segments)
            api_request = ApiRequest(method, params, _query(request), _body(request), request)
        except ApiError as exc:
            return self._error(request, exc)
        except UnicodeDecodeError:
            return self._error(request, ApiError(400, "the path is not UTF-8"))
        finished: list[bool] = []
        request.notifyFinish().addBoth(lambda _: finished.append(True))
        d = maybeDeferred(route.handler, self.context, api_request)
        d.addCallback(self._write, request, method, finished)
        d.addErrback(self._fail, request, finished)
        return NOT_DONE_YET

    def _find(self, method: str, segments: list[str]) -> tuple[Route, dict[str, str]]:
        allowed = []
        for route in self.routes:
            params = route.match(segments)
            if params is None:
                continue
            if route.method == method or (method == "HEAD" and route.method == "GET"):
                return route, params
            allowed.append(route.method)
        if allowed:
            raise ApiError(405, f"method {method} not allowed here",
                           {"Allow": ", ".join(sorted(set(allowed)))})
        raise ApiError(404, "no such resource")

    def _write(self, result: Any, request: Request, method: str, finished: list[bool]) -> None:
        if isinstance(result, Streaming) or finished:
            return
        reply = result if isinstance(result, Reply) else Reply(result)
        request.setResponseCode(reply.status)
        request.setHeader(b"content-type", b"application/json")
        for name, value in reply.headers.items():
            request.setHeader(name.encode(), value.encode())
        data = encode(reply.body, reply.indent)
        request.setHeader(b"content-length", str(len(data)).encode())
        if method != "HEAD":
            request.write(data)
        request.finish()

    def _fail(self, failure: Failure, request: Request, finished: list[bool]) -> None:
        if finished:
            return
        if isinstance(failure.value, ApiError):
            exc = failure.value
        else:
            log.error("web request %s failed: %s", escape(request.uri.decode("latin-1")),
                      failure.getTraceback())
            exc = ApiError(500, "internal error")
        request.write(self._error(request, exc))
        request.finish()

    @staticmethod
    def _error(request: Request, exc: ApiError) -> bytes:
        request.setResponseCode(exc.status)
        request.setHeader(b"content-type", b"application/json")
        for name, value in exc.headers.items():
            request.setHeader(name.encode(), value.encode())
        data = encode({"error": exc.message, **exc.extra})
        request.setHeader(b"content-length", str(len(data)).encode())
        return b"" if request.method == b"HEAD" else data


def _query(request: Request) -> dict[str, list[str]]:
    raw = request.uri.split(b"?", 1)[1] if b"?" in request.uri else b""
    try:
        return parse_qs(raw.decode("utf-8"), keep_blank_values=True, errors="strict")
    except UnicodeDecodeError:
        raise ApiError(400, "the query string is not UTF-8") from None


def _body(request: Request) -> bytes:
    if request.content is None:
        return b""
    request.content.seek(0)
    data: bytes = request.content.read(MAX_BODY + 1)
    if len(data) > MAX_BODY:
        raise ApiError(413, "request body too large")
    return data

