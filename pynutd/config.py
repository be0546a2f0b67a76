"""Configuration: NUT's ups.conf, upsd.conf and upsd.users, plus pynutd.conf.

NUT's three files are read with the wire tokenizer (:mod:`pynutd.parseconf`),
so an existing ``/etc/nut`` works unchanged.  ``pynutd.conf`` is INI for what
NUT has no file for; its sections are validated by the parts that own them
(web, history, alerts) through :meth:`Config.ini_error`.

Every problem is a :class:`ConfigError` carrying ``path:line: message``;
settings NUT accepts but pynutd does not use become warnings.
"""

from __future__ import annotations

import configparser
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pynutd.parseconf import Line, read_lines

NUT_PORT = 3493
DEFAULT_LISTEN = (("127.0.0.1", NUT_PORT), ("::1", NUT_PORT))


class ConfigError(Exception):
    """A configuration problem, reported as one line ``path:line: message``."""

    def __init__(self, path: str | Path, line: int | None, message: str) -> None:
        self.path = str(path)
        self.line = line
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class UpsSection:
    """One ``[name]`` section of ups.conf.

    ``options`` holds every other key as written (lower-cased key, raw value;
    a bare flag has the value ``""``); ``lines`` maps each key to its line so
    drivers can report bad values where they stand.
    """

    name: str
    driver: str
    port: str
    desc: str | None
    options: Mapping[str, str]
    path: str
    lineno: int
    lines: Mapping[str, int] = field(default_factory=dict)
    confdir: Path = Path(".")

    def error(self, key: str | None, message: str) -> ConfigError:
        """Return a ConfigError pointing at ``key``'s line (or the section)."""
        line = self.lines.get(key, self.lineno) if key else self.lineno
        return ConfigError(self.path, line, f"[{self.name}] {message}")

    def get(self, key: str, default: str | None = None) -> str | None:
        """Return option ``key`` or ``default``."""
        return self.options.get(key, default)

    def get_float(self, key: str, default: float, minimum: float = 0.0) -> float:
        """Return option ``key`` as a number of at least ``minimum``."""
        raw = self.options.get(key)
        if raw is None:
            return default
        try:
            value = float(raw)
        except ValueError:
            raise self.error(key, f"{key} must be a number, not {raw!r}") from None
        if value < minimum:
            raise self.error(key, f"{key} must be at least {minimum:g}")
        return value

    def get_int(self, key: str, default: int, base: int = 10) -> int:
        """Return option ``key`` as an integer (``base`` 16 accepts 0x)."""
        raw = self.options.get(key)
        if raw is None:
            return default
        try:
            return int(raw, base)
        except ValueError:
            raise self.error(key, f"{key} must be an integer, not {raw!r}") from None

    def resolve(self, path: str) -> Path:
        """Return ``path`` made absolute against the configuration directory."""
        p = Path(path)
        return p if p.is_absolute() else self.confdir / p


@dataclass(frozen=True, slots=True)
class UpsdConf:
    """upsd.conf: where to listen and how long data stays fresh."""

    listen: tuple[tuple[str, int], ...] = DEFAULT_LISTEN
    maxage: int = 15
    maxconn: int | None = None
    trackingdelay: int = 3600
    datapath: str | None = None


@dataclass(frozen=True, slots=True)
class User:
    """One upsd.users account: password, actions and instant commands.

    ``actions`` and ``instcmds`` are lower-cased; ``upsmon primary`` adds the
    actions login, master and fsd, ``upsmon secondary`` adds login.
    """

    name: str
    password: str | None
    actions: frozenset[str] = frozenset()
    instcmds: frozenset[str] = frozenset()


@dataclass(frozen=True, slots=True)
class Config:
    """Everything read from one configuration directory."""

    confdir: Path
    ups: tuple[UpsSection, ...]
    upsd: UpsdConf
    users: Mapping[str, User]
    ini: configparser.ConfigParser
    ini_path: str
    ini_lines: Mapping[tuple[str, str], int]
    globals: Mapping[str, str] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def ini_error(self, section: str, key: str | None, message: str) -> ConfigError:
        """Return a ConfigError at ``[section] key`` of pynutd.conf."""
        line = self.ini_lines.get((section.lower(), (key or "").lower()))
        return ConfigError(self.ini_path, line, f"[{section}] {message}")


# -- ups.conf -------------------------------------------------------------------

# Keys NUT's upsdrvctl and driver core take; pynutd has no use for them.
UPS_IGNORED = frozenset({
    "sdorder", "sdcommands", "nolock", "maxstartdelay", "maxretry", "retrydelay",
    "synchronous", "user", "group", "debug_min", "ignorelb", "chroot",
    "driverpath", "statepath", "nowait", "libusb_debug", "reconnect_max_tries",
    "reconnect_report_freq",
})


