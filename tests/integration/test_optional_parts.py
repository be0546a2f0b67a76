"""Optional parts never take the NUT port down (issue 8.4), against the real server.

A history database that is not a database, sits on a read-only or full
filesystem, or is a directory, and a web port already in use: each time
pynutd starts, ``upsc`` reads the UPS, the part is reported off (in
/api/health and /metrics when the web side is up) with one error in the
log, and what was stored is left as it was.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from pynutd.records.db import HistoryDB
from tests.integration.harness import Pynutd, run

DEV = "ups.status: OL\nbattery.charge: 97\n"


def confdir(tmp_path: Path, database: str) -> Path:
    (tmp_path / "ups.dev").write_text(DEV)
    (tmp_path / "ups.conf").write_text("[ups]\n driver = dummy-ups\n port = ups.dev\n")
    (tmp_path / "pynutd.conf").write_text(f"[history]\ndatabase = {database}\n")
    return tmp_path


def get(server: Pynutd, path: str) -> bytes:
    with urllib.request.urlopen(f"http://127.0.0.1:{server.web_port}{path}", timeout=10) as resp:
        body: bytes = resp.read()
        return body


def assert_serving_with_history_off(server: Pynutd, reason: str) -> None:
    """upsc reads the UPS; health, metrics and the log say history is off, once."""
    out = run(["upsc", f"ups@127.0.0.1:{server.port}", "battery.charge"])
    assert out.returncode == 0 and out.stdout.strip() == "97", out.stderr
    parts = json.loads(get(server, "/api/health"))["parts"]
    assert parts["web"] == "ok"
    assert parts["history"].startswith("off: cannot open the history database"), parts
    assert reason in parts["history"], parts
    assert 'pynutd_part_up{part="history"} 0.0' in get(server, "/metrics").decode()
    log = server.log()
    assert log.count("history is off:") == 1 and "Traceback" not in log, log


@contextmanager
def tiny_tmpfs(path: Path, size: str) -> Iterator[Path]:
    """A small tmpfs at ``path``, always unmounted afterwards (tests run as root)."""
    if os.geteuid() != 0:
        pytest.fail("mounting a tmpfs needs root (CI runs as root)")
    path.mkdir()
    subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(path)], check=True)
    try:
        yield path
    finally:
        subprocess.run(["umount", "-l", str(path)], check=False)


def stored_database(path: Path) -> bytes:
    db = HistoryDB(str(path))
    db.write([("ups", 1.0, "battery.charge", 97.0)], [])
    db.close()
    return path.read_bytes()


def test_garbage_database_is_left_alone(tmp_path: Path) -> None:
    """A file that is not a database: history off, NUT and web up, the file byte for byte intact."""
    garbage = b"my notes, not a database\n" * 400
    (tmp_path / "history.sqlite").write_bytes(garbage)
    with Pynutd(confdir(tmp_path, "history.sqlite"), web=True, wait_for_ups="ups") as server:
        assert_serving_with_history_off(server, "file is not a database")
    assert (tmp_path / "history.sqlite").read_bytes() == garbage
    assert not (tmp_path / "history.sqlite-wal").exists()


def test_database_is_a_directory(tmp_path: Path) -> None:
    """A directory named as the database: history off, the rest serves."""
    (tmp_path / "history.sqlite").mkdir()
    with Pynutd(confdir(tmp_path, "history.sqlite"), web=True, wait_for_ups="ups") as server:
        assert_serving_with_history_off(server, "unable to open database file")


def test_database_on_a_read_only_filesystem(tmp_path: Path) -> None:
    """A stored database on a filesystem remounted read-only: off, and its rows intact."""
    conf = tmp_path / "conf"
    conf.mkdir()
    with tiny_tmpfs(tmp_path / "ro", "1m") as mount:
        before = stored_database(mount / "history.sqlite")
        subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
        with Pynutd(confdir(conf, str(mount / "history.sqlite")), web=True,
                    wait_for_ups="ups") as server:
            # SQLite cannot create the -shm file beside it: "unable to open".
            assert_serving_with_history_off(server, "unable to open database file")
        assert (mount / "history.sqlite").read_bytes() == before


def test_database_on_a_full_filesystem(tmp_path: Path) -> None:
    """A stored database on a full filesystem: off, and its rows intact."""
    conf = tmp_path / "conf"
    conf.mkdir()
    with tiny_tmpfs(tmp_path / "full", "1m") as mount:
        before = stored_database(mount / "history.sqlite")
        fd = os.open(mount / "filler", os.O_WRONLY | os.O_CREAT)
        try:
            while True:
                os.write(fd, b"x" * 4096)
        except OSError:
            pass   # No space left on device: that is the point
        finally:
            os.close(fd)
        with Pynutd(confdir(conf, str(mount / "history.sqlite")), web=True,
                    wait_for_ups="ups") as server:
            assert_serving_with_history_off(server, "disk I/O error")
        assert (mount / "history.sqlite").read_bytes() == before


def test_web_port_in_use_then_freed(tmp_path: Path) -> None:
    """The web port taken: NUT serves, web is off; freed and SIGHUP: the site comes up."""
    confdir(tmp_path, "history.sqlite")
    blocker = socket.socket()
    blocker.bind(("127.0.0.1", 0))
    blocker.listen()
    web_port = blocker.getsockname()[1]
    with open(tmp_path / "pynutd.conf", "a") as ini:
        ini.write(f"[web]\nlisten = 127.0.0.1\nport = {web_port}\n")
    try:
        with Pynutd(tmp_path, wait_for_ups="ups") as server:
            out = run(["upsc", f"ups@127.0.0.1:{server.port}", "ups.status"])
            assert out.returncode == 0 and out.stdout.strip() == "OL", out.stderr
            server.wait_until(lambda: "web is off:" in server.log(), 10)
            assert f"Couldn't listen on 127.0.0.1:{web_port}" in server.log()
            blocker.close()
            server.web_port = web_port
            assert server.proc is not None
            server.proc.send_signal(signal.SIGHUP)
            server.wait_until(lambda: "web is on again" in server.log(), 10)
            parts = json.loads(get(server, "/api/health"))["parts"]
            assert parts == {"history": "ok", "web": "ok"}
            assert "Traceback" not in server.log()
    finally:
        blocker.close()

