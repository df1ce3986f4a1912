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
    plain,
    seconds_between,
    truncate,
)
from bot.request_reason import MAX_REASON, request_reason
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
            f"Deletes the replica in {source}. {saves} "
            "Reverse will no longer be possible. This cannot be undone."
        )
    if _replica_retained(a, migration):
        how = "Replica kept: yes (fast path: traffic switches back almost at once)."
    else:
        how = "Replica kept: no (slow path: a full move back, with writes paused during it)."
    return f"Moves {app} back to {source}. {how}"


def question(a: Approval, migration: TrackedMigration | None) -> str:
    """`Approve reverse of blog to us-east-1?` (escaped)."""
    return f"Approve {subject(a, migration)}?"


def _served(a: Approval, m: TrackedMigration, now: datetime) -> str:
    """How long the destination has served the app (a completion time, not a health check)."""
    dest, app = escape(_region(a, m, "dest_region")), escape(a.app_id)
    if m.completed_at is None:
        return f"*Destination* {dest}: move {escape(m.short_id)} is {escape(state_words(m))}"
    since = age(seconds_between(m.completed_at, now))
    return f"*Destination* {dest} has served {app} since {day_time(m.completed_at, now)} ({since})"


def _lost(
    a: Approval, m: TrackedMigration | None, replica_cost: float | None, now: datetime
) -> str:
    """Exactly what the approval gives up (escaped)."""
    app, source = escape(a.app_id), escape(_region(a, m, "source_region"))
    dest = escape(_region(a, m, "dest_region"))
    done = m.completed_at if m is not None else None
    since = f" since {day_time(done, now)}" if done is not None else ""
    if a.kind == "teardown":
        return (
            f"*Lost* the replica in {source} (it has every write made in {dest}{since}); "
            f"reverse to {source} no longer possible. Saves {est_cost(replica_cost)}. "
            "Cannot be undone."
        )
    if _replica_retained(a, m):
        return (
            f"*Lost* no writes: the replica in {source} has every write made in {dest}{since}. "
            f"{app} is served from {source} again at once."
        )
    return (
        f"*Lost* no writes, but no replica is kept in {source}: a full move back, "
        f"writes paused (503) while it runs."
    )


def _tally(a: Approval, approver_mentions: str) -> str:
    line = f"*Approvals* {len(a.approvers)} of {a.required}"
    if a.approvers:
        line += f" ({mentions(a.approvers)})"
    return line + (f" · approvers: {approver_mentions}" if approver_mentions else "")


def render_approval_request(
    a: Approval,
    *,
    now: datetime,
    approver_mentions: str,
    migration: TrackedMigration | None,
    replica_cost: float | None,
) -> Message:
    """A pending request: the question and who asked, the reason, how long the
    destination has served (from its completion: the bot checks no health, so it claims
    none), what is lost, the approvals and the expiry; Approve / Deny."""
    ask = question(a, migration)
    reason = request_reason(a)
    left = seconds_between(now, a.expires_at)
    expiry = f"in {age(left)}" if left > 0 else "overdue"
    expires = f"{day_time(a.expires_at, now)} ({expiry})"
    lines = [f"*Reason* {clip(reason, MAX_REASON)}" if reason else "*Reason* none given"]
    if migration is None:
        lines.append(f"*Move* {escape(a.migration_id[:8])}: not known to the bot")
    else:
        lines.append(_served(a, migration, now))
    lines.append(_lost(a, migration, replica_cost, now))
    if migration is not None and migration.last_error:
        lines.append(f"*Last error* {clip(migration.last_error, ERROR_CHARS)}")
    lines += [_tally(a, approver_mentions), f"*Expires* {expires}"]
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
        section(f"*{ask}* Asked by {mention(a.requester)}"),
        lines_section(lines),
        actions(buttons, block_id=block_id),
        context(f"request {escape(a.approval_id[:8])}", f"updated {hhmmss(now)}"),
    ]
    said = f" Reason: {truncate(escape(reason), 150)}." if reason else ""
    people = mention(a.requester) + (f" · {approver_mentions}" if approver_mentions else "")
    text = f"{ask}{said} Expires {expires}. Asked by {people}"
    return message(plain(text), blocks)


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
                f":warning: This deletes the replica of *{app}* in *{source}*. {saves} "
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


def render_reason_modal(kind: str, *, app_id: str, metadata: str) -> dict[str, Any]:
    """ "Request reverse/teardown": the request in one line and an optional reason
    (`metadata`: what the submission needs to make the request, set by the bot)."""
    what = (
        f"a reverse of *{escape(app_id)}*"
        if kind == "reverse"
        else f"a teardown of *{escape(app_id)}*'s replica"
    )
    view = View(
        type="modal",
        callback_id=ids.REQUEST_REASON_VIEW,
        private_metadata=metadata,
        title=f"Request {kind}",
        submit="Ask for approval",
        close="Cancel",
        blocks=[
            section(f"Ask an approver for {what}. Nothing happens until someone approves."),
            InputBlock(
                block_id=ids.REQUEST_REASON_BLOCK,
                label="Why? (optional, the approver reads it)",
                optional=True,
                element=PlainTextInputElement(
                    action_id=ids.REQUEST_REASON_INPUT,
                    multiline=True,
                    max_length=MAX_REASON,
                    placeholder="e.g. latency in eu-west-1 since the move",
                ),
            ),
        ],
    )
    return view.to_dict()
