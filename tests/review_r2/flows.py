"""The flows of issue 15, run end to end against the simulator and the Slack stand-in."""

from __future__ import annotations

from bot import ids
from tests.e2e.approvals_support import (
    Move,
    click,
    completed_move,
    posted,
    request_by_button,
    status_of,
)
from tests.e2e.harness import APPROVER1, CHANNEL, REQUESTER, World, wait_for
from tests.e2e.private import click_card, click_private, private_reply, start_move, tracked


def summary_posted(world: World, card_ts: str) -> bool:
    return any("Summary" in t for t in world.thread_texts(card_ts))


async def normal_move(world: World, app: str = "app-42", dest: str = "eu-west-1") -> Move:
    move = await completed_move(world, app, dest)
    await wait_for(lambda: summary_posted(world, move.card_ts), message="the summary")
    return move


async def abort_with_writes_paused(world: World) -> tuple[str, str]:
    card_ts, mid = await start_move(world, "app-42", "eu-west-1", hold_at="copying_blobs")
    await click_card(world, REQUESTER, card_ts, ids.ABORT, value=mid)
    await wait_for(lambda: tracked(world, mid).current_step == "aborted", message="aborted")
    await wait_for(lambda: summary_posted(world, card_ts), message="the summary")
    await wait_for(
        lambda: any("PAUSED" in t.upper() for t in world.thread_texts(card_ts)),
        message="the writes-paused report",
    )
    return card_ts, mid


async def doomed(world: World) -> tuple[str, str]:
    world.sim.seed_app("doomed", region="us-east-1", name="Doomed")
    world.sim.fail_step(
        "doomed",
        "setting_up_reverse_replication",
        5,
        error="could not create replication slot: too many replication slots",
    )
    card_ts, mid = await start_move(world, "doomed", "eu-west-1")
    await wait_for(lambda: tracked(world, mid).current_step == "failed", message="failed")
    await wait_for(lambda: summary_posted(world, card_ts), message="the summary")
    return card_ts, mid


async def reverse(world: World) -> tuple[Move, str]:
    """blog moved to eu-central-1, reverse asked by the Request button with a reason,
    approved by a second person; (the forward move, the reverse's id)."""
    move = await normal_move(world, "blog", "eu-central-1")
    await request_by_button(
        world,
        REQUESTER,
        move.card_ts,
        ids.REQUEST_REVERSE,
        value=move.migration_id,
        reason="p99 latency doubled for US users",
    )
    a = await posted(world, move.migration_id, "reverse")
    await click(world, APPROVER1, a)
    done = await status_of(world, a.approval_id, "executed")
    new_id = str(done.result["migration_id"])
    await wait_for(lambda: tracked(world, new_id).current_step == "completed", message="reversed")
    await wait_for(
        lambda: sum("Summary" in t for t in world.thread_texts(move.card_ts)) >= 2,
        message="the reverse's summary",
    )
    await wait_for(
        lambda: (
            "Reversed" in str(getattr(world.ws.find_message(CHANNEL, move.card_ts), "blocks", ""))
        ),
        message="the forward card reversed",
    )
    return move, new_id


async def teardown(world: World) -> Move:
    world.sim.seed_app("app-42", region="us-east-1", report_dump_size=True)
    move = await normal_move(world)
    await private_reply(world, REQUESTER, "/teardown", f"{move.short} nothing left in us-east-1")
    a = await posted(world, move.migration_id, "teardown")
    await world.d.click(APPROVER1, CHANNEL, str(a.message_ts), ids.APPROVE)
    modal = (await wait_for(lambda: world.ws.open_views(APPROVER1), message="the modal"))[0]
    await world.d.submit_view(
        APPROVER1,
        modal.id,
        {ids.TEARDOWN_CONFIRM_BLOCK: {ids.TEARDOWN_CONFIRM_INPUT: "app-42"}},
    )
    await status_of(world, a.approval_id, "executed")
    await wait_for(
        lambda: "torn down" in str((world.ws.find_message(CHANNEL, move.card_ts)).blocks).lower(),  # type: ignore[union-attr]
        message="the card after the teardown",
    )
    return move


async def no_replica(world: World) -> Move:
    world.sim.seed_app("no-replica", region="eu-central-1", name="No replica")
    world.sim.no_replica("no-replica")
    return await normal_move(world, "no-replica", "eu-west-1")


async def in_flight_abort(world: World) -> tuple[str, str]:
    card_ts, mid = await start_move(world, "app-42", "eu-west-1", hold_at="dumping_data")
    reply = await private_reply(world, REQUESTER, "/migrate", "app-42 eu-central-1")
    await private_reply(world, REQUESTER, "/migration-status", "")
    await private_reply(world, REQUESTER, "/migration-status", "app-42")
    await click_private(world, REQUESTER, reply, ids.ABORT)
    await wait_for(lambda: tracked(world, mid).current_step == "aborted", message="aborted")
    return card_ts, mid
