"""Alerts: mustmon.py's rules with hysteresis, per-UPS config, notify command."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from twisted.internet import task

from pynutd import config
from pynutd.config import AlertConfig, ConfigError
from pynutd.config.alerts import RULES
from pynutd.records.alerts import AlertEngine, still_raised
from pynutd.ups import UpsRegistry, UpsState

BATTERY = next(r for r in RULES if r.name == "battery_low")
LOAD = next(r for r in RULES if r.name == "load_high")


@pytest.mark.parametrize("rule,active,value,raised", [
    (BATTERY, False, 20.0, False), (BATTERY, False, 19.0, True),
    (BATTERY, True, 24.0, True), (BATTERY, True, 25.0, False),
    (LOAD, False, 80.0, False), (LOAD, False, 81.0, True),
    (LOAD, True, 76.0, True), (LOAD, True, 75.0, False),
])
def test_hysteresis(rule: Any, active: bool, value: float, raised: bool) -> None:
    """Raised past the threshold; cleared only past threshold and hysteresis."""
    assert still_raised(rule, active, value) is raised


def make(config: AlertConfig | None = None, notify: Any = None) -> tuple[AlertEngine, UpsState,
                                                                          list[Any], task.Clock]:
    clock = task.Clock()
    clock.advance(1000)
    state = UpsState("ups")
    state.update({"ups.status": "OL", "ups.load": "50", "battery.charge": "100",
                  "input.voltage": "230", "battery.temperature": "25"}, clock.seconds())
    registry = UpsRegistry([state])
    events: list[Any] = []
    registry.subscribe(events.append)
    engine = AlertEngine(registry, config or AlertConfig(), clock, notify)
    engine.start()
    return engine, state, events, clock


def test_raise_and_clear_with_events(caplog: pytest.LogCaptureFixture) -> None:
    """A crossing raises once, logs a warning and an event; a dip inside the band keeps it."""
    engine, state, events, clock = make()
    with caplog.at_level("WARNING"):
        state.update({"ups.load": "85"}, clock.seconds())
        state.update({"ups.load": "90"}, clock.seconds())
        state.update({"ups.load": "78"}, clock.seconds())
    assert [a.rule for a in engine.active("ups")] == ["load_high"]
    assert engine.active("UPS")[0].value == 78.0
    assert [e.kind for e in events if e.kind.startswith("alert")] == ["alert"]
    assert "[ups] alert: High load (ups.load 85 > 80)" in caplog.text
    state.update({"ups.load": "74"}, clock.seconds())
    assert engine.active("ups") == []
    cleared = [e for e in events if e.kind == "alert_clear"]
    assert cleared[0].detail["rule"] == "load_high" and cleared[0].detail["value"] == 74.0


def test_alerts_never_change_ups_status() -> None:
    """A hot room raises an alert but ups.status stays what the driver said."""
    engine, state, _, clock = make()
    state.update({"battery.temperature": "45"}, clock.seconds())
    assert [a.message for a in engine.active("ups")] == ["High temperature"]
    assert state.snapshot().status == "OL"
    assert "ALARM" not in state.snapshot().status_tokens


def test_first_variable_present_wins() -> None:
    """temperature_high reads ups.temperature before battery.temperature."""
    engine, state, _, clock = make()
    state.update({"ups.temperature": "30", "battery.temperature": "45"}, clock.seconds())
    assert engine.active("ups") == []


def test_missing_or_non_numeric_values_keep_state() -> None:
    """A UPS without the variable, or a non-number, neither raises nor clears."""
    engine, state, _, clock = make()
    state.update({"ups.load": "95"}, clock.seconds())
    state.update({"ups.load": "n/a"}, clock.seconds())
    assert [a.rule for a in engine.active("ups")] == ["load_high"]


def test_notify_command_environment() -> None:
    """The notify callback gets upsmon's NOTIFYTYPE/UPSNAME and pynutd's details."""
    calls: list[tuple[str, dict[str, str]]] = []
    config = AlertConfig(notifycmd="/bin/true")
    _, state, _, clock = make(config, lambda msg, env: calls.append((msg, dict(env))))
    state.update({"battery.charge": "15"}, clock.seconds())
    state.update({"battery.charge": "30"}, clock.seconds())
    (msg1, env1), (msg2, env2) = calls
    assert msg1 == "UPS ups: Low battery (battery.charge 15)"
    assert env1["NOTIFYTYPE"] == "ALERT" and env2["NOTIFYTYPE"] == "ALERTCLEAR"
    assert (env1["UPSNAME"], env1["PYNUTD_RULE"], env1["PYNUTD_VAR"], env1["PYNUTD_VALUE"],
            env1["PYNUTD_THRESHOLD"]) == ("ups", "battery_low", "battery.charge", "15", "20")
    assert "cleared" in msg2


def test_broken_notify_does_not_stop_alerting() -> None:
    """An exception from the notifier is logged; the alert is still raised."""
    def boom(msg: str, env: Any) -> None:
        raise OSError("no such file")
    engine, state, _, clock = make(AlertConfig(notifycmd="/nope"), boom)
    # Two rules breach in one update: the first notifier failure must not
    # keep the second rule from being evaluated.
    state.update({"ups.load": "99", "battery.charge": "15"}, clock.seconds())
    assert sorted(a.rule for a in engine.active("ups")) == ["battery_low", "load_high"]


def load_alert_config(tmp_path: Path, ini: str) -> AlertConfig:
    (tmp_path / "ups.conf").write_text("[serverroom]\n driver = dummy-ups\n port = x.dev\n")
    (tmp_path / "pynutd.conf").write_text(ini)
    return config.load(tmp_path).alerts


def test_config_thresholds_and_overrides(tmp_path: Path) -> None:
    """[alerts] changes defaults; [alerts:NAME] overrides for one UPS; off disables."""
    cfg = load_alert_config(tmp_path, """
