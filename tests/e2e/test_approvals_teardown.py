"""Teardown by approval, end to end: the confirmation modal, one DELETE, the card, and
what is refused afterwards; the `/teardown` list."""

from __future__ import annotations

from bot import ids
from tests.e2e.approvals_support import (
    ask,
    buttons,
    card,
    click,
    completed_move,
    deletes,
    posted,
    request,
    request_by_button,
    reverse_calls,
    shows,
    status_of,
    thread_lines,
)
from tests.e2e.harness import APPROVER1, CHANNEL, REQUESTER, World, wait_for

CONFIRM = ids.TEARDOWN_CONFIRM_BLOCK


async def test_teardown_confirmed_by_typing_the_app_id(world: World) -> None:
    world.sim.seed_app("app-42", region="us-east-1", report_dump_size=True)  # a real cost
    move = await completed_move(world)
    a = await request(world, "teardown", move)
    before = card(world, a)
    assert before.text.startswith("Approve teardown of app-42's replica in us-east-1? Expires ")
    body = str(before.blocks)
    assert "Saves est. $42.50/month" in body
    assert "reverse to us-east-1 no longer possible" in body and "Cannot be undone" in body

    # Approve opens the confirmation: nothing is recorded or called yet
    result = await world.d.click(APPROVER1, CHANNEL, str(a.message_ts), ids.APPROVE)
    assert result.status == 200
    view = await wait_for(lambda: world.ws.open_views(APPROVER1), message="the modal")
    modal = view[0]
    assert modal.callback_id == ids.TEARDOWN_CONFIRM_VIEW
    assert "This cannot be undone" in str(modal.blocks)

    wrong = await world.d.submit_view(
        APPROVER1, modal.id, {CONFIRM: {ids.TEARDOWN_CONFIRM_INPUT: "app-4"}}
    )
    assert wrong.status == 200
    assert modal.is_open
    assert modal.errors == {
        CONFIRM: "That is not the app id. Type app-42 exactly to confirm the teardown."
    }
    assert deletes(world) == []
    assert world.runtime is not None
    stored = world.runtime.store.get_approval(a.approval_id)
    assert stored is not None and stored.status == "pending" and stored.decisions == []

    right = await world.d.submit_view(
        APPROVER1, modal.id, {CONFIRM: {ids.TEARDOWN_CONFIRM_INPUT: "app-42"}}
    )
    assert right.status == 200 and not modal.is_open
    await status_of(world, a.approval_id, "executed")
    assert [(d["method"], d["path"], d["status"]) for d in deletes(world)] == [
        ("DELETE", f"/v1/source-replicas/{move.migration_id}", 200)
    ]
    told = await wait_for(lambda: world.ephemeral_texts(APPROVER1), message="the approver told")
    assert told[-1] == "Approved: the replica of app-42 in us-east-1 is torn down."

    after = await shows(world, str(a.message_ts), "teardown done")
    assert after.text.startswith(
        "Teardown of app-42's replica in us-east-1: Approved by <@U_APP1> at "
    )
    assert buttons(after) == []
    forward = await wait_for(
        lambda: (
            (m := world.ws.find_message(CHANNEL, move.card_ts))
            and "Replica torn down" in str(m.blocks)
            and m
        ),
        message="the status card shows the replica torn down",
    )
    assert ids.REQUEST_REVERSE not in buttons(forward) and ids.REQUEST_TEARDOWN not in buttons(
        forward
    )
    await wait_for(
        lambda: any(
            t.startswith(":wastebasket: Replica of app-42 in us-east-1 torn down")
            for t in thread_lines(world, move.card_ts)
        ),
        message="the teardown said in the thread",
    )

    # a later /reverse is refused with the reason; nothing is called
    refused = await ask(world, REQUESTER, "/reverse", "app-42")
    assert refused.startswith(
        "Can't request a reverse of app-42: the replica in us-east-1 was torn down at "
    )
    assert refused.endswith(", so reverse is no longer possible. Nothing was requested.")
    assert reverse_calls(world) == [] and len(deletes(world)) == 1
    actions = [e.action for e in world.runtime.store.audit_log(approval_id=a.approval_id)]
    assert actions == [
        "approval.requested",
        "approval.refused",  # the wrong app id
        "approval.approved",
        "approval.calling",
        "approval.executed",
    ]


async def test_teardown_with_nothing_lists_nothing(world: World) -> None:
    reply = await ask(world, REQUESTER, "/teardown", "")
    assert reply == "No replicas kept."
    assert world.mutating_requests() == []


