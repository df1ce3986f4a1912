"""What people read about an approval's outcome: the decider's private answer and the
thread's replies. Pure.

Text from Butterbase and from people (app ids, regions, 409 reasons, reasons built from
them) is escaped here: it is shown, never interpreted. Mentions the bot wrote stay live.
"""

from __future__ import annotations

from bot.approvals import Approvers, approvals_missing, counted, no_longer_counted, what
from bot.render.text import day_time, escape, escape_keep_mentions, mention, mentions
from storage.records import Approval


def _names(users: list[str]) -> str:
    return mentions(users) or "an approver"


def _why(reason: str) -> str:
    return escape_keep_mentions(reason)


def recorded_message(
    a: Approval, approvers: Approvers | None = None, *, allow_self: bool = False
) -> str:
    left = approvals_missing(a, approvers, allow_self=allow_self)
    have = len(counted(a, approvers, allow_self=allow_self))
    gone = no_longer_counted(a, approvers, allow_self=allow_self) if approvers else ""
    more = f"{left} more approval{'s' if left != 1 else ''} from another approver"
    return f"Your approval is recorded ({have} of {a.required}{gone}): {more} needed."


def denied_message(a: Approval) -> str:
    return (
        f"You denied {escape(what(a.kind, a.app_id))}. The request is closed and nothing was done."
    )


def executed_message(a: Approval, *, new_migration: str | None, path: str | None) -> str:
    if a.kind == "teardown":
        source = escape(str(a.snapshot.get("source_region") or "the source region"))
        return f"Approved: the replica of {escape(a.app_id)} in {source} is torn down."
    how = f" ({escape(path)} path)" if path else ""
    started = escape((new_migration or "?")[:8])
    return (
        f"Approved: Butterbase started the move back, {started}{how}; it is followed in the thread."
    )


def voided_message(reason: str) -> str:
    return f"Approved, but the request was voided: {_why(reason)}. Nothing was done."


def failed_message(a: Approval, reason: str) -> str:
    return f"Approved, but the {a.kind} failed: {_why(reason)}. The thread has the details."


def thread_voided(a: Approval, reason: str) -> str:
    return f":no_entry: The {a.kind} request by {mention(a.requester)} was voided: {_why(reason)}. Nothing was done."


def thread_failed(a: Approval, reason: str) -> str:
    return (
        f":x: The {a.kind} approved by {_names(a.approvers)} failed: {_why(reason)}. "
        "The request is closed; ask again once the cause is clear."
    )


def thread_reversed(a: Approval, new_migration: str, path: str) -> str:
    back = escape(str(a.snapshot.get("source_region") or "its source region"))
    speed = (
        "fast path: traffic switches back at once"
        if path == "fast"
        else "slow path: a whole move back"
    )
    return (
        f":leftwards_arrow_with_hook: Reverse of {escape(a.app_id)} to {back} approved by "
        f"{_names(a.approvers)}: Butterbase started the move back, {escape(new_migration[:8])} "
        f"({speed}). Its card and steps follow in this thread."
    )


def thread_torn_down(a: Approval) -> str:
    source = escape(str(a.snapshot.get("source_region") or "the source region"))
    return (
        f":wastebasket: Replica of {escape(a.app_id)} in {source} torn down (approved by "
        f"{_names(a.approvers)}). Reverse is no longer possible."
    )


def requested_message(a: Approval) -> str:
    return (
        f"Asked for approval of {escape(what(a.kind, a.app_id))}: the request is in <#{a.channel_id}>, in the "
        f"thread of the move's card. It expires at {day_time(a.expires_at, a.requested_at)}."
    )
