"""systemd's notify protocol: one datagram per state change to ``$NOTIFY_SOCKET``.

A unit of ``Type=notify`` waits for ``READY=1`` before it counts as
started, shows the last ``STATUS=`` in ``systemctl status``, expects
``WATCHDOG=1`` more often than ``WatchdogSec=`` (``$WATCHDOG_USEC``) or
restarts the service, and is told ``RELOADING=1`` / ``STOPPING=1`` around a
reload and at shutdown.  The protocol is a few lines of socket code
(``sd_notify(3)``), so no library is needed.  Without ``$NOTIFY_SOCKET``
every call does nothing.
"""

from __future__ import annotations

import logging
import os
import socket
from collections.abc import Mapping

log = logging.getLogger(__name__)


class Notifier:
    """Sends ``KEY=value`` lines to systemd's notification socket, if there is one."""

    def __init__(self, address: str | None) -> None:
        # A name starting with '@' is an abstract socket: a leading NUL on Linux.
        if address and address.startswith("@"):
            address = "\0" + address[1:]
        self.address = address or None
        self._warned = False

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> Notifier:
        """Build from ``$NOTIFY_SOCKET`` (absent or empty: a notifier that does nothing)."""
        env = os.environ if env is None else env
        return cls(env.get("NOTIFY_SOCKET"))

    @property
    def enabled(self) -> bool:
        """Whether systemd is listening."""
        return self.address is not None

    def notify(self, *fields: str) -> None:
        """Send ``fields`` (``READY=1``, ``STATUS=...``) as one datagram; never raises."""
        if self.address is None:
            return
        message = "\n".join(fields).encode("utf-8", "replace")
        try:
            with socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM | socket.SOCK_CLOEXEC) as sock:
                sock.sendto(message, self.address)
        except OSError as exc:
            # systemd gone or the socket not reachable: the server serves on,
            # and the log says so once rather than every watchdog tick.
            if not self._warned:
                log.warning("cannot notify systemd at %s: %s",
                            self.address.replace("\0", "@"), exc)
                self._warned = True


def watchdog_period(env: Mapping[str, str] | None = None, pid: int | None = None) -> float | None:
    """Seconds between ``WATCHDOG=1`` pings: half of ``$WATCHDOG_USEC``, as sd_notify advises.

    None when no watchdog is asked for, or when ``$WATCHDOG_PID`` names
    another process (the variables were inherited, not meant for us).
    """
    env = os.environ if env is None else env
    usec = env.get("WATCHDOG_USEC", "")
    if not usec.isdigit() or int(usec) == 0:
        return None
    owner = env.get("WATCHDOG_PID", "")
    if owner and owner != str(os.getpid() if pid is None else pid):
        return None
    return int(usec) / 2_000_000
