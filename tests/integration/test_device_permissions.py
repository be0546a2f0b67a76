"""A device node pynutd may not open (after dropping root) is named with what is missing.

Run as root: a character node like /dev/null but root-only (0600) is made in
/dev, and the real serial opener and the HID backend try it as NUT's user
``nut`` (``setpriv``), as pynutd does after ``-u nut`` when a UPS comes
back on a new node.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

PROBE = r"""
import sys
from twisted.internet import reactor
from pynutd.drivers.must_ep20.scan import serial_opener
from pynutd.drivers.hid.device import DeviceInfo, HidapiBackend
node = sys.argv[1]
for name, attempt in (
        ("serial", lambda: serial_opener(node, reactor, None, None)(object())),
        ("hid", lambda: HidapiBackend(
            DeviceInfo(node.encode(), 0x09AE, 0x3016, "", "", "", 0x84, 4)).open())):
    try:
        attempt()
        print(name, "opened")
    except OSError as exc:
        print(name, type(exc).__name__, exc)
"""


@pytest.fixture
def root_only_node():
    if os.geteuid() != 0:
        pytest.fail("this test makes a device node and needs root (CI runs as root)")
    path = Path(f"/dev/pynutd-test-{os.getpid()}")
    null = os.stat("/dev/null").st_rdev
    os.mknod(path, 0o600 | stat.S_IFCHR, null)
    try:
        yield path
    finally:
        path.unlink()


def test_permission_error_names_owner_mode_and_user(root_only_node):
    """Opening a root:root 0600 node as nut says whose node it is and who pynutd runs as."""
    result = subprocess.run(
        ["setpriv", "--reuid=nut", "--regid=nut", "--init-groups", sys.executable, "-c", PROBE,
         str(root_only_node)],
        capture_output=True, text=True, timeout=60, cwd=ROOT, env=dict(os.environ, PYTHONPATH=str(ROOT)),
        check=False)
    lines = dict(line.split(" ", 1) for line in result.stdout.splitlines())
    assert set(lines) == {"serial", "hid"}, result.stdout + result.stderr
    for how in lines.values():
        assert how.startswith("PermissionError"), how
        assert f"{root_only_node} is root:root mode 0600" in how
        assert "pynutd runs as nut" in how and "99-pynutd.rules" in how
