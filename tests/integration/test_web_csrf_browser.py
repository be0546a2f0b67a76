"""Cross-site request forgery, tried in the real browser: Debian's headless Chromium.

pynutd runs with a dummy-ups UPS on 127.0.0.1; an "attacker" page is
served from another loopback origin (127.0.0.2, another port).  The
browser first caches the admin's Basic credentials, as a user who once
opened ``http://admin:pw@host:port/...`` would; then the attacker's pages
try every write route by urlencoded form, text/plain form and no-cors
fetch.  Nothing may change: the UPS's value on the NUT port, the event
log and the driver's log stay as they were, and each attempt is logged
once as refused.  The dashboard's own writes, same-origin, still work.

Chromium is started as in tests/integration/test_dashboard_browser.py.
"""

from __future__ import annotations

import json
import threading
import urllib.request
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from tests.integration.harness import Pynutd, chat
from tests.integration.test_dashboard_browser import browser, wait_for  # noqa: F401

DEV = """\
battery.charge: 100
device.mfr: pynutd
device.model: CSRF Test
ups.load: 20
ups.status: OL
"""
USERS = "[admin]\n password = admin\n actions = SET\n instcmds = ALL\n"

# (route, path below the device, body fields of the forms)
ROUTES = [("setvar", "var/ups.load", {"value": "77"}),
          ("instcmd", "command/load.off", {})]
KINDS = ["form-urlencoded", "form-text", "fetch-no-cors"]


def attack_page(kind: str, target: str, fields: dict[str, str]) -> str:
    """The attacker's page: submit ``fields`` to ``target`` the ``kind`` way, at once."""
    if kind == "fetch-no-cors":
        body = "&".join(f"{k}={v}" for k, v in fields.items()) or "77"
        return f"""<!doctype html><title>attack</title><script>
fetch({json.dumps(target)}, {{method: "POST", mode: "no-cors", credentials: "include",
  headers: {{"Content-Type": "text/plain"}}, body: {json.dumps(body)}}})
  .finally(() => {{ document.title = "sent"; }});
</script>"""
    enctype = "text/plain" if kind == "form-text" else "application/x-www-form-urlencoded"
    inputs = "".join(f'<input name="{k}" value="{v}">' for k, v in fields.items())
    return f"""<!doctype html><title>attack</title>
<form id="f" method="post" action="{target}" enctype="{enctype}">{inputs}</form>
<script>document.getElementById("f").submit();</script>"""


@pytest.fixture
def attacker() -> Iterator[tuple[str, dict[str, str]]]:
    """A web server on 127.0.0.2 serving the pages put in its dict, by path."""
    pages: dict[str, str] = {}

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            page = pages.get(self.path)
            data = (page or "not found").encode()
            self.send_response(200 if page else 404)
            self.send_header("Content-Type", "text/html; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: Any) -> None:
            pass

    httpd = ThreadingHTTPServer(("127.0.0.2", 0), Handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.2:{httpd.server_address[1]}", pages
    finally:
        httpd.shutdown()
        httpd.server_close()


def nut_load(server: Pynutd) -> str:
    """ups.load as the NUT port serves it."""
    return chat(server.port, ["GET VAR ups ups.load"]).strip()


def write_events(server: Pynutd) -> list[dict[str, Any]]:
    """The event log's commands and settings."""
    url = f"http://127.0.0.1:{server.web_port}/api/v1/events"
    with urllib.request.urlopen(url, timeout=10) as resp:
        events: list[dict[str, Any]] = json.loads(resp.read())
    return [e for e in events if e["kind"] in ("setvar", "instcmd")]


def test_other_sites_cannot_write_through_the_browser(tmp_path: Path, browser: Any,  # noqa: F811
                                                      attacker: tuple[str, dict[str, str]]) -> None:
    """Forms and no-cors fetches from another origin change nothing; the dashboard's writes work."""
    (tmp_path / "ups.conf").write_text("[ups]\n driver = dummy-ups\n port = ups.dev\n")
    (tmp_path / "ups.dev").write_text(DEV)
    (tmp_path / "upsd.users").write_text(USERS)
    base, pages = attacker
    with Pynutd(tmp_path, web=True, wait_for_ups="ups") as server:
        own = f"http://127.0.0.1:{server.web_port}"
        assert nut_load(server) == 'VAR ups ups.load "20"'

        # The admin once opened an address with credentials: the browser keeps them.
        browser.get(f"http://admin:admin@127.0.0.1:{server.web_port}/api/v1/whoami")
        assert '"user": "admin"' in browser.find_element("tag name", "body").text
        browser.get(f"{own}/api/v1/whoami")      # sent again without asking
        assert '"user": "admin"' in browser.find_element("tag name", "body").text

        attempts = 0
        for route, below, fields in ROUTES:
            target = f"{own}/api/v1/devices/ups/{below}"
            for kind in KINDS:
                pages[f"/{route}/{kind}"] = attack_page(kind, target, fields)
                browser.get(f"{base}/{route}/{kind}")
                if kind == "fetch-no-cors":
                    wait_for(browser, f"{route} by {kind}", lambda: browser.title == "sent")
                else:   # the form navigated to pynutd's answer
                    wait_for(browser, f"{route} by {kind}",
                             lambda: browser.current_url.startswith(own))
                attempts += 1
                server.wait_until(lambda n=attempts: server.log().count(
                    "refused cross-site write") >= n, 5)

        log = server.log()
        assert log.count("refused cross-site write") == attempts == 6
        assert "Set variable:" not in log and "Instant command:" not in log
        assert nut_load(server) == 'VAR ups ups.load "20"'
        assert write_events(server) == []

        # The dashboard itself, same-origin, with the login the page asks for.
        browser.get(f"{own}/")
        answer = browser.execute_async_script("""
            const done = arguments[arguments.length - 1];
            PynutdApi.login("admin", "admin")
              .then(() => PynutdApi.setVar("ups", "ups.load", "55"))
              .then((text) => done(text), (err) => done("error: " + err.message));""")
        assert answer == "Variable ups.load on device ups saved successfully"
        server.wait_until(lambda: nut_load(server) == 'VAR ups ups.load "55"', 10)
        events = write_events(server)
        assert [(e["kind"], e["user"]) for e in events] == [("setvar", "admin")]
