"""The driver, tool and simulator tables import a module only when its row is used."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def modules_after(code: str) -> set[str]:
    """Run ``code`` in a fresh interpreter; return the modules it has imported then."""
    script = textwrap.dedent(code) + "\nimport sys\nprint('\\n'.join(sorted(sys.modules)))\n"
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True,
                         text=True, check=True).stdout
    return set(out.split())


def test_a_dummy_ups_imports_no_other_driver(tmp_path: Path) -> None:
    """Building pynutd for a dummy-ups and parsing the command line import neither
    hidapi nor pyserial nor another family's driver."""
    (tmp_path / "ups.conf").write_text("[u]\n driver = dummy-ups\n port = u.dev\n")
    (tmp_path / "upsd.conf").write_text("LISTEN 127.0.0.1 3493\n")
    (tmp_path / "upsd.users").write_text("")
    loaded = modules_after(f"""
        from twisted.internet.testing import MemoryReactorClock
        from pynutd import config
        from pynutd.cli import build_parser
        from pynutd.service import make_service
        make_service(config.load({str(tmp_path)!r}), MemoryReactorClock())
        build_parser()
    """)
    assert "pynutd.drivers.dummy" in loaded
    assert not loaded & {"hid", "hidraw", "serial", "pynutd.drivers.hid.driver",
                         "pynutd.drivers.must_ep20.driver", "pynutd.sim.must_ep20"}


def test_the_hidapi_backend_is_imported_when_asked_for() -> None:
    """The backend table's loader imports exactly the backend it names."""
    loaded = modules_after("""
        from pynutd.drivers.hid.device import BACKEND_MODULES
        BACKEND_MODULES["hidraw"]()
    """)
    assert "hidraw" in loaded and "hid" not in loaded
