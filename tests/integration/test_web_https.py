"""HTTPS for the web side: `[web] certfile` serves the dashboard, API and metrics over TLS."""

from __future__ import annotations

import http.client
import socket
import ssl

import pytest

from tests.integration.harness import Pynutd, free_port, wait_port
from tests.tlscerts import make_ca, make_server


@pytest.fixture
def https_server(tmp_path):
    conf = tmp_path / "conf"
    conf.mkdir()
    ca = make_ca(tmp_path / "pki")
    pem = make_server(tmp_path / "pki", ca)
    (conf / "ups.conf").write_text("[ups]\n driver = dummy-ups\n port = ups.dev\n")
    (conf / "ups.dev").write_text("ups.status: OL\nbattery.charge: 64\n")
    (conf / "upsd.users").write_text("")
    web_port = free_port()
    (conf / "pynutd.conf").write_text(
        f"[web]\nlisten = 127.0.0.1\nport = {web_port}\ncertfile = {pem}\n")
    with Pynutd(conf, wait_for_ups="ups"):
        wait_port(web_port)
        yield web_port, ca


def get(port: int, path: str, cafile) -> tuple[int, str]:
    context = ssl.create_default_context(cafile=str(cafile))
    conn = http.client.HTTPSConnection("localhost", port, context=context, timeout=10)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        return response.status, response.read().decode()
    finally:
        conn.close()


def test_verifying_client_reads_dashboard_api_metrics(https_server):
    port, ca = https_server
    status, body = get(port, "/", ca.pem)
    assert status == 200 and "<html" in body.lower()
    status, body = get(port, "/metrics", ca.pem)
    assert status == 200 and "64" in body
    status, body = get(port, "/api/telemetry", ca.pem)
    assert status == 200 and '"battery_level": 64' in body


def test_other_ca_and_plain_http_fail(https_server, tmp_path):
    port, _ = https_server
    other = make_ca(tmp_path / "other", "other")
    with pytest.raises(ssl.SSLCertVerificationError):
        get(port, "/", other.pem)
    # Plain HTTP gets no HTTP answer from a TLS port.
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.0\r\n\r\n")
        s.settimeout(5)
        try:
            reply = s.recv(100)
        except (ConnectionResetError, TimeoutError):
            reply = b""
    assert not reply.startswith(b"HTTP/")


def test_bad_web_certfile_is_a_config_error(tmp_path):
    """A [web] certfile without its key stops the start at its line."""
    from pynutd.config import ConfigError, load

    ca = make_ca(tmp_path / "pki")
    make_server(tmp_path / "pki", ca)
    (tmp_path / "ups.conf").write_text("")
    (tmp_path / "pynutd.conf").write_text(f"[web]\nport = 9\ncertfile = {tmp_path}/pki/server.crt\n")
    with pytest.raises(ConfigError, match=r"pynutd\.conf:3: \[web\] certfile .*holds no PEM "
                                          r"private key"):
        load(tmp_path)
