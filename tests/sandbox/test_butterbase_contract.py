"""Issue 10: the simulator answers as the published server was observed to (the corrected contract)."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest

from sandbox.butterbase import DEFAULT_STEP_DURATIONS, Simulator, SimulatorServer, seed_demo
from sandbox.butterbase.testing import Harness

# Every key the published server writes for a move that completes with a replica.
SERVER_KEYS = {
    "dest_app_id",
    "neon_db_name",
    "dump_object_key",
    "dump_bytes",
    "restore_completed_at",
    "kv_dump_object_key",
    "kv_dump_keys",
    "kv_restored_keys",
    "kv_restored_at",
    "blobs_skipped",
    "copied_tables",
    "runtime_rows_copied",
    "flipped_at",
    "replication_slot",
}


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


def costs(bb: Harness) -> dict[str, object]:
    rows = bb.http.get("/v1/source-replicas").json()["source_replicas"]
    return {row["app_id"]: row["estimated_monthly_cost_usd"] for row in rows}


# -- 1, 2: thirteen steps and the server's progress keys -----------------------------------


def test_an_app_without_kv_runs_the_kv_steps_as_no_ops(bb: Harness) -> None:
    migration_id = bb.start("app-42", "eu-west-1")
    bb.run_until(migration_id, "dumping_kv")
    assert bb.status("app-42", migration_id)["current_step"] == "dumping_kv"
    bb.run_until(migration_id, "restoring_kv")
    bb.run_until(migration_id, "copying_blobs")
    progress = bb.status("app-42", migration_id)["progress"]
    assert (progress["kv_dump_keys"], progress["kv_restored_keys"]) == (0, 0)
    assert progress["kv_dump_object_key"] is None
    assert steps_seen(bb, migration_id)[4:8] == [
        "restoring_data",
        "dumping_kv",
        "restoring_kv",
        "copying_blobs",
    ]


def test_progress_has_the_servers_keys_and_no_done_keys(bb: Harness) -> None:
    bb.seed("blog", region="us-east-1", kv=True)
    migration_id = bb.start("blog", "eu-west-1")
    bb.run_until(migration_id, "reserving_dest")
    assert bb.status("blog", migration_id)["progress"] == {}
    bb.run_until(migration_id, "blocking_writes")
    progress = bb.status("blog", migration_id)["progress"]
    assert set(progress) == {"dest_app_id", "neon_db_name"}
    assert str(uuid.UUID(progress["dest_app_id"])) == progress["dest_app_id"]
    assert bb.finish(migration_id) == "completed"
    progress = bb.status("blog", migration_id)["progress"]
    assert set(progress) == SERVER_KEYS
    assert progress["kv_dump_keys"] == progress["kv_restored_keys"] > 0
    assert progress["kv_dump_object_key"]


def test_a_move_without_replica_notes_that_replication_was_skipped(bb: Harness) -> None:
    bb.sim.no_replica("app-42")
    migration_id = bb.start("app-42", "eu-west-1")
    assert bb.finish(migration_id) == "completed"
    progress = bb.status("app-42", migration_id)["progress"]
    assert progress["reverse_replication_skipped"] is True
    assert "replication_slot" not in progress


# -- 3: dump size 0 and cost 0 by default; a switch for the documented case ----------------


def test_dump_bytes_and_replica_cost_are_0_by_default_and_null_stays_possible(
    bb: Harness,
) -> None:
    bb.seed("unknown-cost", region="eu-west-1", replica_cost=None)
    plain = bb.start("app-42", "eu-west-1")
    unknown = bb.start("unknown-cost", "us-east-1")
    bb.finish(plain)
    bb.finish(unknown)
    assert bb.status("app-42", plain)["progress"]["dump_bytes"] == 0
    assert costs(bb) == {"app-42": 0, "unknown-cost": None}


def test_global_dump_size_switch_gives_a_size_and_a_real_cost(bb: Harness) -> None:
    switched = bb.http.post("/_sim/dump-size", json={"enabled": True})
    assert switched.status_code == 200
    migration_id = bb.start("app-42", "eu-west-1")
    bb.finish(migration_id)
    assert bb.status("app-42", migration_id)["progress"]["dump_bytes"] > 0
    assert costs(bb) == {"app-42": 42.5}
    assert bb.http.post("/_sim/dump-size", json={"enabled": None}).status_code == 400


def test_per_app_dump_size_switch_overrides_the_global_one(bb: Harness) -> None:
    bb.seed("big", region="us-east-1", replica_cost=240.0, report_dump_size=True)
    bb.seed("small", region="us-east-1", replica_cost=5.0)
    assert (
        bb.http.post("/_sim/dump-size", json={"enabled": True, "app_id": "small"}).status_code
        == 200
    )
    assert bb.http.post("/_sim/dump-size", json={"enabled": False, "app_id": "app-42"}).json()
    bb.sim.report_dump_size(True)  # globally on, but app-42 keeps its own "off"
    assert (
        bb.http.post("/_sim/dump-size", json={"enabled": True, "app_id": "nope"}).status_code == 404
    )
    moves = [bb.start(app, "eu-west-1") for app in ("big", "small", "app-42")]
    for migration_id in moves:
        bb.finish(migration_id)
    assert costs(bb) == {"big": 240.0, "small": 5.0, "app-42": 0}


# -- 4: GET /apps from the cutover on, and a failure inside it -----------------------------


def test_get_apps_reads_the_destination_from_flipping_routing_on(bb: Harness) -> None:
    migration_id = bb.start("app-42", "eu-west-1")
    bb.run_until(migration_id, "copying_runtime")
    assert (bb.app("app-42")["region"], bb.app("app-42")["provisioning_status"]) == (
        "us-east-1",
        "migrating",
    )
    bb.run_until(migration_id, "flipping_routing")
    assert (bb.app("app-42")["region"], bb.app("app-42")["provisioning_status"]) == (
        "eu-west-1",
        "ready",
    )
    assert "flipped_at" not in bb.status("app-42", migration_id)["progress"]
    bb.run_until(migration_id, "setting_up_reverse_replication")
    status = bb.status("app-42", migration_id)
    assert status["progress"]["flipped_at"] == bb.sim.migrations[migration_id].detail()["routed_at"]


def test_a_failure_inside_flipping_routing_leaves_the_app_in_the_source(bb: Harness) -> None:
    bb.sim.fail_step("app-42", "flipping_routing", 5, error="route table update failed")
    migration_id = bb.start("app-42", "eu-west-1")
    bb.run_until(migration_id, "flipping_routing")
    assert (bb.app("app-42")["region"], bb.app("app-42")["provisioning_status"]) == (
        "us-east-1",
        "migrating",
    )
    assert bb.finish(migration_id) == "failed"
    assert (bb.app("app-42")["region"], bb.app("app-42")["provisioning_status"]) == (
        "us-east-1",
        "migrating",
    )
    assert "flipped_at" not in bb.status("app-42", migration_id)["progress"]


def test_fail_current_at_the_cutover_puts_the_app_back_in_the_source(bb: Harness) -> None:
    migration_id = bb.start("app-42", "eu-west-1")
    bb.run_until(migration_id, "flipping_routing")
    assert bb.app("app-42")["region"] == "eu-west-1"
    bb.sim.fail_current("app-42", error="boom")
    bb.tick(DEFAULT_STEP_DURATIONS["flipping_routing"])
    status = bb.status("app-42", migration_id)
    assert (status["current_step"], status["retry_count"]) == ("flipping_routing", 1)
    assert (bb.app("app-42")["region"], bb.app("app-42")["provisioning_status"]) == (
        "us-east-1",
        "migrating",
    )


def test_a_cutover_that_recovers_flips_when_its_retry_succeeds(bb: Harness) -> None:
    bb.sim.fail_step("app-42", "flipping_routing", 1, error="route table busy")
    migration_id = bb.start("app-42", "eu-west-1")
    bb.run_until(migration_id, "setting_up_reverse_replication")
    status = bb.status("app-42", migration_id)
    assert status["progress"]["flipped_at"] == status["step_started_at"]
    assert (bb.app("app-42")["region"], bb.app("app-42")["provisioning_status"]) == (
        "eu-west-1",
        "ready",
    )


# -- 5: abort of a failed migration rewrites it --------------------------------------------


def test_abort_of_a_failed_move_rewrites_it_once(bb: Harness) -> None:
    bb.sim.fail_step("app-42", "setting_up_reverse_replication", 5, error="no slot")
    migration_id = bb.start("app-42", "eu-west-1")
    assert bb.finish(migration_id) == "failed"
    assert bb.status("app-42", migration_id)["completed_at"] is None
    aborted_at = bb.clock.advance(60)
    response = bb.http.post(f"/v1/apps/app-42/migrations/{migration_id}/abort")
    assert (response.status_code, response.json()) == (
        200,
        {"migration_id": migration_id, "status": "aborted"},
    )
    status = bb.status("app-42", migration_id)
    assert status["current_step"] == "aborted"
    assert (status["last_error"], status["retry_count"]) == ("user_requested", 0)
    assert status["completed_at"] == aborted_at.isoformat(timespec="milliseconds")[:-6] + "Z"
    again = bb.http.post(f"/v1/apps/app-42/migrations/{migration_id}/abort")
    assert again.status_code == 200
    assert steps_seen(bb, migration_id)[-2:] == ["failed", "aborted"]


# -- 6, 7: reverse of an older move; a fast reverse is created completed -------------------


def test_reverse_of_a_superseded_move_is_accepted_and_serves_the_stale_replica(
    bb: Harness,
) -> None:
    first = bb.start("app-42", "eu-west-1")
    bb.finish(first)
    second = bb.start("app-42", "ap-southeast-1")
    bb.finish(second)
    assert bb.app("app-42")["region"] == "ap-southeast-1"
    response = bb.http.post(f"/v1/apps/app-42/migrations/{first}/reverse")
    assert response.status_code == 202
    assert response.json()["path"] == "fast"
    assert bb.app("app-42")["region"] == "us-east-1"
    assert bb.status("app-42", first)["source_replica_state"] == "replicating"
    assert len(bb.sim.incidents) == 1
    assert "ap-southeast-1" in bb.sim.incidents[0]


def test_a_fast_reverse_runs_no_step(bb: Harness) -> None:
    forward = bb.start("app-42", "eu-west-1")
    bb.finish(forward)
    reversed_at = bb.clock.advance(90)
    back = bb.http.post(f"/v1/apps/app-42/migrations/{forward}/reverse").json()["migrationId"]
    status = bb.status("app-42", back)
    expected = reversed_at.isoformat(timespec="milliseconds")[:-6] + "Z"
    assert status["current_step"] == "completed"
    assert (status["last_error"], status["retry_count"]) == (None, 0)
    assert status["step_started_at"] == status["completed_at"] == expected
    # the server writes only `current_step` and `completed_at` on it: no notes, no replica
    assert status["progress"] == {}
    assert status["source_replica_state"] is None
    assert steps_seen(bb, back) == ["completed"]
    assert bb.sim.incidents == []


# -- 8: a move started outside the bot -----------------------------------------------------


def test_a_dashboard_move_through_the_control_endpoint(bb: Harness) -> None:
    started = bb.http.post(
        "/_sim/apps/app-42/move-as",
        json={"user": "bb_sk_test_dashboard", "dest_region": "eu-west-1"},
    )
    assert started.status_code == 202
    migration_id = started.json()["migration_id"]
    bb.run_until(migration_id, "blocking_writes")
    assert bb.http.get("/v1/apps/app-42/migrations/active").json() == {"migration": None}
    assert bb.app("app-42")["provisioning_status"] == "migrating"
    refused = bb.move("app-42", "eu-central-1")
    assert refused.status_code == 409
    assert refused.json()["reason"] == "A migration is already in flight for this app."


# -- 9: the demo apps ----------------------------------------------------------------------


def test_demo_replica_costs_unknown_null_and_real(bb: Harness) -> None:
    seed_demo(bb.sim)
    moves = {
        "app-42": "eu-west-1",
        "mystery-cost": "us-east-1",
        "big-db": "eu-central-1",
        "no-replica": "us-east-1",
    }
    for app_id, dest in moves.items():
        assert bb.finish(bb.start(app_id, dest)) == "completed"
    assert costs(bb) == {"app-42": 0, "mystery-cost": None, "big-db": 240.0}
    assert bb.move("free-tier", "eu-west-1").json()["reason"] == "Owner has no active plan."
