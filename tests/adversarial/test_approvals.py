"""N-of-M with an approver removed between the two approvals, across a bot restart;
self-approval by a requester who is an approver; a restart in the middle of an abort."""

from __future__ import annotations

from pathlib import Path

from bot import ids
from tests.e2e.approvals_support import (
    click,
    completed_move,
    request,
    reverse_calls,
    status_of,
)
from tests.e2e.harness import (
    APPROVER1,
    APPROVER2,
    BYSTANDER,
    CHANNEL,
    REQUESTER,
    World,
    close_world,
    make_world,
    wait_for,
)
from tests.e2e.private import click_card, private_reply, start_move, tracked


def abort_calls(world: World) -> list[str]:
    return [r["path"] for r in world.sim.requests if r["path"].endswith("/abort")]


async def test_two_of_three_with_one_removed_across_a_restart(tmp_path: Path) -> None:
    world = make_world(
        tmp_path, BOT_APPROVERS="", BOT_APPROVER_GROUP="S_APPROVERS", BOT_REQUIRED_APPROVALS=2
    )
    try:
        world.ws.usergroups["S_APPROVERS"].users.append(BYSTANDER)
        move = await completed_move(world)
        a = await request(world, "reverse", move)
        first = await click(world, APPROVER1, a)
        assert "1 of 2" in first or "one more" in first.lower(), first
        world.ws.usergroups["S_APPROVERS"].users.remove(APPROVER1)
        await world.stop_bot()
        world.start_bot()
        second = await click(world, APPROVER2, a)
        assert reverse_calls(world) == [], second
        third = await click(world, BYSTANDER, a)
        await status_of(world, a.approval_id, "executed")
        assert len(reverse_calls(world)) == 1, (second, third)
    finally:
        await close_world(world)


async def test_a_requester_in_the_group_cannot_approve_their_own(tmp_path: Path) -> None:
    world = make_world(tmp_path, BOT_APPROVERS="", BOT_APPROVER_GROUP="S_APPROVERS")
    try:
        world.ws.usergroups["S_APPROVERS"].users.append(REQUESTER)
        move = await completed_move(world)
        a = await request(world, "teardown", move)
        answer = await click(world, REQUESTER, a)
        assert world.ws.open_views(REQUESTER) == [], answer
        a2 = await request(world, "reverse", move, user=APPROVER1)
        own = await click(world, APPROVER1, a2)
        assert reverse_calls(world) == [], own
    finally:
        await close_world(world)


async def test_abort_clicked_again_after_a_restart_aborts_once(world: World) -> None:
    card_ts, mid = await start_move(world, "app-42", "eu-west-1", hold_at="dumping_data")
    confirm = await private_reply(world, BYSTANDER, "/abort", "app-42")
    first = await click_card(world, REQUESTER, card_ts, ids.ABORT, value=mid)
    await world.stop_bot()
    world.start_bot()
    second = await click_card(world, REQUESTER, card_ts, ids.ABORT, value=mid, force=True)
    before = len(world.ws.ephemerals(BYSTANDER))
    await world.d.click(BYSTANDER, CHANNEL, confirm.message_ts, ids.ABORT, ephemeral=True)
    await wait_for(
        lambda: len(world.ws.ephemerals(BYSTANDER)) > before or len(confirm.versions) > 1,
        message="the confirm answered",
    )
    await wait_for(lambda: tracked(world, mid).current_step == "aborted", message="aborted")
    assert abort_calls(world) == [f"/v1/apps/app-42/migrations/{mid}/abort"], (
        first.text,
        second.text,
    )
