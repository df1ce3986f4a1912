"""Control endpoints, outages, the wall-clock ticker, the demo seed and the CLI."""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from sandbox.butterbase import (
    BOT_KEY,
    Simulator,
    SimulatorConfig,
    SimulatorServer,
    run_simulator,
    seed_demo,
)
from sandbox.butterbase.testing import Harness
from sandbox.server import free_port

ROOT = Path(__file__).resolve().parents[2]


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


# -- outages -----------------------------------------------------------------------------


def test_outage_503_with_retry_after_until_it_ends(bb: Harness) -> None:
    bb.sim.outage(30, "503")
    for path in ("/v1/regions", "/apps", "/v1/source-replicas"):
        response = bb.http.get(path)
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "5"
        assert isinstance(response.json()["error"], dict)
    assert bb.move("app-42", "eu-west-1").status_code == 503
    assert bb.sim.migrations == {}
    assert bb.http.get("/_sim/state").status_code == 200
    bb.clock.advance(30)
    assert bb.http.get("/v1/regions").status_code == 200
    assert [r["status"] for r in bb.sim.requests] == [503, 503, 503, 503, 200]


def test_outage_502_html_page(bb: Harness) -> None:
    bb.sim.outage(30, "502_html")
    response = bb.http.get("/apps")
    assert response.status_code == 502
    assert response.headers["content-type"].startswith("text/html")
    assert "502 Bad Gateway" in response.text
    bb.sim.end_outage()
    assert bb.http.get("/apps").status_code == 200


def test_outage_hang_outlasts_the_client_timeout(bb: Harness) -> None:
    bb.sim.outage(60, "hang")
    with pytest.raises(httpx.ReadTimeout):
        bb.http.get("/v1/regions", timeout=0.15)
    assert bb.requests_made() == [("GET", "/v1/regions")]
    bb.sim.end_outage()
    assert bb.http.get("/v1/regions").status_code == 200


def test_outage_hang_ends_with_the_outage(bb: Harness) -> None:
    bb.sim.outage(60, "hang")
    answers: list[httpx.Response] = []
    waiter = threading.Thread(target=lambda: answers.append(bb.http.get("/apps")))
    waiter.start()
    time.sleep(0.05)
    assert not answers
    bb.clock.advance(60)
    waiter.join(timeout=5)
    assert answers[0].status_code == 504
    assert answers[0].headers["content-type"].startswith("text/html")


def test_outage_control_endpoints(bb: Harness) -> None:
    response = bb.http.post("/_sim/outage", json={"seconds": 10, "mode": "502_html"})
    assert response.status_code == 200
    assert response.json()["outage"]["mode"] == "502_html"
    assert bb.http.get("/apps").status_code == 502
    assert bb.http.delete("/_sim/outage").status_code == 200
    assert bb.http.get("/apps").status_code == 200
    assert bb.http.post("/_sim/outage", json={"mode": "teapot"}).status_code == 400


# -- control endpoints ---------------------------------------------------------------------


def test_seed_and_state(bb: Harness) -> None:
    response = bb.http.post(
        "/_sim/apps",
        json={"app_id": "blog", "region": "eu-west-1", "kv": True, "replica_cost": None},
    )
    assert response.status_code == 201
    assert response.json()["kv"] is True
    assert bb.http.post("/_sim/apps", json={"region": "eu-west-1"}).status_code == 400
    migration_id = bb.start("blog", "us-east-1")
    state = bb.http.get("/_sim/state").json()
    assert {a["id"] for a in state["apps"]} == {"app-42", "blog"}
    (migration,) = state["migrations"]
    assert migration["migration_id"] == migration_id
    assert migration["app_id"] == "blog"
    assert migration["user_id"] == "user-bot"
    assert "dumping_kv" in migration["steps"]
    assert state["outage"] is None


def test_fault_endpoints(bb: Harness) -> None:
    def fault(body: dict[str, object]) -> httpx.Response:
        return bb.http.post("/_sim/apps/app-42/faults", json=body)

    response = fault({"kind": "fail_step", "step": "copying_blobs", "times": 2, "error": "x"})
    assert response.status_code == 200
    assert response.json()["faults"]["fail_steps"] == {
        "copying_blobs": {"remaining": 2, "error": "x"}
    }
    assert fault({"kind": "stall", "step": "dumping_data"}).status_code == 200
    assert fault({"kind": "no_replica"}).status_code == 200
    assert fault({"kind": "pending_deprovision"}).status_code == 200
    assert fault({"kind": "fail_step", "step": "no_such_step"}).status_code == 400
    assert fault({"kind": "explode"}).status_code == 400
    migration_id = bb.start("app-42", "eu-west-1")
    bb.tick(7200)
    assert bb.migration(migration_id).current_step == "dumping_data"
    assert bb.http.get("/_sim/state").json()["faults"]["app-42"]["stalled"] == ["dumping_data"]
    assert fault({"kind": "unstall"}).status_code == 200
    assert bb.finish(migration_id) == "completed"
    assert bb.migration(migration_id).source_replica_state == "none"
    assert fault({"kind": "clear"}).json()["faults"]["no_replica"] is False


def test_fail_current_endpoint(bb: Harness) -> None:
    assert bb.http.post("/_sim/apps/app-42/fail-current").status_code == 409
    migration_id = bb.start("app-42", "eu-west-1")
    bb.run_until(migration_id, "setting_up_reverse_replication")
    response = bb.http.post("/_sim/apps/app-42/fail-current")
    assert response.json() == {
        "migration_id": migration_id,
        "step": "setting_up_reverse_replication",
    }
    assert bb.finish(migration_id) == "failed"


