"""The tracker reads each move by the adaptive schedule: rarely early in a step, often
near its learned end, at once after an action, and once per interval at most when
Butterbase asks it to back off."""

from __future__ import annotations

import asyncio
from datetime import timedelta

from bot.clock import FakeClock
from bot.errors import RateLimited
from bot.models import MigrationStatus
from bot.tracker import Tracker
from storage.records import StepRecord, TrackedMigration
from storage.store import Store

POLL = 5.0
MID = "00000000-0000-4000-8000-000000000001"


class Butterbase:
    """Answers status reads from `step` (started at `started`), or refuses with 429."""

    def __init__(self, clock: FakeClock, retry_after: float | None = None) -> None:
        self.clock = clock
        self.retry_after = retry_after
        self.reads = 0

    async def status(self, app_id: str, migration_id: str) -> MigrationStatus:
        self.reads += 1
        if self.retry_after is not None:
            raise RateLimited("slow down", route="status", retry_after=self.retry_after)
        return MigrationStatus(
            migration_id=migration_id,
            current_step="dumping_data",
            step_started_at=self.started,
        )

    started = None


def _store(clock: FakeClock, step_seconds: float, watched: int) -> Store:
    """A store that has watched `watched` moves whose `dumping_data` took `step_seconds`,
    and follows one move in `dumping_data` since now."""
    store = Store.in_memory(clock=clock)
    start = clock.now() - timedelta(hours=1)
    for i in range(watched):
        mid = f"00000000-0000-4000-8000-1000000000{i:02d}"
        record = StepRecord(migration_id=mid, step="dumping_data", started_at=start)
        end = start + timedelta(seconds=step_seconds + i % 3)
        store.apply(steps_opened=[record])
        store.apply(steps_closed=[(mid, "dumping_data", end, "done")])
    now = clock.now()
    store.add_migration(
        TrackedMigration(
            migration_id=MID,
            app_id="app-1",
            channel_id="C1",
            created_at=now,
            updated_at=now,
            current_step="dumping_data",
            step_started_at=now,
            seen_steps=["requested", "dumping_data"],
        )
    )
    return store


async def _gap_after_read(clock: FakeClock, butterbase: Butterbase, store: Store) -> float:
    """Read the move once through `poll_now` (as after an action) and say when the
    tracker will read it next."""
    butterbase.started = store.get_migration(MID).step_started_at  # type: ignore[union-attr]
    tracker = Tracker(store=store, butterbase=butterbase, clock=clock, poll_seconds=POLL)  # type: ignore[arg-type]
    await tracker.poll_round()  # schedules it; the ticker has not run yet
    await tracker.poll_now(MID)
    gap = tracker.next_read_in(MID)
    tracker.stop()
    await asyncio.sleep(0)
    assert gap is not None
    return gap


async def test_early_in_a_step_it_learned_the_next_read_waits_three_intervals() -> None:
    clock = FakeClock()
    store = _store(clock, 300.0, watched=10)
    clock.advance(2)
    gap = await _gap_after_read(clock, Butterbase(clock), store)
    assert 14.5 <= gap <= 15.0  # 3 x poll: far from the learned end (~300 s)


async def test_near_the_learned_end_it_reads_about_every_two_seconds() -> None:
    clock = FakeClock()
    store = _store(clock, 45.0, watched=10)
    clock.advance(45)
    gap = await _gap_after_read(clock, Butterbase(clock), store)
    assert 0.9 <= gap <= 2.0


async def test_without_history_it_reads_at_the_plain_interval_at_most() -> None:
    clock = FakeClock()
    store = _store(clock, 45.0, watched=2)  # too few to trust: default 300 s applies
    clock.advance(2)
    assert POLL - 0.5 <= await _gap_after_read(clock, Butterbase(clock), store) <= POLL
    clock.advance(146)  # 148 s: lands on 150 s, half the default
    gap = await _gap_after_read(clock, Butterbase(clock), store)
    assert 1.5 <= gap <= 2.0


async def test_after_a_retry_after_the_next_read_waits_for_it_and_at_least_an_interval() -> None:
    clock = FakeClock()
    store = _store(clock, 45.0, watched=10)
    clock.advance(45)  # it would read again within 2 s, but Butterbase said 12 s
    butterbase = Butterbase(clock, retry_after=12.0)
    gap = await _gap_after_read(clock, butterbase, store)
    assert butterbase.reads == 1
    assert 11.5 <= gap <= 12.0
    short = Butterbase(clock, retry_after=1.0)
    assert POLL - 0.5 <= await _gap_after_read(clock, short, _store(clock, 45.0, 10)) <= POLL


async def test_a_lone_move_is_read_at_its_gap_not_parked_at_the_longest_one() -> None:
    """While a read runs, the move's next read is parked at `max_gap` (3 x poll); when the
    read ends and sets a sooner one, the ticker must wake for it, or a lone move (no
    other reads to wake the ticker) is read three times less often than it should be."""
    clock = FakeClock()
    store = _store(clock, 45.0, watched=0)  # no history: the plain interval at most
    butterbase = Butterbase(clock)
    butterbase.started = store.get_migration(MID).step_started_at  # type: ignore[union-attr]
    poll = 0.05
    tracker = Tracker(store=store, butterbase=butterbase, clock=clock, poll_seconds=poll)  # type: ignore[arg-type]
    tracker.schedule = type(tracker.schedule)(poll=poll, min_gap=0.0)
    await tracker.poll_round()
    await asyncio.sleep(0.6)  # the loop's own time: ~12 reads at the gap, ~4 if parked
    tracker.stop()
    await asyncio.sleep(0)
    assert butterbase.reads >= 8
