"""The ``pynutd`` command: run the server, the demo, or one of the tools.

This is the only module that reads the environment, installs signal
handlers and turns :class:`~pynutd.config.ConfigError` into a one-line
message and exit status 2.
"""

from __future__ import annotations

import argparse
import importlib
import logging
import signal
import sys
from collections.abc import Sequence
from typing import Any

from pynutd import __version__
from pynutd.config import ConfigError

log = logging.getLogger("pynutd")

# Sub-commands, each a module with add_arguments(parser) and run(args) -> int.
TOOLS = {
    "scan": ("pynutd.tools.scan", "list serial ports and HID UPSes with a ups.conf section"),
    "read": ("pynutd.tools.read", "print one UPS's readings once, as JSON"),
    "simulate": ("pynutd.sim.cli", "run a simulated device on a pseudo-terminal"),
    "killpower": ("pynutd.tools.killpower", "tell the UPS to cut power (upsmon's last step)"),
}


def setup_logging(verbose: int, logfile: str | None = None) -> None:
    """Log to stderr (and optionally a file), INFO by default."""
    level = logging.DEBUG if verbose else logging.INFO
    logging.basicConfig(level=level, stream=sys.stderr,
                        format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from twisted.python import log as twlog
    twlog.PythonLoggingObserver(loggerName="twisted").start()


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with the server options and every tool."""
    parser = argparse.ArgumentParser(
        prog="pynutd", description="NUT-compatible network UPS server.")
    parser.add_argument("--version", action="version", version=f"pynutd {__version__}")
    parser.add_argument("-c", "--confdir", default="/etc/nut",
                        help="directory with ups.conf, upsd.conf, upsd.users, pynutd.conf")
    parser.add_argument("--demo", action="store_true",
                        help="serve simulated UPSes; needs no hardware and no configuration")
    parser.add_argument("--port", type=int, default=None,
                        help="with --demo: NUT port (default 3493)")
    parser.add_argument("--web-port", type=int, default=None,
                        help="with --demo: web port (default 8080)")
    parser.add_argument("-v", "--verbose", action="count", default=0)
    sub = parser.add_subparsers(dest="tool")
    for name, (module, help_text) in TOOLS.items():
        tool = sub.add_parser(name, help=help_text)
        tool.set_defaults(tool_module=module)
        try:
            importlib.import_module(module).add_arguments(tool)
        except ImportError:
            tool.set_defaults(tool_missing=True)
    return parser


def run_server(args: argparse.Namespace) -> int:
    """Load the configuration, build the service and run the reactor."""
    from twisted.internet import reactor
    from twisted.internet.error import CannotListenError

    from pynutd import config as configmod
    from pynutd.service import make_service

    workdir = None
    if args.demo:
        from pynutd.demo import prepare
        workdir = prepare(reactor, args.port or 3493, args.web_port or 8080)
        args.confdir = str(workdir.path)
    try:
        conf = configmod.load(args.confdir)
        for warning in conf.warnings:
            log.warning("%s", warning)
        service = make_service(conf, reactor)
    except ConfigError as exc:
        print(f"pynutd: {exc}", file=sys.stderr)
        return 2
    failed: list[BaseException] = []

    def start() -> None:
        try:
            service.privilegedStartService()
            service.startService()
        except CannotListenError as exc:  # the NUT port in use, say: one line, then stop
            failed.append(exc)
            print(f"pynutd: cannot start: {exc}", file=sys.stderr)
            reactor.stop()
            return
        except Exception as exc:  # a bug: logged with its traceback; never serve half started
            failed.append(exc)
            log.exception("cannot start")
            reactor.stop()
            return
        if workdir is not None:
            workdir.announce()

    def on_hup(signum: int, frame: Any) -> None:
        reactor.callFromThread(service.reload)  # type: ignore[attr-defined]

    reactor.callWhenRunning(start)
    reactor.addSystemEventTrigger("before", "shutdown",
                                  lambda: service.stopService() if service.running else None)
    signal.signal(signal.SIGHUP, on_hup)
    reactor.run()
    if workdir is not None:
        workdir.cleanup()
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pynutd`` console script."""
    parser = build_parser()
    args = parser.parse_args(argv)
    setup_logging(args.verbose)
    if args.tool is None:
        return run_server(args)
    if getattr(args, "tool_missing", False):
        print(f"pynutd: {args.tool} is not available in this build", file=sys.stderr)
        return 2
    try:
        result: int = importlib.import_module(args.tool_module).run(args)
    except ConfigError as exc:
        print(f"pynutd: {exc}", file=sys.stderr)
        return 2
    return result
