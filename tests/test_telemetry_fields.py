"""mustmon.py's later /api/telemetry fields (issue 13.5): battery SoC, current, time
remaining, and recent_warnings from the event log.

mustmon.py (bagir/must-inverter 398ea81) added ``battery_soc_percent``,
``battery_current_a``, ``battery_time_remaining_hours``/``_minutes`` (floats,
0.0 when unknown; hours and minutes both totals) and ``recent_warnings``: its
last five ``{"timestamp": "%Y-%m-%d %H:%M:%S", "message"}``, oldest first.
"""

from __future__ import annotations

from twisted.internet.defer import maybeDeferred

from pynutd.config import HistoryConfig
from pynutd.records.history import HistoryService
from tests.webhelpers import make_harness, request


def test_battery_fields_follow_the_ups() -> None:
    """SoC from battery.charge, current out of the battery, runtime in hours and minutes."""
    h = make_harness()
    h.main.update({"battery.charge": "52", "battery.current": "-8.6",
                   "battery.runtime": "5430"}, h.clock.seconds())
    body = request(h.site, "GET", "/api/telemetry").json()
    assert body["battery_soc_percent"] == 52.0
    assert body["battery_current_a"] == 8.6          # discharging: positive, as mustmon.py
    assert body["battery_time_remaining_hours"] == round(5430 / 3600, 3)
    assert body["battery_time_remaining_minutes"] == 90.5
    h.main.update({"battery.current": "14.5"}, h.clock.seconds())
    assert request(h.site, "GET", "/api/telemetry").json()["battery_current_a"] == -14.5
    h.main.update({"battery.runtime": "", "battery.current": ""}, h.clock.seconds())
    body = request(h.site, "GET", "/api/telemetry").json()
    assert (body["battery_current_a"], body["battery_time_remaining_minutes"]) == (0.0, 0.0)


def test_recent_warnings_come_from_the_event_log() -> None:
    """Going on battery, low battery, a device alarm, a lost link: the last five, oldest first."""
    h = make_harness()
    service = HistoryService(h.registry, HistoryConfig(), h.clock, 15, run=maybeDeferred)
    service.startService()
    h.ctx.history = service
    try:
        steps = [{"ups.status": "OB DISCHRG"}, {"ups.status": "OB DISCHRG LB"},
                 {"ups.status": "OL CHRG"}, {"ups.alarm": "[Inverter over temperature]"},
                 {"ups.alarm": ""}, {"ups.status": "OL CHRG OVER"}, {"ups.status": "OB"},
                 {"ups.status": "OB LB"}]
        for step in steps:
            h.clock.advance(5)
            h.main.update(step, h.clock.seconds())
        warnings = request(h.site, "GET", "/api/telemetry").json()["recent_warnings"]
        messages = [w["message"] for w in warnings]
        assert len(messages) == 5, messages
        assert messages[0].startswith("low battery"), messages
        assert messages[1] == "device alarm: [Inverter over temperature]"
        assert "overload" in messages[2] and messages[3].startswith("on battery")
        assert messages[4].startswith("low battery")     # the first, "on battery", dropped
        # Back on line and the cleared alarm are not warnings; the spare UPS's are not here.
        assert not any("on line" in m.split("(")[0] or "cleared" in m for m in messages[:4])
        stamps = [w["timestamp"] for w in warnings]
        assert stamps == sorted(stamps) and all(len(s) == 19 for s in stamps)
        # The spare UPS, never updated here, has only its own lost link.
        spare = request(h.site, "GET", "/api/telemetry?ups=spare").json()["recent_warnings"]
        assert [w["message"] for w in spare] == ["communication lost (DATA-STALE)"]
    finally:
        service.stopService()


def test_telemetry_line_has_mustmons_later_parts() -> None:
    """The log line ends with TimeRemaining and BattCurrent where the UPS has them."""
    from pynutd.records.telemetry import telemetry_line
    from pynutd.ups import UpsState

    state = UpsState("ep20")
    state.update({"input.voltage": "0.0", "output.voltage": "220.9", "battery.voltage": "12.3",
                  "ups.load": "11", "battery.runtime": "3925", "battery.current": "-8.6"}, 0.0)
    assert telemetry_line(state.snapshot()) == (
        "Vin=0.0V, Vout=220.9V, Batt=12.3V, Load=11%, TimeRemaining=1h05m, BattCurrent=8.60A")
    state.update({"battery.runtime": "", "battery.current": "0"}, 1.0)
    assert telemetry_line(state.snapshot()).endswith("Load=11%, BattCurrent=0.00A")
