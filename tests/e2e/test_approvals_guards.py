"""What the server does not protect, end to end: the bot refuses or voids instead of
calling — a replica torn down under a request, and anything after a fast reverse
(the forward migration still says `replicating` on the server)."""

from __future__ import annotations

from pathlib import Path

from bot import ids
from sandbox.butterbase import DASHBOARD_KEY, operations
from tests.e2e.approvals_support import (
    Move,
    ask,
    buttons,
    click,
    completed_move,
    deletes,
    request,
    reverse_calls,
    shows,
    status_of,
    thread_lines,
)
from tests.e2e.harness import (
    APPROVER1,
    APPROVER2,
    CHANNEL,
    REQUESTER,
    World,
    close_world,
    make_world,
    wait_for,
)


async def test_replica_torn_down_by_someone_else_voids_the_request(world: World) -> None:
    move = await completed_move(world)
    a = await request(world, "reverse", move)
    world.sim.teardown_direct(move.migration_id)
    answer = await click(world, APPROVER1, a)
    reason = "the replica in us-east-1 was torn down, so reverse is no longer possible"
    assert answer == f"Approved, but the request was voided: {reason}. Nothing was done."
    voided = await status_of(world, a.approval_id, "voided")
    assert voided.reason == reason
    closed = await shows(world, str(a.message_ts), "Voided: ")
    assert closed.text == f"Reverse of app-42 to us-east-1: Voided: {reason}"
    assert buttons(closed) == []
    assert reverse_calls(world) == [] and deletes(world) == []
    await wait_for(
        lambda: any(
            t.startswith(":no_entry: The reverse request by <@U_REQ> was voided")
            for t in thread_lines(world, move.card_ts)
        ),
        message="the void said in the thread",
    )
    assert world.runtime is not None
    void = world.runtime.store.audit_log(approval_id=a.approval_id)[-1]
    assert void.action == "approval.voided"
    assert void.detail["snapshot"]["replica_state"] == "replicating"
    assert void.detail["now"]["replica_state"] == "torn_down"


async def _fast_reverse(world: World, move: Move) -> str:
    a = await request(world, "reverse", move)
    await click(world, APPROVER1, a)
    done = await status_of(world, a.approval_id, "executed")
    assert done.result["path"] == "fast"
    return str(done.result["migration_id"])


async def test_after_a_fast_reverse_teardown_and_reverse_are_refused(world: World) -> None:
    move = await completed_move(world)
    reverse_id = await _fast_reverse(world, move)
    # the server still lists the forward replica as retained
    assert world.sim.migrations[move.migration_id].source_replica_state == "replicating"
    live = f"it was reversed (the move back `{reverse_id[:8]}` took app-42 back to us-east-1), so the replica there is app-42's live database now"

    by_command = await ask(world, REQUESTER, "/teardown", move.short)
    assert (
        by_command
        == f"Can't request a teardown of app-42's replica: {live}. Nothing was requested."
    )
    again = await ask(world, REQUESTER, "/reverse", f"app-42 {move.short}")
    assert again == (
        f"Can't request a reverse of app-42: it was already reversed: the move back "
        f"`{reverse_id[:8]}` took app-42 back to us-east-1. Nothing was requested."
    )
    # the buttons are gone from the card; a stale click on them is refused the same way
    await wait_for(  # card refreshes are paced: the next one drops the buttons
        lambda: (
            (card := world.ws.find_message(CHANNEL, move.card_ts)) is not None
            and ids.REQUEST_TEARDOWN not in buttons(card)
        ),
        message="the card without Request teardown",
    )
    before = len(world.ephemeral_texts(APPROVER2))
    await world.d.click(
        APPROVER2, CHANNEL, move.card_ts, ids.REQUEST_TEARDOWN, value=move.migration_id, force=True
    )
    stale = await wait_for(lambda: world.ephemeral_texts(APPROVER2)[before:], message="the refusal")
    assert stale[0] == by_command
    assert world.ws.open_views(APPROVER2) == []  # refused at once: no reason modal
    # the /teardown list leaves the live database out (not a kept replica, no cost)
    await ask(world, REQUESTER, "/teardown", "")
    listing = world.ws.ephemerals(REQUESTER)[-1]
    assert move.short not in str(listing.blocks)
    assert ids.REQUEST_TEARDOWN not in str(listing.blocks)  # a fast reverse keeps no replica
    assert listing.text == "No replicas kept."
    # and so does /migration-status: no row, no cost, nothing in the totals
    overview = await ask(world, REQUESTER, "/migration-status", "")
    assert overview == "Nothing running in this channel."
    assert move.short not in str(world.ws.ephemerals(REQUESTER)[-1].blocks)
    assert deletes(world) == [] and len(reverse_calls(world)) == 1
    assert world.runtime is not None
    refused = [
        e
        for e in world.runtime.store.audit_log(migration_id=move.migration_id)
        if e.action == "approval.refused"
    ]
    assert len(refused) == 3 and all(
        "live database" in e.detail["reason"] or "already reversed" in e.detail["reason"]
        for e in refused
    )


