"""The connection, its settings, and the transactions every store method runs in.

One `sqlite3.Connection` per `Store`, shared by the event loop and the scheduler's
threads (`check_same_thread=False`), wrapped in a sqlite-utils `Database`. The
connection is in autocommit mode (`isolation_level=None`): the only transactions
are the ones opened here, so nothing is ever left half-open by the driver.
"""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import Table, quote_identifier

from bot.clock import Clock

MEMORY = ":memory:"
DEFAULT_BUSY_TIMEOUT_MS = 5000


def connect(path: str | Path, *, busy_timeout_ms: int = DEFAULT_BUSY_TIMEOUT_MS) -> Database:
    """Open `path` (or an in-memory database for ":memory:") ready for the store.

    A file gets WAL mode (synchronous=NORMAL), so readers never wait for the writer;
    every connection gets `busy_timeout`, so a file another writer holds is waited
    for, not lost.
    """
    memory = str(path) == MEMORY
    if not memory:
        Path(path).parent.mkdir(parents=True, exist_ok=True)
    conn = sqlite3.connect(
        MEMORY if memory else str(path),
        timeout=busy_timeout_ms / 1000,
        check_same_thread=False,
        isolation_level=None,
    )
    conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
    db = Database(conn, execute_plugins=False)
    if not memory:
        db.enable_wal()
        # WAL + NORMAL: a commit no longer waits for fsync (0.4 ms of a blocked event
        # loop per write); a killed process loses nothing, a power cut at most the
        # last commits, never consistency
        conn.execute("PRAGMA synchronous = NORMAL")
    return db


@contextmanager
def immediate(db: Database) -> Iterator[Database]:
    """A write transaction: `BEGIN IMMEDIATE` … `COMMIT`, rolled back on any error.

    `IMMEDIATE` takes the write lock up front (waiting up to `busy_timeout`), so a
    read-modify-write in one process cannot interleave with one in another. Inside
    an open transaction this nests as a savepoint instead.
    """
    conn = db.conn
    if conn.in_transaction:
        with db.atomic():
            yield db
        return
    conn.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise
    try:
        conn.execute("COMMIT")
    except BaseException:
        if conn.in_transaction:
            conn.execute("ROLLBACK")
        raise


class StoreBase:
    """What every part of the store shares: the database, one lock, the clock."""

    def __init__(self, db: Database, *, clock: Clock) -> None:
        self._db = db
        self._clock = clock
        self._lock = threading.RLock()

    @property
    def db(self) -> Database:
        """The sqlite-utils database underneath (for tests and maintenance)."""
        return self._db

    @contextmanager
    def _write(self) -> Iterator[Database]:
        """The lock plus a `BEGIN IMMEDIATE` transaction: one unit of work."""
        with self._lock:
            try:
                with immediate(self._db) as db:
                    yield db
            except BaseException:
                self._rolled_back()
                raise

    def _rolled_back(self) -> None:
        """A write failed and was undone: forget anything cached from it (subclasses)."""

    @contextmanager
    def _read(self) -> Iterator[Database]:
        """The lock plus a read transaction: a consistent snapshot across queries."""
        with self._lock, self._db.atomic() as db:
            yield db

    def _table(self, name: str) -> Table:
        return self._db.table(name)

    def _rows(self, sql: str, params: Any = ()) -> list[dict[str, Any]]:
        """All rows of a query, as dicts (call under the lock)."""
        return list(self._db.query(sql, params))

    def _insert(self, table: str, row: Mapping[str, Any], *, or_nothing: bool) -> sqlite3.Cursor:
        """`INSERT` one row; with `or_nothing`, a uniqueness conflict skips it.

        The cursor's `rowcount` is 0 when the row was skipped; `lastrowid` is the new id.
        """
        columns = ", ".join(quote_identifier(c) for c in row)
        marks = ", ".join("?" for _ in row)
        conflict = " ON CONFLICT DO NOTHING" if or_nothing else ""
        sql = f"INSERT INTO {quote_identifier(table)} ({columns}) VALUES ({marks}){conflict}"
        return self._db.execute(sql, list(row.values()))

    def _upsert(
        self, table: str, row: Mapping[str, Any], *, pk: str, keep_if_null: Iterable[str] = ()
    ) -> None:
        """Insert `row`, or overwrite the stored row with it column by column.

        Columns in `keep_if_null` keep their stored value when `row` has None there:
        they are written once by someone else (e.g. a message ts the sender saved),
        and a save from a copy read before that must not erase them.
        """
        keep = set(keep_if_null)
        columns = ", ".join(quote_identifier(c) for c in row)
        marks = ", ".join("?" for _ in row)
        updates = ", ".join(
            f"{q} = coalesce(excluded.{q}, {q})" if c in keep else f"{q} = excluded.{q}"
            for c in row
            if c != pk
            for q in [quote_identifier(c)]
        )
        self._db.execute(
            f"INSERT INTO {quote_identifier(table)} ({columns}) VALUES ({marks})"
            f" ON CONFLICT({quote_identifier(pk)}) DO UPDATE SET {updates}",
            list(row.values()),
        )
