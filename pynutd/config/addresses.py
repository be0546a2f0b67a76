"""Checks for network values: listen addresses, ports and web origins.

A listen address is an IP address, or a host name resolved once, when the
file is read, to its first address (upsd's ``setuptcp()`` binds the first
address ``getaddrinfo`` gives, too).  Text that looks numeric but is no
valid address (``999.1.1.1``, ``3.5``) is refused rather than handed to the
resolver, which would read ``3.5`` as 3.0.0.5.
"""

from __future__ import annotations

import ipaddress
import re
import socket

from pynutd.config.values import integer, shown

_LABEL = r"(?!-)[A-Za-z0-9-]{1,63}(?<!-)"
_HOSTNAME = re.compile(rf"{_LABEL}(?:\.{_LABEL})*\.?")
_NUMERIC = re.compile(r"[0-9.]+|0[xX][0-9a-fA-F.]*")
_ORIGIN = re.compile(r"(?P<scheme>[A-Za-z][A-Za-z0-9+.-]*)://"
                     r"(?P<host>\[[0-9A-Fa-f:.]+\]|[^:/\[\]\s]+)(?::(?P<port>[0-9]{1,5}))?")
DEFAULT_PORTS = {"http": 80, "https": 443}


def port(text: str) -> int:
    """Return a TCP port number, 0..65535 (0: any free port)."""
    return integer(text, 0, 65535)


def ip_or_host_name(text: str, underscore: bool = False) -> str:
    """Return ``text`` as a normalised IP address, or as a checked host name (not resolved).

    Numeric text that is no IP address (``999.1.1.1``, ``3.5``) is refused
    rather than handed to the resolver, which would read it as an address.
    ``underscore`` admits ``_`` in labels (container names such as
    ``mqtt_broker``), which DNS host names do not have.
    """
    word = text.strip()
    if word.startswith("[") and word.endswith("]"):
        word = word[1:-1]
    try:
        return str(ipaddress.ip_address(word))
    except ValueError:
        pass
    if not word or _NUMERIC.fullmatch(word) or ":" in word:
        raise ValueError(f"{shown(word)} is not a valid IP address")
    checked = word.replace("_", "-") if underscore else word
    if len(word) > 253 or not _HOSTNAME.fullmatch(checked):
        raise ValueError(f"{shown(word)} is neither an IP address nor a host name")
    return word


def host_address(text: str) -> str:
    """Return the numeric address to bind for ``text`` (an IP address or a host name)."""
    word = ip_or_host_name(text)
    try:
        return str(ipaddress.ip_address(word))
    except ValueError:
        pass
    try:
        found = socket.getaddrinfo(word, None, socket.AF_UNSPEC, socket.SOCK_STREAM, 0,
                                   socket.AI_PASSIVE)
    except (OSError, UnicodeError) as exc:
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        raise ValueError(f"cannot resolve host name {shown(word)}: {reason}") from None
    return str(ipaddress.ip_address(str(found[0][4][0]).split("%")[0]))


def origin(text: str) -> str:
    """Return a web origin (``https://ups.example.com[:port]``) in the form browsers send.

    The scheme and host are lower-cased and a default port (80, 443) is
    dropped, because a browser's ``Origin`` header leaves it out.
    """
    match = _ORIGIN.fullmatch(text)
    if match is None:
        raise ValueError(f"{shown(text)} is not an origin like https://ups.example.com "
                         "(scheme://host[:port], no path)")
    scheme, host = match["scheme"].lower(), match["host"].lower()
    if scheme not in DEFAULT_PORTS:
        raise ValueError(f"{shown(text)}: the scheme must be http or https")
    if host.startswith("["):
        try:
            ipaddress.IPv6Address(host[1:-1])
        except ValueError:
            raise ValueError(f"{shown(text)}: {host} is not an IPv6 address") from None
    elif not _HOSTNAME.fullmatch(host) or (_NUMERIC.fullmatch(host) and not _is_ipv4(host)):
        raise ValueError(f"{shown(text)}: {shown(host)} is not a host name or IP address")
    number = None if match["port"] is None else int(match["port"])
    if number is not None and not 1 <= number <= 65535:
        raise ValueError(f"{shown(text)}: port {number} is out of range")
    if number is None or number == DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{number}"


def _is_ipv4(text: str) -> bool:
    try:
        ipaddress.IPv4Address(text)
    except ValueError:
        return False
    return True
