"""Injected failures: the next N calls of a method fail, everything fails for a while, or
a call is carried out but its answer is lost (the connection is dropped, or the answer
stalls and then is dropped): the case where the caller cannot tell whether it happened."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Literal

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


LossMode = Literal["drop", "stall"]


@dataclass(frozen=True)
class AnswerLoss:
    """How the answer to a call that was carried out gets lost."""

    mode: LossMode
    stall_seconds: float = 30.0


@dataclass
class _LossRule:
    method: str
    skip: int
    remaining: int
    loss: AnswerLoss


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
        self._losses: list[_LossRule] = []
        self.released = threading.Event()

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

    def lose_answers(
        self,
        method: str,
        *,
        mode: LossMode = "drop",
        skip: int = 0,
        count: int = 1,
        stall_seconds: float = 30.0,
    ) -> None:
        """Carry out `method` but lose its answer, `count` times, after `skip` calls that
        were carried out and answered normally. Only calls that succeed count: a call
        refused (rate limit, bad arguments) is answered as usual and not counted."""
        if count < 1 or skip < 0:
            raise ValueError("count must be at least 1 and skip not negative")
        with self._lock:
            self.released.clear()
            self._losses.append(_LossRule(method, skip, count, AnswerLoss(mode, stall_seconds)))

    def take_loss(self, method: str) -> AnswerLoss | None:
        """Whether the answer to this successful call of `method` is to be lost."""
        with self._lock:
            for rule in self._losses:
                if rule.method != method:
                    continue
                if rule.skip > 0:
                    rule.skip -= 1
                    return None
                rule.remaining -= 1
                if rule.remaining == 0:
                    self._losses.remove(rule)
                return rule.loss
        return None

    def release(self) -> None:
        """End every stalled answer now (it is then dropped, never delivered)."""
        self.released.set()

    def clear(self) -> None:
        """Forget every pending failure, end any outage and release stalled answers."""
        with self._lock:
            self._rules.clear()
            self._losses.clear()
            self._outage_until = 0.0
        self.release()

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
