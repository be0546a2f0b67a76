"""Real NUT clients against pynutd: upsc, upscmd, upsrw, upslog, PyNUTClient and aionut."""

from __future__ import annotations

import asyncio
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.integration.harness import Pynutd, chat, run

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "nut"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    confdir = tmp_path_factory.mktemp("clients")
    for name in ("ups.conf", "upsd.users", "diff.dev", "second.dev"):
        shutil.copy(FIXTURES / name, confdir / name)
    with Pynutd(confdir, wait_for_ups="ups") as srv:
        srv.wait_until(lambda: chat(srv.port, ["GET VAR second ups.status"]).startswith("VAR"))
        yield srv


def target(server: Pynutd, ups: str = "ups") -> str:
    return f"{ups}@127.0.0.1:{server.port}"


def test_upsc_lists_every_variable(server):
    """upsc prints every variable of the .dev file, unescaped, plus the driver's own."""
    out = run(["upsc", target(server)])
    assert out.returncode == 0, out.stderr
    lines = out.stdout.splitlines()
    assert "ups.status: OL CHRG" in lines
    assert 'ups.test.result: Done "ok" #1' in lines
    assert "ups.firmware: UPS 09.3 / ID=18" in lines
    assert "device.serial: AS2112345678" in lines
    assert "driver.name: dummy-ups" in lines
    assert lines == sorted(lines, key=lambda l: l.split(":")[0].lower())


def test_upsc_single_variable(server):
    """upsc ups var prints one value; an unknown one is an error."""
    assert run(["upsc", target(server), "battery.charge"]).stdout == "100\n"
    missing = run(["upsc", target(server), "no.such"])
    assert missing.returncode != 0
    assert "Variable not supported by UPS" in missing.stderr


def test_upsc_list_ups(server):
    """upsc -l lists names, -L names with descriptions."""
    assert run(["upsc", "-l", f"127.0.0.1:{server.port}"]).stdout == "ups\nsecond\n"
    out = run(["upsc", "-L", f"127.0.0.1:{server.port}"]).stdout.splitlines()
    assert out == ['ups: Test "quoted" #desc', "second: Description unavailable"]


def test_upsc_clients(server):
    """upsc -c shows the address of a LOGINed connection while it stays open."""
    import socket
    with socket.create_connection(("127.0.0.1", server.port)) as s:
        s.sendall(b"USERNAME monuser\nPASSWORD secret\nLOGIN ups\n")
        time.sleep(0.3)
        assert run(["upsc", "-c", target(server)]).stdout == "127.0.0.1\n"
    server.wait_until(lambda: run(["upsc", "-c", target(server)]).stdout == "", 5)


def test_upscmd(server):
    """upscmd -l lists commands with NUT's descriptions; a permitted command is accepted."""
    out = run(["upscmd", "-l", target(server)])
    assert "load.off - Turn off the load immediately" in out.stdout
    ok = run(["upscmd", "-u", "cmduser", "-p", "cmdpw", target(server), "load.off"])
    assert ok.returncode == 0 and "OK" in ok.stdout + ok.stderr
    denied = run(["upscmd", "-u", "monuser", "-p", "secret", target(server), "load.off"])
    assert denied.returncode != 0 and "ERR ACCESS-DENIED" in denied.stderr


def test_upsrw(server):
    """upsrw -l shows types and values; -s changes a value that upsc then shows."""
    out = run(["upsrw", "-l", target(server)]).stdout
    assert "[ups.delay.shutdown]\nInterval to wait after shutdown with delay command (seconds)\n" \
           "Type: NUMBER\nValue: 20" in out
    assert "[ups.firmware]" in out and "Type: STRING\nMaximum length: 16" in out
    res = run(["upsrw", "-s", "ups.delay.start=45", "-u", "admin", "-p", "adminpw", target(server)])
    assert res.returncode == 0, res.stderr
    server.wait_until(lambda: run(["upsc", target(server), "ups.delay.start"]).stdout == "45\n", 10)
    too_long = run(["upsrw", "-s", "ups.firmware=" + "x" * 20, "-u", "admin", "-p", "adminpw",
                    target(server)])
    assert too_long.returncode != 0 and "TOO-LONG" in too_long.stderr


def test_upslog(server, tmp_path):
    """upslog writes a line per interval with the values pynutd serves."""
    logfile = tmp_path / "ups.log"
    proc = subprocess.Popen(["upslog", "-s", target(server), "-l", str(logfile), "-i", "1", "-F"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        server.wait_until(lambda: logfile.exists() and len(logfile.read_text().splitlines()) >= 2, 15)
    finally:
        proc.terminate()
        proc.wait(5)
    first = logfile.read_text().splitlines()[0].split()
    # date time battery.charge input.voltage ups.load [status...] temperature frequency
    assert first[2:5] == ["100", "230.4", "23"]
    assert "[OL" in " ".join(first) and first[-2:] == ["29.2", "50.0"]


def test_pynutclient(server):
    """PyNUTClient (NUT's own Python client) lists UPSes, reads variables and runs a command."""
    code = f"""
from PyNUTClient import PyNUT
c = PyNUT.PyNUTClient(host="127.0.0.1", port={server.port}, login="cmduser", password="cmdpw")
v = c.GetUPSVars("second")
print(v[b"ups.status"].decode(), v[b"battery.charge"].decode())
print(sorted(k.decode() for k in c.GetUPSCommands("ups")))
print(c.RunUPSCommand("ups", "load.off"))
print(c.GetRWVars("second")[b"battery.charge"].decode())
"""
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=30)
    assert out.returncode == 0, out.stderr
    assert out.stdout.splitlines() == ["OB DISCHRG 41", "['load.off']", "OK", "41"]


def test_aionut(server):
    """aionut (Home Assistant's client) reads the same data over its own reader."""
    from aionut import AIONUTClient

    async def read():
        client = AIONUTClient("127.0.0.1", server.port, "monuser", "secret")
        try:
            upses = await client.list_ups()
            values = await client.list_vars("ups")
            desc = await client.description("ups")
        finally:
            client.shutdown()
        return upses, values, desc

    upses, values, desc = asyncio.run(read())
    assert list(upses) == ["ups", "second"]
    assert values["battery.charge"] == "100" and values["ups.status"] == "OL CHRG"
    assert desc == 'Test \\"quoted\\" \\#desc'  # aionut does not unescape (CONFORMANCE.md §8)


def test_bad_input_gets_error_or_close(server):
    """Garbage bytes, huge lines and binary data never crash the server."""
    import os
    import socket
    for payload in [os.urandom(4096), b"\x00" * 10000 + b"\n", b"GET VAR " + b"A" * 100000 + b"\n",
                    b'"' * 5000, b"\xff\xfe" * 3000 + b"\nVER\n"]:
        with socket.create_connection(("127.0.0.1", server.port), timeout=5) as s:
            s.sendall(payload)
            s.settimeout(0.5)
            try:
                s.recv(65536)
            except OSError:
                pass
    assert chat(server.port, ["NETVER"]) == "1.3\n"
    assert "Traceback" not in server.log()
