"""The one listen helper: deep backlog for both ports; LISTEN * binds both families on Linux."""

from __future__ import annotations

import socket

from twisted.internet import reactor
from twisted.internet.error import CannotListenError
from twisted.internet.interfaces import IListeningPort
from twisted.internet.protocol import Factory, Protocol
from twisted.internet.testing import MemoryReactor
from twisted.trial.unittest import TestCase

from pynutd.listeners import LISTEN_BACKLOG, listen_endpoint


class AnyAddressTests(TestCase):
    """Against the real reactor: the kernel decides whether the second bind works."""

    def setUp(self) -> None:
        self.ports: list[IListeningPort] = []

    def tearDown(self) -> object:
        from twisted.internet.defer import gatherResults
        return gatherResults([p.stopListening() for p in self.ports])

    async def test_ipv6_and_ipv4_any_address_on_one_port(self) -> None:
        """[::]:P is IPv6-only (as upsd sets it), so it binds beside 0.0.0.0:P."""
        factory = Factory.forProtocol(Protocol)
        for _ in range(5):   # a port free for IPv4 may be taken on IPv6: try another
            v4 = await listen_endpoint(reactor, "0.0.0.0", 0).listen(factory)
            self.ports.append(v4)
            port = v4.getHost().port
            try:
                v6 = await listen_endpoint(reactor, "::", port).listen(factory)
            except CannotListenError:
                continue
            self.ports.append(v6)
            break
        else:
            self.fail("[::] could not be bound beside 0.0.0.0 on any of 5 ports")
        with socket.create_connection(("127.0.0.1", port), timeout=5):
            pass
        v6only = socket.fromfd(v6.fileno(), socket.AF_INET6, socket.SOCK_STREAM)  # type: ignore[attr-defined]
        try:
            assert v6only.getsockopt(socket.IPPROTO_IPV6, socket.IPV6_V6ONLY) == 1
        finally:
            v6only.close()


def test_backlog_and_families() -> None:
    """Every listener gets LISTEN_BACKLOG; addresses pick IPv4 or IPv6."""
    memory = MemoryReactor()
    factory = Factory.forProtocol(Protocol)
    listen_endpoint(memory, "127.0.0.1", 3493).listen(factory)
    listen_endpoint(memory, "::1", 8080).listen(factory)
    assert [(p, b, i) for p, _, b, i in memory.tcpServers] == [
        (3493, LISTEN_BACKLOG, "127.0.0.1"), (8080, LISTEN_BACKLOG, "::1")]
    assert LISTEN_BACKLOG >= 1024
