"""STARTTLS without a network: the replies in upsd's order, the switch on the
transport, and CERTFILE / DISABLE_WEAK_SSL in upsd.conf.

The handshake itself, with real clients, is in tests/integration/test_nut_tls.py.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from twisted.internet import task
from twisted.internet.address import IPv4Address
from twisted.internet.testing import StringTransport

from pynutd.config import ConfigError, load
from pynutd.nut.commands import COMMANDS
from pynutd.nut.protocol import NutFactory
from pynutd.nut.session import NutSession
from pynutd.tlsfile import ServerTLS
from tests.nutfixtures import make_context
from tests.tlscerts import make_ca, make_server


@pytest.fixture(scope="module")
def pki(tmp_path_factory) -> Path:
    """A CA, a server PEM for it (server.pem), and a second CA's server PEM (other.pem)."""
    directory = tmp_path_factory.mktemp("pki")
    make_server(directory, make_ca(directory))
    make_server(directory, make_ca(directory, "otherca"), "other")
    return directory


def session(tls: object = None) -> NutSession:
    context, _, _ = make_context()
    context.tls = tls
    return NutSession(context, "127.0.0.1", COMMANDS)


def test_not_configured():
    """No CERTFILE: FEATURE-NOT-CONFIGURED, whatever the arguments, and nothing to switch."""
    s = session()
    assert s.handle(["STARTTLS"]) == ["ERR FEATURE-NOT-CONFIGURED"]
    assert s.handle(["starttls", "x", "y"]) == ["ERR FEATURE-NOT-CONFIGURED"]
    assert not s.starttls_due


def test_configured_then_already(pki):
    """With a certificate: OK STARTTLS and the switch asked for; once in TLS, ALREADY-SSL-MODE."""
    s = session(ServerTLS(pki / "server.pem"))
    assert s.handle(["STARTTLS", "ignored"]) == ["OK STARTTLS"]
    assert s.starttls_due
    s.starttls_due, s.tls = False, True
    assert s.handle(["STARTTLS"]) == ["ERR ALREADY-SSL-MODE"]
    # upsd checks ALREADY-SSL-MODE before the configuration.
    s.context.tls = None
    assert s.handle(["STARTTLS"]) == ["ERR ALREADY-SSL-MODE"]


class TLSRecordingTransport(StringTransport):
    """A StringTransport that notes what had been written when startTLS was called."""

    def __init__(self, **kw: object) -> None:
        super().__init__(**kw)  # type: ignore[arg-type]
        self.tls_at: bytes | None = None
        self.tls_context: object = None

    def startTLS(self, context: object) -> None:
        self.tls_at = self.value()
        self.tls_context = context


def connect(tls: object):
    clock = task.Clock()
    context, _, _ = make_context(clock)
    context.tls = tls
    factory = NutFactory(context)
    proto = factory.buildProtocol(IPv4Address("TCP", "127.0.0.1", 5555))
    # The idle timeout on the test clock, not on the global reactor.
    proto.callLater = clock.callLater
    transport = TLSRecordingTransport(peerAddress=IPv4Address("TCP", "127.0.0.1", 5555))
    proto.makeConnection(transport)
    return proto, transport


def test_switch_after_ok_and_clear_text_dropped(pki):
    """Replies up to OK STARTTLS go out in clear before the switch; lines sent in
    clear after STARTTLS are dropped; the next read is answered (inside TLS)."""
    tls = ServerTLS(pki / "server.pem")
    proto, transport = connect(tls)
    proto.dataReceived(b"NETVER\nSTARTTLS\nUSERNAME evil\nVER\nGET VAR ups bat")
    assert transport.tls_at == b"1.3\nOK STARTTLS\n"
    assert transport.tls_context is tls
    assert transport.value() == b"1.3\nOK STARTTLS\n"
    proto.dataReceived(b"USERNAME monuser\n")
    assert transport.value() == b"1.3\nOK STARTTLS\nOK\n"
    # The producer is still registered: Twisted moves it onto the TLS layer.
    assert transport.producer is proto


