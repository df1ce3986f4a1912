"""What the tracker queues when a move ends (issue 15): the replica's cost kept with the
move, writes still paused after a failure said until they flow, who aborted, the
reversed move's card told, and what is broadcast at which priority."""

from __future__ import annotations

from datetime import timedelta

from bot.clock import FakeClock
from bot.models import App, MigrationStatus, SourceReplica
from bot.tracker import Tracker
from storage.records import MILESTONE, URGENT, AuditEntry, OutboxItem, TrackedMigration
from storage.store import Store

MID = "00000000-0000-4000-8000-000000000001"
REV = "00000000-0000-4000-8000-0000000000aa"


class Butterbase:
    """Answers the next scripted status, the app as set, and one replica."""

    def __init__(self, statuses: list[MigrationStatus], app: App | None = None) -> None:
        self.statuses = statuses
        self.app_now = app
        self.replica_reads = 0

    async def status(self, app_id: str, migration_id: str) -> MigrationStatus:
        return self.statuses.pop(0) if len(self.statuses) > 1 else self.statuses[0]

    async def app(self, app_id: str) -> App | None:
        return self.app_now

    async def source_replicas(self) -> list[SourceReplica]:
        self.replica_reads += 1
        return [
            SourceReplica(migration_id=MID, app_id="blog", estimated_monthly_cost_usd=42.5),
        ]


def _store(clock: FakeClock, step: str, **kw: object) -> Store:
    store = Store.in_memory(clock=clock)
    now = clock.now()
    fields: dict[str, object] = {
        "migration_id": MID,
        "app_id": "blog",
        "source_region": "us-east-1",
        "dest_region": "eu-central-1",
        "channel_id": "C1",
        "card_ts": "1.0",
        "thread_ts": "1.0",
        "requester": "U_REQ",
        "created_at": now,
        "updated_at": now,
        "current_step": step,
        "seen_steps": ["requested", step],
    }
    fields.update(kw)
    store.add_migration(TrackedMigration(**fields))  # type: ignore[arg-type]
    return store


def _status(step: str, **kw: object) -> MigrationStatus:
    return MigrationStatus(migration_id=MID, current_step=step, **kw)  # type: ignore[arg-type]


def _queued(store: Store, mid: str = MID) -> list[OutboxItem]:
    return store.pending_outbox_for(mid)


def _tracker(store: Store, bb: Butterbase, clock: FakeClock) -> Tracker:
    return Tracker(store=store, butterbase=bb, clock=clock, poll_seconds=5, oncall_group="S_OC")  # type: ignore[arg-type]


async def test_completion_reads_the_replica_cost_once_and_keeps_it_with_the_move() -> None:
    clock = FakeClock()
    store = _store(clock, "unblocking_writes")
    done = _status("completed", source_replica_state="replicating", completed_at=clock.now())
    bb = Butterbase([done], app=App(id="blog", region="eu-central-1", provisioning_status="ready"))
    tracker = _tracker(store, bb, clock)
    await tracker.poll_now(MID)
    m = store.get_migration(MID)
    assert m is not None and m.replica_cost == 42.5 and bb.replica_reads == 1
    completion = next(i for i in _queued(store) if "Completed: blog" in i.payload["text"])
    assert completion.kind == "broadcast" and completion.priority == MILESTONE
    assert "A replica is kept in us-east-1, est. $42.50/month" in completion.payload["text"]
    clock.advance(5)
    await tracker.poll_now(MID)  # the writes check: the app is ready, nothing more to say
    assert bb.replica_reads == 1
    m = store.get_migration(MID)
    assert m is not None and not m.polling and not m.writes_paused_after_abort


async def test_a_failure_past_cutover_says_writes_are_paused_until_they_flow() -> None:
    clock = FakeClock()
    store = _store(clock, "setting_up_reverse_replication", flipped_at=clock.now())
    migrating = App(id="blog", region="eu-central-1", provisioning_status="migrating")
    bb = Butterbase([_status("failed", last_error="slot")], app=migrating)
    tracker = _tracker(store, bb, clock)
    await tracker.poll_now(MID)
    failed = next(i for i in _queued(store) if i.payload.get("text", "").startswith("FAILED"))
    assert failed.kind == "broadcast" and failed.priority == URGENT
    assert failed.payload["text"].startswith(
        "FAILED after cutover: blog — served from eu-central-1, writes still paused."
    )
    m = store.get_migration(MID)
    assert m is not None and m.polling and m.writes_paused_after_abort  # the card says it
    clock.advance(5)
    await tracker.poll_now(MID)
    assert not any("STILL PAUSED" in i.payload.get("text", "") for i in _queued(store))
    bb.app_now = App(id="blog", region="eu-central-1", provisioning_status="ready")
    clock.advance(5)
    await tracker.poll_now(MID)
    texts = [i.payload.get("text", "") for i in _queued(store)]
    assert "Writes to blog are flowing again." in " ".join(texts)
    m = store.get_migration(MID)
    assert m is not None and not m.polling and not m.writes_paused_after_abort


async def test_the_summary_and_the_end_say_who_aborted() -> None:
    clock = FakeClock()
    store = _store(clock, "dumping_data")
    store.audit(AuditEntry(at=clock.now(), actor="U_RILEY", action="abort.done", migration_id=MID))
    bb = Butterbase(
        [_status("aborted", last_error="user_requested")],
        app=App(id="blog", region="us-east-1", provisioning_status="ready"),
    )
    await _tracker(store, bb, clock).poll_now(MID)
    texts = [i.payload.get("text", "") for i in _queued(store)]
    assert "Aborted on request by <@U_RILEY>: blog stays in us-east-1." in texts
    summary = next(t for t in texts if t.startswith("Summary"))
    assert summary.splitlines()[-1] == "Aborted on request by <@U_RILEY>."
    assert "user_requested" not in "\n".join(texts)


async def test_a_reverse_that_ends_tells_the_reversed_moves_card() -> None:
    clock = FakeClock()
    store = _store(clock, "completed", reversed_by=REV, polling=False)
    later = clock.now() + timedelta(minutes=5)
    store.add_migration(
        TrackedMigration(
            migration_id=REV,
            app_id="blog",
            kind="reverse",
            parent_migration_id=MID,
            source_region="eu-central-1",
            dest_region="us-east-1",
            channel_id="C1",
            thread_ts="1.0",
            created_at=later,
            updated_at=later,
            current_step="unblocking_writes",
            seen_steps=["requested", "unblocking_writes"],
        )
    )
    done = MigrationStatus(migration_id=REV, current_step="completed", completed_at=later)
    bb = Butterbase([done], app=App(id="blog", region="us-east-1", provisioning_status="ready"))
    await _tracker(store, bb, clock).poll_now(REV)
    assert any(i.kind == "card" for i in _queued(store, MID))
    back = next(i for i in _queued(store, REV) if i.kind == "broadcast")
    assert back.payload["text"].startswith("Reversed: blog is back in us-east-1")


async def test_a_cutover_goes_to_the_thread_only() -> None:
    clock = FakeClock()
    store = _store(clock, "flipping_routing")
    bb = Butterbase([_status("setting_up_reverse_replication", flipped_at=clock.now())])
    await _tracker(store, bb, clock).poll_now(MID)
    cutover = next(i for i in _queued(store) if "Cutover:" in i.payload.get("text", ""))
    assert cutover.kind == "reply" and cutover.priority == MILESTONE
    assert "/reverse" not in cutover.payload["text"]
