"""Approval request cards (reverse, teardown), their closed forms, and the teardown modal."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block, InputBlock, PlainTextInputElement
from slack_sdk.models.views import View

from bot import ids
from bot.render.blocks import (
    Message,
    actions,
    button,
    confirm,
    context,
    lines_section,
    message,
    section,
)
from bot.render.card import state_words
from bot.render.text import (
    age,
    clip,
    day_time,
    escape,
    est_cost,
    hhmm,
    hhmmss,
    mention,
    mentions,
    seconds_between,
    truncate,
)
from storage.records import Approval, TrackedMigration

ERROR_CHARS = 300


def _region(a: Approval, migration: TrackedMigration | None, key: str) -> str:
    value = getattr(migration, key, None) if migration is not None else None
    value = value or a.snapshot.get(key)
    return (
        str(value)
        if value
        else ("the source region" if key == "source_region" else "the destination")
    )


def subject(a: Approval, migration: TrackedMigration | None) -> str:
    """`teardown of app-42's replica in us-east-1` / `reverse of app-42 to us-east-1` (escaped)."""
    app, source = escape(a.app_id), escape(_region(a, migration, "source_region"))
    if a.kind == "teardown":
        return f"teardown of {app}'s replica in {source}"
    return f"reverse of {app} to {source}"


def _replica_retained(a: Approval, migration: TrackedMigration | None) -> bool:
    state = migration.replica_state if migration is not None else a.snapshot.get("replica_state")
    return state == "replicating"


def consequences(
    a: Approval, migration: TrackedMigration | None, replica_cost: float | None
) -> str:
    app, source = escape(a.app_id), escape(_region(a, migration, "source_region"))
    if a.kind == "teardown":
        saves = (
            f"Saves {est_cost(replica_cost)}."
            if replica_cost is not None
            else "Saves an unknown amount (est. cost unknown)."
        )
        return (
            f"Deletes the source replica in {source}. {saves} "
            "Reverse will no longer be possible. This cannot be undone."
        )
    if _replica_retained(a, migration):
        how = "Replica retained: yes (fast path: traffic switches back almost at once)."
    else:
        how = "Replica retained: no (slow path: a full move back, with writes paused during it)."
    return f"Moves {app} back to {source}. {how}"


def _migration_line(
    a: Approval, migration: TrackedMigration | None, healthy_for: float | None
) -> list[str]:
    if migration is None:
        return [f"*Migration* {escape(a.migration_id[:8])}: not known to the bot"]
    line = f"*Migration* {escape(migration.short_id)}: "
    if migration.current_step == "completed" and migration.completed_at is not None:
        line += f"completed at {hhmm(migration.completed_at)}"
    else:
        line += escape(state_words(migration))
    dest = escape(_region(a, migration, "dest_region"))
    health = f"healthy for {age(healthy_for)}" if healthy_for is not None else "health not known"
    lines = [f"{line} · destination {dest} {health}"]
    if migration.last_error:
        lines.append(f"*Last error* {clip(migration.last_error, ERROR_CHARS)}")
    return lines


def render_approval_request(
    a: Approval,
    *,
    now: datetime,
    approver_mentions: str,
    migration: TrackedMigration | None,
    replica_cost: float | None,
    healthy_for_seconds: float | None,
) -> Message:
    """A pending request: everything needed to decide, and Approve / Deny."""
    what = subject(a, migration)
    first = f"Approval needed: {what} — requested by {mention(a.requester)}"
    left = seconds_between(now, a.expires_at)
    expiry = f"in {age(left)}" if left > 0 else "overdue"
    so_far = f"{len(a.approvers)} of {a.required} approvals" + (
        f": {mentions(a.approvers)}" if a.approvers else " so far"
    )
    details = [
        f"*Asked by* {mention(a.requester)} at {hhmm(a.requested_at)} ({age(seconds_between(a.requested_at, now))} ago)",
        *_migration_line(a, migration, healthy_for_seconds),
        f"*Expires* at {day_time(a.expires_at, now)} ({expiry})",
        f"*Approvals* {so_far}",
    ]
    if approver_mentions:
        details.append(f"*Approvers* {approver_mentions}")
    source = _region(a, migration, "source_region")
    deny_ask = confirm(
        f"Deny this {a.kind}?",
        f"The request is closed and nothing changes. {mention(a.requester)} can ask again.",
        yes="Deny",
        no="Back",
    )
    approve_ask = None
    if a.kind == "reverse":
        approve_ask = confirm(
            f"Reverse {a.app_id} to {source}?",
            consequences(a, migration, None),
            yes="Reverse",
        )
    buttons = [
        button("Approve", ids.APPROVE, a.approval_id, style="primary", confirm=approve_ask),
        button("Deny", ids.DENY, a.approval_id, style="danger", confirm=deny_ask),
    ]
    block_id = ids.versioned_block_id(ids.APPROVAL_ACTIONS, a.approval_id, a.card_version)
    blocks: list[Block] = [
        section(f"*{first}*"),
        section(f":warning: {consequences(a, migration, replica_cost)}"),
        lines_section(details),
        actions(buttons, block_id=block_id),
        context(f"request {escape(a.approval_id[:8])}", f"updated {hhmmss(now)}"),
    ]
    text = first + (f" · {approver_mentions}" if approver_mentions else "")
    return message(text, blocks)


def _approved(a: Approval) -> str:
    times = [d.at for d in a.decisions if d.decision == "approve"]
    when = f" at {hhmm(max(times))}" if times else ""
    return f"Approved by {mentions(a.approvers) or 'nobody'}{when}"


def _result_line(a: Approval, migration: TrackedMigration | None) -> str:
    if a.kind == "teardown":
        return "teardown done: replica torn down"
    result: dict[str, Any] = a.result
    new_id = result.get("migration_id") or result.get("migrationId")
    if not new_id and migration is not None:
        new_id = migration.reversed_by
    path = result.get("path")
    how = f" ({escape(str(path))} path)" if path else ""
    return f"reverse started: {escape(str(new_id)[:8]) if new_id else 'id not reported'}{how}"


def outcome(a: Approval, migration: TrackedMigration | None) -> str:
    """What became of a request, in one line (escaped)."""
    reason = clip(a.reason, ERROR_CHARS, keep_mentions=True) if a.reason else None
    deniers = [d for d in a.decisions if d.decision == "deny"]
    if a.status == "pending":
        return f"waiting for approval ({len(a.approvers)} of {a.required})"
    if a.status == "executing":
        return f"{_approved(a)} — running…"
    if a.status == "executed":
        return f"{_approved(a)} · {_result_line(a, migration)}"
    if a.status == "denied":
        who = mentions(d.user for d in deniers) or "an approver"
        when = (
            f" at {hhmm(deniers[-1].at)}"
            if deniers
            else (f" at {hhmm(a.closed_at)}" if a.closed_at else "")
        )
        return f"Denied by {who}{when}" + (f": {reason}" if reason else "")
    if a.status == "expired":
        return f"Expired at {day_time(a.expires_at, a.requested_at)} — no decision was made"
    if a.status == "voided":
        return f"Voided: {reason or 'the state it was asked in changed'}"
    if a.result.get("refused") is False:  # not a refusal: 5xx, timeout, or the state unreadable
        return f"{_approved(a)} but it failed: {reason or 'no reason given'}"
    return f"{_approved(a)} but Butterbase refused: {reason or 'no reason given'}"


def render_approval_closed(
    a: Approval, *, now: datetime, migration: TrackedMigration | None
) -> Message:
    """A request that is no longer waiting: what became of it, no buttons."""
    what = subject(a, migration)
    first = f"{what[0].upper()}{what[1:]}: {outcome(a, migration)}"
    asked = f"Requested by {mention(a.requester)} at {hhmm(a.requested_at)}."
    blocks: list[Block] = [
        section(f"*{first}*"),
        section(asked),
        context(f"request {escape(a.approval_id[:8])}", f"updated {hhmmss(now)}"),
    ]
    return message(first, blocks)


def render_teardown_modal(
    a: Approval, *, replica_cost: float | None, source_region: str
) -> dict[str, Any]:
    """The confirmation an approver fills in before a teardown: type the app id."""
    app, source = escape(a.app_id), escape(source_region)
    saves = (
        f"Saves {est_cost(replica_cost)}." if replica_cost is not None else "Cost saved: unknown."
    )
    view = View(
        type="modal",
        callback_id=ids.TEARDOWN_CONFIRM_VIEW,
        private_metadata=a.approval_id,
        title="Confirm teardown",
        submit="Tear down",
        close="Cancel",
        blocks=[
            section(
                f":warning: This deletes the source replica of *{app}* in *{source}*. {saves} "
                f"Reverse to {source} will no longer be possible. *This cannot be undone.*"
            ),
            InputBlock(
                block_id=ids.TEARDOWN_CONFIRM_BLOCK,
                label=f"Type {a.app_id} to confirm",
                element=PlainTextInputElement(
                    action_id=ids.TEARDOWN_CONFIRM_INPUT, placeholder=truncate(a.app_id, 150)
                ),
            ),
        ],
    )
    return view.to_dict()
