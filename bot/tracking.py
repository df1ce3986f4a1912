"""Turn one observed migration status into what changed: pure, no I/O.

`observe()` compares the last state the bot saw (a `TrackedMigration`) with a fresh
`MigrationStatus` and returns the updated record, the step history to write and the
events to tell people about. The tracker writes all of it in one transaction.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from bot import steps
from bot.models import MigrationStatus
from storage.records import StepRecord, TrackedMigration

MAX_RETRIES = 5


@dataclass(frozen=True)
class StepsAdvanced:
    done: list[str]  # steps finished since the last observation, in order
    now_at: str  # the step it is in now
    offline: bool  # the bot was not polling while these happened
    recovered_from: str | None = None  # a retrying step that went through
    durations: dict[str, float] = field(default_factory=dict)  # seconds, where known


@dataclass(frozen=True)
class RetryStarted:
    step: str
    error: str
    retry_count: int


@dataclass(frozen=True)
class Milestone:
    kind: str  # "cutover" | "completed" | "aborted" | "failed"
    error: str | None = None
    user_requested: bool = False


@dataclass(frozen=True)
class Stuck:
    step: str
    elapsed: float
    expected: float
    failing: bool  # stuck because it keeps failing, not because it is slow


Event = StepsAdvanced | RetryStarted | Milestone | Stuck


@dataclass
class Observation:
    migration: TrackedMigration
    events: list[Event] = field(default_factory=list)
    steps_opened: list[StepRecord] = field(default_factory=list)
    steps_closed: list[tuple[str, str, datetime, str]] = field(default_factory=list)
    card_changed: bool = False
    check_writes: bool = False  # a user's abort: read the app to see if writes stayed paused

    @property
    def terminal_now(self) -> bool:
        return any(isinstance(e, Milestone) and e.kind != "cutover" for e in self.events)


def _path_between(previous: str, current: str, status: MigrationStatus) -> list[str]:
    """The steps passed from `previous` up to (not including) `current`, as far as
    the step order says; for jumps the order can't explain, just `previous`."""
    kv_steps = ("dumping_kv", "restoring_kv")
    kv = any(k.startswith(kv_steps) for k in status.progress)
    order = list(
        steps.ALL_ORDERED if kv or current in kv_steps or previous in kv_steps else steps.HAPPY_PATH
    )
    if current in ("aborting", "aborted", "failed"):
        return [previous] if previous not in steps.TERMINAL else []
    if previous in order and current in order:
        i, j = order.index(previous), order.index(current)
        if i < j:
            return order[i:j]
    return [previous]


def observe(
    m: TrackedMigration,
    status: MigrationStatus,
    *,
    now: datetime,
    poll_seconds: float,
    expected: dict[str, float],
    stuck_factor: float = 3.0,
) -> Observation:
    """What changed between `m` (the last state seen) and `status` (just read)."""
    new = m.model_copy(deep=True)
    obs = Observation(migration=new)
    offline = m.last_polled_at is not None and (now - m.last_polled_at).total_seconds() > max(
        3 * poll_seconds, 30
    )
    previous, current = m.current_step, status.current_step
    if current == "requested" and previous != "requested":
        # a move never goes back to its first step: this is a status without its step
        # (read as "requested"), which says nothing about where the move is
        current = previous
    when = status.step_started_at or now

    if current != previous:
        done = [s for s in _path_between(previous, current, status) if s != current]
        for index, step in enumerate(done):
            outcome = "done" if index == len(done) - 1 else "done_unobserved"
            if current in ("aborting", "aborted", "failed") and step == previous:
                outcome = current
            if step == previous:
                obs.steps_closed.append((new.migration_id, step, when, outcome))
            else:
                obs.steps_opened.append(
                    StepRecord(
                        migration_id=new.migration_id,
                        step=step,
                        started_at=when,
                        ended_at=when,
                        outcome="done_unobserved",
                    )
                )
        if not steps.is_terminal(current):
            obs.steps_opened.append(
                StepRecord(migration_id=new.migration_id, step=current, started_at=when)
            )
        durations = {}
        # only a step seen to the next one has a known time; after a skip, the time
        # since it started also covers the steps passed unobserved
        if (
            done == [previous]
            and m.step_started_at is not None
            and status.step_started_at is not None
        ):
            durations[previous] = max(
                0.0, (status.step_started_at - m.step_started_at).total_seconds()
            )
        recovered = (
            previous
            if m.retry_notice_sent and current not in ("aborting", "aborted", "failed")
            else None
        )
        obs.events.append(
            StepsAdvanced(
                done=done,
                now_at=current,
                offline=offline,
                recovered_from=recovered,
                durations=durations,
            )
        )
        if (
            not steps.is_past_cutover(previous)
            and steps.is_past_cutover(current)
            and current != "failed"
        ):
            obs.events.append(Milestone("cutover"))
        if current in ("completed", "aborted", "failed"):
            user = status.last_error == "user_requested"
            obs.events.append(Milestone(current, error=status.last_error, user_requested=user))
            obs.check_writes = current == "aborted" and user
        new.retry_notice_sent = False
        new.stuck_notice_step = None
        for step in [*done, current]:
            if step not in new.seen_steps:
                new.seen_steps.append(step)
        new.current_step = current
        new.step_started_at = status.step_started_at or now
        obs.card_changed = True
    else:
        if new.step_started_at is None and status.step_started_at is not None:
            new.step_started_at = status.step_started_at  # e.g. adopted without a start
            obs.card_changed = True
        if status.retry_count > 0 and status.last_error and not new.retry_notice_sent:
            if not steps.is_terminal(current):
                obs.events.append(RetryStarted(current, status.last_error, status.retry_count))
                new.retry_notice_sent = True

    if (status.last_error, status.retry_count) != (m.last_error, m.retry_count):
        obs.card_changed = True
    if status.source_replica_state != m.replica_state:
        obs.card_changed = True
    if status.flipped_at is not None and status.flipped_at != m.flipped_at:
        obs.card_changed = True  # the card shows when traffic moved
    new.last_error = status.last_error
    new.retry_count = status.retry_count
    new.replica_state = status.source_replica_state
    new.completed_at = status.completed_at
    new.flipped_at = status.flipped_at or new.flipped_at
    new.source_region = status.source_region or new.source_region
    new.dest_region = status.dest_region or new.dest_region
    new.progress = status.progress
    new.last_polled_at = now
    if current not in new.seen_steps:
        new.seen_steps.append(current)

    if not steps.is_terminal(current) and new.stuck_notice_step != current:
        started = new.step_started_at or now
        elapsed = (now - started).total_seconds()
        limit = expected.get(current, steps.expected_seconds(current)) * stuck_factor
        failing = status.retry_count >= 3
        if elapsed > limit or failing:
            obs.events.append(Stuck(current, elapsed, limit / stuck_factor, failing))
            new.stuck_notice_step = current

    if steps.is_terminal(current):
        # a user's abort keeps the migration followed until the app's writes are checked
        new.polling = obs.check_writes or new.writes_paused_after_abort
    if obs.card_changed:
        new.card_version += 1
    return obs
