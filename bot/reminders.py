"""Daily reminders of the source replicas still retained (and still costing money).

Once the day's `BOT_REMINDER_TIME` (UTC) has passed, `tick()` (a scheduler job run
every minute; it reads the time from the injected clock) lists the retained
replicas older than `BOT_REMINDER_AFTER` and posts them, with their estimated cost
and a "Request teardown" button, in the channel where each migration ran (or
`BOT_REMINDER_CHANNEL` for replicas the bot did not start; skipped if neither).

A replica is reminded at most once a day (an audit entry `reminder.sent` with the
date, written in the same transaction as the message), never while a teardown
request for it is open, never once it is torn down, and never when the one rule
(`bot.replica_rules.blocker`, as `/teardown` and the App Home use it) refuses its
teardown: e.g. the app is served from that region again after a reverse.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from slack_sdk.models.blocks import Block

from bot import ids
from bot.butterbase import ButterbaseClient
from bot.clock import Clock
from bot.errors import ButterbaseError
from bot.models import SourceReplica
from bot.render.blocks import MAX_BLOCKS, Message, button, context, message, section
from bot.render.text import age, cost, escape, seconds_between
from bot.replica_listing import may_tear_down
from bot.settings import Settings, format_duration
from storage.records import OPEN_APPROVAL_STATUSES, AuditEntry, OutboxItem
from storage.store import Store

log = logging.getLogger(__name__)

ACTION = "reminder.sent"
PER_MESSAGE = MAX_BLOCKS - 4  # replicas listed in one message (title, "more", footer)


def _total(replicas: Sequence[SourceReplica]) -> str:
    known = [
        r.estimated_monthly_cost_usd for r in replicas if r.estimated_monthly_cost_usd is not None
    ]
    return f"est. {cost(sum(known))} in total" if known else "est. cost unknown"


def render_reminder(
    replicas: Sequence[SourceReplica], *, now: datetime, older_than: float
) -> Message:
    """One channel's reminder: each replica with its age, cost and a teardown button."""
    n = len(replicas)
    noun = "replica" if n == 1 else "replicas"
    first = f"{n} {noun} kept for more than {format_duration(older_than)} · {_total(replicas)}"
    blocks: list[Block] = [
        section(
            f"*{first}*\nEach keeps a way back (reverse) open and costs money until it is "
            "torn down. Request a teardown once you no longer need it; an approver decides."
        )
    ]
    for r in replicas[:PER_MESSAGE]:
        held = age(seconds_between(r.completed_at, now)) if r.completed_at else "unknown"
        line = (
            f"*{escape(r.app_id)}* · replica in {escape(r.source_region or 'unknown')} "
            f"(moved to {escape(r.dest_region or 'unknown')}) · kept for {held} · "
            f"est. {cost(r.estimated_monthly_cost_usd)} · `{escape(r.migration_id[:8])}`"
        )
        ask = button("Request teardown", ids.REQUEST_TEARDOWN, r.migration_id)
        blocks.append(section(line, accessory=ask))
    if n > PER_MESSAGE:
        blocks.append(context(f"and {n - PER_MESSAGE} more — `/teardown` lists them all"))
    blocks.append(context("Daily reminder · /teardown lists every replica"))
    return message(first, blocks)


class Reminders:
    """The daily replica reminder; `tick()` is the scheduler's job."""

    def __init__(
        self,
        *,
        store: Store,
        butterbase: ButterbaseClient,
        clock: Clock,
        settings: Settings,
        on_queued: Callable[[], None] | None = None,
        settle_seconds: float = 60.0,
    ) -> None:
        """`settle_seconds`: the first check waits this long after the start, so that a
        (re)start asks Butterbase for nothing but the migrations it follows."""
        self._store = store
        self._butterbase = butterbase
        self._clock = clock
        self._settings = settings
        self._on_queued = on_queued or (lambda: None)
        self._done_on: date | None = None
        self._not_before = clock.now().timestamp() + settle_seconds

    def due_at(self, day: date) -> datetime:
        """When the reminder of `day` is due (UTC)."""
        hours, minutes = (int(p) for p in self._settings.bot_reminder_time.split(":"))
        return datetime.combine(day, time(hours, minutes), tzinfo=UTC)

    async def tick(self) -> None:
        """The scheduler's job: remind once the day's time has passed, once per day."""
        now = self._clock.now()
        today = now.date()
        if now.timestamp() < self._not_before:
            return
        if self._done_on == today or now < self.due_at(today):
            return
        try:
            await self.remind(now)
        except ButterbaseError as exc:
            log.warning("replica reminders postponed: Butterbase did not answer (%s)", exc)
            return  # the next tick tries again
        self._done_on = today

    async def remind(self, now: datetime) -> int:
        """Queue today's reminders; the number of replicas reminded."""
        replicas = await self._butterbase.source_replicas()
        regions = {app.id: app.region for app in await self._butterbase.apps()}
        today = now.date().isoformat()
        by_channel: dict[str, list[SourceReplica]] = {}
        for r in replicas:
            if not may_tear_down(self._store, r, app_region=regions.get(r.app_id)):
                continue  # the one rule: e.g. the app's live database again, not a replica
            channel = self._channel_for(r, now, today)
            if channel is not None:
                by_channel.setdefault(channel, []).append(r)
        for channel, due in by_channel.items():
            self._queue(channel, due, now, today)
        if by_channel:
            self._on_queued()
        return sum(len(due) for due in by_channel.values())

    def _channel_for(self, r: SourceReplica, now: datetime, today: str) -> str | None:
        """Where to remind of `r` today, or None if it must not be reminded."""
        if r.completed_at is None:
            return None
        if seconds_between(r.completed_at, now) < self._settings.bot_reminder_after:
            return None
        m = self._store.get_migration(r.migration_id)
        if m is not None and (m.torn_down_at is not None or m.replica_state == "torn_down"):
            return None
        if any(
            a.kind == "teardown" and a.status in OPEN_APPROVAL_STATUSES
            for a in self._store.approvals_for_migration(r.migration_id)
        ):
            return None
        if any(
            e.action == ACTION and e.detail.get("date") == today
            for e in self._store.audit_log(migration_id=r.migration_id, limit=50)
        ):
            return None
        return m.channel_id if m is not None else (self._settings.bot_reminder_channel or None)

    def _queue(self, channel: str, due: list[SourceReplica], now: datetime, today: str) -> None:
        rendered = render_reminder(due, now=now, older_than=self._settings.bot_reminder_after)
        digest = hashlib.sha256(",".join(r.migration_id for r in due).encode()).hexdigest()[:12]
        payload: dict[str, Any] = {
            "text": rendered.text,
            "blocks": rendered.blocks,
            "unfurl_links": False,
        }
        item = OutboxItem(
            kind="message",
            channel_id=channel,
            payload=payload,
            dedupe_key=f"reminder:{channel}:{today}:{digest}",
            created_at=now,
        )
        audit = [
            AuditEntry(
                at=now,
                actor="bot",
                action=ACTION,
                migration_id=r.migration_id,
                app_id=r.app_id,
                detail={
                    "date": today,
                    "channel": channel,
                    "age_seconds": round(seconds_between(r.completed_at, now))
                    if r.completed_at
                    else None,
                    "estimated_monthly_cost_usd": r.estimated_monthly_cost_usd,
                },
            )
            for r in due
        ]
        self._store.apply(outbox=[item], audit=audit)
        for r in due:
            log.info(
                "reminded %s of the retained replica of %s",
                channel,
                r.app_id,
                extra={"migration_id": r.migration_id, "app_id": r.app_id, "channel": channel},
            )
