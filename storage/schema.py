"""The schema, as numbered migrations applied at start.

`MIGRATIONS[n - 1]` takes a database from version n-1 to version n; the version
is SQLite's `PRAGMA user_version` (0 for a new file). Each migration runs in its
own `BEGIN IMMEDIATE` transaction together with the version bump, so a crash
leaves the file at the old version or the new one, and two processes starting
on one file apply each migration once. Never edit a released migration: add one.
"""

from __future__ import annotations

from sqlite_utils import Database

from storage.database import immediate

# Version 1: what the bot remembers.
_V1 = (
    """
    CREATE TABLE migrations (
        migration_id TEXT PRIMARY KEY,
        app_id TEXT NOT NULL,
        source_region TEXT,
        dest_region TEXT,
        kind TEXT NOT NULL DEFAULT 'move',
        parent_migration_id TEXT,
        channel_id TEXT NOT NULL,
        card_ts TEXT,
        thread_ts TEXT,
        requester TEXT,
        adopted INTEGER NOT NULL DEFAULT 0,
        created_at TEXT NOT NULL,
        updated_at TEXT NOT NULL,
        current_step TEXT NOT NULL DEFAULT 'requested',
        last_error TEXT,
        retry_count INTEGER NOT NULL DEFAULT 0,
        replica_state TEXT,
        step_started_at TEXT,
        completed_at TEXT,
        flipped_at TEXT,
        progress TEXT NOT NULL DEFAULT '{}',
        seen_steps TEXT NOT NULL DEFAULT '[]',
        polling INTEGER NOT NULL DEFAULT 1,
        last_polled_at TEXT,
        unreachable_since TEXT,
        not_found INTEGER NOT NULL DEFAULT 0,
        retry_notice_sent INTEGER NOT NULL DEFAULT 0,
        stuck_notice_step TEXT,
        writes_paused_after_abort INTEGER NOT NULL DEFAULT 0,
        torn_down_at TEXT,
        reversed_by TEXT,
        card_version INTEGER NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX idx_migrations_app ON migrations (app_id, created_at)",
    "CREATE INDEX idx_migrations_channel ON migrations (channel_id, polling)",
    "CREATE INDEX idx_migrations_polling ON migrations (polling)",
    "CREATE INDEX idx_migrations_parent ON migrations (parent_migration_id)",
    """
    CREATE TABLE steps (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        migration_id TEXT NOT NULL,
        step TEXT NOT NULL,
        started_at TEXT NOT NULL,
        ended_at TEXT,
        outcome TEXT
    )
    """,
    "CREATE INDEX idx_steps_migration ON steps (migration_id, step, started_at)",
    """
    CREATE TABLE approvals (
        approval_id TEXT PRIMARY KEY,
        kind TEXT NOT NULL,
        migration_id TEXT NOT NULL,
        app_id TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        thread_ts TEXT,
        message_ts TEXT,
        requester TEXT NOT NULL,
        requested_at TEXT NOT NULL,
        expires_at TEXT NOT NULL,
        status TEXT NOT NULL DEFAULT 'pending',
        snapshot TEXT NOT NULL DEFAULT '{}',
        decisions TEXT NOT NULL DEFAULT '[]',
        required INTEGER NOT NULL DEFAULT 1,
        reason TEXT,
        result TEXT NOT NULL DEFAULT '{}',
        closed_at TEXT,
        card_version INTEGER NOT NULL DEFAULT 0
    )
    """,
    "CREATE INDEX idx_approvals_migration ON approvals (migration_id, kind, status)",
    "CREATE INDEX idx_approvals_status ON approvals (status)",
    # At most one open request per migration and kind, whatever the code does.
    """
    CREATE UNIQUE INDEX idx_approvals_one_open ON approvals (migration_id, kind)
    WHERE status IN ('pending', 'executing')
    """,
    """
    CREATE TABLE audit (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        at TEXT NOT NULL,
        actor TEXT NOT NULL,
        action TEXT NOT NULL,
        migration_id TEXT,
        approval_id TEXT,
        app_id TEXT,
        detail TEXT NOT NULL DEFAULT '{}'
    )
    """,
    "CREATE INDEX idx_audit_migration ON audit (migration_id)",
    "CREATE INDEX idx_audit_approval ON audit (approval_id)",
    """
    CREATE TABLE outbox (
        id INTEGER PRIMARY KEY AUTOINCREMENT,
        kind TEXT NOT NULL,
        channel_id TEXT NOT NULL,
        migration_id TEXT,
        approval_id TEXT,
        payload TEXT NOT NULL DEFAULT '{}',
        dedupe_key TEXT,
        created_at TEXT NOT NULL,
        attempts INTEGER NOT NULL DEFAULT 0,
        next_attempt_at TEXT,
        sent_at TEXT,
        result_ts TEXT,
        error TEXT
    )
    """,
    """
    CREATE UNIQUE INDEX idx_outbox_dedupe ON outbox (dedupe_key)
    WHERE dedupe_key IS NOT NULL
    """,
    "CREATE INDEX idx_outbox_migration ON outbox (migration_id, sent_at)",
)

# Version 2: give up on an outbox item without pretending it was sent, and
# remember Slack deliveries already handled.
_V2 = (
    "ALTER TABLE outbox ADD COLUMN dead INTEGER NOT NULL DEFAULT 0",
    "CREATE INDEX idx_outbox_unsent ON outbox (id) WHERE sent_at IS NULL AND dead = 0",
    """
    CREATE TABLE deliveries (
        key TEXT PRIMARY KEY,
        seen_at TEXT NOT NULL
    )
    """,
    "CREATE INDEX idx_deliveries_seen ON deliveries (seen_at)",
)

# Version 3: delivery by lane and priority, and the send window. An item's `lane` is
# what orders it (a migration's thread, its card, an approval card, or a channel's
# other messages): one lane never waits for another. `sending_at` marks an item whose
# call may have reached Slack; it is looked for there before being sent again.
_V3 = (
    "ALTER TABLE outbox ADD COLUMN lane TEXT",
    "ALTER TABLE outbox ADD COLUMN priority INTEGER NOT NULL DEFAULT 2",
    "ALTER TABLE outbox ADD COLUMN sending_at TEXT",
    """
    UPDATE outbox SET lane = CASE
        WHEN kind = 'card' AND approval_id IS NOT NULL THEN 'approval:' || approval_id
        WHEN kind = 'card' AND migration_id IS NOT NULL THEN 'card:' || migration_id
        WHEN migration_id IS NOT NULL THEN 'thread:' || migration_id
        WHEN approval_id IS NOT NULL THEN 'approval:' || approval_id
        ELSE 'channel:' || channel_id END
    """,
    "CREATE INDEX idx_outbox_lane ON outbox (lane, id) WHERE sent_at IS NULL AND dead = 0",
)

# Version 4: the replica's estimated monthly cost, read from Butterbase when a move
# completes and kept with it (it survives a restart; NULL: unknown).
_V4 = ("ALTER TABLE migrations ADD COLUMN replica_cost REAL",)

MIGRATIONS: tuple[tuple[str, ...], ...] = (_V1, _V2, _V3, _V4)
LATEST = len(MIGRATIONS)


class SchemaTooNew(RuntimeError):
    """The file was written by a newer version of the bot."""


def schema_version(db: Database) -> int:
    """The version the file is at (0 for an empty file)."""
    return int(db.execute("PRAGMA user_version").fetchone()[0])


def apply_migrations(db: Database, *, target: int = LATEST) -> int:
    """Bring `db` up to `target` (default: the latest); returns the version reached.

    Already applied migrations are skipped, so calling it again is a no-op.
    """
    if not 0 <= target <= LATEST:
        raise ValueError(f"no schema version {target}; the latest is {LATEST}")
    found = schema_version(db)
    if found > LATEST:
        raise SchemaTooNew(
            f"the database is at schema version {found}, newer than this bot knows ({LATEST})"
        )
    for version in range(found + 1, target + 1):
        with immediate(db):
            # Another process may have applied it while this one waited for the lock.
            if schema_version(db) >= version:
                continue
            for statement in MIGRATIONS[version - 1]:
                db.execute(statement)
            db.execute(f"PRAGMA user_version = {version}")
    return schema_version(db)
