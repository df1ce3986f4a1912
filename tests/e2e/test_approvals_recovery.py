"""A bot killed between "approved" and "done" settles the request at its next start,
from what Butterbase shows, and never sends the call a second time."""

from __future__ import annotations

from bot.clock import SystemClock
from storage.store import Store
from tests.e2e.approvals_support import completed_move, deletes, request, reverse_calls, status_of
from tests.e2e.harness import World


def _mark_executing(world: World, approval_id: str) -> None:
    """What a crash leaves behind: the decision taken, the call maybe made, nothing recorded."""
    with Store(world.db, clock=SystemClock()) as other:
        moved = other.transition_approval(
            approval_id, from_statuses={"pending"}, to_status="executing"
        )
        assert moved is not None


async def test_teardown_done_before_the_crash_is_recorded_as_executed(world: World) -> None:
    move = await completed_move(world)
    a = await request(world, "teardown", move)
    await world.stop_bot()
    _mark_executing(world, a.approval_id)
    world.sim.teardown_direct(move.migration_id)  # the DELETE had reached Butterbase

    world.start_bot()
    settled = await status_of(world, a.approval_id, "executed", "failed")
    assert settled.status == "executed"
    assert deletes(world) == []  # nothing re-sent


async def test_reverse_not_made_before_the_crash_is_failed_not_resent(world: World) -> None:
    move = await completed_move(world)
    a = await request(world, "reverse", move)
    await world.stop_bot()
    _mark_executing(world, a.approval_id)

    world.start_bot()
    settled = await status_of(world, a.approval_id, "executed", "failed")
    assert settled.status == "failed"
    assert settled.reason is not None and "nothing was done" in settled.reason
    assert reverse_calls(world) == []
