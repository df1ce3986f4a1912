"""The tracker: polls every followed migration and turns each change into store
writes and Slack messages (through the outbox), in one transaction per change.

It holds no record across an `await`: each poll reads the migration from the store
again after the HTTP call, so concurrent writers (the outbox saving a card's ts,
a handler adopting a migration) are never overwritten.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta

from bot import polling, replies, steps
from bot.butterbase import ButterbaseClient
from bot.clock import Clock
from bot.errors import ButterbaseError, NotFound
from bot.models import App, MigrationStatus
from bot.replica_listing import superseded_cards
from bot.tracking import Milestone, Observation, StepsAdvanced, is_fast_reverse, observe
from storage.records import AuditEntry, OutboxItem, StepRecord, TrackedMigration
from storage.store import Store

log = logging.getLogger(__name__)
_SPREAD = 0.8  # a round's polls start within this share of the poll interval


def reply_item(
    m: TrackedMigration,
    reply: replies.Reply,
    now: datetime,
    *,
    key: str | None = None,
    priority: int | None = None,
) -> OutboxItem:
    """An outbox entry for a thread reply of `m` (deduplicated by its key); its priority
    is `priority`, else the reply's, else the kind's default."""
    chosen = priority if priority is not None else reply.priority
    return OutboxItem(
        kind="broadcast" if reply.broadcast else "reply",
        channel_id=m.channel_id,
        migration_id=m.migration_id,
        payload={"text": reply.text},
        dedupe_key=f"{m.migration_id}:{key or reply.key}",
        created_at=now,
        priority=-1 if chosen is None else chosen,
    )


def card_item(m: TrackedMigration, now: datetime) -> OutboxItem:
    return OutboxItem(
        kind="card", channel_id=m.channel_id, migration_id=m.migration_id, created_at=now
    )


class Tracker:
    """Polls the migrations the bot follows; `poll_all()` is the scheduler's job."""

    def __init__(
        self,
        *,
        store: Store,
        butterbase: ButterbaseClient,
        clock: Clock,
        poll_seconds: float,
        oncall_group: str = "",
        stuck_factor: float = 3.0,
        concurrency: int = 100,
        on_change: Callable[[], None] | None = None,
        schedule: polling.Schedule | None = None,
    ) -> None:
        self._store = store
        self._butterbase = butterbase
        self._clock = clock
        self._poll_seconds = poll_seconds
        self.schedule = schedule or polling.Schedule(poll=poll_seconds)
        self._samples: dict[str, list[float]] = {}  # step -> durations seen (sorted)
        self._windows: dict[str, polling.Window] = {}  # step -> when it likely ends
        self._oncall = oncall_group
        self._stuck_factor = stuck_factor
        self._limit = asyncio.Semaphore(concurrency)
        self._in_flight: set[str] = set()
        self._running: set[asyncio.Task[None]] = set()  # reads launched by the ticker
        self._next_read: dict[str, float] = {}  # migration id -> loop time of its next read
        self._apps: dict[str, str] = {}  # migration id -> app id, for the ticker
        self._ticker: asyncio.Task[None] | None = None
        self._rescheduled = asyncio.Event()  # a read ended and set its next one: look again
        self._not_before: dict[str, datetime] = {}  # no poll before (Retry-After)
        self._on_change = on_change or (lambda: None)
        self._started_at = clock.now()  # polls from before it were made by an earlier run
        self.polls = 0  # status reads made (benchmarks report it)

    async def poll_all(self) -> None:
        """One whole round: every followed migration polled once, waiting for them all."""
        tasks = await self._launch_round()
        if tasks:
            await asyncio.gather(*tasks)

    async def poll_round(self) -> None:
        """The scheduler's job: bring the read schedule in step with the store.

        Each followed migration has its own next-read time, set after each read by
        `bot.polling` from when its step likely ends (learned from the moves watched so
        far, refreshed here); new ones are spread over the interval. A ticker launches
        reads as they fall due, so a slow read or a busy loop never bunches reads of one
        migration closer than the schedule's `min_gap`, nor makes a later round wait.
        """
        self._samples = self._store.step_seconds()
        self._windows.clear()
        loop = asyncio.get_running_loop()
        now = loop.time()
        followed = {m.migration_id: m.app_id for m in self._store.polling_migrations()}
        new = [mid for mid in followed if mid not in self._next_read]
        step = self._poll_seconds * _SPREAD / len(new) if new else 0.0
        for i, mid in enumerate(new):
            self._next_read[mid] = now + i * step
        for gone in set(self._next_read) - set(followed):
            del self._next_read[gone]
        self._apps = followed
        if self._ticker is None or self._ticker.done():
            self._ticker = asyncio.create_task(self._tick())

    async def _tick(self) -> None:
        """Launch the reads that are due, until no migration is followed."""
        loop = asyncio.get_running_loop()
        while self._next_read:
            now = loop.time()
            for mid, due in list(self._next_read.items()):
                if due > now or mid in self._in_flight:
                    continue
                waiting = self._not_before.get(mid)
                if waiting is not None and waiting > self._clock.now():
                    continue  # Butterbase asked for a pause (Retry-After)
                self._next_read[mid] = now + self.schedule.max_gap  # set when it ends
                self._in_flight.add(mid)
                task = asyncio.create_task(self._guarded(mid, self._apps[mid]))
                self._running.add(task)
                task.add_done_callback(self._running.discard)
            upcoming = min(self._next_read.values(), default=now + 1.0)
            self._rescheduled.clear()
            # sleep until the next read is due, or until a read that just ended has set
            # its next one sooner than that (it was parked at `max_gap` while running)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self._rescheduled.wait(), timeout=min(max(upcoming - loop.time(), 0.01), 0.5)
                )

    def stop(self) -> None:
        """Stop launching reads (the runtime is shutting down)."""
        if self._ticker is not None:
            self._ticker.cancel()
        self._next_read.clear()

    async def _launch_round(self) -> list[asyncio.Task[None]]:
        """Start a poll of every followed migration not already being polled.

        The polls are spread over most of the interval, not sent at once: a thousand
        migrations make a steady trickle of requests instead of a burst that fills the
        HTTP pool and the event loop (and delays Slack's acks) every interval.
        """
        due = [(m.migration_id, m.app_id) for m in self._store.polling_migrations()]
        gap = self._poll_seconds * _SPREAD / len(due) if due else 0.0
        tasks = []
        loop = asyncio.get_running_loop()
        start = loop.time()
        for i, (migration_id, app_id) in enumerate(due):
            # launch i is due at start + i*gap; a late loop catches up instead of drifting
            # past the interval (which would make the scheduler skip the next round)
            wait = start + i * gap - loop.time()
            if wait >= 0.001:
                await asyncio.sleep(wait)
            waiting = self._not_before.get(migration_id)
            if waiting is not None and waiting > self._clock.now():
                continue  # Butterbase asked for a pause (Retry-After) on its last read
            if migration_id not in self._in_flight:
                self._in_flight.add(migration_id)  # taken now: no second poll meanwhile
                tasks.append(asyncio.create_task(self._guarded(migration_id, app_id)))
        return tasks

    async def poll_now(self, migration_id: str) -> None:
        """Poll one migration straight away (after a command changed it, or Refresh)."""
        m = self._store.get_migration(migration_id)
        if m is not None and m.migration_id not in self._in_flight:
            self._in_flight.add(m.migration_id)
            await self._guarded(m.migration_id, m.app_id)

    async def _guarded(self, migration_id: str, app_id: str) -> None:
        """Poll one migration (the caller has put it in `_in_flight`)."""
        gap = self.schedule.poll
        try:
            async with self._limit:
                gap = await self._poll(migration_id, app_id)
        except Exception:
            log.exception(
                "tracking %s failed",
                migration_id,
                extra={"migration_id": migration_id, "app_id": app_id},
            )
        finally:
            self._in_flight.discard(migration_id)
            if migration_id in self._next_read:
                # counted from when this read ended: a read that waited (a busy loop, a
                # full pool) never brings the next one closer than the gap
                self._next_read[migration_id] = asyncio.get_running_loop().time() + gap
                self._rescheduled.set()

    async def _poll(self, migration_id: str, app_id: str) -> float:
        """Read one migration and act on it; returns the seconds until its next read."""
        m = self._store.get_migration(migration_id)
        if m is None or not m.polling:
            return self.schedule.poll
        if steps.is_terminal(m.current_step):
            await self._check_writes(migration_id, app_id)
            return self.schedule.poll
        try:
            self.polls += 1
            status = await self._butterbase.status(app_id, migration_id)
        except NotFound:
            self._gone(migration_id)
            return self.schedule.poll
        except ButterbaseError as exc:
            if exc.retry_after:
                self._not_before[migration_id] = self._clock.now() + timedelta(
                    seconds=exc.retry_after
                )
            self._unreachable(migration_id, str(exc))
            return polling.backoff_gap(self.schedule, exc.retry_after)
        self._not_before.pop(migration_id, None)
        app, cost = None, None
        ends = status.current_step in steps.TERMINAL and not steps.is_terminal(m.current_step)
        if ends:  # where it is served, and are writes paused: told in the end's own message
            app = await self._app_now(app_id)
        if status.current_step == "completed" and m.current_step != "completed":
            cost = await self._replica_cost(migration_id)  # kept with the move
        self._seen(migration_id, status, app=app, replica_cost=cost)
        return self.next_gap(migration_id)

    def next_read_in(self, migration_id: str) -> float | None:
        """Seconds until the ticker reads `migration_id` again (None: not scheduled)."""
        due = self._next_read.get(migration_id)
        return None if due is None else due - asyncio.get_running_loop().time()

    def next_gap(self, migration_id: str) -> float:
        """Seconds from a read of `migration_id` to its next: by how long its step has run
        against how long that step took in the moves watched (`bot.polling`)."""
        m = self._store.get_migration(migration_id)
        if m is None or steps.is_terminal(m.current_step) or m.step_started_at is None:
            return self.schedule.poll
        likely = self._windows.get(m.current_step)
        if likely is None:
            samples = self._samples.get(m.current_step, [])
            likely = self._windows[m.current_step] = polling.window(
                m.current_step, samples, self.schedule
            )
        elapsed = (self._clock.now() - m.step_started_at).total_seconds()
        return polling.next_gap(elapsed, likely, self.schedule)

    async def _replica_cost(self, migration_id: str) -> float | None:
        """The replica's estimate as Butterbase lists it now; None when unknown."""
        try:
            listed = await self._butterbase.source_replicas()
        except ButterbaseError:
            return None
        found = [r for r in listed if r.migration_id == migration_id]
        return found[0].estimated_monthly_cost_usd if found else None

    def _aborted_by(self, migration_id: str) -> str | None:
        """Who asked for the abort, from the audit log (None: nobody through the bot)."""
        done = [
            e.actor
            for e in self._store.audit_log(migration_id=migration_id)
            if e.action == "abort.done" and e.actor != "bot"
        ]
        return done[-1] if done else None

    async def _app_now(self, app_id: str) -> App | None:
        """The app as `GET /apps` shows it now; None when it can't be read."""
        try:
            return await self._butterbase.app(app_id)
        except ButterbaseError:
            return None

    def is_fast_reverse(self, m: TrackedMigration) -> bool:
        """`m` is a reverse that Butterbase answered with `path: fast` (created completed)."""
        if m.kind != "reverse" or not m.parent_migration_id:
            return False
        return is_fast_reverse(m, self._store.approvals_for_migration(m.parent_migration_id))

    def _seen(
        self,
        migration_id: str,
        status: MigrationStatus,
        *,
        app: App | None = None,
        replica_cost: float | None = None,
    ) -> None:
        m = self._store.get_migration(migration_id)  # fresh: no await since this read
        if m is None:
            return
        now = self._clock.now()
        outbox: list[OutboxItem] = []
        if m.unreachable_since is not None:
            down = (now - m.unreachable_since).total_seconds()
            outbox.append(
                reply_item(
                    m,
                    replies.outage_over(down),
                    now,
                    key=f"outage-over:{m.unreachable_since.isoformat()}",
                )
            )
            m.unreachable_since = None
        obs = observe(
            m,
            status,
            now=now,
            poll_seconds=self._poll_seconds,
            expected=self.expected(),
            stuck_factor=self._stuck_factor,
            fast_reverse=self.is_fast_reverse(m),
            app=app,
        )
        if m.last_polled_at is not None and m.last_polled_at < self._started_at:
            # the first poll since the bot (re)started: what changed, changed while it was down
            obs.events = [
                replace(e, offline=True) if isinstance(e, StepsAdvanced) else e for e in obs.events
            ]
        new = obs.migration
        if replica_cost is not None:
            new.replica_cost = replica_cost
        ended_by_user = any(isinstance(e, Milestone) and e.user_requested for e in obs.events)
        by = self._aborted_by(new.migration_id) if ended_by_user else None
        for event in obs.events:
            reply = replies.reply_for(event, new, oncall_group=self._oncall, aborted_by=by)
            outbox.append(reply_item(new, reply, now))
        audit = [
            AuditEntry(
                at=now,
                actor="bot",
                action=f"migration.{e.kind}",
                migration_id=new.migration_id,
                app_id=new.app_id,
                detail={"error": e.error} if e.error else {},
            )
            for e in obs.events
            if isinstance(e, Milestone)
        ]
        if obs.card_changed:
            outbox.append(card_item(new, now))
        if obs.terminal_now:
            outbox.append(reply_item(new, self._summary(new, obs, now), now))
        if obs.terminal_now or m.last_polled_at is None:  # older cards lose "Request reverse"
            outbox += superseded_cards(self._store, new, now)
        if obs.terminal_now and new.parent_migration_id:  # its card says "Reversed" now
            outbox += self._parent_card(new.parent_migration_id, now)
        self._store.apply(
            migration=new,
            steps_opened=obs.steps_opened,
            steps_closed=obs.steps_closed,
            outbox=outbox,
            audit=audit,
        )
        if new.current_step != m.current_step:
            log.info(
                "%s of %s: %s → %s",
                new.short_id,
                new.app_id,
                m.current_step,
                new.current_step,
                extra={
                    "migration_id": new.migration_id,
                    "app_id": new.app_id,
                    "step": new.current_step,
                },
            )
        if outbox:
            self._on_change()

    def _summary(self, m: TrackedMigration, obs: Observation, now: datetime) -> replies.Reply:
        history = self._store.step_history(m.migration_id)
        closed = {(mid, step): (at, outcome) for mid, step, at, outcome in obs.steps_closed}
        merged: list[StepRecord] = []
        for record in [*history, *obs.steps_opened]:
            if record.ended_at is None and (record.migration_id, record.step) in closed:
                at, outcome = closed[(record.migration_id, record.step)]
                record = record.model_copy(update={"ended_at": at, "outcome": outcome})
            merged.append(record)
        approvals = self._store.approvals_for_migration(m.migration_id)
        if m.parent_migration_id:
            approvals += [
                a
                for a in self._store.approvals_for_migration(m.parent_migration_id)
                if a.kind == "reverse"
            ]
        by = self._aborted_by(m.migration_id) if m.last_error == "user_requested" else None
        return replies.summary(
            m, merged, approvals, now=now, fast=self.is_fast_reverse(m), aborted_by=by
        )

    def _parent_card(self, parent_id: str, now: datetime) -> list[OutboxItem]:
        """The reversed move's card, to be rendered again (it tells where the app is)."""
        parent = self._store.get_migration(parent_id)
        if parent is None or not parent.card_ts:
            return []
        parent.card_version += 1
        self._store.save_migration(parent)
        return [card_item(parent, now)]

    def expected(self) -> dict[str, float]:
        """Expected step durations: medians of earlier moves, else the defaults."""
        learned = self._store.median_step_seconds()
        return {
            name: learned.get(name, info.expected_seconds) for name, info in steps.STEPS.items()
        } | learned

    def _gone(self, migration_id: str) -> None:
        m = self._store.get_migration(migration_id)
        if m is None:
            return
        now = self._clock.now()
        m.not_found = True
        m.polling = False
        m.card_version += 1
        self._store.apply(
            migration=m,
            outbox=[reply_item(m, replies.not_found(m), now), card_item(m, now)],
            audit=[
                AuditEntry(
                    at=now,
                    actor="bot",
                    action="migration.not_found",
                    migration_id=m.migration_id,
                    app_id=m.app_id,
                )
            ],
        )
        self._on_change()

    def _unreachable(self, migration_id: str, error: str) -> None:
        m = self._store.get_migration(migration_id)
        if m is None or m.unreachable_since is not None:
            return  # one notice per outage per thread
        now = self._clock.now()
        m.unreachable_since = now
        self._store.apply(
            migration=m,
            outbox=[reply_item(m, replies.outage(error), now, key=f"outage:{now.isoformat()}")],
        )
        self._on_change()

    async def _check_writes(self, migration_id: str, app_id: str) -> None:
        """After a move ended: are the app's writes still paused? Say so once (paging only
        if nobody was paged for this end yet), and once more when they flow again."""
        try:
            app = await self._butterbase.app(app_id)
        except ButterbaseError as exc:
            self._unreachable(migration_id, str(exc))
            return
        m = self._store.get_migration(migration_id)
        if m is None:
            return
        now = self._clock.now()
        paused = app is not None and app.writes_paused
        outbox: list[OutboxItem] = []
        if paused and not m.writes_paused_after_abort:
            m.writes_paused_after_abort = True
            paged = m.current_step == "failed" or (
                m.current_step == "aborted" and m.last_error != "user_requested"
            )
            reply = replies.writes_still_paused(m, self._oncall, ping=not paged)
            outbox.append(reply_item(m, reply, now))
        elif not paused:
            if m.writes_paused_after_abort:
                outbox.append(reply_item(m, replies.writes_resumed(m), now))
            m.writes_paused_after_abort = False
            m.polling = False
        if outbox:
            m.card_version += 1
            outbox.append(card_item(m, now))
        self._store.apply(migration=m, outbox=outbox)
        if outbox:
            self._on_change()
