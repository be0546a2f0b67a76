"""The web side: the dashboard, the JSON APIs and /metrics over one WebContext.

:func:`build_web` is what :mod:`pynutd.service` calls: it returns the
context every handler shares (with its live stream) and the site's root
resource.  The service builds the listener, the history, the alerts and the
logging, and hands them in; this package parses no configuration.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from twisted.internet.interfaces import IReactorTime
from twisted.web.server import Site

from pynutd import __version__
from pynutd.config import WebConfig
from pynutd.nut.descriptions import Descriptions
from pynutd.records.alerts import AlertEngine
from pynutd.records.history import HistoryService
from pynutd.ups import UpsRegistry
from pynutd.web.context import WebContext
from pynutd.web.stream import StreamHub


def build_web(web: WebConfig, registry: UpsRegistry, server: Any, descriptions: Descriptions,
              clock: IReactorTime, alerts: AlertEngine | None = None,
              history: HistoryService | None = None,
              parts: Mapping[str, str] | None = None,
              nut_address: tuple[str, int] | None = None) -> tuple[WebContext, Site]:
    """Return the web context and the site (the listener's factory) for ``[web]``.

    ``server`` is the NUT side's ServerContext; ``parts`` is the live state
    of pynutd's optional parts (:class:`pynutd.parts.PartsBoard`), read by
    /api/health and /metrics.  ``nut_address`` is the NUT port's first
    (address, port), PeaNUT's ``peanut.server``.
    """
    from pynutd.web.site import build_site
    ctx = WebContext(registry=registry, server=server, descriptions=descriptions,
                     clock=clock, started=clock.seconds(), alerts=alerts,
                     history=history, version=__version__,
                     allowed_origins=web.allowed_origins, parts=parts or {},
                     nut_address=nut_address)
    ctx.stream = StreamHub(ctx)
    return ctx, build_site(ctx)
