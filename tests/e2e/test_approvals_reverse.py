"""Reverse by approval, end to end: one call, the reverse tracked in the same thread,
the cards updated; and the request surviving a restart of the bot."""

from __future__ import annotations

from bot import ids
from tests.e2e.approvals_support import (
    ask,
    buttons,
    card,
    click,
    completed_move,
    migration,
    posted,
    request,
    request_by_button,
    reverse_calls,
    shows,
    status_of,
)
from tests.e2e.harness import APPROVER1, APPROVER2, CHANNEL, REQUESTER, World, wait_for


async def test_reverse_approved_by_an_approver(world: World) -> None:
    move = await completed_move(world)
    a = await request(world, "reverse", move)
    before = card(world, a)
    assert before.text.startswith("Approve reverse of app-42 to us-east-1? Expires ")
    assert before.text.endswith("Asked by <@U_REQ> · <@U_APP1> <@U_APP2>")
    assert before.thread_ts == move.card_ts and before.reply_broadcast
    assert buttons(before) == [ids.APPROVE, ids.DENY]
    body = " ".join(b.get("text", {}).get("text", "") for b in before.blocks)
    assert "*Lost* no writes: the replica in us-east-1 has every write" in body
    assert "*Approvals* 0 of 1 · approvers:" in body
    # the status card says a reverse is waiting, and stops offering to request one
    await wait_for(
        lambda: (
            (m := world.ws.find_message(CHANNEL, move.card_ts)) is not None
            and ids.REQUEST_REVERSE not in buttons(m)
            and "Reverse requested by <@U_REQ>" in str(m.blocks)
        ),
        message="the status card updated",
    )

    answer = await click(world, APPROVER1, a)
    assert answer.startswith("Approved: Butterbase started the move back, ")
    done = await status_of(world, a.approval_id, "executed")
    new_id = done.result["migration_id"]
    assert done.result["path"] == "fast"
    assert len(reverse_calls(world)) == 1
    assert (
        reverse_calls(world)[0]["path"] == f"/v1/apps/app-42/migrations/{move.migration_id}/reverse"
    )

    # the reverse is tracked to completed, in the forward move's thread
    reverse = await wait_for(
        lambda: (m := migration(world, new_id)).current_step == "completed" and m.card_ts and m,
        message="the reverse completed",
    )
    assert reverse.kind == "reverse" and reverse.parent_migration_id == move.migration_id
    assert reverse.thread_ts == move.card_ts
    reverse_card = await shows(world, str(reverse.card_ts), "Completed")
    assert reverse_card.thread_ts == move.card_ts
    assert reverse_card.text.startswith("app-42 · back to us-east-1 from eu-west-1 · Completed")

    await wait_for(
        lambda: any("Reverse started by" in t for t in world.thread_texts(move.card_ts)),
        message="the reverse's summary in the forward thread",
    )
    thread = world.thread_texts(move.card_ts)
    assert any(
        t.startswith(
            ":leftwards_arrow_with_hook: Reverse of app-42 to us-east-1 approved by <@U_APP1>"
        )
        for t in thread
    )
    assert any("Traffic switched back to us-east-1" in t for t in thread)  # a fast reverse

    # the request card and the forward card both show what happened
    after = await shows(world, str(a.message_ts), "reverse started")
    assert after.text == (
        f"Reverse of app-42 to us-east-1: Approved by <@U_APP1> at {done.decisions[0].at:%H:%M} UTC"
        f" · reverse started: {new_id[:8]} (fast path)"
    )
    assert buttons(after) == []
    forward = await wait_for(
        lambda: (
            (m := world.ws.find_message(CHANNEL, move.card_ts))
            and "Reversed at " in str(m.blocks)
            and f"by move {new_id[:8]}: app-42 is back in us-east-1" in str(m.blocks)
            and m
        ),
        message="the forward card updated",
    )
    assert ids.REQUEST_REVERSE not in buttons(forward) and ids.REQUEST_TEARDOWN not in buttons(
        forward
    )

    # audited, with who and the snapshot
    assert world.runtime is not None
    log = world.runtime.store.audit_log(approval_id=a.approval_id)
    actions = [(e.action, e.actor) for e in log]
    assert actions == [
        ("approval.requested", REQUESTER),
        ("approval.approved", APPROVER1),
        ("approval.calling", "bot"),
        ("approval.executed", "bot"),
    ]
    assert log[0].detail["snapshot"]["replica_state"] == "replicating"
    assert log[0].detail["snapshot"]["app_region"] == "eu-west-1"

    # /migration-status shows the approvals of the migration
    status = await ask(world, REQUESTER, "/migration-status", f"app-42 {move.short}")
    shown = await wait_for(
        lambda: next(
            (e for e in world.ws.ephemerals(REQUESTER) if "Approvals" in str(e.blocks)), None
        ),
        message="the private status with its approvals",
    )
    assert status and "requested by <@U_REQ>" in str(shown.blocks)
    assert "reverse started" in str(shown.blocks)


async def test_the_card_button_makes_the_same_request(world: World) -> None:
    move = await completed_move(world)
    answer = await request_by_button(
        world, REQUESTER, move.card_ts, ids.REQUEST_REVERSE, reason="p99 latency *tripled*"
    )
    assert answer.startswith("Asked for approval of a reverse of app-42")
    a = await posted(world, move.migration_id, "reverse")
    assert a.snapshot["request_reason"] == "p99 latency *tripled*"
    shown = card(world, a)
    assert shown.text.startswith(
        "Approve reverse of app-42 to us-east-1? Reason: p99 latency tripled."
    )
    assert "*Reason* p99 latency *tripled*" in str(shown.blocks)
    # a second request links to the first instead of opening another
    again = await ask(world, APPROVER2, "/reverse", "app-42")
    assert again.startswith("A reverse of app-42 was already requested by <@U_REQ> at ")
    assert world.runtime is not None
    assert len(world.runtime.store.approvals_for_migration(move.migration_id)) == 1


async def test_restarted_between_request_and_approval(world: World) -> None:
    move = await completed_move(world)
    a = await request(world, "reverse", move)
    await world.stop_bot()
    world.start_bot()
    answer = await click(world, APPROVER1, a)
    assert answer.startswith("Approved: Butterbase started the move back, ")
    await status_of(world, a.approval_id, "executed")
    again = await click(world, APPROVER2, a)
    assert again.startswith("Already approved by <@U_APP1> at ")
    assert len(reverse_calls(world)) == 1
    await shows(world, str(a.message_ts), "reverse started")
