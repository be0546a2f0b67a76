"""The twisted.web site: ``/`` dashboard, ``/api`` JSON, ``/metrics``.

:func:`build_site` assembles the resource tree from a
:class:`~pynutd.web.context.WebContext`; the dashboard's pages come from
:mod:`pynutd.web.dashboard`.

The site is also where every request is guarded, in one place for every
resource: each response carries the security headers
(:mod:`pynutd.web.headers`); a request whose method may change something
(anything but GET, HEAD and OPTIONS) and that a browser made for a page of
another origin is refused with 403 before any resource sees it
(:mod:`pynutd.web.origin`); and connections are
:class:`~pynutd.web.channel.GuardedChannel`.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable
from typing import Any, cast

from twisted.web import http
from twisted.web.resource import IResource, Resource
from twisted.web.server import Request, Site

from pynutd.printable import escape
from pynutd.web.api import api_resource
from pynutd.web.channel import GuardedChannel
from pynutd.web.context import WebContext
from pynutd.web.dashboard import mount
from pynutd.web.headers import add_security_headers
from pynutd.web.http import encode
from pynutd.web.metrics import MetricsResource
from pynutd.web.origin import SAFE_METHODS, cross_site

access_log = logging.getLogger("pynutd.web.access")
log = logging.getLogger(__name__)


class GuardedRequest(Request):
    """A request whose response carries the security headers, whatever answers it."""

    def process(self) -> None:
        """Set the security headers, then find and render the resource."""
        add_security_headers(self)
        super().process()  # type: ignore[no-untyped-call]


class CrossSiteRefused(Resource):
    """The answer to a cross-site write: 403 with a JSON error, logged once."""

    isLeaf = True

    def __init__(self, reason: str) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.reason = reason

    def render(self, request: Request) -> bytes:
        """Refuse the request; nothing else of the site sees it."""
        peer = request.getClientAddress()
        log.warning("refused cross-site write: %s %s from %s (%s)",
                    escape(request.method.decode("latin-1")),
                    escape(request.uri.decode("latin-1")),
                    getattr(peer, "host", peer), self.reason)
        data = encode({"error": f"cross-site request refused: {self.reason}"})
        request.setResponseCode(403)
        request.setHeader(b"content-type", b"application/json")
        request.setHeader(b"content-length", str(len(data)).encode())
        return b"" if request.method == b"HEAD" else data


class QuietSite(Site):
    """A Site whose access log goes to Python logging at DEBUG.

    The dashboard polls every few seconds; an INFO line per request would
    drown the telemetry lines.  Tracebacks are never shown to clients.
    ``allowed_origins`` are origins besides the server's own whose pages
    may write (``[web] allowed_origins``).
    """

    displayTracebacks = False
    protocol = GuardedChannel  # type: ignore[assignment]
    requestFactory = GuardedRequest

    def __init__(self, resource: IResource, allowed_origins: Iterable[str] = (),
                 **kwargs: Any) -> None:
        # Form bodies are parsed by the write handlers themselves, from at
        # most 64 KiB; Twisted's parser would hold a whole multipart upload.
        kwargs.setdefault("parsePOSTFormSubmission", False)
        super().__init__(resource, **kwargs)  # type: ignore[no-untyped-call]
        self.allowed_origins = tuple(allowed_origins)

    def getResourceFor(self, request: Request) -> IResource:
        """Return the resource for ``request``, or a refusal for a cross-site write."""
        if request.method.decode("latin-1").upper() not in SAFE_METHODS:
            reason = cross_site(_header(request, b"origin"), _header(request, b"sec-fetch-site"),
                                _header(request, b"host"), request.isSecure(),
                                self.allowed_origins)
            if reason is not None:
                request.site = self
                return cast(IResource, CrossSiteRefused(reason))
        return cast(IResource, super().getResourceFor(request))  # type: ignore[no-untyped-call]

    def log(self, request: http.Request) -> None:
        if access_log.isEnabledFor(logging.DEBUG):
            formatter: Any = self._logFormatter
            access_log.debug("%s", formatter(self._logDateTime, request))


def _header(request: Request, name: bytes) -> str | None:
    value = request.getHeader(name)
    return None if value is None else value.decode("latin-1")


def build_root(ctx: WebContext) -> Resource:
    """Return the root resource of the web site."""
    root = Resource()  # type: ignore[no-untyped-call]
    mount(root)
    root.putChild(b"api", cast(IResource, api_resource(ctx)))
    metrics = cast(IResource, MetricsResource(ctx))
    root.putChild(b"metrics", metrics)
    root.putChild(b"ups_metrics", metrics)   # nut_exporter's path
    return root


def build_site(ctx: WebContext) -> Site:
    """Return the twisted.web Site serving ``ctx``.

    Its timers (idle and stall timeouts) run on ``ctx.clock``, the reactor
    in the server and a Clock in tests.
    """
    return QuietSite(cast(IResource, build_root(ctx)), ctx.allowed_origins, reactor=ctx.clock)
