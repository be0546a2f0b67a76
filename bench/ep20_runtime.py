#!/usr/bin/env python3
"""The estimated battery.runtime against the simulated EP20's real time to empty.

Runs the EP20 simulator's model (pynutd.sim.must_ep20_model) in model time,
decodes every poll's registers with the real driver's decoder, feeds the
estimator (pynutd.drivers.runtime) and prints, at several points of an
outage that runs the battery flat, the estimate next to the time the
model actually took to cut off.  Three estimators: runtimecal only,
battery_ah only, and battery_ah refined by one earlier outage (the outage
scenario's first discharge, as the history database would hold it).

    .venv/bin/python bench/ep20_runtime.py
    .venv/bin/python bench/ep20_runtime.py --record tests/fixtures/must/runtime_curves.csv

``--record`` writes the recorded curves (CSV) the unit tests replay.
"""

from __future__ import annotations

import argparse
import csv
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from pynutd.drivers.must_ep20.decode import decode_status, registers
from pynutd.drivers.runtime import (
    RuntimeEstimator,
    Sample,
    parse_runtimecal,
)
from pynutd.sim.must_ep20_model import SCENARIOS, Ep20Model, Phase, Scenario

FIELDS = ("t", "curve", "ups.status", "battery.charge", "ups.realpower", "ups.load",
          "battery.voltage", "battery.current", "battery.voltage.nominal")
STEP = 5.0          # model seconds between polls
LOWBATT = 30


def run_curve(name: str, scenario: Scenario, duration: float) -> list[dict[str, str]]:
    """Poll ``scenario`` every STEP model seconds for ``duration``; return the decoded rows."""
    model = Ep20Model(scenario, now=0.0, speed=1.0)
    rows = []
    t = 0.0
    while t <= duration:
        model.advance(t)
        values = decode_status(registers(30000, model.status_registers()), LOWBATT)
        rows.append({"t": f"{t:.0f}", "curve": name,
                     **{k: values.get(k, "") for k in FIELDS[2:]}})
        t += STEP
    return rows


def curves() -> dict[str, list[dict[str, str]]]:
    """The recorded curves: one outage cycle, and flat-out discharges at 150 W and 300 W."""
    outage = SCENARIOS["outage"]
    empty = [Scenario(f"empty{w:.0f}", f"full battery, mains lost at 60 s, {w:.0f} W",
                      (Phase(60, load=w), Phase(7200, grid=0.0, load=w)),
                      battery_ah=9, soc=100, settings=((31005, 5),)) for w in (150.0, 300.0)]
    out = {"outage": run_curve("outage", outage, 900 + 1320 + 300)}
    for scenario in empty:
        out[scenario.name] = run_curve(scenario.name, scenario, 3600)
    return out


def samples(rows: list[dict[str, str]]) -> list[Sample]:
    """The learner's view of recorded rows."""
    return [Sample(float(r["t"]), "OB" in r["ups.status"].split(), float(r["battery.charge"]),
                   float(r["ups.realpower"])) for r in rows if r["battery.charge"]]


def time_to_empty(rows: list[dict[str, str]]) -> float:
    """When the model cut its output off (OFF), in model seconds."""
    for row in rows:
        if "OFF" in row["ups.status"].split():
            return float(row["t"])
    raise ValueError("the curve never ran empty")


def errors(rows: list[dict[str, str]], estimator: RuntimeEstimator,
           points: tuple[float, ...]) -> list[tuple[float, int, float, float]]:
    """(time, charge, estimate, actual) at ``points`` seconds after the mains were lost."""
    end = time_to_empty(rows)
    start = next(float(r["t"]) for r in rows if "OB" in r["ups.status"].split())
    out = []
    for row in rows:
        t = float(row["t"])
        if t >= end:
            break
        estimate = estimator.update(t, row)
        if estimate is not None and any(abs(t - start - p) < STEP / 2 for p in points):
            out.append((t - start, int(row["battery.charge"]), estimate.seconds, end - t))
    return out


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--record", type=Path, help="write the recorded curves as CSV here")
    args = parser.parse_args()
    recorded = curves()
    if args.record:
        args.record.parent.mkdir(parents=True, exist_ok=True)
        with args.record.open("w", newline="") as f:
            writer = csv.DictWriter(f, FIELDS)
            writer.writeheader()
            for rows in recorded.values():
                writer.writerows(rows)
        print(f"wrote {sum(len(r) for r in recorded.values())} rows to {args.record}")
        return 0
    # runtimecal as a user would write it from a datasheet-like pair of
    # points: 150 W is 15 % (the 9 Ah battery lasts ~36 min), 300 W 30 %.
    cal = parse_runtimecal("1000,30,2150,15")
    for curve in ("empty150", "empty300"):
        rows = recorded[curve]
        print(f"\n{curve}: mains lost with a full 9 Ah battery; actual time to empty "
              f"{time_to_empty(rows) - 60:.0f} s")
        learned = RuntimeEstimator(battery_ah=9)
        learned.learner.feed(samples(recorded["outage"]))
        estimators = {"runtimecal": RuntimeEstimator(cal, learn=False),
                      "battery_ah=9": RuntimeEstimator(battery_ah=9, learn=False),
                      "battery_ah=5 (wrong)": RuntimeEstimator(battery_ah=5, learn=False),
                      "5 Ah + 1 outage learned": _learned(recorded["outage"], 5),
                      "9 Ah + 1 outage learned": learned}
        points = (0.0, 300.0, 600.0, 1200.0, 1500.0, 1800.0)
        print(f"{'after':>6} {'charge':>6} {'actual':>7}  " +
              "  ".join(f"{name:>24}" for name in estimators))
        table = {name: errors(rows, est, points) for name, est in estimators.items()}
        for i, (after, charge, _, actual) in enumerate(table["battery_ah=9"]):
            cells = []
            for name in estimators:
                est = table[name][i][2]
                cells.append(f"{est:7.0f} s ({(est - actual) / actual * 100:+5.1f} %)".rjust(24))
            print(f"{after:6.0f} {charge:5d}% {actual:6.0f}s  " + "  ".join(cells))
    return 0


def _learned(rows: list[dict[str, str]], battery_ah: float) -> RuntimeEstimator:
    est = RuntimeEstimator(battery_ah=battery_ah)
    est.learner.feed(samples(rows))
    return est


if __name__ == "__main__":
    sys.exit(main())