[alerts]
load_high = 70
load_high_hysteresis = 2
notifycmd = /usr/local/bin/notify
[alerts:serverroom]
temperature_high = 30
battery_low = off
""")
    assert cfg.notifycmd == "/usr/local/bin/notify"
    default = {r.name: r for r in cfg.rules_for("other")}
    assert (default["load_high"].threshold, default["load_high"].hysteresis) == (70.0, 2.0)
    room = {r.name: r for r in cfg.rules_for("ServerRoom")}
    assert "battery_low" not in room
    assert room["temperature_high"].threshold == 30.0 and room["load_high"].threshold == 70.0


@pytest.mark.parametrize("ini,message", [
    ("[alerts]\nload_high = lots\n", "load_high must be a number"),
    ("[alerts]\nfan_speed = 3\n", "unknown alert rule 'fan_speed'"),
    ("[alerts]\nload_high_hysteresis = -1\n", "must not be negative"),
    ("[alerts:nope]\nload_high = 90\n", "no UPS named 'nope'"),
    ("[alerts:serverroom]\nnotifycmd = /x\n", "notifycmd belongs in [alerts]"),
])
def test_config_errors(tmp_path: Path, ini: str, message: str) -> None:
    """Bad alert settings are ConfigErrors pointing at pynutd.conf."""
    with pytest.raises(ConfigError) as info:
        load_alert_config(tmp_path, ini)
    assert message in str(info.value)
    assert str(info.value).startswith(f"{tmp_path}/pynutd.conf:")


def test_input_voltage_threshold_scales_to_nominal(tmp_path: Path) -> None:
    """A 120 V UPS gets 180 * 120 / 230 = 93.9 V, unless a threshold is configured."""
    engine, state, _, clock = make()
    state.update({"input.voltage.nominal": "120", "input.voltage": "121.4"}, clock.seconds())
    assert engine.active("ups") == []
    state.update({"input.voltage": "90"}, clock.seconds())
    (alert,) = engine.active("ups")
    assert (alert.rule, alert.threshold) == ("input_voltage_low", 93.9)
    configured = load_alert_config(tmp_path, "[alerts]\ninput_voltage_low = 100\n")
    rule = next(r for r in configured.rules if r.name == "input_voltage_low")
    assert rule.nominal is None and rule.threshold == 100.0
