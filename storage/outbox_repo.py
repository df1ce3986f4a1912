"""The Slack messages still to send, and the audit log.

An outbox item is unsent while `sent_at` is null; `drop` gives up on one
(`dead = 1`) without pretending it was sent. A `dedupe_key` makes a second
enqueue of the same message a no-op, which is what makes a replayed poll safe.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from storage.database import StoreBase
from storage.records import AuditEntry, OutboxItem
from storage.rows import from_rows, iso, parse_iso, to_row

_UNSENT = "sent_at IS NULL AND dead = 0"


class OutboxRepo(StoreBase):
    """The outbox, and the audit log that records who did what."""

    # --- outbox -----------------------------------------------------------

    def enqueue(self, item: OutboxItem) -> int | None:
        """Queue `item`; its new id, or None if an item with its dedupe_key exists."""
        with self._write():
            return self._enqueue(item)

    def _enqueue(self, item: OutboxItem) -> int | None:
        cursor = self._insert("outbox", to_row(item, exclude={"id"}), or_nothing=True)
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def due_outbox(self, *, now: datetime, limit: int = 500) -> list[OutboxItem]:
        """Unsent items whose `next_attempt_at` is unset or not after `now`, by id."""
        return self._outbox_where(
            f"{_UNSENT} AND (next_attempt_at IS NULL OR next_attempt_at <= ?)",
            [iso(now)],
            limit=limit,
        )

    def sendable_channels(self, *, now: datetime) -> list[str]:
        """Channels with an item to send now, i.e. a due item that no earlier unsent
        item of its channel is waiting for (deferred after a failure)."""
        with self._lock:
            first_due = self._db.execute(
                f"SELECT channel_id, min(id) FROM outbox WHERE {_UNSENT}"
                " AND (next_attempt_at IS NULL OR next_attempt_at <= ?) GROUP BY channel_id",
                [iso(now)],
            ).fetchall()
            held = self._held(now)
        return [c for c, first in first_due if first < held.get(c, first + 1)]

    def sendable_outbox(
        self, *, now: datetime, channel: str | None = None, limit: int = 100
    ) -> list[OutboxItem]:
        """Due items (of `channel`, or all), by id, without those an earlier unsent item
        of their channel is still waiting for: sending them first would break its order."""
        where, args = f"{_UNSENT} AND (next_attempt_at IS NULL OR next_attempt_at <= ?)", [iso(now)]
        if channel is not None:
            where, args = where + " AND channel_id = ?", [*args, channel]
        with self._lock:
            held = self._held(now)
            items = self._outbox_where(where, args, limit=limit)
        return [i for i in items if (i.id or 0) < held.get(i.channel_id, (i.id or 0) + 1)]

    def _held(self, now: datetime) -> dict[str, int]:
        """Channel → id of its first unsent item deferred until after `now`."""
        rows = self._db.execute(
            f"SELECT channel_id, min(id) FROM outbox WHERE {_UNSENT} AND next_attempt_at > ?"
            " GROUP BY channel_id",
            [iso(now)],
        ).fetchall()
        return {channel: int(first) for channel, first in rows}

    def pending_outbox_for(self, migration_id: str) -> list[OutboxItem]:
        """The migration's unsent items (due or deferred), by id."""
        return self._outbox_where(f"{_UNSENT} AND migration_id = ?", [migration_id])

    def _outbox_where(
        self, where: str, args: list[Any], *, limit: int | None = None
    ) -> list[OutboxItem]:
        with self._lock:
            rows = list(self._table("outbox").rows_where(where, args, order_by="id", limit=limit))
        return from_rows(OutboxItem, rows)

    def mark_sent(self, item_id: int, *, ts: str | None, at: datetime) -> None:
        """Record that the item went out (as the Slack message `ts`)."""
        self.mark_many_sent([item_id], ts=ts, at=at)

    def mark_many_sent(self, ids: list[int], *, ts: str | None, at: datetime) -> None:
        """Record that these items went out together (e.g. merged replies)."""
        if not ids:
            return
        with self._write():
            self._db.conn.executemany(
                "UPDATE outbox SET sent_at = ?, result_ts = ? WHERE id = ? AND sent_at IS NULL",
                [(iso(at), ts, item_id) for item_id in ids],
            )

    def defer(self, item_id: int, *, until: datetime, error: str) -> None:
        """A send failed but may work later: count the attempt and retry at `until`."""
        with self._write():
            self._db.execute(
                "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, error = ?"
                " WHERE id = ? AND sent_at IS NULL",
                [iso(until), error, item_id],
            )

    def drop(self, item_id: int, *, error: str) -> None:
        """Give up on the item: it stays unsent but is no longer due."""
        with self._write():
            self._db.execute(
                "UPDATE outbox SET attempts = attempts + 1, dead = 1, error = ?"
                " WHERE id = ? AND sent_at IS NULL",
                [error, item_id],
            )

    def outbox_stats(self, now: datetime) -> tuple[int, float]:
        """(items unsent and not dropped, age in seconds of the oldest of them)."""
        with self._lock:
            depth, oldest = self._db.execute(
                f"SELECT count(*), min(created_at) FROM outbox WHERE {_UNSENT}"
            ).fetchone()
        if oldest is None:
            return int(depth), 0.0
        return int(depth), max(0.0, (now - parse_iso(oldest)).total_seconds())

    # --- audit ------------------------------------------------------------

    def audit(self, entry: AuditEntry) -> None:
        """Append `entry` to the audit log."""
        with self._write():
            self._audit(entry)

    def _audit(self, entry: AuditEntry) -> int:
        cursor = self._insert("audit", to_row(entry, exclude={"id"}), or_nothing=False)
        assert cursor.lastrowid is not None
        return cursor.lastrowid

    def audit_log(
        self,
        *,
        migration_id: str | None = None,
        approval_id: str | None = None,
        limit: int = 200,
    ) -> list[AuditEntry]:
        """The latest `limit` entries (matching both filters when given), oldest first."""
        wheres: list[str] = []
        args: list[Any] = []
        if migration_id is not None:
            wheres.append("migration_id = ?")
            args.append(migration_id)
        if approval_id is not None:
            wheres.append("approval_id = ?")
            args.append(approval_id)
        with self._lock:
            rows = list(
                self._table("audit").rows_where(
                    " AND ".join(wheres) or None, args, order_by="id DESC", limit=limit
                )
            )
        rows.reverse()
        return from_rows(AuditEntry, rows)
