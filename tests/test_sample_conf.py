"""The sample configuration in conf/ loads and builds a service without warnings or errors."""

from __future__ import annotations

import shutil
from pathlib import Path

from twisted.internet.testing import MemoryReactorClock

from pynutd import config
from pynutd.service import make_service

CONF = Path(__file__).resolve().parents[1] / "conf"


def test_sample_conf_builds(tmp_path: Path) -> None:
    """conf/ is valid: every file parses and every value is accepted.

    It is copied into pytest's private folder first: a checkout's files are
    world readable, and upsd.users would rightly be warned about.
    """
    confdir = tmp_path / "nut"
    shutil.copytree(CONF, confdir)
    conf = config.load(confdir)
    assert [u.name for u in conf.ups] == ["dummy"]
    assert set(conf.users) == {"upsmon", "monuser", "admin"}
    assert conf.users["monuser"].password == "secret"
    assert conf.history.database == "/var/lib/pynutd/history.sqlite"
    assert [r.threshold for r in conf.alerts.rules if r.name == "load_high"] == [80.0]
    service = make_service(conf, MemoryReactorClock())
    assert service.registry.names() == ["dummy"]
    assert conf.warnings == ()
