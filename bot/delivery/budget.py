"""Slack's rate limits as one budget for the workspace, spent by priority.

Each Web API method has a token bucket (Slack's tiers are per method, per workspace);
`chat.postMessage` also has one per channel (about one a second). A caller waits for a
token of its method; when tokens are short the most urgent waiter (lowest priority
number, then the earliest) gets the next one. A 429 pauses only its method's bucket
(or its channel's): other methods' queues never wait for it.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field

# (calls per minute, burst): a little under Slack's published tiers
LIMITS: dict[str, tuple[float, float]] = {
    # the workspace cap: Slack says "several hundred messages per minute" and publishes no
    # figure; 480 is 80% of what the stand-in models (600). 240 (before) was below what
    # 200 moves need (~320 a minute): the outbox fell behind while Slack had room.
    "chat.postMessage": (480.0, 20.0),  # per channel see CHANNEL_LIMIT
    "chat.update": (45.0, 5.0),  # Tier 3
    "chat.postEphemeral": (90.0, 10.0),  # Tier 4
    "chat.getPermalink": (45.0, 5.0),  # Tier 3
    "conversations.history": (45.0, 5.0),  # Tier 3
    "conversations.replies": (45.0, 5.0),  # Tier 3
    "auth.test": (90.0, 5.0),
}
DEFAULT_LIMIT = (90.0, 10.0)  # views.* and the rest: Tier 4
CHANNEL_LIMIT = (60.0, 1.0)  # chat.postMessage: about one a second per channel


@dataclass(order=True)
class _Waiter:
    priority: int
    seq: int
    future: asyncio.Future[None] = field(compare=False)


class Bucket:
    """A token bucket whose tokens go to waiters in priority order."""

    def __init__(self, per_minute: float, burst: float, now: Callable[[], float]) -> None:
        self.rate = per_minute / 60.0
        self.burst = burst
        self._now = now
        self._tokens = burst
        self._stamp = now()
        self._paused_until = 0.0
        self._waiters: list[_Waiter] = []
        self._seq = itertools.count()
        self._timer: asyncio.TimerHandle | None = None

    def _refill(self) -> None:
        now = self._now()
        start = max(self._stamp, self._paused_until)
        if now > start:
            self._tokens = min(self.burst, self._tokens + (now - start) * self.rate)
        self._stamp = max(now, self._stamp)

    async def take(self, priority: int) -> None:
        waiter = _Waiter(priority, next(self._seq), asyncio.get_running_loop().create_future())
        heapq.heappush(self._waiters, waiter)
        self._pump()
        try:
            await waiter.future
        except asyncio.CancelledError:
            if waiter in self._waiters:
                self._waiters.remove(waiter)
                heapq.heapify(self._waiters)
            raise

    def pause(self, seconds: float) -> None:
        """Slack said 429: no token for `seconds`, and none saved up meanwhile."""
        self._refill()
        self._tokens = 0.0
        self._paused_until = max(self._paused_until, self._now() + seconds)
        self._pump()

    def waiting(self) -> int:
        return len(self._waiters)

    def poke(self) -> None:
        """Hand out what has refilled (the timer does this; an injected clock may not)."""
        self._pump()

    def _pump(self) -> None:
        self._refill()
        while self._waiters and self._now() >= self._paused_until and self._tokens >= 1.0:
            waiter = heapq.heappop(self._waiters)
            if waiter.future.done():
                continue
            self._tokens -= 1.0
            waiter.future.set_result(None)
        if self._waiters and self._timer is None:
            now = self._now()
            wait = max(self._paused_until - now, (1.0 - self._tokens) / self.rate, 0.001)
            self._timer = asyncio.get_running_loop().call_later(wait, self._tick)

    def _tick(self) -> None:
        self._timer = None
        self._pump()


class Budget:
    """Every method's bucket, and each channel's for posts."""

    def __init__(
        self,
        limits: dict[str, tuple[float, float]] | None = None,
        *,
        channel_limit: tuple[float, float] = CHANNEL_LIMIT,
        now: Callable[[], float] = time.monotonic,
        scale: float = 1.0,
    ) -> None:
        """`scale` < 1 runs Slack's clock faster (the sandbox, benchmarks); 0: no limits."""
        self._scale = scale
        self._limits = {**LIMITS, **(limits or {})}
        self._channel_limit = channel_limit
        self._now = now
        self._buckets: dict[str, Bucket] = {}

    def bucket(self, key: str) -> Bucket:
        if key not in self._buckets:
            if key.startswith("channel:"):
                limit = self._channel_limit
            else:
                limit = self._limits.get(key, DEFAULT_LIMIT)
            per_minute, burst = limit
            self._buckets[key] = Bucket(per_minute / self._scale, burst, now=self._now)
        return self._buckets[key]

    def keys_for(self, method: str, channel: str | None) -> list[str]:
        if method == "chat.postMessage" and channel:
            return [f"channel:{channel}", method]
        return [method]

    async def spend(self, method: str, channel: str | None, priority: int) -> None:
        """Wait for one call of `method` (in `channel`) within the budget."""
        if self._scale <= 0:
            return
        for key in self.keys_for(method, channel):
            await self.bucket(key).take(priority)

    def throttled(self, method: str, channel: str | None, seconds: float) -> None:
        """Slack answered 429: pause the narrowest bucket the limit is known for."""
        if self._scale <= 0:
            return
        keys = self.keys_for(method, channel)
        self.bucket(keys[0]).pause(seconds)

    def waiting(self, method: str) -> int:
        return self.bucket(method).waiting()

    def poke(self) -> None:
        for bucket in self._buckets.values():
            bucket.poke()
