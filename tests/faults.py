"""A timer body that fails twice, for the tests that a periodic timer outlives its body."""

from __future__ import annotations

from collections.abc import Callable

from twisted.internet.defer import fail


def failing_first(func: Callable[[], object]) -> Callable[[], object]:
    """Return ``func`` that raises on its first call, returns a failed Deferred on its second,
    and then runs ``func`` (the two ways a LoopingCall body stops its loop)."""
    calls = [0]

    def body() -> object:
        calls[0] += 1
        if calls[0] == 1:
            raise RuntimeError("injected fault (raised)")
        if calls[0] == 2:
            return fail(RuntimeError("injected fault (failed Deferred)"))
        return func()
    return body
