"""The dashboard's resources: the page, its assets, headers, and no external links."""

from __future__ import annotations

import hashlib
import re

from twisted.trial.unittest import SynchronousTestCase
from twisted.web.resource import Resource
from twisted.web.server import NOT_DONE_YET
from twisted.web.test.requesthelper import DummyRequest

from pynutd.web.dashboard import STATIC_DIR, dashboard_resource, mount, static_resource
from pynutd.web.headers import CONTENT_SECURITY_POLICY


def get(root: Resource, path: str) -> DummyRequest:
    """Resolve ``path`` from ``root`` as twisted.web's Site would and render it."""
    segments = path.lstrip("/").split("/")
    request = DummyRequest([s.encode() for s in segments])
    resource = root
    while request.postpath and not resource.isLeaf:
        segment = request.postpath.pop(0)
        request.prepath.append(segment)
        resource = resource.getChildWithDefault(segment, request)
    result = resource.render(request)
    if result is not NOT_DONE_YET:
        if isinstance(result, bytes):
            request.write(result)
        request.finish()
    return request


def body(request: DummyRequest) -> bytes:
    """Everything written to ``request``."""
    return b"".join(request.written)


def header(request: DummyRequest, name: str) -> str | None:
    """The response header ``name``, decoded, or None."""
    value = request.responseHeaders.getRawHeaders(name)
    return value[0] if value else None


class MountedSiteTests(SynchronousTestCase):
    """The dashboard mounted on a site root, as pynutd's web site does."""

    def setUp(self) -> None:
        self.root = Resource()
        mount(self.root)

    def test_page(self) -> None:
        """``/`` is the HTML page with the strict security headers."""
        request = get(self.root, "/")
        self.assertEqual(request.responseCode or 200, 200)
        self.assertEqual(header(request, "content-type"), "text/html; charset=utf-8")
        self.assertIn(b"<title>pynutd</title>", body(request))
        self.assertEqual(header(request, "content-security-policy"), CONTENT_SECURITY_POLICY)
        self.assertIn("default-src 'self'", header(request, "content-security-policy") or "")
        self.assertEqual(header(request, "x-content-type-options"), "nosniff")

    def test_every_asset_the_page_names_is_served(self) -> None:
        """Each script, style and icon referenced by index.html resolves to its file."""
        page = body(get(self.root, "/")).decode()
        refs = re.findall(r'(?:src|href)="(static/[^"]+)"', page)
        self.assertGreaterEqual(len(refs), 7)
        for ref in refs:
            request = get(self.root, "/" + ref)
            self.assertEqual(request.responseCode or 200, 200, ref)
            self.assertEqual(body(request), (STATIC_DIR / ref[len("static/"):]).read_bytes(), ref)
            self.assertEqual(header(request, "content-security-policy"),
                             CONTENT_SECURITY_POLICY, ref)

    def test_script_content_type(self) -> None:
        """Scripts are text/javascript, which browsers accept under nosniff."""
        request = get(self.root, "/static/dashboard.js")
        self.assertEqual(header(request, "content-type"), "text/javascript; charset=utf-8")
        request = get(self.root, "/static/vendor/uPlot.iife.min.js")
        self.assertEqual(header(request, "content-type"), "text/javascript; charset=utf-8")

    def test_no_directory_listing(self) -> None:
        """A directory under /static/ is a 404, not a listing."""
        for path in ("/static/", "/static/vendor/"):
            request = get(self.root, path)
            self.assertEqual(request.responseCode, 404, path)
            self.assertNotIn(b"Directory listing", body(request))

    def test_unknown_asset(self) -> None:
        """A missing file is a 404."""
        self.assertEqual(get(self.root, "/static/nope.js").responseCode, 404)

    def test_no_escape_from_static(self) -> None:
        """``..`` cannot reach files outside the static directory."""
        request = get(self.root, "/static/../dashboard.py")
        self.assertNotEqual(request.responseCode or 200, 200)


class StandaloneTests(SynchronousTestCase):
    """The two resources on their own."""

    def test_page_serves_its_own_static(self) -> None:
        """dashboard_resource() as a root also answers static/... below itself."""
        page = dashboard_resource()
        self.assertIn(b"<!doctype html>", body(get(page, "/")))
        self.assertIn(b"PynutdFormat", body(get(page, "/static/format.js")))
        self.assertEqual(get(page, "/other").responseCode, 404)

    def test_static_resource(self) -> None:
        """static_resource() serves the asset files by name."""
        self.assertIn(b"uPlot", body(get(static_resource(), "/vendor/uPlot.iife.min.js")))


class OfflineAssetsTests(SynchronousTestCase):
    """The dashboard must work without internet: nothing points elsewhere."""

    def test_no_external_urls(self) -> None:
        """No asset loads anything from another host (no CDN, no web fonts)."""
        allowed = {
            "http://www.w3.org/2000/svg",          # SVG's namespace name, not a fetch
            "https://github.com/leeoniya/uPlot",   # uPlot's licence banner comment
        }
        for path in sorted(STATIC_DIR.rglob("*")):
            if path.suffix not in (".html", ".js", ".css", ".svg"):
                continue
            found = set(re.findall(r"(?:https?:)?//[a-z0-9.-]+\.[a-z]{2,}[^\s\"')]*",
                                   path.read_text()))
            self.assertEqual(found - allowed, set(), str(path.relative_to(STATIC_DIR)))

    def test_vendored_library_is_documented(self) -> None:
        """The vendored charting library comes with its licence and a source note."""
        vendor = STATIC_DIR / "vendor"
        self.assertIn("MIT License", (vendor / "uPlot.LICENSE").read_text())
        sources = (vendor / "SOURCES.md").read_text()
        self.assertIn("uplot", sources)
        self.assertIn("1.6.32", sources)
        # The checksum in SOURCES.md is that of the file actually shipped.
        digest = hashlib.sha256((vendor / "uPlot.iife.min.js").read_bytes()).hexdigest()
        self.assertIn(f"`uPlot.iife.min.js` {digest}", sources)
        self.assertIn("(v1.6.32)", (vendor / "uPlot.iife.min.js").read_text()[:100])
