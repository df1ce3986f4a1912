"""The status card: one per migration, updated in place as the saga moves."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from slack_sdk.models.blocks import Block, ButtonElement

from bot import ids, steps
from bot.render.abort import abort_confirm
from bot.render.blocks import (
    Message,
    actions,
    button,
    context,
    header,
    lines_section,
    message,
)
from bot.render.checklist import DONE, checklist_lines, progress_lines, step_label
from bot.render.text import (
    clip,
    escape,
    est_cost,
    hhmm,
    hhmmss,
    mention,
    mentions,
    plain,
    truncate,
)
from bot.replica_rules import blocker, store_target, superseded_note
from storage.records import OPEN_APPROVAL_STATUSES, Approval, StepRecord, TrackedMigration

MAX_RETRIES = 5  # the server retries a failing step up to five times
ERROR_CHARS = 600
_REPLICA_ACTIONS = (ids.REQUEST_REVERSE, ids.REQUEST_TEARDOWN)
_ENDINGS = {
    "completed": "Completed",
    "aborted": "Aborted",
    "failed": "Failed — needs manual review",
}


def reversed_words(m: TrackedMigration, reverse: TrackedMigration | None) -> str | None:
    """A completed move's state once a reverse of it started (None: no reverse)."""
    if not m.reversed_by or m.current_step != "completed":
        return None
    back = (reverse.dest_region if reverse else None) or m.source_region or "the source"
    if reverse is None:
        return f"Completed · reverse to {back} started"
    if reverse.current_step == "completed":
        return f"Reversed: back in {back}"
    if reverse.current_step == "failed":
        return f"Completed, then its reverse to {back} failed: check where it is served"
    if reverse.current_step == "aborted":
        return "Completed (its reverse was aborted)"
    return f"Completed · reversing to {back}"


def state_words(m: TrackedMigration, reverse: TrackedMigration | None = None) -> str:
    """`Restoring data (step 5 of 13)`, `Completed`, `Failed — needs manual review`,
    `Reversed: back in us-east-1` (`reverse`: the reverse of `m`, when known)."""
    current = m.current_step
    reversed_ = reversed_words(m, reverse)
    if reversed_:
        return reversed_
    if current in _ENDINGS:
        return _ENDINGS[current]
    where = steps.position(current)
    label = truncate(steps.label(current), 80)
    return f"{label} (step {where[0]} of {where[1]})" if where else label


def route(m: TrackedMigration) -> str:
    """`us-east-1 → eu-west-1`; a reverse: `back to us-east-1 from eu-central-1`."""
    source, dest = m.source_region or "unknown", m.dest_region or "unknown"
    return f"back to {dest} from {source}" if m.kind == "reverse" else f"{source} → {dest}"


def first_line(m: TrackedMigration, reverse: TrackedMigration | None = None) -> str:
    """`app-42 · us-east-1 → eu-west-1 · Restoring data (step 5 of 13)` (not escaped)."""
    return f"{m.app_id} · {route(m)} · {state_words(m, reverse)}"


def _flip_time(m: TrackedMigration, history: list[StepRecord]) -> datetime | None:
    if m.flipped_at is not None:
        return m.flipped_at
    for r in history:
        if r.step == steps.CUTOVER and r.ended_at is not None and r.outcome in (None, "done"):
            return r.ended_at
    after = [r.started_at for r in history if r.step == "setting_up_reverse_replication"]
    return min(after) if after else None


def _paused_since(m: TrackedMigration, history: list[StepRecord]) -> datetime | None:
    starts = [r.started_at for r in history if r.step == "blocking_writes"]
    if starts:
        return max(starts)
    return m.step_started_at if m.current_step == "blocking_writes" else None


