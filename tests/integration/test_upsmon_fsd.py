"""The whole FSD flow of CONFORMANCE.md §7 with real upsmon processes against pynutd.

A dummy sequence goes from OL to OB LB.  The primary upsmon sees OB LB and
sets FSD, the secondary sees ``FSD`` in ups.status and runs its shutdown
command, NUMLOGINS counts down as it disconnects, and only then does the
primary run its own.
"""

from __future__ import annotations

import time

from tests.integration.harness import Pynutd, chat
from tests.integration.upsmon import Upsmon

SEQ = "ups.status: OL\nbattery.charge: 90\nTIMER 6\nups.status: OB LB\nbattery.charge: 8\nTIMER 3600\n"
USERS = ("[prim]\n password = primpw\n upsmon primary\n"
         "[monuser]\n password = secret\n upsmon secondary\n")


def numlogins(port: int) -> str:
    return chat(port, ["GET NUMLOGINS ups"]).strip()


def test_fsd_flow(tmp_path):
    """Primary sets FSD, secondary shuts down first, then the primary."""
    conf = tmp_path / "conf"
    conf.mkdir()
    (conf / "ups.conf").write_text("[ups]\n driver = dummy-ups\n port = fsd.seq\n")
    (conf / "fsd.seq").write_text(SEQ)
    (conf / "upsd.users").write_text(USERS)
    with Pynutd(conf, wait_for_ups="ups") as server:
        monitor = f"ups@127.0.0.1:{server.port}"
        with Upsmon(tmp_path / "primary", monitor, "prim", "primpw", "primary") as primary, \
                Upsmon(tmp_path / "secondary", monitor, "monuser", "secret", "secondary") as secondary:
            server.wait_until(lambda: numlogins(server.port) == "NUMLOGINS ups 2", 15)
            counts = []
            deadline = time.monotonic() + 40
            while time.monotonic() < deadline and primary.shutdown_time() is None:
                counts.append(numlogins(server.port))
                time.sleep(0.1)
            primary_at = primary.wait_shutdown(5)
            secondary_at = secondary.wait_shutdown(1)
            assert chat(server.port, ["GET VAR ups ups.status"]) == 'VAR ups ups.status "FSD OB LB"\n'
            assert secondary_at < primary_at
            # 2 while both are logged in, 1 once the secondary left, as the primary waits for.
            assert "NUMLOGINS ups 2" in counts and "NUMLOGINS ups 1" in counts
            assert counts.index("NUMLOGINS ups 1") > counts.index("NUMLOGINS ups 2")
            assert "FSD" in server.log() or "set FSD" in server.log()
        server.wait_until(lambda: numlogins(server.port) == "NUMLOGINS ups 0", 10)
