"""Hostile and broken input on the real NUT port (issue 8): bounded memory, huge lines, control bytes.

Each test runs a real pynutd on loopback.  Clients that pipeline and never
read must not grow the server's memory (the figures over time are in
bench/slow_readers.py); huge request lines of every shape get their answer
while other clients are served; control characters never reach NUT's own
clients, whether a client sends them or a USB device reports them.
"""

from __future__ import annotations

import shutil
import socket
import threading
import time
from pathlib import Path

import pytest

from tests.integration.harness import ROOT, Pynutd, chat, run

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nut"
HID = ROOT / "pynutd" / "data" / "hid"
STEM = "tripplite-smart1500lcdt-09ae_3016"


def rss_mib(pid: int) -> float:
    """Return the resident memory of process ``pid`` in MiB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    raise AssertionError(f"no VmRSS for {pid}")


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    confdir = tmp_path_factory.mktemp("hostile")
    for name in ("ups.conf", "upsd.users", "diff.dev", "second.dev"):
        shutil.copy(FIXTURES / name, confdir / name)
    with Pynutd(confdir, wait_for_ups="ups") as srv:
        yield srv


def ask(port: int, line: str) -> str:
    """Send one request on a fresh connection; return its one-line answer (waits up to 60 s)."""
    with socket.create_connection(("127.0.0.1", port), timeout=60) as s:
        s.sendall(line.encode() + b"\n")
        got = b""
        while not got.endswith(b"\n"):
            chunk = s.recv(4096)
            if not chunk:
                break
            got += chunk
    return got.decode("latin-1")


def push(sock: socket.socket, data: bytes, seconds: float) -> int:
    """Send as much of ``data`` as the server takes within ``seconds``; return the count."""
    sock.setblocking(False)
    sent, deadline = 0, time.monotonic() + seconds
    while sent < len(data) and time.monotonic() < deadline:
        try:
            sent += sock.send(data[sent:sent + 65536])
        except BlockingIOError:
            time.sleep(0.01)
    return sent


def test_clients_that_never_read_do_not_grow_memory(server):
    """Three clients pipeline 2 MB of LIST VAR each and never read: the server's
    memory stays within a few MiB (it was hundreds of MiB), and a client that
    reads is answered all along."""
    pid = server.proc.pid
    before = rss_mib(pid)
    readers = [socket.create_connection(("127.0.0.1", server.port)) for _ in range(3)]
    try:
        data = b"LIST VAR ups\n" * (2_000_000 // 13)
        pushers = [threading.Thread(target=push, args=(s, data, 8)) for s in readers]
        for t in pushers:
            t.start()
        peak = before
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            peak = max(peak, rss_mib(pid))
            assert ask(server.port, "GET VAR ups ups.status") == 'VAR ups ups.status "OL CHRG"\n'
            time.sleep(0.2)
        for t in pushers:
            t.join()
        assert peak - before < 40, f"RSS {before:.0f} MiB -> {peak:.0f} MiB"
    finally:
        for s in readers:
            s.close()
    assert ask(server.port, "NETVER") == "1.3\n"


@pytest.mark.parametrize("body", [
    b"x" * 5_000_000, b"a " * 2_500_000, b'"" ' * 1_600_000, b"\\a" * 2_500_000,
    b'"' + b"q" * 5_000_000 + b'"', b"\\\x01" * 2_500_000,
], ids=["long word", "short words", "quoted words", "escapes", "long quote", "escaped drops"])
def test_huge_request_lines_in_parallel(server, body):
    """Four clients each send a 5 MB request line at once: each gets upsd's answer
    for it, and another client is answered meanwhile."""
    line = b"GET VAR ups " + body + b"\nGET VAR ups ups.load\n"
    replies: list[bytes] = []

    def one() -> None:
        with socket.create_connection(("127.0.0.1", server.port), timeout=60) as s:
            s.sendall(line)
            got = b""
            while got.count(b"\n") < 2:
                chunk = s.recv(4096)
                if not chunk:
                    break
                got += chunk
            replies.append(got)

    clients = [threading.Thread(target=one) for _ in range(4)]
    for t in clients:
        t.start()
    assert ask(server.port, "GET VAR ups ups.status") == 'VAR ups ups.status "OL CHRG"\n'
    for t in clients:
        t.join(120)
    # The variable name is cut at 512 characters (or empty): no such variable.
    assert replies == [b'ERR VAR-NOT-SUPPORTED\nVAR ups ups.load "23"\n'] * 4
    assert "Traceback" not in server.log()


def test_control_characters_from_clients_are_refused(server):
    """upsrw and upscmd with a control character in the value or parameter get
    upsd's error codes, and nothing is set."""
    target = f"ups@127.0.0.1:{server.port}"
    creds = ["-u", "admin", "-p", "adminpw"]
    res = run(["upsrw", "-s", "ups.id=a\x7fb", *creds, target])
    assert res.returncode != 0 and "ERR INVALID-VALUE" in res.stderr
    res = run(["upscmd", *creds, target, "load.off", "10\x7f"])
    assert res.returncode != 0 and "ERR INVALID-ARGUMENT" in res.stderr
    # A newline upsrw puts inside its quotes is swallowed by the parser, as by upsd:
    # one (too long) value, no forged line.
    res = run(["upsrw", "-s", "ups.id=5\nVAR ups ups.status OB LB", *creds, target])
    assert "ERR TOO-LONG" in res.stderr
    assert run(["upsc", target, "ups.status"]).stdout == "OL CHRG\n"
    assert run(["upsc", target, "ups.id"]).stdout == "base\n"


