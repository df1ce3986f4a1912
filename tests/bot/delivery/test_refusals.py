"""One refused message never holds the rest of its channel (issue 10, hole 9)."""

from __future__ import annotations

from typing import Any

from bot.clock import FakeClock
from bot.replies import Reply
from bot.tracker import card_item, reply_item
from storage.store import Store
from tests.bot.delivery.fakes import Cards, FakeSlack, add_move, outbox


def queue_move(store: Store, clock: FakeClock, mid: str, replies: list[str]) -> None:
    m = store.get_migration(mid)
    assert m is not None
    items = [card_item(m, clock.now())]
    items += [
        reply_item(m, Reply(text), clock.now(), key=f"r{i}") for i, text in enumerate(replies)
    ]
    store.apply(outbox=items)


def not_in(channel: str) -> Any:
    def refuse(method: str, args: dict[str, Any]) -> tuple[int, str] | None:
        return (200, "not_in_channel") if args.get("channel") == channel else None

    return refuse


async def test_not_in_channel_holds_nothing_else_and_the_card_appears_once_invited(
    store: Store, clock: FakeClock
) -> None:
    slack = FakeSlack()
    slack.refuse = lambda method, args: (
        (200, "not_in_channel") if args.get("text") == "app-1 card" else None
    )
    first, second = add_move(store, 1), add_move(store, 2)
    queue_move(store, clock, first, ["step A of app-1"])
    queue_move(store, clock, second, ["step A of app-2"])
    box = outbox(store, slack, clock)
    await box.learn_bot_name()
    await box.drain_until_empty()

    texts = [p.text for p in slack.posted]
    assert "app-2 card" in texts and "step A of app-2" in texts  # the channel kept flowing
    assert "step A of app-1" not in texts  # waits for its card, alone
    [notice] = [p for p in slack.posted if p.channel == "U1"]
    assert "/invite @bbbot" in notice.text and "<#C1>" in notice.text

    slack.refuse = lambda method, args: None  # the bot is invited
    clock.advance(31)
    await box.drain_until_empty()
    card = next(p for p in slack.posted if p.text == "app-1 card")
    reply = next(p for p in slack.posted if p.text == "step A of app-1")
    assert reply.thread_ts == card.ts
    assert [p.channel for p in slack.posted].count("U1") == 1  # told once


async def test_a_card_with_refused_blocks_is_posted_as_text(store: Store, clock: FakeClock) -> None:
    slack = FakeSlack()
    slack.refuse = lambda method, args: (200, "invalid_blocks") if args.get("blocks") else None
    mid = add_move(store, 1)
    queue_move(store, clock, mid, ["news"])
    await outbox(store, slack, clock).drain_until_empty()
    card = next(p for p in slack.posted if p.text == "app-1 card")
    assert card.blocks == []
    assert next(p for p in slack.posted if p.text == "news").thread_ts == card.ts


async def test_a_card_refused_for_good_sends_its_news_to_the_channel(
    store: Store, clock: FakeClock
) -> None:
    slack = FakeSlack()
    slack.refuse = lambda m, args: (
        (200, "msg_blocks_too_long") if args.get("text") == "app-1 card" else None
    )
    mid = add_move(store, 1)
    queue_move(store, clock, mid, ["Dumping data done"])
    await outbox(store, slack, clock).drain_until_empty()
    [news] = [p for p in slack.posted if p.channel == "C1"]
    assert news.thread_ts is None and news.text.endswith("Dumping data done")
    assert news.text.startswith("*app-1*")
    assert any(p.channel == "U1" and "msg_blocks_too_long" in p.text for p in slack.posted)


async def test_merged_replies_too_long_are_split_not_dropped(
    store: Store, clock: FakeClock
) -> None:
    slack = FakeSlack()
    mid = add_move(store, 1)
    lines = [f"line {i} " + "x" * 900 for i in range(12)] + ["y" * 9000]
    queue_move(store, clock, mid, lines)
    await outbox(store, slack, clock).drain_until_empty()
    replies = [p for p in slack.posted if p.thread_ts]
    assert all(len(p.text) <= 3500 for p in replies)
    joined = "".join(p.text.replace("\n", "") for p in replies)
    assert all(line.replace("\n", "") in joined for line in lines)
    assert store.due_outbox(now=clock.advance(3600)) == []


async def test_a_rendering_error_backs_off_instead_of_spinning(
    store: Store, clock: FakeClock
) -> None:
    slack = FakeSlack()
    cards = Cards(store)
    mid = add_move(store, 1)
    cards.broken = {mid}
    queue_move(store, clock, mid, [])
    queue_move(store, clock, add_move(store, 2), ["other"])
    box = outbox(store, slack, clock, cards)
    await box.drain_once()
    await box.drain_once()
    [item] = store.pending_outbox_for(mid)
    assert item.attempts == 1 and item.error == "RuntimeError"
    assert [p.text for p in slack.posted] == ["app-2 card", "other"]
    cards.broken = set()
    clock.advance(2)
    await box.drain_until_empty()
    assert "app-1 card" in [p.text for p in slack.posted]


async def test_slacks_own_trouble_is_tried_again_and_the_card_appears(
    store: Store, clock: FakeClock
) -> None:
    """`fatal_error` (Slack's own trouble, found by the model-based test) is no verdict on
    the card: it is tried again with back-off, the card appears, its thread follows."""
    slack = FakeSlack()
    refusals = iter([(200, "fatal_error"), (200, "fatal_error"), (200, "fatal_error")])
    slack.refuse = lambda method, args: (
        next(refusals, None) if args.get("text") == "app-1 card" else None
    )
    mid = add_move(store, 1)
    queue_move(store, clock, mid, ["step A of app-1"])
    box = outbox(store, slack, clock)
    for _ in range(4):
        await box.drain_until_empty()
        clock.advance(10)
    card = next(p for p in slack.posted if p.text == "app-1 card")
    reply = next(p for p in slack.posted if p.text == "step A of app-1")
    assert reply.thread_ts == card.ts
    assert not [p for p in slack.posted if p.channel == "U1"]  # nobody told of a refusal


async def test_stopping_never_waits_for_a_sender_stuck_on_slack(
    store: Store, clock: FakeClock
) -> None:
    """Found by the ack benchmark: `python -m bot` did not stop within 10 s of SIGINT
    while a sender waited on Slack. Stopping gives senders a moment, then cancels them;
    what they held stays queued (an item cut off mid-call is found again by its key)."""
    import asyncio

    slack = FakeSlack()
    hang = asyncio.Event()

    async def never_answers(method: str, *, json: dict[str, Any]) -> Any:
        await hang.wait()

    slack.api_call = never_answers  # type: ignore[method-assign]
    queue_move(store, clock, add_move(store, 1), ["step A of app-1"])
    box = outbox(store, slack, clock)
    box.learn_bot_name = lambda: asyncio.sleep(0)  # type: ignore[method-assign]
    running = asyncio.create_task(box.run(idle=0.05))
    await asyncio.sleep(0.2)  # a sender is now waiting for an answer that never comes
    box.stop()
    await asyncio.wait_for(running, timeout=5)  # back within the grace, not never
    assert store.sendable_lanes(now=clock.now(), limit=10)  # nothing lost: still queued
