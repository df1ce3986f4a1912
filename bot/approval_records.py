"""Approvals, the writing half: each outcome as one store change (request card, status
card, thread reply and audit entry together), and the words people read about it.

Used by `ApprovalService`; only `transition_approval` decides whether a change happens,
so a late or repeated caller changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from bot.approval_texts import thread_failed, thread_reversed, thread_torn_down, thread_voided
from bot.approvals import Target, blocker
from bot.clock import Clock
from bot.replies import Reply
from bot.tracker import card_item, reply_item
from storage.records import (
    URGENT,
    Approval,
    AuditEntry,
    OutboxItem,
    StepRecord,
    TrackedMigration,
)
from storage.store import Store

Update = Callable[[TrackedMigration], None]


class ApprovalRecords:
    def __init__(self, *, store: Store, clock: Clock, wake: Callable[[], None]) -> None:
        self._store = store
        self._clock = clock
        self._wake = wake

    def changed(
        self,
        a: Approval,
        *,
        audit: list[AuditEntry] | None = None,
        reply: str | None = None,
        update: Update | None = None,
        extra: list[OutboxItem] | None = None,
    ) -> None:
        """Re-render the request card and the status card; say `reply` in the thread."""
        now = self._clock.now()
        version = self._store.bump_approval_card(a.approval_id)
        outbox = [
            OutboxItem(
                kind="card",
                channel_id=a.channel_id,
                approval_id=a.approval_id,
                migration_id=a.migration_id,
                created_at=now,
            )
        ]
        m = self._store.get_migration(a.migration_id)
        if m is not None:
            if update is not None:
                update(m)
            m.card_version += 1
            if reply:
                key = f"approval:{a.approval_id}:{version}"
                # an approval's outcome goes first (issue 11: approvals, then milestones, …)
                outbox.append(reply_item(m, Reply(reply, priority=URGENT), now, key=key))
            outbox += [*(extra or []), card_item(m, now)]
        self._store.apply(migration=m, outbox=outbox, audit=audit or [])
        self._wake()

    def entry(self, actor: str, action: str, a: Approval, detail: dict[str, Any]) -> AuditEntry:
        return AuditEntry(
            at=self._clock.now(),
            actor=actor,
            action=action,
            migration_id=a.migration_id,
            approval_id=a.approval_id,
            app_id=a.app_id,
            detail={"kind": a.kind, **detail},
        )

    def request_refused(self, kind: str, t: Target, user: str, message: str) -> None:
        detail = {"kind": kind, "stage": "request", "reason": message, "snapshot": t.snapshot()}
        entry = AuditEntry(
            at=self._clock.now(),
            actor=user,
            action="approval.refused",
            migration_id=t.migration_id,
            app_id=t.app_id,
            detail=detail,
        )
        self._store.audit(entry)

    def follow(self, t: Target, channel: str | None) -> TrackedMigration | None:
        """The tracked migration, refreshed; adopted into `channel` if the bot didn't follow it."""
        now = self._clock.now()
        m = self._store.get_migration(t.migration_id)
        if m is not None:
            if not m.polling and m.replica_state != t.replica_state:
                m.replica_state = t.replica_state
                self._store.save_migration(m)
            return m
        if channel is None:
            return None
        m = TrackedMigration(
            migration_id=t.migration_id,
            app_id=t.app_id,
            source_region=t.source_region,
            dest_region=t.dest_region,
            channel_id=channel,
            adopted=True,
            created_at=now,
            updated_at=now,
            current_step=t.current_step,
            replica_state=t.replica_state,
            completed_at=t.completed_at,
            step_started_at=t.completed_at,
            seen_steps=[t.current_step],
            polling=False,
        )
        entry = AuditEntry(
            at=now,
            actor="bot",
            action="migration.adopted",
            migration_id=t.migration_id,
            app_id=t.app_id,
        )
        self._store.apply(migration=m, outbox=[card_item(m, now)], audit=[entry])
        return m

    def refused(self, a: Approval, user: str, decision: str, code: str, message: str) -> None:
        detail = {"decision": decision, "code": code, "reason": message, "snapshot": a.snapshot}
        self._store.audit(self.entry(user, "approval.refused", a, detail))

    def void(self, a: Approval, reason: str, now_state: dict[str, Any]) -> bool:
        voided = self._store.transition_approval(
            a.approval_id, from_statuses={"executing", "pending"}, to_status="voided", reason=reason
        )
        if voided is None:
            return False
        detail = {"reason": reason, "snapshot": a.snapshot, "now": now_state}
        entry = self.entry("bot", "approval.voided", voided, detail)
        self.changed(voided, audit=[entry], reply=thread_voided(a, reason))
        return True

    def void_others(self, a: Approval, **changed: Any) -> None:
        """Close the migration's other open requests: what they were asked on is gone.

        `changed` is what the executed request changed (e.g. `reversed_by=...`)."""
        fields: dict[str, Any] = {
            "migration_id": a.migration_id,
            "app_id": a.app_id,
            "current_step": "completed",
            "replica_state": "replicating",
            "source_region": a.snapshot.get("source_region"),
            "dest_region": a.snapshot.get("dest_region"),
        }
        now = Target(**(fields | changed))
        for other in self._store.approvals_for_migration(a.migration_id):
            if other.approval_id != a.approval_id and other.status == "pending":
                reason = blocker(other.kind, now) or f"the {a.kind} was approved"
                self.void(other, reason, now.snapshot())

    def fail(self, a: Approval, reason: str, result: dict[str, Any]) -> None:
        failed = self._store.transition_approval(
            a.approval_id,
            from_statuses={"executing"},
            to_status="failed",
            reason=reason,
            result=result,
        )
        if failed is not None:
            detail = {"reason": reason, "result": result, "snapshot": a.snapshot}
            entry = self.entry("bot", "approval.failed", failed, detail)
            self.changed(failed, audit=[entry], reply=thread_failed(failed, reason))

    def expire(self, a: Approval, *, noticed: str) -> bool:
        expired = self._store.transition_approval(
            a.approval_id, from_statuses={"pending"}, to_status="expired"
        )
        if expired is None:
            return False
        detail = {
            "noticed": noticed,
            "expires_at": a.expires_at.isoformat(),
            "snapshot": a.snapshot,
        }
        self.changed(expired, audit=[self.entry("bot", "approval.expired", expired, detail)])
        return True

    def reversed(self, a: Approval, new_id: str, path: str) -> None:
        """The reverse started: track it in the forward move's thread, mark the forward."""
        now = self._clock.now()
        result = {"migration_id": new_id, "path": path}
        done = self._store.transition_approval(
            a.approval_id, from_statuses={"executing"}, to_status="executed", result=result
        )
        forward = self._store.get_migration(a.migration_id)
        back = forward or TrackedMigration(
            migration_id=a.migration_id,
            app_id=a.app_id,
            source_region=a.snapshot.get("source_region"),
            dest_region=a.snapshot.get("dest_region"),
            channel_id=a.channel_id,
            thread_ts=a.thread_ts,
            created_at=now,
            updated_at=now,
        )
        rev = TrackedMigration(
            migration_id=new_id,
            app_id=a.app_id,
            source_region=back.dest_region,
            dest_region=back.source_region,
            kind="reverse",
            parent_migration_id=a.migration_id,
            channel_id=back.channel_id,
            thread_ts=back.thread_ts or back.card_ts,
            requester=a.requester,
            created_at=now,
            updated_at=now,
            step_started_at=now,
            seen_steps=["requested"],
        )
        first = StepRecord(migration_id=new_id, step="requested", started_at=now)
        self._store.apply(migration=rev, steps_opened=[first])

        def mark(m: TrackedMigration) -> None:
            m.reversed_by = new_id

        entry = self.entry("bot", "approval.executed", done or a, {"call": "reverse", **result})
        reply = thread_reversed(a, new_id, path)
        # a fast reverse is created `completed`: its card waits for the tracker's first read
        # (straight after this), never shown as "Requested" with an Abort button meanwhile
        first_card = [] if path == "fast" else [card_item(rev, now)]
        self.changed(done or a, audit=[entry], reply=reply, update=mark, extra=first_card)
        self.void_others(a, reversed_by=new_id)

    def torn_down(self, a: Approval) -> None:
        now = self._clock.now()
        done = self._store.transition_approval(
            a.approval_id,
            from_statuses={"executing"},
            to_status="executed",
            result={"status": "torn_down"},
        )

        def mark(m: TrackedMigration) -> None:
            m.replica_state, m.torn_down_at = "torn_down", now

        detail = {"call": "teardown", "status": "torn_down"}
        entry = self.entry("bot", "approval.executed", done or a, detail)
        self.changed(done or a, audit=[entry], reply=thread_torn_down(a), update=mark)
        self.void_others(a, replica_state="torn_down", torn_down_at=now)
