"""Slack answering 429 with Retry-After, and 503 for a while, while two moves post their
cards and threads in one channel: the messages wait (as long as Slack asked), are then
delivered, each thread in the order it was queued, none lost and none posted twice."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.harness import CHANNEL, World, close_world, make_world, wait_for
from tests.faults.support import assert_each_step_once, errors, finished, settled, start_move

MOVES = (("app-42", "eu-west-1"), ("shop-eu", "us-east-1"))


def delivered_in_order(world: World, migration_id: str) -> list[float]:
    """The Slack ts each of the migration's replies went out as, in the order they were
    queued; asserts none is unsent or given up on."""
    assert world.runtime is not None
    rows = world.runtime.store.db.execute(
        "SELECT sent_at, dead, result_ts FROM outbox WHERE migration_id = ?"
        " AND kind IN ('reply', 'broadcast') ORDER BY id",
        [migration_id],
    ).fetchall()
    assert rows and all(sent and not dead for sent, dead, _ in rows), rows
    return [float(ts) for _, _, ts in rows]


def check_delivery(world: World, migration_ids: list[str], cards: list[str]) -> None:
    posts = [c for c in world.ws.calls_of("chat.postMessage") if c.status == 200]
    messages = world.ws.channel_messages(CHANNEL, include_replies=True)
    assert len(posts) == len(messages)  # nothing posted twice
    assert [m.ts for m in world.cards() if m.ts in cards] == cards  # one card each
    for mid, card in zip(migration_ids, cards, strict=True):
        sent = delivered_in_order(world, mid)
        assert sent == sorted(sent)  # in order
        thread = world.thread_texts(card)
        assert sum("Summary · " in t for t in thread) == 1
        assert_each_step_once(thread)  # none lost, none doubled


async def test_429_with_retry_after(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    world = make_world(tmp_path)
    try:
        world.ws.fail_next("chat.postMessage", status=429, count=3, retry_after=1)
        moved = [await start_move(world, app, dest, hold_at="dumping_data") for app, dest in MOVES]
        for app, _ in MOVES:
            world.sim.unstall(app)
        cards = [card for card, _ in moved]
        for card in cards:
            await finished(world, card)
        await settled(world)
        check_delivery(world, [mid for _, mid in moved], cards)
        calls = world.ws.calls_of("chat.postMessage")
    finally:
        await close_world(world)
    refused = [i for i, c in enumerate(calls) if c.status == 429]
    assert len(refused) == 3
    for i in refused:  # the channel's next post waited for Retry-After
        assert calls[i + 1].time - calls[i].time >= 0.95, [(c.status, c.time) for c in calls]
    assert errors(caplog) == []


async def test_503_for_two_seconds(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    world = make_world(tmp_path)
    try:
        moved = [await start_move(world, app, dest, hold_at="dumping_data") for app, dest in MOVES]
        down = world.ws.now()
        world.ws.outage(2, 503)
        with world.sim.lock:
            for app, _ in MOVES:
                world.sim.unstall(app)
        await wait_for(lambda: any(c.status == 503 for c in world.ws.calls), message="a 503")
        cards = [card for card, _ in moved]
        for card in cards:
            await finished(world, card)
        await settled(world)
        check_delivery(world, [mid for _, mid in moved], cards)
        calls = list(world.ws.calls)
    finally:
        await close_world(world)
    assert any(c.status == 503 for c in calls)
    assert all(c.status == 503 for c in calls if down <= c.time < down + 2)  # they waited
    assert any(c.status == 200 and c.time >= down + 2 for c in calls)  # then went out
    assert errors(caplog) == []
