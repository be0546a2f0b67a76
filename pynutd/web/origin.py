"""Whether a state-changing request comes from another web site (CSRF).

Once a browser holds an admin's Basic credentials (the login dialog, or an
address like ``http://admin:pw@host:8080/``), it sends them with any
request to pynutd, whichever page asked for it: a form on another site
could otherwise run ``load.off``.  Browsers say where a request comes
from: ``Origin`` (the scheme, host and port of the page; ``null`` for an
opaque one) and ``Sec-Fetch-Site``.  :func:`cross_site` compares them with
the server's own origin, which is the scheme and the ``Host`` header the
request itself carries, and with the origins ``[web] allowed_origins``
admits (a reverse proxy's public address).  A request with neither header
(curl, scripts, PeaNUT's server) is not a browser's and passes.

Pure functions of header values; :mod:`pynutd.web.site` applies them to
every request whose method is not in :data:`SAFE_METHODS`.

test-case-name: tests.test_web_security
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

from pynutd.printable import escape

# Methods that change nothing (RFC 9110 section 9.2.1).
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})

# Sec-Fetch-Site values of a request the page's own origin (or the user,
# typing an address) made.
OWN_FETCH_SITES = frozenset({"same-origin", "none"})

DEFAULT_PORTS = {"http": 80, "https": 443}

Origin = tuple[str, str, int]


def parse_origin(text: str) -> Origin | None:
    """Return ``(scheme, host, port)`` of an origin like ``https://ups.lan:8443``.

    The host is lower-cased and the port filled in from the scheme; None
    for ``null`` or anything that is not a plain http(s) origin.
    """
    try:
        parts = urlsplit(text.strip())
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    if scheme not in DEFAULT_PORTS or not parts.hostname:
        return None
    if parts.path not in ("", "/") or parts.query or parts.fragment or parts.username:
        return None
    return scheme, parts.hostname.lower(), port if port is not None else DEFAULT_PORTS[scheme]


def own_origin(host: str | None, secure: bool) -> Origin | None:
    """Return the origin a request's ``Host`` header names, or None without one."""
    if not host:
        return None
    return parse_origin(("https://" if secure else "http://") + host.strip())


def cross_site(origin: str | None, fetch_site: str | None, host: str | None, secure: bool,
               allowed: Iterable[str] = ()) -> str | None:
    """Return why a request is from another site, or None when it may write.

    ``origin``, ``fetch_site`` and ``host`` are the request's ``Origin``,
    ``Sec-Fetch-Site`` and ``Host`` headers (None when absent); ``secure``
    is whether it came over TLS; ``allowed`` lists extra trusted origins.
    """
    if origin is not None:
        seen = parse_origin(origin)
        if seen is None:
            return f"Origin {escape(origin)} is not a web origin"
        if seen in {parse_origin(a) for a in allowed}:
            # Trusted by configuration: a proxy's public address, which the
            # browser rightly calls another site than pynutd's own.
            return None
        if seen != own_origin(host, secure):
            return f"Origin {escape(origin)} is not this server's origin"
    if fetch_site is not None and fetch_site.strip().lower() not in OWN_FETCH_SITES:
        return f"Sec-Fetch-Site is {escape(fetch_site)}"
    return None