def test_teardown_and_move_as_endpoints(bb: Harness) -> None:
    response = bb.http.post(
        "/_sim/apps/app-42/move-as", json={"user": "user-dashboard", "dest_region": "eu-west-1"}
    )
    assert response.status_code == 202
    migration_id = response.json()["migration_id"]
    assert bb.migration(migration_id).user_id == "user-dashboard"
    refused = bb.http.post("/_sim/apps/app-42/move-as", json={"dest_region": "eu-west-1"})
    assert refused.status_code == 409
    assert refused.json()["error"] == "ineligible"
    bb.finish(migration_id)
    torn = bb.http.post(f"/_sim/migrations/{migration_id}/teardown")
    assert torn.json()["source_replica_state"] == "torn_down"
    assert bb.http.post("/_sim/migrations/nope/teardown").status_code == 404


def test_transitions_since(bb: Harness) -> None:
    migration_id = bb.start("app-42", "eu-west-1")
    bb.run_until(migration_id, "blocking_writes")
    first = bb.http.get("/_sim/transitions").json()
    assert [t["step"] for t in first["transitions"]] == [
        "requested",
        "reserving_dest",
        "blocking_writes",
    ]
    assert first["next"] == 3
    bb.tick(5)
    later = bb.http.get("/_sim/transitions", params={"since": first["next"]}).json()
    assert later["transitions"] == [
        {
            "index": 3,
            "migration_id": migration_id,
            "step": "dumping_data",
            "at": later["transitions"][0]["at"],
        }
    ]


def test_request_log_skips_control_routes(bb: Harness) -> None:
    bb.http.get("/v1/regions")
    bb.http.delete("/v1/source-replicas/abc")
    log = bb.http.get("/_sim/requests").json()["requests"]
    assert log == [
        {"method": "GET", "path": "/v1/regions", "status": 200},
        {"method": "DELETE", "path": "/v1/source-replicas/abc", "status": 500},
    ]
    assert bb.http.post("/_sim/requests/reset").status_code == 200
    assert bb.http.get("/_sim/requests").json() == {"requests": []}
    assert bb.sim.requests == []


def test_clock_advance_endpoint(bb: Harness) -> None:
    migration_id = bb.start("app-42", "eu-west-1")
    assert bb.http.post("/_sim/clock/advance", json={"seconds": 2}).status_code == 200
    assert bb.migration(migration_id).current_step == "reserving_dest"


# -- wall clock, demo, CLI -----------------------------------------------------------------


def test_ticker_advances_on_the_wall_clock_without_requests() -> None:
    config = SimulatorConfig(time_scale=0.0005, tick_seconds=0.005)
    with run_simulator(config) as running:
        sim = running.sim
        sim.seed_app("app-42", region="us-east-1")
        migration = sim.start_move_as(BOT_KEY, "app-42", "eu-west-1")
        deadline = time.monotonic() + 5
        while not migration.terminal and time.monotonic() < deadline:
            time.sleep(0.005)
        assert migration.current_step == "completed"
        assert sim.requests == []
        steps = [at for mid, _, at in sim.transitions if mid == migration.id]
        assert (steps[-1] - steps[0]).total_seconds() == pytest.approx(0.276, abs=0.01)


def test_seed_demo_apps_behave_as_described(bb: Harness) -> None:
    seed_demo(bb.sim)
    assert {"app-42", "shop-eu", "blog", "flaky-api", "doomed"} <= set(bb.sim.apps)
    flaky = bb.start("flaky-api", "eu-west-1")
    doomed = bb.start("doomed", "eu-west-1")
    blog = bb.start("blog", "eu-west-1")
    assert bb.finish(flaky) == "completed"
    assert bb.finish(doomed) == "failed"
    assert bb.finish(blog) == "completed"
    assert bb.status("blog", blog)["progress"]["kv_restored_keys"] > 0
    flaky_retries = [s for mid, s, _ in bb.sim.transitions if mid == flaky]
    assert flaky_retries.count("copying_blobs") == 1


def test_cli_serves_the_demo() -> None:
    port = free_port()
    command = [sys.executable, "-m", "sandbox.butterbase", "--port", str(port), "--seed-demo"]
    with subprocess.Popen(command, cwd=ROOT, stdout=subprocess.PIPE, text=True) as process:
        try:
            assert process.stdout is not None
            banner = process.stdout.readline()
            assert f"http://127.0.0.1:{port}" in banner
            assert BOT_KEY in banner
            headers = {"Authorization": f"Bearer {BOT_KEY}"}
            deadline = time.monotonic() + 10
            while True:
                try:
                    apps = httpx.get(f"http://127.0.0.1:{port}/apps", headers=headers)
                    break
                except httpx.ConnectError:
                    assert time.monotonic() < deadline
                    time.sleep(0.02)
            assert "flaky-api" in {a["id"] for a in apps.json()["apps"]}
        finally:
            process.terminate()
            process.wait(timeout=10)


def test_control_routes_allow_cross_origin_pages(bb: Harness) -> None:
    preflight = bb.http.options("/_sim/outage", headers={"Origin": "http://127.0.0.1:3000"})
    assert preflight.status_code == 204
    assert preflight.headers["access-control-allow-origin"] == "*"
    state = bb.http.get("/_sim/state")
    assert state.headers["access-control-allow-origin"] == "*"
    assert "access-control-allow-origin" not in bb.http.get("/v1/regions").headers
