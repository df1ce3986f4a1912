"""The one rule for reverse and teardown, as every place that shows a button or acts
applies it: requests, recorded approvals, the App Home, the daily reminder, the card.
Against the Butterbase simulator and the Slack stand-in, on the bot's fake clock."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path

import pytest

from bot import ids
from bot.clock import FakeClock
from bot.home import render_home
from bot.render.card import render_card
from bot.replica_rules import store_target
from handlers.events.home import home_tab
from storage.records import TrackedMigration
from tests.bot.render.builders import migration
from tests.bot.stand_ins import BotWorld, Servers, bot_world, servers

CHANNEL = "C_MIGRATIONS"
OTHER = "C_ELSEWHERE"


@pytest.fixture(scope="module")
def running() -> Iterator[Servers]:
    with servers() as both:
        yield both


@pytest.fixture
async def world(tmp_path: Path, running: Servers) -> AsyncIterator[BotWorld]:
    settings = {"BOT_REMINDER_TIME": "09:00", "BOT_ALLOWED_CHANNELS": CHANNEL}
    async with bot_world(tmp_path, running, FakeClock(), **settings) as w:
        yield w


def follow(world: BotWorld, migration_id: str, app_id: str, *, channel: str = CHANNEL) -> None:
    status = world.bb.migration(migration_id)
    world.deps.store.add_migration(
        migration(
            "completed",
            migration_id=migration_id,
            app_id=app_id,
            channel_id=channel,
            source_region=status.source_region,
            dest_region=status.dest_region,
            replica_state="replicating",
            polling=False,
            created_at=world.clock.now() - timedelta(hours=2),
        )
    )


def calls(world: BotWorld, word: str) -> list[tuple[str, str]]:
    return [r for r in world.bb.requests_made() if word in r[1]]


def then_moved(world: BotWorld, app_id: str, dest: str) -> str:
    later = world.bb.start(app_id, dest)
    assert world.bb.finish(later) == "completed"
    return later


async def test_reverse_of_a_superseded_move_is_refused_at_request(world: BotWorld) -> None:
    m1 = world.finished_move("app-42", "eu-west-1")
    follow(world, m1, "app-42")
    m2 = then_moved(world, "app-42", "ap-southeast-1")  # started outside the bot
    assert world.deps.approvals is not None
    answer = await world.deps.approvals.request(
        "reverse", app_id="app-42", migration_id=m1, user="U_REQ", channel=CHANNEL
    )
    assert answer == (
        f"Can't request a reverse of app-42: a later move (`{m2[:8]}`) took app-42 to "
        "ap-southeast-1: reversing this one would serve stale data. Nothing was requested."
    )
    assert world.deps.store.approvals_for_migration(m1) == []
    assert calls(world, "/reverse") == []


async def test_a_later_move_voids_the_request_when_an_approval_is_recorded(
    world: BotWorld,
) -> None:
    m1 = world.finished_move("app-42", "eu-west-1")
    follow(world, m1, "app-42")
    assert world.deps.approvals is not None
    asked = await world.deps.approvals.request(
        "reverse", app_id="app-42", migration_id=m1, user="U_REQ", channel=CHANNEL
    )
    assert asked.startswith("Asked for approval of a reverse of app-42")
    (a,) = world.deps.store.approvals_for_migration(m1)
    m2 = then_moved(world, "app-42", "ap-southeast-1")
    answer = await world.deps.approvals.decide(a.approval_id, "U_APP1", "approve")
    assert answer == (
        f"Approved, but the request was voided: a later move (`{m2[:8]}`) took app-42 to "
        "ap-southeast-1: reversing this one would serve stale data. Nothing was done."
    )
    assert calls(world, "/reverse") == []
    voided = world.deps.store.get_approval(a.approval_id)
    assert voided is not None and voided.status == "voided"


async def test_teardown_of_the_superseded_moves_stale_replica_stays_allowed(
    world: BotWorld,
) -> None:
    m1 = world.finished_move("app-42", "eu-west-1")
    follow(world, m1, "app-42")
    then_moved(world, "app-42", "ap-southeast-1")
    assert world.deps.approvals is not None
    answer = await world.deps.approvals.request(
        "teardown", app_id="app-42", migration_id=m1, user="U_REQ", channel=CHANNEL
    )
    assert answer.startswith("Asked for approval of a teardown of app-42's replica")


async def test_home_and_reminder_offer_no_teardown_of_the_live_database(
    world: BotWorld,
) -> None:
    """app-42 moved to eu-west-1 (M1) and back to us-east-1 (M2): M1's replica is in the
    app's current region. `/teardown` calls it the live database; so must Home and the
    reminder, which today offer "Request teardown" for it."""
    m1 = world.finished_move("app-42", "eu-west-1")
    m2 = then_moved(world, "app-42", "us-east-1")
    follow(world, m1, "app-42")
    now = world.clock.now()
    data = await home_tab(world.deps).data_for("U_REQ", fresh=True)
    # not a kept replica: left out of the list and its totals (issue 15, point 3)
    assert [r.migration_id for r in data.replicas] == [m2] and m1 not in data.blocked
    home = str(render_home(data, now=now)["blocks"])
    assert f"'value': '{m1}'" not in home
    assert f"'value': '{m2}'" in home  # M2's replica (eu-west-1) may go

    completed = world.bb.migration(m2).completed_at
    assert completed is not None
    world.clock.set(completed + timedelta(days=8))
    await world.runtime.reminders.tick()
    await world.runtime.outbox.drain_until_empty()
    posted = [m for m in world.ws.channel_messages(CHANNEL) if "kept for more" in m.text]
    shown = str([m.blocks for m in posted])
    assert m1 not in shown


async def test_a_request_never_goes_to_a_channel_outside_the_allow_list(
    world: BotWorld,
) -> None:
    m1 = world.finished_move("app-42", "eu-west-1")
    follow(world, m1, "app-42", channel=OTHER)  # followed where the bot may not post now
    assert world.deps.approvals is not None
    answer = await world.deps.approvals.request(
        "reverse", app_id="app-42", migration_id=m1, user="U_REQ", channel=CHANNEL
    )
    assert answer == (
        f"Migration `{m1[:8]}` of app-42 is followed in <#{OTHER}>, where the bot may not "
        "post requests (not in BOT_ALLOWED_CHANNELS). Nothing was requested."
    )
    assert world.deps.store.approvals_for_migration(m1) == []
    await world.runtime.outbox.drain_until_empty()
    assert world.ws.channel_messages(OTHER) == []


def _move(mid: str, dest: str, minutes: int, **kw: object) -> TrackedMigration:
    m = migration("completed", migration_id=mid, app_id="app-42", replica_state="replicating")
    return m.model_copy(
        update={"dest_region": dest, "created_at": m.created_at + timedelta(minutes=minutes)} | kw
    )


def test_an_older_cards_reverse_button_goes_and_it_says_why() -> None:
    m1 = _move("11111111-0000-0000-0000-000000000001", "eu-west-1", 0)
    m2 = _move(
        "ab12cd34-0000-0000-0000-000000000002", "ap-southeast-1", 90, source_region="eu-west-1"
    )
    moves = [m2, m1]
    card = render_card(m1, [], now=m1.created_at, expected={}, app_moves=moves)
    shown = str(card.blocks)
    assert ids.REQUEST_REVERSE not in shown
    assert ids.REQUEST_TEARDOWN in shown  # the stale replica may still go
    assert (
        "A later move (`ab12cd34`) took app-42 to ap-southeast-1: "
        "reversing this one would serve stale data."
    ) in shown
    newest = str(render_card(m2, [], now=m2.created_at, expected={}, app_moves=moves).blocks)
    assert ids.REQUEST_REVERSE in newest and "stale" not in newest
    assert store_target(m2, moves).later is None
