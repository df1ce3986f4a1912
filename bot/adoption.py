"""Following a migration the bot did not start (from the dashboard, a script, another bot).

`/migration-status` shows such a migration with a "Follow in this channel" button; an
abort of one adopts it first, so that its card and thread tell what happened. An
adopted migration has no requester and its card says "started outside Slack".
"""

from __future__ import annotations

from datetime import datetime

from bot import steps
from bot.deps import Deps
from bot.models import MigrationStatus
from bot.parsing import APP_ID, UUID
from bot.tracker import card_item
from storage.records import AuditEntry, StepRecord, TrackedMigration


def from_status(
    status: MigrationStatus, *, app_id: str, channel: str, now: datetime
) -> TrackedMigration:
    """An (unsaved) adopted record of `status`: what a card of it shows."""
    current = status.current_step
    return TrackedMigration(
        migration_id=status.migration_id,
        app_id=app_id,
        source_region=status.source_region,
        dest_region=status.dest_region,
        channel_id=channel,
        requester=None,
        adopted=True,
        created_at=now,
        updated_at=now,
        current_step=current,
        last_error=status.last_error,
        retry_count=status.retry_count,
        replica_state=status.source_replica_state,
        step_started_at=status.step_started_at or now,
        completed_at=status.completed_at,
        flipped_at=status.flipped_at,
        progress=dict(status.progress),
        seen_steps=[current],
        polling=not steps.is_terminal(current),
    )


def adopt(
    deps: Deps, status: MigrationStatus, *, app_id: str, channel: str, user: str
) -> TrackedMigration | None:
    """Follow `status`'s migration in `channel`: its card is queued and the tracker
    polls it from now on. None when the bot already follows it (nothing changes)."""
    now = deps.clock.now()
    m = from_status(status, app_id=app_id, channel=channel, now=now)
    if not deps.store.add_migration(m):  # insert-or-nothing: a double click adopts once
        return None
    opened = []
    if not steps.is_terminal(m.current_step):
        opened.append(
            StepRecord(
                migration_id=m.migration_id,
                step=m.current_step,
                started_at=m.step_started_at or now,
            )
        )
    audit = AuditEntry(
        at=now,
        actor=user,
        action="migration.adopted",
        migration_id=m.migration_id,
        app_id=app_id,
        detail={"channel": channel, "step": m.current_step},
    )
    deps.store.apply(steps_opened=opened, outbox=[card_item(m, now)], audit=[audit])
    deps.outbox.wake()
    return m


def button_value(app_id: str, migration_id: str, *, tracked: bool) -> str:
    """A button's value naming a migration: its id, with the app for one the bot does
    not follow (the click needs the app to read it)."""
    return migration_id if tracked else f"{app_id}|{migration_id}"


def parse_button_value(value: object) -> tuple[str | None, str] | None:
    """(app id or None, migration id) from `button_value`; None for anything else.

    The app comes from the click and is never trusted: it only selects which of the
    server's checked routes to read, and only UUIDs are ever sent.
    """
    app, sep, migration_id = str(value or "").strip().rpartition("|")
    migration_id = migration_id.lower()
    if not UUID.match(migration_id):
        return None
    if not sep:
        return None, migration_id
    if not APP_ID.match(app):
        return None
    return app, migration_id