async def test_teardown_list_has_a_button_per_replica(world: World) -> None:
    world.sim.seed_app("app-42", region="us-east-1", report_dump_size=True)  # a real cost
    move = await completed_move(world)
    await ask(world, REQUESTER, "/teardown", "")
    listing = world.ws.ephemerals(REQUESTER)[-1]
    assert listing.text == "1 replica · est. $42.50/month in total"
    assert "app-42* · us-east-1 → eu-west-1 · kept for" in str(listing.blocks)
    # its button asks for a reason in a modal, then makes the request
    answer = await request_by_button(
        world,
        REQUESTER,
        listing.message_ts,
        ids.REQUEST_TEARDOWN,
        ephemeral=True,
        reason="eu-west-1 stable for a week <!channel>",
    )
    assert answer.startswith("Asked for approval of a teardown of app-42's replica")
    a = await posted(world, move.migration_id, "teardown")
    shown = str(card(world, a).blocks)
    assert "*Reason* eu-west-1 stable for a week &lt;!channel&gt;" in shown
    assert world.runtime is not None
    assert [a.kind for a in world.runtime.store.approvals_for_migration(move.migration_id)] == [
        "teardown"
    ]
    assert deletes(world) == []


async def test_teardown_too_soon_is_refused_with_the_time_left(tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tests.e2e.harness import close_world, make_world

    world = make_world(tmp_path, BOT_TEARDOWN_SOAK="1h")
    try:
        move = await completed_move(world)
        reply = await ask(world, REQUESTER, "/teardown", move.short)
        assert reply.startswith(
            "Too soon to tear down app-42's replica: eu-west-1 has been serving for only "
        )
        assert reply.endswith(
            "Ask again in 1h (teardown waits 1h after completion). Nothing was requested."
        )
        await ask(world, REQUESTER, "/teardown", "")
        assert "Too soon: a teardown may be requested in " in str(
            world.ws.ephemerals(REQUESTER)[-1].blocks
        )
        assert deletes(world) == []
    finally:
        await close_world(world)


async def test_clicks_on_a_teardown_after_it_ran(world: World) -> None:
    move = await completed_move(world)
    a = await request(world, "teardown", move)
    await world.d.click(APPROVER1, CHANNEL, str(a.message_ts), ids.APPROVE)
    modal = (await wait_for(lambda: world.ws.open_views(APPROVER1), message="the modal"))[0]
    await world.d.submit_view(
        APPROVER1, modal.id, {CONFIRM: {ids.TEARDOWN_CONFIRM_INPUT: "app-42"}}
    )
    await status_of(world, a.approval_id, "executed")
    # a stale Approve opens no modal: it is answered privately
    answer = await click(world, "U_APP2", a)
    assert answer.startswith("Already approved by <@U_APP1> at ")
    assert world.ws.open_views("U_APP2") == []
    assert len(deletes(world)) == 1


async def _confirm(world: World, a_ts: str) -> None:
    await world.d.click(APPROVER1, CHANNEL, a_ts, ids.APPROVE)
    modal = (await wait_for(lambda: world.ws.open_views(APPROVER1), message="the modal"))[0]
    await world.d.submit_view(
        APPROVER1, modal.id, {CONFIRM: {ids.TEARDOWN_CONFIRM_INPUT: "app-42"}}
    )


async def test_a_refused_teardown_is_reported(world: World) -> None:
    move = await completed_move(world)
    a = await request(world, "teardown", move)
    world.sim.pending_deprovision("app-42")  # the server answers 409 with a database message
    await _confirm(world, str(a.message_ts))
    failed = await status_of(world, a.approval_id, "failed")
    assert failed.result["http_status"] == 409 and failed.result["error"] == "teardown_failed"
    assert failed.reason and len(deletes(world)) == 1
    closed = await shows(world, str(a.message_ts), "but Butterbase refused: ")
    assert closed.text.endswith(f"but Butterbase refused: {failed.reason}")
    assert buttons(closed) == []
    await wait_for(
        lambda: any(
            t.startswith(f":x: The teardown approved by <@U_APP1> failed: {failed.reason}")
            for t in thread_lines(world, move.card_ts)
        ),
        message="the failure in the thread",
    )
    told = await wait_for(lambda: world.ephemeral_texts(APPROVER1), message="told")
    assert (
        told[-1]
        == f"Approved, but the teardown failed: {failed.reason}. The thread has the details."
    )


async def test_butterbase_unreachable_before_acting_calls_nothing(world: World) -> None:
    move = await completed_move(world)
    a = await request(world, "teardown", move)
    world.sim.outage(60, mode="502_html")
    await _confirm(world, str(a.message_ts))
    # the state is read before an approval is recorded: unreadable, nothing is recorded
    told = await wait_for(lambda: world.ephemeral_texts(APPROVER1), message="told")
    world.sim.end_outage()
    assert told[-1].endswith(" Nothing was recorded."), told[-1]
    assert deletes(world) == []
    assert world.runtime is not None
    still = world.runtime.store.get_approval(a.approval_id)
    assert still is not None and still.status == "pending" and still.decisions == []
    assert buttons(card(world, a)) == [ids.APPROVE, ids.DENY]  # it may be approved again