def test_refused_starttls_keeps_reading(pki):
    """Without CERTFILE the lines after STARTTLS are answered as usual (upsc goes on in clear)."""
    proto, transport = connect(None)
    proto.dataReceived(b"STARTTLS\nNETVER\n")
    assert transport.value() == b"ERR FEATURE-NOT-CONFIGURED\n1.3\n"
    assert transport.tls_at is None


def write_conf(tmp_path: Path, upsd: str) -> Path:
    (tmp_path / "ups.conf").write_text("")
    (tmp_path / "upsd.conf").write_text(upsd)
    return tmp_path


def test_certfile_loads(pki, tmp_path):
    """A good PEM, absolute or relative to the configuration folder; DISABLE_WEAK_SSL parsed."""
    (tmp_path / "cert.pem").write_bytes((pki / "server.pem").read_bytes())
    conf = load(write_conf(tmp_path, "CERTFILE cert.pem\nDISABLE_WEAK_SSL true\n"))
    assert conf.upsd.certfile == str(tmp_path / "cert.pem")
    assert conf.upsd.disable_weak_ssl is True
    assert not [w for w in conf.warnings if "CERTFILE" in w or "WEAK" in w]
    conf = load(write_conf(tmp_path, f"CERTFILE {pki / 'server.pem'}\nDISABLE_WEAK_SSL FALSE\n"))
    assert conf.upsd.certfile == str(pki / "server.pem")
    assert conf.upsd.disable_weak_ssl is False


def test_disable_weak_ssl_sets_the_floor(pki):
    """DISABLE_WEAK_SSL: TLS 1.2 and later only; otherwise upsd 2.8.0's floor, TLS 1.0.

    (OpenSSL 3's default security level refuses TLS 1.0 and 1.1 either way,
    so no handshake here could tell the two apart.)
    """
    from OpenSSL import SSL

    assert ServerTLS(pki / "server.pem", True).min_version == SSL.TLS1_2_VERSION
    assert ServerTLS(pki / "server.pem").min_version == SSL.TLS1_VERSION


def mismatched(pki: Path, tmp_path: Path) -> Path:
    path = tmp_path / "mixed.pem"
    path.write_bytes((pki / "server.crt").read_bytes() + (pki / "other.key").read_bytes())
    return path


@pytest.mark.parametrize("make,expected", [
    (lambda pki, tmp: tmp / "absent.pem", "cannot read .*absent.pem: No such file"),
    (lambda pki, tmp: pki / "server.crt", "holds no PEM private key"),
    (lambda pki, tmp: pki / "server.key", "holds no PEM certificate"),
    (mismatched, "the private key does not match the certificate"),
], ids=["unreadable", "no-key", "no-cert", "mismatch"])
def test_bad_certfile_is_a_config_error(pki, tmp_path, make, expected):
    """An unreadable, incomplete or mismatched CERTFILE stops the start at its line."""
    path = make(pki, tmp_path)
    with pytest.raises(ConfigError, match=r"upsd\.conf:2: CERTFILE: .*" + expected):
        load(write_conf(tmp_path, f"MAXAGE 15\nCERTFILE {path}\n"))


def test_malformed_certificate(pki, tmp_path):
    """A certificate block that is not base64 DER: a config error, not a traceback."""
    path = tmp_path / "garbage.pem"
    path.write_bytes(b"-----BEGIN CERTIFICATE-----\nnot a cert\n-----END CERTIFICATE-----\n"
                     + (pki / "server.key").read_bytes())
    with pytest.raises(ConfigError, match=r"upsd\.conf:1: CERTFILE: .*bad certificate"):
        load(write_conf(tmp_path, f"CERTFILE {path}\n"))


def test_disable_weak_ssl_needs_true_or_false(tmp_path):
    with pytest.raises(ConfigError, match=r"upsd\.conf:1: DISABLE_WEAK_SSL takes true or false"):
        load(write_conf(tmp_path, "DISABLE_WEAK_SSL yes\n"))
