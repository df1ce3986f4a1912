"""One workspace budget, spent by priority; a throttled method holds no other back."""

from __future__ import annotations

import asyncio

from bot.clock import FakeClock
from bot.delivery import Budget
from bot.replies import Reply
from bot.tracker import card_item, reply_item
from storage.records import REFRESH, URGENT
from storage.store import Store
from tests.bot.delivery.fakes import FakeSlack, add_move, outbox


class Ticks:
    def __init__(self) -> None:
        self.t = 0.0

    def __call__(self) -> float:
        return self.t


async def test_the_most_urgent_waiter_gets_the_next_token() -> None:
    ticks = Ticks()
    budget = Budget({"chat.update": (60.0, 1.0)}, now=ticks)
    await budget.spend("chat.update", None, REFRESH)  # the burst is spent
    order: list[str] = []

    async def take(name: str, priority: int) -> None:
        await budget.spend("chat.update", None, priority)
        order.append(name)

    tasks = [
        asyncio.create_task(take(n, p)) for n, p in (("refresh", REFRESH), ("approval", URGENT))
    ]
    await asyncio.sleep(0)
    assert budget.waiting("chat.update") == 2 and order == []
    ticks.t = 1.0
    budget.poke()
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert order == ["approval"]
    ticks.t = 2.0
    budget.poke()
    await asyncio.gather(*tasks)
    assert order == ["approval", "refresh"]


async def test_a_429_storm_on_chat_update_does_not_delay_thread_replies(
    store: Store, clock: FakeClock
) -> None:
    slack = FakeSlack()
    slack.refuse = lambda method, args: (429, "ratelimited") if method == "chat.update" else None
    mid = add_move(store, 1)
    store.set_card_ts(mid, "1.000001")
    m = store.get_migration(mid)
    assert m is not None and m.card_ts
    box = outbox(store, slack, clock)
    for i in range(5):
        store.apply(
            outbox=[
                card_item(m, clock.now()),
                reply_item(m, Reply(f"step {i}"), clock.now(), key=f"s{i}"),
            ]
        )
        await box.drain_until_empty()
        clock.advance(1)
    replies = [p.text for p in slack.posted]
    assert replies == [f"step {i}" for i in range(5)]  # each at once, in order
    assert len(slack.of("chat.update")) == 1  # the card waits for Retry-After, alone


async def test_queued_card_refreshes_become_one_update_of_the_newest_state(
    store: Store, clock: FakeClock
) -> None:
    slack = FakeSlack()
    mid = add_move(store, 1)
    store.set_card_ts(mid, "1.000001")
    m = store.get_migration(mid)
    assert m is not None
    store.apply(outbox=[card_item(m, clock.now()) for _ in range(6)])
    await outbox(store, slack, clock).drain_until_empty()
    assert len(slack.of("chat.update")) == 1
    assert store.pending_outbox_for(mid) == []
