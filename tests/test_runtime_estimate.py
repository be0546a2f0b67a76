"""The estimated battery.runtime (issue 13.6): NUT's runtimecal formula, the battery's
energy, learning from recorded discharge curves, and the ups.conf checks.

The curves in tests/fixtures/must/runtime_curves.csv were recorded from the EP20
simulator's model through the driver's own decoder
(``bench/ep20_runtime.py --record``): ``outage`` is one cycle of the outage
scenario (a 9 Ah battery from 64 % to 6 %), ``empty150``/``empty300`` a full
battery run flat at 150 W / 300 W.
"""

from __future__ import annotations

import csv
import math
from pathlib import Path

import pytest
from twisted.internet.task import Clock

from pynutd.config import ConfigError, UpsSection
from pynutd.drivers.estimated import PARAMETER, EstimatedRuntime, runtime_options
from pynutd.drivers.must_ep20.driver import create
from pynutd.drivers.runtime import (
    DischargeLearner,
    RuntimeEstimator,
    Sample,
    parse_runtimecal,
    runtimecal_seconds,
)

CURVES = Path(__file__).parent / "fixtures" / "must" / "runtime_curves.csv"


def curve(name: str) -> list[dict[str, str]]:
    """The rows of one recorded curve."""
    with CURVES.open() as f:
        return [row for row in csv.DictReader(f) if row["curve"] == name]


def samples(rows: list[dict[str, str]]) -> list[Sample]:
    """The learner's view of recorded rows."""
    return [Sample(float(r["t"]), "OB" in r["ups.status"].split(), float(r["battery.charge"]),
                   float(r["ups.realpower"])) for r in rows]


def replay(rows: list[dict[str, str]], estimator: RuntimeEstimator) -> list[tuple[float, float, float]]:
    """(charge, estimate, actual seconds to the cut-off) for every on-battery row."""
    end = next(float(r["t"]) for r in rows if "OFF" in r["ups.status"].split())
    out = []
    for row in rows:
        t = float(row["t"])
        if t >= end:
            break
        estimate = estimator.update(t, row)
        if "OB" in row["ups.status"].split():
            assert estimate is not None
            out.append((float(row["battery.charge"]), estimate.seconds, end - t))
    return out


def section(**options: str) -> UpsSection:
    """An EP20 section with ``options``, each on line 7."""
    return UpsSection(name="ep20", driver="must_ep2000pro", port="/dev/ttyUSB0", desc=None,
                      options=options, path="/etc/nut/ups.conf", lineno=1,
                      lines={k: 7 for k in options})


def test_runtimecal_is_nuts_formula() -> None:
    """NUT's power law: R1 at L1, R2 at L2, scaled by the charge, the idle load as a floor."""
    cal = parse_runtimecal("240,100,720,50")
    assert cal.exponent == pytest.approx(math.log(3) / math.log(2))
    assert cal.nominal == pytest.approx(240)
    assert runtimecal_seconds(cal, 100, 100) == pytest.approx(240)
    assert runtimecal_seconds(cal, 100, 50) == pytest.approx(720)
    assert runtimecal_seconds(cal, 50, 50) == pytest.approx(360)
    assert runtimecal_seconds(cal, 100, 25) == pytest.approx(2160)
    # At 5 % load (0.05 ** 1.585 = 0.0087) the effective load is NUT's idle
    # floor, 0.1 by default: 240 s / 0.1.
    assert runtimecal_seconds(cal, 100, 5) == pytest.approx(2400)
    assert runtimecal_seconds(cal, 100, 5, idleload=1) == pytest.approx(24000)
    assert runtimecal_seconds(cal, 100, 5, idleload=0.5) == pytest.approx(240 * 20 ** cal.exponent)
    # blazer's own example in its man page, "runtimecal = 180,100,600,50".
    nut = parse_runtimecal("180,100,600,50")
    assert runtimecal_seconds(nut, 100, 50) == pytest.approx(600)


@pytest.mark.parametrize("text", ["240,100,720", "a,b,c,d", "0,100,720,50", "720,100,240,50",
                                  "240,120,720,50", "240,100,720,0", "240,50,720,100",
                                  "240,50,720,50", "inf,100,720,50"])
