"""The summary a move's thread ends with: who, what was decided, each step's time, the
end. Pure; plain words (no internal codes, no `*` or backticks)."""

from __future__ import annotations

from datetime import datetime

from bot.render.text import escape, mentions
from bot.replies import fast_reverse, headline, hhmm, label, short_error
from bot.settings import format_duration
from storage.records import Approval, StepRecord, TrackedMigration

_UNOBSERVED = "done_unobserved"


def decision_line(a: Approval) -> str:
    """`Reverse asked by <@R>: denied by <@D>.` — who asked and what became of it."""
    asked = f"{a.kind.capitalize()} asked by <@{a.requester}>"
    approved = f"approved by {mentions(a.approvers)}" if a.approvers else ""
    deniers = [d.user for d in a.decisions if d.decision == "deny"]
    reason = f" ({short_error(a.reason, 120)})" if a.reason else ""
    if a.status == "denied":
        outcome = f"denied by {mentions(deniers)}" if deniers else "denied"
    elif a.status == "executed":
        outcome = f"{approved}; carried out"
    elif a.status == "executing":
        outcome = f"{approved}; running"
    elif a.status == "failed":
        outcome = f"{approved}; Butterbase did not do it{reason}"
    elif a.status == "expired":
        outcome = (
            f"expired with {len(a.approvers)} of {a.required} approvals"
            if a.approvers
            else "expired before anyone approved"
        )
    elif a.status == "voided":
        outcome = f"cancelled: the move changed since it was asked{reason}"
    else:
        outcome = f"waiting for approval ({len(a.approvers)} of {a.required})"
    return f"{asked}: {outcome}."


def _group(records: list[StepRecord]) -> str:
    """Steps passed between two checks, as one item: their time is only known together."""
    first, last = records[0], records[-1]
    names = label(first.step) if len(records) == 1 else f"{label(first.step)} → {label(last.step)}"
    if last.ended_at is None:
        return f"{names} (between two checks)"
    took = format_duration(max(0.0, (last.ended_at - first.started_at).total_seconds()))
    together = "" if len(records) == 1 else " together"
    return f"{names}: {took}{together}"


def step_times(history: list[StepRecord]) -> list[str]:
    """`Requested 30s`, and each run of steps passed between two checks as one item."""
    items: list[str] = []
    run: list[StepRecord] = []
    for record in history:
        if record.outcome == _UNOBSERVED:
            run.append(record)
            continue
        if run:
            items.append(_group(run))
            run = []
        if record.ended_at is not None and record.outcome == "done":
            took = format_duration((record.ended_at - record.started_at).total_seconds())
            items.append(f"{label(record.step)} {took}")
    if run:
        items.append(_group(run))
    return items


def summary_text(
    m: TrackedMigration,
    history: list[StepRecord],
    approvals: list[Approval],
    *,
    now: datetime,
    fast: bool = False,
    aborted_by: str | None = None,
) -> str:
    lines = [f"Summary · {headline(m)}"]
    who = f"<@{m.requester}>" if m.requester else "someone outside Slack"
    kind = "Reverse" if m.kind == "reverse" else "Move"
    lines.append(f"{kind} started by {who} at {hhmm(m.created_at)}.")
    lines += [decision_line(a) for a in approvals]
    timed = step_times(history)
    if fast:
        lines.append(f"A fast reverse: {fast_reverse(m)}")
    elif timed:
        lines.append("Steps: " + " · ".join(timed))
    total = format_duration((now - m.created_at).total_seconds())
    lines.append(f"Final state: {label(m.current_step)} at {hhmm(now)} ({total} in all).")
    if m.current_step == "aborted" and m.last_error == "user_requested":
        by = f" by <@{escape(aborted_by)}>" if aborted_by else ""
        lines.append(f"Aborted on request{by}.")
    elif m.last_error and m.current_step != "completed":
        lines.append(f"Last error: {short_error(m.last_error)}")
    return "\n".join(lines)
