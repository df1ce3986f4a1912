"""The store as a whole: the unit of work, deliveries, locking, lifecycle."""

from __future__ import annotations

import sqlite3
import threading
import time
from pathlib import Path

import pytest
from pydantic_core import PydanticSerializationError

from bot.clock import FakeClock
from storage.records import OutboxItem
from storage.store import Store
from tests.storage.factories import approval, at, audit, migration, outbox, step

ID = "3f2a9c1e-0000-4000-8000-000000000001"


def _change(store: Store) -> dict:
    """One observed change: restoring_data started, with its messages."""
    m = migration(ID, current_step="restoring_data", seen_steps=["dumping_data"])
    return {
        "migration": m,
        "steps_closed": [(ID, "dumping_data", at(300), "done")],
        "steps_opened": [step(ID, "restoring_data", 300)],
        "approvals": [approval(status="voided", reason="state changed")],
        "outbox": [outbox("reply:restoring_data"), outbox("card:v2", kind="card")],
        "audit": [audit("step.changed")],
    }


def test_apply_writes_everything(store: Store, clock: FakeClock) -> None:
    store.add_step(step(ID, "dumping_data", 0))
    clock.advance(300)
    store.apply(**_change(store))

    got = store.get_migration(ID)
    assert got is not None and got.current_step == "restoring_data"
    assert got.updated_at == at(300)
    assert [(r.step, r.outcome) for r in store.step_history(ID)] == [
        ("dumping_data", "done"),
        ("restoring_data", None),
    ]
    voided = store.get_approval("ap-1")
    assert voided is not None and voided.status == "voided"
    assert [i.dedupe_key for i in store.due_outbox(now=at(300))] == [
        "reply:restoring_data",
        "card:v2",
    ]
    assert [e.action for e in store.audit_log(migration_id=ID)] == ["step.changed"]
    assert store.median_step_seconds() == {"dumping_data": 300.0}


def test_apply_skips_outbox_items_already_queued(store: Store) -> None:
    store.apply(**_change(store))
    before = store.counts()
    store.apply(outbox=[outbox("reply:restoring_data"), outbox("new")])
    after = store.counts()
    assert after["outbox"] == before["outbox"] + 1


def test_apply_is_all_or_nothing_on_a_bad_value(store: Store) -> None:
    store.add_step(step(ID, "dumping_data", 0))
    before = store.counts()
    change = _change(store)
    # the very last write fails: the detail cannot be stored as JSON
    change["audit"] = [audit("ok"), audit("bad", detail={"oops": object()})]
    with pytest.raises(PydanticSerializationError):
        store.apply(**change)
    assert store.counts() == before
    assert store.get_migration(ID) is None
    assert [r.outcome for r in store.step_history(ID)] == [None]  # not closed


def test_apply_is_all_or_nothing_on_a_constraint(store: Store) -> None:
    before = store.counts()
    bad = OutboxItem.model_construct(kind="reply", channel_id=None, created_at=at(0))
    with pytest.raises(sqlite3.IntegrityError):
        store.apply(migration=migration(ID), outbox=[outbox("fine"), bad])
    assert store.counts() == before


def test_apply_is_all_or_nothing_when_interrupted(
    store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    before = store.counts()

    def crash(*args: object) -> int:
        raise KeyboardInterrupt

    monkeypatch.setattr(store, "_audit", crash)
    with pytest.raises(KeyboardInterrupt):
        store.apply(**_change(store))
    monkeypatch.undo()
    assert store.counts() == before
    # and the store still works afterwards
    store.apply(**_change(store))
    assert store.counts()["migrations"] == 1


def test_apply_keeps_an_approval_card_ts_saved_meanwhile(store: Store) -> None:
    store.open_approval(approval())
    stale = store.get_approval("ap-1")
    assert stale is not None
    store.set_approval_message("ap-1", "555.5", "100.0")
    stale.status = "voided"
    store.apply(approvals=[stale])
    got = store.get_approval("ap-1")
    assert got is not None
    assert (got.status, got.message_ts, got.thread_ts) == ("voided", "555.5", "100.0")


def test_seen_delivery(store: Store, clock: FakeClock) -> None:
    assert store.seen_delivery("action:U1:123.4") is False
    assert store.seen_delivery("action:U1:123.4") is True
    assert store.seen_delivery("action:U2:123.4") is False
    clock.advance(3601)
    assert store.seen_delivery("action:U1:123.4") is False  # pruned, so new again
    assert store.counts()["deliveries"] == 1


def test_a_locked_file_is_waited_for(db_path: Path, file_store: Store) -> None:
    locked, release = threading.Event(), threading.Event()

    def hold_lock() -> None:
        conn = sqlite3.connect(db_path, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        conn.execute("INSERT INTO deliveries VALUES ('other-writer', '2026')")
        locked.set()
        release.wait(1.0)  # about a second, as another busy writer would
        conn.execute("COMMIT")
        conn.close()

    holder = threading.Thread(target=hold_lock)
    holder.start()
    assert locked.wait(5)
    started = time.monotonic()
    assert file_store.add_migration(migration(ID)) is True
    waited = time.monotonic() - started
    holder.join()
    assert waited > 0.5
    assert file_store.get_migration(ID) is not None
    assert file_store.counts()["deliveries"] == 1


def test_without_a_busy_timeout_the_same_write_fails(db_path: Path, clock: FakeClock) -> None:
    with Store(db_path, clock=clock, busy_timeout_ms=0) as impatient:
        conn = sqlite3.connect(db_path, isolation_level=None)
        conn.execute("BEGIN EXCLUSIVE")
        try:
            with pytest.raises(sqlite3.OperationalError, match="locked"):
                impatient.add_migration(migration(ID))
        finally:
            conn.execute("ROLLBACK")
            conn.close()
        assert impatient.add_migration(migration(ID)) is True


def test_close_and_context_manager(db_path: Path, clock: FakeClock) -> None:
    store = Store(db_path, clock=clock)
    store.close()
    store.close()  # twice is fine
    with pytest.raises(sqlite3.ProgrammingError):
        store.get_migration(ID)
    with Store(db_path, clock=clock) as again:
        assert again.get_migration(ID) is None


def test_in_memory_stores_are_separate(clock: FakeClock) -> None:
    with Store.in_memory(clock=clock) as one, Store.in_memory(clock=clock) as two:
        one.add_migration(migration(ID))
        assert two.get_migration(ID) is None
        assert one.db.journal_mode == "memory"
