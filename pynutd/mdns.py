"""zeroconf: advertise the NUT port as ``_nut._tcp`` on the addresses pynutd listens on.

Home Assistant's NUT integration (and other clients) find NUT servers by
multicast DNS service discovery of ``_nut._tcp.local.``, as NUT's own
avahi service file announces upsd.  pynutd announces each NUT listener's
port on that listener's address; a wildcard listener (``LISTEN *`` or
``::``) on every non-loopback address of its family.  A loopback listener
is never announced: nobody else could connect to it.

python-zeroconf's calls block (probing takes about a second), so they run
in the reactor's thread pool; zeroconf then answers queries from its own
thread.  ``[zeroconf] enabled = no`` turns it off.
"""

from __future__ import annotations

import ipaddress
import logging
import socket
from collections.abc import Callable, Iterable
from typing import Any

import ifaddr
from twisted.internet.defer import Deferred, succeed
from twisted.internet.threads import deferToThreadPool
from zeroconf import IPVersion, ServiceInfo, Zeroconf

from pynutd import __version__

log = logging.getLogger(__name__)

SERVICE_TYPE = "_nut._tcp.local."
WILDCARDS = {"0.0.0.0": 4, "::": 6}


def interface_addresses() -> list[str]:
    """Return every address of this host's interfaces (IPv6 without scope)."""
    found: list[str] = []
    for adapter in ifaddr.get_adapters():
        for ip in adapter.ips:
            found.append(ip.ip if isinstance(ip.ip, str) else ip.ip[0])
    return found


def _usable(address: str) -> bool:
    # Loopback cannot be reached from elsewhere; an IPv6 link-local address
    # is useless without its interface, which an mDNS answer cannot carry.
    ip = ipaddress.ip_address(address)
    return not (ip.is_loopback or ip.is_unspecified or (ip.version == 6 and ip.is_link_local))


def plan(listen: Iterable[tuple[str, int]], interfaces: Iterable[str]) -> dict[int, list[str]]:
    """Return ``{port: [addresses]}`` to announce for the NUT listeners ``listen``.

    ``interfaces`` are the host's addresses, for wildcard listeners.
    Loopback, unspecified and IPv6 link-local addresses are never announced.
    """
    local = [a for a in interfaces if _usable(a)]
    out: dict[int, list[str]] = {}
    for address, port in listen:
        family = WILDCARDS.get(address)
        if family is not None:
            chosen = [a for a in local if ipaddress.ip_address(a).version == family]
        else:
            chosen = [address] if _usable(address) else []
        for found in chosen:
            if found not in out.setdefault(port, []):
                out[port].append(found)
    return {port: found for port, found in out.items() if found}


def wanted(listen: Iterable[tuple[str, int]]) -> bool:
    """Return whether any listener could be announced (one is not loopback)."""
    return any(a in WILDCARDS or _usable(a) for a, _ in listen)


def service_infos(announce: dict[int, list[str]], host: str) -> list[ServiceInfo]:
    """Return one ``_nut._tcp`` service per port, named after ``host``."""
    infos = []
    for port, found in sorted(announce.items()):
        name = host if len(announce) == 1 else f"{host} port {port}"
        infos.append(ServiceInfo(
            SERVICE_TYPE, f"{name}.{SERVICE_TYPE}", port=port,
            parsed_addresses=found, server=f"{host}.local.",
            properties={"server": "pynutd", "version": __version__}))
    return infos


class Advertiser:
    """Announces the NUT listeners while pynutd runs (an optional part)."""

    def __init__(self, listen: Iterable[tuple[str, int]], reactor: Any,
                 host: str | None = None,
                 addresses: Callable[[], list[str]] = interface_addresses) -> None:
        self.listen = list(listen)
        self.reactor = reactor
        self.host = host or socket.gethostname().split(".")[0] or "pynutd"
        self.addresses = addresses
        self._zeroconf: Zeroconf | None = None

    def start(self) -> Deferred[None]:
        """Register the services (in a thread: zeroconf's probing blocks)."""
        return self._in_thread(self._register)

    def stop(self) -> Deferred[None]:
        """Say goodbye on the network and close zeroconf's sockets."""
        return self._in_thread(self._close) if self._zeroconf is not None else succeed(None)

    def _in_thread(self, func: Callable[[], None]) -> Deferred[None]:
        d: Deferred[None] = deferToThreadPool(self.reactor, self.reactor.getThreadPool(), func)
        return d

    def _register(self) -> None:
        announce = plan(self.listen, self.addresses())
        if not announce:
            log.info("zeroconf: no address other than loopback to announce")
            return
        everywhere = sorted({a for found in announce.values() for a in found})
        versions = {ipaddress.ip_address(a).version for a in everywhere}
        ip_version = IPVersion.All if versions == {4, 6} else (
            IPVersion.V6Only if versions == {6} else IPVersion.V4Only)
        zeroconf = Zeroconf(interfaces=everywhere, ip_version=ip_version)
        try:
            for info in service_infos(announce, self.host):
                zeroconf.register_service(info, allow_name_change=True)
                log.info("zeroconf: announcing %s on %s port %d", info.name,
                         ", ".join(info.parsed_addresses()), info.port)
        except Exception:
            zeroconf.close()
            raise
        self._zeroconf = zeroconf

    def _close(self) -> None:
        zeroconf, self._zeroconf = self._zeroconf, None
        if zeroconf is not None:
            zeroconf.unregister_all_services()
            zeroconf.close()
