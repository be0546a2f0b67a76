"""``pynutd simulate <device>``: run one device simulator on its own.

:data:`SIMULATORS` maps a device name to a loader that imports the
simulator when called and returns it as a :class:`Simulator`: its scenario
names and ``main(args)``, which receives the parsed options below and runs
until killed.  Simulators are imported only when chosen, so adding one is
adding a row.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Collection
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class Simulator:
    """One runnable simulator: its scenarios and its entry point."""

    scenarios: Collection[str]
    main: Callable[[argparse.Namespace], int]


def _must_ep20() -> Simulator:
    from pynutd.sim.must_ep20 import main
    from pynutd.sim.must_ep20_model import SCENARIOS
    return Simulator(SCENARIOS, main)


SIMULATORS: dict[str, Callable[[], Simulator]] = {
    "must-ep20": _must_ep20,
}


def _rate(text: str) -> float:
    value = float(text)
    if not 0.0 <= value <= 1.0:
        raise argparse.ArgumentTypeError("a rate is between 0 and 1")
    return value


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the simulator options to the ``simulate`` sub-command."""
    parser.add_argument("device", choices=sorted(SIMULATORS), help="which device to simulate")
    parser.add_argument("--scenario", default="online",
                        help="what happens to the device over time (must-ep20: online, outage, "
                             "brownout, highmains, overload, overheat, dropout)")
    parser.add_argument("--speed", type=float, default=None,
                        help="model seconds per real second (default: the scenario's)")
    parser.add_argument("--fault-rate", type=_rate, default=0.0,
                        help="share of requests left unanswered (the field sees about 0.2)")
    parser.add_argument("--zero-rate", type=_rate, default=0.0,
                        help="share of reads answered with all-zero registers")
    parser.add_argument("--garbage-rate", type=_rate, default=0.0,
                        help="share of replies with noise in front or a broken CRC")
    parser.add_argument("--start", type=float, default=0.0, metavar="SECONDS",
                        help="begin this many model seconds into the scenario")
    parser.add_argument("--seed", type=int, default=None, help="random seed for the faults")
    parser.add_argument("--link", default=None,
                        help="also make this path a symbolic link to the pty")
    parser.add_argument("--duration", type=float, default=None,
                        help="stop after this many seconds (default: run until killed)")


def run(args: argparse.Namespace) -> int:
    """Start the chosen simulator; it prints the path of its port first."""
    simulator = SIMULATORS[args.device]()
    if args.scenario not in simulator.scenarios:
        known = ", ".join(sorted(simulator.scenarios))
        print(f"pynutd: unknown scenario {args.scenario!r} for {args.device} (known: {known})")
        return 2
    return simulator.main(args)
