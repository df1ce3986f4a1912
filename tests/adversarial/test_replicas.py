"""the daily reminder and a teardown confirmed after a fast reverse; cost 0/null."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot import ids
from sandbox.butterbase import DASHBOARD_KEY, operations
from tests.adversarial.support import on_bot_loop
from tests.e2e.approvals_support import (
    click,
    completed_move,
    deletes,
    request,
    status_of,
)
from tests.e2e.harness import APPROVER1, APPROVER2, CHANNEL, World, wait_for


def _later() -> datetime:
    return datetime.now(UTC) + timedelta(days=30)


async def test_reminder_after_a_fast_reverse_by_the_bot(world: World) -> None:
    move = await completed_move(world)
    a = await request(world, "reverse", move)
    await click(world, APPROVER1, a)
    await status_of(world, a.approval_id, "executed")
    assert world.runtime is not None
    n = await on_bot_loop(world, world.runtime.reminders.remind(_later()))
    assert n == 0
    assert not [m for m in world.ws.channel_messages(CHANNEL) if "Daily reminder" in str(m.blocks)]


async def test_reminder_after_a_fast_reverse_outside_then_a_move_on(world: World) -> None:
    """Reverse from the dashboard (the bot knows nothing of it), then the app moves on from
    us-east-1: the old move's 'replica' in us-east-1 is the later move's way back."""
    move = await completed_move(world)
    with world.sim.lock:
        operations.reverse(
            world.sim, world.sim.user_for_key(DASHBOARD_KEY) or "d", move.migration_id
        )
    assert world.runtime is not None
    n = await on_bot_loop(world, world.runtime.reminders.remind(_later()))
    assert n == 0


async def test_teardown_approved_before_reverse_confirmed_after(world: World) -> None:
    move = await completed_move(world)
    teardown = await request(world, "teardown", move)
    # APPROVER1 clicks Approve: the typed-confirmation modal opens and stays open
    await world.d.click(APPROVER1, CHANNEL, str(teardown.message_ts), ids.APPROVE)
    modal = (await wait_for(lambda: world.ws.open_views(APPROVER1), message="modal"))[0]
    # meanwhile a reverse is requested and approved by the other approver: fast path
    reverse = await request(world, "reverse", move)
    await click(world, APPROVER2, reverse)
    await status_of(world, reverse.approval_id, "executed")
    # now the modal is submitted with the right app id
    values = {ids.TEARDOWN_CONFIRM_BLOCK: {ids.TEARDOWN_CONFIRM_INPUT: "app-42"}}
    await world.d.submit_view(APPROVER1, modal.id, values, force=True)
    await status_of(world, teardown.approval_id, "voided", "refused", "executed", "failed")
    assert deletes(world) == [] and world.sim.incidents == []
