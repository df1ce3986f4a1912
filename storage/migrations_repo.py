"""Tracked migrations and their step history."""

from __future__ import annotations

import bisect
from collections import defaultdict
from datetime import datetime

from sqlite_utils import Database

from bot.clock import Clock
from storage.database import StoreBase
from storage.records import StepRecord, TrackedMigration
from storage.rows import from_row, from_rows, iso, parse_iso, to_row

# Newest first; rowid breaks ties between migrations created in the same instant.
_NEWEST = "created_at DESC, rowid DESC"
# Set by the outbox sender once the card is posted; a save never erases them.
_WRITE_ONCE = ("card_ts", "thread_ts")


def escape_like(text: str) -> str:
    """`text` with LIKE's wildcards made literal (for `LIKE ? ESCAPE '\\'`)."""
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class MigrationsRepo(StoreBase):
    """Migrations the bot follows, and how long each of their steps took."""

    def __init__(self, db: Database, *, clock: Clock) -> None:
        super().__init__(db, clock=clock)
        # seconds of every "done" step record, sorted, by step: loaded once, then kept up
        # to date by this store's own writes (re-read after a rollback or another
        # connection's write), so a median costs O(steps), not a scan of the table
        self._samples: dict[str, list[float]] | None = None
        self._median_data_version = -1

    # --- migrations -------------------------------------------------------

    def add_migration(self, m: TrackedMigration) -> bool:
        """Insert `m` as given; False (and no change) if its id is already known."""
        with self._write():
            cursor = self._insert("migrations", to_row(m), or_nothing=True)
            return cursor.rowcount == 1

    def get_migration(self, migration_id: str) -> TrackedMigration | None:
        with self._lock:
            rows = self._rows("SELECT * FROM migrations WHERE migration_id = ?", [migration_id])
        return from_row(TrackedMigration, rows[0]) if rows else None

    def save_migration(self, m: TrackedMigration) -> None:
        """Insert or overwrite `m` whole; `updated_at` is set from the clock (on `m` too).

        Except: a None `card_ts`/`thread_ts` keeps the stored one (see `set_card_ts`).
        """
        with self._write():
            self._save_migration(m)

    def _save_migration(self, m: TrackedMigration) -> None:
        m.updated_at = self._clock.now()
        self._upsert("migrations", to_row(m), pk="migration_id", keep_if_null=_WRITE_ONCE)

    def set_card_ts(self, migration_id: str, ts: str) -> bool:
        """The status card was posted as `ts`: remember it (and, if unset, as the thread).

        Targeted, so it cannot undo a concurrent save; and a later save from a copy
        read before this keeps it. False if the migration is unknown.
        """
        with self._write():
            cursor = self._db.execute(
                "UPDATE migrations SET card_ts = ?, thread_ts = coalesce(thread_ts, ?),"
                " updated_at = ? WHERE migration_id = ?",
                [ts, ts, iso(self._clock.now()), migration_id],
            )
            return cursor.rowcount == 1

    def find_migrations(
        self, id_or_prefix: str, *, app_id: str | None = None
    ) -> list[TrackedMigration]:
        """The migration with exactly this id, else those whose id starts with it.

        Case-insensitive; `%` and `_` in the input are literal. Newest first.
        """
        text = id_or_prefix.strip()
        if not text:
            return []
        app_sql, app_args = ("AND app_id = ?", [app_id]) if app_id is not None else ("", [])
        with self._read():
            rows = self._rows(
                f"SELECT * FROM migrations WHERE lower(migration_id) = lower(?) {app_sql}"
                f" ORDER BY {_NEWEST}",
                [text, *app_args],
            )
            if not rows:
                rows = self._rows(
                    "SELECT * FROM migrations"
                    f" WHERE lower(migration_id) LIKE lower(?) ESCAPE '\\' {app_sql}"
                    f" ORDER BY {_NEWEST}",
                    [escape_like(text) + "%", *app_args],
                )
        return from_rows(TrackedMigration, rows)

    def polling_migrations(self) -> list[TrackedMigration]:
        """The migrations still being polled, oldest first."""
        return self._migrations_where("polling = 1", [], order="created_at, rowid")

    def migrations_for_app(self, app_id: str, *, limit: int = 20) -> list[TrackedMigration]:
        """The app's migrations, newest first."""
        return self._migrations_where("app_id = ?", [app_id], limit=limit)

    def migrations_in_channel(
        self, channel_id: str, *, active_only: bool = True, limit: int = 50
    ) -> list[TrackedMigration]:
        """Migrations whose card is in the channel, newest first; by default only polled ones."""
        where = "channel_id = ?" + (" AND polling = 1" if active_only else "")
        return self._migrations_where(where, [channel_id], limit=limit)

    def recent_migrations(
        self, *, requester: str | None = None, limit: int = 20
    ) -> list[TrackedMigration]:
        """The newest migrations, optionally only those `requester` started."""
        if requester is None:
            return self._migrations_where(None, [], limit=limit)
        return self._migrations_where("requester = ?", [requester], limit=limit)

    def reverse_of(self, migration_id: str) -> TrackedMigration | None:
        """The (newest) reverse migration whose parent is `migration_id`."""
        found = self._migrations_where(
            "kind = 'reverse' AND parent_migration_id = ?", [migration_id], limit=1
        )
        return found[0] if found else None

    def _migrations_where(
        self, where: str | None, args: list[object], *, order: str = _NEWEST, limit: int = -1
    ) -> list[TrackedMigration]:
        with self._lock:
            rows = list(
                self._table("migrations").rows_where(
                    where, args, order_by=order, limit=None if limit < 0 else limit
                )
            )
        return from_rows(TrackedMigration, rows)

    # --- step history -----------------------------------------------------

    def add_step(self, r: StepRecord) -> None:
        """Record a step as started (or, with `ended_at`, already finished)."""
        with self._write():
            self._add_step(r)

    def _add_step(self, r: StepRecord) -> None:
        self._insert("steps", to_row(r), or_nothing=False)  # sqlite-utils' insert: 10x the cost
        if r.outcome == "done" and r.ended_at is not None:
            self._sample(r.step, r.started_at, r.ended_at)

    def close_step(self, migration_id: str, step: str, ended_at: datetime, outcome: str) -> bool:
        """Close the latest open record of `step`; False if none was open."""
        with self._write():
            return self._close_step(migration_id, step, ended_at, outcome)

    def _close_step(self, migration_id: str, step: str, ended_at: datetime, outcome: str) -> bool:
        closed = self._db.execute(
            "UPDATE steps SET ended_at = ?, outcome = ? WHERE id = ("
            " SELECT id FROM steps WHERE migration_id = ? AND step = ? AND ended_at IS NULL"
            " ORDER BY started_at DESC, id DESC LIMIT 1) RETURNING started_at",
            [iso(ended_at), outcome, migration_id, step],
        ).fetchall()
        if closed and outcome == "done":
            self._sample(step, parse_iso(closed[0][0]), ended_at)
        return bool(closed)

    def _sample(self, step: str, started_at: datetime, ended_at: datetime) -> None:
        """A step record just became "done": one more sample for its median."""
        seconds = (ended_at - started_at).total_seconds()
        if self._samples is not None and seconds >= 0:
            bisect.insort(self._samples.setdefault(step, []), seconds)

    def _rolled_back(self) -> None:
        super()._rolled_back()
        self._samples = None  # samples added in the failed transaction never happened

    def step_history(self, migration_id: str) -> list[StepRecord]:
        """The migration's step records in the order they started."""
        with self._lock:
            rows = list(
                self._table("steps").rows_where(
                    "migration_id = ?", [migration_id], order_by="started_at, id"
                )
            )
        return from_rows(StepRecord, rows)

    def median_step_seconds(self, *, min_samples: int = 1) -> dict[str, float]:
        """Median seconds per step over finished records with outcome "done".

        Steps with fewer than `min_samples` such records are left out. Reflects this
        store's writes at once, and another connection's (seen through `PRAGMA
        data_version`) at the next call.
        """
        with self._lock:
            data_version = int(self._db.execute("PRAGMA data_version").fetchone()[0])
            if data_version != self._median_data_version or self._samples is None:
                self._samples = self._load_samples()
                self._median_data_version = data_version
            return {
                step: _median(values)
                for step, values in self._samples.items()
                if values and len(values) >= max(1, min_samples)
            }

    def step_seconds(self) -> dict[str, list[float]]:
        """Every "done" record's duration per step, sorted (copies of what the medians use)."""
        self.median_step_seconds()  # brings the samples up to date
        with self._lock:
            return {step: list(values) for step, values in (self._samples or {}).items()}

    def _load_samples(self) -> dict[str, list[float]]:
        rows = self._rows(
            "SELECT step, started_at, ended_at FROM steps"
            " WHERE outcome = 'done' AND ended_at IS NOT NULL"
        )
        samples: dict[str, list[float]] = defaultdict(list)
        for row in rows:
            seconds = (parse_iso(row["ended_at"]) - parse_iso(row["started_at"])).total_seconds()
            if seconds >= 0:
                samples[row["step"]].append(seconds)
        return {step: sorted(values) for step, values in samples.items()}


def _median(ordered: list[float]) -> float:
    """The median of a sorted, non-empty list (as `statistics.median`)."""
    mid = len(ordered) // 2
    if len(ordered) % 2:
        return float(ordered[mid])
    return (ordered[mid - 1] + ordered[mid]) / 2
