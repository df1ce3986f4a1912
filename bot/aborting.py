"""Abort: the bot's own rules, and the abort itself.

Shared by `/abort`'s confirmation button and the card's Abort button. The server
answers 200 to an abort of a `failed`, `aborted` or `aborting` migration and runs no
compensation (shared/butterbase-api.md, "What the server does not protect"), so the
bot decides from a fresh read and its own step model, and never asks the server
unless the migration is running and before cutover.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from bot import steps
from bot.adoption import adopt
from bot.deps import Deps
from bot.errors import ButterbaseError, Conflict, NotFound
from bot.explain import explain
from bot.models import MigrationStatus
from bot.render.text import escape, hhmm
from bot.replies import Reply
from bot.tracker import reply_item
from storage.records import AuditEntry, StepRecord, TrackedMigration

GUARD_SECONDS = 60  # a second abort click of one migration within this is a double tap


def cutover_time(
    status: MigrationStatus | None, m: TrackedMigration | None, history: list[StepRecord]
) -> datetime | None:
    """When traffic moved: the server's `flipped_at`, else when the bot saw cutover start."""
    if status is not None and status.flipped_at is not None:
        return status.flipped_at
    if m is not None and m.flipped_at is not None:
        return m.flipped_at
    starts = [r.started_at for r in history if r.step == steps.CUTOVER]
    return min(starts) if starts else None


def refusal(
    status: MigrationStatus, *, app_id: str, ref: str, cutover_at: datetime | None
) -> str | None:
    """Why this migration must not be aborted, or None when abort is safe to ask for.

    `ref` is how to name the migration in a command (the short id when the bot knows it).
    """
    step = status.current_step
    name = f"The move of {app_id} (`{status.migration_id[:8]}`)"
    when = f"Cutover happened at {hhmm(cutover_at)}" if cutover_at else "Cutover has happened"
    reverse = f"`/reverse {app_id} {ref}`"
    if step == "failed":
        return f"{name} failed and needs manual review; abort is not possible. Nothing was done."
    if step == "completed":
        return (
            f"{name} has completed, so abort is not possible. {when}; {reverse} is the way "
            "back. Nothing was done."
        )
    if steps.is_past_cutover(step):
        return (
            f"{name} is past cutover (now {steps.label(step)}), so abort is not possible. "
            f"{when}; {reverse} is the way back once it completes. Nothing was done."
        )
    if step == "aborting":
        return f"{name} is already being aborted. Nothing was done."
    if step == "aborted":
        return f"{name} is already aborted. Nothing was done."
    if not steps.may_abort(step):
        return (
            f"{name} is at a step the bot doesn't know (`{escape(step)}`), so it won't risk "
            "an abort: check the Butterbase dashboard. Nothing was done."
        )
    return None


@dataclass(frozen=True)
class Checked:
    """A fresh read of the migration and the verdict on aborting it."""

    status: MigrationStatus | None
    refusal: str | None  # None: abort may be asked for
    tracked: bool = False


async def check(deps: Deps, *, app_id: str, migration_id: str) -> Checked:
    """Read the migration now and apply the rules."""
    m = deps.store.get_migration(migration_id)
    if m is not None and m.app_id != app_id:
        return Checked(
            None, f"Migration `{m.short_id}` belongs to {m.app_id}, not {app_id}. Nothing was done."
        )
    try:
        status = await deps.butterbase.status(app_id, migration_id)
    except NotFound:
        text = (
            f"Butterbase knows no migration `{migration_id}` of {app_id} (404). Nothing was done."
        )
        return Checked(None, text, tracked=m is not None)
    except ButterbaseError as exc:
        return Checked(None, explain(exc, doing=f"read the move of {app_id}"), m is not None)
    m = deps.store.get_migration(migration_id)  # fresh after the await
    history = deps.store.step_history(migration_id) if m is not None else []
    ref = m.short_id if m is not None else migration_id
    why = refusal(status, app_id=app_id, ref=ref, cutover_at=cutover_time(status, m, history))
    return Checked(status, why, tracked=m is not None)


def _audit(
    deps: Deps, action: str, *, user: str, app_id: str, migration_id: str, **detail: object
) -> None:
    deps.store.audit(
        AuditEntry(
            at=deps.clock.now(),
            actor=user,
            action=action,
            migration_id=migration_id,
            app_id=app_id,
            detail={k: v for k, v in detail.items() if v is not None},
        )
    )


async def abort(deps: Deps, *, app_id: str, migration_id: str, user: str, channel: str) -> str:
    """Abort the migration if the rules allow; the private answer for `user`.

    On success the thread says who aborted, the tracker polls at once (card and
    thread update), and then checks the app: writes left paused are reported in the
    thread with the on-call ping, once, by the tracker's own check.
    """
    checked = await check(deps, app_id=app_id, migration_id=migration_id)
    status = checked.status
    if status is None or checked.refusal is not None:
        assert checked.refusal is not None
        _audit(
            deps,
            "abort.refused",
            user=user,
            app_id=app_id,
            migration_id=migration_id,
            step=status.current_step if status else None,
        )
        return checked.refusal
    short = migration_id[:8]
    now = deps.clock.now()
    if deps.store.seen_delivery(f"abort:{migration_id}:{int(now.timestamp() // GUARD_SECONDS)}"):
        return (
            f"An abort of `{short}` was asked for moments ago; its card shows the outcome. "
            "Nothing more was done."
        )
    if not checked.tracked:
        adopt(deps, status, app_id=app_id, channel=channel, user=user)
    try:
        await deps.butterbase.abort(app_id, migration_id)
    except Conflict as exc:
        again = await check(deps, app_id=app_id, migration_id=migration_id)
        _audit(
            deps,
            "abort.refused",
            user=user,
            app_id=app_id,
            migration_id=migration_id,
            error=exc.error,
        )
        return again.refusal or explain(exc, doing=f"abort the move of {app_id}")
    except ButterbaseError as exc:
        _audit(
            deps,
            "abort.failed",
            user=user,
            app_id=app_id,
            migration_id=migration_id,
            error=str(exc),
        )
        return explain(exc, doing=f"abort the move of {app_id}")
    _told(deps, migration_id, user=user, step=status.current_step)
    await deps.tracker.poll_now(migration_id)  # sees `aborted`: card, thread, milestone
    await deps.tracker.poll_now(migration_id)  # now terminal: the tracker checks the app
    deps.outbox.wake()
    return (
        f"Aborted the move of {app_id} (`{short}`) at {hhmm(now)}. The card and its thread "
        "show what follows."
    )


def _told(deps: Deps, migration_id: str, *, user: str, step: str) -> None:
    """Audit the abort and say in the thread who asked for it, in one transaction."""
    m = deps.store.get_migration(migration_id)
    if m is None:
        return
    now = deps.clock.now()
    text = f":octagonal_sign: <@{user}> aborted the move at {hhmm(now)} (it was at {steps.label(step)})."
    deps.store.apply(
        outbox=[reply_item(m, Reply(text, key="abort-by"), now)],
        audit=[
            AuditEntry(
                at=now,
                actor=user,
                action="abort.done",
                migration_id=migration_id,
                app_id=m.app_id,
                detail={"step": step, "channel": m.channel_id},
            )
        ],
    )