def test_runtimecal_refused_as_nut_does(text: str) -> None:
    """What blazer/nutdrv_qx refuse at start (and a one-point pair that divides by zero)."""
    with pytest.raises(ValueError):
        parse_runtimecal(text)


def close_enough(points: list[tuple[float, float, float]], share: float) -> None:
    """Every estimate within ``share`` of the truth plus one step of the whole-% charge."""
    step = 1.5 * points[0][2] / 100   # the charge is a truncated whole %
    for charge, estimate, actual in points:
        assert abs(estimate - actual) <= share * actual + step, (charge, estimate, actual)


def test_energy_estimate_on_a_recorded_discharge() -> None:
    """battery_ah = 9 (the simulated battery) is within 2 % all the way down."""
    for name in ("empty150", "empty300"):
        points = replay(curve(name), RuntimeEstimator(battery_ah=9, learn=False))
        assert len(points) > 50
        close_enough(points, 0.02)


def test_learning_from_the_recorded_outage() -> None:
    """One recorded outage teaches the battery's energy; a wrong battery_ah is corrected."""
    learner = DischargeLearner()
    learner.feed(samples(curve("outage")))
    assert learner.discharges == 1
    _, drop = learner.totals()
    assert drop == pytest.approx(58, abs=1)
    # 9 Ah x ~12 V x 0.88: about 95 Wh reach the load.
    assert learner.full_energy() == pytest.approx(95, rel=0.05)
    for battery_ah in (None, 5.0, 9.0):
        est = RuntimeEstimator(battery_ah=battery_ah)
        est.learner.feed(samples(curve("outage")))
        close_enough(replay(curve("empty150"), est), 0.03)
    # Without the learned outage the wrong capacity is 45 % short.
    wrong = replay(curve("empty150"), RuntimeEstimator(battery_ah=5, learn=False))
    assert wrong[0][1] < 0.6 * wrong[0][2]


def test_learning_needs_enough_drop_and_splits_at_gaps() -> None:
    """Under 10 % of drop teaches nothing; a long silence ends a discharge."""
    learner = DischargeLearner()
    learner.feed([Sample(0, True, 80, 100), Sample(60, True, 75, 100)])
    assert learner.full_energy() is None
    learner = DischargeLearner()
    learner.feed([Sample(0, True, 80, 100), Sample(60, True, 79, 100),
                  Sample(3600, True, 40, 100), Sample(3660, True, 39, 100)])
    assert learner.discharges == 2 and learner.totals()[1] == pytest.approx(2)
    learner = DischargeLearner()
    learner.feed([Sample(0, True, 80, 360), Sample(100, True, 60, 360), Sample(50, True, 10, 1)])
    assert learner.full_energy() == pytest.approx(10 * 100 / 20)   # out of order ignored


def test_published_variables() -> None:
    """battery.runtime, its method in driver.parameter.runtime_estimate, runtime.low and LB."""
    runtime = EstimatedRuntime(runtime_options(section(**{
        "battery_ah": "9", "default.battery.runtime.low": "600", "runtime_learn": "off"})))
    values = {"ups.status": "OB DISCHRG", "battery.charge": "50", "ups.realpower": "150",
              "battery.voltage.nominal": "12"}
    out = runtime.apply(0, values)
    assert out["battery.runtime"] == "1140"     # 0.5 * 9 Ah * 12 V * 0.88 / 150 W
    assert out[PARAMETER] == "battery_ah"
    assert out["battery.runtime.low"] == "600"
    assert out["ups.status"] == "OB DISCHRG"
    out = runtime.apply(5, {**values, "battery.charge": "25", "ups.status": "ALARM OB DISCHRG"})
    assert out["battery.runtime"] == "570" and out["ups.status"] == "ALARM OB DISCHRG LB"
    out = runtime.apply(10, {**values, "battery.charge": "25", "ups.status": "OL CHRG"})
    assert out["ups.status"] == "OL CHRG"
    # A UPS that reports its own runtime keeps it, untouched.
    own = {**values, "battery.runtime": "42"}
    assert runtime.apply(15, own) == own
    # Nothing configured, nothing learned: no runtime at all.
    assert "battery.runtime" not in EstimatedRuntime(runtime_options(section())).apply(0, values)
    cal = EstimatedRuntime(runtime_options(section(runtimecal="240,100,720,50", idleload="5")))
    out = cal.apply(0, {**values, "ups.load": "50", "battery.charge": "100"})
    assert (out["battery.runtime"], out[PARAMETER]) == ("720", "runtimecal")


