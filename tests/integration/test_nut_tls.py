"""STARTTLS on the NUT port, judged by Debian's NSS-built NUT 2.8.0 clients and Python's ssl.

The certificates are made by the test (:mod:`tests.tlscerts`).  upsmon
trusts a CA through an NSS database made with ``certutil``; with
``CERTVERIFY 1`` and ``FORCESSL 1`` it logs in only over a verified TLS
session, and one trusting another CA never logs in.
"""

from __future__ import annotations

import os
import socket
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from tests.integration.harness import ROOT, Pynutd, chat, free_port, run
from tests.integration.upsmon import Upsmon
from tests.tlscerts import Ca, make_ca, make_server

USERS = "[monuser]\n password = secret\n upsmon secondary\n"


def nss_db(directory: Path, ca: Ca) -> Path:
    """Make an NSS database (no password) that trusts ``ca`` for servers."""
    directory.mkdir(parents=True)
    subprocess.run(["certutil", "-N", "-d", f"sql:{directory}", "--empty-password"],
                   check=True, capture_output=True)
    subprocess.run(["certutil", "-A", "-d", f"sql:{directory}", "-n", "test-ca", "-t", "C,,",
                    "-i", str(ca.pem)], check=True, capture_output=True)
    return directory


@pytest.fixture
def tls_server(tmp_path):
    """A pynutd with CERTFILE from a fresh CA; yields (server, ca, tmp_path)."""
    conf = tmp_path / "conf"
    conf.mkdir()
    ca = make_ca(tmp_path / "pki")
    pem = make_server(tmp_path / "pki", ca)
    (conf / "ups.conf").write_text("[ups]\n driver = dummy-ups\n port = ups.dev\n")
    (conf / "ups.dev").write_text("ups.status: OL\nbattery.charge: 90\n")
    (conf / "upsd.users").write_text(USERS)
    with Pynutd(conf, wait_for_ups="ups", upsd_extra=f"CERTFILE {pem}\nDISABLE_WEAK_SSL true\n") as server:
        yield server, ca, tmp_path


def starttls(port: int, ca: Path, before: bytes = b"STARTTLS\n") -> ssl.SSLSocket:
    """Connect, send ``before`` (which ends with STARTTLS), expect OK STARTTLS, verify the CA."""
    raw = socket.create_connection(("127.0.0.1", port), timeout=5)
    raw.sendall(before)
    reply = b""
    while not reply.endswith(b"OK STARTTLS\n"):
        chunk = raw.recv(1)
        assert chunk, reply
        reply += chunk
    context = ssl.create_default_context(cafile=str(ca))
    return context.wrap_socket(raw, server_hostname="localhost")


def ask(sock: socket.socket, line: str) -> str:
    """Send one line, return the one line answered."""
    sock.sendall(line.encode() + b"\n")
    out = b""
    while not out.endswith(b"\n"):
        chunk = sock.recv(4096)
        assert chunk, out
        out += chunk
    return out.decode()


def test_python_client_verifies_and_reads(tls_server):
    """After STARTTLS a CA-verifying client reads a variable; STARTTLS again is ALREADY-SSL-MODE."""
    server, ca, _ = tls_server
    with starttls(server.port, ca.pem) as tls:
        assert tls.version() in ("TLSv1.2", "TLSv1.3")
        assert ask(tls, "GET VAR ups battery.charge") == 'VAR ups battery.charge "90"\n'
        assert ask(tls, "STARTTLS") == "ERR ALREADY-SSL-MODE\n"
        assert ask(tls, "VER").startswith("Network UPS Tools upsd 2.8.0")


def test_plain_text_after_starttls_is_dropped(tls_server):
    """Lines sent in clear after STARTTLS (before the handshake) are never acted on."""
    server, ca, _ = tls_server
    with starttls(server.port, ca.pem, b"STARTTLS\nUSERNAME monuser\n") as tls:
        # Had the clear USERNAME counted, this would be ALREADY-SET-USERNAME.
        assert ask(tls, "USERNAME monuser") == "OK\n"


def test_other_ca_fails_verification(tls_server, tmp_path):
    """A client trusting another CA refuses the handshake."""
    server, _, _ = tls_server
    other = make_ca(tmp_path / "other", "other")
    with pytest.raises(ssl.SSLCertVerificationError):
        starttls(server.port, other.pem).close()


def relay(port: int) -> tuple[int, list[bytes], threading.Thread]:
    """A one-connection TCP relay to ``port``; returns its port, what the server sent, its thread."""
    listener = socket.create_server(("127.0.0.1", 0))
    seen: list[bytes] = []

    def pipe(src: socket.socket, dst: socket.socket, record: bool) -> None:
        try:
            while chunk := src.recv(65536):
                if record:
                    seen.append(chunk)
                dst.sendall(chunk)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def serve() -> None:
        listener.settimeout(20)
        with listener:
            client, _ = listener.accept()
        upstream = socket.create_connection(("127.0.0.1", port))
        back = threading.Thread(target=pipe, args=(upstream, client, True), daemon=True)
        back.start()
        pipe(client, upstream, False)
        back.join(5)
        client.close()
        upstream.close()

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return listener.getsockname()[1], seen, thread


def test_upsc_over_starttls(tls_server):
    """Debian's upsc tries STARTTLS first: it gets OK STARTTLS, the rest is TLS records,
    and it still reads the UPS."""
    server, _, _ = tls_server
    port, seen, thread = relay(server.port)
    out = run(["upsc", f"ups@127.0.0.1:{port}", "battery.charge"])
    thread.join(10)
    assert out.stdout.strip() == "90", out.stderr
    sent = b"".join(seen)
    assert sent.startswith(b"OK STARTTLS\n"), sent[:40]
    # A TLS handshake record (type 22, version 3.x) follows, and no clear-text reply.
    assert sent[len(b"OK STARTTLS\n"):][:2] == b"\x16\x03", sent[:40]
    assert b"VAR ups" not in sent


