"""When and how long the Butterbase client waits before trying a request again.

Bounded attempts, exponential backoff with full jitter, `Retry-After` honoured
within a total waiting budget. Reads are retried on any transient failure; a
mutating request only when it certainly did not take effect (it never connected,
or the server answered 429 or 503).
"""

from __future__ import annotations

import logging
import random
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import TypeVar

from bot.errors import AmbiguousResult, ButterbaseError, RateLimited, Unavailable

logger = logging.getLogger(__name__)
T = TypeVar("T")

READ_RETRY_STATUSES = frozenset({500, 502, 503, 504})
MUTATION_RETRY_STATUSES = frozenset({503})


@dataclass(frozen=True, kw_only=True)
class RetryPolicy:
    max_attempts: int = 4
    backoff_base: float = 0.5
    backoff_cap: float = 8.0
    max_wait: float = 30.0
    """Seconds one call may spend waiting in all; a longer Retry-After means give up."""

    def __post_init__(self) -> None:
        if self.max_attempts < 1:
            raise ValueError("max_attempts must be at least 1")
        if min(self.backoff_base, self.backoff_cap, self.max_wait) < 0:
            raise ValueError("backoff and waiting times must not be negative")

    def backoff(self, attempt: int, rng: random.Random) -> float:
        """Full jitter: uniform in [0, min(cap, base * 2**(attempt-1))]."""
        ceiling = min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1))
        return rng.uniform(0.0, ceiling)

    def should_retry(self, exc: ButterbaseError, *, mutating: bool) -> bool:
        if isinstance(exc, AmbiguousResult):
            return False
        if isinstance(exc, RateLimited):
            return True
        if not isinstance(exc, Unavailable):
            return False
        if exc.status is None:
            # Transport failures: a mutating call only gets here when it never
            # connected (anything later is an AmbiguousResult).
            return True
        statuses = MUTATION_RETRY_STATUSES if mutating else READ_RETRY_STATUSES
        return exc.status in statuses

    def delay(self, exc: ButterbaseError, attempt: int, rng: random.Random) -> float:
        if exc.retry_after is not None:
            return exc.retry_after
        return self.backoff(attempt, rng)


async def with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    mutating: bool,
    sleep: Callable[[float], Awaitable[None]],
    rng: random.Random,
) -> T:
    """Run `attempt` until it succeeds, fails for good, or the budget is spent.

    The last error is raised as it is (with its `retry_after`, if any).
    """
    waited = 0.0
    for number in range(1, policy.max_attempts + 1):
        try:
            return await attempt()
        except ButterbaseError as exc:
            if number >= policy.max_attempts or not policy.should_retry(exc, mutating=mutating):
                raise
            delay = policy.delay(exc, number, rng)
            if waited + delay > policy.max_wait:
                raise
            logger.info(
                "butterbase %s: %s (HTTP %s), attempt %d of %d, retrying in %.2fs",
                exc.route,
                type(exc).__name__,
                exc.status,
                number,
                policy.max_attempts,
                delay,
            )
            await sleep(delay)
            waited += delay
    raise AssertionError("unreachable: the last attempt returns or raises")
