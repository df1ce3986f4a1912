"""Watch the bot's outbox from outside (read-only SQLite), for finding where delivery
waits: queued items by priority and lane kind, and the age of the oldest of each.

`BENCH_MONITOR=1 python -m bench.tracking_limits ...` prints a line every few seconds."""

from __future__ import annotations

import sqlite3
import threading
import time
from datetime import UTC, datetime
from pathlib import Path

_QUERY = (
    "SELECT priority, substr(lane, 1, instr(lane, ':') - 1), count(*), min(created_at)"
    " FROM outbox WHERE sent_at IS NULL AND dead = 0 GROUP BY 1, 2 ORDER BY 1, 2"
)


def snapshot(db: Path) -> str:
    """`p<priority>/<lane kind> <count> (<oldest age> s)` for each queued group."""
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            rows = conn.execute(_QUERY).fetchall()
        finally:
            conn.close()
    except sqlite3.Error as exc:
        return f"unreadable: {exc}"
    now = datetime.now(UTC)
    parts = []
    for priority, kind, count, oldest in rows:
        age = (now - datetime.fromisoformat(oldest)).total_seconds()
        parts.append(f"p{priority}/{kind} {count} ({age:.1f}s)")
    return ", ".join(parts) or "empty"


class Monitor:
    """Prints `snapshot` every `every` seconds in a daemon thread until `stop()`."""

    def __init__(self, db: Path, every: float = 2.0) -> None:
        self._db = db
        self._every = every
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._started = time.time()

    def start(self) -> Monitor:
        self._thread.start()
        return self

    def _run(self) -> None:
        while not self._stop.wait(self._every):
            if self._db.exists():
                print(f"[{time.time() - self._started:6.1f}s] {snapshot(self._db)}", flush=True)

    def stop(self) -> None:
        self._stop.set()
        self._thread.join(timeout=5)
