"""Periodic timers whose body may fail without stopping them.

A ``LoopingCall`` whose function raises, or returns a Deferred that fails,
stops for good and says nothing until its Deferred is collected (STYLE.md
§8).  :func:`start_loop` wraps the body as the poller's ``_tick`` is
wrapped (:mod:`pynutd.drivers.base`): the failure is logged with its
traceback and the next tick runs on time.  Every periodic timer of pynutd
outside the poller (history, telemetry log, live stream) starts here.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from twisted.internet.defer import Deferred
from twisted.internet.interfaces import IReactorTime
from twisted.internet.task import LoopingCall
from twisted.python.failure import Failure


def guarded(func: Callable[[], object], logger: logging.Logger,
            what: str) -> Callable[[], object]:
    """Return ``func`` wrapped so that it never raises and its Deferred never fails.

    A returned Deferred is still returned, so the loop waits for it as
    before; its failure is logged and turned into None.
    """
    def tick() -> object:
        try:
            result = func()
        except Exception:
            logger.exception("%s failed", what)
            return None
        if isinstance(result, Deferred):
            return result.addErrback(_logged, logger, what)
        return result
    return tick


def _logged(failure: Failure, logger: logging.Logger, what: str) -> None:
    logger.error("%s failed: %s", what, failure.getTraceback())


def start_loop(func: Callable[[], object], period: float, clock: IReactorTime,
               logger: logging.Logger, what: str, now: bool = False) -> LoopingCall:
    """Call ``func`` every ``period`` seconds of ``clock`` until stopped; return the loop.

    ``now`` runs the first call at once.  ``what`` names the body in the log.
    """
    loop = LoopingCall(guarded(func, logger, what))
    loop.clock = clock
    loop.start(period, now=now)
    return loop
