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
        if item.migration_id and item.lane == f"thread:{item.migration_id}":
            item = item.model_copy(update={"lane": self._thread_lane(item.migration_id)})
        cursor = self._insert("outbox", to_row(item, exclude={"id"}), or_nothing=True)
        return cursor.lastrowid if cursor.rowcount == 1 else None

    def _thread_lane(self, migration_id: str) -> str:
        """A reverse replies in its forward move's thread: one Slack thread, one lane."""
        row = self._db.execute(
            "SELECT parent_migration_id FROM migrations WHERE migration_id = ? AND kind = 'reverse'",
            [migration_id],
        ).fetchone()
        return f"thread:{row[0] if row and row[0] else migration_id}"

    def due_outbox(self, *, now: datetime, limit: int = 500) -> list[OutboxItem]:
        """Unsent items whose `next_attempt_at` is unset or not after `now`, by id."""
        return self._outbox_where(
            f"{_UNSENT} AND (next_attempt_at IS NULL OR next_attempt_at <= ?)",
            [iso(now)],
            limit=limit,
        )

    def sendable_heads(self, *, now: datetime, limit: int = 500) -> list[OutboxItem]:
        """The first unsent item of each lane, when it is due, most urgent first.

        Only a lane's own first item holds it: a deferred item of one lane (a card
        Slack refused, a throttled update) never holds another lane back."""
        return self._outbox_where(
            "id IN (SELECT min(id) FROM outbox WHERE sent_at IS NULL AND dead = 0 GROUP BY lane)"
            " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)",
            [iso(now)],
            limit=limit,
            order_by="priority, id",
        )

    def sendable_lanes(self, *, now: datetime, limit: int = 2000) -> list[str]:
        """The lanes of `sendable_heads`, most urgent first, without reading the items
        (the sender asks this on every wake: it must stay cheap with thousands queued)."""
        with self._lock:
            rows = self._db.execute(
                "SELECT lane FROM outbox WHERE id IN (SELECT min(id) FROM outbox"
                " WHERE sent_at IS NULL AND dead = 0 GROUP BY lane)"
                " AND (next_attempt_at IS NULL OR next_attempt_at <= ?)"
                " ORDER BY priority, id LIMIT ?",
                [iso(now), limit],
            ).fetchall()
        return [str(row[0]) for row in rows]

    def outbox_depth_by_priority(self) -> dict[int, int]:
        """Unsent, not dropped items by priority (URGENT … REFRESH)."""
        with self._lock:
            rows = self._db.execute(
                f"SELECT priority, count(*) FROM outbox WHERE {_UNSENT} GROUP BY priority"
            ).fetchall()
        return {int(p): int(c) for p, c in rows}

    def lane_items(self, lane: str, *, limit: int = 100) -> list[OutboxItem]:
        """The lane's unsent items (due or deferred), in order."""
        return self._outbox_where(f"{_UNSENT} AND lane = ?", [lane], limit=limit)

    def mark_sending(self, ids: list[int], *, at: datetime) -> None:
        """Before the call: these items may reach Slack from now on (look before resending)."""
        with self._write():
            self._db.conn.executemany(
                "UPDATE outbox SET sending_at = ? WHERE id = ? AND sent_at IS NULL",
                [(iso(at), item_id) for item_id in ids],
            )

    def postpone(self, item_id: int, *, until: datetime) -> None:
        """Send the item no earlier than `until` (not a failure: no attempt counted)."""
        with self._write():
            self._db.execute(
                "UPDATE outbox SET next_attempt_at = ? WHERE id = ? AND sent_at IS NULL",
                [iso(until), item_id],
            )

    def retry_channel_now(self, channel: str, *, errors: frozenset[str], now: datetime) -> int:
        """The channel's items waiting after one of `errors` (e.g. `not_in_channel`) are due
        again at once (the bot was invited); how many."""
        marks = ", ".join("?" for _ in errors)
        with self._write():
            cursor = self._db.execute(
                f"UPDATE outbox SET next_attempt_at = ? WHERE {_UNSENT} AND channel_id = ?"
                f" AND error IN ({marks})",
                [iso(now), channel, *sorted(errors)],
            )
            return int(cursor.rowcount or 0)

    def pending_outbox_for(self, migration_id: str) -> list[OutboxItem]:
        """The migration's unsent items (due or deferred), by id."""
        return self._outbox_where(f"{_UNSENT} AND migration_id = ?", [migration_id])

    def _outbox_where(
        self, where: str, args: list[Any], *, limit: int | None = None, order_by: str = "id"
    ) -> list[OutboxItem]:
        with self._lock:
            rows = list(
                self._table("outbox").rows_where(where, args, order_by=order_by, limit=limit)
            )
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
