"""Tracked migrations and step history."""

from __future__ import annotations

from datetime import UTC
from pathlib import Path

from bot.clock import FakeClock
from storage.store import Store
from tests.storage.factories import T0, at, migration, step

ID_A = "3f2a9c1e-0000-4000-8000-000000000001"
ID_B = "3f2a9c1e-1111-4000-8000-000000000002"
ID_C = "7b00d4aa-0000-4000-8000-000000000003"


def test_add_migration_inserts_once(store: Store) -> None:
    assert store.add_migration(migration(ID_A)) is True
    assert store.add_migration(migration(ID_A, app_id="other")) is False
    got = store.get_migration(ID_A)
    assert got is not None and got.app_id == "app-42"
    assert store.get_migration("nope") is None


def test_values_round_trip_with_their_types(store: Store) -> None:
    m = migration(
        ID_A,
        adopted=True,
        polling=False,
        progress={"rows_copied": 1200, "tables": ["a", "b"]},
        seen_steps=["requested", "reserving_dest"],
        flipped_at=at(90),
        step_started_at=at(60).astimezone(),  # any zone in, UTC out
    )
    store.add_migration(m)
    got = store.get_migration(ID_A)
    assert got == m
    assert got is not None
    assert got.flipped_at is not None and got.flipped_at.tzinfo is UTC
    assert got.step_started_at == at(60) and got.created_at.tzinfo is UTC
    assert got.adopted is True and got.polling is False


def test_save_migration_upserts_and_stamps_updated_at(store: Store, clock: FakeClock) -> None:
    m = migration(ID_A)
    store.save_migration(m)  # inserts
    clock.advance(30)
    m.current_step = "dumping_data"
    m.retry_count = 2
    store.save_migration(m)
    got = store.get_migration(ID_A)
    assert got is not None
    assert (got.current_step, got.retry_count) == ("dumping_data", 2)
    assert got.updated_at == at(30) == m.updated_at
    assert got.created_at == T0
    assert store.counts()["migrations"] == 1


def test_find_migrations_by_exact_id_or_short_prefix(store: Store) -> None:
    for i, mid in enumerate((ID_A, ID_B, ID_C)):
        store.add_migration(migration(mid, created_at=at(i)))
    assert [m.migration_id for m in store.find_migrations(ID_A)] == [ID_A]
    assert [m.migration_id for m in store.find_migrations(ID_A.upper())] == [ID_A]
    # the 8-character short id people type
    assert [m.migration_id for m in store.find_migrations("7B00D4AA")] == [ID_C]
    # ambiguous: both, newest first
    assert [m.migration_id for m in store.find_migrations("3f2a9c1e")] == [ID_B, ID_A]
    assert store.find_migrations("3f2a9c1e", app_id="someone-else") == []
    assert store.find_migrations("") == [] and store.find_migrations("  ") == []


def test_find_migrations_takes_wildcards_literally(store: Store) -> None:
    store.add_migration(migration("ab_c%def-1"))
    store.add_migration(migration("abxcydef-2"))
    assert store.find_migrations("%") == []
    assert store.find_migrations("_") == []
    assert store.find_migrations("ab_") != []
    assert [m.migration_id for m in store.find_migrations("ab_c%")] == ["ab_c%def-1"]
    assert [m.migration_id for m in store.find_migrations("abxc")] == ["abxcydef-2"]
    store.add_migration(migration("back\\slash-3"))
    assert [m.migration_id for m in store.find_migrations("back\\")] == ["back\\slash-3"]


def test_listings(store: Store) -> None:
    store.add_migration(migration(ID_A, created_at=at(0), channel_id="C1", requester="U1"))
    store.add_migration(
        migration(ID_B, created_at=at(10), channel_id="C1", requester="U2", polling=False)
    )
    store.add_migration(
        migration(ID_C, created_at=at(20), channel_id="C2", app_id="app-7", requester=None)
    )

    def ids(ms: list) -> list[str]:
        return [m.migration_id for m in ms]

    assert ids(store.polling_migrations()) == [ID_A, ID_C]
    assert ids(store.migrations_for_app("app-42")) == [ID_B, ID_A]
    assert ids(store.migrations_for_app("app-42", limit=1)) == [ID_B]
    assert ids(store.migrations_in_channel("C1")) == [ID_A]
    assert ids(store.migrations_in_channel("C1", active_only=False)) == [ID_B, ID_A]
    assert ids(store.recent_migrations()) == [ID_C, ID_B, ID_A]
    assert ids(store.recent_migrations(limit=2)) == [ID_C, ID_B]
    assert ids(store.recent_migrations(requester="U2")) == [ID_B]


