"""Slack's published rate limits in the stand-in: per method, per workspace, with bursts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from sandbox.slack import ManualClock, SlackStandIn, SlackWorkspace
from sandbox.slack.limits import Limit, RateLimits

TOKEN = "xoxb-sandbox"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def server() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=TOKEN) as running:
        yield running


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


def call(server: SlackStandIn, method: str, **args: Any) -> httpx.Response:
    return httpx.post(f"{server.api_url}{method}", json=args, headers=AUTH)


def admitted(limits: RateLimits, method: str, n: int, channel: str | None = None) -> int:
    """How many of `n` calls in a row are admitted."""
    return sum(limits.check(method, channel) is None for _ in range(n))


def test_limits_are_on_by_default() -> None:
    assert SlackWorkspace().limits.enabled
    assert SlackStandIn().ws.limits.enabled


@pytest.mark.parametrize(
    ("method", "per_minute"),
    [
        ("chat.update", 50),
        ("chat.getPermalink", 50),
        ("conversations.history", 50),
        ("conversations.replies", 50),
        ("chat.postEphemeral", 100),
        ("views.open", 100),
        ("views.update", 100),
        ("views.publish", 100),
        ("views.push", 100),
        ("users.info", 100),
        ("usergroups.users.list", 20),
    ],
)
def test_each_tier_allows_its_published_rate_a_minute(
    clock: ManualClock, method: str, per_minute: int
) -> None:
    limits = RateLimits(clock)
    burst = admitted(limits, method, 1000)
    assert 1 < burst < per_minute  # a burst is tolerated, not a minute's worth at once
    served = burst
    for _ in range(600):  # the next minute, call after call, 0.1 s apart
        clock.advance(0.1)
        served += admitted(limits, method, 5)
    assert served == burst + per_minute  # then exactly the published rate


def test_tier3_retry_after_says_when_the_next_call_fits(clock: ManualClock) -> None:
    limits = RateLimits(clock)
    admitted(limits, "chat.update", 1000)
    retry_after = limits.check("chat.update")
    assert retry_after == 2  # 1.2 s until the next token, rounded up to whole seconds
    clock.advance(1.1)
    assert limits.check("chat.update") == 1  # at least 1
    clock.advance(0.1)
    assert limits.check("chat.update") is None


def test_post_is_per_channel_with_a_short_burst(clock: ManualClock) -> None:
    limits = RateLimits(clock)
    assert admitted(limits, "chat.postMessage", 10, "C1") == 3
    assert admitted(limits, "chat.postMessage", 10, "C2") == 3  # another channel is fine
    assert limits.check("chat.postMessage", "C1") == 1
    clock.advance(1.0)
    assert admitted(limits, "chat.postMessage", 10, "C1") == 1  # then one a second


def test_post_has_a_workspace_wide_cap_that_is_a_setting(clock: ManualClock) -> None:
    limits = RateLimits(clock, post_workspace_per_minute=120)
    served = 0
    for _ in range(60):  # 40 channels, each posting once a second: 2,400 tries
        served += sum(limits.check("chat.postMessage", f"C{n}") is None for n in range(40))
        clock.advance(1.0)
    assert served == 12 + 59 * 2  # the burst (a tenth), then 2 a second: 120 a minute
    assert RateLimits(clock).limits["chat.postMessage"].per_minute == 600  # the default


def test_a_refused_call_takes_nothing(clock: ManualClock) -> None:
    limits = RateLimits(clock, post_workspace_per_minute=60)
    limits.set_limit("chat.postMessage", Limit(60, 1))
    assert limits.check("chat.postMessage", "C1") is None
    assert limits.check("chat.postMessage", "C2") == 1  # the workspace bucket is empty
    clock.advance(1.0)
    assert limits.check("chat.postMessage", "C2") is None  # C2's own bucket was not spent


def test_time_scale_runs_limits_faster_and_scales_retry_after(clock: ManualClock) -> None:
    fast = RateLimits(clock, time_scale=0.1)
    burst = admitted(fast, "usergroups.users.list", 100)
    assert burst == 4
    assert fast.check("usergroups.users.list") == 1  # 3 s at real speed, 0.3 s here: 1
    clock.advance(6.0)  # a minute at real speed
    assert admitted(fast, "usergroups.users.list", 100) == 4  # a full bucket again (burst)
    slow = RateLimits(clock, time_scale=10)
    admitted(slow, "usergroups.users.list", 100)
    assert slow.check("usergroups.users.list") == 30  # 3 s, ten times slower


def test_switched_off_or_unlisted_methods_are_not_limited(clock: ManualClock) -> None:
    assert admitted(RateLimits(clock, enabled=False), "chat.update", 500) == 500
    assert admitted(RateLimits(clock), "auth.test", 500) == 500


def test_over_http_429_retry_after_and_counts_per_method(
    server: SlackStandIn, clock: ManualClock
) -> None:
    ws = server.use(SlackWorkspace(clock=clock))
    posted = call(server, "chat.postMessage", channel="C_OPS", text="card").json()
    answers = [
        call(server, "chat.update", channel="C_OPS", ts=posted["ts"], text=f"v{n}")
        for n in range(12)
    ]
    assert [a.status_code for a in answers] == [200] * 10 + [429] * 2
    refused = answers[-1]
    assert refused.json() == {"ok": False, "error": "ratelimited"}
    assert refused.headers["Retry-After"] == "2"
    assert ws.find_message("C_OPS", posted["ts"]).text == "v9"  # type: ignore[union-attr]
    for _ in range(5):
        call(server, "usergroups.users.list", usergroup="S_ONCALL")
    assert ws.ratelimited_by_method == {"chat.update": 2, "usergroups.users.list": 1}
    assert [c.limited for c in ws.calls_of("chat.update")] == [False] * 10 + [True] * 2
    ws.fail_next("users.info", status=429)
    assert call(server, "users.info", user="U_REQ").status_code == 429
    assert not ws.calls_of("users.info")[0].limited  # an injected 429 is told apart
    assert ws.ratelimited_count == 4
    clock.advance(2.0)
    again = call(server, "chat.update", channel="C_OPS", ts=posted["ts"], text="v10")
    assert again.json()["ok"]


def test_the_old_switch_turns_every_limit_off(server: SlackStandIn, clock: ManualClock) -> None:
    ws = server.use(SlackWorkspace(clock=clock))
    ws.rate_limit_post_per_channel = False
    statuses = {call(server, "chat.postMessage", channel="C_OPS", text="x").status_code}
    statuses |= {call(server, "users.info", user="U_REQ").status_code for _ in range(30)}
    assert statuses == {200} and not ws.limits.enabled
    off = server.use(SlackWorkspace(clock=clock, rate_limits=False))
    assert not off.limits.enabled


def test_a_workspace_time_scale_speeds_its_limits_up(
    server: SlackStandIn, clock: ManualClock
) -> None:
    ws = server.use(SlackWorkspace(clock=clock, time_scale=0.1))
    lists = [call(server, "usergroups.users.list", usergroup="S_ONCALL") for _ in range(5)]
    assert [r.status_code for r in lists] == [200] * 4 + [429]
    assert lists[-1].headers["Retry-After"] == "1"  # 0.3 s, at least 1
    clock.advance(0.3)  # 3 s of Slack's time: one more call of Tier 2 (20 a minute)
    assert call(server, "usergroups.users.list", usergroup="S_ONCALL").status_code == 200
    assert ws.limits.time_scale == 0.1
