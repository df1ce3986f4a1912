""" "What the server does not protect": each unsafe answer, reproduced as observed."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import httpx
import pytest

from sandbox.butterbase import DASHBOARD_KEY, Simulator, SimulatorConfig, SimulatorServer
from sandbox.butterbase.testing import Harness


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


@pytest.mark.parametrize("slug", ["mars-1", "42", "EU-WEST-1"])
def test_lenient_regions_accept_then_abort_at_reserving_dest(
    server: SimulatorServer, slug: str
) -> None:
    bb = Harness(server, config=SimulatorConfig(lenient_regions=True))
    try:
        bb.seed("app-42", region="us-east-1")
        migration_id = bb.start("app-42", slug)
        bb.run_until(migration_id, "reserving_dest")
        bb.tick(20)
        status = bb.status("app-42", migration_id)
        assert (status["current_step"], status["retry_count"]) == ("reserving_dest", 1)
        assert slug in status["last_error"]
        assert bb.finish(migration_id) == "aborted"
        steps = [s for mid, s, _ in bb.sim.transitions if mid == migration_id]
        assert steps == ["requested", "reserving_dest", "aborting", "aborted"]
        assert bb.app("app-42")["region"] == "us-east-1"
    finally:
        bb.close()


def test_abort_answers_200_on_failed_aborting_and_aborted(bb: Harness) -> None:
    bb.sim.fail_step("app-42", "unblocking_writes", 5)
    failed = bb.start("app-42", "eu-west-1")
    assert bb.finish(failed) == "failed"
    response = bb.http.post(f"/v1/apps/app-42/migrations/{failed}/abort")
    assert response.status_code == 200
    assert response.json() == {"migration_id": failed, "status": "aborted"}
    # The server overwrites the failure: the move now reads as a clean abort.
    status = bb.status("app-42", failed)
    assert (status["current_step"], status["last_error"]) == ("aborted", "user_requested")
    assert status["completed_at"] == status["step_started_at"] is not None
    again = bb.http.post(f"/v1/apps/app-42/migrations/{failed}/abort")
    assert again.status_code == 200

    bb.sim.fail_step("app-42", "reserving_dest", 5)
    compensating = bb.start("app-42", "us-east-1")
    bb.run_until(compensating, "aborting")
    assert bb.http.post(f"/v1/apps/app-42/migrations/{compensating}/abort").status_code == 200
    assert bb.migration(compensating).current_step == "aborted"


def test_forward_stays_replicating_after_fast_reverse(bb: Harness) -> None:
    forward = bb.start("app-42", "eu-west-1")
    bb.finish(forward)
    back = bb.http.post(f"/v1/apps/app-42/migrations/{forward}/reverse").json()
    assert back["path"] == "fast"
    assert bb.app("app-42")["region"] == "us-east-1"
    assert bb.status("app-42", forward)["source_replica_state"] == "replicating"
    listed = {
        r["migration_id"] for r in bb.http.get("/v1/source-replicas").json()["source_replicas"]
    }
    # the forward move is still listed (its replica is now the live primary); the reverse
    # keeps no replica of its own (the server leaves its `source_replica_state` null)
    assert listed == {forward}
    # It can be reversed again...
    second = bb.http.post(f"/v1/apps/app-42/migrations/{forward}/reverse")
    assert second.status_code == 202
    assert second.json()["path"] == "fast"
    # ...and torn down, deprovisioning what is now the app's primary database.
    teardown = bb.http.delete(f"/v1/source-replicas/{forward}")
    assert teardown.status_code == 200
    assert teardown.json() == {"status": "torn_down"}
    assert bb.app("app-42")["region"] == "us-east-1"
    # Two incidents: a reverse while the app was no longer in eu-west-1, then the teardown.
    assert len(bb.sim.incidents) == 2
    assert all(forward in incident for incident in bb.sim.incidents)
    assert "deprovisioned" in bb.sim.incidents[1]


def test_non_uuid_ids_give_500_or_an_odd_409(bb: Harness) -> None:
    assert bb.http.get("/v1/apps/app-42/migrations/7a0c").status_code == 500
    assert bb.http.post("/v1/apps/app-42/migrations/7a0c/abort").status_code == 500
    assert bb.http.delete("/v1/source-replicas/7a0c").status_code == 500
    reverse = bb.http.post("/v1/apps/app-42/migrations/7a0c/reverse")
    assert reverse.status_code == 409
    assert reverse.json()["reason"] == 'invalid input syntax for type uuid: "7a0c"'


def test_active_hides_a_dashboard_move_that_blocks_the_bot(bb: Harness) -> None:
    dashboard = bb.sim.start_move_as(DASHBOARD_KEY, "app-42", "eu-west-1")
    assert dashboard.user_id == "user-dashboard"
    assert bb.http.get("/v1/apps/app-42/migrations/active").json() == {"migration": None}
    blocked = bb.move("app-42", "eu-central-1")
    assert blocked.status_code == 409
    assert blocked.json()["reason"] == "A migration is already in flight for this app."
    with httpx.Client(
        base_url=bb.server.url, headers={"Authorization": f"Bearer {DASHBOARD_KEY}"}
    ) as client:
        active = client.get("/v1/apps/app-42/migrations/active").json()["migration"]
    assert active["id"] == dashboard.id


def test_reverse_path_app_id_is_not_checked(bb: Harness) -> None:
    bb.seed("shop", region="eu-west-1")
    forward = bb.start("app-42", "eu-west-1")
    bb.finish(forward)
    response = bb.http.post(f"/v1/apps/shop/migrations/{forward}/reverse")
    assert response.status_code == 202
    back = bb.migration(response.json()["migrationId"])
    assert back.app_id == "app-42"
    assert bb.app("app-42")["region"] == "us-east-1"
    assert bb.app("shop")["region"] == "eu-west-1"
    # Unknown app in the path: still accepted.
    ghost = bb.http.post(f"/v1/apps/ghost/migrations/{back.id}/reverse")
    assert ghost.status_code == 202


def test_user_abort_past_blocking_writes_leaves_writes_paused(bb: Harness) -> None:
    migration_id = bb.start("app-42", "eu-west-1")
    bb.run_until(migration_id, "dumping_data")
    assert bb.app("app-42")["provisioning_status"] == "migrating"
    response = bb.http.post(f"/v1/apps/app-42/migrations/{migration_id}/abort")
    assert response.status_code == 200
    bb.tick(7200)
    assert bb.migration(migration_id).current_step == "aborted"
    assert bb.app("app-42")["provisioning_status"] == "migrating"
    assert bb.app("app-42")["region"] == "us-east-1"
    # A new move is possible again (nothing in flight), and its completion clears it.
    again = bb.start("app-42", "eu-west-1")
    assert bb.finish(again) == "completed"
    assert bb.app("app-42")["provisioning_status"] == "ready"


def test_status_and_abort_of_an_unknown_uuid_with_unknown_app(bb: Harness) -> None:
    missing = uuid.uuid4()
    assert bb.http.get(f"/v1/apps/ghost/migrations/{missing}").status_code == 404
    assert bb.http.post(f"/v1/apps/ghost/migrations/{missing}/abort").status_code == 404
