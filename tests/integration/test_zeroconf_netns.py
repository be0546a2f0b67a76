"""zeroconf for real: a python-zeroconf browser in another network namespace finds pynutd's ``_nut._tcp``.

Loopback carries no multicast here, so the test builds its own link: a
network namespace and a veth pair on a random /30 of 198.18.0.0/15 (the
benchmarking range), pynutd on this side listening on the pair's address
(and on 127.0.0.1), the browser and ``upsc`` on the other side.  The
namespace (and with it the pair) is always deleted.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import socket
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.integration.harness import Pynutd, run

BROWSE = textwrap.dedent("""
    import json, sys, time
    from zeroconf import ServiceBrowser, ServiceStateChange, Zeroconf
    zc = Zeroconf(interfaces=[sys.argv[1]])
    found = {}
    def changed(zeroconf, service_type, name, state_change):
        if state_change is ServiceStateChange.Added:
            found[name] = None
    ServiceBrowser(zc, "_nut._tcp.local.", handlers=[changed])
    deadline = time.monotonic() + float(sys.argv[2])
    while time.monotonic() < deadline and not found:
        time.sleep(0.05)
    time.sleep(float(sys.argv[3]))   # anything else announced arrives meanwhile
    out = []
    for name in sorted(found):
        info = zc.get_service_info("_nut._tcp.local.", name, timeout=3000)
        if info is not None:
            out.append({"name": name, "port": info.port, "server": info.server,
                        "addresses": info.parsed_addresses()})
    zc.close()
    print(json.dumps(out))
""")


def ip(*args: str) -> None:
    subprocess.run(["ip", *args], check=True, capture_output=True, timeout=10)


@contextmanager
def veth_namespace() -> Iterator[tuple[str, str, str]]:
    """Yield (namespace, this side's address, the other side's address); always cleaned up."""
    if os.geteuid() != 0 or shutil.which("ip") is None:
        pytest.fail("network namespaces need root and iproute2 (the set-up installs it)")
    tag = f"{os.getpid() % 10000:04d}{random.randrange(100):02d}"
    ns, here, there = f"pynutd-zc-{tag}", f"vzc{tag}a", f"vzc{tag}b"
    net = f"198.{18 + random.randrange(2)}.{random.randrange(256)}.{4 * random.randrange(64)}"
    base = net.rsplit(".", 1)
    mine, theirs = f"{base[0]}.{int(base[1]) + 1}", f"{base[0]}.{int(base[1]) + 2}"
    try:
        ip("netns", "add", ns)
        ip("link", "add", here, "type", "veth", "peer", "name", there)
        ip("link", "set", there, "netns", ns)
        ip("addr", "add", f"{mine}/30", "dev", here)
        ip("link", "set", here, "up")
        ip("-n", ns, "addr", "add", f"{theirs}/30", "dev", there)
        ip("-n", ns, "link", "set", there, "up")
        ip("-n", ns, "link", "set", "lo", "up")
        yield ns, mine, theirs
    finally:
        # The pair dies with the namespace; the second call is for a half-built set-up.
        for cmd in (["netns", "del", ns], ["link", "del", here]):
            subprocess.run(["ip", *cmd], check=False, capture_output=True, timeout=10)


def free_port_on(address: str) -> int:
    with socket.socket() as s:
        s.bind((address, 0))
        return int(s.getsockname()[1])


def browse(ns: str, address: str, wait: float, settle: float) -> list[dict]:
    out = subprocess.run(["ip", "netns", "exec", ns, sys.executable, "-c", BROWSE, address,
                          str(wait), str(settle)], check=False, capture_output=True, text=True,
                         timeout=60)
    assert out.returncode == 0, out.stderr
    found: list[dict] = json.loads(out.stdout)
    return found


def conf(path: Path, zeroconf: str) -> Path:
    (path / "ups.dev").write_text("ups.status: OL\nbattery.charge: 88\n")
    (path / "ups.conf").write_text("[ups]\n driver = dummy-ups\n port = ups.dev\n")
    (path / "pynutd.conf").write_text(f"[zeroconf]\nenabled = {zeroconf}\n")
    return path


def test_a_browser_finds_the_nut_port_on_the_network_not_on_loopback(tmp_path: Path) -> None:
    """One _nut._tcp service: the veth address and its port, not the loopback listener;
    upsc from the other namespace reads the UPS there."""
    with veth_namespace() as (ns, mine, theirs):
        port = free_port_on(mine)
        with Pynutd(conf(tmp_path, "yes"), wait_for_ups="ups",
                    upsd_extra=f"LISTEN {mine} {port}\n") as server:
            found = browse(ns, theirs, 15, 1.5)
            assert [(s["port"], s["addresses"]) for s in found] == [(port, [mine])], found
            assert found[0]["name"].endswith("._nut._tcp.local.")
            assert server.port != port
            out = run(["ip", "netns", "exec", ns, "upsc", f"ups@{mine}:{port}",
                       "battery.charge"])
            assert out.returncode == 0 and out.stdout.strip() == "88", out.stderr
            assert "zeroconf: announcing" in server.log()
            assert "Traceback" not in server.log()


def test_enabled_no_announces_nothing(tmp_path: Path) -> None:
    """[zeroconf] enabled = no: the browser hears nothing in 3 s (it found one in well under)."""
    with veth_namespace() as (ns, mine, theirs):
        port = free_port_on(mine)
        with Pynutd(conf(tmp_path, "no"), wait_for_ups="ups",
                    upsd_extra=f"LISTEN {mine} {port}\n") as server:
            assert browse(ns, theirs, 3, 0) == []
            assert "zeroconf" not in server.log()
