"""Sending one request to Butterbase, and trying again when that is safe.

Bounded attempts, exponential backoff with full jitter, `Retry-After` honoured
within a total waiting budget. A read is retried on any transient failure. A
mutating call is retried only when it certainly did not take effect (it never
connected, or the server answered 429 or 503); any other failure after sending
becomes an `AmbiguousResult` for the client to settle by reading state back.
A migration id that is not a UUID is never sent, and a 500 for one is bad input
(`InvalidId`), never an outage.
"""

from __future__ import annotations

import json
import logging
import random
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import httpx
from pydantic import BaseModel, ValidationError

from bot.clock import Clock
from bot.errors import (
    AmbiguousResult,
    ButterbaseError,
    RateLimited,
    Unavailable,
    describe_transport,
    from_response,
    invalid_id,
    is_uuid,
    transport_error,
    unexpected,
)

logger = logging.getLogger(__name__)
M = TypeVar("M", bound=BaseModel)
T = TypeVar("T")
OnRequest = Callable[[str, str, int | None, float], None]

READ_RETRY_STATUSES = frozenset({500, 502, 503, 504})
MUTATION_RETRY_STATUSES = frozenset({503})
# Failures after which the request certainly never reached the server.
NOT_SENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)


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
        return rng.uniform(0.0, min(self.backoff_cap, self.backoff_base * 2 ** (attempt - 1)))

    def should_retry(self, exc: ButterbaseError, *, mutating: bool) -> bool:
        if isinstance(exc, AmbiguousResult):
            return False
        if isinstance(exc, RateLimited):
            return True
        if not isinstance(exc, Unavailable):
            return False
        if exc.status is None:
            # A transport failure; for a mutating call, only one that never connected.
            return True
        return exc.status in (MUTATION_RETRY_STATUSES if mutating else READ_RETRY_STATUSES)

    def delay(self, exc: ButterbaseError, attempt: int, rng: random.Random) -> float:
        return exc.retry_after if exc.retry_after is not None else self.backoff(attempt, rng)


async def with_retries(
    attempt: Callable[[], Awaitable[T]],
    *,
    policy: RetryPolicy,
    mutating: bool,
    sleep: Callable[[float], Awaitable[None]],
    rng: random.Random,
) -> T:
    """Run `attempt` until it succeeds, fails for good, or the budget is spent; the
    last error is raised as it is (with its `retry_after`, if any)."""
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
                "butterbase %s: %s (HTTP %s) on attempt %d of %d; retrying in %.2fs",
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


@dataclass(frozen=True)
class Call:
    route: str
    method: str
    path: str
    attempted: str | None = None  # set for a mutating call: what was asked, in words
    body: dict[str, Any] | None = None
    auth: bool = True
    ids: tuple[str, ...] = ()  # the migration ids in `path`: each must be a UUID

    @property
    def malformed(self) -> bool:
        """An id in the path is not a UUID: the server's 500 then means bad input."""
        return not all(is_uuid(i) for i in self.ids)


@dataclass(frozen=True, kw_only=True)
class Sender:
    """Sends a `Call` over the client's `httpx.AsyncClient` and parses the answer."""

    http: httpx.AsyncClient
    api_key: str | None = field(repr=False)
    policy: RetryPolicy
    sleep: Callable[[float], Awaitable[None]]
    rng: random.Random
    clock: Clock
    on_request: OnRequest | None

    async def send(self, call: Call, model: type[M]) -> M:
        if call.malformed:  # refused here: the server would answer 500 or an odd 409
            raise invalid_id(call.route)
        return await with_retries(
            lambda: self.once(call, model),
            policy=self.policy,
            mutating=call.attempted is not None,
            sleep=self.sleep,
            rng=self.rng,
        )

    async def once(self, call: Call, model: type[M]) -> M:
        headers = {"Authorization": f"Bearer {self.api_key}"} if call.auth and self.api_key else {}
        started = time.perf_counter()
        try:
            response = await self.http.request(
                call.method, call.path, json=call.body, headers=headers
            )
        except httpx.RequestError as exc:
            self._observe(call, None, started)
            if call.attempted is not None and not isinstance(exc, NOT_SENT):
                raise self._ambiguous(call, describe_transport(exc), None) from exc
            raise transport_error(call.route, exc) from exc
        status = response.status_code
        self._observe(call, status, started)
        if not response.is_success:
            if status == 500 and call.malformed:
                raise invalid_id(call.route, status=status)  # input, not an outage
            error = from_response(
                response, route=call.route, secret=self.api_key, now=self.clock.now()
            )
            if call.attempted is not None and status >= 500 and status != 503:
                raise self._ambiguous(call, f"HTTP {status}", status) from error
            raise error
        try:
            return model.model_validate(json.loads(response.content))
        except (ValueError, ValidationError) as exc:  # JSONDecodeError is a ValueError
            if call.attempted is not None:
                raise self._ambiguous(
                    call, f"an unreadable answer, HTTP {status}", status
                ) from None
            what = "not the expected shape" if isinstance(exc, ValidationError) else "not JSON"
            raise unexpected(call.route, status, what) from None

    @staticmethod
    def _ambiguous(call: Call, cause: str, status: int | None) -> AmbiguousResult:
        assert call.attempted is not None
        return AmbiguousResult(
            route=call.route, attempted=call.attempted, cause=cause, status=status
        )

    def _observe(self, call: Call, status: int | None, started: float) -> None:
        seconds = time.perf_counter() - started
        logger.debug("butterbase %s %s -> %s in %.3fs", call.method, call.route, status, seconds)
        if self.on_request is None:
            return
        try:
            self.on_request(call.route, call.method, status, seconds)
        except Exception:
            logger.exception("the on_request hook failed for %s", call.route)
