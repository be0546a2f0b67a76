"""The security headers every response of the web port carries.

The dashboard page, its files, the JSON API, ``/metrics``, the event
stream, error pages and the port's own refusals (400, 414, 431) all carry
the same three headers: a Content-Security-Policy that allows scripts,
styles and requests from pynutd only and no framing by any site,
``X-Content-Type-Options: nosniff`` and ``Referrer-Policy: no-referrer``.

test-case-name: tests.test_web_security
"""

from __future__ import annotations

from twisted.web.iweb import IRequest

# 'self' only: no CDN, no inline script or style (uPlot sets styles through
# the CSSOM, which CSP allows), no framing by other sites.
CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")

SECURITY_HEADERS: tuple[tuple[bytes, bytes], ...] = (
    (b"Content-Security-Policy", CONTENT_SECURITY_POLICY.encode()),
    (b"X-Content-Type-Options", b"nosniff"),
    (b"Referrer-Policy", b"no-referrer"),
)


def add_security_headers(request: IRequest) -> None:
    """Set the security headers on ``request``'s response."""
    for name, value in SECURITY_HEADERS:
        request.setHeader(name, value)


def raw_header_lines() -> bytes:
    """Return the security headers as raw ``Name: value\\r\\n`` lines."""
    return b"".join(name + b": " + value + b"\r\n" for name, value in SECURITY_HEADERS)
