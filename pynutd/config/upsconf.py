"""ups.conf: one section per UPS, NUT's syntax and NUT's names.

Driver-specific keys are kept as written in :attr:`UpsSection.options`; the
driver checks them when pynutd builds it (still before anything listens),
with the helpers here, which point at the key's own line.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path

from pynutd.config.errors import ConfigError
from pynutd.config.nutlines import read_nut_lines, section_name
from pynutd.config.values import shown

# Keys NUT's upsdrvctl and driver core take; pynutd has no use for them.
UPS_IGNORED = frozenset({
    "sdorder", "sdcommands", "nolock", "maxstartdelay", "maxretry", "retrydelay",
    "synchronous", "user", "group", "debug_min", "ignorelb", "chroot",
    "driverpath", "statepath", "nowait", "libusb_debug", "reconnect_max_tries",
    "reconnect_report_freq",
})
MAX_OPTION = 1e9        # no driver option needs more (seconds, counts)
_NUMBER = re.compile(r"[+-]?(?:[0-9]{1,30}(?:\.[0-9]{0,30})?|\.[0-9]{1,30})(?:[eE][+-]?[0-9]{1,3})?")


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

    def get_float(self, key: str, default: float, minimum: float = 0.0,
                  maximum: float = MAX_OPTION) -> float:
        """Return option ``key`` as a finite number in ``minimum..maximum``."""
        raw = self.options.get(key)
        if raw is None:
            return default
        if not _NUMBER.fullmatch(raw.strip()):
            raise self.error(key, f"{key} must be a number, not {shown(raw)}")
        value = float(raw)
        if value < minimum:
            raise self.error(key, f"{key} must be at least {minimum:g}")
        if value > maximum:
            raise self.error(key, f"{key} must be at most {maximum:g}")
        return value

    def get_int(self, key: str, default: int, base: int = 10) -> int:
        """Return option ``key`` as an integer (``base`` 16 accepts 0x); at most 2**63."""
        raw = self.options.get(key)
        if raw is None:
            return default
        value: int | None = None
        if len(raw) <= 40:   # int() of a 4,000-digit word is slow and useless
            try:
                value = int(raw, base)
            except ValueError:
                pass
        if value is None or abs(value) > 2**63:
            raise self.error(key, f"{key} must be an integer, not {shown(raw)}")
        return value

    def resolve(self, path: str) -> Path:
        """Return ``path`` made absolute against the configuration directory."""
        p = Path(path)
        return p if p.is_absolute() else self.confdir / p


def _key_value(words: tuple[str, ...]) -> tuple[str, str | None]:
    """Split ``key = value`` / ``key value`` / ``flag`` into (key, value)."""
    if len(words) >= 3 and words[1] == "=":
        return words[0], words[2]
    if len(words) == 2 and words[1] != "=":
        return words[0], words[1]
    if len(words) == 1:
        return words[0], None
    return words[0], words[2] if len(words) > 2 else ""


_Raw = tuple[str, int, dict[str, str], dict[str, int]]


def _read_sections(path: Path, data: bytes | None) -> tuple[list[_Raw], dict[str, str]]:
    glob: dict[str, str] = {}
    raw: list[_Raw] = []
    for line in read_nut_lines(path, data=data) or ():
        name = section_name(line.words)
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
    return raw, glob


def load_ups_conf(path: Path, warnings: list[str], text: str | None = None,
                  ) -> tuple[tuple[UpsSection, ...], dict[str, str]]:
    """Read ups.conf into its UPS sections and its global settings.

    ``text``, when given, is read as the content of ``path`` instead of the
    file (``pynutd DEVICE`` serves the section it prints, read as a file is).
    """
    raw, glob = _read_sections(path, None if text is None else text.encode())
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
