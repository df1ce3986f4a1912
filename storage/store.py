"""`Store`: everything the bot remembers, in one SQLite file.

Built from the repositories beside this module. Every public method is
synchronous, takes the store's lock and runs in a transaction, so it may be
called directly from coroutines and from scheduler threads alike.

    store = Store("migrations-bot.db", clock=SystemClock())
    store.apply(migration=m, steps_closed=[...], outbox=[...], audit=[...])
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime, timedelta
from pathlib import Path
from types import TracebackType

from bot.clock import Clock
from storage.approvals_repo import ApprovalsRepo
from storage.database import DEFAULT_BUSY_TIMEOUT_MS, MEMORY, connect
from storage.migrations_repo import MigrationsRepo
from storage.outbox_repo import OutboxRepo
from storage.records import Approval, AuditEntry, OutboxItem, StepRecord, TrackedMigration
from storage.rows import iso
from storage.schema import apply_migrations, schema_version

StepClose = tuple[str, str, datetime, str]  # (migration_id, step, ended_at, outcome)


class Store(MigrationsRepo, ApprovalsRepo, OutboxRepo):
    """The bot's SQLite store: domain methods that take and return models.

    Opening applies any pending schema migrations.
    """

    def __init__(
        self,
        path: str | Path,
        *,
        clock: Clock,
        busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS,
    ) -> None:
        db = connect(path, busy_timeout_ms=busy_timeout_ms)
        try:
            apply_migrations(db)
        except BaseException:
            db.close()
            raise
        super().__init__(db, clock=clock)
        self.path = str(path)
        self._closed = False

    @classmethod
    def in_memory(cls, *, clock: Clock) -> Store:
        """A private store that vanishes when closed (for tests)."""
        return cls(MEMORY, clock=clock)

    def close(self) -> None:
        """Close the connection; calling it again does nothing."""
        with self._lock:
            if not self._closed:
                self._closed = True
                self._db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    def schema_version(self) -> int:
        """The schema version of the open file."""
        with self._lock:
            return schema_version(self._db)

    # --- the unit of work -------------------------------------------------

    def apply(
        self,
        *,
        migration: TrackedMigration | None = None,
        steps_opened: Sequence[StepRecord] = (),
        steps_closed: Sequence[StepClose] = (),
        outbox: Sequence[OutboxItem] = (),
        audit: Sequence[AuditEntry] = (),
        approvals: Sequence[Approval] = (),
    ) -> None:
        """Write one observed change in one transaction: all of it or none of it.

        In order: the migration (saved whole, `updated_at` from the clock), the
        steps closed, then the steps opened (so a step that restarts is closed
        before its new record opens), approvals (written whole), outbox items
        (those whose dedupe_key exists are skipped) and audit entries.
        """
        with self._write():
            if migration is not None:
                self._save_migration(migration)
            for migration_id, step, ended_at, outcome in steps_closed:
                self._close_step(migration_id, step, ended_at, outcome)
            for record in steps_opened:
                self._add_step(record)
            for approval in approvals:
                self._upsert_approval(approval)
            for item in outbox:
                self._enqueue(item)
            for entry in audit:
                self._audit(entry)

    # --- misc -------------------------------------------------------------

    def seen_delivery(self, key: str, *, ttl_seconds: float = 3600) -> bool:
        """Record `key`; True if it was already recorded within the last `ttl_seconds`.

        For repeated Slack deliveries (retries, double taps): handle only when False.
        Keys older than `ttl_seconds` are pruned.
        """
        now = self._clock.now()
        with self._write():
            self._db.execute(
                "DELETE FROM deliveries WHERE seen_at < ?",
                [iso(now - timedelta(seconds=ttl_seconds))],
            )
            cursor = self._insert("deliveries", {"key": key, "seen_at": iso(now)}, or_nothing=True)
            return cursor.rowcount == 0

    def counts(self) -> dict[str, int]:
        """Rows per table (SQLite's own tables left out)."""
        with self._read():
            names = [n for n in self._db.table_names() if not n.startswith("sqlite_")]
            return {name: self._table(name).count for name in names}