def _key_value(words: tuple[str, ...]) -> tuple[str, str | None]:
    """Split ``key = value`` / ``key value`` / ``flag`` into (key, value)."""
    if len(words) >= 3 and words[1] == "=":
        return words[0], words[2]
    if len(words) == 2 and words[1] != "=":
        return words[0], words[1]
    if len(words) == 1:
        return words[0], None
    return words[0], words[2] if len(words) > 2 else ""


def _lines(path: Path) -> list[Line]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError(path, None, f"cannot read: {exc.strerror}") from None
    lines = list(read_lines(data))
    for line in lines:
        if line.error:
            raise ConfigError(path, line.lineno, line.error)
    return lines


def _section_name(words: tuple[str, ...]) -> str | None:
    if len(words) == 1 and words[0].startswith("[") and words[0].endswith("]"):
        return words[0][1:-1]
    return None


def load_ups_conf(path: Path, warnings: list[str]) -> tuple[tuple[UpsSection, ...], dict[str, str]]:
    """Read ups.conf into its UPS sections and its global settings."""
    glob: dict[str, str] = {}
    raw: list[tuple[str, int, dict[str, str], dict[str, int]]] = []
    for line in _lines(path):
        name = _section_name(line.words)
        if name is not None:
            if not re.fullmatch(r"[A-Za-z0-9_.:-]+", name) or name.lower() == "default":
                raise ConfigError(path, line.lineno, f"invalid UPS name [{name}]")
            if any(n.lower() == name.lower() for n, *_ in raw):
                raise ConfigError(path, line.lineno, f"UPS [{name}] is defined twice")
            raw.append((name, line.lineno, {}, {}))
            continue
        key, value = _key_value(line.words)
        key = key.lower()
        if not raw:
            glob[key] = value or ""
            continue
        _, _, opts, linemap = raw[-1]
        opts[key] = value if value is not None else ""
        linemap[key] = line.lineno
    sections = []
    for name, lineno, opts, linemap in raw:
        for required in ("driver", "port"):
            if not opts.get(required):
                raise ConfigError(path, lineno, f"[{name}] has no {required}")
        rest = {k: v for k, v in opts.items() if k not in ("driver", "port", "desc")}
        for key in rest:
            if key in UPS_IGNORED:
                warnings.append(f"{path}:{linemap[key]}: [{name}] {key} is not used by pynutd")
        sections.append(UpsSection(
            name=name, driver=opts["driver"], port=opts["port"], desc=opts.get("desc"),
            options=rest, path=str(path), lineno=lineno, lines=linemap,
            confdir=path.parent))
    return tuple(sections), glob


# -- upsd.conf ------------------------------------------------------------------

UPSD_IGNORED = frozenset({
    "STATEPATH", "CERTFILE", "CERTPATH", "CERTIDENT", "CERTREQUEST",
    "DISABLE_WEAK_SSL", "ALLOW_NO_DEVICE", "ALLOW_NOT_ALL_LISTENERS", "DEBUG_MIN",
    "ACL", "ACCEPT", "REJECT",
})


def _positive(path: Path, line: Line, word: str) -> int:
    try:
        value = int(word)
    except ValueError:
        value = -1
    if value < 1:
        raise ConfigError(path, line.lineno, f"{line.words[0]} needs a positive integer, not {word!r}")
    return value


def load_upsd_conf(path: Path, warnings: list[str]) -> UpsdConf:
    """Read upsd.conf (keywords are case-sensitive, as in upsd)."""
    if not path.exists():
        return UpsdConf()
    listen: list[tuple[str, int]] = []
    values: dict[str, object] = {}
    for line in _lines(path):
        key, args = line.words[0], line.words[1:]
        if key == "LISTEN":
            if not 1 <= len(args) <= 2:
                raise ConfigError(path, line.lineno, "LISTEN takes an address and an optional port")
            port = _positive(path, line, args[1]) if len(args) == 2 else NUT_PORT
            if port > 65535:
                raise ConfigError(path, line.lineno, f"LISTEN port {port} is out of range")
            addrs = ("::", "0.0.0.0") if args[0] == "*" else (args[0],)
            listen.extend((a, port) for a in addrs)
        elif key in ("MAXAGE", "MAXCONN", "TRACKINGDELAY"):
            if len(args) != 1:
                raise ConfigError(path, line.lineno, f"{key} takes one value")
            values[key.lower()] = _positive(path, line, args[0])
        elif key == "DATAPATH":
            if len(args) != 1:
                raise ConfigError(path, line.lineno, "DATAPATH takes one directory")
            values["datapath"] = args[0]
        elif key in UPSD_IGNORED:
            warnings.append(f"{path}:{line.lineno}: {key} is not used by pynutd")
        else:
            raise ConfigError(path, line.lineno, f"unknown upsd.conf keyword {key!r}")
    return UpsdConf(listen=tuple(listen) or DEFAULT_LISTEN, **values)  # type: ignore[arg-type]


