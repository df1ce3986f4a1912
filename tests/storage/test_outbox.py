"""The outbox and the audit log."""

from __future__ import annotations

from storage.store import Store
from tests.storage.factories import at, audit, outbox

OTHER = "7b00d4aa-0000-4000-8000-000000000003"


def test_enqueue_returns_ids_and_skips_dedupe_keys(store: Store) -> None:
    first = store.enqueue(outbox("card:m1:v1"))
    assert isinstance(first, int)
    assert store.enqueue(outbox("card:m1:v1", payload={"text": "different"})) is None
    no_key_1 = store.enqueue(outbox())
    no_key_2 = store.enqueue(outbox())  # no key: never deduplicated
    assert no_key_1 is not None and no_key_2 is not None
    assert len({first, no_key_1, no_key_2}) == 3
    [kept] = [i for i in store.due_outbox(now=at(0)) if i.dedupe_key]
    assert kept.payload == {"text": "Restoring data (step 5 of 11)"}


def test_a_dedupe_key_stays_used_after_sending(store: Store) -> None:
    item_id = store.enqueue(outbox("k"))
    assert item_id is not None
    store.mark_sent(item_id, ts="1.1", at=at(1))
    assert store.enqueue(outbox("k")) is None


def test_due_outbox_order_limit_and_deferral(store: Store) -> None:
    ids = [store.enqueue(outbox(f"k{i}")) for i in range(4)]
    assert all(isinstance(i, int) for i in ids)
    a, b, c, d = (i or 0 for i in ids)
    assert [i.id for i in store.due_outbox(now=at(0))] == [a, b, c, d]
    assert [i.id for i in store.due_outbox(now=at(0), limit=2)] == [a, b]

    store.defer(b, until=at(30), error="ratelimited")
    store.defer(b, until=at(60), error="ratelimited again")
    store.mark_sent(a, ts="100.1", at=at(1))
    store.drop(c, error="channel_not_found")

    assert [i.id for i in store.due_outbox(now=at(59))] == [d]
    due = store.due_outbox(now=at(60))
    assert [i.id for i in due] == [b, d]
    assert (due[0].attempts, due[0].error, due[0].next_attempt_at) == (
        2,
        "ratelimited again",
        at(60),
    )


def test_mark_sent_records_the_message(store: Store) -> None:
    ids = [store.enqueue(outbox()) or 0 for _ in range(3)]
    store.mark_many_sent(ids[:2], ts="200.5", at=at(3))
    store.mark_many_sent([], ts=None, at=at(3))
    assert [i.id for i in store.due_outbox(now=at(10))] == [ids[2]]
    store.mark_sent(ids[2], ts=None, at=at(4))
    assert store.due_outbox(now=at(10)) == []
    # a second mark keeps the first send's time and ts
    store.mark_sent(ids[0], ts="999.9", at=at(50))
    row = store.db.table("outbox").get(ids[0])
    assert (row["result_ts"], row["sent_at"]) == ("200.5", at(3).isoformat(timespec="microseconds"))


def test_outbox_stats(store: Store) -> None:
    assert store.outbox_stats(at(0)) == (0, 0.0)
    first = store.enqueue(outbox(created_at=at(0))) or 0
    store.enqueue(outbox(created_at=at(10)))
    dropped = store.enqueue(outbox(created_at=at(-100))) or 0
    store.drop(dropped, error="gave up")
    assert store.outbox_stats(at(40)) == (2, 40.0)
    store.mark_sent(first, ts="1.1", at=at(41))
    assert store.outbox_stats(at(40)) == (1, 30.0)


def test_pending_outbox_for_a_migration(store: Store) -> None:
    mine = store.enqueue(outbox()) or 0
    later = store.enqueue(outbox(next_attempt_at=at(999))) or 0
    store.enqueue(outbox(migration_id=OTHER))
    sent = store.enqueue(outbox()) or 0
    store.mark_sent(sent, ts="1.1", at=at(1))
    pending = store.pending_outbox_for("3f2a9c1e-0000-4000-8000-000000000001")
    assert [i.id for i in pending] == [mine, later]


