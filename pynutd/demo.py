"""``pynutd --demo``: a throw-away configuration serving simulated UPSes.

Each provider in :data:`DEMO_PROVIDERS` may start a simulator on the reactor
and returns the ups.conf sections that point real drivers at it, so the demo
exercises the same code paths as real hardware.  Providers are loaded by
small functions that import them only when the demo runs.
"""

from __future__ import annotations

import logging
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# provider(reactor, workdir) -> the ups.conf sections of the devices it started.
Provider = Callable[[Any, "DemoWorkdir"], list[str]]


def _dummy() -> Provider:
    from pynutd.drivers.dummy import demo_sections
    return demo_sections


def _must_ep20() -> Provider:
    from pynutd.sim.must_ep20 import demo_sections
    return demo_sections


def _hid_virtual() -> Provider:
    from pynutd.sim.hid_virtual import demo_sections
    return demo_sections


DEMO_PROVIDERS: tuple[Callable[[], Provider], ...] = (_dummy, _must_ep20, _hid_virtual)

UPSD_USERS = """\
# Demo accounts.  monuser/secret is what Synology DSM insists on.
[monuser]
    password = secret
    upsmon primary

[admin]
    password = admin
    actions = SET FSD
    instcmds = ALL
"""


class DemoWorkdir:
    """The demo's temporary configuration directory and its clean-up."""

    def __init__(self, path: Path, port: int, web_port: int, names: list[str]) -> None:
        self.path = path
        self.port = port
        self.web_port = web_port
        self.names = names
        self.cleanups: list[Callable[[], None]] = []

    def announce(self) -> None:
        """Tell the user how to reach the demo."""
        host = "127.0.0.1" if self.port == 3493 else f"127.0.0.1:{self.port}"
        lines = ["pynutd demo is running. Try:"]
        lines += [f"    upsc {name}@{host}" for name in self.names]
        lines += [f"    upscmd -l {self.names[0]}@{host}",
                  f"    dashboard: http://127.0.0.1:{self.web_port}/  (user admin, password admin)",
                  f"    configuration used: {self.path}",
                  "Stop with Ctrl-C."]
        print("\n".join(lines), flush=True)

    def cleanup(self) -> None:
        """Stop simulators and remove the directory."""
        for func in self.cleanups:
            try:
                func()
            except Exception:
                log.exception("demo clean-up failed")
        shutil.rmtree(self.path, ignore_errors=True)


def prepare(reactor: Any, port: int, web_port: int) -> DemoWorkdir:
    """Write the demo configuration and start the simulators it needs."""
    path = Path(tempfile.mkdtemp(prefix="pynutd-demo-"))
    sections: list[str] = []
    workdir = DemoWorkdir(path, port, web_port, [])
    for load in DEMO_PROVIDERS:
        try:
            provider = load()
        except ImportError as exc:   # a part missing from this build: demo the rest
            log.debug("demo provider unavailable: %s", exc)
            continue
        sections.extend(provider(reactor, workdir))
    workdir.names = [s.split("]", 1)[0].lstrip("[").strip() for s in sections]
    (path / "ups.conf").write_text("\n".join(sections))
    (path / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {port}\n")
    (path / "upsd.users").write_text(UPSD_USERS)
    (path / "pynutd.conf").write_text(
        f"[web]\nlisten = 127.0.0.1\nport = {web_port}\n\n"
        f"[history]\ndatabase = {path / 'history.sqlite'}\n")
    return workdir
