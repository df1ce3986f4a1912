"""The App Home: the pure renderer (nothing, a few items, 200 of each), and the tab's
publishing against the Slack stand-in (approvers only see what waits for them; a
recently opened Home is republished when what it shows changes)."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest

from bot import ids
from bot.clock import FakeClock
from bot.home import HomeData, allocate, link_key, render_home
from bot.models import SourceReplica
from handlers.events.home import HomeTab, home_tab
from sandbox.slack.blocks import check_view_blocks
from storage.records import Approval
from tests.bot.render.builders import MID, T0, approval, at, migration
from tests.bot.stand_ins import BotWorld, Servers, bot_world, servers

NOW = at(30)
LINK = "https://slack.example/archives/C1/p1700000000000100"


def replica(i: int = 0, **kw: Any) -> SourceReplica:
    fields: dict[str, Any] = {
        "migration_id": f"{i:08d}-1111-2222-3333-444444444444",
        "app_id": f"shop-{i}",
        "source_region": "us-east-1",
        "dest_region": "eu-west-1",
        "completed_at": T0 - timedelta(days=3),
        "estimated_monthly_cost_usd": 42.5,
    }
    fields.update(kw)
    return SourceReplica(**fields)


def texts(view: dict[str, Any]) -> str:
    out = []
    for block in view["blocks"]:
        if block["type"] in ("section", "header"):
            out.append(block["text"]["text"])
        elif block["type"] == "context":
            out.extend(e["text"] for e in block["elements"])
    return "\n".join(out)


def buttons(view: dict[str, Any]) -> list[dict[str, Any]]:
    return [b["accessory"] for b in view["blocks"] if "accessory" in b]


def many(n: int) -> HomeData:
    flying = [migration(migration_id=f"m-fly-{i}", app_id=f"app-{i}") for i in range(n)]
    done = [
        migration("completed", migration_id=f"m-done-{i}", app_id=f"old-{i}", completed_at=at(5))
        for i in range(n)
    ]
    asks = [approval(approval_id=f"ap-{i}", app_id=f"app-{i}") for i in range(n)]
    return HomeData(
        user="U_APP1",
        in_flight=flying,
        waiting=asks,
        may_approve=True,
        recent=done,
        replicas=[replica(i) for i in range(n)],
    )


# --- the renderer ---------------------------------------------------------------------


def test_a_person_with_nothing_sees_each_section_empty() -> None:
    view = render_home(HomeData(user="U_OTHER"), now=NOW)
    check_view_blocks(view["blocks"])
    shown = texts(view)
    assert view["type"] == "home"
    assert "For <@U_OTHER>" in shown and "updated 10:30:00 UTC" in shown
    assert "*In flight* · nothing is moving right now." in shown
    assert "*Your recent moves* · none yet" in shown
    assert "*Replicas kept* · none." in shown
    assert "Waiting for your approval" not in shown  # not an approver
    assert buttons(view) == []


def test_three_items_show_state_elapsed_link_outcome_and_a_teardown_button() -> None:
    flying = migration("restoring_data", card_ts="1700000000.000100")
    done = migration(
        "completed",
        migration_id="m-done-1",
        app_id="blog",
        completed_at=at(10),
        card_ts="1700000000.000200",
    )
    data = HomeData(
        user="U_REQ",
        in_flight=[flying],
        recent=[done],
        replicas=[replica(7, app_id="shop-eu")],
        links={link_key("C1", "1700000000.000100"): LINK},
    )
    view = render_home(data, now=NOW)
    check_view_blocks(view["blocks"])
    shown = texts(view)
    assert "*In flight* (1)" in shown
    assert (
        "*app-42* · us-east-1 → eu-west-1 · Restoring data (step 5 of 13) · running 30m · "
        f"<@U_REQ> · <{LINK}|open the card>"
    ) in shown
    assert "*blog* · us-east-1 → eu-west-1 · Completed · 20m ago · in <#C1>" in shown
    assert "*shop-eu* · replica in us-east-1 (moved to eu-west-1) · kept for 3d" in shown
    assert "est. $42.50/month" in shown
    (ask,) = buttons(view)
    assert ask["action_id"] == ids.HOME_REQUEST_TEARDOWN
    assert ask["value"] == replica(7).migration_id
    assert ask["text"]["text"] == "Request teardown"


def test_a_reversed_move_reads_reversed_not_completed() -> None:
    """Issue 15 point 2 on the Home: a move whose reverse has finished says where the app
    is now, as its card does, not "Completed · reverse … started"."""
    forward = migration(
        "completed", completed_at=at(5), reversed_by="r0000000-1111-2222-3333-444444444444"
    )
    back = migration(
        "completed",
        migration_id="r0000000-1111-2222-3333-444444444444",
        source_region="eu-west-1",
        dest_region="us-east-1",
        kind="reverse",
        completed_at=at(8),
    )
    data = HomeData(user="U_REQ", recent=[forward], reverses={forward.migration_id: back})
    shown = texts(render_home(data, now=NOW))
    assert "Reversed: back in us-east-1" in shown
    assert "started" not in shown.split("Reversed")[1].splitlines()[0]


def test_a_replica_with_a_request_open_says_so_instead_of_a_button() -> None:
    r = replica(1)
    data = HomeData(
        user="U_REQ",
        replicas=[r],
        blocked={r.migration_id: "Teardown requested by <@U_APP2>, waiting for approval."},
    )
    view = render_home(data, now=NOW)
    assert buttons(view) == []
    assert "Teardown requested by <@U_APP2>, waiting for approval." in texts(view)


def test_two_hundred_of_everything_stays_within_a_hundred_blocks() -> None:
    view = render_home(many(200), now=NOW)
    blocks = view["blocks"]
    assert len(blocks) <= 100
    check_view_blocks(blocks)  # what views.publish would refuse
    shown = texts(view)
    for title, command in (
        ("In flight", "`/migration-status`"),
        ("Waiting for your approval", "request cards"),
        ("Your recent moves", "`/migration-status &lt;app_id&gt;`"),
        ("Replicas kept", "`/teardown`"),
    ):
        assert f"*{title}* (200)" in shown
        assert command in shown
    # every section shows some, and says how many more there are
    mores = [int(line.split()[1]) for line in shown.splitlines() if line.startswith("and ")]
    assert len(mores) == 4
    listed = len([b for b in blocks if b["type"] == "section"]) - 4  # minus the titles
    assert listed + sum(mores) == 800
    assert "and 179 more — `/migration-status` in a channel lists its moves" in shown


def test_blocks_are_shared_fairly() -> None:
    assert allocate([200, 200, 200, 200], 86) == [21, 21, 22, 22]
    assert allocate([3, 200, 0, 200], 86) == [3, 41, 0, 42]
    assert allocate([1, 2], 86) == [1, 2]


# --- the tab, against the Slack stand-in ---------------------------------------------


@pytest.fixture(scope="module")
def running() -> Iterator[Servers]:
    with servers() as both:
        yield both


@pytest.fixture
async def world(tmp_path: Path, running: Servers) -> AsyncIterator[BotWorld]:
    async with bot_world(tmp_path, running, FakeClock(NOW)) as w:
        yield w


def home_text(world: BotWorld, user: str) -> str:
    view = world.ws.home_view(user)
    assert view is not None, f"no Home published for {user}"
    return texts({"blocks": view.blocks})


def teardown_request(requester: str) -> Approval:
    return approval(
        "teardown",
        approval_id=f"ap-{requester}",
        requester=requester,
        channel_id="C_MIGRATIONS",
        expires_at=NOW + timedelta(hours=20),
        required=1,
        snapshot={"source_region": "us-east-1", "dest_region": "eu-west-1"},
    )


async def test_an_approver_sees_the_requests_waiting_for_them_and_others_do_not(
    world: BotWorld,
) -> None:
    store = world.deps.store
    store.add_migration(migration("completed", channel_id="C_MIGRATIONS", completed_at=at(10)))
    store.open_approval(teardown_request("U_REQ"))
    tab = home_tab(world.deps)

    await tab.opened("U_APP1")  # in BOT_APPROVERS
    shown = home_text(world, "U_APP1")
    assert "*Waiting for your approval* (1)" in shown
    assert "*Teardown of app-42's replica in us-east-1* · asked by <@U_REQ> 10m ago" in shown

    for user in ("U_OTHER", "U_REQ"):  # a bystander; the requester (not an approver)
        await tab.opened(user)
        shown = home_text(world, user)
        assert "Waiting for your approval" not in shown
        assert "Teardown of app-42" not in shown


async def test_an_approver_is_not_asked_to_approve_their_own_request(world: BotWorld) -> None:
    world.deps.store.open_approval(teardown_request("U_APP1"))
    tab = home_tab(world.deps)
    await tab.opened("U_APP1")
    await tab.opened("U_APP2")
    assert "*Waiting for your approval* · nothing." in home_text(world, "U_APP1")
    assert "*Waiting for your approval* (1)" in home_text(world, "U_APP2")


async def test_a_recently_opened_home_is_republished_when_it_changes(world: BotWorld) -> None:
    tab = HomeTab(world.deps, min_interval=5.0)
    store = world.deps.store

    def published() -> int:
        return len(world.ws.calls_of("views.publish"))

    await tab.opened("U_OTHER")
    assert published() == 1
    world.clock.advance(30)
    await tab.refresh()
    assert published() == 1, "nothing changed: not republished"

    store.add_migration(migration("dumping_data", channel_id="C_MIGRATIONS", requester="U_REQ"))
    await tab.refresh()
    assert published() == 2
    assert "*In flight* (1)" in home_text(world, "U_OTHER")

    m = store.get_migration(MID)
    assert m is not None
    store.save_migration(m.model_copy(update={"current_step": "restoring_data"}))
    await tab.refresh()
    assert published() == 2, "debounced: published less than 5 s ago"
    world.clock.advance(6)
    await tab.refresh()
    assert published() == 3
    assert "Restoring data (step 5 of 13)" in home_text(world, "U_OTHER")

    world.clock.advance(11 * 60)  # no longer a recent opener
    store.add_migration(migration(migration_id="m-2", app_id="blog", channel_id="C_MIGRATIONS"))
    await tab.refresh()
    assert published() == 3
    assert tab.recent_openers == []


async def test_the_retained_replicas_come_from_butterbase(world: BotWorld) -> None:
    migration_id = world.finished_move("shop-eu", "eu-west-1", region="us-east-1")
    completed = world.bb.migration(migration_id).completed_at
    assert completed is not None
    world.clock.set(completed + timedelta(hours=2, minutes=1))
    await home_tab(world.deps).opened("U_REQ")
    shown = home_text(world, "U_REQ")
    assert "*Replicas kept* (1)" in shown
    assert "*shop-eu* · replica in us-east-1 (moved to eu-west-1) · kept for 2h" in shown
    view = world.ws.home_view("U_REQ")
    assert view is not None
    (ask,) = buttons({"blocks": view.blocks})
    assert (ask["action_id"], ask["value"]) == (ids.HOME_REQUEST_TEARDOWN, migration_id)