@pytest.mark.parametrize(("key", "value"), [
    ("runtimecal", "240,100"), ("runtimecal", "720,100,240,50"), ("idleload", "0"),
    ("idleload", "150"), ("battery_ah", "-3"), ("battery_ah", "lots"),
    ("default.battery.runtime.low", "soon"), ("override.battery.runtime.low", "-1"),
    ("runtime_learn", "maybe")])
def test_bad_options_name_their_line(key: str, value: str) -> None:
    """The driver refuses a bad estimate option at load, at its file:line."""
    with pytest.raises(ConfigError) as info:
        create(section(**{key: value}), Clock())
    assert str(info.value).startswith("/etc/nut/ups.conf:7: [ep20] "), str(info.value)
    assert "Traceback" not in str(info.value)


def test_learning_from_the_history_database() -> None:
    """The recorded outage, polled into a UPS and sampled into the history database,
    comes back as the rows the estimate learns from (and the same energy)."""
    from twisted.internet.defer import maybeDeferred

    from pynutd.config import HistoryConfig
    from pynutd.records.history import HistoryService
    from pynutd.ups import UpsRegistry, UpsState

    clock = Clock()
    clock.advance(1_700_000_000)
    registry = UpsRegistry()
    state = UpsState("ep20")
    registry.add(state)
    history = HistoryService(registry, HistoryConfig(interval=5.0), clock, 15, run=maybeDeferred)
    history.startService()
    try:
        rows = curve("outage")
        start = clock.seconds()
        for row in rows:
            clock.advance(start + float(row["t"]) - clock.seconds())
            state.update({k: row[k] for k in ("ups.status", "battery.charge", "ups.realpower")},
                         clock.seconds())
            history.sample()
        history.flush()
        found: list[list[tuple[float, bool, float, float]]] = []
        history.discharges("ep20").addCallback(found.append)
        assert len(found) == 1 and len(found[0]) > 400
        assert sum(1 for r in found[0] if r[1]) == sum(1 for r in rows if "OB" in r["ups.status"])
        runtime = EstimatedRuntime(runtime_options(section()))
        runtime.learn(Sample(*r) for r in found[0])
        assert runtime.estimator.learner.full_energy() == pytest.approx(95, rel=0.05)
        values = {"ups.status": "OL", "battery.charge": "100", "ups.realpower": "150"}
        assert runtime.apply(clock.seconds(), values)[PARAMETER] == "history"
        off = EstimatedRuntime(runtime_options(section(runtime_learn="off")))
        off.learn(Sample(*r) for r in found[0])
        assert "battery.runtime" not in off.apply(clock.seconds(), values)
    finally:
        history.stopService()


def test_the_driver_publishes_the_estimate() -> None:
    """The EP20 driver on real capture A (on battery, 52 %, 114 W, 12 V) with battery_ah = 9;
    a settings poll in between repeats the estimate without learning a second sample."""
    from tests.mustfakes import FRAMES, ClockPort, scripted
    from tests.test_must_ep20 import SETTINGS, STATUS, TAIL, TAIL_REPLY, fire

    clock = Clock()
    port = ClockPort(clock, scripted({STATUS: [FRAMES["capture_a"]] * 3,
                                      SETTINGS: [FRAMES["settings_reply"]] * 3,
                                      TAIL: [TAIL_REPLY] * 3}))
    driver = create(section(battery_ah="9", **{"default.battery.runtime.low": "1600"}), clock)
    driver.opener = port.open
    fire(driver.connect(), clock)
    update = fire(driver.poll("quick"), clock)
    expected = 0.52 * 9 * 12 * 0.88 * 3600 / 114
    assert update.values["battery.runtime"] == f"{expected:.0f}"
    assert update.values["driver.parameter.runtime_estimate"] == "battery_ah"
    assert update.values["battery.runtime.low"] == "1600"
    assert update.values["ups.status"] == "OB DISCHRG LB"     # 1561 s <= 1600 s
    again = fire(driver.poll("settings"), clock)
    assert again.values["battery.runtime"] == update.values["battery.runtime"]
    assert driver.runtime.estimator.learner.totals() == (0.0, 0.0)
