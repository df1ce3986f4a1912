"""The approval rules for reverse and teardown. Pure: no Slack, no HTTP, no store.

The service (`bot/approval_service.py`) reads the world, hands it here as plain
values (`Target`, `Approvers`, `Approval`) and acts on what comes back: a refusal
message to show privately, a reason to void a request, or nothing (go ahead).

Whether a move may be reversed or a replica torn down is ONE rule,
`bot.replica_rules.blocker` (re-exported here); this module adds the soak time, who may
decide and how many approvals still count. Every text returned here is escaped for
Slack (text from Butterbase and from people is shown, never interpreted); the reasons
(`blocker`, `void_reason`, `listing_block`) are raw and escaped where they are shown.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal

from bot.render.text import (
    age,
    escape,
    escape_keep_mentions,
    hhmm,
    mention,
    mentions,
    seconds_between,
)
from bot.replica_rules import Later, Target, blocker, replica_target, store_target
from bot.request_reason import MAX_REASON, request_reason, with_reason
from storage.records import Approval, ApprovalKind

__all__ = [
    "MAX_REASON",
    "Later",
    "Target",
    "blocker",
    "replica_target",
    "request_reason",
    "store_target",
    "with_reason",
]

DecisionKind = Literal["approve", "deny"]
RefusalCode = Literal["closed", "expired", "self", "not_approver", "duplicate"]


@dataclass(frozen=True)
class Approvers:
    """Who may decide: user ids from settings, and the resolved members of the group."""

    users: frozenset[str] = frozenset()
    group: str = ""
    group_members: frozenset[str] = frozenset()

    def includes(self, user: str) -> bool:
        return user in self.users or user in self.group_members

    def names(self) -> str:
        """`<@U_APP1>, <@U_APP2>` / `… and the members of <!subteam^S1>`."""
        listed = ", ".join(mention(u) for u in sorted(self.users))
        if self.group:
            group = f"the members of <!subteam^{self.group}>"
            return f"{listed} and {group}" if listed else group
        return listed or "nobody (no approvers are configured)"


@dataclass(frozen=True)
class Refusal:
    code: RefusalCode
    message: str


def what(kind: str, app_id: str) -> str:
    """`a reverse of app-42` / `a teardown of app-42's replica`."""
    return f"a teardown of {app_id}'s replica" if kind == "teardown" else f"a reverse of {app_id}"


# --- may a request be made, and does it still hold ---------------------------


def soak_left(t: Target, *, now: datetime, soak: float) -> float:
    """Seconds until a teardown may be requested (0 when it may)."""
    if soak <= 0 or t.completed_at is None:
        return 0.0
    return max(0.0, soak - seconds_between(t.completed_at, now))


def request_refusal(kind: ApprovalKind, t: Target, *, now: datetime, soak: float) -> str | None:
    """The private reply refusing a request, or None when it may be made."""
    reason = blocker(kind, t)
    if reason is not None:
        said = f"Can't request {what(kind, t.app_id)}: {reason}. Nothing was requested."
        return escape_keep_mentions(said)
    left = soak_left(t, now=now, soak=soak) if kind == "teardown" else 0.0
    if left > 0 and t.completed_at is not None:
        served = age(seconds_between(t.completed_at, now))
        dest = escape(t.dest_region or "the destination")
        return (
            f"Too soon to tear down {escape(t.app_id)}'s replica: {dest} has been serving for only "
            f"{served}. Ask again in {age(left)} (teardown waits {age(soak)} after completion). "
            "Nothing was requested."
        )
    return None


def listing_block(t: Target, *, now: datetime, soak: float) -> str | None:
    """Why a retained replica in the `/teardown` list gets no teardown button; None if it may."""
    reason = blocker("teardown", t)
    if reason is not None:
        return f"{reason[0].upper()}{reason[1:]}."
    left = soak_left(t, now=now, soak=soak)
    return f"Too soon: a teardown may be requested in {age(left)}." if left > 0 else None


def void_reason(a: Approval, t: Target, *, others: Sequence[Approval] = ()) -> str | None:
    """Why the request no longer holds, read again just before acting; None when it does."""
    for other in others:
        if other.approval_id == a.approval_id or other.migration_id != a.migration_id:
            continue
        if other.status in ("executing", "executed"):
            return (
                f"the {other.kind} requested by {mention(other.requester)} was already approved "
                f"(request `{other.approval_id[:8]}`)"
            )
    reason = blocker(a.kind, t)
    if reason is not None:
        return reason
    if t.active_move:
        if t.active_is_reverse:
            return f"a reverse of it is already running (`{t.active_move[:8]}`)"
        return f"a move of {t.app_id} is in flight (`{t.active_move[:8]}`)"
    was = a.snapshot.get("app_region")
    if was and t.app_region and was != t.app_region:
        return f"{t.app_id} moved from {was} to {t.app_region} since the request"
    return None


# --- who may decide ------------------------------------------------------------


def is_expired(a: Approval, now: datetime) -> bool:
    return a.status == "expired" or (a.status == "pending" and now >= a.expires_at)


def _last(a: Approval, decision: DecisionKind) -> datetime | None:
    times = [d.at for d in a.decisions if d.decision == decision]
    return max(times) if times else None


def _names(users: Iterable[str]) -> str:
    return mentions(users) or "an approver"


def closed_message(a: Approval) -> str:
    """The answer to a click on a request that is no longer waiting."""
    approved = _last(a, "approve")
    approved_at = f" at {hhmm(approved)}" if approved else ""
    if a.status in ("executing", "executed"):
        return f"Already approved by {_names(a.approvers)}{approved_at}."
    if a.status == "failed":
        why = escape_keep_mentions(a.reason or "no reason given")
        return f"Already approved by {_names(a.approvers)}{approved_at}, but it failed: {why}."
    if a.status == "denied":
        deniers = [d.user for d in a.decisions if d.decision == "deny"]
        denied = _last(a, "deny") or a.closed_at
        return f"Already denied by {_names(deniers)}{f' at {hhmm(denied)}' if denied else ''}."
    if a.status == "expired":
        return expired_message(a)
    if a.status == "voided":
        why = escape_keep_mentions(a.reason or "the state it was asked in changed")
        return f"This request was voided: {why}. Nothing was done."
    return "This request is still waiting for approval."


def expired_message(a: Approval) -> str:
    return f"This request expired at {hhmm(a.expires_at)}."


def not_approver_message(kind: str, approvers: Approvers) -> str:
    return f"You are not an approver for {kind}: approvers are {approvers.names()}."


SELF_APPROVAL = "You requested this; a second person must approve."


def check_click(
    a: Approval,
    *,
    user: str,
    decision: DecisionKind,
    now: datetime,
    approvers: Approvers,
    allow_self: bool,
) -> Refusal | None:
    """Whether `user` may record `decision` on `a` now; None when they may.

    Anyone entitled may deny; the requester may also withdraw (deny) their own request.
    """
    if a.status not in ("pending", "expired"):
        return Refusal("closed", closed_message(a))
    if is_expired(a, now):
        return Refusal("expired", expired_message(a))
    requester = user == a.requester
    if decision == "approve" and requester and not allow_self:
        return Refusal("self", SELF_APPROVAL)
    if not approvers.includes(user) and not (decision == "deny" and requester):
        return Refusal("not_approver", not_approver_message(a.kind, approvers))
    mine = [d for d in a.decisions if d.user == user]
    if decision == "approve" and mine and mine[-1].decision == "approve":
        return Refusal("duplicate", duplicate_message(a, mine[-1].at))
    return None


def duplicate_message(a: Approval, at: datetime) -> str:
    return (
        f"You already approved this at {hhmm(at)} ({len(a.approvers)} of {a.required}): "
        "another approver must approve too."
    )


def counted(
    a: Approval, approvers: Approvers | None = None, *, allow_self: bool = False
) -> list[str]:
    """The distinct approvals that count: with `approvers` (who may approve now), only
    those of people still entitled; an approval by someone removed since no longer counts."""
    distinct = list(dict.fromkeys(a.approvers))
    if approvers is None:
        return distinct
    return [u for u in distinct if approvers.includes(u) and (allow_self or u != a.requester)]


def approvals_missing(
    a: Approval, approvers: Approvers | None = None, *, allow_self: bool = False
) -> int:
    """Distinct approvals still needed (0: the request may be carried out)."""
    return max(0, a.required - len(counted(a, approvers, allow_self=allow_self)))


def no_longer_counted(a: Approval, approvers: Approvers, *, allow_self: bool = False) -> str:
    """`; the approval by <@U1> no longer counts: not an approver any more`, or ``."""
    kept = set(counted(a, approvers, allow_self=allow_self))
    gone = [u for u in dict.fromkeys(a.approvers) if u not in kept]
    if not gone:
        return ""
    noun = "approval" if len(gone) == 1 else "approvals"
    verb = "counts" if len(gone) == 1 else "count"
    return f"; the {noun} by {mentions(gone)} no longer {verb}: not an approver any more"


def wrong_app_id(app_id: str) -> str:
    return f"That is not the app id. Type {app_id} exactly to confirm the teardown."


def directory_failed(detail: str) -> str:
    return f"{detail} I can't tell whether you may decide, so nothing was recorded; try again in a minute."


def already_requested(a: Approval, link: str | None) -> str:
    where = f" <{link}|See the request>." if link else " It is in the thread of the move's card."
    return (
        f"{escape(what(a.kind, a.app_id)).capitalize()} was already requested by {mention(a.requester)} "
        f"at {hhmm(a.requested_at)} and is waiting for approval ({len(a.approvers)} of {a.required}).{where}"
    )
