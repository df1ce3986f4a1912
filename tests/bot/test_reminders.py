"""Daily replica reminders, against the Butterbase simulator and the Slack stand-in,
moving the bot's clock instead of sleeping."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import ids
from bot.butterbase import ButterbaseClient
from bot.clock import FakeClock
from bot.reminders import Reminders, render_reminder
from sandbox.butterbase import BOT_KEY
from storage.records import Decision
from tests.bot.render.builders import approval, migration
from tests.bot.stand_ins import BotWorld, Servers, bot_world, servers

CHANNEL = "C_MIGRATIONS"
FALLBACK = "C_OPS"


@pytest.fixture(scope="module")
def running() -> Iterator[Servers]:
    with servers() as both:
        yield both


@pytest.fixture
async def world(tmp_path: Path, running: Servers) -> AsyncIterator[BotWorld]:
    settings = {"BOT_REMINDER_TIME": "09:00", "BOT_REMINDER_CHANNEL": FALLBACK}
    async with bot_world(tmp_path, running, FakeClock(), **settings) as w:
        yield w


def followed(world: BotWorld, migration_id: str, app_id: str) -> None:
    """The bot started this move in CHANNEL (so it knows where it ran)."""
    world.deps.store.add_migration(
        migration(
            "completed",
            migration_id=migration_id,
            app_id=app_id,
            channel_id=CHANNEL,
            replica_state="replicating",
            polling=False,
        )
    )


def at_day(world: BotWorld, migration_id: str, days: int, hhmm: str = "09:00") -> datetime:
    """`days` after the move completed, at `hhmm` UTC."""
    completed = world.bb.migration(migration_id).completed_at
    assert completed is not None
    hours, minutes = (int(p) for p in hhmm.split(":"))
    return datetime.combine(completed.date() + timedelta(days=days), time(hours, minutes), UTC)


async def run_job(world: BotWorld, when: datetime, reminders: Reminders | None = None) -> None:
    world.clock.set(when)
    await (reminders or world.runtime.reminders).tick()
    await world.runtime.outbox.drain_until_empty()


def reminders_in(world: BotWorld, channel: str) -> list[Any]:
    return [m for m in world.ws.channel_messages(channel) if "kept for more than" in m.text]


def teardown_buttons(message: Any) -> dict[str, str]:
    """Request teardown buttons of a message: value → action id."""
    return {
        b["accessory"]["value"]: b["accessory"]["action_id"]
        for b in message.blocks
        if "accessory" in b
    }


async def test_a_replica_past_the_threshold_is_reminded_once_a_day(world: BotWorld) -> None:
    old = world.finished_move("app-42", "eu-west-1", report_dump_size=True)
    followed(world, old, "app-42")
    stranger = world.finished_move("blog", "eu-west-1")  # started outside the bot

    await run_job(world, at_day(world, old, 8, "08:59"))
    assert reminders_in(world, CHANNEL) == [], "not before BOT_REMINDER_TIME"

    await run_job(world, at_day(world, old, 8, "09:00"))
    (first,) = reminders_in(world, CHANNEL)
    assert first.text.startswith("1 replica kept for more than 7d")
    assert "*app-42* · replica in us-east-1 (moved to eu-west-1) · kept for 7d 22h" in str(
        first.blocks
    )
    assert "est. $42.50/month" in str(first.blocks)
    assert teardown_buttons(first) == {old: ids.REQUEST_TEARDOWN}
    (other,) = reminders_in(world, FALLBACK)  # the bot didn't start it: BOT_REMINDER_CHANNEL
    assert teardown_buttons(other) == {stranger: ids.REQUEST_TEARDOWN}

    await run_job(world, at_day(world, old, 8, "09:01"))
    await run_job(world, at_day(world, old, 8, "17:00"))
    restarted = Reminders(
        store=world.deps.store,
        butterbase=world.deps.butterbase,
        clock=world.clock,
        settings=world.deps.settings,
    )
    await run_job(world, at_day(world, old, 8, "18:00"), restarted)  # a restart the same day
    assert len(reminders_in(world, CHANNEL)) == 1
    assert len(reminders_in(world, FALLBACK)) == 1

    await run_job(world, at_day(world, old, 9, "09:00"))
    assert len(reminders_in(world, CHANNEL)) == 2
    assert len(reminders_in(world, FALLBACK)) == 2
    sent = [e for e in world.deps.store.audit_log(migration_id=old) if e.action == "reminder.sent"]
    assert [e.detail["channel"] for e in sent] == [CHANNEL, CHANNEL]


async def test_a_young_replica_or_one_with_nowhere_to_go_is_not_reminded(
    tmp_path: Path, running: Servers
) -> None:
    async with bot_world(tmp_path, running, FakeClock()) as world:  # no BOT_REMINDER_CHANNEL
        young = world.finished_move("app-42", "eu-west-1")
        followed(world, young, "app-42")
        world.finished_move("blog", "eu-west-1")  # not the bot's, and no fallback channel
        await run_job(world, at_day(world, young, 7, "09:30"))  # 6d 23h: not yet
        assert reminders_in(world, CHANNEL) == []
        await run_job(world, at_day(world, young, 8))
        assert len(reminders_in(world, CHANNEL)) == 1
        assert reminders_in(world, FALLBACK) == []


async def test_no_reminder_while_a_teardown_request_is_pending(world: BotWorld) -> None:
    mid = world.finished_move("app-42", "eu-west-1")
    followed(world, mid, "app-42")
    store = world.deps.store
    asked = approval(
        "teardown",
        approval_id="ap-1",
        migration_id=mid,
        channel_id=CHANNEL,
        requested_at=at_day(world, mid, 7, "18:00"),
        expires_at=at_day(world, mid, 8, "18:00"),
    )
    store.open_approval(asked)

    await run_job(world, at_day(world, mid, 8))
    assert reminders_in(world, CHANNEL) == []

    # denied: the replica is still retained, so the next day reminds again
    store.record_decision("ap-1", Decision(user="U_APP1", decision="deny", at=asked.expires_at))
    store.transition_approval("ap-1", from_statuses={"pending"}, to_status="denied")
    await run_job(world, at_day(world, mid, 9))
    assert len(reminders_in(world, CHANNEL)) == 1


async def test_no_reminder_after_the_replica_is_torn_down(world: BotWorld) -> None:
    mid = world.finished_move("app-42", "eu-west-1")
    followed(world, mid, "app-42")
    await run_job(world, at_day(world, mid, 8))
    assert len(reminders_in(world, CHANNEL)) == 1

    world.bb.sim.teardown_direct(mid)  # torn down (here: from the dashboard)
    await run_job(world, at_day(world, mid, 9))
    await run_job(world, at_day(world, mid, 10))
    assert len(reminders_in(world, CHANNEL)) == 1


async def test_butterbase_down_postpones_the_reminder_to_the_next_tick(world: BotWorld) -> None:
    mid = world.finished_move("app-42", "eu-west-1")
    followed(world, mid, "app-42")
    impatient = ButterbaseClient(base_url=world.bb.server.url, api_key=BOT_KEY, max_attempts=1)
    reminders = Reminders(
        store=world.deps.store,
        butterbase=impatient,
        clock=world.clock,
        settings=world.deps.settings,
    )
    world.bb.sim.outage(3600)
    try:
        await run_job(world, at_day(world, mid, 8), reminders)
        assert reminders_in(world, CHANNEL) == []
    finally:
        world.bb.sim.end_outage()
    await run_job(world, at_day(world, mid, 8, "09:01"), reminders)
    assert len(reminders_in(world, CHANNEL)) == 1
    await impatient.aclose()


def test_a_long_list_stays_within_fifty_blocks() -> None:
    from bot.models import SourceReplica

    replicas = [
        SourceReplica(
            migration_id=f"{i:08d}-aaaa-bbbb-cccc-dddddddddddd",
            app_id=f"app-{i}",
            source_region="us-east-1",
            dest_region="eu-west-1",
            completed_at=datetime(2026, 11, 1, tzinfo=UTC),
            estimated_monthly_cost_usd=10.0,
        )
        for i in range(120)
    ]
    rendered = render_reminder(
        replicas, now=datetime(2026, 12, 1, tzinfo=UTC), older_than=7 * 86400
    )
    assert len(rendered.blocks) <= 50
    assert rendered.text == "120 replicas kept for more than 7d · est. $1,200.00/month in total"
    assert "and 74 more — `/teardown` lists them all" in str(rendered.blocks)


async def test_the_first_check_waits_a_minute_after_a_start(world: BotWorld) -> None:
    mid = world.finished_move("app-42", "eu-west-1")
    followed(world, mid, "app-42")
    world.clock.set(at_day(world, mid, 8, "12:00"))
    started = Reminders(
        store=world.deps.store,
        butterbase=world.deps.butterbase,
        clock=world.clock,
        settings=world.deps.settings,
    )
    asked = len(world.bb.requests_made())
    await run_job(world, at_day(world, mid, 8, "12:00"), started)
    assert reminders_in(world, CHANNEL) == []
    assert len(world.bb.requests_made()) == asked, "nothing asked of Butterbase at start"
    await run_job(world, at_day(world, mid, 8, "12:01"), started)
    assert len(reminders_in(world, CHANNEL)) == 1
