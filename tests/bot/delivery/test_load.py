"""Delivery under load (issue 11, items 2-3): the budget's waits are spent well.

A thread's post waits for the budget at its most urgent part's priority and carries
everything queued meanwhile; a backed-up thread folds its milestones in; a slow answer in
a channel never holds the channel's next post; the outbox's queue and 429s are metrics."""

from __future__ import annotations

import asyncio
from typing import Any

from prometheus_client.parser import text_string_to_metric_families
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.clock import FakeClock
from bot.delivery import Budget, Outbox
from bot.metrics import Metrics
from bot.replies import Reply
from bot.tracker import card_item, reply_item
from storage.records import MILESTONE, REFRESH, STEP, URGENT
from storage.store import Store
from tests.bot.delivery.fakes import Cards, FakeSlack, add_move, outbox


class HeldBudget(Budget):
    """No limits, but records each spend and can hold `chat.postMessage` until released."""

    def __init__(self) -> None:
        super().__init__(scale=0)
        self.spent: list[tuple[str, int]] = []
        self.hold = asyncio.Event()
        self.hold.set()
        self.holding = asyncio.Event()

    async def spend(self, method: str, channel: str | None, priority: int) -> None:
        self.spent.append((method, priority))
        if method == "chat.postMessage" and not self.hold.is_set():
            self.holding.set()
            await self.hold.wait()


def box(store: Store, slack: FakeSlack, clock: FakeClock, budget: Budget, **kw: Any) -> Outbox:
    return Outbox(
        store=store,
        slack=slack,  # type: ignore[arg-type]
        clock=clock,
        cards=Cards(store),
        post_interval=0.0,
        budget=budget,
        **{"card_interval": 0.0, **kw},
    )


def posted_move(store: Store, n: int = 1, channel: str = "C1") -> str:
    mid = add_move(store, n, channel=channel)
    store.set_card_ts(mid, f"{n}.000001")
    return mid


def queue(store: Store, mid: str, clock: FakeClock, *replies: Reply) -> None:
    m = store.get_migration(mid)
    assert m is not None and m.card_ts
    store.apply(outbox=[reply_item(m, r, clock.now(), key=r.text) for r in replies])


async def test_replies_queued_while_a_post_waits_for_the_budget_go_with_it(
    store: Store, clock: FakeClock
) -> None:
    mid = posted_move(store)
    queue(store, mid, clock, Reply("Dumping data done"))
    budget, slack = HeldBudget(), FakeSlack()
    budget.hold.clear()
    sender = asyncio.create_task(box(store, slack, clock, budget).drain_until_empty())
    await budget.holding.wait()  # the thread's post waits for a token
    queue(store, mid, clock, Reply("Restoring data done"), Reply("Copying blobs done"))
    budget.hold.set()
    await sender
    assert [p.text for p in slack.posted] == [
        "Dumping data done\nRestoring data done\nCopying blobs done"
    ]


async def test_a_thread_waits_at_the_priority_of_the_milestone_it_carries(
    store: Store, clock: FakeClock
) -> None:
    mid = posted_move(store)
    queue(store, mid, clock, Reply("Copying the runtime done"), Reply("Cut over", broadcast=True))
    budget = HeldBudget()
    await box(store, FakeSlack(), clock, budget).drain_until_empty()
    assert budget.spent[0] == ("chat.postMessage", MILESTONE)


async def test_a_cards_first_post_waits_like_a_step_reply_not_like_a_refresh(
    store: Store, clock: FakeClock
) -> None:
    mid = add_move(store, 1)
    m = store.get_migration(mid)
    assert m is not None
    store.apply(outbox=[card_item(m, clock.now())])
    budget = HeldBudget()
    await box(store, FakeSlack(), clock, budget).drain_until_empty()
    assert budget.spent == [("chat.postMessage", STEP)]
    assert card_item(m, clock.now()).priority == REFRESH  # its updates stay last


async def test_a_backed_up_thread_folds_its_milestone_with_the_replies_around_it(
    store: Store, clock: FakeClock
) -> None:
    backed_up, fresh = posted_move(store, 1), posted_move(store, 2)
    news = (Reply("Verifying done"), Reply("Completed", broadcast=True), Reply("Summary"))
    queue(store, backed_up, clock, *news)
    clock.advance(10)
    queue(store, fresh, clock, *news)
    slack = FakeSlack()
    await box(store, slack, clock, HeldBudget(), fold_after=5.0).drain_until_empty()
    card = {backed_up: "1.000001", fresh: "2.000001"}
    folded = [p for p in slack.posted if p.thread_ts == card[backed_up]]
    assert [p.text for p in folded] == ["Verifying done\nCompleted\nSummary"]
    [args] = [a for a in slack.of("chat.postMessage") if a.get("thread_ts") == card[backed_up]]
    assert args["reply_broadcast"] is True  # the milestone still reaches the channel
    apart = [p.text for p in slack.posted if p.thread_ts == card[fresh]]
    assert apart == ["Verifying done", "Completed", "Summary"]  # not backed up: as queued