def test_control_characters_from_a_device_never_reach_clients(tmp_path):
    """A USB UPS whose strings hold DEL, ESC, BEL, TAB and SOH: upsc and the raw
    protocol show its model and serial without them."""
    conf = tmp_path / "conf"
    conf.mkdir()
    for suffix in (".hex", ".reports.txt"):
        shutil.copy(HID / f"{STEM}{suffix}", conf)
    (conf / f"{STEM}.strings.txt").write_bytes(
        b"manufacturer: Tripp\x7f Lite\nproduct: TRIPP\tLITE\x1b[2J UPS\n"
        b"serial: 2315\x01AV\x7fHSM\x1b]0;x\x07812345\n")
    (conf / "ups.conf").write_text(
        f"[tl]\n driver = usbhid-ups\n port = virtual:{STEM}.hex\n pollinterval = 1\n")
    (conf / "upsd.users").write_text("[admin]\n password = adminpw\n actions = SET\n")
    with Pynutd(conf, wait_for_ups="tl") as srv:
        upsc = run(["upsc", f"tl@127.0.0.1:{srv.port}"]).stdout.splitlines()
        raw = chat(srv.port, ["LIST VAR tl"]).encode("latin-1")
    for line in ("ups.serial: 2315AVHSM]0;x812345", "device.serial: 2315AVHSM]0;x812345",
                 "ups.mfr: Tripp Lite", "ups.model: TRIPPLITE[2J UPS"):
        assert line in upsc
    assert raw.startswith(b"BEGIN LIST VAR tl\n") and raw.endswith(b"END LIST VAR tl\n")
    assert not any((b < 0x20 and b != 0x0A) or b == 0x7F for b in raw)


def test_intended_difference_del_in_a_set_value_or_parameter(server, tmp_path):
    """DEL, the one control byte upsd's parser keeps, is refused in a SET VAR value
    (INVALID-VALUE) and an INSTCMD parameter (INVALID-ARGUMENT); upsd 2.8.0 takes both."""
    from tests.integration.nutref import RealUpsd

    for name in ("ups.conf", "upsd.users", "diff.dev", "second.dev"):
        shutil.copy(FIXTURES / name, tmp_path / name)
    script = ["USERNAME admin", "PASSWORD adminpw", 'SET VAR ups ups.id "a\x7fb"',
              "INSTCMD ups load.off 1\x7f"]
    with RealUpsd(tmp_path) as ref:
        assert chat(ref.port, script) == "OK\nOK\nOK\nOK\n"
    assert chat(server.port, script) == "OK\nOK\nERR INVALID-VALUE\nERR INVALID-ARGUMENT\n"
