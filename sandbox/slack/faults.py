"""Injected failures: the next N calls of a method fail, or everything fails for a while."""

from __future__ import annotations

import threading
from dataclasses import dataclass

from sandbox.slack.clock import Clock

_ERRORS_BY_STATUS = {
    429: "ratelimited",
    500: "internal_error",
    502: "service_unavailable",
    503: "service_unavailable",
    504: "request_timeout",
}


def error_for_status(status: int) -> str:
    """The `error` string Slack puts in the body of a failure with this HTTP status."""
    return _ERRORS_BY_STATUS.get(status, "fatal_error")


@dataclass(frozen=True)
class Fault:
    """How to answer one call instead of handling it."""

    status: int
    error: str
    retry_after: int | None = None


@dataclass
class _Rule:
    method: str | None
    status: int
    remaining: int
    retry_after: int | None


class Faults:
    """The failures waiting to happen, consumed in the order they were asked for."""

    def __init__(self, clock: Clock) -> None:
        self._clock = clock
        self._lock = threading.Lock()
        self._rules: list[_Rule] = []
        self._outage_until = 0.0
        self._outage_status = 503

    def fail_next(
        self,
        method: str | None,
        *,
        status: int = 500,
        count: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Fail the next `count` calls of `method` (any method when None) with `status`."""
        if count < 1:
            raise ValueError("count must be at least 1")
        with self._lock:
            self._rules.append(_Rule(method, status, count, retry_after))

    def outage(self, seconds: float, status: int = 503) -> None:
        """Every call answers `status` for the next `seconds` of the workspace clock."""
        with self._lock:
            self._outage_until = self._clock() + seconds
            self._outage_status = status

    def clear(self) -> None:
        """Forget every pending failure and end any outage."""
        with self._lock:
            self._rules.clear()
            self._outage_until = 0.0

    def take(self, method: str) -> Fault | None:
        """The failure this call of `method` should get, if any (consuming a rule)."""
        with self._lock:
            if self._clock() < self._outage_until:
                status = self._outage_status
                retry_after = 1 if status in (429, 503) else None
                return Fault(status, error_for_status(status), retry_after)
            for rule in self._rules:
                if rule.method is None or rule.method == method:
                    rule.remaining -= 1
                    if rule.remaining == 0:
                        self._rules.remove(rule)
                    retry_after = rule.retry_after
                    if retry_after is None and rule.status == 429:
                        retry_after = 1
                    return Fault(rule.status, error_for_status(rule.status), retry_after)
        return None
