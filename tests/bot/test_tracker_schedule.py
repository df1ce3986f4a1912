"""The tracker's read schedule: every followed migration read once per interval, never
two reads of one migration closer than an interval, even when reads are slow."""

from __future__ import annotations

import asyncio

from bot.clock import FakeClock
from bot.models import MigrationStatus
from bot.tracker import Tracker
from storage.records import TrackedMigration
from storage.store import Store

POLL = 0.2


class SlowButterbase:
    """Answers every status read after `delay` seconds, recording when each was asked."""

    def __init__(self, delay: float) -> None:
        self.delay = delay
        self.reads: dict[str, list[float]] = {}

    async def status(self, app_id: str, migration_id: str) -> MigrationStatus:
        loop = asyncio.get_running_loop()
        self.reads.setdefault(migration_id, []).append(loop.time())
        await asyncio.sleep(self.delay)
        return MigrationStatus(migration_id=migration_id, current_step="dumping_data")


async def _run(delay: float, moves: int, seconds: float) -> SlowButterbase:
    clock = FakeClock()
    store = Store.in_memory(clock=clock)
    for i in range(moves):
        now = clock.now()
        store.add_migration(
            TrackedMigration(
                migration_id=f"00000000-0000-4000-8000-{i:012d}",
                app_id=f"app-{i}",
                channel_id="C1",
                created_at=now,
                updated_at=now,
                current_step="dumping_data",
            )
        )
    butterbase = SlowButterbase(delay)
    tracker = Tracker(store=store, butterbase=butterbase, clock=clock, poll_seconds=POLL)  # type: ignore[arg-type]
    loop = asyncio.get_running_loop()
    end = loop.time() + seconds
    while loop.time() < end:  # the scheduler's job, once per interval
        await tracker.poll_round()
        await asyncio.sleep(POLL)
    tracker.stop()
    await asyncio.sleep(delay + 0.05)
    store.close()
    return butterbase


def _gaps(reads: dict[str, list[float]]) -> list[float]:
    return [b - a for times in reads.values() for a, b in zip(times, times[1:], strict=False)]


async def test_every_migration_is_read_about_once_per_interval() -> None:
    butterbase = await _run(delay=0.0, moves=20, seconds=1.5)
    assert len(butterbase.reads) == 20  # nobody forgotten
    counts = [len(times) for times in butterbase.reads.values()]
    assert min(counts) >= 5 and max(counts) <= 8  # ~1.5 s / 0.2 s each
    assert min(_gaps(butterbase.reads)) >= POLL * 0.95


async def test_slow_reads_never_bring_two_reads_of_one_migration_closer() -> None:
    butterbase = await _run(delay=POLL * 0.7, moves=10, seconds=1.5)
    assert len(butterbase.reads) == 10
    # the next read counts from the end of the last one, not from its start
    assert min(_gaps(butterbase.reads)) >= POLL + POLL * 0.7 * 0.9