async def test_a_teardown_approved_before_the_reverse_is_voided(tmp_path: Path) -> None:
    world = make_world(tmp_path, BOT_REQUIRED_APPROVALS=2)
    try:
        move = await completed_move(world)
        teardown = await request(world, "teardown", move)
        # the first approval of the teardown, confirmed in the modal
        await world.d.click(APPROVER1, CHANNEL, str(teardown.message_ts), ids.APPROVE)
        modal = (await wait_for(lambda: world.ws.open_views(APPROVER1), message="modal"))[0]
        values = {ids.TEARDOWN_CONFIRM_BLOCK: {ids.TEARDOWN_CONFIRM_INPUT: "app-42"}}
        await world.d.submit_view(APPROVER1, modal.id, values)
        await wait_for(lambda: world.ephemeral_texts(APPROVER1), message="1 of 2")
        # then a reverse, approved by both
        reverse = await request(world, "reverse", move)
        await click(world, APPROVER1, reverse)
        await click(world, APPROVER2, reverse)
        done = await status_of(world, reverse.approval_id, "executed")
        reverse_id = str(done.result["migration_id"])
        # the open teardown no longer holds: voided at once, and a late approval is refused
        voided = await status_of(world, teardown.approval_id, "voided")
        assert voided.reason == (
            f"it was reversed (the move back `{reverse_id[:8]}` took app-42 back to us-east-1), "
            "so the replica there is app-42's live database now"
        )
        late = await click(world, APPROVER2, voided)
        assert late == f"This request was voided: {voided.reason}. Nothing was done."
        assert world.ws.open_views(APPROVER2) == []
        await shows(world, str(teardown.message_ts), "Voided: it was reversed")
        assert deletes(world) == [] and len(reverse_calls(world)) == 1
    finally:
        await close_world(world)


async def test_reversed_outside_the_bot_voids_the_teardown_at_approval(world: World) -> None:
    move = await completed_move(world)
    teardown = await request(world, "teardown", move)
    # a fast reverse from the dashboard: the bot knows nothing of it, GET /apps does
    with world.sim.lock:
        operations.reverse(
            world.sim, world.sim.user_for_key(DASHBOARD_KEY) or "dash", move.migration_id
        )
    await world.d.click(APPROVER1, CHANNEL, str(teardown.message_ts), ids.APPROVE)
    modal = (await wait_for(lambda: world.ws.open_views(APPROVER1), message="modal"))[0]
    values = {ids.TEARDOWN_CONFIRM_BLOCK: {ids.TEARDOWN_CONFIRM_INPUT: "app-42"}}
    await world.d.submit_view(APPROVER1, modal.id, values)
    voided = await status_of(world, teardown.approval_id, "voided")
    assert voided.reason == (
        "app-42 is served from us-east-1 again (its current region), so the replica there is its live database"
    )
    told = await wait_for(lambda: world.ephemeral_texts(APPROVER1), message="told")
    assert told[-1] == f"Approved, but the request was voided: {voided.reason}. Nothing was done."
    assert deletes(world) == [] and world.sim.incidents == []


async def test_reverse_before_completion_is_refused(world: World) -> None:
    world.sim.stall_step("app-42", "restoring_data")
    result = await world.d.command(REQUESTER, CHANNEL, "/migrate", "app-42 eu-west-1")
    assert result.status == 200
    mid = await wait_for(lambda: next(iter(world.sim.migrations), None), message="the move")
    assert world.runtime is not None
    store = world.runtime.store
    await wait_for(
        lambda: (m := store.get_migration(mid)) is not None and m.current_step == "restoring_data",
        message="the move held at restoring_data",
    )
    reply = await ask(world, REQUESTER, "/reverse", "app-42")
    assert reply == (
        f"Can't request a reverse of app-42: move `{mid[:8]}` of app-42 is not completed yet "
        "(Restoring data): it is still before cutover, so `/abort app-42` is the way back, or wait "
        "for it to complete. Nothing was requested."
    )
    teardown = await ask(world, REQUESTER, "/teardown", mid[:8])
    assert teardown.startswith(
        f"Can't request a teardown of app-42's replica: move `{mid[:8]}` of app-42 is not completed yet"
    )
    assert [r["path"] for r in world.mutating_requests()] == ["/v1/apps/app-42/move"]
    assert store.approvals_for_migration(mid) == []
