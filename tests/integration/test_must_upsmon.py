"""A real upsmon primary watching the simulated EP20 through pynutd sets FSD on OB LB."""

from __future__ import annotations

import time

from tests.integration.harness import Pynutd, chat
from tests.integration.must_helpers import simulator, write_conf
from tests.integration.upsmon import Upsmon


def test_upsmon_primary_sets_fsd_on_low_battery(tmp_path):
    """The outage reaches OB LB; upsmon sets FSD and runs its shutdown command."""
    with simulator(tmp_path, "--scenario", "outage", "--speed", "100",
                   "--start", "600") as sim:
        conf = tmp_path / "conf"
        write_conf(conf, sim.path, "    pollinterval = 0.5\n    lowbatt = 30\n")
        with Pynutd(conf, wait_for_ups="ep20") as server:
            monitor = f"ep20@127.0.0.1:{server.port}"
            with Upsmon(tmp_path / "upsmon", monitor, "prim", "primpw", "primary") as upsmon:
                statuses = set()
                # One whole 50 s cycle of margin should a slow machine miss the first LB.
                deadline = time.monotonic() + 70
                while time.monotonic() < deadline and upsmon.shutdown_time() is None:
                    statuses.add(chat(server.port, ["GET VAR ep20 ups.status"]).strip())
                    time.sleep(0.1)
                upsmon.wait_shutdown(5)
                statuses.add(chat(server.port, ["GET VAR ep20 ups.status"]).strip())
            # upsmon acts on OB LB (often before this loop sees it unflagged); FSD is
            # then latched in front of the status.
            assert 'VAR ep20 ups.status "OB DISCHRG"' in statuses, statuses
            assert 'VAR ep20 ups.status "FSD OB DISCHRG LB"' in statuses, statuses
            final = chat(server.port, ["GET VAR ep20 ups.status"])
            assert final.startswith('VAR ep20 ups.status "FSD ')
        assert "Traceback" not in server.log()
