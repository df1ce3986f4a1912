"""Clocks for the Slack stand-in: wall time by default, a manual one for tests."""

from __future__ import annotations

import time
from collections.abc import Callable

Clock = Callable[[], float]
"""A clock is any callable returning seconds since the epoch (like `time.time`)."""

SANDBOX_EPOCH = 1764470000.0
"""Where a `ManualClock` starts unless told otherwise (late November 2025)."""


class ManualClock:
    """A clock that only moves when told to, so tests never sleep.

    >>> clock = ManualClock()
    >>> clock.advance(3.5)
    >>> clock() - SANDBOX_EPOCH
    3.5
    """

    def __init__(self, start: float = SANDBOX_EPOCH) -> None:
        self._now = float(start)

    def __call__(self) -> float:
        return self._now

    def now(self) -> float:
        """The current time (the same as calling the clock)."""
        return self._now

    def advance(self, seconds: float) -> None:
        """Move the clock forward by `seconds`."""
        if seconds < 0:
            raise ValueError("a clock does not go backwards")
        self._now += seconds

    def set(self, when: float) -> None:
        """Jump to an absolute time."""
        self._now = float(when)


def wall_clock() -> float:
    """Real time, the default clock."""
    return time.time()
