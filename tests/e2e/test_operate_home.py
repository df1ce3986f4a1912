"""The App Home over HTTP: `app_home_opened` publishes it; it shows the moves in flight
with a link to their card, the person's finished moves, the retained replicas with a
"Request teardown" button, and the requests waiting for an approver (only for them)."""

from __future__ import annotations

from typing import Any

from bot import ids
from tests.e2e.harness import (
    APPROVER1,
    BYSTANDER,
    CHANNEL,
    REQUESTER,
    World,
    wait_for,
)


def home_texts(world: World, user: str) -> str:
    view = world.ws.home_view(user)
    assert view is not None, f"no Home published for {user}"
    out: list[str] = []
    for block in view.blocks:
        if block["type"] in ("section", "header"):
            out.append(block["text"]["text"])
        elif block["type"] == "context":
            out.extend(e["text"] for e in block["elements"])
    return "\n".join(out)


def home_buttons(world: World, user: str) -> list[dict[str, Any]]:
    view = world.ws.home_view(user)
    assert view is not None
    return [b["accessory"] for b in view.blocks if "accessory" in b]


async def open_home(world: World, user: str, *expected: str) -> str:
    """`user` opens the Home tab; its text once the bot has published it showing all
    of `expected` (the refresh job may publish too: wait for the content, not a call)."""
    result = await world.d.app_home_opened(user)
    assert result.status == 200
    await wait_for(
        lambda: (
            world.ws.home_view(user) is not None
            and all(e in home_texts(world, user) for e in expected)
        ),
        message=f"{user}'s Home showing {expected}",
    )
    return home_texts(world, user)


async def test_the_home_follows_a_move_from_in_flight_to_its_replica(world: World) -> None:
    world.sim.seed_app("app-42", region="us-east-1", report_dump_size=True)  # a real cost
    await open_home(world, REQUESTER, "*In flight* · nothing is moving right now.")

    world.sim.stall_step("app-42", "dumping_data")
    await world.d.command(REQUESTER, CHANNEL, "/migrate", "app-42 eu-west-1")
    (card,) = await wait_for(lambda: world.cards(), message="the status card")
    await wait_for(lambda: "Dumping data" in world.cards()[0].text, message="dumping data")

    shown = await open_home(world, BYSTANDER, "*In flight* (1)")  # everyone sees it
    assert "*app-42* · us-east-1 → eu-west-1 · Dumping data (step 4 of 13)" in shown
    assert f"<@{REQUESTER}> · <{card.permalink}|open the card>" in shown
    assert "*Your recent moves* · none yet" in shown

    world.sim.unstall("app-42")
    await wait_for(
        lambda: any("Summary" in t for t in world.thread_texts(card.ts)),
        message="the end of the move",
    )
    shown = await open_home(world, REQUESTER, "*Your recent moves* (1)", "*Replicas kept* (1)")
    assert "*In flight* · nothing is moving right now." in shown
    assert "*app-42* · us-east-1 → eu-west-1 · Completed · under a minute ago" in shown
    assert "*Replicas kept* (1)" in shown
    assert "*app-42* · replica in us-east-1 (moved to eu-west-1)" in shown
    assert "est. $42.50/month" in shown
    (ask,) = home_buttons(world, REQUESTER)
    (migration_id,) = world.sim.migrations
    assert (ask["action_id"], ask["value"]) == (ids.HOME_REQUEST_TEARDOWN, migration_id)

    # Request teardown from the Home: the approver's Home lists it, a bystander's doesn't
    await world.d.click_home(REQUESTER, ids.HOME_REQUEST_TEARDOWN, value=migration_id)
    (modal,) = await wait_for(lambda: world.ws.open_views(REQUESTER), message="the reason modal")
    assert modal.callback_id == ids.REQUEST_REASON_VIEW
    await world.d.submit_view(REQUESTER, modal.id, {})  # the reason is optional
    assert world.runtime is not None
    store = world.runtime.store
    await wait_for(lambda: store.pending_approvals(), message="the teardown request")
    shown = await open_home(world, APPROVER1, "*Waiting for your approval* (1)")
    assert f"*Teardown of app-42's replica in us-east-1* · asked by <@{REQUESTER}>" in shown
    shown = await open_home(world, BYSTANDER, "*In flight* · nothing")
    assert "Waiting for your approval" not in shown and "Teardown of app-42" not in shown
    await open_home(
        world, REQUESTER, f"Teardown requested by <@{REQUESTER}>, waiting for approval."
    )
    assert home_buttons(world, REQUESTER) == []
