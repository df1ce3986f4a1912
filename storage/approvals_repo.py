"""Approval requests, where exactly-once is the point.

Every change is a conditional write inside `BEGIN IMMEDIATE`, and its return
value says whether *this* caller made it: of two approvers clicking at once (in
two threads or two processes), one wins and the other is told it was too late.
"""

from __future__ import annotations

from typing import Any, Literal

from storage.database import StoreBase
from storage.records import OPEN_APPROVAL_STATUSES, Approval, Decision
from storage.rows import from_row, from_rows, iso, to_json, to_row

DecisionOutcome = Literal["added", "duplicate", "closed", "missing"]
FINAL_APPROVAL_STATUSES: frozenset[str] = frozenset(
    {"executed", "failed", "denied", "expired", "voided"}
)
_OPEN_SQL = "status IN ({})".format(", ".join(f"'{s}'" for s in sorted(OPEN_APPROVAL_STATUSES)))


class ApprovalsRepo(StoreBase):
    """Reverse and teardown requests and the decisions on them."""

    def open_approval(self, a: Approval) -> tuple[Approval, bool]:
        """Store a new request: (stored, True); or (the open one, False) if the
        migration already has an open request of that kind (or this id exists)."""
        with self._write():
            existing = self._get_approval(a.approval_id)
            if existing is not None:
                return existing, False
            rows = self._rows(
                f"SELECT * FROM approvals WHERE migration_id = ? AND kind = ? AND {_OPEN_SQL}"
                " ORDER BY requested_at LIMIT 1",
                [a.migration_id, a.kind],
            )
            if rows:
                return from_row(Approval, rows[0]), False
            self._insert("approvals", to_row(a), or_nothing=False)
            stored = self._get_approval(a.approval_id)
            assert stored is not None
            return stored, True

    def get_approval(self, approval_id: str) -> Approval | None:
        with self._lock:
            return self._get_approval(approval_id)

    def _get_approval(self, approval_id: str) -> Approval | None:
        rows = self._rows("SELECT * FROM approvals WHERE approval_id = ?", [approval_id])
        return from_row(Approval, rows[0]) if rows else None

    def _upsert_approval(self, a: Approval) -> None:
        """Write `a` whole, keeping a stored message/thread ts when `a` has None there.

        Used by `apply`; a status change that may race belongs in `transition_approval`.
        """
        self._upsert(
            "approvals", to_row(a), pk="approval_id", keep_if_null=("message_ts", "thread_ts")
        )

    def approvals_for_migration(self, migration_id: str) -> list[Approval]:
        """Every request made for the migration, oldest first."""
        return self._approvals_where("migration_id = ?", [migration_id])

    def pending_approvals(self) -> list[Approval]:
        """Every request still waiting for decisions, oldest first."""
        return self._approvals_where("status = 'pending'", [])

    def approvals_in_status(self, status: str) -> list[Approval]:
        """Every request in `status` (e.g. "executing" after a crash), oldest first."""
        return self._approvals_where("status = ?", [status])

    def approvals_waiting_for(self, user: str) -> list[Approval]:
        """Pending requests `user` has not decided on yet (who may decide is the caller's rule)."""
        return [a for a in self.pending_approvals() if all(d.user != user for d in a.decisions)]

    def _approvals_where(self, where: str, args: list[Any]) -> list[Approval]:
        with self._lock:
            rows = list(
                self._table("approvals").rows_where(where, args, order_by="requested_at, rowid")
            )
        return from_rows(Approval, rows)

    def record_decision(
        self, approval_id: str, decision: Decision
    ) -> tuple[Approval | None, DecisionOutcome]:
        """Add `decision` while the request is pending.

        Returns (approval, "added"); (approval, "duplicate") if the user already
        decided the same way; (approval, "closed") if it is no longer pending;
        (None, "missing"). A user who changes their mind has the earlier decision
        replaced ("added").
        """
        with self._write():
            current = self._get_approval(approval_id)
            if current is None:
                return None, "missing"
            if current.status != "pending":
                return current, "closed"
            earlier = [d for d in current.decisions if d.user == decision.user]
            if earlier and earlier[-1].decision == decision.decision:
                return current, "duplicate"
            decisions = [d for d in current.decisions if d.user != decision.user]
            decisions.append(decision)
            cursor = self._db.execute(
                "UPDATE approvals SET decisions = ? WHERE approval_id = ? AND status = 'pending'",
                [to_json(decisions), approval_id],
            )
            updated = self._get_approval(approval_id)
            if cursor.rowcount != 1:  # cannot happen under BEGIN IMMEDIATE; be safe
                return updated, "closed"
            return updated, "added"

    def transition_approval(
        self,
        approval_id: str,
        *,
        from_statuses: set[str] | frozenset[str],
        to_status: str,
        reason: str | None = None,
        result: dict[str, Any] | None = None,
        message_ts: str | None = None,
    ) -> Approval | None:
        """Move the request to `to_status` only if its status is in `from_statuses`.

        Returns the updated approval when this call made the change, else None.
        `reason`, `result` and `message_ts` are set when given; a final status
        also sets `closed_at` from the clock.
        """
        if not from_statuses:
            return None
        closed_at = iso(self._clock.now()) if to_status in FINAL_APPROVAL_STATUSES else None
        marks = ", ".join("?" for _ in from_statuses)
        with self._write():
            cursor = self._db.execute(
                "UPDATE approvals SET status = ?,"
                " reason = coalesce(?, reason),"
                " result = coalesce(?, result),"
                " message_ts = coalesce(?, message_ts),"
                " closed_at = coalesce(?, closed_at)"
                f" WHERE approval_id = ? AND status IN ({marks})",
                [
                    to_status,
                    reason,
                    None if result is None else to_json(result),
                    message_ts,
                    closed_at,
                    approval_id,
                    *sorted(from_statuses),
                ],
            )
            if cursor.rowcount != 1:
                return None
            return self._get_approval(approval_id)

    def set_approval_message(
        self, approval_id: str, message_ts: str, thread_ts: str | None = None
    ) -> bool:
        """Remember where the request card was posted; False if there is no such request."""
        with self._write():
            cursor = self._db.execute(
                "UPDATE approvals SET message_ts = ?, thread_ts = coalesce(?, thread_ts)"
                " WHERE approval_id = ?",
                [message_ts, thread_ts, approval_id],
            )
            return cursor.rowcount == 1

    def bump_approval_card(self, approval_id: str) -> int:
        """Add one to the request card's version and return it (KeyError if missing)."""
        with self._write():
            cursor = self._db.execute(
                "UPDATE approvals SET card_version = card_version + 1 WHERE approval_id = ?",
                [approval_id],
            )
            if cursor.rowcount != 1:
                raise KeyError(approval_id)
            row = self._db.execute(
                "SELECT card_version FROM approvals WHERE approval_id = ?", [approval_id]
            ).fetchone()
            return int(row[0])