def phase_lines(
    m: TrackedMigration,
    history: list[StepRecord],
    *,
    replica_cost: float | None,
    app_writes_paused: bool | None,
    reverse: TrackedMigration | None = None,
) -> list[str]:
    """Writes, traffic and replica, in plain words."""
    current, app = m.current_step, escape(m.app_id)
    source, dest = (
        escape(m.source_region or "the source"),
        escape(m.dest_region or "the destination"),
    )
    lines: list[str] = []
    paused = m.writes_paused_after_abort if app_writes_paused is None else app_writes_paused
    if steps.is_terminal(current) and paused:
        lines.append(alert_writes_paused(m))
    if m.not_found:
        lines.append(
            ":grey_question: Butterbase no longer knows this move (404): the bot stopped "
            f"following it. `/migration-status {app}` shows what runs now"
        )
    if steps.writes_paused(current):
        since = _paused_since(m, history)
        lines.append(
            f":double_vertical_bar: Writes paused{f' since {hhmm(since)}' if since else ''}"
        )
    elif app_writes_paused and not steps.is_terminal(current):
        lines.append(
            ":double_vertical_bar: Writes paused (Butterbase reports the app as migrating)"
        )
    flipped = _flip_time(m, history)
    if current == steps.CUTOVER and m.flipped_at is None:
        lines.append(
            f":twisted_rightwards_arrows: Cutover in progress: traffic is moving to {dest}"
        )
    elif flipped is not None:
        lines.append(f":twisted_rightwards_arrows: Traffic moved to {dest} at {hhmm(flipped)}")
    elif current == "failed":
        lines.append(
            ":grey_question: Failed during cutover: routing may have flipped in part. The "
            "thread says where Butterbase showed the app; check before acting"
        )
    elif steps.is_past_cutover(current):
        lines.append(f":twisted_rightwards_arrows: Traffic moved to {dest}")
    elif current in ("aborting", "aborted"):
        lines.append(f":house: The app stays in {source}")
    elif steps.may_abort(current):
        lines.append(f":house: Still served from {source} until cutover")
    if m.reversed_by:
        lines.append(reversed_line(m, reverse))
    elif m.replica_state == "replicating":
        lines.append(f":floppy_disk: Replica kept in {source} ({est_cost(replica_cost)})")
    if m.replica_state == "torn_down":
        at = f" at {hhmm(m.torn_down_at)}" if m.torn_down_at else ""
        lines.append(f":wastebasket: Replica torn down{at}")
    elif m.replica_state == "none":
        lines.append(":no_entry_sign: No replica kept: reverse is not possible")
    return lines


def reversed_line(m: TrackedMigration, reverse: TrackedMigration | None) -> str:
    """On a reversed move's card: which move took the app back, and where it is now."""
    short = escape(m.reversed_by[:8]) if m.reversed_by else "?"
    back = escape((reverse.dest_region if reverse else None) or m.source_region or "the source")
    app = escape(m.app_id)
    if reverse is not None and reverse.current_step == "completed":
        at = reverse.completed_at or reverse.flipped_at
        when = f" at {hhmm(at)}" if at else ""
        return (
            f":leftwards_arrow_with_hook: Reversed{when} by move {short}: {app} is back in {back}"
        )
    return f":leftwards_arrow_with_hook: Reverse to {back} started: move {short} (its card is in the thread)"


def alert_writes_paused(m: TrackedMigration) -> str:
    """Writes stayed paused after the move ended: said until the app is ready again."""
    after = {"aborted": "the abort", "failed": "the failure"}.get(m.current_step, "the move")
    return (
        f":warning: Writes still paused on {escape(m.app_id)} after {after}: Butterbase "
        "reports it migrating, so writes answer 503 until Butterbase unpauses them"
    )


def error_lines(m: TrackedMigration) -> list[str]:
    """The retry in progress, or why the move ended."""
    current = m.current_step
    error = clip(m.last_error, ERROR_CHARS) if m.last_error else None
    if error and m.retry_count > 0 and not steps.is_terminal(current):
        attempt = f"attempt {m.retry_count} of {max(MAX_RETRIES, m.retry_count)}"
        return [f":repeat: Retrying {step_label(current)} ({attempt}): {error}"]
    if current == "failed":
        return [f":rotating_light: Needs manual review. Last error: {error or 'none reported'}"]
    if current == "aborting":
        return [f":rewind: Butterbase is undoing the move. Last error: {error or 'none reported'}"]
    if current == "aborted":
        if m.last_error == "user_requested":
            return [":octagonal_sign: Aborted on request."]
        if error:
            return [f":octagonal_sign: Aborted after repeated errors. Last error: {error}"]
    return []


def approval_lines(m: TrackedMigration, approvals: Sequence[Approval]) -> list[str]:
    lines = []
    for a in approvals:
        if a.migration_id != m.migration_id or a.status not in OPEN_APPROVAL_STATUSES:
            continue
        kind = a.kind.capitalize()
        if a.status == "executing":
            lines.append(f":hourglass: {kind} approved by {mentions(a.approvers)} — running…")
        else:
            waiting = f"waiting for approval ({len(a.approvers)} of {a.required})"
            lines.append(f":raised_hand: {kind} requested by {mention(a.requester)} — {waiting}")
    return lines


def fast_reverse_lines(m: TrackedMigration) -> list[str]:
    """A fast reverse ran no step: what happened instead of a checklist."""
    at = m.flipped_at or m.completed_at
    when = f" at {hhmm(at)}" if at else ""
    back, old = escape(m.dest_region or "the source"), escape(m.source_region or "the destination")
    return [
        f"{DONE} Reversed{when}: traffic switched back to {back} at once (no step ran)",
        f":leftwards_arrow_with_hook: The replica in {back} was promoted: it is the app's "
        "database again",
        f":no_entry_sign: {old} no longer serves the app; no replica is kept there",
    ]


