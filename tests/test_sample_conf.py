"""The sample configuration in conf/ loads and builds a service without warnings of error."""

from __future__ import annotations

from pathlib import Path

from twisted.internet.testing import MemoryReactorClock

from pynutd import config
from pynutd.service import make_service

CONF = Path(__file__).resolve().parents[1] / "conf"


def test_sample_conf_builds():
    """conf/ is valid: every file parses and every section is accepted by its owner."""
    conf = config.load(CONF)
    assert [u.name for u in conf.ups] == ["dummy"]
    assert set(conf.users) == {"upsmon", "monuser", "admin"}
    assert conf.users["monuser"].password == "secret"
    service = make_service(conf, MemoryReactorClock())
    assert service.registry.names() == ["dummy"]
    assert conf.warnings == ()
