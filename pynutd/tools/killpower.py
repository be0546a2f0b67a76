"""``pynutd killpower``: tell the UPS to cut the load, the last step of a power-fail shutdown.

NUT's shutdown hook runs ``upsdrvctl shutdown`` late in the OS shutdown when
upsmon left its POWERDOWNFLAG; this is pynutd's equivalent.  Run it after
pynutd itself has stopped (the device must be free): it opens each UPS with
its configured driver and sends the first instant command it supports from
``sdcommands`` (a comma-separated ups.conf option, as in NUT) or, by default,
``shutdown.return`` (come back when mains returns), then ``load.off.delay``.
"""

from __future__ import annotations

import argparse
import logging

from twisted.internet.defer import ensureDeferred, maybeDeferred

from pynutd import config as configmod
from pynutd.config import UpsSection
from pynutd.drivers import create_driver
from pynutd.drivers.base import Driver, Update
from pynutd.sim.hid_virtual import open_virtual

log = logging.getLogger(__name__)

DEFAULT_SDCOMMANDS = ("shutdown.return", "load.off.delay")


def add_arguments(parser: argparse.ArgumentParser) -> None:
    """Add the ``killpower`` options."""
    parser.add_argument("ups", nargs="*", help="UPS names (default: every UPS in ups.conf)")
    parser.add_argument("--dry-run", action="store_true",
                        help="say which command would be sent, send nothing")


def choose_command(section: UpsSection, commands: list[str]) -> str | None:
    """Return the first supported shutdown command for ``section``, or None."""
    wanted = section.get("sdcommands")
    order = [c.strip() for c in wanted.split(",")] if wanted else list(DEFAULT_SDCOMMANDS)
    offered = {c.lower(): c for c in commands}
    return next((offered[c.lower()] for c in order if c.lower() in offered), None)


async def _shutdown_one(section: UpsSection, driver: Driver, dry_run: bool) -> bool:
    await maybeDeferred(driver.connect)
    try:
        commands: list[str] = []
        for tier in driver.tiers():
            update: Update = await maybeDeferred(driver.poll, tier)  # type: ignore[arg-type, call-overload]
            if update.commands is not None:
                commands = list(update.commands)
        command = choose_command(section, commands)
        if command is None:
            print(f"[{section.name}] supports none of the shutdown commands "
                  f"({section.get('sdcommands') or ', '.join(DEFAULT_SDCOMMANDS)})")
            return False
        if dry_run:
            print(f"[{section.name}] would send {command}")
            return True
        await maybeDeferred(driver.instcmd, command, None)
        print(f"[{section.name}] sent {command}")
        return True
    finally:
        driver.disconnect()


def run(args: argparse.Namespace) -> int:
    """Shut down the named UPSes (or all); exit 0 only if every one accepted."""
    from twisted.internet import reactor

    conf = configmod.load(args.confdir)
    names = {n.lower() for n in args.ups}
    sections = [s for s in conf.ups if not names or s.name.lower() in names]
    unknown = names - {s.name.lower() for s in conf.ups}
    if unknown:
        print(f"pynutd: unknown UPS: {', '.join(sorted(unknown))}")
        return 2
    results: list[bool] = []

    async def all_of_them() -> None:
        for section in sections:
            try:
                driver = create_driver(section, reactor,
                                       hid_openers={"virtual": open_virtual})
                results.append(await _shutdown_one(section, driver, args.dry_run))
            except Exception as exc:  # noqa: BLE001 -- one UPS failing must not stop the others
                print(f"[{section.name}] failed: {exc}")
                results.append(False)

    def start() -> None:
        ensureDeferred(all_of_them()).addBoth(lambda _: reactor.stop())

    reactor.callWhenRunning(start)
    reactor.run()
    return 0 if results and all(results) else 1