# -- upsd.users -----------------------------------------------------------------

UPSMON_ACTIONS = {
    "primary": {"login", "master", "fsd"}, "master": {"login", "master", "fsd"},
    "secondary": {"login"}, "slave": {"login"},
}


@dataclass
class _UserDraft:
    """A user being read: settings accumulate over lines, as in upsd."""

    password: str | None = None
    actions: set[str] = field(default_factory=set)
    instcmds: set[str] = field(default_factory=set)


def load_users(path: Path, warnings: list[str]) -> dict[str, User]:
    """Read upsd.users; user names are case-sensitive, as in upsd."""
    if not path.exists():
        return {}
    users: dict[str, _UserDraft] = {}
    current: _UserDraft | None = None
    for line in _lines(path):
        name = _section_name(line.words)
        if name is not None:
            # upsd ignores a repeated user; so do we, with a warning.
            current = _UserDraft()
            if name in users:
                warnings.append(f"{path}:{line.lineno}: user [{name}] defined twice, ignored")
            else:
                users[name] = current
            continue
        if current is None:
            raise ConfigError(path, line.lineno, "setting outside a [user] section")
        words = [w for w in line.words if w != "="]
        key, args = words[0].lower() if words else "", words[1:]
        if key == "password" and len(args) == 1:
            current.password = args[0]
        elif key == "actions" and args:
            current.actions.update(a.lower() for a in args)
        elif key == "instcmds" and args:
            current.instcmds.update(a.lower() for a in args)
        elif key == "upsmon" and len(args) == 1 and args[0].lower() in UPSMON_ACTIONS:
            current.actions.update(UPSMON_ACTIONS[args[0].lower()])
        elif key in ("allowfrom", "user"):
            warnings.append(f"{path}:{line.lineno}: {key} is obsolete and ignored")
        else:
            raise ConfigError(path, line.lineno, f"bad upsd.users line: {' '.join(line.words)}")
    return {n: User(n, u.password, frozenset(u.actions), frozenset(u.instcmds))
            for n, u in users.items()}


# -- pynutd.conf ----------------------------------------------------------------

def load_ini(path: Path) -> tuple[configparser.ConfigParser, dict[tuple[str, str], int]]:
    """Read pynutd.conf (INI) and note the line of every section and key."""
    parser = configparser.ConfigParser(interpolation=None)
    lines: dict[tuple[str, str], int] = {}
    if not path.exists():
        return parser, lines
    try:
        text = path.read_text(encoding="utf-8")
        parser.read_string(text, source=str(path))
    except configparser.Error as exc:
        lineno = getattr(exc, "lineno", None)
        message = exc.message.splitlines()[0] if hasattr(exc, "message") else str(exc)
        raise ConfigError(path, lineno, message) from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(path, None, f"cannot read: {exc}") from None
    section = ""
    for number, raw in enumerate(text.splitlines(), 1):
        stripped = raw.strip()
        if stripped.startswith("[") and stripped.endswith("]"):
            section = stripped[1:-1].strip().lower()
            lines[(section, "")] = number
        elif stripped and not stripped.startswith(("#", ";")) and not raw[:1].isspace():
            key = re.split(r"[=:]", stripped, maxsplit=1)[0].strip().lower()
            lines[(section, key)] = number
    return parser, lines


def load(confdir: str | Path) -> Config:
    """Read every file of ``confdir``; raise ConfigError on the first problem."""
    base = Path(confdir)
    if not base.is_dir():
        raise ConfigError(base, None, "is not a directory")
    warnings: list[str] = []
    ups, glob = load_ups_conf(base / "ups.conf", warnings)
    upsd = load_upsd_conf(base / "upsd.conf", warnings)
    users = load_users(base / "upsd.users", warnings)
    ini, ini_lines = load_ini(base / "pynutd.conf")
    return Config(confdir=base, ups=ups, upsd=upsd, users=users, ini=ini,
                  ini_path=str(base / "pynutd.conf"), ini_lines=ini_lines,
                  globals=glob, warnings=tuple(warnings))
