"""The twisted.web site: ``/`` dashboard, ``/api`` JSON, ``/metrics``.

:func:`build_site` assembles the resource tree from a
:class:`~pynutd.web.context.WebContext`.  The dashboard is mounted from
:mod:`pynutd.web.dashboard` when that module is present; until then a
one-line page says so.
"""

from __future__ import annotations

import logging
from typing import Any, cast

from twisted.web.resource import IResource, Resource
from twisted.web.server import Site

from pynutd.web.api import api_resource
from pynutd.web.context import WebContext
from pynutd.web.metrics import MetricsResource

access_log = logging.getLogger("pynutd.web.access")


class _Placeholder(Resource):
    isLeaf = True

    def render_GET(self, request: Any) -> bytes:
        request.setHeader(b"content-type", b"text/html; charset=utf-8")
        return (b"<!doctype html><title>pynutd</title><p>The dashboard is not installed. "
                b"See <a href='/api/v1/ups'>/api/v1/ups</a> and "
                b"<a href='/metrics'>/metrics</a>.</p>")


class QuietSite(Site):
    """A Site whose access log goes to Python logging at DEBUG.

    The dashboard polls every few seconds; an INFO line per request would
    drown the telemetry lines.  Tracebacks are never shown to clients.
    """

    displayTracebacks = False

    def log(self, request: Any) -> None:
        if access_log.isEnabledFor(logging.DEBUG):
            formatter: Any = self._logFormatter
            access_log.debug("%s", formatter(self._logDateTime, request))


def build_root(ctx: WebContext) -> Resource:
    """Return the root resource of the web site."""
    root = Resource()  # type: ignore[no-untyped-call]
    try:
        from pynutd.web.dashboard import mount
    except ImportError:
        root.putChild(b"", cast(IResource, _Placeholder()))  # type: ignore[no-untyped-call]
    else:
        mount(root)
    root.putChild(b"api", cast(IResource, api_resource(ctx)))
    metrics = cast(IResource, MetricsResource(ctx))
    root.putChild(b"metrics", metrics)
    root.putChild(b"ups_metrics", metrics)   # nut_exporter's path
    return root


def build_site(ctx: WebContext) -> Site:
    """Return the twisted.web Site serving ``ctx``."""
    return QuietSite(cast(IResource, build_root(ctx)))  # type: ignore[no-untyped-call]
