"""The bot (`python -m bot`) killed with SIGKILL at random points of a move, five times in
a row, and started again each time: every step is reported exactly once, one card
ending "Completed", nothing posted twice; and a reverse request made before the kills
is approved after them and carried out once.

The kill times come from a seeded RNG (FAULT_SEED, else a fresh seed); a failure names
the seed, so a run can be replayed.
"""

from __future__ import annotations

import asyncio
import os
import random
from pathlib import Path

import pytest

from bot import ids
from sandbox.slack import SlackDriver
from tests.e2e.harness import (
    APPROVER1,
    CHANNEL,
    REQUESTER,
    SIGNING_SECRET,
    World,
    close_world,
    make_world,
    wait_for,
)
from tests.faults.process import BotProcess
from tests.faults.support import assert_each_step_once, count, finished, until

KILLS = 5
OTHER = "C_OPS"


async def migrate(
    world: World, bot: BotProcess, app: str, dest: str, channel: str
) -> tuple[str, str]:
    """`/migrate app dest`: (card ts, migration id) once the card is posted."""
    async with SlackDriver(
        world.ws, bot_url=bot.url, signing_secret=SIGNING_SECRET, api_base_url=world.slack.url
    ) as driver:
        result = await driver.command(REQUESTER, channel, "/migrate", f"{app} {dest}")
    assert result.status == 200, result
    mid = await until(
        lambda: next((m.id for m in world.sim.migrations.values() if m.app_id == app), None),
        message=f"the move of {app}",
    )

    def card() -> str | None:
        rows = bot.rows("SELECT card_ts FROM migrations WHERE migration_id = ?", mid)
        return str(rows[0][0]) if rows and rows[0][0] else None

    return await until(card, message="the card"), mid


async def request_reverse(world: World, bot: BotProcess, migration_id: str) -> None:
    """`/reverse app-42 <id>`, answered "Asked for approval"."""
    async with SlackDriver(
        world.ws, bot_url=bot.url, signing_secret=SIGNING_SECRET, api_base_url=world.slack.url
    ) as driver:
        result = await driver.command(REQUESTER, CHANNEL, "/reverse", f"app-42 {migration_id[:8]}")
    assert result.status == 200, result
    reply = await wait_for(lambda: world.ws.ephemerals(REQUESTER), message="the reply")
    assert reply[-1].text.startswith("Asked for approval"), reply[-1].text


async def request_card(bot: BotProcess) -> tuple[str, str]:
    """(approval id, request card ts) once the request card is posted."""

    def posted() -> tuple[str, str] | None:
        rows = bot.rows("SELECT approval_id, message_ts FROM approvals WHERE status = 'pending'")
        return (str(rows[0][0]), str(rows[0][1])) if rows and rows[0][1] else None

    return await until(posted, timeout=30, message="the request card")


def completed(bot: BotProcess, migration_id: str) -> bool:
    rows = bot.rows("SELECT current_step FROM migrations WHERE migration_id = ?", migration_id)
    return bool(rows) and rows[0][0] == "completed"


async def test_killed_five_times_during_a_move(tmp_path: Path) -> None:
    seed = int(os.environ.get("FAULT_SEED", random.randrange(1 << 30)))
    rng = random.Random(seed)
    world = make_world(tmp_path, start=False)
    bot = BotProcess(world, tmp_path / "bot.log")
    try:
        await bot.start()
        first_card, first = await migrate(world, bot, "app-42", "eu-west-1", CHANNEL)
        await wait_for(lambda: completed(bot, first), message="the first move to complete")
        await request_reverse(world, bot, first)  # its thread and request card still queued

        world.sim.config.time_scale = 0.02  # ~11 s: the kills land all along the move
        world.sim.stall_step("shop-eu", "unblocking_writes")  # ... and before its end
        card, mid = await migrate(world, bot, "shop-eu", "us-east-1", OTHER)
        killed_at = []
        for _ in range(KILLS):
            await asyncio.sleep(rng.uniform(0.05, 1.0))
            killed_at.append(world.sim.migrations[mid].current_step)
            bot.kill()
            await bot.start()
        world.sim.unstall("shop-eu")
        thread = await finished(world, card, timeout=40, channel=OTHER)
        first_thread = await finished(world, first_card, timeout=40)
        approval_id, request_ts = await request_card(bot)
        await bot.settled()

        async with SlackDriver(
            world.ws, bot_url=bot.url, signing_secret=SIGNING_SECRET, api_base_url=world.slack.url
        ) as driver:
            result = await driver.click(
                APPROVER1, CHANNEL, request_ts, ids.APPROVE, force=True, value=approval_id
            )
        assert result.status == 200
        reversed_ = await wait_for(
            lambda: [r for r in world.sim.requests if r["path"].endswith("/reverse")],
            message="the approved reverse to be sent",
        )
        await wait_for(
            lambda: bot.rows("SELECT status FROM approvals")[0][0] == "executed",
            message="the request to be executed",
        )
        await wait_for(  # the fast reverse ends at once: the forward card says so
            lambda: world.ws.find_message(CHANNEL, first_card).text.endswith(  # type: ignore[union-attr]
                "Reversed: back in us-east-1"
            ),
            message="the forward card to say it was reversed",
        )
        errors = bot.errors()
    finally:
        bot.kill()
        await close_world(world)

    context = f"seed {seed}, killed at {killed_at}"
    for text in (thread, first_thread):
        assert_each_step_once(text, note=context)
        # told once, or by the completion when the move ended between two polls
        assert count(text, "Cutover:") <= 1, context
        assert count(text, "Summary · ") == 1, context
    for channel, ts, app, state in (
        (OTHER, card, "shop-eu", " · Completed"),
        (CHANNEL, first_card, "app-42", " · Reversed: back in us-east-1"),
    ):
        cards = [m.ts for m in world.cards(channel) if m.text.startswith(app)]
        assert cards == [ts], context  # one card each
        final = world.ws.find_message(channel, ts)
        assert final is not None and final.text.endswith(state), context
    posts = [c for c in world.ws.calls_of("chat.postMessage") if c.status == 200]
    shown = [
        m for c in (CHANNEL, OTHER) for m in world.ws.channel_messages(c, include_replies=True)
    ]
    assert len(posts) == len(shown), context  # nothing posted twice
    assert len(reversed_) == 1 and reversed_[0]["status"] == 202, context
    assert bot.starts == KILLS + 1
    assert errors == [], (context, errors)


pytestmark = pytest.mark.e2e
