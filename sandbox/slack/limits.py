"""Slack's published Web API rate limits, as the stand-in enforces them.

What Slack publishes (https://api.slack.com/apis/rate-limits, checked 2025): limits apply
"per API method per app per workspace" and rate-limit windows are per minute; Tier 2 is
"20+ per minute ... occasional bursts", Tier 3 "50+ per minute ... sporadic bursts are
welcome", Tier 4 "100+ per minute ... generous burst behavior"; `chat.postMessage` is a
special tier: "generally allows posting one message per second per channel, while also
maintaining a workspace-wide limit" ("several hundred messages per minute" in its own
reference), "short bursts >1 allowed". Over a limit Slack answers HTTP 429 with the error
`ratelimited` and a `Retry-After` header holding a whole number of seconds.

The algorithm is a **token bucket** per key (a method for the workspace; for
`chat.postMessage` also one per channel): it refills at the published rate and holds up to
`burst` calls, so a quiet app may send a short burst and a busy one is held to the rate.
Slack publishes no burst sizes: the stand-in allows a fifth of a minute's budget (Tier 2:
4, Tier 3: 10, Tier 4: 20, the workspace-wide post cap: a tenth) and 3 posts per channel.
A refused call takes nothing from any bucket. `Retry-After` is the time until the
emptiest bucket holds a call again, rounded up to whole seconds, at least 1.

`time_scale` runs the limits faster (0.1: ten times the rate on the stand-in's clock, so a
benchmark can speed up the saga and Slack together); `Retry-After` is scaled likewise but
stays a whole number of seconds, at least 1, as Slack's is (slack-sdk reads it as an int).
"""

from __future__ import annotations

import math
import threading
from dataclasses import dataclass

from sandbox.slack.clock import Clock

POST = "chat.postMessage"
_EPSILON = 1e-3  # float clocks drift: a bucket this close to a whole call holds one


@dataclass(frozen=True)
class Limit:
    """A sustained rate (calls per minute) and how many calls a full bucket allows at once."""

    per_minute: float
    burst: float

    @property
    def per_second(self) -> float:
        return self.per_minute / 60.0


def tier(per_minute: float) -> Limit:
    """A published tier: its rate, with a fifth of a minute's budget as the burst."""
    return Limit(per_minute, max(1.0, per_minute / 5))


TIER2, TIER3, TIER4 = tier(20), tier(50), tier(100)
POST_PER_CHANNEL = Limit(60, 3)
DEFAULT_POST_WORKSPACE_PER_MINUTE = 600

METHOD_LIMITS: dict[str, Limit] = {
    "chat.update": TIER3,
    "chat.getPermalink": TIER3,
    "chat.postEphemeral": TIER4,
    "views.open": TIER4,
    "views.update": TIER4,
    "views.push": TIER4,
    "views.publish": TIER4,
    "users.info": TIER4,
    "usergroups.users.list": TIER2,
    "conversations.history": TIER3,
    "conversations.replies": TIER3,
    "conversations.info": TIER3,
}
"""Workspace-wide limits by method; `chat.postMessage` is set up by `RateLimits` itself."""


@dataclass
class _Bucket:
    limit: Limit
    tokens: float
    updated: float


class RateLimits:
    """Every bucket of one workspace; `check` admits a call or says how long to wait."""

    def __init__(
        self,
        clock: Clock,
        *,
        time_scale: float = 1.0,
        enabled: bool = True,
        post_workspace_per_minute: float = DEFAULT_POST_WORKSPACE_PER_MINUTE,
    ) -> None:
        if time_scale <= 0:
            raise ValueError("time_scale must be positive")
        self._clock = clock
        self.time_scale = time_scale
        self.enabled = enabled
        self.limits: dict[str, Limit] = dict(METHOD_LIMITS)
        self.limits[POST] = Limit(
            post_workspace_per_minute, max(1.0, post_workspace_per_minute / 10)
        )
        self.post_per_channel = POST_PER_CHANNEL
        self._buckets: dict[tuple[str, str], _Bucket] = {}
        self._lock = threading.Lock()

    def set_limit(self, method: str, limit: Limit | None) -> None:
        """Change (or with None, lift) the workspace-wide limit of `method`."""
        with self._lock:
            if limit is None:
                self.limits.pop(method, None)
            else:
                self.limits[method] = limit
            self._buckets = {k: b for k, b in self._buckets.items() if k[0] != method}

    def reset(self) -> None:
        """Fill every bucket again (as after a long quiet spell)."""
        with self._lock:
            self._buckets.clear()

    def check(self, method: str, channel: str | None = None) -> int | None:
        """Admit one call of `method` (taking from its buckets): None, or the `Retry-After`."""
        if not self.enabled:
            return None
        keys = self._keys(method, channel)
        if not keys:
            return None
        with self._lock:
            now = self._clock()
            buckets = [self._bucket(key, limit, now) for key, limit in keys]
            short = [b for b in buckets if b.tokens < 1.0 - _EPSILON]
            if not short:
                for bucket in buckets:
                    bucket.tokens -= 1.0
                return None
            wait = max((1.0 - b.tokens) / b.limit.per_second for b in short)
            return max(1, math.ceil(wait * self.time_scale - 1e-9))

    def _keys(self, method: str, channel: str | None) -> list[tuple[tuple[str, str], Limit]]:
        keys: list[tuple[tuple[str, str], Limit]] = []
        limit = self.limits.get(method)
        if limit is not None:
            keys.append(((method, "*"), limit))
        if method == POST and channel:
            keys.append(((method, channel), self.post_per_channel))
        return keys

    def _bucket(self, key: tuple[str, str], limit: Limit, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = _Bucket(limit, limit.burst, now)
            return bucket
        elapsed = max(0.0, now - bucket.updated) / self.time_scale
        bucket.tokens = min(limit.burst, bucket.tokens + elapsed * limit.per_second)
        bucket.updated = now
        return bucket