def test_audit_log_filters_and_order(store: Store) -> None:
    store.audit(audit("migrate.requested", at=at(0)))
    store.audit(audit("approval.requested", approval_id="ap-1", at=at(1)))
    store.audit(audit("approval.approved", approval_id="ap-1", actor="U2", at=at(2)))
    store.audit(audit("migrate.requested", migration_id=OTHER, at=at(3)))

    everything = store.audit_log()
    assert [e.action for e in everything][:3] == [
        "migrate.requested",
        "approval.requested",
        "approval.approved",
    ]
    assert all(e.id is not None for e in everything)
    assert everything[0].detail == {"dest_region": "eu-west-1"}
    assert everything[2].at == at(2)

    assert len(store.audit_log(migration_id=OTHER)) == 1
    assert [e.actor for e in store.audit_log(approval_id="ap-1")] == ["U1", "U2"]
    assert store.audit_log(migration_id=OTHER, approval_id="ap-1") == []
    # the latest `limit`, still oldest first
    assert [e.at for e in store.audit_log(limit=2)] == [at(2), at(3)]


def test_a_deferred_item_holds_its_lane_only_and_heads_come_most_urgent_first(
    store: Store,
) -> None:
    card = store.enqueue(outbox("c", kind="card", migration_id="m1"))
    reply = store.enqueue(outbox("r", kind="reply", migration_id="m1"))
    later = store.enqueue(outbox("r2", kind="reply", migration_id="m1"))
    other = store.enqueue(outbox("o", kind="card", approval_id="a1"))
    assert None not in (card, reply, later, other)
    heads = store.sendable_heads(now=at(0))
    assert [(h.id, h.lane) for h in heads] == [
        (other, "approval:a1"),  # an approval card: urgent
        (reply, "thread:m1"),
        (card, "card:m1"),  # a card refresh: last
    ]
    store.defer(card or 0, until=at(60), error="not_in_channel")
    assert [h.id for h in store.sendable_heads(now=at(1))] == [other, reply]  # same channel
    store.mark_sending([reply or 0], at=at(2))
    assert [i.sending_at for i in store.lane_items("thread:m1")] == [at(2), None]


def test_sendable_lanes_are_the_due_heads_lanes_most_urgent_first(store: Store) -> None:
    late = store.enqueue(outbox(migration_id=OTHER))  # STEP, its lane's head, deferred
    store.enqueue(outbox(kind="card", priority=3))  # REFRESH
    store.enqueue(outbox(kind="message", channel_id="C9", migration_id=None, priority=0))
    store.enqueue(outbox())  # STEP, behind nothing in its thread
    store.enqueue(outbox())  # same lane: listed once
    store.defer(late or 0, until=at(30), error="ratelimited")
    mid = "3f2a9c1e-0000-4000-8000-000000000001"
    assert store.sendable_lanes(now=at(0)) == ["channel:C9", f"thread:{mid}", f"card:{mid}"]
    assert store.sendable_lanes(now=at(0), limit=1) == ["channel:C9"]
    assert f"thread:{OTHER}" in store.sendable_lanes(now=at(30))
    assert store.sendable_lanes(now=at(30)) == [h.lane for h in store.sendable_heads(now=at(30))]


def test_outbox_depth_by_priority_counts_only_what_is_still_to_send(store: Store) -> None:
    sent = store.enqueue(outbox(priority=1))
    store.enqueue(outbox(priority=1))
    store.enqueue(outbox(kind="card"))
    dead = store.enqueue(outbox(priority=0))
    store.mark_sent(sent or 0, ts="1.1", at=at(1))
    store.drop(dead or 0, error="channel_not_found")
    assert store.outbox_depth_by_priority() == {1: 1, 3: 1}
