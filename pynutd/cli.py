"""The ``pynutd`` command: run the server, the demo, or one of the tools.

This is the only module that reads the environment, installs signal
handlers and turns :class:`~pynutd.config.ConfigError` into a one-line
message and exit status 2.
"""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
from collections.abc import Callable, Mapping, Sequence
from types import FrameType
from typing import NoReturn, Protocol

from pynutd import __version__
from pynutd.config import ConfigError
from pynutd.logfile import FORMAT

log = logging.getLogger("pynutd")


class Tool(Protocol):
    """A sub-command: a module with these two functions."""

    def add_arguments(self, parser: argparse.ArgumentParser) -> None:
        """Add the sub-command's options to ``parser``."""

    def run(self, args: argparse.Namespace) -> int:
        """Do the work; return the exit status."""


def _scan() -> Tool:
    from pynutd.tools import scan
    return scan


def _read() -> Tool:
    from pynutd.tools import read
    return read


def _simulate() -> Tool:
    from pynutd.sim import cli
    return cli


def _killpower() -> Tool:
    from pynutd.tools import killpower
    return killpower


# Sub-command -> (loader, help).  A tool whose module cannot be imported in
# this build is listed, and says so when run.
TOOLS: dict[str, tuple[Callable[[], Tool], str]] = {
    "scan": (_scan, "list serial ports and HID UPSes with a ups.conf section"),
    "read": (_read, "print one UPS's readings once, as JSON"),
    "simulate": (_simulate, "run a simulated device on a pseudo-terminal"),
    "killpower": (_killpower, "tell the UPS to cut power (upsmon's last step)"),
}


# syslog priorities of Python's levels, for journald's "<N>" line prefixes.
PRIORITIES = {logging.CRITICAL: 2, logging.ERROR: 3, logging.WARNING: 4, logging.INFO: 6,
              logging.DEBUG: 7}


class JournalFormatter(logging.Formatter):
    """``<N>name: message``: journald reads the priority and stamps the time itself."""

    def __init__(self) -> None:
        super().__init__("%(name)s: %(message)s")

    def format(self, record: logging.LogRecord) -> str:
        priority = next((p for level, p in sorted(PRIORITIES.items(), reverse=True)
                         if record.levelno >= level), 7)
        # Every line of a multi-line record (a traceback) gets the prefix.
        return "\n".join(f"<{priority}>{line}" for line in super().format(record).splitlines())


def stderr_is_journal(env: Mapping[str, str] | None = None) -> bool:
    """Whether stderr is systemd's journal stream (``$JOURNAL_STREAM`` is its device:inode)."""
    env = os.environ if env is None else env
    try:
        st = os.fstat(sys.stderr.fileno())
    except (OSError, ValueError):
        return False
    return env.get("JOURNAL_STREAM") == f"{st.st_dev}:{st.st_ino}"


def setup_logging(verbose: int) -> None:
    """Log to stderr, INFO by default (DEBUG with -v); Twisted's log goes there too.

    Under systemd, with stderr connected to the journal, lines carry
    syslog priority prefixes and no time stamp, so journalctl shows levels.
    """
    level = logging.DEBUG if verbose else logging.INFO
    logging.basicConfig(level=level, stream=sys.stderr, format=FORMAT)
    if stderr_is_journal():
        for handler in logging.getLogger().handlers:
            handler.setFormatter(JournalFormatter())
    from twisted.python import log as twlog
    twlog.PythonLoggingObserver(loggerName="twisted").start()


DEVICE_HELP = ("serve the UPS at DEVICE with no configuration files: a serial port "
               "(/dev/ttyUSB0, a MUST EP20), a hidraw node or 'auto' (the first USB HID "
               "UPS), or virtual:FILE.hex (the virtual HID UPS)")


def seconds(text: str) -> float:
    """``--pollinterval``: seconds, more than 0 and at most an hour."""
    value = float(text)
    if not 0 < value <= 3600:
        raise argparse.ArgumentTypeError(f"must be more than 0 and at most 3600: {text}")
    return value


def _add_server_options(parser: argparse.ArgumentParser) -> None:
    """The options of the server itself, shared by every way of starting it."""
    parser.add_argument("--version", action="version", version=f"pynutd {__version__}")
    parser.add_argument("-c", "--confdir", default=None,
                        help="directory with ups.conf, upsd.conf, upsd.users, pynutd.conf "
                             "(default /etc/nut)")
    parser.add_argument("--demo", action="store_true",
                        help="serve simulated UPSes; needs no hardware and no configuration")
    parser.add_argument("--port", type=int, default=None,
                        help="with --demo or DEVICE: NUT port (default 3493)")
    parser.add_argument("--web-port", type=int, default=None,
                        help="with --demo or DEVICE: web port (default 8080)")
    parser.add_argument("--pollinterval", type=seconds, default=None, metavar="S",
                        help="with DEVICE: seconds between status polls (default 2)")
    parser.add_argument("-u", "--user", default=None,
                        help="when started as root, run as USER once the ports and devices "
                             "are open (default: nut, if it exists; -u root keeps root)")
    parser.add_argument("-v", "--verbose", action="count", default=0)


class _SilentParser(argparse.ArgumentParser):
    """A parser that raises ValueError instead of printing and exiting."""

    def error(self, message: str) -> NoReturn:
        raise ValueError(message)


