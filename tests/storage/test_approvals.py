"""Approvals: one open request per migration and kind; every change exactly once."""

from __future__ import annotations

import threading
from collections.abc import Callable
from pathlib import Path
from typing import TypeVar

import pytest

from bot.clock import FakeClock
from storage.records import Decision
from storage.store import Store
from tests.storage.factories import T0, approval, at

R = TypeVar("R")


def _race(n: int, fn: Callable[[int], R]) -> list[R]:
    """Run `fn(0..n-1)` in `n` threads released at the same moment."""
    barrier = threading.Barrier(n)
    results: list[R | None] = [None] * n
    errors: list[BaseException] = []

    def run(i: int) -> None:
        barrier.wait()
        try:
            results[i] = fn(i)
        except BaseException as exc:  # surfaced below
            errors.append(exc)

    threads = [threading.Thread(target=run, args=(i,)) for i in range(n)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert errors == []
    return results  # type: ignore[return-value]


def approve(user: str) -> Decision:
    return Decision(user=user, decision="approve", at=T0)


def test_open_approval_once_per_migration_and_kind(store: Store) -> None:
    first, created = store.open_approval(approval("ap-1"))
    assert created is True and first.status == "pending"
    again, created = store.open_approval(approval("ap-2"))
    assert created is False and again.approval_id == "ap-1"
    _, created = store.open_approval(approval("ap-3", kind="teardown"))
    assert created is True
    # same id again: the stored one comes back
    same, created = store.open_approval(approval("ap-3", kind="teardown"))
    assert created is False and same.approval_id == "ap-3"
    # once closed, a new request may be opened
    store.transition_approval("ap-1", from_statuses={"pending"}, to_status="denied")
    _, created = store.open_approval(approval("ap-4"))
    assert created is True
    assert [a.approval_id for a in store.approvals_for_migration(approval().migration_id)] == [
        "ap-1",
        "ap-3",
        "ap-4",
    ]


def test_get_and_round_trip(store: Store) -> None:
    a = approval(snapshot={"step": "completed", "region": "eu-west-1"}, thread_ts="1.2")
    store.open_approval(a)
    assert store.get_approval("ap-1") == a
    assert store.get_approval("missing") is None


def test_record_decision_outcomes(store: Store) -> None:
    assert store.record_decision("missing", approve("U2")) == (None, "missing")
    store.open_approval(approval(required=2))
    a, outcome = store.record_decision("ap-1", approve("U2"))
    assert outcome == "added" and a is not None and a.approvers == ["U2"]
    a, outcome = store.record_decision("ap-1", approve("U2"))
    assert outcome == "duplicate" and a is not None and a.approvers == ["U2"]
    a, outcome = store.record_decision("ap-1", approve("U3"))
    assert outcome == "added" and a is not None and a.approvers == ["U2", "U3"]
    # changing one's mind replaces the earlier decision
    a, outcome = store.record_decision("ap-1", Decision(user="U2", decision="deny", at=at(5)))
    assert outcome == "added" and a is not None and a.approvers == ["U3"]
    assert [(d.user, d.decision) for d in a.decisions] == [("U3", "approve"), ("U2", "deny")]

    store.transition_approval("ap-1", from_statuses={"pending"}, to_status="executing")
    a, outcome = store.record_decision("ap-1", approve("U4"))
    assert outcome == "closed" and a is not None and a.status == "executing"
    assert len(a.decisions) == 2


def test_transition_is_conditional_and_closes_final_states(store: Store, clock: FakeClock) -> None:
    store.open_approval(approval())
    assert (
        store.transition_approval("ap-1", from_statuses={"executing"}, to_status="failed") is None
    )
    assert store.transition_approval("ap-1", from_statuses=set(), to_status="failed") is None
    assert store.transition_approval("nope", from_statuses={"pending"}, to_status="failed") is None

    executing = store.transition_approval(
        "ap-1", from_statuses={"pending"}, to_status="executing", message_ts="9.9"
    )
    assert executing is not None and executing.status == "executing"
    assert executing.closed_at is None and executing.message_ts == "9.9"

    clock.advance(60)
    done = store.transition_approval(
        "ap-1",
        from_statuses={"executing"},
        to_status="executed",
        reason="reverse started",
        result={"migration_id": "rev-1"},
    )
    assert done is not None
    assert (done.status, done.reason, done.result) == (
        "executed",
        "reverse started",
        {"migration_id": "rev-1"},
    )
    assert done.closed_at == at(60) and done.message_ts == "9.9"
    # nothing more happens to a closed request
    assert store.transition_approval("ap-1", from_statuses={"pending"}, to_status="voided") is None
    assert store.pending_approvals() == []


def test_listings_and_card_bookkeeping(store: Store) -> None:
    store.open_approval(approval("ap-1", required=2))
    store.open_approval(approval("ap-2", kind="teardown", requested_at=at(5)))
    store.record_decision("ap-1", approve("U2"))
    assert [a.approval_id for a in store.pending_approvals()] == ["ap-1", "ap-2"]
    assert [a.approval_id for a in store.approvals_waiting_for("U2")] == ["ap-2"]
    assert [a.approval_id for a in store.approvals_waiting_for("U3")] == ["ap-1", "ap-2"]

    assert store.set_approval_message("ap-1", "111.1", "100.0") is True
    assert store.set_approval_message("ap-1", "111.2") is True  # thread kept
    got = store.get_approval("ap-1")
    assert got is not None and (got.message_ts, got.thread_ts) == ("111.2", "100.0")
    assert store.set_approval_message("missing", "1.1") is False

    assert store.bump_approval_card("ap-1") == 1
    assert store.bump_approval_card("ap-1") == 2
    with pytest.raises(KeyError):
        store.bump_approval_card("missing")


def test_twenty_threads_one_store_exactly_one_transition(store: Store) -> None:
    store.open_approval(approval())
    results = _race(
        20,
        lambda i: store.transition_approval(
            "ap-1", from_statuses={"pending"}, to_status="executing"
        ),
    )
    assert sum(r is not None for r in results) == 1


def test_twenty_threads_one_user_one_decision(store: Store) -> None:
    store.open_approval(approval(required=3))
    outcomes = _race(20, lambda i: store.record_decision("ap-1", approve("U2"))[1])
    assert sorted(outcomes) == ["added"] + ["duplicate"] * 19
    # and twenty distinct users are all recorded
    store.open_approval(approval("ap-2", kind="teardown", required=20))
    outcomes = _race(20, lambda i: store.record_decision("ap-2", approve(f"U{i}"))[1])
    assert outcomes == ["added"] * 20
    got = store.get_approval("ap-2")
    assert got is not None and len(got.decisions) == 20


def test_two_stores_on_one_file_exactly_one_winner(db_path: Path, clock: FakeClock) -> None:
    with Store(db_path, clock=clock) as one, Store(db_path, clock=clock) as two:
        one.open_approval(approval())
        stores = (one, two)

        outcomes = _race(20, lambda i: stores[i % 2].record_decision("ap-1", approve("U2"))[1])
        assert sorted(outcomes) == ["added"] + ["duplicate"] * 19

        winners = _race(
            20,
            lambda i: stores[i % 2].transition_approval(
                "ap-1", from_statuses={"pending"}, to_status="executing"
            ),
        )
        assert sum(w is not None for w in winners) == 1
        # after the race, late clicks are told it is closed, whichever store they hit
        assert two.record_decision("ap-1", approve("U3"))[1] == "closed"
        assert one.record_decision("ap-1", approve("U4"))[1] == "closed"


def test_two_stores_cannot_both_open_a_request(db_path: Path, clock: FakeClock) -> None:
    with Store(db_path, clock=clock) as one, Store(db_path, clock=clock) as two:
        stores = (one, two)
        created = _race(10, lambda i: stores[i % 2].open_approval(approval(f"ap-{i}"))[1])
        assert sum(created) == 1
        assert len(one.pending_approvals()) == 1
