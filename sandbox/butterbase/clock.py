"""Time for the simulator: the wall clock by default, a manual one for deterministic tests."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from typing import Protocol


class Clock(Protocol):
    """Anything with `now()` returning a timezone-aware UTC datetime."""

    def now(self) -> datetime: ...


class SystemClock:
    """The real wall clock."""

    def now(self) -> datetime:
        return datetime.now(UTC)


class ManualClock:
    """A clock that moves only when told to (thread-safe: the server reads it from its thread)."""

    DEFAULT_START = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)

    def __init__(self, start: datetime | None = None) -> None:
        self._now = as_utc(start) if start is not None else self.DEFAULT_START
        self._lock = threading.Lock()

    def now(self) -> datetime:
        with self._lock:
            return self._now

    def advance(self, seconds: float) -> datetime:
        """Move forward by `seconds` and return the new time."""
        with self._lock:
            self._now += timedelta(seconds=seconds)
            return self._now

    def set(self, dt: datetime) -> None:
        """Jump to `dt` (naive values are taken to be UTC)."""
        with self._lock:
            self._now = as_utc(dt)


def as_utc(value: datetime) -> datetime:
    """`value` as an aware UTC datetime (naive values are taken to be UTC)."""
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def iso(value: datetime | None) -> str | None:
    """ISO-8601 with milliseconds and `Z`, as the server writes timestamps."""
    if value is None:
        return None
    return as_utc(value).isoformat(timespec="milliseconds").replace("+00:00", "Z")
