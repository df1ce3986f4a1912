"""The approval rules for reverse and teardown. Pure: no Slack, no HTTP, no store.

The service (`bot/approval_service.py`) reads the world, hands it here as plain
values (`Target`, `Approvers`, `Approval`) and acts on what comes back: a refusal
message to show privately, a reason to void a request, or nothing (go ahead).

Guards the server does not give (butterbase-api.md, "What the server does not
protect"): never reverse or tear down a migration whose source region is the app's
current region (after a fast reverse the server still calls its replica
`replicating`), never reverse unless completed with the replica retained, and no
teardown sooner than the soak time after completion.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from bot import steps
from bot.models import SourceReplica
from bot.render.text import age, hhmm, mention, mentions, seconds_between
from storage.records import Approval, ApprovalKind

DecisionKind = Literal["approve", "deny"]
RefusalCode = Literal["closed", "expired", "self", "not_approver", "duplicate"]


@dataclass(frozen=True)
class Target:
    """What a request is judged against: the migration and its app, as just read."""

    migration_id: str
    app_id: str
    current_step: str
    replica_state: str | None
    source_region: str | None
    dest_region: str | None
    completed_at: datetime | None = None
    app_region: str | None = None  # from GET /apps; None when unknown
    reversed_by: str | None = None  # a reverse the bot knows of
    torn_down_at: datetime | None = None
    active_move: str | None = None  # an in-flight move of the app (id), seen before acting
    active_is_reverse: bool = False

    def snapshot(self) -> dict[str, Any]:
        """The state a request is bound to (stored with it, and audited)."""
        return {
            "migration_id": self.migration_id,
            "app_id": self.app_id,
            "current_step": self.current_step,
            "replica_state": self.replica_state,
            "source_region": self.source_region,
            "dest_region": self.dest_region,
            "completed_at": self.completed_at.isoformat() if self.completed_at else None,
            "app_region": self.app_region,
            "reversed_by": self.reversed_by,
        }


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


def _not_completed(kind: str, t: Target) -> str:
    short, app, step = t.migration_id[:8], t.app_id, t.current_step
    source = t.source_region or "its source region"
    if step == "aborted" or step == "aborting":
        return f"migration `{short}` of {app} was aborted and {app} stayed in {source}, so there is nothing to {kind}"
    if step == "failed":
        return f"migration `{short}` of {app} failed and needs manual review; only a completed migration can be {'reversed' if kind == 'reverse' else 'torn down'}"
    label = steps.label(step)
    if kind == "teardown":
        return f"migration `{short}` of {app} is not completed yet ({label}), so there is no retained replica to tear down yet"
    if steps.may_abort(step):
        return f"migration `{short}` of {app} is not completed yet ({label}): it is still before cutover, so `/abort {app}` is the way back, or wait for it to complete"
    return f"migration `{short}` of {app} is not completed yet ({label}): wait for it to complete, then ask again"


def blocker(kind: ApprovalKind | str, t: Target) -> str | None:
    """Why `kind` may not be done to `t` now, as a clause; None when it may."""
    app, source = t.app_id, t.source_region or "the source region"
    if t.current_step != "completed":
        return _not_completed(kind, t)
    if t.reversed_by:
        took = f"reverse migration `{t.reversed_by[:8]}` took {app} back to {source}"
        if kind == "reverse":
            return f"it was already reversed: {took}"
        return f"it was reversed ({took}), so the replica there is {app}'s live database now"
    if t.app_region and t.source_region and t.app_region == t.source_region:
        if kind == "reverse":
            return f"{app} is already served from {source} again (its current region), so there is nothing to reverse"
        return f"{app} is served from {source} again (its current region), so the replica there is its live database"
    state = t.replica_state
    if state == "torn_down":
        at = f" at {hhmm(t.torn_down_at)}" if t.torn_down_at else ""
        if kind == "reverse":
            return f"the source replica in {source} was torn down{at}, so reverse is no longer possible"
        return f"the source replica in {source} is already torn down{at}"
    if state == "none":
        if kind == "reverse":
            return f"no source replica was retained in {source}, so reverse is not possible"
        return f"no source replica was retained in {source}, so there is nothing to tear down"
    if state != "replicating":
        return f"Butterbase reports no retained replica for it (replica state: {state or 'none reported'})"
    return None


def soak_left(t: Target, *, now: datetime, soak: float) -> float:
    """Seconds until a teardown may be requested (0 when it may)."""
    if soak <= 0 or t.completed_at is None:
        return 0.0
    return max(0.0, soak - seconds_between(t.completed_at, now))


def request_refusal(kind: ApprovalKind, t: Target, *, now: datetime, soak: float) -> str | None:
    """The private reply refusing a request, or None when it may be made."""
    reason = blocker(kind, t)
    if reason is not None:
        return f"Can't request {what(kind, t.app_id)}: {reason}. Nothing was requested."
    left = soak_left(t, now=now, soak=soak) if kind == "teardown" else 0.0
    if left > 0 and t.completed_at is not None:
        served = age(seconds_between(t.completed_at, now))
        dest = t.dest_region or "the destination"
        return (
            f"Too soon to tear down {t.app_id}'s replica: {dest} has been serving for only "
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


def replica_target(r: SourceReplica, *, app_region: str | None, reversed_by: str | None) -> Target:
    """A retained replica as listed by Butterbase (completed, `replicating`)."""
    return Target(
        migration_id=r.migration_id,
        app_id=r.app_id,
        current_step="completed",
        replica_state="replicating",
        source_region=r.source_region,
        dest_region=r.dest_region,
        completed_at=r.completed_at,
        app_region=app_region,
        reversed_by=reversed_by,
    )


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
        return f"Already approved by {_names(a.approvers)}{approved_at}, but it failed: {a.reason or 'no reason given'}."
    if a.status == "denied":
        deniers = [d.user for d in a.decisions if d.decision == "deny"]
        denied = _last(a, "deny") or a.closed_at
        return f"Already denied by {_names(deniers)}{f' at {hhmm(denied)}' if denied else ''}."
    if a.status == "expired":
        return expired_message(a)
    if a.status == "voided":
        return f"This request was voided: {a.reason or 'the state it was asked in changed'}. Nothing was done."
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


def approvals_missing(a: Approval) -> int:
    """Distinct approvals still needed (0: the request may be carried out)."""
    return max(0, a.required - len(set(a.approvers)))


def wrong_app_id(app_id: str) -> str:
    return f"That is not the app id. Type {app_id} exactly to confirm the teardown."


def directory_failed(detail: str) -> str:
    return f"{detail} I can't tell whether you may decide, so nothing was recorded; try again in a minute."


def already_requested(a: Approval, link: str | None) -> str:
    where = (
        f" <{link}|See the request>." if link else " It is in the thread of the migration's card."
    )
    return (
        f"{what(a.kind, a.app_id).capitalize()} was already requested by {mention(a.requester)} "
        f"at {hhmm(a.requested_at)} and is waiting for approval ({len(a.approvers)} of {a.required}).{where}"
    )
