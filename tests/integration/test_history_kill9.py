"""The history database survives ``kill -9`` of pynutd in the middle of writing.

A dummy-ups sequence changes values every second while the history thread
writes a batch every 0.2 s; pynutd is killed with SIGKILL, then the file
must pass ``PRAGMA integrity_check`` and hold rows up to the last poll.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import time
from pathlib import Path

from tests.integration.harness import Pynutd

SEQ = "".join(f"ups.status: OL\nbattery.charge: {90 + i}\nups.load: {20 + i}\n"
              f"input.voltage: 23{i}.0\nTIMER 1\n" for i in range(5))


def test_kill_9_mid_write(tmp_path: Path) -> None:
    """After SIGKILL the database is intact and at most the last poll is missing."""
    (tmp_path / "ups.conf").write_text(
        "[fast]\n driver = dummy-ups\n port = fast.seq\n pollinterval = 1\n")
    (tmp_path / "fast.seq").write_text(SEQ)
    (tmp_path / "pynutd.conf").write_text(
        "[history]\ndatabase = history.sqlite\ninterval = 0.5\nflush_interval = 0.2\n")
    db_path = tmp_path / "history.sqlite"
    with Pynutd(tmp_path, wait_for_ups="fast") as server:
        assert server.proc is not None
        deadline = time.monotonic() + 20
        count = 0
        while time.monotonic() < deadline and count < 40:
            time.sleep(0.3)
            with sqlite3.connect(db_path, timeout=5) as probe:
                count = probe.execute("SELECT count(*) FROM samples").fetchone()[0]
        assert count >= 40, server.log()
        time.sleep(0.45)   # land somewhere inside a write cycle
        killed_at = time.time()
        os.kill(server.proc.pid, signal.SIGKILL)
        server.proc.wait(10)
    db = sqlite3.connect(db_path)
    try:
        assert db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        rows, newest = db.execute("SELECT count(*), max(t) FROM samples").fetchone()
        assert rows >= count
        # Rows are written within 0.2 s of a 0.5 s sample of a 1 s poll: a loss of
        # more than one poll would leave a gap of over 2 s before the kill.
        assert killed_at - newest < 2.5, (killed_at, newest)
        assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    finally:
        db.close()
