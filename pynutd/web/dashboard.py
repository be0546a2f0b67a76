"""The web dashboard: the page at ``/`` and its assets under ``/static/``.

The dashboard is a static single page (``static/index.html``) whose script
reads the JSON API (``api/v1/...``, ``api/telemetry``) every two seconds;
the server side only serves files.  Every asset, the charting library
included (``static/vendor/``, see ``SOURCES.md`` there), comes from pynutd
itself, so the page works on a network without internet access.

Mounting (the site does this): :func:`mount` puts the page at ``b""`` and
the assets at ``b"static"`` of the site's root resource.  The two pieces are
also available alone: :func:`dashboard_resource` (the page; it also answers
``static/...`` below itself, for a root that delegates to it) and
:func:`static_resource`.

Every response carries a strict Content-Security-Policy
(:mod:`pynutd.web.headers`): the page may load scripts, styles and data
only from pynutd, so a value shown on it can never pull anything from
elsewhere.

test-case-name: tests.test_web_dashboard
"""

from __future__ import annotations

from pathlib import Path
from typing import cast

from twisted.web.pages import notFound
from twisted.web.resource import IResource, Resource
from twisted.web.server import Request
from twisted.web.static import File

from pynutd.printable import first_control
from pynutd.web.headers import SECURITY_HEADERS

STATIC_DIR = Path(__file__).with_name("static")
INDEX = "index.html"

HEADERS = (
    *SECURITY_HEADERS,
    # Revalidate every time (Last-Modified makes that a cheap 304), so an
    # upgraded pynutd never runs with yesterday's script.
    (b"Cache-Control", b"no-cache"),
)


def _add_headers(request: Request) -> None:
    for name, value in HEADERS:
        request.setHeader(name, value)  # type: ignore[no-untyped-call]


# .js is served as text/javascript, whatever the host's mime.types says,
# because nosniff makes browsers refuse scripts served as anything else.
CONTENT_TYPES = {
    ".js": "text/javascript; charset=utf-8",
    ".css": "text/css; charset=utf-8",
    ".svg": "image/svg+xml",
    ".html": "text/html; charset=utf-8",
    ".md": "text/plain; charset=utf-8",
    ".LICENSE": "text/plain; charset=utf-8",
}


class StaticFiles(File):
    """The dashboard's assets: plain files, no index pages or listings."""

    childNotFound = notFound("No such file", "No such file.")  # type: ignore[assignment]

    def __init__(self, path: str) -> None:
        super().__init__(path)
        self.contentTypes = dict(File.contentTypes, **CONTENT_TYPES)
        # No index pages: /static/ must not answer with index.html.
        self.indexNames = []

    def getChild(self, path: bytes, request: Request) -> IResource:
        """Return the file ``path`` names, or a 404 for a name no file can have.

        Twisted's File would answer a NUL byte or an invalid UTF-8 name
        (``%c0%ae``, an overlong ``.``) with a 500 and a logged traceback.
        """
        try:
            name = path.decode("utf-8")
        except UnicodeDecodeError:
            return self.childNotFound
        if name in (".", "..") or "/" in name or "\\" in name or first_control(name):
            return self.childNotFound
        return super().getChild(path, request)  # type: ignore[no-untyped-call, no-any-return]

    def directoryListing(self) -> IResource:
        """Refuse to list directories (Twisted's File would)."""
        return notFound("No such file", "No such file.")

    def render_GET(self, request: Request) -> bytes | int:
        """Serve the file with the dashboard's security headers."""
        _add_headers(request)
        return super().render_GET(request)  # type: ignore[no-untyped-call, no-any-return]

    render_HEAD = render_GET

    def createSimilarFile(self, path: str) -> StaticFiles:
        """Children are StaticFiles too, so they keep the headers."""
        return StaticFiles(path)


class DashboardPage(Resource):
    """The dashboard page itself (``GET /``)."""

    def __init__(self, static_dir: Path = STATIC_DIR) -> None:
        super().__init__()  # type: ignore[no-untyped-call]
        self.static_dir = static_dir
        self.static = static_resource(static_dir)
        self.putChild(b"static", self.static)

    def getChild(self, path: bytes, request: Request) -> IResource:
        """Serve the page for ``/`` (and ``/index.html``), else 404."""
        if path in (b"", INDEX.encode()):
            return cast(IResource, self)
        return notFound("No such page", "No such page.")

    def render_GET(self, request: Request) -> bytes:
        """Return index.html, read at each request (it is small)."""
        _add_headers(request)
        request.setHeader(b"Content-Type", b"text/html; charset=utf-8")  # type: ignore[no-untyped-call]
        return (self.static_dir / INDEX).read_bytes()


def static_resource(static_dir: Path = STATIC_DIR) -> IResource:
    """Return the resource serving the dashboard's assets (``/static/``)."""
    # Resource implements IResource through zope, which mypy cannot see.
    return cast(IResource, StaticFiles(str(static_dir)))


def dashboard_resource(static_dir: Path = STATIC_DIR) -> IResource:
    """Return the dashboard page resource (mount it at ``b""``)."""
    return cast(IResource, DashboardPage(static_dir))


def mount(root: Resource, static_dir: Path = STATIC_DIR) -> None:
    """Put the dashboard page at ``/`` and its assets at ``/static/`` of ``root``."""
    page = DashboardPage(static_dir)
    root.putChild(b"", cast(IResource, page))
    root.putChild(b"static", page.static)
