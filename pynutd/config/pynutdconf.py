"""pynutd.conf's sections as frozen dataclasses: ``[web]``, ``[history]``, ``[alerts]``, ``[log]``,
``[mqtt]``, ``[zeroconf]``.

Every key is checked here, when the file is read, so a mistake stops pynutd
with ``pynutd.conf:line: [section] message`` before anything listens.  The
parts that use these settings receive the dataclasses and parse nothing.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any

from pynutd.config import addresses, values
from pynutd.config.alerts import RULES, AlertConfig, Rule
from pynutd.config.errors import ConfigError
from pynutd.config.ini import Entry, Section, read_ini
from pynutd.config.mqttconf import (
    MQTTS_PORT,
    MqttConfig,
    ZeroconfConfig,
    account,
    broker_host,
    client_id,
    secret,
    topic,
)

DEFAULT_VARIABLES = (
    "battery.charge", "battery.runtime", "battery.voltage", "input.voltage",
    "input.frequency", "output.voltage", "output.frequency", "ups.load",
    "ups.realpower", "ups.power", "ups.temperature", "battery.temperature",
)
YES = frozenset({"yes", "true", "on", "1"})
NO = frozenset({"no", "false", "off", "0"})
OFF_WORDS = frozenset({"off", "no", "none", "disabled", "false"})
RULE_NAMES = frozenset(r.name for r in RULES)
IN_MEMORY_RAW_RETENTION = 6 * 3600.0   # without a database file: keep it small
MAX_THRESHOLD = 1e9


@dataclass(frozen=True, slots=True)
class WebConfig:
    """``[web]``: where the dashboard, API and /metrics listen.

    ``listen`` is numeric (a host name is resolved when the file is read);
    ``*`` means every IPv4 address.  ``allowed_origins`` are extra origins
    (a reverse proxy's public one) whose browser writes are not cross-site.
    ``certfile``: one PEM (certificate, chain, key, as upsd.conf CERTFILE);
    with it the site is served over HTTPS only.
    """

    enabled: bool = True
    listen: str = "127.0.0.1"
    port: int = 8080
    allowed_origins: tuple[str, ...] = ()
    certfile: str | None = None


@dataclass(frozen=True, slots=True)
class HistoryConfig:
    """``[history]``: the database file (None: in memory) and what to keep, in seconds."""

    database: str | None = None
    retention: float = 30 * 86400
    raw_retention: float = 48 * 3600
    interval: float = 2.0
    variables: tuple[str, ...] = DEFAULT_VARIABLES
    flush_interval: float = 1.0


@dataclass(frozen=True, slots=True)
class LogConfig:
    """``[log]``: the optional rotated log file and the telemetry line's interval."""

    file: str | None = None
    max_bytes: int = 10 * 1024 * 1024
    backups: int = 5
    telemetry_interval: float = 30.0


@dataclass(frozen=True, slots=True)
class PynutdConf:
    """Everything pynutd.conf says (defaults for sections it leaves out)."""

    web: WebConfig = field(default_factory=WebConfig)
    history: HistoryConfig = field(
        default_factory=lambda: HistoryConfig(raw_retention=IN_MEMORY_RAW_RETENTION))
    alerts: AlertConfig = field(default_factory=AlertConfig)
    log: LogConfig = field(default_factory=LogConfig)
    mqtt: MqttConfig = field(default_factory=MqttConfig)
    zeroconf: ZeroconfConfig = field(default_factory=ZeroconfConfig)


class _Reader:
    """Turns one section's entries into values, raising ConfigError at their line."""

    def __init__(self, path: str, section: Section) -> None:
        self.path = path
        self.section = section

    def error(self, entry: Entry | None, message: str) -> ConfigError:
        line = entry.line if entry is not None else self.section.line
        return ConfigError(self.path, line, f"[{self.section.name}] {message}")

    def check(self, entry: Entry, parse: Callable[[str], Any]) -> Any:
        """Return ``parse(value)``; its ValueError becomes ``key message`` at the line."""
        try:
            return parse(entry.value)
        except ValueError as exc:
            text = str(exc)
            raise self.error(entry, text if text.startswith(entry.key)
                             else f"{entry.key} {text}") from None

    def known(self, keys: Iterable[str]) -> None:
        """Refuse any key not in ``keys``."""
        allowed = set(keys)
        for entry in self.section.entries:
            if entry.key not in allowed:
                raise self.error(entry, f"unknown key {entry.key!r} "
                                 f"(known: {', '.join(sorted(allowed))})")


def _flag(text: str) -> bool:
    word = text.strip().lower()
    if word not in YES | NO:
        raise ValueError(f"must be yes or no, not {values.shown(word)}")
    return word in YES


def _path(confdir: Path) -> Callable[[str], str | None]:
    def parse(text: str) -> str | None:
        text = values.plain_text(text.strip())
        if not text:
            return None
        return text if text.startswith("/") or text == ":memory:" else str(confdir / text)
    return parse


def _listen(text: str) -> str:
    word = text.strip()
    if word == "*":
        return "0.0.0.0"
    return addresses.host_address(word)


def _origins(text: str) -> tuple[str, ...]:
    return tuple(addresses.origin(w) for w in re.split(r"[\s,]+", text) if w)


def _server_pem(confdir: Path) -> Callable[[str], str | None]:
    """A certificate-and-key PEM, checked now: a bad one stops the start at its line."""
    def parse(text: str) -> str | None:
        path = _path(confdir)(text)
        if path is not None:
            from pynutd.tlsfile import ServerTLS
            ServerTLS(path)          # raises ValueError with what is wrong
        return path
    return parse


def parse_web(path: str, section: Section, confdir: Path) -> WebConfig:
    """Read ``[web]``: enabled, listen, port, allowed_origins, certfile."""
    reader = _Reader(path, section)
    reader.known(("enabled", "listen", "port", "allowed_origins", "certfile"))
    parsers: dict[str, Callable[[str], Any]] = {
        "enabled": _flag, "listen": _listen, "port": addresses.port,
        "allowed_origins": _origins, "certfile": _server_pem(confdir)}
    return WebConfig(**{e.key: reader.check(e, parsers[e.key]) for e in section.entries})


def _variables(text: str) -> tuple[str, ...]:
    names = tuple(values.nut_name(v) for v in re.split(r"[\s,]+", text) if v)
    if not names:
        raise ValueError("needs at least one name")
    return names


def parse_history(path: str, section: Section, confdir: Path) -> HistoryConfig:
    """Read ``[history]``: database, retention, raw_retention, interval, flush_interval, variables."""
    reader = _Reader(path, section)
    parsers: dict[str, Callable[[str], Any]] = {
        "database": _path(confdir),
        "retention": lambda t: values.duration(t, 60.0),
        "raw_retention": lambda t: values.duration(t, 60.0),
        "interval": lambda t: values.duration(t, 0.1, 86400.0),
        "flush_interval": lambda t: values.duration(t, 0.1, 3600.0),
        "variables": _variables,
    }
    reader.known(parsers)
    found = {e.key: reader.check(e, parsers[e.key]) for e in section.entries}
    if found.get("database") is None and "raw_retention" not in found:
        found["raw_retention"] = IN_MEMORY_RAW_RETENTION
    return HistoryConfig(**found)


def parse_log(path: str, section: Section, confdir: Path) -> LogConfig:
    """Read ``[log]``: file, max_bytes, backups, telemetry_interval."""
    reader = _Reader(path, section)
    parsers: dict[str, Callable[[str], Any]] = {
        "file": _path(confdir),
        "max_bytes": lambda t: values.integer(t, 1, 2**53),
        # Each rotation renames every backup: keep the count sane.
        "backups": lambda t: values.integer(t, 0, 1000),
        "telemetry_interval": lambda t: values.duration(t, 0.0, 86400.0),
    }
    reader.known(parsers)
    return LogConfig(**{e.key: reader.check(e, parsers[e.key]) for e in section.entries})


def _apply_rules(reader: _Reader, rules: tuple[Rule, ...]) -> tuple[Rule, ...]:
    """Return ``rules`` changed by one ``[alerts]`` or ``[alerts:UPS]`` section."""
    by_name = {r.name: r for r in RULES}
    by_name.update({r.name: r for r in rules})
    enabled = {r.name for r in rules}
    for entry in reader.section.entries:
        if entry.key == "notifycmd":
            if reader.section.name.lower() != "alerts":
                raise reader.error(entry, "notifycmd belongs in [alerts]")
            continue
        hysteresis = entry.key.endswith("_hysteresis")
        name = entry.key.removesuffix("_hysteresis")
        if name not in RULE_NAMES:
            raise reader.error(entry, f"unknown alert rule {entry.key!r} "
                               f"(known: {', '.join(sorted(RULE_NAMES))})")
        if not hysteresis and entry.value.strip().lower() in OFF_WORDS:
            enabled.discard(name)
            continue
        number = reader.check(entry, lambda t: values.number(t, -MAX_THRESHOLD, MAX_THRESHOLD))
        if hysteresis and number < 0:
            raise reader.error(entry, f"{entry.key} must not be negative")
        if hysteresis:
            by_name[name] = replace(by_name[name], hysteresis=number)
        else:
            # A configured threshold is taken as written, never scaled.
            by_name[name] = replace(by_name[name], threshold=number, nominal=None)
            enabled.add(name)
    return tuple(by_name[r.name] for r in RULES if r.name in enabled)


def parse_alerts(path: str, sections: list[Section], ups_names: Iterable[str]) -> AlertConfig:
    """Read ``[alerts]`` and every ``[alerts:UPS]`` (names as in ups.conf, any case)."""
    rules, notifycmd = RULES, None
    for section in sections:
        if section.name.lower() == "alerts":
            reader = _Reader(path, section)
            rules = _apply_rules(reader, RULES)
            entry = section.get("notifycmd")
            if entry is not None:
                notifycmd = reader.check(entry, lambda t: values.plain_text(t.strip())) or None
    names = {n.lower() for n in ups_names}
    per_ups: dict[str, tuple[Rule, ...]] = {}
    for section in sections:
        ups = section.name.split(":", 1)[1].strip() if ":" in section.name else None
        if ups is None:
            continue
        if ups.lower() not in names:
            raise ConfigError(path, section.line,
                              f"[{section.name}] no UPS named {ups!r} in ups.conf")
        per_ups[ups.lower()] = _apply_rules(_Reader(path, section), rules)
    return AlertConfig(rules, per_ups, notifycmd)


def _readable(confdir: Path) -> Callable[[str], str]:
    """A file path (relative to the configuration directory) that can be read now."""
    def parse(text: str) -> str:
        name = _path(confdir)(text)
        if name is None:
            raise ValueError("needs a file name")
        try:
            with open(name, "rb"):
                pass
        except OSError as exc:
            raise ValueError(f"cannot read {name}: {exc.strerror}") from None
        return name
    return parse


def parse_mqtt(path: str, section: Section, confdir: Path,
               user_names: Iterable[str] = ()) -> MqttConfig:
    """Read ``[mqtt]``: the broker, TLS files, topics, discovery and commands_user.

    ``host`` is required unless ``enabled = no``; ``commands_user`` must be
    an account of upsd.users (``user_names``).
    """
    reader = _Reader(path, section)
    parsers: dict[str, Callable[[str], Any]] = {
        "enabled": _flag, "host": broker_host, "port": lambda t: values.integer(t, 1, 65535),
        "username": account, "password": secret, "tls": _flag,
        "cafile": _readable(confdir), "certfile": _readable(confdir),
        "keyfile": _readable(confdir), "client_id": client_id, "topic_prefix": topic,
        "discovery_prefix": topic, "discovery": _flag, "commands_user": account,
        "legacy_topic": topic,
    }
    reader.known(parsers)
    found = {e.key: reader.check(e, parsers[e.key]) for e in section.entries}
    if not found.pop("enabled", True):
        return MqttConfig()
    if "host" not in found:
        raise reader.error(None, "host is required (the MQTT broker's name or address)")
    for key, needs in (("password", "username"), ("keyfile", "certfile")):
        if key in found and needs not in found:
            raise reader.error(section.get(key), f"{key} needs {needs}")
    user = section.get("commands_user")
    if user is not None and found["commands_user"] not in set(user_names):
        raise reader.error(user, f"commands_user {found['commands_user']!r} is no account "
                           "in upsd.users")
    found["tls"] = found.get("tls", False) or any(
        k in found for k in ("cafile", "certfile", "keyfile"))
    if found["tls"] and "port" not in found:
        found["port"] = MQTTS_PORT
    return MqttConfig(**found)


def parse_zeroconf(path: str, section: Section, confdir: Path) -> ZeroconfConfig:
    """Read ``[zeroconf]``: enabled."""
    reader = _Reader(path, section)
    reader.known(("enabled",))
    return ZeroconfConfig(**{e.key: reader.check(e, _flag) for e in section.entries})


SECTIONS = ("web", "history", "alerts", "alerts:UPS", "log", "mqtt", "zeroconf")


def load_pynutd_conf(path: Path, confdir: Path, ups_names: Iterable[str],
                     user_names: Iterable[str] = ()) -> PynutdConf:
    """Read pynutd.conf (absent: every default); raise ConfigError at the first mistake.

    ``user_names`` are upsd.users' accounts, for ``[mqtt] commands_user``.
    """
    where = str(path)
    found: dict[str, Any] = {}
    alerts: list[Section] = []
    simple = {"web": parse_web, "history": parse_history, "log": parse_log,
              "zeroconf": parse_zeroconf}
    for section in read_ini(path):
        name = section.name.lower()
        if name in simple:
            found[name] = simple[name](where, section, confdir)
        elif name == "mqtt":
            found[name] = parse_mqtt(where, section, confdir, user_names)
        elif name == "alerts" or name.startswith("alerts:"):
            alerts.append(section)
        else:
            raise ConfigError(path, section.line, f"unknown section [{section.name}] "
                              f"(known: {', '.join(f'[{s}]' for s in SECTIONS)})")
    found["alerts"] = parse_alerts(where, alerts, ups_names)
    return PynutdConf(**found)
