"""a Butterbase error text too long for Slack, a 429 storm: nothing in the channel
freezes and every thread still ends with its summary."""

from __future__ import annotations

import pytest

from tests.e2e.harness import CHANNEL, REQUESTER, World, wait_for
from tests.e2e.private import start_move, tracked


def summarised(world: World, card_ts: str) -> bool:
    return any("Summary" in t for t in world.thread_texts(card_ts))


@pytest.mark.parametrize("size", [3500, 45_000], ids=["section", "message"])
async def test_a_huge_last_error_does_not_freeze_the_channel(world: World, size: int) -> None:
    error = ("<!channel> " + "x" * 40 + " ") * (size // 50)
    world.sim.fail_step("app-42", "reserving_dest", 5, error=error)
    card_ts, mid = await start_move(world, "app-42", "eu-west-1")
    await wait_for(lambda: tracked(world, mid).current_step in ("failed", "aborted"), message="end")
    await wait_for(lambda: summarised(world, card_ts), timeout=30, message="the summary")
    # a second move in the same channel still gets its card and its summary
    card2, mid2 = await start_move(world, "shop-eu", "us-east-1")
    await wait_for(lambda: tracked(world, mid2).current_step == "completed", message="done")
    await wait_for(lambda: summarised(world, card2), timeout=30, message="the 2nd summary")
    card = world.ws.find_message(CHANNEL, card_ts)
    assert card is not None and "<!channel>" not in card.text + str(card.blocks)


async def test_a_429_storm_then_everything_arrives(world: World) -> None:
    """20 refusals of each of postMessage and update (Retry-After: 1), two moves at once."""
    world.ws.fail_next("chat.postMessage", status=429, count=20)
    world.ws.fail_next("chat.update", status=429, count=20)
    await world.d.command(REQUESTER, CHANNEL, "/migrate", "app-42 eu-west-1")
    await world.d.command(REQUESTER, CHANNEL, "/migrate", "shop-eu us-east-1")
    assert world.runtime is not None
    store = world.runtime.store
    moves = await wait_for(
        lambda: (
            [m for a in ("app-42", "shop-eu") for m in store.migrations_for_app(a)][1:]
            and [m for a in ("app-42", "shop-eu") for m in store.migrations_for_app(a)]
        ),
        message="both moves",
    )
    for m in moves:
        mid = m.migration_id
        await wait_for(
            lambda mid=mid: tracked(world, mid).current_step == "completed", message="done"
        )
        c = await wait_for(lambda mid=mid: tracked(world, mid).card_ts, timeout=90, message="card")
        await wait_for(lambda c=c: summarised(world, c), timeout=90, message="summary")
        await wait_for(
            lambda c=c: "Completed" in getattr(world.ws.find_message(CHANNEL, c), "text", ""),
            timeout=60,
            message="card completed",
        )