async def test_a_slow_answer_does_not_hold_the_channels_next_post(
    store: Store, clock: FakeClock
) -> None:
    slow, other = posted_move(store, 1), posted_move(store, 2)
    queue(store, slow, clock, Reply("slow news"))
    queue(store, other, clock, Reply("other news"))
    answered = asyncio.Event()

    class SlowSlack(FakeSlack):
        async def api_call(self, method: str, *, json: dict[str, Any]) -> AsyncSlackResponse:
            if json.get("text") == "slow news":
                await answered.wait()
            return await super().api_call(method, json=json)

    slack = SlowSlack()
    sender = asyncio.create_task(outbox(store, slack, clock).drain_once())
    for _ in range(50):
        await asyncio.sleep(0)
    assert [p.text for p in slack.posted] == ["other news"]  # same channel, not held
    answered.set()
    await sender
    assert [p.text for p in slack.posted] == ["other news", "slow news"]


async def test_metrics_show_the_queue_by_priority_and_429s_by_method(
    store: Store, clock: FakeClock
) -> None:
    mid = posted_move(store)
    queue(store, mid, clock, Reply("a step"), Reply("Cut over", broadcast=True))
    metrics = Metrics(store=store, clock=clock)
    slack = FakeSlack(refuse=lambda m, a: (429, "ratelimited") if m == "chat.update" else None)
    m = store.get_migration(mid)
    assert m is not None
    store.apply(outbox=[card_item(m, clock.now())])  # a refresh: Slack answers 429
    await box(store, slack, clock, HeldBudget(), on_call=metrics.slack_call).drain_once()
    samples = {
        (s.name, tuple(sorted(s.labels.items()))): s.value
        for family in text_string_to_metric_families(metrics.render()[0].decode())
        for s in family.samples
    }
    assert samples[("migrations_bot_slack_ratelimited_total", (("method", "chat.update"),))] == 1
    queued = {
        dict(labels)["priority"]: value
        for (name, labels), value in samples.items()
        if name == "migrations_bot_outbox_queued"
    }
    assert queued == {"urgent": 0, "milestone": 0, "step": 0, "refresh": 1}


async def test_a_cards_final_state_goes_at_once_ahead_of_refreshes(
    store: Store, clock: FakeClock
) -> None:
    mid = posted_move(store)
    m = store.get_migration(mid)
    assert m is not None
    budget, slack = HeldBudget(), FakeSlack()
    sender = box(store, slack, clock, budget, card_interval=60.0)
    store.apply(outbox=[card_item(m, clock.now())])
    await sender.drain_once()  # a refresh: the next may come 60 s later at the earliest
    store.apply(migration=m.model_copy(update={"current_step": "completed"}))
    store.apply(outbox=[card_item(m, clock.now())])
    await sender.drain_once()
    assert len(slack.updates) == 2  # the final state did not wait for the interval
    assert budget.spent == [("chat.update", REFRESH), ("chat.update", MILESTONE)]


async def test_an_urgent_reply_and_news_after_a_summary_start_their_own_message(
    store: Store, clock: FakeClock
) -> None:
    mid = posted_move(store)
    m = store.get_migration(mid)
    assert m is not None
    store.apply(
        outbox=[
            reply_item(m, Reply("Summary of the move"), clock.now(), key="summary"),
            reply_item(m, Reply("Reverse approved"), clock.now(), key="approved"),
            reply_item(m, Reply("a step"), clock.now(), key="step"),
            reply_item(m, Reply("Failed", priority=URGENT), clock.now(), key="failed"),
        ]
    )
    slack = FakeSlack()
    await box(store, slack, clock, HeldBudget()).drain_until_empty()
    assert [p.text for p in slack.posted] == [
        "Summary of the move",
        "Reverse approved\na step",
        "Failed",
    ]


async def test_a_milestone_reply_stands_alone_unless_the_thread_is_backed_up(
    store: Store, clock: FakeClock
) -> None:
    fresh, backed_up = posted_move(store, 1), posted_move(store, 2)
    news = (Reply("Flipping routing done"), Reply("Cutover", priority=MILESTONE))
    queue(store, backed_up, clock, *news)
    clock.advance(10)
    queue(store, fresh, clock, *news)
    slack = FakeSlack()
    await box(store, slack, clock, HeldBudget(), fold_after=5.0).drain_until_empty()
    texts = {p.thread_ts: [] for p in slack.posted}
    for p in slack.posted:
        texts[p.thread_ts].append(p.text)
    assert texts["1.000001"] == ["Flipping routing done", "Cutover"]
    assert texts["2.000001"] == ["Flipping routing done\nCutover"]
