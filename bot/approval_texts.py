"""What people read about an approval's outcome: the decider's private answer and the
thread's replies. Pure."""

from __future__ import annotations

from bot.approvals import approvals_missing, what
from bot.render.text import day_time, mention, mentions
from storage.records import Approval


def _names(users: list[str]) -> str:
    return mentions(users) or "an approver"


def recorded_message(a: Approval) -> str:
    left = approvals_missing(a)
    more = f"{left} more approval{'s' if left != 1 else ''} from another approver"
    return f"Your approval is recorded ({len(set(a.approvers))} of {a.required}): {more} needed."


def denied_message(a: Approval) -> str:
    return f"You denied {what(a.kind, a.app_id)}. The request is closed and nothing was done."


def executed_message(a: Approval, *, new_migration: str | None, path: str | None) -> str:
    if a.kind == "teardown":
        source = a.snapshot.get("source_region") or "the source region"
        return f"Approved: the source replica of {a.app_id} in {source} is torn down."
    how = f" ({path} path)" if path else ""
    return f"Approved: Butterbase started reverse migration `{(new_migration or '?')[:8]}`{how}; it is followed in the thread."


def voided_message(reason: str) -> str:
    return f"Approved, but the request was voided: {reason}. Nothing was done."


def failed_message(a: Approval, reason: str) -> str:
    return f"Approved, but the {a.kind} failed: {reason}. The thread has the details."


def thread_voided(a: Approval, reason: str) -> str:
    return f":no_entry: The {a.kind} request by {mention(a.requester)} was voided: {reason}. Nothing was done."


def thread_failed(a: Approval, reason: str) -> str:
    return (
        f":x: The {a.kind} approved by {_names(a.approvers)} failed: {reason}. "
        "The request is closed; ask again once the cause is clear."
    )


def thread_reversed(a: Approval, new_migration: str, path: str) -> str:
    back = a.snapshot.get("source_region") or "its source region"
    speed = (
        "fast path: traffic switches back at once"
        if path == "fast"
        else "slow path: a whole move back"
    )
    return (
        f":leftwards_arrow_with_hook: Reverse of {a.app_id} to {back} approved by "
        f"{_names(a.approvers)}: Butterbase started reverse migration `{new_migration[:8]}` "
        f"({speed}). Its card and steps follow in this thread."
    )


def thread_torn_down(a: Approval) -> str:
    source = a.snapshot.get("source_region") or "the source region"
    return (
        f":wastebasket: Source replica of {a.app_id} in {source} torn down (approved by "
        f"{_names(a.approvers)}). Reverse is no longer possible."
    )


def requested_message(a: Approval) -> str:
    return (
        f"Asked for approval of {what(a.kind, a.app_id)}: the request is in <#{a.channel_id}>, in the "
        f"thread of the migration's card. It expires at {day_time(a.expires_at, a.requested_at)}."
    )
