"""`GET /metrics` after a full move: the counters moved, each where it should."""

from __future__ import annotations

import asyncio

import httpx
from prometheus_client.parser import text_string_to_metric_families

from tests.e2e.harness import CHANNEL, REQUESTER, World, wait_for

Samples = dict[tuple[str, frozenset[tuple[str, str]]], float]


async def scrape(world: World) -> tuple[Samples, str]:
    assert world.bot is not None
    async with httpx.AsyncClient(base_url=world.bot.url) as http:
        response = await http.get("/metrics")
    assert response.status_code == 200
    samples: Samples = {}
    for family in text_string_to_metric_families(response.text):
        for s in family.samples:
            samples[(s.name, frozenset(s.labels.items()))] = float(s.value)
    return samples, response.headers["content-type"]


def total(samples: Samples, name: str, **labels: str) -> float:
    """The sum of `name` over the samples that have these labels."""
    want = set(labels.items())
    return sum(v for (n, ls), v in samples.items() if n == name and want <= ls)


async def test_metrics_after_a_full_move_show_the_counters_moved(world: World) -> None:
    before, content_type = await scrape(world)
    assert content_type.startswith("text/plain")
    assert total(before, "migrations_bot_commands_total") == 0

    await world.d.command(REQUESTER, CHANNEL, "/migrate", "app-42 eu-west-1")
    (card,) = await wait_for(lambda: world.cards(), message="the status card")
    await wait_for(
        lambda: any("Summary" in t for t in world.thread_texts(card.ts)),
        message="the summary in the thread",
    )
    after, _ = await wait_for_scrape(world)

    assert (
        total(after, "migrations_bot_commands_total", command="/migrate", outcome="accepted") == 1
    )
    assert total(after, "migrations_bot_ack_seconds_count", kind="command") == 1
    assert total(after, "migrations_bot_ack_seconds_bucket", kind="command", le="3.0") == 1
    bb = "migrations_bot_butterbase_requests_total"
    assert total(after, bb, route="move", method="POST", status="202") == 1
    assert total(after, bb, route="status", method="GET", status="200") >= 5
    assert total(after, "migrations_bot_butterbase_request_seconds_count", route="move") == 1
    calls = "migrations_bot_slack_calls_total"
    posted = len(world.ws.calls_of("chat.postMessage"))
    assert total(after, calls, method="chat.postMessage", outcome="ok") == posted >= 5
    assert total(after, calls, method="chat.update", outcome="ok") >= 1
    assert total(after, "migrations_bot_tracked_migrations") == 0  # it ended: not followed
    assert total(after, "migrations_bot_outbox_depth") == 0
    assert total(after, "migrations_bot_approvals_pending") == 0


async def wait_for_scrape(world: World) -> tuple[Samples, str]:
    """A scrape once the outbox has sent everything (the last reply may still be queued)."""
    for _ in range(100):
        samples, content_type = await scrape(world)
        if total(samples, "migrations_bot_outbox_depth") == 0:
            return samples, content_type
        await asyncio.sleep(0.05)
    raise AssertionError("the outbox never drained")
