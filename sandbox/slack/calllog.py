"""The call log, injected faults and rate-limit counts (a mixin of `SlackWorkspace`)."""

from __future__ import annotations

import threading
from collections import Counter
from contextlib import AbstractContextManager

from sandbox.slack.faults import Faults, LossMode
from sandbox.slack.limits import RateLimits
from sandbox.slack.models import ApiCall


class CallLogMixin:
    """Every Web API call as answered, the faults waiting to happen, the 429s answered."""

    lock: threading.RLock
    calls: list[ApiCall]
    faults: Faults
    limits: RateLimits
    ratelimited_count: int
    ratelimited_by_method: Counter[str]

    def changing(self) -> AbstractContextManager[None]:
        """A unit of change (provided by `SlackWorkspace`)."""
        raise NotImplementedError

    # -- the call log and faults -------------------------------------------------

    def record_call(self, call: ApiCall) -> None:
        """Append to `calls`."""
        with self.changing():
            self.calls.append(call)

    def calls_of(self, method: str) -> list[ApiCall]:
        """The recorded calls of one method, in order."""
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def reset_calls(self) -> None:
        """Forget the recorded calls."""
        with self.changing():
            self.calls.clear()

    def fail_next(
        self,
        method: str | None,
        *,
        status: int = 500,
        count: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Fail the next `count` calls of `method` (of any method when None)."""
        self.faults.fail_next(method, status=status, count=count, retry_after=retry_after)

    def outage(self, seconds: float, status: int = 503) -> None:
        """Every method answers `status` for `seconds` of the workspace clock."""
        self.faults.outage(seconds, status)

    def lose_answers(
        self,
        method: str = "chat.postMessage",
        *,
        mode: LossMode = "drop",
        skip: int = 0,
        count: int = 1,
        stall_seconds: float = 30.0,
    ) -> None:
        """Carry out the next `count` successful calls of `method` (after `skip` answered
        ones) but lose their answers: `drop` closes the connection, `stall` holds the answer
        until the caller gives up, `release_stalls()` or `stall_seconds`, then drops it."""
        self.faults.lose_answers(
            method, mode=mode, skip=skip, count=count, stall_seconds=stall_seconds
        )

    def release_stalls(self) -> None:
        """End every stalled answer now (dropping it)."""
        self.faults.release()

    def count_ratelimited(self, method: str) -> None:
        """Count a 429 answered to `method` (in total and per method)."""
        with self.lock:
            self.ratelimited_count += 1
            self.ratelimited_by_method[method] += 1

    @property
    def rate_limit_post_per_channel(self) -> bool:
        """Older name of `limits.enabled` (all of Slack's limits, not only posts)."""
        return self.limits.enabled

    @rate_limit_post_per_channel.setter
    def rate_limit_post_per_channel(self, on: bool) -> None:
        self.limits.enabled = on
