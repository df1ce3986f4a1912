"""Exactly once through the send window (issue 11, item 6): the process is killed after
Slack stored a message and before the store marked it sent, at every post of a move's
delivery in turn, 200+ times; after the restart nothing is doubled and nothing lost."""

from __future__ import annotations

import asyncio
import random
from collections import Counter

from bot.clock import FakeClock
from bot.replies import Reply
from bot.tracker import card_item, reply_item
from storage.records import OutboxItem
from storage.store import Store
from tests.bot.delivery.fakes import FakeSlack, Killed, add_move, outbox
from tests.storage.factories import T0

KILLS = 210
LONG = "\n".join(f"detail {i} " + "z" * 500 for i in range(10))  # split in two posts
EXPECTED_POSTS = 7  # card, a merged pair of replies, a broadcast, a long reply in 2, 2 messages


def queue(store: Store, clock: FakeClock) -> str:
    mid = add_move(store, 1)
    m = store.get_migration(mid)
    assert m is not None
    now = clock.now()
    store.apply(
        outbox=[
            card_item(m, now),
            reply_item(m, Reply("step one"), now, key="1"),
            reply_item(m, Reply("step two"), now, key="2"),
            reply_item(m, Reply("cutover", broadcast=True), now, key="3"),
            reply_item(m, Reply(LONG), now, key="4"),
            OutboxItem(
                kind="message", channel_id="C2", payload={"text": "reminder"}, created_at=now
            ),
            OutboxItem(kind="message", channel_id="C2", payload={"text": "shared"}, created_at=now),
        ]
    )
    return mid


async def killed_then_restarted(kill_at: int) -> FakeSlack:
    clock = FakeClock(T0)
    with Store.in_memory(clock=clock) as store:
        queue(store, clock)
        slack = FakeSlack(kill_at_post=kill_at)
        try:
            await outbox(store, slack, clock).drain_until_empty()
        except Killed:
            others = [t for t in asyncio.all_tasks() if t is not asyncio.current_task()]
            for task in others:  # the rest of the process dies with it
                task.cancel()
            await asyncio.gather(*others, return_exceptions=True)
        await outbox(store, slack, clock).drain_until_empty()  # the next process
        assert store.due_outbox(now=clock.advance(3600)) == []
        return slack


async def test_kills_in_the_send_window_double_nothing_and_lose_nothing() -> None:
    rng = random.Random(11)
    hit = Counter[int]()
    for n in range(KILLS):
        kill_at = n % EXPECTED_POSTS if n < 2 * EXPECTED_POSTS else rng.randrange(EXPECTED_POSTS)
        slack = await killed_then_restarted(kill_at)
        texts = [p.text for p in slack.posted]
        assert len(texts) == EXPECTED_POSTS, (kill_at, texts)
        assert Counter(texts)["step one\nstep two"] == 1, (kill_at, texts)
        assert {"app-1 card", "cutover", "reminder", "shared"} <= set(texts), (kill_at, texts)
        card = next(p for p in slack.posted if p.text == "app-1 card")
        thread = "".join(p.text.replace("\n", "") for p in slack.posted if p.thread_ts == card.ts)
        assert LONG.replace("\n", "") in thread, kill_at
        hit[kill_at] += 1
    assert set(hit) == set(range(EXPECTED_POSTS))  # every post of the move was a kill point
