"""The pynutd command: bad configuration, signals, reload, and the demo."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time

import pytest

from tests.integration.harness import ROOT, Pynutd, chat, free_port, wait_port

ENV = dict(os.environ, PYTHONPATH=str(ROOT))


def pynutd(*args: str, timeout: float = 20) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "-m", "pynutd", *args], capture_output=True, text=True,
                          timeout=timeout, env=ENV, cwd=ROOT, check=False)


def test_bad_config_exits_2_with_one_line(tmp_path):
    """A bad file gives `pynutd: path:line: message` and status 2, before listening."""
    port = free_port()
    (tmp_path / "ups.conf").write_text("[ups]\n driver = dummy-ups\n port = x.dev\n pollinterval = soon\n")
    (tmp_path / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {port}\n")
    out = pynutd("-c", str(tmp_path))
    assert out.returncode == 2
    assert out.stderr.strip().splitlines()[-1] == \
        f"pynutd: {tmp_path}/ups.conf:4: [ups] pollinterval must be a number, not 'soon'"
    assert "Traceback" not in out.stderr


# Issue 8.5's holes, each through the real command: (file, text, expected line:message).
MISTAKES = [
    ("upsd.conf", "LISTEN 127.0.0.1 {port}\nLISTEN 127.0.0.1 {port}\n",
     "upsd.conf:2: LISTEN 127.0.0.1 {port} is already on line 1"),
    ("upsd.conf", "MAXAGE " + "9" * 30 + "\n", "upsd.conf:1: MAXAGE needs a positive integer"),
    ("upsd.conf", "LISTEN 999.1.1.1\n", "upsd.conf:1: LISTEN '999.1.1.1' is not a valid IP address"),
    ("upsd.conf", "LISTEN 3.5\n", "upsd.conf:1: LISTEN '3.5' is not a valid IP address"),
    ("pynutd.conf", "[web]\nlisten = nan\n", "pynutd.conf:2: [web] listen cannot resolve"),
    ("pynutd.conf", "[web]\nport = 80\n# \udce9t\udce9\n", "pynutd.conf:3: not UTF-8 text"),
]


@pytest.mark.parametrize("name,text,expected", MISTAKES, ids=[m[2][:40] for m in MISTAKES])
def test_mistakes_exit_2_at_their_line(tmp_path, name, text, expected):
    """Each mistake: status 2 and `pynutd: path:line: message` on stderr, nothing listening."""
    port = free_port()
    (tmp_path / "ups.conf").write_text("[ups]\n driver = dummy-ups\n port = x.dev\n")
    (tmp_path / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {port}\n")
    (tmp_path / name).write_bytes(text.format(port=port).encode("utf-8", "surrogateescape"))
    out = pynutd("-c", str(tmp_path))   # a run that would serve is killed at the timeout
    assert out.returncode == 2, out.stderr
    last = out.stderr.strip().splitlines()[-1]
    assert last.startswith(f"pynutd: {tmp_path}/{expected.format(port=port)}"), out.stderr
    assert "Traceback" not in out.stderr


def test_unknown_driver(tmp_path):
    """An unknown driver name is a configuration error naming the drivers pynutd has."""
    (tmp_path / "ups.conf").write_text("[ups]\n driver = blazer_usb\n port = auto\n")
    out = pynutd("-c", str(tmp_path))
    assert out.returncode == 2
    assert f"{tmp_path}/ups.conf:2: [ups] unknown driver 'blazer_usb'" in out.stderr


def test_port_in_use(tmp_path):
    """A port already taken is one clear line and a non-zero exit, not a traceback."""
    import socket
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        (tmp_path / "ups.conf").write_text("")
        (tmp_path / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {port}\n")
        out = pynutd("-c", str(tmp_path))
    assert out.returncode == 1
    assert "cannot start" in out.stderr and "Traceback" not in out.stderr


def test_sighup_reloads_ups_and_users(tmp_path):
    """SIGHUP re-reads ups.conf (new UPS prepended) and upsd.users, as upsd does."""
    (tmp_path / "a.dev").write_text("battery.charge: 50\n")
    (tmp_path / "ups.conf").write_text("[a]\n driver = dummy-ups\n port = a.dev\n")
    (tmp_path / "upsd.users").write_text("[u]\n password = one\n upsmon secondary\n")
    with Pynutd(tmp_path, wait_for_ups="a") as server:
        login = ["USERNAME u", "PASSWORD two", "LOGIN a"]
        assert chat(server.port, login).endswith("ERR ACCESS-DENIED\n")
        with open(tmp_path / "ups.conf", "a") as f:
            f.write("[b]\n driver = dummy-ups\n port = a.dev\n desc = new\n")
        (tmp_path / "upsd.users").write_text("[u]\n password = two\n upsmon secondary\n")
        server.reload()
        server.wait_until(lambda: "UPS b" in chat(server.port, ["LIST UPS"]), 10)
        assert chat(server.port, ["LIST UPS"]) == \
            'BEGIN LIST UPS\nUPS b "new"\nUPS a "Description unavailable"\nEND LIST UPS\n'
        assert chat(server.port, login) == "OK\nOK\nOK\n"
        (tmp_path / "ups.conf").write_text("[a]\n driver = dummy-ups\n port = a.dev\n desc = \"x#\"\n")
        server.reload()  # a broken file keeps the old configuration
        time.sleep(1)
        assert "UPS b" in chat(server.port, ["LIST UPS"])
        assert "reload failed" in server.log()


def test_sigterm_stops_cleanly(tmp_path):
    """SIGTERM stops pynutd with status 0."""
    (tmp_path / "ups.conf").write_text("")
    port = free_port()
    (tmp_path / "upsd.conf").write_text(f"LISTEN 127.0.0.1 {port}\n")
    proc = subprocess.Popen([sys.executable, "-m", "pynutd", "-c", str(tmp_path)], env=ENV, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
    try:
        wait_port(port)
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()


def test_demo_serves_and_prints_how_to_connect():
    """`pynutd --demo` needs nothing, serves its UPSes and says how to reach them."""
    port, web = free_port(), free_port()
    proc = subprocess.Popen([sys.executable, "-m", "pynutd", "--demo", "--port", str(port),
                             "--web-port", str(web)], env=ENV, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        wait_port(port)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if chat(port, ["GET VAR ups ups.status"]).startswith("VAR"):
                break
            time.sleep(0.2)
        out = subprocess.run(["upsc", f"ups@127.0.0.1:{port}", "ups.status"], capture_output=True,
                             text=True, timeout=10, check=False)
        assert out.stdout.strip() in ("OL CHRG", "OB DISCHRG", "OB LB")
        listed = subprocess.run(["upsc", "-l", f"127.0.0.1:{port}"], capture_output=True, text=True,
                                timeout=10, check=False).stdout.split()
        assert listed == ["ups", "ep20", "tripplite"]
    finally:
        proc.send_signal(signal.SIGINT)
        output = proc.communicate(timeout=15)[0]
    assert f"upsc ups@127.0.0.1:{port}" in output
    assert proc.returncode == 0


def test_killpower_picks_the_configured_command(tmp_path):
    """killpower sends the first supported sdcommands entry; failures give status 1."""
    (tmp_path / "a.dev").write_text("ups.status: OB LB\n")
    (tmp_path / "ups.conf").write_text(
        "[u]\n driver = dummy-ups\n port = a.dev\n sdcommands = shutdown.return,load.off\n"
        "[v]\n driver = dummy-ups\n port = a.dev\n")
    dry = pynutd("-c", str(tmp_path), "killpower", "--dry-run", "u")
    assert dry.returncode == 0 and dry.stdout == "[u] would send load.off\n"
    none = pynutd("-c", str(tmp_path), "killpower", "v")
    assert none.returncode == 1
    assert "[v] supports none of the shutdown commands (shutdown.return, load.off.delay)" in none.stdout
    refused = pynutd("-c", str(tmp_path), "killpower", "u")
    assert refused.returncode == 1 and "[u] failed: dummy-ups does not handle load.off" in refused.stdout
    assert pynutd("-c", str(tmp_path), "killpower", "w").returncode == 2
