"""Test certificates made on the spot with the real ``openssl`` tool: nothing is committed.

:func:`make_ca` makes a certificate authority; :func:`make_server` a server
certificate signed by it for ``localhost`` and ``127.0.0.1``, written as the
one PEM upsd's ``CERTFILE`` takes (certificate, then the CA as its chain,
then the key).
"""

from __future__ import annotations

import subprocess
from dataclasses import dataclass
from pathlib import Path

KEY = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]


@dataclass(frozen=True)
class Ca:
    """A test CA: its certificate (``pem``) and its key."""

    pem: Path
    key: Path


def _openssl(*args: str | Path) -> None:
    subprocess.run(["openssl", *map(str, args)], check=True, capture_output=True)


def make_ca(directory: Path, name: str = "ca") -> Ca:
    """Make a self-signed CA in ``directory`` as ``<name>.pem`` and ``<name>.key``."""
    directory.mkdir(parents=True, exist_ok=True)
    ca = Ca(directory / f"{name}.pem", directory / f"{name}.key")
    _openssl("req", "-x509", *KEY, "-keyout", ca.key, "-out", ca.pem, "-days", "2",
             "-subj", f"/CN=pynutd test {name}",
             "-addext", "basicConstraints=critical,CA:TRUE",
             "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    return ca


def make_server(directory: Path, ca: Ca, name: str = "server") -> Path:
    """Make ``<name>.pem``: a server certificate from ``ca``, its chain and its key."""
    key, csr, cert = (directory / f"{name}.{ext}" for ext in ("key", "csr", "crt"))
    ext = directory / f"{name}.ext"
    ext.write_text("subjectAltName=DNS:localhost,IP:127.0.0.1\n"
                   "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\n"
                   "extendedKeyUsage=serverAuth\n")
    _openssl("req", *KEY, "-keyout", key, "-out", csr, "-subj", "/CN=localhost")
    _openssl("x509", "-req", "-in", csr, "-CA", ca.pem, "-CAkey", ca.key, "-CAcreateserial",
             "-out", cert, "-days", "2", "-extfile", ext)
    pem = directory / f"{name}.pem"
    pem.write_bytes(cert.read_bytes() + ca.pem.read_bytes() + key.read_bytes())
    pem.chmod(0o600)
    return pem
