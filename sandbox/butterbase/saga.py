"""The saga driver: moves every migration through its steps on the simulator's clock.

Each non-terminal migration has one deadline, the end of its current step's attempt,
kept in a heap; `advance(now)` pops only what is due, so a tick costs nothing for
the thousands of migrations still waiting. Stale heap entries are skipped by a
generation counter bumped whenever a migration is rescheduled or stopped.
"""

from __future__ import annotations

import heapq
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from .clock import iso
from .models import AFTER_CUTOVER, CUTOVER, MAX_ATTEMPTS, Migration
from .progress import notes_for, reports_dump_size

if TYPE_CHECKING:
    from .state import Simulator


class SagaDriver:
    """Advances the simulator's migrations; all methods expect the simulator's lock held."""

    def __init__(self, sim: Simulator) -> None:
        self._sim = sim
        self._heap: list[tuple[datetime, int, str, int]] = []
        self._seq = 0

    def __len__(self) -> int:
        return len(self._heap)

    def schedule(self, migration: Migration, at: datetime) -> None:
        """The current attempt of `migration` ends at `at` (replacing any earlier deadline)."""
        migration.gen += 1
        migration.due_at = at
        migration.parked = False
        self._seq += 1
        heapq.heappush(self._heap, (at, self._seq, migration.id, migration.gen))

    def stop(self, migration: Migration) -> None:
        """Forget the pending deadline of `migration` (its heap entry becomes stale)."""
        migration.gen += 1
        migration.due_at = None

    def start(self, migration: Migration) -> None:
        """A new migration entered its first step at `step_started_at`."""
        self._sim.record(migration, migration.step_started_at)
        self._schedule_step(migration, migration.step_started_at)

    def advance(self, now: datetime) -> int:
        """Run every deadline up to `now`, in time order; the number of attempts ended."""
        done = 0
        heap = self._heap
        while heap and heap[0][0] <= now:
            at, _, migration_id, gen = heapq.heappop(heap)
            migration = self._sim.migrations.get(migration_id)
            if migration is None or migration.gen != gen:
                continue
            migration.due_at = None
            self._end_attempt(migration, at)
            done += 1
        return done

    def _schedule_step(self, migration: Migration, at: datetime) -> None:
        seconds = self._sim.config.step_seconds(migration.current_step)
        self.schedule(migration, at + timedelta(seconds=seconds))

    def _end_attempt(self, migration: Migration, at: datetime) -> None:
        step = migration.current_step
        if step == "aborting":
            self._sim.apps[migration.app_id].provisioning_status = "ready"
            self._enter(migration, "aborted", at)
            return
        faults = self._sim.faults_for(migration.app_id)
        if step in faults.stalled:
            migration.parked = True
            return
        error = self._attempt_error(migration, step)
        if error is None:
            self._finish_step(migration, step, at)
            return
        if step == CUTOVER:
            self._unflip(migration)
        migration.retry_count += 1
        migration.last_error = error
        if migration.retry_count < MAX_ATTEMPTS:
            self.schedule(migration, at + timedelta(seconds=self._sim.config.retry_seconds()))
            return
        faults.clear_failure(step)
        migration.retry_count = 0
        if step in AFTER_CUTOVER:
            self._enter(migration, "failed", at)
        else:
            self._enter(migration, "aborting", at)

    def _attempt_error(self, migration: Migration, step: str) -> str | None:
        if step == "reserving_dest" and migration.dest_region not in self._sim.config.regions:
            return f"reserve destination failed: region {migration.dest_region!r} is not available"
        return self._sim.faults_for(migration.app_id).take_failure(step)

    def _finish_step(self, migration: Migration, step: str, at: datetime) -> None:
        app = self._sim.apps[migration.app_id]
        faults = self._sim.faults_for(migration.app_id)
        if step == CUTOVER:
            self._flip(migration, at)
            migration.progress["flipped_at"] = iso(migration.routed_at)
        sized = reports_dump_size(app, self._sim.config)
        notes = notes_for(step, migration, app, at=at, sized=sized, no_replica=faults.no_replica)
        migration.progress.update(notes)
        if step == "setting_up_reverse_replication":
            migration.source_replica_state = "none" if faults.no_replica else "replicating"
        migration.retry_count = 0
        migration.last_error = None
        self._enter(migration, migration.next_step(), at)

    def _flip(self, migration: Migration, at: datetime) -> None:
        """Routing points at the destination: `GET /apps` reads its row (`ready`)."""
        app = self._sim.apps[migration.app_id]
        app.region = migration.dest_region
        app.provisioning_status = "ready"
        if migration.routed_at is None:
            migration.routed_at = at

    def _unflip(self, migration: Migration) -> None:
        """A failed attempt of the cutover leaves the app in the source, still `migrating`."""
        app = self._sim.apps[migration.app_id]
        app.region = migration.source_region
        app.provisioning_status = "migrating"
        migration.routed_at = None

    def _enter(self, migration: Migration, step: str, at: datetime) -> None:
        migration.current_step = step
        migration.step_started_at = at
        app = self._sim.apps[migration.app_id]
        if step == "blocking_writes":
            app.provisioning_status = "migrating"
        elif step == CUTOVER and not self._sim.faults_for(app.id).fails_next(step):
            self._flip(migration, at)
        elif step == "completed":
            migration.completed_at = at
            app.provisioning_status = "ready"
        self._sim.record(migration, at)
        if migration.terminal:
            self.stop(migration)
        else:
            self._schedule_step(migration, at)
