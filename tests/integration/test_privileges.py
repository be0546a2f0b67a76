"""Started as root, pynutd opens its ports and devices, then runs as `nut` (upsd's -u).

Needs root and NUT's user `nut` (Debian's nut-client creates it).  The
configuration lives in a folder `nut` can enter, its files root:nut 0640 as
Debian installs them; the dummy device file is root-only (0600), so only a
file opened before the drop can be served.
"""

from __future__ import annotations

import grp
import os
import pwd
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.integration.harness import ROOT, chat, free_port, wait_port

ENV = dict(os.environ, PYTHONPATH=str(ROOT))


def nut_ids() -> tuple[int, int, set[int]]:
    try:
        entry = pwd.getpwnam("nut")
    except KeyError:
        pytest.fail("no user nut: scripts/install-test-deps.sh installs NUT's packages")
    return entry.pw_uid, entry.pw_gid, set(os.getgrouplist("nut", entry.pw_gid))


def proc_ids(pid: int) -> dict[str, list[int]]:
    """Uid, Gid and Groups lines of /proc/PID/status."""
    out = {}
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        key, _, value = line.partition(":")
        if key in ("Uid", "Gid", "Groups"):
            out[key] = [int(v) for v in value.split()]
    return out


@pytest.fixture
def confdir():
    """/tmp/pynutd-priv-XXXX (0755) with NUT's files root:nut 0640 and a root-only device."""
    base = Path(tempfile.mkdtemp(prefix="pynutd-priv-"))
    base.chmod(0o755)
    nut_gid = grp.getgrnam("nut").gr_gid if nut_ids() else 0
    files = {"ups.conf": "[ups]\n driver = dummy-ups\n port = ups.dev\n",
             "upsd.users": "[mon]\n password = pw\n upsmon secondary\n",
             "ups.dev": "ups.status: OL\nbattery.charge: 55\n"}
    for name, text in files.items():
        (base / name).write_text(text)
        os.chown(base / name, 0, nut_gid)
        (base / name).chmod(0o640)
    (base / "ups.dev").chmod(0o600)
    os.chown(base / "ups.dev", 0, 0)
    try:
        yield base
    finally:
        shutil.rmtree(base)


def start(confdir: Path, *args: str) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    (confdir / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {port}\n")
    log = open(confdir / "pynutd.log", "wb")  # noqa: SIM115 - open while the child runs
    proc = subprocess.Popen([sys.executable, "-m", "pynutd", "-c", str(confdir), *args],
                            stdout=log, stderr=subprocess.STDOUT, env=ENV, cwd=ROOT)
    log.close()
    return proc, port


def stop(proc: subprocess.Popen[bytes]) -> None:
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def wait_for(predicate, seconds: float = 15) -> bool:
    import time
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if predicate():
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("args", [(), ("-u", "nut")], ids=["default", "-u nut"])
def test_runs_as_nut_and_serves(confdir, args):
    """uids and gids all nut's; the root-only device is served; SIGHUP reload works as nut."""
    uid, gid, groups = nut_ids()
    proc, port = start(confdir, *args)
    try:
        wait_port(port)
        assert wait_for(lambda: "battery.charge" in chat(port, ["GET VAR ups battery.charge"])), \
            (confdir / "pynutd.log").read_text()
        assert chat(port, ["GET VAR ups battery.charge"]) == 'VAR ups battery.charge "55"\n'
        ids = proc_ids(proc.pid)
        assert ids["Uid"] == [uid] * 4 and ids["Gid"] == [gid] * 4, ids
        assert set(ids["Groups"]) == groups, ids
        # Reload as nut: upsd.users (root:nut 0640) re-read, a new UPS added.
        (confdir / "ups.conf").write_text("[ups]\n driver = dummy-ups\n port = ups.dev\n"
                                          "[added]\n driver = dummy-ups\n port = added.dev\n")
        (confdir / "added.dev").write_text("ups.status: OB\n")
        proc.send_signal(1)
        assert wait_for(lambda: "UPS added" in chat(port, ["LIST UPS"])), \
            (confdir / "pynutd.log").read_text()
        assert "reload failed" not in (confdir / "pynutd.log").read_text()
    finally:
        stop(proc)
    assert "running as user nut" in (confdir / "pynutd.log").read_text()


def test_u_root_keeps_root_with_a_warning(confdir):
    proc, port = start(confdir, "-u", "root")
    try:
        wait_port(port)
        assert proc_ids(proc.pid)["Uid"] == [0, 0, 0, 0]
    finally:
        stop(proc)
    assert "running as root (-u root)" in (confdir / "pynutd.log").read_text()


def test_unknown_user_is_a_start_up_error(confdir):
    out = subprocess.run([sys.executable, "-m", "pynutd", "-c", str(confdir), "-u",
                          "no-such-user-xyz"], capture_output=True, text=True, env=ENV, cwd=ROOT,
                         timeout=20)
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1] == "pynutd: unknown user 'no-such-user-xyz' (-u)"
