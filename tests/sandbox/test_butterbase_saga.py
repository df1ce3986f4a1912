"""The saga driver: step order and timing, retries, compensation, faults, scale."""

from __future__ import annotations

import time
from collections.abc import Iterator
from datetime import timedelta

import pytest

from sandbox.butterbase import (
    DEFAULT_STEP_DURATIONS,
    ManualClock,
    Simulator,
    SimulatorConfig,
    SimulatorServer,
    steps_for,
)
from sandbox.butterbase.testing import Harness

THIRTEEN = [
    "requested",
    "reserving_dest",
    "blocking_writes",
    "dumping_data",
    "restoring_data",
    "dumping_kv",
    "restoring_kv",
    "copying_blobs",
    "copying_runtime",
    "flipping_routing",
    "setting_up_reverse_replication",
    "unblocking_writes",
    "completed",
]


@pytest.fixture(scope="module")
def server() -> Iterator[SimulatorServer]:
    with SimulatorServer(Simulator()) as running:
        yield running


@pytest.fixture
def bb(server: SimulatorServer) -> Iterator[Harness]:
    harness = Harness(server)
    harness.seed("app-42", region="us-east-1")
    yield harness
    harness.close()


def steps_seen(bb: Harness, migration_id: str) -> list[str]:
    return [step for mid, step, _ in bb.sim.transitions if mid == migration_id]


def test_happy_path_runs_the_thirteen_on_schedule(bb: Harness) -> None:
    start = bb.clock.now()
    migration_id = bb.start("app-42", "eu-west-1")
    assert bb.finish(migration_id) == "completed"
    assert steps_seen(bb, migration_id) == THIRTEEN
    times = [at for mid, _, at in bb.sim.transitions if mid == migration_id]
    expected = start
    for step, at in zip(THIRTEEN, times, strict=True):
        assert at == expected, step
        expected += timedelta(seconds=DEFAULT_STEP_DURATIONS.get(step, 0))
    total = (times[-1] - times[0]).total_seconds()
    assert 8 * 60 <= total <= 10 * 60
    status = bb.status("app-42", migration_id)
    assert status["completed_at"] == status["step_started_at"]
    assert not [key for key in status["progress"] if key.endswith("_done")]


def test_step_changes_on_time_without_any_poll(bb: Harness) -> None:
    migration_id = bb.start("app-42", "eu-west-1")
    bb.clock.advance(1.9)
    assert bb.status("app-42", migration_id)["current_step"] == "requested"
    bb.clock.advance(0.1)
    assert bb.status("app-42", migration_id)["current_step"] == "reserving_dest"


def test_apps_with_and_without_kv_run_the_same_thirteen(bb: Harness) -> None:
    bb.seed("blog", region="us-east-1", kv=True)
    with_kv = bb.start("blog", "eu-west-1")
    without = bb.start("app-42", "eu-west-1")
    bb.finish(with_kv)
    bb.finish(without)
    assert steps_seen(bb, with_kv) == steps_seen(bb, without) == THIRTEEN
    assert list(steps_for(kv=True)) == list(steps_for(kv=False)) == THIRTEEN[:-1]


def test_writes_paused_and_region_flip_as_get_apps_shows(bb: Harness) -> None:
    migration_id = bb.start("app-42", "eu-west-1")
    bb.run_until(migration_id, "reserving_dest")
    assert bb.app("app-42")["provisioning_status"] == "ready"
    bb.run_until(migration_id, "blocking_writes")
    assert bb.app("app-42")["provisioning_status"] == "migrating"
    bb.run_until(migration_id, "copying_runtime")
    assert bb.app("app-42")["region"] == "us-east-1"
    assert bb.app("app-42")["provisioning_status"] == "migrating"
    bb.run_until(migration_id, "flipping_routing")
    # From the cutover on, GET /apps reads the destination's row.
    assert bb.app("app-42") | {"created_at": None} == {
        "id": "app-42",
        "name": "app-42",
        "subdomain": "app-42",
        "region": "eu-west-1",
        "provisioning_status": "ready",
        "created_at": None,
    }
    bb.run_until(migration_id, "unblocking_writes")
    status = bb.status("app-42", migration_id)
    assert status["source_replica_state"] == "replicating"
    assert bb.app("app-42")["provisioning_status"] == "ready"
    bb.finish(migration_id)
    assert bb.app("app-42")["provisioning_status"] == "ready"


def test_replica_state_is_null_before_replication(bb: Harness) -> None:
    migration_id = bb.start("app-42", "eu-west-1")
    bb.run_until(migration_id, "setting_up_reverse_replication")
    assert bb.status("app-42", migration_id)["source_replica_state"] is None


