"""Configuration: NUT's ups.conf, upsd.conf and upsd.users, plus pynutd.conf.

:func:`load` reads all four files of a directory into one frozen
:class:`Config`.  NUT's three files are read with the wire tokenizer
(:mod:`pynutd.parseconf`), so an existing ``/etc/nut`` works unchanged;
``pynutd.conf`` is INI for what NUT has no file for.  Every value is
checked here, so every mistake is a :class:`ConfigError` carrying
``path:line: message`` before anything listens; settings NUT accepts but
pynutd does not use, and secrets others can read, become warnings.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pynutd.config.alerts import AlertConfig
from pynutd.config.errors import ConfigError
from pynutd.config.mqttconf import MqttConfig, ZeroconfConfig
from pynutd.config.nutlines import world_readable
from pynutd.config.pynutdconf import (
    HistoryConfig,
    LogConfig,
    PynutdConf,
    WebConfig,
    load_pynutd_conf,
)
from pynutd.config.upsconf import UpsSection, load_ups_conf
from pynutd.config.upsdconf import DEFAULT_LISTEN, NUT_PORT, UpsdConf, load_upsd_conf
from pynutd.config.users import User, load_users
from pynutd.config.values import parse_duration


@dataclass(frozen=True, slots=True)
class Config:
    """Everything read from one configuration directory."""

    confdir: Path
    ups: tuple[UpsSection, ...]
    upsd: UpsdConf
    users: Mapping[str, User]
    web: WebConfig = field(default_factory=WebConfig)
    history: HistoryConfig = field(default_factory=lambda: PynutdConf().history)
    alerts: AlertConfig = field(default_factory=AlertConfig)
    log: LogConfig = field(default_factory=LogConfig)
    mqtt: MqttConfig = field(default_factory=MqttConfig)
    zeroconf: ZeroconfConfig = field(default_factory=ZeroconfConfig)
    globals: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()


def _certfile_warning(confdir: Path, certfile: str | None) -> list[str]:
    if certfile is None:
        return []
    path = confdir / certfile
    if world_readable(path):
        return [f"{path} is world readable; it holds the private key (chmod o-rwx)"]
    return []


def load(confdir: str | Path) -> Config:
    """Read every file of ``confdir``; raise ConfigError on the first problem."""
    base = Path(confdir)
    try:
        is_dir = base.is_dir()
    except OSError as exc:
        raise ConfigError(base, None, f"cannot read: {exc.strerror}") from None
    if not is_dir:
        raise ConfigError(base, None, "is not a directory")
    warnings: list[str] = []
    ups, glob = load_ups_conf(base / "ups.conf", warnings)
    upsd = load_upsd_conf(base / "upsd.conf", warnings)
    users = load_users(base / "upsd.users", warnings)
    warnings.extend(_certfile_warning(base, upsd.certfile))
    ini = load_pynutd_conf(base / "pynutd.conf", base, (s.name for s in ups), users)
    if ini.mqtt.password is not None and world_readable(base / "pynutd.conf"):
        warnings.append(f"{base / 'pynutd.conf'} is world readable; it holds the MQTT "
                        "password (chmod o-rwx)")
    return Config(confdir=base, ups=ups, upsd=upsd, users=users, web=ini.web,
                  history=ini.history, alerts=ini.alerts, log=ini.log, mqtt=ini.mqtt,
                  zeroconf=ini.zeroconf, globals=glob, warnings=tuple(warnings))


__all__ = [
    "DEFAULT_LISTEN", "NUT_PORT", "AlertConfig", "Config", "ConfigError", "HistoryConfig",
    "LogConfig", "MqttConfig", "UpsSection", "UpsdConf", "User", "WebConfig", "ZeroconfConfig",
    "load", "load_ups_conf", "load_upsd_conf", "load_users", "parse_duration",
]
