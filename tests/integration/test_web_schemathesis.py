"""schemathesis against a live pynutd, driven by the served OpenAPI document.

Every operation but the endless event stream is exercised with examples,
coverage, fuzzing and stateful phases and every check (server errors,
status codes, content types, response schemas, auth).  Deterministic
generation keeps the run repeatable and bounded.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.integration.harness import Pynutd

DEV = """\
device.mfr: pynutd
device.model: Schema Test
device.type: ups
ups.status: OL
battery.charge: 100
input.voltage: 230.0
ups.load: 20
"""


def test_schemathesis_finds_nothing(tmp_path: Path) -> None:
    """schemathesis runs every check against the documented API and finds no failure."""
    (tmp_path / "ups.conf").write_text("[dummy]\n driver = dummy-ups\n port = ups.dev\n")
    (tmp_path / "ups.dev").write_text(DEV)
    (tmp_path / "upsd.users").write_text(
        "[admin]\n password = admin\n actions = SET\n instcmds = ALL\n")
    with Pynutd(tmp_path, web=True, wait_for_ups="dummy") as server:
        base = f"http://127.0.0.1:{server.web_port}"
        result = subprocess.run(
            [sys.executable, "-m", "schemathesis.cli", "run", f"{base}/api/openapi.json",
             "--url", base, "--exclude-path", "/api/v1/stream", "--checks", "all",
             "-n", "25", "--generation-deterministic", "--request-timeout", "15",
             "-a", "admin:admin", "--no-color"],
            capture_output=True, text=True, timeout=240, cwd=tmp_path, check=False)
        assert result.returncode == 0, result.stdout[-6000:] + result.stderr[-2000:]
        assert " passed" in result.stdout
        assert "Traceback" not in server.log()