def test_two_failures_then_recovery(bb: Harness) -> None:
    bb.sim.fail_step("app-42", "copying_blobs", 2, error="blob copy timed out")
    migration_id = bb.start("app-42", "eu-west-1")
    bb.run_until(migration_id, "copying_blobs")
    bb.tick(DEFAULT_STEP_DURATIONS["copying_blobs"])
    status = bb.status("app-42", migration_id)
    assert (status["current_step"], status["retry_count"]) == ("copying_blobs", 1)
    assert status["last_error"] == "blob copy timed out"
    bb.tick(15)
    assert bb.status("app-42", migration_id)["retry_count"] == 2
    bb.tick(15)
    status = bb.status("app-42", migration_id)
    assert status["current_step"] == "copying_runtime"
    assert (status["retry_count"], status["last_error"]) == (0, None)
    assert bb.finish(migration_id) == "completed"


def test_five_failures_before_cutover_abort_with_compensation(bb: Harness) -> None:
    bb.sim.fail_step("app-42", "restoring_data", 5, error="restore failed: disk full")
    migration_id = bb.start("app-42", "eu-west-1")
    bb.run_until(migration_id, "aborting")
    status = bb.status("app-42", migration_id)
    assert status["retry_count"] == 0
    assert status["last_error"] == "restore failed: disk full"
    assert bb.finish(migration_id) == "aborted"
    status = bb.status("app-42", migration_id)
    assert status["last_error"] == "restore failed: disk full"
    assert status["retry_count"] == 0
    assert steps_seen(bb, migration_id)[-3:] == ["restoring_data", "aborting", "aborted"]
    assert bb.app("app-42")["provisioning_status"] == "ready"
    assert bb.app("app-42")["region"] == "us-east-1"
    # The fault is used up: the next move goes through.
    assert bb.finish(bb.start("app-42", "eu-west-1")) == "completed"


def test_five_failures_after_cutover_fail_for_manual_review(bb: Harness) -> None:
    bb.sim.fail_step("app-42", "setting_up_reverse_replication", 5, error="no slot")
    migration_id = bb.start("app-42", "eu-west-1")
    assert bb.finish(migration_id) == "failed"
    status = bb.status("app-42", migration_id)
    assert status["current_step"] == "failed"
    assert (status["retry_count"], status["last_error"]) == (0, "no slot")
    assert status["completed_at"] is None
    assert status["source_replica_state"] is None
    assert bb.app("app-42")["region"] == "eu-west-1"
    assert bb.http.get("/v1/apps/app-42/migrations/active").json() == {"migration": None}


def test_stall_holds_a_step_until_unstalled(bb: Harness) -> None:
    bb.sim.stall_step("app-42", "dumping_data")
    migration_id = bb.start("app-42", "eu-west-1")
    bb.tick(7200)
    assert bb.status("app-42", migration_id)["current_step"] == "dumping_data"
    bb.sim.unstall("app-42")
    bb.tick(0)
    assert bb.status("app-42", migration_id)["current_step"] == "restoring_data"
    assert bb.finish(migration_id) == "completed"


def test_no_replica_completes_with_state_none(bb: Harness) -> None:
    bb.sim.no_replica("app-42")
    migration_id = bb.start("app-42", "eu-west-1")
    assert bb.finish(migration_id) == "completed"
    assert bb.status("app-42", migration_id)["source_replica_state"] == "none"
    assert bb.http.get("/v1/source-replicas").json() == {"source_replicas": []}
    reverse = bb.http.post(f"/v1/apps/app-42/migrations/{migration_id}/reverse")
    assert reverse.json()["path"] == "slow"


def test_fail_current_makes_the_running_step_give_up(bb: Harness) -> None:
    migration_id = bb.start("app-42", "eu-west-1")
    bb.run_until(migration_id, "copying_blobs")
    bb.sim.fail_current("app-42", error="boom")
    assert bb.finish(migration_id) == "aborted"
    assert bb.status("app-42", migration_id)["last_error"] == "boom"


def test_scale_3000_concurrent_migrations() -> None:
    clock = ManualClock()
    sim = Simulator(SimulatorConfig(time_scale=0.002), clock)
    ids = []
    for n in range(3000):
        sim.seed_app(f"app-{n}", region="us-east-1", kv=n % 3 == 0)
        ids.append(sim.start_move_as("bb_sk_test_bot", f"app-{n}", "eu-west-1").id)
        clock.advance(0.0003)
    started = time.perf_counter()
    ticks = 0
    while any(not sim.migrations[mid].terminal for mid in ids[-10:]) or ticks < 10:
        clock.advance(0.02)
        sim.advance()
        ticks += 1
    elapsed = time.perf_counter() - started
    assert all(sim.migrations[mid].current_step == "completed" for mid in ids)
    assert len(sim.transitions) == 3000 * 13
    assert elapsed < 5.0, f"{elapsed:.2f}s for {ticks} ticks"
    # An idle tick with nothing due is cheap.
    started = time.perf_counter()
    for _ in range(1000):
        sim.advance()
    assert time.perf_counter() - started < 0.5
