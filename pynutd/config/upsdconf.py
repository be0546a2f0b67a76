"""upsd.conf: where the NUT port listens, how long data stays fresh, connection limits.

Keywords are case-sensitive, as in upsd (``server/conf.c``).  Every LISTEN
address is checked and made numeric here, and a LISTEN that repeats or
overlaps another is refused at its line: on Linux the second bind would
fail only at start-up.
"""

from __future__ import annotations

import ipaddress
from dataclasses import dataclass
from pathlib import Path

from pynutd.config.addresses import host_address
from pynutd.config.errors import ConfigError
from pynutd.config.nutlines import read_nut_lines
from pynutd.config.values import INT32_MAX, shown
from pynutd.parseconf import Line

NUT_PORT = 3493
DEFAULT_LISTEN = (("127.0.0.1", NUT_PORT), ("::1", NUT_PORT))
WILDCARDS = ("::", "0.0.0.0")

UPSD_IGNORED = frozenset({
    "STATEPATH", "CERTPATH", "CERTIDENT", "CERTREQUEST",
    "ALLOW_NO_DEVICE", "ALLOW_NOT_ALL_LISTENERS", "DEBUG_MIN",
    "ACL", "ACCEPT", "REJECT",
})


@dataclass(frozen=True, slots=True)
class UpsdConf:
    """upsd.conf: where to listen (numeric addresses) and how long data stays fresh."""

    listen: tuple[tuple[str, int], ...] = DEFAULT_LISTEN
    maxage: int = 15
    maxconn: int | None = None
    trackingdelay: int = 3600
    datapath: str | None = None
    certfile: str | None = None
    disable_weak_ssl: bool = False


def _positive(path: Path, line: Line, word: str) -> int:
    if not word.isascii() or not word.isdigit() or len(word) > 12 or int(word) < 1:
        raise ConfigError(path, line.lineno,
                          f"{line.words[0]} needs a positive integer, not {shown(word)}")
    if int(word) > INT32_MAX:
        raise ConfigError(path, line.lineno, f"{line.words[0]} must be at most {INT32_MAX}, "
                          f"not {shown(word)}")
    return int(word)


def _port(path: Path, line: Line, word: str) -> int:
    if not word.isascii() or not word.isdigit():
        raise ConfigError(path, line.lineno, f"LISTEN port must be a number from 0 to 65535, "
                          f"not {shown(word)}")
    if len(word) > 5 or int(word) > 65535:
        raise ConfigError(path, line.lineno, f"LISTEN port {shown(word)[1:-1]} is out of range")
    return int(word)


class _Listeners:
    """Collects LISTEN lines; refuses repeats and overlaps with a wildcard."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.seen: dict[tuple[str, int], int] = {}

    def add(self, line: Line) -> None:
        args = line.words[1:]
        if not 1 <= len(args) <= 2:
            raise ConfigError(self.path, line.lineno,
                              "LISTEN takes an address and an optional port")
        port = _port(self.path, line, args[1]) if len(args) == 2 else NUT_PORT
        if args[0] == "*":
            addresses: tuple[str, ...] = WILDCARDS   # both any-addresses, as upsd 2.8.1+
        else:
            try:
                addresses = (host_address(args[0]),)
            except ValueError as exc:
                raise ConfigError(self.path, line.lineno, f"LISTEN {exc}") from None
        for address in addresses:
            self._check(line, address, port)
            self.seen[(address, port)] = line.lineno

    def _check(self, line: Line, address: str, port: int) -> None:
        earlier = self.seen.get((address, port))
        if earlier is not None:
            raise ConfigError(self.path, line.lineno, f"LISTEN {address} {port} is already "
                              f"on line {earlier}")
        version = ipaddress.ip_address(address.split("%")[0]).version
        for (other, other_port), other_line in self.seen.items():
            if other_port != port or ipaddress.ip_address(other.split("%")[0]).version != version:
                continue
            if other in WILDCARDS or address in WILDCARDS:
                raise ConfigError(self.path, line.lineno, f"LISTEN {address} {port} overlaps "
                                  f"LISTEN {other} {port} on line {other_line}: "
                                  "the any-address already covers it")

    def result(self) -> tuple[tuple[str, int], ...]:
        return tuple(self.seen) or DEFAULT_LISTEN


def _certfile(path: Path, line: Line) -> str:
    """Check that CERTFILE names a readable PEM with a certificate and its key.

    A relative name is taken from the configuration directory.  upsd finds
    a bad certificate only at the first STARTTLS (and then refuses TLS);
    pynutd refuses to start, so the fault is seen at once.
    """
    from pynutd.tlsfile import ServerTLS

    certpath = (path.parent / line.words[1]).absolute()
    try:
        ServerTLS(certpath)
    except ValueError as exc:
        raise ConfigError(path, line.lineno, f"CERTFILE: {exc}") from None
    return str(certpath)


def load_upsd_conf(path: Path, warnings: list[str]) -> UpsdConf:
    """Read upsd.conf (absent: upsd's defaults)."""
    lines = read_nut_lines(path, missing_ok=True)
    if lines is None:
        return UpsdConf()
    listeners = _Listeners(path)
    values: dict[str, object] = {}
    for line in lines:
        key, args = line.words[0], line.words[1:]
        if key == "LISTEN":
            listeners.add(line)
        elif key in ("MAXAGE", "MAXCONN", "TRACKINGDELAY"):
            if len(args) != 1:
                raise ConfigError(path, line.lineno, f"{key} takes one value")
            values[key.lower()] = _positive(path, line, args[0])
        elif key in ("DATAPATH", "CERTFILE"):
            if len(args) != 1:
                raise ConfigError(path, line.lineno, f"{key} takes one path")
            values[key.lower()] = _certfile(path, line) if key == "CERTFILE" else args[0]
        elif key == "DISABLE_WEAK_SSL":
            if len(args) != 1 or args[0].lower() not in ("true", "false"):
                raise ConfigError(path, line.lineno, "DISABLE_WEAK_SSL takes true or false")
            values["disable_weak_ssl"] = args[0].lower() == "true"
        elif key in UPSD_IGNORED:
            warnings.append(f"{path}:{line.lineno}: {key} is not used by pynutd")
        else:
            raise ConfigError(path, line.lineno, f"unknown upsd.conf keyword {shown(key)}")
    return UpsdConf(listen=listeners.result(), **values)  # type: ignore[arg-type]