def numlogins(port: int) -> str:
    return chat(port, ["GET NUMLOGINS ups"]).strip()


def upsmon_tls(workdir: Path, port: int, db: Path) -> Upsmon:
    return Upsmon(workdir, f"ups@127.0.0.1:{port}", "monuser", "secret", "secondary",
                  extra=f"CERTPATH {db}\nCERTVERIFY 1\nFORCESSL 1\n")


def test_nss_upsmon_logs_in_over_tls(tls_server):
    """NSS upsmon trusting the CA, CERTVERIFY 1, FORCESSL 1: logs in, over SSL."""
    server, ca, tmp_path = tls_server
    db = nss_db(tmp_path / "nss-good", ca)
    with upsmon_tls(tmp_path / "upsmon-good", server.port, db) as mon:
        try:
            server.wait_until(lambda: numlogins(server.port) == "NUMLOGINS ups 1", 20)
        except TimeoutError:
            raise AssertionError("upsmon did not log in; its log:\n" + mon.log()) from None
        # It keeps polling inside TLS (POLLFREQ 1): still logged in, no poll failed.
        time.sleep(3)
        assert numlogins(server.port) == "NUMLOGINS ups 1", mon.log()
        log = mon.log()
    assert "Connected to NUT server 127.0.0.1 in SSL" in log, log
    assert "failed" not in log, log


def test_nss_upsmon_refuses_other_ca(tls_server):
    """The same upsmon trusting another CA never logs in."""
    server, _, tmp_path = tls_server
    other = make_ca(tmp_path / "other", "other")
    db = nss_db(tmp_path / "nss-other", other)
    with upsmon_tls(tmp_path / "upsmon-other", server.port, db) as mon:
        deadline = time.monotonic() + 6
        while time.monotonic() < deadline:
            assert numlogins(server.port) == "NUMLOGINS ups 0", mon.log()
            time.sleep(0.3)
        log = mon.log()
    assert "SSL" in log or "certificate" in log.lower(), log


def rss_mib(pid: int) -> float:
    """Return the resident memory of process ``pid`` in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


def push_tls(sock: ssl.SSLSocket, data: bytes, seconds: float) -> int:
    """Send as much of ``data`` inside TLS as the server takes within ``seconds``."""
    sock.setblocking(False)
    sent, deadline = 0, time.monotonic() + seconds
    while sent < len(data) and time.monotonic() < deadline:
        try:
            sent += sock.send(data[sent:sent + 16384])
        except (ssl.SSLWantWriteError, ssl.SSLWantReadError, BlockingIOError):
            time.sleep(0.01)
    return sent


def test_backpressure_inside_tls(tls_server):
    """Three TLS clients pipeline 2 MB of LIST VAR each and never read: the server
    stops reading them (memory stays within a few MiB) and still answers others."""
    server, ca, _ = tls_server
    pid = server.proc.pid
    before = rss_mib(pid)
    clients = [starttls(server.port, ca.pem) for _ in range(3)]
    try:
        data = b"LIST VAR ups\n" * (2_000_000 // 13)
        pushers = [threading.Thread(target=push_tls, args=(c, data, 8)) for c in clients]
        for t in pushers:
            t.start()
        peak = before
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            peak = max(peak, rss_mib(pid))
            assert chat(server.port, ["GET VAR ups battery.charge"]) == \
                'VAR ups battery.charge "90"\n'
            time.sleep(0.2)
        for t in pushers:
            t.join()
        assert peak - before < 40, f"RSS {before:.0f} MiB -> {peak:.0f} MiB"
    finally:
        for c in clients:
            c.close()


def test_bad_certfile_stops_the_start(tmp_path):
    """A CERTFILE whose key belongs to another certificate: `pynutd: file:line: ...`, status 2."""
    ca, other = make_ca(tmp_path, "ca"), make_ca(tmp_path, "otherca")
    make_server(tmp_path, ca, "a")
    make_server(tmp_path, other, "b")
    mixed = tmp_path / "mixed.pem"
    mixed.write_bytes((tmp_path / "a.crt").read_bytes() + (tmp_path / "b.key").read_bytes())
    (tmp_path / "ups.conf").write_text("")
    (tmp_path / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {free_port()}\nCERTFILE {mixed}\n")
    out = subprocess.run([sys.executable, "-m", "pynutd", "-c", str(tmp_path)],
                         capture_output=True, text=True, timeout=20, cwd=ROOT,
                         env=dict(os.environ, PYTHONPATH=str(ROOT)))
    assert out.returncode == 2, out.stderr
    assert out.stderr.strip().splitlines()[-1] == (
        f"pynutd: {tmp_path}/upsd.conf:2: CERTFILE: {mixed}: "
        "the private key does not match the certificate")
    assert "Traceback" not in out.stderr


def test_upscmd_and_upsrw_keep_working(tls_server):
    """Debian 2.8.0's upscmd and upsrw (they never send STARTTLS) list as before."""
    server, _, _ = tls_server
    target = f"ups@127.0.0.1:{server.port}"
    cmds = run(["upscmd", "-l", target])
    assert cmds.returncode == 0 and "Instant commands supported on UPS [ups]" in cmds.stdout, \
        cmds.stderr
    rw = run(["upsrw", target])
    assert rw.returncode == 0, rw.stderr