def card_body(
    m: TrackedMigration,
    history: list[StepRecord],
    *,
    now: datetime,
    expected: Mapping[str, float],
    approvals: Sequence[Approval],
    replica_cost: float | None,
    app_writes_paused: bool | None,
    fast_reverse: bool = False,
    reverse: TrackedMigration | None = None,
    full_steps: bool = False,
    eta: str | None = None,
) -> tuple[str, list[Block]]:
    """The card without its buttons: (fallback text, blocks). `fast_reverse`: a reverse
    Butterbase created completed, told as what happened, not as steps done. `reverse`:
    the reverse of `m`, when one started. `full_steps`: one line per step (the private
    status); the card shows where the move is in two lines, every step is in its thread."""
    first = first_line(m, reverse)
    if fast_reverse and m.current_step == "completed":
        first = f"{first} · Reversed fast"
        status = fast_reverse_lines(m)
        checklist: list[str] = []
    else:
        status = phase_lines(
            m,
            history,
            replica_cost=replica_cost,
            app_writes_paused=app_writes_paused,
            reverse=reverse,
        )
        show = checklist_lines if full_steps else progress_lines
        checklist = show(m, history, now=now, expected=expected)
        if eta and not steps.is_terminal(m.current_step):  # learned from watched moves
            checklist.append(f":hourglass_flowing_sand: Expected: {escape(eta)}")
    errors = error_lines(m)
    blocks: list[Block] = [header(first)]
    if checklist:
        blocks.append(lines_section(checklist))
    if status or errors:
        blocks.append(lines_section([*status, *errors]))
    pending = approval_lines(m, approvals)
    if pending:
        blocks.append(lines_section(pending))
    who = mention(m.requester) if m.requester and not m.adopted else "started outside Slack"
    where = "" if full_steps else "every step in the thread"
    blocks.append(context(who, f"`{escape(m.short_id)}`", f"updated {hhmmss(now)}", where))
    alerts = [
        line
        for line in [*status, *errors]
        if line.startswith((":warning:", ":repeat:", ":rotating_light:"))
    ]
    text = "\n".join(plain(line) for line in [escape(first), *alerts])
    return text, blocks


def card_buttons(
    m: TrackedMigration,
    approvals: Sequence[Approval],
    *,
    followable: bool,
    app_moves: Sequence[TrackedMigration] = (),
) -> list[ButtonElement]:
    """The card's buttons. "Request reverse/teardown" only where the one rule
    (`bot.replica_rules.blocker`) allows them, judged on what the store knows of the
    app's migrations (`app_moves`): no reverse of a move a later one superseded."""
    current, value = m.current_step, m.migration_id
    buttons: list[ButtonElement] = []
    if steps.may_abort(current) and not m.not_found:
        ask = abort_confirm(m.app_id, source=m.source_region, dest=m.dest_region, step=current)
        buttons.append(button("Abort", ids.ABORT, value, style="danger", confirm=ask))
    open_kinds = {
        a.kind
        for a in approvals
        if a.migration_id == m.migration_id and a.status in OPEN_APPROVAL_STATUSES
    }
    judged = store_target(m, app_moves)
    if not m.not_found:
        if "reverse" not in open_kinds and blocker("reverse", judged) is None:
            buttons.append(button("Request reverse", ids.REQUEST_REVERSE, value))
        if "teardown" not in open_kinds and blocker("teardown", judged) is None:
            buttons.append(button("Request teardown", ids.REQUEST_TEARDOWN, value))
    buttons.append(button("Refresh", ids.REFRESH, value))
    if followable:
        buttons.append(button("Follow here", ids.FOLLOW, value))
    return buttons


def render_card(
    m: TrackedMigration,
    history: list[StepRecord],
    *,
    now: datetime,
    expected: Mapping[str, float],
    approvals: Sequence[Approval] = (),
    replica_cost: float | None = None,
    app_writes_paused: bool | None = None,
    followable: bool = False,
    fast_reverse: bool = False,
    app_moves: Sequence[TrackedMigration] = (),
    eta: str | None = None,
) -> Message:
    """The status card, with the buttons that fit the phase and only those. `eta`: how
    long is left, as `bot.polling.eta_text` says once enough moves were watched."""
    reverse = next((r for r in app_moves if r.migration_id == m.reversed_by), None)
    text, blocks = card_body(
        m,
        history,
        now=now,
        expected=expected,
        approvals=approvals,
        replica_cost=replica_cost if replica_cost is not None else m.replica_cost,
        app_writes_paused=app_writes_paused,
        fast_reverse=fast_reverse,
        reverse=reverse if m.reversed_by else None,
        eta=eta,
    )
    block_id = ids.versioned_block_id(ids.CARD_ACTIONS, m.migration_id, m.card_version)
    buttons = card_buttons(m, approvals, followable=followable, app_moves=app_moves)
    note = superseded_note(m, app_moves)
    if note:  # why an older move's card has no "Request reverse"
        blocks.append(context(f":no_entry: {clip(note, 500)}"))
    if fast_reverse:  # its old destination is not a retained replica: nothing to reverse
        buttons = [b for b in buttons if b.action_id not in _REPLICA_ACTIONS]
    blocks.append(actions(buttons, block_id=block_id))
    return message(text, blocks)