def test_reverse_of(store: Store) -> None:
    store.add_migration(migration(ID_A))
    assert store.reverse_of(ID_A) is None
    store.add_migration(migration(ID_B, kind="reverse", parent_migration_id=ID_A))
    store.add_migration(migration(ID_C, parent_migration_id=ID_A))  # not a reverse
    found = store.reverse_of(ID_A)
    assert found is not None and found.migration_id == ID_B


def test_step_history_and_close_step(store: Store) -> None:
    store.add_step(step(ID_A, "requested", 0))
    store.add_step(step(ID_B, "requested", 1))
    assert store.close_step(ID_A, "requested", at(5), "done") is True
    store.add_step(step(ID_A, "dumping_data", 5))
    assert store.close_step(ID_A, "dumping_data", at(9), "failed") is True
    store.add_step(step(ID_A, "dumping_data", 9))  # the retry
    assert store.close_step(ID_A, "dumping_data", at(20), "done") is True
    assert store.close_step(ID_A, "dumping_data", at(21), "done") is False  # none open

    history = store.step_history(ID_A)
    assert [(r.step, r.started_at, r.ended_at, r.outcome) for r in history] == [
        ("requested", at(0), at(5), "done"),
        ("dumping_data", at(5), at(9), "failed"),
        ("dumping_data", at(9), at(20), "done"),
    ]
    assert [r.outcome for r in store.step_history(ID_B)] == [None]


def test_median_step_seconds(store: Store) -> None:
    for mid, seconds in ((ID_A, 10), (ID_B, 30), (ID_C, 20)):
        store.add_step(step(mid, "dumping_data", 0, seconds, "done"))
    store.add_step(step(ID_A, "dumping_data", 100, 9999, "failed"))  # not a sample
    store.add_step(step(ID_A, "restoring_data", 0, 40, "done"))
    store.add_step(step(ID_B, "restoring_data", 0))  # still open: not a sample

    assert store.median_step_seconds() == {"dumping_data": 20.0, "restoring_data": 40.0}
    assert store.median_step_seconds(min_samples=2) == {"dumping_data": 20.0}

    # cached, and refreshed when a step closes
    store.close_step(ID_B, "restoring_data", at(60), "done")
    assert store.median_step_seconds() == {"dumping_data": 20.0, "restoring_data": 50.0}
    store.add_step(step(ID_C, "restoring_data", 0, 70, "done"))
    assert store.median_step_seconds(min_samples=3) == {
        "dumping_data": 20.0,
        "restoring_data": 60.0,
    }


def test_median_cache_sees_writes_from_another_connection(db_path: Path, clock: FakeClock) -> None:
    with Store(db_path, clock=clock) as one, Store(db_path, clock=clock) as two:
        one.add_step(step(ID_A, "dumping_data", 0, 10, "done"))
        assert one.median_step_seconds() == {"dumping_data": 10.0}
        two.add_step(step(ID_B, "dumping_data", 0, 30, "done"))
        assert one.median_step_seconds() == {"dumping_data": 20.0}


def test_data_survives_closing_and_reopening(db_path: Path, clock: FakeClock) -> None:
    m = migration(ID_A, progress={"pct": 40}, seen_steps=["requested"], card_ts="171.1")
    with Store(db_path, clock=clock) as store:
        store.add_migration(m)
        store.add_step(step(ID_A, "requested", 0, 3, "done"))
    with Store(db_path, clock=clock) as store:
        assert store.get_migration(ID_A) == m
        assert [r.outcome for r in store.step_history(ID_A)] == ["done"]


def test_set_card_ts_also_opens_the_thread(store: Store, clock: FakeClock) -> None:
    assert store.set_card_ts(ID_A, "171.1") is False  # unknown
    store.add_migration(migration(ID_A))
    clock.advance(5)
    assert store.set_card_ts(ID_A, "171.1") is True
    got = store.get_migration(ID_A)
    assert got is not None
    assert (got.card_ts, got.thread_ts, got.updated_at) == ("171.1", "171.1", at(5))
    store.set_card_ts(ID_A, "171.2")  # a re-post moves the card, not the thread
    got = store.get_migration(ID_A)
    assert got is not None and (got.card_ts, got.thread_ts) == ("171.2", "171.1")


def test_a_stale_save_does_not_erase_the_card_ts(store: Store) -> None:
    """The tracker read the migration before the sender posted the card: saving
    that copy must not lose the card (or the next update would post a second one)."""
    store.add_migration(migration(ID_A))
    stale = store.get_migration(ID_A)
    assert stale is not None and stale.card_ts is None
    store.set_card_ts(ID_A, "171.1")
    stale.current_step = "reserving_dest"
    store.save_migration(stale)
    got = store.get_migration(ID_A)
    assert got is not None
    assert (got.current_step, got.card_ts, got.thread_ts) == ("reserving_dest", "171.1", "171.1")
