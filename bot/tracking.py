"""Turn one observed migration status into what changed: pure, no I/O.

`observe()` compares the last state the bot saw (a `TrackedMigration`) with a fresh
`MigrationStatus` and returns the updated record, the step history to write and the
events to tell people about. The tracker writes all of it in one transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from bot import steps
from bot.models import App, MigrationStatus
from storage.records import Approval, StepRecord, TrackedMigration

MAX_RETRIES = 5


@dataclass(frozen=True)
class StepsAdvanced:
    done: list[str]  # steps finished since the last observation, in order
    now_at: str  # the step it is in now
    offline: bool  # the bot was not polling while these happened
    recovered_from: str | None = None  # a retrying step that went through
    durations: dict[str, float] = field(default_factory=dict)  # seconds, where known
    # the move stopped between two reads and the bot never saw its last step failing: it
    # knows where it last saw the move, not which step failed
    unseen_stop: bool = False


@dataclass(frozen=True)
class RetryStarted:
    step: str
    error: str
    retry_count: int


@dataclass(frozen=True)
class Milestone:
    kind: str  # "cutover" | "completed" | "aborted" | "failed" | "fast_reverse"
    error: str | None = None
    user_requested: bool = False
    # for "failed": where `GET /apps` says the app is (None: it could not be read)
    app: App | None = None
    already_pinged: bool = False  # the "stuck" notice of this incident paged people already


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
    check_writes: bool = False  # the move ended: read the app to see if writes stayed paused

    @property
    def terminal_now(self) -> bool:
        return any(isinstance(e, Milestone) and e.kind != "cutover" for e in self.events)


def _path_between(previous: str, current: str, seen: Sequence[str] = ()) -> list[str]:
    """The steps passed from `previous` up to (not including) `current`, as far as
    the step order says; for jumps the order can't explain, just `previous`.
    Always the thirteen: the server runs the kv steps for every app, so they are told
    (once) even when they passed between two polls. After a step the bot does not know
    (`previous`), the known steps between the last known one `seen` and `current` that
    were never seen passed too (a newer server's extra step hid them)."""
    order = list(steps.HAPPY_PATH)
    if previous == steps.MISSING:
        return []  # it was never known where the move was
    if current in ("aborting", "aborted", "failed"):
        return [previous] if previous not in steps.TERMINAL else []
    if previous in order and current in order:
        i, j = order.index(previous), order.index(current)
        if i < j:
            return order[i:j]
    if previous not in order and current in order:
        known = [s for s in seen if s in order]
        if known:
            i, j = order.index(known[-1]), order.index(current)
            return [s for s in order[i + 1 : j] if s not in seen] + [previous]
    return [previous]


def has_flipped(step: str, flipped_at: datetime | None) -> bool:
    """Routing has flipped: a step that only comes after it, or the server's `flipped_at`.
    (`flipping_routing` itself is the attempt, not the flip.)"""
    return flipped_at is not None or step in steps.FLIPPED


def is_fast_reverse(m: TrackedMigration, parent_approvals: Sequence[Approval]) -> bool:
    """`m` is a reverse that Butterbase answered with `path: fast` (so created completed);
    `parent_approvals` are those of the migration it reverses."""
    if m.kind != "reverse" or not m.parent_migration_id:
        return False
    return any(
        a.kind == "reverse"
        and a.result.get("migration_id") == m.migration_id
        and a.result.get("path") == "fast"
        for a in parent_approvals
    )


def _fast_reverse(m: TrackedMigration, obs: Observation, now: datetime) -> Observation:
    """A fast reverse is created `completed`: no step ran, so none is told as done and
    no cutover is announced; one milestone says what happened."""
    new = obs.migration
    obs.events = [Milestone("fast_reverse")]
    obs.steps_opened = []
    obs.steps_closed = [(new.migration_id, m.current_step, now, "not_run")]
    obs.check_writes = False
    new.seen_steps = [s for s in new.seen_steps if s in ("requested", "completed")]
    new.polling = False
    return obs


def _ended(
    m: TrackedMigration,
    new: TrackedMigration,
    obs: Observation,
    status: MigrationStatus,
    current: str,
    app: App | None,
) -> None:
    """The milestone that ends the move, and whether the app's writes must be checked:
    after any end, writes may stay paused (Butterbase runs no compensation)."""
    user = status.last_error == "user_requested"
    seen = app
    # one ping per incident: the "stuck" notice of the step that ended the move (kept
    # through `aborting`, the compensation of that same incident) paged people already
    pinged = m.stuck_notice_step is not None
    obs.events.append(
        Milestone(
            current, error=status.last_error, user_requested=user, app=seen, already_pinged=pinged
        )
    )
    if current in ("failed", "aborted") and seen is not None and seen.writes_paused:
        new.writes_paused_after_abort = True  # the end says so; its resumption is told
    # read the app again next poll unless it was read now and nothing is left to say
    obs.check_writes = seen is None or (current == "completed" and seen.writes_paused)


def observe(
    m: TrackedMigration,
    status: MigrationStatus,
    *,
    now: datetime,
    poll_seconds: float,
    expected: dict[str, float],
    stuck_factor: float = 3.0,
    fast_reverse: bool = False,
    app: App | None = None,
) -> Observation:
    """What changed between `m` (the last state seen) and `status` (just read).

    `fast_reverse`: `m` is a reverse the server answered with `path: fast`. `app`: the
    app as `GET /apps` shows it now, read when the move has just failed or completed."""
    new = m.model_copy(deep=True)
    obs = Observation(migration=new)
    offline = m.last_polled_at is not None and (now - m.last_polled_at).total_seconds() > max(
        3 * poll_seconds, 30
    )
    previous, current = m.current_step, status.current_step
    if current == steps.MISSING or steps.is_behind(current, previous):
        # a status without its step, or one behind where the move was seen (a move
        # never goes back): no news about where the move is
        current = previous
    when = status.step_started_at or now

    if current != previous:
        done = [s for s in _path_between(previous, current, m.seen_steps) if s != current]
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
                unseen_stop=current in ("aborting", "aborted", "failed")
                and status.last_error != "user_requested"  # a person's abort: where it was
                and m.retry_count == 0
                and not m.last_error,
            )
        )
        if current in ("completed", "aborted", "failed"):
            _ended(m, new, obs, status, current, app)
        new.retry_notice_sent = False
        if current != "aborting":  # the compensation belongs to the incident that caused it
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
    flipped_before = has_flipped(previous, m.flipped_at)
    if (
        has_flipped(current, status.flipped_at)
        and not flipped_before
        and current != "aborting"
        and not steps.is_terminal(current)
    ):
        # told once routing HAS flipped, in the thread; a move that ended meanwhile says
        # it in its end (never a cutover after "Completed")
        at = 1 if obs.events and isinstance(obs.events[0], StepsAdvanced) else 0
        obs.events.insert(at, Milestone("cutover"))
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
        # an ended move stays followed until the app's writes are known to flow
        new.polling = obs.check_writes or new.writes_paused_after_abort
    if fast_reverse and current == "completed" and previous != "completed":
        obs = _fast_reverse(m, obs, now)
    if obs.card_changed:
        new.card_version += 1
    return obs
