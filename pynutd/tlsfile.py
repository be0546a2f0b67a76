"""A TLS server context from one PEM file: the certificate, its chain and its key.

upsd's OpenSSL build reads ``CERTFILE`` as one PEM holding the server's
certificate, any intermediate certificates and the private key
(``server/netssl.c:ssl_init``); the web side takes the same form.  The file
is read once, at start (before privileges are dropped), and every fault is
reported as a :class:`ValueError` whose text the configuration turns into a
``file:line:`` error.

pyOpenSSL is imported only when a certificate is configured, so a server
without TLS never loads it.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from twisted.internet.interfaces import IOpenSSLContextFactory
from zope.interface import implementer

CERT_BEGIN = b"-----BEGIN CERTIFICATE-----"
KEY_BEGINS = (b"-----BEGIN PRIVATE KEY-----", b"-----BEGIN RSA PRIVATE KEY-----",
              b"-----BEGIN EC PRIVATE KEY-----", b"-----BEGIN ENCRYPTED PRIVATE KEY-----")

MISMATCH = "{}: the private key does not match the certificate"


@implementer(IOpenSSLContextFactory)
class ServerTLS:
    """A TLS server context built from one PEM; Twisted calls :meth:`getContext`.

    ``min_tls12`` is upsd's ``DISABLE_WEAK_SSL``: nothing older than TLS 1.2.
    Without it the floor is TLS 1.0, as upsd 2.8.0 sets it; OpenSSL 3's
    default security level refuses TLS 1.0 and 1.1 anyway.
    """

    def __init__(self, path: str | Path, min_tls12: bool = False) -> None:
        self.path = Path(path)
        self.min_tls12 = min_tls12
        self.min_version = _floor(min_tls12)
        self._context = _build(self.path, self.min_version)

    def getContext(self) -> Any:
        """Return the OpenSSL context every connection is made from."""
        return self._context


def _floor(min_tls12: bool) -> int:
    from OpenSSL import SSL

    return int(SSL.TLS1_2_VERSION if min_tls12 else SSL.TLS1_VERSION)


def _build(path: Path, min_version: int) -> Any:
    try:
        pem = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read {path}: {exc.strerror}") from None
    if CERT_BEGIN not in pem:
        raise ValueError(f"{path} holds no PEM certificate")
    if not any(begin in pem for begin in KEY_BEGINS):
        raise ValueError(f"{path} holds no PEM private key (put the key in the same file, "
                         "after the certificates)")
    from OpenSSL import SSL  # only when TLS is configured

    context = SSL.Context(SSL.TLS_SERVER_METHOD)
    context.set_min_proto_version(min_version)
    # Compression invites CRIME; renegotiation is not needed by any NUT client.
    context.set_options(SSL.OP_NO_COMPRESSION | SSL.OP_NO_RENEGOTIATION)
    try:
        context.use_certificate_chain_file(str(path))
    except SSL.Error as exc:
        raise ValueError(f"{path}: bad certificate ({_reason(exc)})") from None
    try:
        context.use_privatekey_file(str(path))
    except SSL.Error as exc:
        reason = _reason(exc)
        if "mismatch" in reason:   # OpenSSL checks the pair as it loads the key
            raise ValueError(MISMATCH.format(path)) from None
        raise ValueError(f"{path}: bad private key ({reason})") from None
    try:
        context.check_privatekey()
    except SSL.Error:
        raise ValueError(MISMATCH.format(path)) from None
    return context


def _reason(exc: Exception) -> str:
    # pyOpenSSL gives a list of (library, function, reason) tuples.
    errors = exc.args[0] if exc.args else []
    if isinstance(errors, list) and errors and isinstance(errors[-1], tuple):
        return str(errors[-1][-1])
    return str(exc) or type(exc).__name__