def device_argument(argv: Sequence[str]) -> str | None:
    """Return the first word of ``argv`` that is no option and names no tool: DEVICE.

    argparse cannot hold an optional positional beside sub-commands, so the
    words are looked at first with the same options: a tool's name always
    wins (a device file called ``scan`` is ``./scan``).
    """
    front = _SilentParser(prog="pynutd", add_help=False)
    _add_server_options(front)
    front.add_argument("word", nargs="?")
    front.add_argument("rest", nargs=argparse.REMAINDER)
    try:
        known, _ = front.parse_known_args(
            [a for a in argv if a not in ("-h", "--help", "--version")])
    except ValueError:   # a malformed option: the full parser says what is wrong
        return None
    word: str | None = known.word
    return None if word is None or word in TOOLS else word


def build_device_parser() -> argparse.ArgumentParser:
    """Return the parser of ``pynutd [options] DEVICE``."""
    parser = argparse.ArgumentParser(prog="pynutd", description="NUT-compatible network UPS "
                                     "server, serving the one UPS at DEVICE.")
    _add_server_options(parser)
    parser.add_argument("device", metavar="DEVICE", help=DEVICE_HELP)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """Return the argument parser with the server options and every tool."""
    parser = argparse.ArgumentParser(
        prog="pynutd", description="NUT-compatible network UPS server.",
        usage="pynutd [options] [DEVICE | TOOL ...]",
        epilog=f"DEVICE: {DEVICE_HELP}.")
    _add_server_options(parser)
    sub = parser.add_subparsers(dest="tool", metavar="TOOL")
    for name, (load, help_text) in TOOLS.items():
        parser_of_tool = sub.add_parser(name, help=help_text)
        try:
            tool = load()
        except ImportError:
            parser_of_tool.set_defaults(tool_impl=None)
            continue
        tool.add_arguments(parser_of_tool)
        parser_of_tool.set_defaults(tool_impl=tool)
    return parser


def run_server(args: argparse.Namespace) -> int:
    """Load the configuration, build the service and run the reactor."""
    from twisted.internet import reactor
    from twisted.internet.error import CannotListenError

    from pynutd import config as configmod
    from pynutd import privileges
    from pynutd.service import make_service
    from pynutd.systemd import SystemdLink

    try:
        # The demo keeps the user it was started as, unless -u says otherwise.
        target = privileges.choose(args.user) if args.user or not args.demo else None
    except ValueError as exc:
        print(f"pynutd: {exc}", file=sys.stderr)
        return 2
    workdir = None
    quick = None
    if args.demo:
        from pynutd.demo import prepare
        workdir = prepare(reactor, args.port or 3493, args.web_port or 8080)
        args.confdir = str(workdir.path)
    try:
        if getattr(args, "device", None):
            from pynutd import quickstart
            try:
                quick = quickstart.prepare(args.device, reactor, args.port or 3493,
                                           args.web_port or 8080, args.pollinterval,
                                           bool(args.verbose))
            except quickstart.NothingFound as exc:
                print(f"pynutd: {exc}", file=sys.stderr)
                return 2
            conf = quick.config    # no file is read in this mode
        else:
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
            if target is not None:
                privileges.drop(target)
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
        if quick is not None:
            print(quick.announcement(), flush=True)
        systemd.started()

    def reload() -> None:
        systemd.reloading()
        try:
            if quick is None:
                service.reload()
            else:   # DEVICE mode has no files to read again
                service.parts.retry()
        finally:
            systemd.reloaded()

    def on_hup(signum: int, frame: FrameType | None) -> None:
        reactor.callFromThread(reload)  # type: ignore[attr-defined]

    def stop() -> object:
        systemd.stopping()
        # The Deferred makes the reactor wait for the services to stop.
        return service.stopService() if service.running else None

    systemd = SystemdLink.from_env(service.registry, reactor, conf.upsd.listen,
                                   conf.upsd.certfile is not None)
    reactor.callWhenRunning(start)
    reactor.addSystemEventTrigger("before", "shutdown", stop)
    signal.signal(signal.SIGHUP, on_hup)
    reactor.run()
    if workdir is not None:
        workdir.cleanup()
    return 1 if failed else 0


def main(argv: Sequence[str] | None = None) -> int:
    """Entry point of the ``pynutd`` console script."""
    argv = sys.argv[1:] if argv is None else list(argv)
    device = device_argument(argv)
    if device is not None:
        parser = build_device_parser()
        args = parser.parse_args(argv)
        if args.demo or args.confdir is not None:
            parser.error("DEVICE serves one UPS with no configuration files: "
                         "leave out --demo and -c")
        setup_logging(args.verbose)
        return run_server(args)
    parser = build_parser()
    args = parser.parse_args(argv)
    if args.pollinterval is not None:
        parser.error("--pollinterval is for 'pynutd DEVICE' (ups.conf has pollinterval)")
    if args.confdir is None:   # None only so that DEVICE mode can refuse -c
        args.confdir = "/etc/nut"
    setup_logging(args.verbose)
    if args.tool is None:
        return run_server(args)
    tool: Tool | None = args.tool_impl
    if tool is None:
        print(f"pynutd: {args.tool} is not available in this build", file=sys.stderr)
        return 2
    try:
        return tool.run(args)
    except ConfigError as exc:
        print(f"pynutd: {exc}", file=sys.stderr)
        return 2
