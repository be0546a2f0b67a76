"""TCP listen endpoints for the NUT port and the web site, built by one helper.

With a certificate, :func:`listen_endpoint` returns the same endpoint
speaking TLS from the first byte (the web site's HTTPS); the NUT port
switches later, on STARTTLS (:mod:`pynutd.nut.protocol`).

Both get the same deep backlog: upsd's ``listen(…, 16)`` (and Twisted's
default 50) drop connections when many clients connect at once, such as
upsc-style churn or a thousand dashboards opening their live streams.  An
IPv6 any-address listener is IPv6-only, as upsd's ``setuptcp()`` sets it,
so ``LISTEN *`` can also bind IPv4's any-address on the same port (Linux
binds ``::`` dual-stack by default).
"""

from __future__ import annotations

import socket
from typing import cast

from twisted.internet import defer
from twisted.internet.endpoints import TCP4ServerEndpoint, TCP6ServerEndpoint
from twisted.internet.error import CannotListenError
from twisted.internet.interfaces import (
    IListeningPort,
    IProtocolFactory,
    IReactorSocket,
    IReactorTCP,
    IStreamServerEndpoint,
)
from twisted.internet.protocol import ServerFactory
from zope.interface import implementer

from pynutd.tlsfile import ServerTLS

LISTEN_BACKLOG = 1024


@implementer(IStreamServerEndpoint)
class _V6OnlyEndpoint:
    """``[::]:port`` with IPV6_V6ONLY set before bind (Twisted's endpoint cannot)."""

    def __init__(self, reactor: IReactorSocket, port: int, backlog: int,
                 interface: str) -> None:
        self.reactor = reactor
        self.port = port
        self.backlog = backlog
        self.interface = interface

    def listen(self, factory: IProtocolFactory) -> defer.Deferred[IListeningPort]:
        """Bind, listen and hand the socket to the reactor."""
        return defer.execute(self._listen, factory)

    def _listen(self, factory: IProtocolFactory) -> IListeningPort:
        sock = socket.socket(socket.AF_INET6, socket.SOCK_STREAM)
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            sock.setsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY, 1)
            sock.bind((self.interface, self.port))
            sock.listen(self.backlog)
            sock.setblocking(False)
            # The interface's annotation asks for a ServerFactory; the
            # reactor needs only buildProtocol/doStart/doStop (IProtocolFactory).
            port: IListeningPort = self.reactor.adoptStreamPort(
                sock.fileno(), socket.AF_INET6, cast(ServerFactory, factory))
            return port
        except OSError as exc:
            raise CannotListenError(self.interface, self.port, exc) from None
        finally:
            sock.close()   # the reactor's port holds its own duplicate


@implementer(IStreamServerEndpoint)
class _TLSEndpoint:
    """Any endpoint, with every accepted connection wrapped in TLS (server side)."""

    def __init__(self, inner: IStreamServerEndpoint, tls: ServerTLS) -> None:
        self.inner = inner
        self.tls = tls

    def listen(self, factory: IProtocolFactory) -> defer.Deferred[IListeningPort]:
        """Listen with ``factory`` behind a TLS layer."""
        from twisted.protocols.tls import TLSMemoryBIOFactory  # loads pyOpenSSL: only for TLS
        return self.inner.listen(TLSMemoryBIOFactory(self.tls, False, factory))


def listen_endpoint(reactor: IReactorTCP, address: str, port: int,
                    tls: ServerTLS | None = None) -> IStreamServerEndpoint:
    """Return the endpoint for a numeric ``address`` and ``port``, backlog LISTEN_BACKLOG.

    ``[::]`` needs the reactor to adopt a socket too (IReactorSocket).
    With ``tls`` every connection speaks TLS from its first byte.
    """
    if tls is not None:
        return _TLSEndpoint(listen_endpoint(reactor, address, port), tls)
    if ":" not in address:
        return TCP4ServerEndpoint(reactor, port, LISTEN_BACKLOG, address)
    if address == "::":
        return _V6OnlyEndpoint(IReactorSocket(reactor), port, LISTEN_BACKLOG, address)
    return TCP6ServerEndpoint(reactor, port, LISTEN_BACKLOG, address)
