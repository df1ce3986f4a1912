"""Approvals, the I/O half: requests, decisions and the one Butterbase call they lead to.

The rules are in `bot/approvals.py`; this reads the world for them and acts on their
answer, writing through `bot/approval_records.py`. Every status change is a
conditional store change (`record_decision`, `transition_approval`), so concurrent
clicks, a double tap or a repeated delivery make one decision and at most one
Butterbase call. No record is held across an `await`.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import timedelta
from typing import Any
from uuid import uuid4

from slack_sdk.web.async_client import AsyncWebClient

from bot import approval_texts as said
from bot import approvals
from bot.approval_records import ApprovalRecords
from bot.approvals import Approvers, DecisionKind, Target
from bot.butterbase import ButterbaseClient
from bot.cards import CardRenderer
from bot.clock import Clock
from bot.directory import Directory, DirectoryError
from bot.errors import ButterbaseError, Conflict, NotFound
from bot.explain import explain
from bot.outbox import Outbox
from bot.parsing import UUID
from bot.render.text import escape
from bot.replica_rules import later_move, reversed_by, store_target
from bot.settings import Settings
from bot.tracker import Tracker
from storage.records import Approval, ApprovalKind, Decision
from storage.store import Store

log = logging.getLogger(__name__)
GONE = "This request no longer exists."


class ApprovalService:
    def __init__(
        self,
        *,
        settings: Settings,
        store: Store,
        butterbase: ButterbaseClient,
        clock: Clock,
        outbox: Outbox,
        tracker: Tracker,
        directory: Directory,
        cards: CardRenderer,
        slack: AsyncWebClient,
    ) -> None:
        self._settings = settings
        self._store = store
        self._bb = butterbase
        self._clock = clock
        self._tracker = tracker
        self._directory = directory
        self._cards = cards
        self._slack = slack
        self._locks: dict[str, asyncio.Lock] = {}
        self.records = ApprovalRecords(store=store, clock=clock, wake=outbox.wake)

    # --- requests -------------------------------------------------------------

    async def request(
        self,
        kind: ApprovalKind,
        *,
        app_id: str,
        migration_id: str,
        user: str,
        channel: str | None,
        reason: str | None = None,
    ) -> str:
        """Open a request (or point to the open one); the private reply to the asker.
        `reason`: why they ask, shown to the approvers (escaped where shown)."""
        try:
            target = await self.read_target(app_id, migration_id)
        except NotFound:
            return f"Butterbase knows no migration `{migration_id[:8]}` of {app_id}. Nothing was requested."
        except ButterbaseError as exc:
            return explain(exc, doing=f"check migration {migration_id[:8]} of {app_id}")
        now = self._clock.now()
        soak = self._settings.bot_teardown_soak
        refusal = approvals.request_refusal(kind, target, now=now, soak=soak)
        if refusal is not None:
            self.records.request_refused(kind, target, user, refusal)
            return refusal
        elsewhere = self._not_allowed_here(migration_id)
        if elsewhere is not None:
            return elsewhere
        m = self.records.follow(target, channel)
        if m is None:
            return f"Migration `{migration_id[:8]}` isn't followed in any channel: run `/{kind}` in the channel where the request should go."
        ttl = timedelta(seconds=self._settings.approval_ttl(kind))
        a = Approval(
            approval_id=uuid4().hex,
            kind=kind,
            migration_id=migration_id,
            app_id=app_id,
            channel_id=m.channel_id,
            thread_ts=m.thread_ts,
            requester=user,
            requested_at=now,
            expires_at=now + ttl,
            snapshot=approvals.with_reason(target.snapshot(), reason),
            required=self._settings.bot_required_approvals,
        )
        stored, created = self._store.open_approval(a)
        if not created:
            return approvals.already_requested(stored, await self._link(stored))
        opened: dict[str, Any] = {
            "expires_at": stored.expires_at.isoformat(),
            "required": a.required,
            "snapshot": a.snapshot,
        }
        self.records.changed(
            stored, audit=[self.records.entry(user, "approval.requested", stored, opened)]
        )
        if self._settings.bot_approver_group:  # warm the cache before the first click
            try:
                await self._directory.group_members(self._settings.bot_approver_group)
            except DirectoryError:
                log.warning("approver group unreadable; reported at click time")
        return said.requested_message(stored)

    async def request_for(
        self,
        kind: ApprovalKind,
        migration_id: str,
        *,
        user: str,
        channel: str | None,
        reason: str | None = None,
    ) -> str:
        """A request named by a button (a migration id only): its app from the store, or
        from the retained replicas for a migration the bot doesn't follow."""
        if not UUID.match(migration_id):
            return "That button names no migration the bot knows. Nothing was requested."
        m = self._store.get_migration(migration_id)
        app_id = m.app_id if m is not None else None
        if app_id is None:
            try:
                listed = await self._bb.source_replicas()
            except ButterbaseError as exc:
                return explain(exc, doing="look up the replicas")
            found = next((r for r in listed if r.migration_id == migration_id), None)
            if found is None:
                return f"The bot knows no migration `{migration_id[:8]}`. Nothing was requested."
            app_id = found.app_id
        return await self.request(
            kind,
            app_id=app_id,
            migration_id=migration_id,
            user=user,
            channel=channel,
            reason=reason,
        )

    def store_refusal(self, kind: ApprovalKind, migration_id: str, user: str) -> str | None:
        """Without asking Butterbase: the refusal a request of a migration the bot follows
        would get from what the store knows (e.g. reversed already), audited; None when
        the store sees no reason (the request itself reads Butterbase and decides)."""
        m = self._store.get_migration(migration_id)
        if m is None:
            return None
        target = store_target(m, self._store.migrations_for_app(m.app_id))
        now, soak = self._clock.now(), self._settings.bot_teardown_soak
        refusal = approvals.request_refusal(kind, target, now=now, soak=soak)
        if refusal is not None:
            self.records.request_refused(kind, target, user, refusal)
        return refusal

    def _not_allowed_here(self, migration_id: str) -> str | None:
        """A request goes to the thread of the migration's card: refuse when that channel
        is outside `BOT_ALLOWED_CHANNELS` (never post a request where the bot may not)."""
        allowed = self._settings.bot_allowed_channels
        m = self._store.get_migration(migration_id)
        if not allowed or m is None or m.channel_id in allowed:
            return None
        return (
            f"Migration `{migration_id[:8]}` of {escape(m.app_id)} is followed in <#{m.channel_id}>, "
            "where the bot may not post requests (not in BOT_ALLOWED_CHANNELS). Nothing was requested."
        )

    async def read_target(self, app_id: str, migration_id: str, *, active: bool = False) -> Target:
        """The migration and its app as Butterbase and the bot know them now: its status,
        where the app is served, the retained replicas (a later move's among them) and,
        with `active`, the move running now."""
        status = await self._bb.status(app_id, migration_id)
        app = await self._bb.app(app_id)
        replicas = await self._bb.source_replicas()
        running = await self._bb.active(app_id) if active else None
        for r in replicas:
            self._cards.replica_costs[r.migration_id] = r.estimated_monthly_cost_usd
        m = self._store.get_migration(migration_id)
        moves = self._store.migrations_for_app(app_id)
        since = m.created_at if m is not None and not m.adopted else None
        later = later_move(
            migration_id,
            app_id,
            moves=moves,
            since=since,
            replicas=replicas,
            completed_at=status.completed_at,
        )
        return Target(
            migration_id=migration_id,
            app_id=app_id,
            current_step=status.current_step,
            replica_state=status.source_replica_state,
            source_region=status.source_region or (m.source_region if m else None),
            dest_region=status.dest_region or (m.dest_region if m else None),
            completed_at=status.completed_at,
            app_region=app.region if app else None,
            reversed_by=reversed_by(migration_id, m, moves),
            torn_down_at=m.torn_down_at if m else None,
            active_move=running.migration_id if running else None,
            active_is_reverse=bool(running and running.source_region == status.dest_region),
            later=later,
            app_read=True,
        )

    # --- decisions ---------------------------------------------------------------

    async def check(
        self, approval_id: str, user: str, decision: DecisionKind
    ) -> tuple[Approval | None, str | None]:
        """(the request, a refusal to show `user` or None). Expires an overdue request."""
        a = self._store.get_approval(approval_id)
        if a is None:
            return None, GONE
        now = self._clock.now()
        if a.status == "pending" and approvals.is_expired(a, now):
            self.records.expire(a, noticed=f"click by {user}")
            a = self._store.get_approval(approval_id) or a
        try:
            who = await self._approvers(user) if a.status == "pending" else self._static()
        except DirectoryError as exc:
            message = approvals.directory_failed(str(exc))
            self.records.refused(a, user, decision, "directory", message)
            return a, message
        allow_self = self._settings.bot_allow_self_approval
        refusal = approvals.check_click(
            a, user=user, decision=decision, now=now, approvers=who, allow_self=allow_self
        )
        if refusal is not None:
            self.records.refused(a, user, decision, refusal.code, refusal.message)
            return a, refusal.message
        return a, None

    async def decide(self, approval_id: str, user: str, decision: DecisionKind) -> str:
        """Record one decision, exactly once; on the last approval, act. The reply to `user`.

        An approval is checked against the state again before it is recorded (a request
        that no longer holds is voided), and only approvals of people who are approvers
        now count towards the ones required."""
        a, refusal = await self.check(approval_id, user, decision)
        if a is None or refusal is not None:
            return refusal or GONE
        who: Approvers | None = None
        if decision == "approve":
            try:
                who = await self._everyone([*a.approvers, user])
            except DirectoryError as exc:
                message = approvals.directory_failed(str(exc))
                self.records.refused(a, user, decision, "directory", message)
                return message
            stale = await self._still_holds(a)
            if stale is not None:
                return stale
        now = self._clock.now()
        choice = Decision(user=user, decision=decision, at=now)
        decided, outcome = self._store.record_decision(approval_id, choice)
        if decided is None:
            return GONE
        if outcome != "added":
            dup = outcome == "duplicate"
            message = (
                approvals.duplicate_message(decided, now)
                if dup
                else approvals.closed_message(decided)
            )
            self.records.refused(decided, user, decision, outcome, message)
            return message
        allow_self = self._settings.bot_allow_self_approval
        have = approvals.counted(decided, who, allow_self=allow_self)
        count = {"approvals": len(have), "counted": have, "required": decided.required}
        action = "approval.approved" if decision == "approve" else "approval.denied"
        entry = self.records.entry(user, action, decided, count | {"snapshot": decided.snapshot})
        target = "denied" if decision == "deny" else "executing"
        if decision == "approve" and approvals.approvals_missing(
            decided, who, allow_self=allow_self
        ):
            self.records.changed(decided, audit=[entry])
            return said.recorded_message(decided, who, allow_self=allow_self)
        moved = self._store.transition_approval(
            approval_id, from_statuses={"pending"}, to_status=target
        )
        if moved is None:  # another click decided first
            self._store.audit(entry)
            return approvals.closed_message(self._store.get_approval(approval_id) or decided)
        self.records.changed(moved, audit=[entry])
        if decision == "deny":
            return said.denied_message(moved)
        return await self._execute(moved)

    async def _still_holds(self, a: Approval) -> str | None:
        """Read the state before recording an approval: None when the request still holds,
        else the reply (the request voided, or nothing recorded when it can't be read)."""
        now_state: dict[str, Any] = {}
        try:
            target = await self.read_target(a.app_id, a.migration_id, active=True)
        except NotFound:
            reason = f"Butterbase no longer knows migration `{a.migration_id[:8]}`"
        except ButterbaseError as exc:
            doing = (
                f"check migration {a.migration_id[:8]} of {a.app_id} before recording your approval"
            )
            return explain(exc, doing=doing) + " Nothing was recorded."
        else:
            others = self._store.approvals_for_migration(a.migration_id)
            void = approvals.void_reason(a, target, others=others)
            if void is None:
                return None
            reason, now_state = void, target.snapshot()
        if not self.records.void(a, reason, now_state):  # decided meanwhile by another click
            return approvals.closed_message(self._store.get_approval(a.approval_id) or a)
        return said.voided_message(reason)

    def refuse_confirmation(self, a: Approval, user: str, typed: str) -> None:
        """Audit a teardown confirmation typed wrong (nothing else happens)."""
        message = f"{approvals.wrong_app_id(a.app_id)} (typed {typed[:80]!r})"
        self.records.refused(a, user, "approve", "wrong_app_id", message)

    # --- acting -------------------------------------------------------------------

    async def _execute(self, a: Approval) -> str:
        """Read the state again, void the request if it no longer holds, else make ONE call."""
        async with self._locks.setdefault(a.migration_id, asyncio.Lock()):
            try:
                target = await self.read_target(a.app_id, a.migration_id, active=True)
            except NotFound:
                reason = f"Butterbase no longer knows migration `{a.migration_id[:8]}`"
                self.records.void(a, reason, {})
                return said.voided_message(reason)
            except ButterbaseError as exc:
                reason = f"the bot couldn't read the migration again before acting ({str(exc).rstrip('.')}), so nothing was called"
                self.records.fail(a, reason, {"refused": False, "stage": "check"})
                return said.failed_message(a, reason)
            others = self._store.approvals_for_migration(a.migration_id)
            void = approvals.void_reason(a, target, others=others)
            if void is not None:
                self.records.void(a, void, target.snapshot())
                return said.voided_message(void)
            detail = {"call": a.kind, "now": target.snapshot()}
            self._store.audit(self.records.entry("bot", "approval.calling", a, detail))
            try:
                if a.kind == "reverse":
                    accepted = await self._bb.reverse(a.app_id, a.migration_id)
                else:
                    await self._bb.teardown(a.migration_id, app_id=a.app_id)
            except Conflict as exc:
                reason = exc.reason or exc.error or str(exc)
                result = {
                    "refused": True,
                    "http_status": 409,
                    "error": exc.error,
                    "reason": exc.reason,
                }
                self.records.fail(a, reason, result)
                return said.failed_message(a, reason)
            except ButterbaseError as exc:
                reason = str(exc).rstrip(".")
                self.records.fail(
                    a, reason, {"refused": False, "http_status": exc.status, "error": reason}
                )
                return said.failed_message(a, reason)
            if a.kind == "teardown":
                self.records.torn_down(a)
                return said.executed_message(a, new_migration=None, path=None)
            self.records.reversed(a, accepted.migration_id, accepted.path)
        await self._tracker.poll_now(accepted.migration_id)
        return said.executed_message(a, new_migration=accepted.migration_id, path=accepted.path)

    async def recover_interrupted(self) -> int:
        """At start: settle requests left "executing" by a bot that died mid-call.

        The call is never re-sent (it may have reached Butterbase): the state is read
        and the request is marked executed when the effect is there, failed otherwise.
        """
        settled = 0
        for a in self._store.approvals_in_status("executing"):
            try:
                target = await self.read_target(a.app_id, a.migration_id, active=True)
            except ButterbaseError:
                continue  # try again at the next start; nothing is lost meanwhile
            if a.kind == "teardown" and target.replica_state == "torn_down":
                self.records.torn_down(a)
            elif a.kind == "reverse" and target.active_move and target.active_is_reverse:
                self.records.reversed(a, target.active_move, "slow")
            else:
                back = a.kind == "reverse" and target.app_region == target.source_region
                reason = (
                    "the bot stopped while acting; the app is back in its source region, so the "
                    "reverse probably ran: check `/migration-status`"
                    if back
                    else "the bot stopped while acting and Butterbase shows no change, so nothing "
                    "was done: ask again"
                )
                self.records.fail(a, reason, {"refused": False, "stage": "restart"})
            settled += 1
        return settled

    # --- expiry and helpers ----------------------------------------------------------

    async def expire_due(self) -> int:
        """Expire every pending request past its time; how many this call expired."""
        now = self._clock.now()
        due = [a for a in self._store.pending_approvals() if now >= a.expires_at]
        return sum(self.records.expire(a, noticed="job") for a in due)

    async def expiry_job(self) -> None:
        """The scheduler's job."""
        await self.expire_due()

    def _static(self) -> Approvers:
        s = self._settings
        return Approvers(users=frozenset(s.bot_approvers), group=s.bot_approver_group)

    async def _approvers(self, user: str) -> Approvers:
        return await self._everyone([user])

    async def _everyone(self, users: list[str]) -> Approvers:
        """Who may approve now, enough to judge `users` (the group is read only when one of
        them is not listed in `BOT_APPROVERS`; `DirectoryError` when it can't be read)."""
        static = self._static()
        if not static.group or all(u in static.users for u in users):
            return static
        members = await self._directory.group_members(static.group)
        return Approvers(users=static.users, group=static.group, group_members=members)

    async def _link(self, a: Approval) -> str | None:
        if not a.message_ts:
            return None
        try:
            answer = await self._slack.chat_getPermalink(
                channel=a.channel_id, message_ts=a.message_ts
            )
        except Exception:  # a link is a nicety: the reply still says where the request is
            log.warning("no permalink for request %s", a.approval_id)
            return None
        return str(answer.get("permalink") or "") or None
