"""Who may approve, end to end: four eyes, approvers only, N distinct approvals, Deny,
expiry, and every click (even 20 at once) answered with one decision and one call."""

from __future__ import annotations

import asyncio
from pathlib import Path

from bot import ids
from bot.render.text import day_time
from tests.e2e.approvals_support import (
    ShiftClock,
    buttons,
    card,
    click,
    completed_move,
    request,
    reverse_calls,
    shows,
    start_bot_with_clock,
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


async def test_the_requester_may_not_approve_their_own_request(world: World) -> None:
    move = await completed_move(world)
    a = await request(world, "reverse", move, user=APPROVER1)  # an approver asks
    answer = await click(world, APPROVER1, a)
    assert answer == "You requested this; a second person must approve."
    assert reverse_calls(world) == []
    assert buttons(card(world, a)) == [ids.APPROVE, ids.DENY]
    assert world.runtime is not None
    refusal = world.runtime.store.audit_log(approval_id=a.approval_id)[-1]
    assert (refusal.action, refusal.actor, refusal.detail["code"]) == (
        "approval.refused",
        APPROVER1,
        "self",
    )


async def test_self_approval_when_the_setting_allows_it(tmp_path: Path) -> None:
    world = make_world(tmp_path, BOT_ALLOW_SELF_APPROVAL=True)
    try:
        move = await completed_move(world)
        a = await request(world, "reverse", move, user=APPROVER1)
        answer = await click(world, APPROVER1, a)
        assert answer.startswith("Approved: Butterbase started the move back, ")
        await status_of(world, a.approval_id, "executed")
        assert len(reverse_calls(world)) == 1
    finally:
        await close_world(world)


async def test_a_non_approver_is_told_who_may_approve(world: World) -> None:
    move = await completed_move(world)
    a = await request(world, "reverse", move)
    answer = await click(world, BYSTANDER, a)
    assert answer == "You are not an approver for reverse: approvers are <@U_APP1>, <@U_APP2>."
    assert await click(world, REQUESTER, a) == "You requested this; a second person must approve."
    assert reverse_calls(world) == []


async def test_two_approvals_required(tmp_path: Path) -> None:
    world = make_world(tmp_path, BOT_REQUIRED_APPROVALS=2)
    try:
        move = await completed_move(world)
        a = await request(world, "reverse", move)
        first = await click(world, APPROVER1, a)
        assert (
            first
            == "Your approval is recorded (1 of 2): 1 more approval from another approver needed."
        )
        await wait_for(
            lambda: "*Approvals* 1 of 2 (<@U_APP1>)" in str(card(world, a).blocks), message="1 of 2"
        )
        twice = await click(world, APPROVER1, a)
        assert twice.startswith("You already approved this at ") and twice.endswith(
            "(1 of 2): another approver must approve too."
        )
        assert reverse_calls(world) == []
        second = await click(world, APPROVER2, a)
        assert second.startswith("Approved: Butterbase started the move back, ")
        done = await status_of(world, a.approval_id, "executed")
        assert sorted(done.approvers) == [APPROVER1, APPROVER2]
        assert len(reverse_calls(world)) == 1
        await shows(world, str(a.message_ts), "Approved by <@U_APP1> and <@U_APP2> at ")
    finally:
        await close_world(world)


async def test_twenty_concurrent_clicks_make_one_call(world: World) -> None:
    move = await completed_move(world)
    a = await request(world, "reverse", move)
    before = len(world.ephemeral_texts(APPROVER1)) + len(world.ephemeral_texts(APPROVER2))
    clicks = [
        world.d.click(APPROVER1 if i % 2 else APPROVER2, CHANNEL, str(a.message_ts), ids.APPROVE)
        for i in range(20)
    ]
    results = await asyncio.gather(*clicks)
    assert [r.status for r in results] == [200] * 20

    def answers() -> list[str]:
        texts = world.ephemeral_texts(APPROVER1) + world.ephemeral_texts(APPROVER2)
        return texts if len(texts) - before >= 20 else []

    texts = (await wait_for(answers, message="20 answers"))[before:]
    assert len(texts) == 20
    assert sum(t.startswith("Approved: Butterbase started the move back, ") for t in texts) == 1
    assert all(t.startswith(("Approved:", "Already approved by <@U_APP")) for t in texts), texts
    await status_of(world, a.approval_id, "executed")
    assert len(reverse_calls(world)) == 1
    assert world.runtime is not None
    log = world.runtime.store.audit_log(approval_id=a.approval_id)
    assert [e.action for e in log].count("approval.calling") == 1


async def test_deny_closes_the_request(world: World) -> None:
    move = await completed_move(world)
    a = await request(world, "reverse", move)
    answer = await click(world, APPROVER2, a, ids.DENY)
    assert answer == "You denied a reverse of app-42. The request is closed and nothing was done."
    closed = await shows(world, str(a.message_ts), "Denied by <@U_APP2> at ")
    assert buttons(closed) == []
    late = await click(world, APPROVER1, a)
    assert late.startswith("Already denied by <@U_APP2> at ") and late.endswith(" UTC.")
    assert await click(world, APPROVER2, a, ids.DENY) == late
    assert reverse_calls(world) == []
    # the status card offers the request again
    await wait_for(
        lambda: ids.REQUEST_REVERSE in buttons(world.ws.find_message(CHANNEL, move.card_ts)),  # type: ignore[arg-type]
        message="Request reverse back on the card",
    )


async def test_expiry_closes_the_card_and_refuses_later_clicks(tmp_path: Path) -> None:
    world = make_world(tmp_path, start=False)
    clock = ShiftClock()
    start_bot_with_clock(world, clock)
    try:
        move = await completed_move(world)
        a = await request(world, "reverse", move)
        clock.advance(31 * 60)  # past the 30 minutes of a reverse request; no sleeping
        expired = await shows(world, str(a.message_ts), "Expired at ")
        assert (
            expired.text
            # the day is said when the request expires on another day than it was asked
            == f"Reverse of app-42 to us-east-1: Expired at {day_time(a.expires_at, a.requested_at)} — no decision was made"
        )
        assert buttons(expired) == []
        answer = await click(world, APPROVER1, a)
        assert answer == f"This request expired at {a.expires_at:%H:%M} UTC."
        assert reverse_calls(world) == []
        assert world.runtime is not None
        log = world.runtime.store.audit_log(approval_id=a.approval_id)
        assert [e.action for e in log] == [
            "approval.requested",
            "approval.expired",
            "approval.refused",
        ]
    finally:
        await close_world(world)


async def test_approvers_from_a_user_group(tmp_path: Path) -> None:
    world = make_world(tmp_path, BOT_APPROVERS="", BOT_APPROVER_GROUP="S_APPROVERS")
    try:
        move = await completed_move(world)
        world.ws.fail_next("usergroups.users.list", count=2)  # the warm-up and the first click
        a = await request(world, "reverse", move)
        assert card(world, a).text.endswith("· <!subteam^S_APPROVERS>")
        unknown = await click(world, APPROVER1, a)
        assert unknown.startswith(
            "I couldn't read the members of <!subteam^S_APPROVERS> from Slack ("
        )
        assert unknown.endswith(
            "I can't tell whether you may decide, so nothing was recorded; try again in a minute."
        )
        assert reverse_calls(world) == []
        outsider = await click(world, BYSTANDER, a)
        assert outsider == (
            "You are not an approver for reverse: approvers are the members of <!subteam^S_APPROVERS>."
        )
        member = await click(world, APPROVER1, a)
        assert member.startswith("Approved: Butterbase started the move back, ")
        assert len(reverse_calls(world)) == 1
    finally:
        await close_world(world)
