"""Schema migrations, connection settings, and the schema matching the models."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from pydantic import BaseModel

from bot.clock import FakeClock
from storage.database import connect
from storage.records import Approval, AuditEntry, OutboxItem, StepRecord, TrackedMigration
from storage.schema import LATEST, MIGRATIONS, SchemaTooNew, apply_migrations, schema_version
from storage.store import Store
from tests.storage.factories import T0, outbox


def _tables(path: Path) -> set[str]:
    with sqlite3.connect(path) as conn:
        rows = conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'").fetchall()
    return {r[0] for r in rows} - {"sqlite_sequence"}


def test_there_is_more_than_one_migration_so_upgrades_are_exercised() -> None:
    assert LATEST == len(MIGRATIONS) >= 2


def test_an_empty_file_gets_every_migration(db_path: Path, clock: FakeClock) -> None:
    with Store(db_path, clock=clock) as store:
        assert store.schema_version() == LATEST
        assert store.counts() == {
            "migrations": 0,
            "steps": 0,
            "approvals": 0,
            "audit": 0,
            "outbox": 0,
            "deliveries": 0,
        }


def test_a_file_at_version_1_is_upgraded_and_keeps_its_rows(
    db_path: Path, clock: FakeClock
) -> None:
    db = connect(db_path)
    assert apply_migrations(db, target=1) == 1
    db.execute(
        "INSERT INTO outbox (kind, channel_id, payload, dedupe_key, created_at)"
        " VALUES ('reply', 'C1', '{\"text\": \"hi\"}', 'k1', ?)",
        [T0.isoformat(timespec="microseconds")],
    )
    db.close()
    assert "deliveries" not in _tables(db_path)

    with Store(db_path, clock=clock) as store:
        assert store.schema_version() == LATEST
        [item] = store.due_outbox(now=T0)
        assert item.payload == {"text": "hi"} and item.dedupe_key == "k1"
        # the column added in version 2 works on the old row
        store.drop(item.id or 0, error="gone")
        assert store.due_outbox(now=T0) == []
        assert store.seen_delivery("x") is False


def test_reapplying_is_a_no_op(db_path: Path, clock: FakeClock) -> None:
    with Store(db_path, clock=clock) as store:
        store.enqueue(outbox("k"))
        schema_before = store.db.schema
        assert apply_migrations(store.db) == LATEST
        assert store.db.schema == schema_before
    with Store(db_path, clock=clock) as store:
        assert store.counts()["outbox"] == 1
        assert store.schema_version() == LATEST


def test_a_failing_migration_leaves_the_file_at_the_old_version(
    db_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import storage.schema as schema

    broken = (*MIGRATIONS[:1], (*MIGRATIONS[1][:1], "THIS IS NOT SQL"))
    monkeypatch.setattr(schema, "MIGRATIONS", broken)
    db = connect(db_path)
    with pytest.raises(sqlite3.OperationalError):
        schema.apply_migrations(db)
    assert schema_version(db) == 1
    assert "dead" not in db.table("outbox").columns_dict  # the ALTER was rolled back
    db.close()


def test_a_file_from_a_newer_bot_is_refused(db_path: Path, clock: FakeClock) -> None:
    db = connect(db_path)
    db.execute(f"PRAGMA user_version = {LATEST + 1}")
    db.close()
    with pytest.raises(SchemaTooNew):
        Store(db_path, clock=clock)


def test_a_file_is_in_wal_mode_with_a_busy_timeout(file_store: Store) -> None:
    assert file_store.db.journal_mode == "wal"
    assert file_store.db.execute("PRAGMA busy_timeout").fetchone()[0] == 5000


def test_the_parent_folder_is_created(tmp_path: Path, clock: FakeClock) -> None:
    with Store(tmp_path / "data" / "bot.db", clock=clock) as store:
        assert store.schema_version() == LATEST


@pytest.mark.parametrize(
    ("table", "model", "extra"),
    [
        ("migrations", TrackedMigration, set()),
        ("steps", StepRecord, {"id"}),
        ("approvals", Approval, set()),
        ("audit", AuditEntry, set()),
        ("outbox", OutboxItem, {"dead"}),
    ],
)
def test_every_model_field_has_a_column(
    store: Store, table: str, model: type[BaseModel], extra: set[str]
) -> None:
    """A field added to `storage/records.py` needs a schema migration too."""
    columns = set(store.db.table(table).columns_dict)
    assert columns == set(model.model_fields) | extra
