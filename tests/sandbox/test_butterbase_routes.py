"""Every route of the contract over real HTTP: success shapes and every error row."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator

import httpx
import pytest

from sandbox.butterbase import DEFAULT_REGIONS, Simulator, SimulatorServer
from sandbox.butterbase.testing import Harness

ISO_MS = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
STATUS_KEYS = [
    "migration_id",
    "current_step",
    "last_error",
    "retry_count",
    "source_region",
    "dest_region",
    "source_replica_state",
    "step_started_at",
    "completed_at",
    "progress",
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


def anon(bb: Harness) -> httpx.Client:
    return httpx.Client(base_url=bb.server.url, timeout=5.0, verify=False)


def as_key(bb: Harness, key: str) -> httpx.Client:
    return httpx.Client(
        base_url=bb.server.url,
        headers={"Authorization": f"Bearer {key}"},
        timeout=5.0,
        verify=False,
    )


# -- auth ------------------------------------------------------------------------------

AUTH_ROUTES = [
    ("GET", "/apps"),
    ("POST", "/v1/apps/app-42/move"),
    ("GET", "/v1/apps/app-42/migrations/active"),
    ("POST", f"/v1/apps/app-42/migrations/{uuid.uuid4()}/reverse"),
    ("GET", "/v1/source-replicas"),
    ("DELETE", f"/v1/source-replicas/{uuid.uuid4()}"),
]


@pytest.mark.parametrize(("method", "path"), AUTH_ROUTES)
def test_missing_key_is_401_request_error(bb: Harness, method: str, path: str) -> None:
    with anon(bb) as client:
        response = client.request(method, path, json={"dest_region": "eu-west-1"})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "REQUEST_ERROR"
    assert error["message"] == "Authentication required"
    assert error["remediation"]


@pytest.mark.parametrize(("method", "path"), AUTH_ROUTES)
def test_bad_key_is_401_invalid_api_key(bb: Harness, method: str, path: str) -> None:
    with as_key(bb, "bb_sk_revoked") as client:
        response = client.request(method, path, json={"dest_region": "eu-west-1"})
    assert response.status_code == 401
    error = response.json()["error"]
    assert error["code"] == "AUTH_INVALID_API_KEY"
    assert error["message"] == "Invalid or revoked API key"
    assert error["remediation"]
    assert bb.sim.migrations == {}


def test_regions_status_and_abort_need_no_key(bb: Harness) -> None:
    migration_id = bb.start("app-42", "eu-west-1")
    with anon(bb) as client:
        assert client.get("/v1/regions").json() == {"regions": list(DEFAULT_REGIONS)}
        status = client.get(f"/v1/apps/app-42/migrations/{migration_id}")
        assert status.status_code == 200
        abort = client.post(f"/v1/apps/app-42/migrations/{migration_id}/abort")
        assert abort.status_code == 200


def test_malformed_json_is_400_with_object_error(bb: Harness) -> None:
    response = bb.http.post(
        "/v1/apps/app-42/move",
        content=b'{"dest_region": ',
        headers={"Content-Type": "application/json"},
    )
    assert response.status_code == 400
    error = response.json()["error"]
    assert error["code"] == "REQUEST_ERROR"
    assert "JSON" in error["message"]
    assert bb.sim.migrations == {}


def test_unrouted_path_is_404_object_error(bb: Harness) -> None:
    response = bb.http.get("/v1/nothing-here")
    assert response.status_code == 404
    assert isinstance(response.json()["error"], dict)


# -- apps and move -----------------------------------------------------------------------


def test_apps_lists_id_name_subdomain_region_status(bb: Harness) -> None:
    bb.seed("shop", region="eu-west-1", name="Shop")
    apps = bb.http.get("/apps").json()["apps"]
    shop = next(a for a in apps if a["id"] == "shop")
    assert shop["name"] == "Shop"
    assert shop["subdomain"] == "shop"
    assert shop["region"] == "eu-west-1"
    assert shop["provisioning_status"] == "ready"


def test_move_answers_202_queued_with_a_uuid(bb: Harness) -> None:
    response = bb.move("app-42", "eu-west-1")
    assert response.status_code == 202
    body = response.json()
    assert list(body) == ["migration_id", "status"]
    assert body["status"] == "queued"
    assert str(uuid.UUID(body["migration_id"])) == body["migration_id"]
    assert bb.sim.migrations[body["migration_id"]].current_step == "requested"


@pytest.mark.parametrize("body", [{}, {"dest_region": None}, {"dest_region": ""}, None])
def test_move_without_dest_region_is_400_string_error(bb: Harness, body: object) -> None:
    if body is None:
        response = bb.http.post("/v1/apps/app-42/move")
    else:
        response = bb.http.post("/v1/apps/app-42/move", json=body)
    assert response.status_code == 400
    assert response.json() == {"error": "dest_region required"}


def test_move_to_unknown_region_is_400_naming_it(bb: Harness) -> None:
    response = bb.move("app-42", "mars-1")
    assert response.status_code == 400
    assert "mars-1" in response.json()["error"]
    assert bb.sim.migrations == {}


def test_move_ineligible_reasons_in_the_contract_order(bb: Harness) -> None:
    bb.seed("poor", region="us-east-1", has_plan=False)
    # Unknown app: 409, not 404.
    assert bb.move("ghost", "eu-west-1").json() == {
        "error": "ineligible",
        "reason": "App not found in org_app_index.",
    }
    # Equal regions is checked before the plan.
    equal = bb.move("poor", "us-east-1")
    assert equal.status_code == 409
    assert equal.json()["reason"] == "Source and destination regions are equal."
    assert bb.move("poor", "eu-west-1").json()["reason"] == "Owner has no active plan."
    bb.start("app-42", "eu-west-1")
    in_flight = bb.move("app-42", "eu-central-1")
    assert in_flight.status_code == 409
    assert in_flight.json() == {
        "error": "ineligible",
        "reason": "A migration is already in flight for this app.",
    }


# -- status ------------------------------------------------------------------------------


def test_status_object_has_every_key_in_order(bb: Harness) -> None:
    migration_id = bb.start("app-42", "eu-west-1")
    status = bb.status("app-42", migration_id)
    assert list(status) == STATUS_KEYS
    assert status["current_step"] == "requested"
    assert status["last_error"] is None
    assert status["retry_count"] == 0
    assert (status["source_region"], status["dest_region"]) == ("us-east-1", "eu-west-1")
    assert status["source_replica_state"] is None
    assert ISO_MS.match(status["step_started_at"])
    assert status["completed_at"] is None
    assert status["progress"] == {}


def test_status_progress_notes(bb: Harness) -> None:
    migration_id = bb.start("app-42", "eu-west-1")
    bb.run_until(migration_id, "restoring_data")
    progress = bb.status("app-42", migration_id)["progress"]
    assert progress["dump_bytes"] == 0
    assert progress["dump_object_key"]
    assert "flipped_at" not in progress
    bb.run_until(migration_id, "setting_up_reverse_replication")
    progress = bb.status("app-42", migration_id)["progress"]
    assert ISO_MS.match(progress["flipped_at"])
    assert not [key for key in progress if key.endswith("_done")]


def test_status_unknown_or_other_apps_id_is_404(bb: Harness) -> None:
    bb.seed("other", region="us-east-1")
    migration_id = bb.start("other", "eu-west-1")
    for path in (
        f"/v1/apps/app-42/migrations/{uuid.uuid4()}",
        f"/v1/apps/app-42/migrations/{migration_id}",
    ):
        response = bb.http.get(path)
        assert response.status_code == 404
        assert response.json() == {"error": "not found"}


@pytest.mark.parametrize("bad_id", ["abc", "7a0c1234", "12345678-1234-1234-1234-12345678901z"])
def test_status_non_uuid_is_500_object_error(bb: Harness, bad_id: str) -> None:
    response = bb.http.get(f"/v1/apps/app-42/migrations/{bad_id}")
    assert response.status_code == 500
    assert set(response.json()["error"]) == {"code", "message", "remediation"}


# -- active ------------------------------------------------------------------------------


def test_active_shows_own_move_with_id_key(bb: Harness) -> None:
    assert bb.http.get("/v1/apps/app-42/migrations/active").json() == {"migration": None}
    migration_id = bb.start("app-42", "eu-west-1")
    bb.run_until(migration_id, "dumping_data")
    active = bb.http.get("/v1/apps/app-42/migrations/active").json()["migration"]
    assert list(active) == [
        "id",
        "current_step",
        "source_region",
        "dest_region",
        "source_replica_state",
        "step_started_at",
    ]
    assert active["id"] == migration_id
    assert active["current_step"] == "dumping_data"
    bb.finish(migration_id)
    assert bb.http.get("/v1/apps/app-42/migrations/active").json() == {"migration": None}


def test_active_for_unknown_app_is_null(bb: Harness) -> None:
    response = bb.http.get("/v1/apps/ghost/migrations/active")
    assert response.status_code == 200
    assert response.json() == {"migration": None}


# -- abort -------------------------------------------------------------------------------


def test_abort_before_cutover_goes_straight_to_aborted(bb: Harness) -> None:
    migration_id = bb.start("app-42", "eu-west-1")
    bb.run_until(migration_id, "reserving_dest")
    response = bb.http.post(f"/v1/apps/app-42/migrations/{migration_id}/abort")
    assert response.status_code == 200
    assert response.json() == {"migration_id": migration_id, "status": "aborted"}
    status = bb.status("app-42", migration_id)
    assert status["current_step"] == "aborted"
    assert status["last_error"] == "user_requested"
    assert bb.app("app-42")["provisioning_status"] == "ready"
    bb.tick(3600)
    assert bb.status("app-42", migration_id)["current_step"] == "aborted"
    assert [t[1] for t in bb.sim.transitions if t[0] == migration_id][-2:] == [
        "reserving_dest",
        "aborted",
    ]


@pytest.mark.parametrize(
    "step", ["flipping_routing", "setting_up_reverse_replication", "unblocking_writes"]
)
def test_abort_after_cutover_is_409(bb: Harness, step: str) -> None:
    migration_id = bb.start("app-42", "eu-west-1")
    bb.run_until(migration_id, step)
    response = bb.http.post(f"/v1/apps/app-42/migrations/{migration_id}/abort")
    assert response.status_code == 409
    assert response.json() == {"error": "cannot abort after cutover; use reverse-move"}
    assert bb.migration(migration_id).current_step == step


def test_abort_completed_is_409(bb: Harness) -> None:
    migration_id = bb.start("app-42", "eu-west-1")
    assert bb.finish(migration_id) == "completed"
    response = bb.http.post(f"/v1/apps/app-42/migrations/{migration_id}/abort")
    assert response.status_code == 409
    assert response.json() == {"error": "cannot abort completed migration; use reverse-move"}


def test_abort_unknown_is_404_and_non_uuid_is_500(bb: Harness) -> None:
    unknown = bb.http.post(f"/v1/apps/app-42/migrations/{uuid.uuid4()}/abort")
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "not found"}
    bad = bb.http.post("/v1/apps/app-42/migrations/abc/abort")
    assert bad.status_code == 500
    assert isinstance(bad.json()["error"], dict)


# -- reverse -----------------------------------------------------------------------------


def test_fast_reverse_is_completed_at_once(bb: Harness) -> None:
    forward = bb.start("app-42", "eu-west-1")
    bb.finish(forward)
    response = bb.http.post(f"/v1/apps/app-42/migrations/{forward}/reverse")
    assert response.status_code == 202
    body = response.json()
    assert list(body) == ["migrationId", "path"]
    assert body["path"] == "fast"
    status = bb.status("app-42", body["migrationId"])
    assert status["current_step"] == "completed"
    assert (status["source_region"], status["dest_region"]) == ("eu-west-1", "us-east-1")
    assert status["source_replica_state"] is None  # the old destination is no retained replica
    assert ISO_MS.match(status["completed_at"])
    assert status["progress"] == {}
    assert bb.app("app-42")["region"] == "us-east-1"


def test_slow_reverse_runs_a_whole_saga_back(bb: Harness) -> None:
    forward = bb.start("app-42", "eu-west-1")
    bb.finish(forward)
    assert bb.http.delete(f"/v1/source-replicas/{forward}").status_code == 200
    response = bb.http.post(f"/v1/apps/app-42/migrations/{forward}/reverse")
    assert response.status_code == 202
    assert response.json()["path"] == "slow"
    back = response.json()["migrationId"]
    status = bb.status("app-42", back)
    assert status["current_step"] == "requested"
    assert (status["source_region"], status["dest_region"]) == ("eu-west-1", "us-east-1")
    assert bb.finish(back) == "completed"
    assert bb.app("app-42")["region"] == "us-east-1"


def test_reverse_errors_are_409_with_reasons(bb: Harness) -> None:
    def reverse(migration_id: str) -> httpx.Response:
        return bb.http.post(f"/v1/apps/app-42/migrations/{migration_id}/reverse")

    bad = reverse("abc")
    assert bad.status_code == 409
    assert bad.json() == {
        "error": "reverse_move_failed",
        "reason": 'invalid input syntax for type uuid: "abc"',
    }
    unknown_id = str(uuid.uuid4())
    assert reverse(unknown_id).json()["reason"] == f"migration not found: {unknown_id}"
    running = bb.start("app-42", "eu-west-1")
    not_done = reverse(running)
    assert not_done.status_code == 409
    assert not_done.json()["reason"] == (
        "reverse-move requires the forward migration to be completed"
    )
    bb.finish(running)
    again = bb.start("app-42", "eu-central-1")
    conflict = reverse(running)
    assert conflict.status_code == 409
    assert conflict.json()["reason"] == (
        'conflicting key value violates exclusion constraint "one_active_migration_per_app"'
    )
    assert bb.migration(again).current_step == "requested"


# -- source replicas and teardown ----------------------------------------------------------


def test_source_replicas_lists_the_callers_retained_replicas(bb: Harness) -> None:
    bb.seed("unknown-cost", region="eu-west-1", replica_cost=None)
    first = bb.start("app-42", "eu-west-1")
    second = bb.start("unknown-cost", "us-west-2")
    assert bb.http.get("/v1/source-replicas").json() == {"source_replicas": []}
    bb.finish(first)
    bb.finish(second)
    rows = bb.http.get("/v1/source-replicas").json()["source_replicas"]
    by_id = {row["migration_id"]: row for row in rows}
    assert set(by_id) == {first, second}
    assert list(by_id[first]) == [
        "migration_id",
        "app_id",
        "source_region",
        "dest_region",
        "completed_at",
        "estimated_monthly_cost_usd",
    ]
    # The published server's dumps report no size: the cost is 0, not the app's price.
    assert by_id[first]["estimated_monthly_cost_usd"] == 0
    assert by_id[second]["estimated_monthly_cost_usd"] is None
    assert by_id[second]["app_id"] == "unknown-cost"
    with as_key(bb, "bb_sk_test_dashboard") as dashboard:
        assert dashboard.get("/v1/source-replicas").json() == {"source_replicas": []}


def test_teardown_then_again_is_409(bb: Harness) -> None:
    migration_id = bb.start("app-42", "eu-west-1")
    bb.finish(migration_id)
    first = bb.http.delete(f"/v1/source-replicas/{migration_id}")
    assert first.status_code == 200
    assert first.json() == {"status": "torn_down"}
    assert bb.status("app-42", migration_id)["source_replica_state"] == "torn_down"
    assert bb.http.get("/v1/source-replicas").json() == {"source_replicas": []}
    second = bb.http.delete(f"/v1/source-replicas/{migration_id}")
    assert second.status_code == 409
    assert second.json() == {
        "error": "teardown_failed",
        "reason": "cannot teardown replica in state torn_down",
    }


def test_teardown_in_state_none_and_null(bb: Harness) -> None:
    bb.sim.no_replica("app-42")
    done = bb.start("app-42", "eu-west-1")
    assert bb.finish(done) == "completed"
    assert bb.status("app-42", done)["source_replica_state"] == "none"
    none = bb.http.delete(f"/v1/source-replicas/{done}")
    assert none.status_code == 409
    assert none.json()["reason"] == "cannot teardown replica in state none"
    running = bb.start("app-42", "us-east-1")
    null = bb.http.delete(f"/v1/source-replicas/{running}")
    assert null.status_code == 409
    assert null.json()["reason"] == "cannot teardown replica in state null"


def test_teardown_with_pending_deprovision_changes_nothing(bb: Harness) -> None:
    migration_id = bb.start("app-42", "eu-west-1")
    bb.finish(migration_id)
    bb.sim.pending_deprovision("app-42")
    response = bb.http.delete(f"/v1/source-replicas/{migration_id}")
    assert response.status_code == 409
    assert response.json()["error"] == "teardown_failed"
    assert "constraint" in response.json()["reason"]
    assert bb.migration(migration_id).source_replica_state == "replicating"


def test_teardown_unknown_is_404_and_non_uuid_is_500(bb: Harness) -> None:
    unknown = bb.http.delete(f"/v1/source-replicas/{uuid.uuid4()}")
    assert unknown.status_code == 404
    assert unknown.json() == {"error": "not found"}
    bad = bb.http.delete("/v1/source-replicas/not-a-uuid")
    assert bad.status_code == 500
    assert isinstance(bad.json()["error"], dict)
