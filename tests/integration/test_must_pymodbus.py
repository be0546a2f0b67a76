"""pynutd's EP20 driver against an independent Modbus implementation (pymodbus).

pymodbus serves slave 10 with the registers of the real capture B on one
end of a pty pair; pynutd's must_ep2000pro driver opens the other end with
Twisted's SerialPort; Debian's upsc, upsrw and upscmd read and write
through pynutd.
"""

from __future__ import annotations

from tests.integration.harness import Pynutd, run
from tests.integration.must_helpers import pymodbus_peer, upsc, upsc_values, write_conf
from tests.mustfakes import load_golden


def test_values_and_writes_through_pymodbus(tmp_path):
    """upsc shows capture B exactly; SET VAR and INSTCMD reach pymodbus as FC16."""
    with pymodbus_peer(tmp_path) as peer:
        conf = tmp_path / "conf"
        write_conf(conf, peer.path, "    pollinterval = 0.5\n")
        with Pynutd(conf, wait_for_ups="ep20") as server:
            server.wait_until(lambda: "ups.status" in upsc_values(server.port), 15)
            values = upsc_values(server.port)
            golden = load_golden("capture_b")
            assert {k: values.get(k) for k in golden} == golden
            assert values["driver.name"] == "must_ep2000pro"
            assert values["device.mfr"] == "MUST"
            assert values["device.model"] == "EP20-1012 PRO"

            target = f"ep20@127.0.0.1:{server.port}"
            result = run(["upsrw", "-s", "output.voltage.nominal=230", "-u", "admin",
                          "-p", "adminpw", target])
            assert result.returncode == 0, result.stderr
            result = run(["upscmd", "-u", "admin", "-p", "adminpw", target, "beeper.disable"])
            assert result.returncode == 0, result.stderr
            server.wait_until(
                lambda: upsc(server.port, "output.voltage.nominal").stdout.strip() == "230"
                and upsc(server.port, "ups.beeper.status").stdout.strip() == "disabled", 15)
            listing = run(["upsrw", target]).stdout
            assert "[output.voltage.nominal]" in listing and "230" in listing
            assert "beeper.disable" in run(["upscmd", "-l", target]).stdout
        assert "Traceback" not in server.log()
