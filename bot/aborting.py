"""Abort: the bot's own rules, and the abort itself.

Shared by `/abort`'s confirmation button and the card's Abort button. The server
answers 200 to an abort of a `failed`, `aborted` or `aborting` migration and runs no
compensation (shared/butterbase-api.md, "What the server does not protect"), so the
bot decides from a fresh read and its own step model, and never asks the server
unless the migration is running and before cutover.

Exactly once, however many clicks and whenever they come: once a read says abort is
possible, the abort is claimed under a key made of the migration id and the number
of earlier claims that ended without a successful call (each audited
`abort.refused` or `abort.failed` with `claim: true`), the migration is read again, and only then is
the server asked. A second click while a claim stands asks nothing; a refused or
failed attempt frees the next one.
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

# audited (with `claim: true`) when an attempt that held the claim ends without a
# successful call: each frees the next claim
RELEASING = ("abort.refused", "abort.failed")
# longer than any abort call can take, retries and reconciling reads included
STALE_CLAIM_SECONDS = 300


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
    if not step or not step.strip():
        return (
            f"{name} has no current step in Butterbase's answer, so the bot won't risk an "
            "abort: check the Butterbase dashboard. Nothing was done."
        )
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
            None, f"Move `{m.short_id}` belongs to {m.app_id}, not {app_id}. Nothing was done."
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


def _claim(deps: Deps, migration_id: str, *, user: str, app_id: str) -> bool:
    """Claim the abort of `migration_id`; False when an earlier claim still stands.

    Synchronous (nothing else runs between the count and the claim); keyed on the
    intent, not on the time, so two clicks are one abort whatever the clock says. A
    claim left with no outcome for `STALE_CLAIM_SECONDS` (the bot stopped during the
    call) is closed as failed, so that a click after a restart is not refused for long.
    """
    entries = deps.store.audit_log(migration_id=migration_id, limit=10_000)
    ended = sum(1 for e in entries if e.action in RELEASING and e.detail.get("claim"))
    now = deps.clock.now()
    if not deps.store.seen_delivery(f"abort:{migration_id}:{ended}"):
        _audit(deps, "abort.claimed", user=user, app_id=app_id, migration_id=migration_id)
        return True
    claimed = [e.at for e in entries if e.action == "abort.claimed"]
    if claimed and (now - claimed[-1]).total_seconds() < STALE_CLAIM_SECONDS:
        return False
    error = "no outcome recorded (the bot stopped during the call?)"
    _audit(
        deps,
        "abort.failed",
        user="bot",
        app_id=app_id,
        migration_id=migration_id,
        error=error,
        claim=True,
    )
    return _claim(deps, migration_id, user=user, app_id=app_id)


async def abort(deps: Deps, *, app_id: str, migration_id: str, user: str, channel: str) -> str:
    """Abort the migration if the rules allow; the private answer for `user`.

    At most one call to Butterbase per abort, however many clicks (see the module's
    docstring); the migration is read just before it. On success the thread says who
    aborted, the tracker polls at once (card and thread update), and then checks the
    app: writes left paused are reported in the thread with the on-call ping, once,
    by the tracker's own check.
    """
    short = migration_id[:8]

    def audit(action: str, **detail: object) -> None:
        _audit(deps, action, user=user, app_id=app_id, migration_id=migration_id, **detail)

    checked = await check(deps, app_id=app_id, migration_id=migration_id)
    claim: bool | None = None  # in the audit: this attempt held the claim, and frees it
    if checked.refusal is None:
        if not _claim(deps, migration_id, user=user, app_id=app_id):
            return (
                f"An abort of `{short}` was asked for moments ago; its card shows the outcome. "
                "Nothing more was done."
            )
        claim = True
        checked = await check(deps, app_id=app_id, migration_id=migration_id)  # just before
    status = checked.status
    if status is None or checked.refusal is not None or not steps.may_abort(status.current_step):
        audit("abort.refused", step=status.current_step if status else None, claim=claim)
        return checked.refusal or "Nothing was done."
    if not checked.tracked:
        adopt(deps, status, app_id=app_id, channel=channel, user=user)
    try:
        await deps.butterbase.abort(app_id, migration_id)
    except Conflict as exc:
        audit("abort.refused", error=exc.error, claim=True)
        again = await check(deps, app_id=app_id, migration_id=migration_id)
        return again.refusal or explain(exc, doing=f"abort the move of {app_id}")
    except Exception as exc:  # frees the claim: a later click may try again
        known = isinstance(exc, ButterbaseError)
        audit("abort.failed", error=str(exc) if known else type(exc).__name__, claim=True)
        if not isinstance(exc, ButterbaseError):
            raise
        return explain(exc, doing=f"abort the move of {app_id}")
    now = deps.clock.now()
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
