"""The Butterbase client over httpx.MockTransport: shapes, quirks, errors, retries,
and reconciliation of ambiguous mutations. Nothing sleeps: delays are recorded."""

from __future__ import annotations

import json
import logging
import random
from collections.abc import AsyncIterator, Callable
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest

from bot.butterbase import ButterbaseClient
from bot.clock import FakeClock
from bot.errors import (
    AmbiguousResult,
    BadRequest,
    ButterbaseError,
    Conflict,
    NotFound,
    RateLimited,
    Unauthorised,
    Unavailable,
    parse_retry_after,
)

KEY = "bb_sk_live_supersecret_123"
APP = "app-1"
MIG = "7a0c1a5e-0000-4000-8000-000000000001"
NEW = "7a0c1a5e-0000-4000-8000-000000000002"
MOVE = f"/v1/apps/{APP}/move"
STATUS = f"/v1/apps/{APP}/migrations/{MIG}"
ACTIVE = f"/v1/apps/{APP}/migrations/active"
ABORT = f"{STATUS}/abort"
REVERSE = f"{STATUS}/reverse"
TEARDOWN = f"/v1/source-replicas/{MIG}"
HTML_502 = b"<html><body><h1>502 Bad Gateway</h1></body></html>"

Reply = httpx.Response | type[httpx.RequestError] | Callable[[httpx.Request], httpx.Response]


def status_body(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "migration_id": MIG,
        "current_step": "restoring_data",
        "last_error": None,
        "retry_count": 0,
        "source_region": "us-east-1",
        "dest_region": "eu-west-1",
        "source_replica_state": None,
        "step_started_at": "2026-11-30T10:02:11.482Z",
        "completed_at": None,
        "progress": {"dump_bytes": 734003200, "requested_done": True},
    }
    body.update(overrides)
    return body


def ok(body: Any, status: int = 200, **headers: str) -> httpx.Response:
    return httpx.Response(status, json=body, headers=headers)


class FakeButterbase:
    """Routes answer from a queue; the last answer repeats. Every request is kept."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []
        self.routes: dict[tuple[str, str], list[Reply]] = {}

    def on(self, method: str, path: str, *replies: Reply) -> None:
        self.routes[(method, path)] = list(replies)

    def count(self, method: str, path: str) -> int:
        return sum(1 for r in self.requests if (r.method, r.url.path) == (method, path))

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        replies = self.routes.get((request.method, request.url.path))
        if not replies:
            return ok({"error": "no route in the fake"}, 418)
        reply = replies.pop(0) if len(replies) > 1 else replies[0]
        if isinstance(reply, httpx.Response):
            return reply
        if isinstance(reply, type):
            raise reply("simulated", request=request)
        return reply(request)


@pytest.fixture
def fake() -> FakeButterbase:
    return FakeButterbase()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 30, 10, 0, tzinfo=UTC))


@pytest.fixture
async def client(
    fake: FakeButterbase, sleeps: list[float], clock: FakeClock
) -> AsyncIterator[ButterbaseClient]:
    async def sleep(delay: float) -> None:
        sleeps.append(delay)

    async with ButterbaseClient(
        base_url="https://api.butterbase.test",
        api_key=KEY,
        transport=httpx.MockTransport(fake.handle),
        sleep=sleep,
        rng=random.Random(7),
        clock=clock,
    ) as bb:
        yield bb


# --- success shapes and quirks ---------------------------------------------


async def test_regions_need_no_key(client: ButterbaseClient, fake: FakeButterbase) -> None:
    fake.on("GET", "/v1/regions", ok({"regions": ["us-east-1", "eu-west-1"]}))
    assert await client.regions() == ["us-east-1", "eu-west-1"]
    assert "authorization" not in fake.requests[0].headers
    assert fake.requests[0].url == "https://api.butterbase.test/v1/regions"


async def test_apps_and_app(client: ButterbaseClient, fake: FakeButterbase) -> None:
    fake.on(
        "GET",
        "/apps",
        ok({"apps": [{"id": APP, "name": "Shop", "subdomain": "shop", "region": "us-east-1",
                      "provisioning_status": "migrating", "plan": "pro"}]}),
    )  # fmt: skip
    [app] = await client.apps()
    assert (app.id, app.region, app.writes_paused) == (APP, "us-east-1", True)
    assert (await client.app(APP)) == app
    assert await client.app("other") is None
    assert fake.requests[0].headers["authorization"] == f"Bearer {KEY}"


async def test_move_sends_dest_region_and_reads_202(
    client: ButterbaseClient, fake: FakeButterbase
) -> None:
    fake.on("POST", MOVE, ok({"migration_id": MIG, "status": "queued"}, 202))
    accepted = await client.move(APP, "eu-west-1")
    assert (accepted.migration_id, accepted.status) == (MIG, "queued")
    assert json.loads(fake.requests[0].content) == {"dest_region": "eu-west-1"}


@pytest.mark.parametrize(
    ("overrides", "expect"),
    [
        ({}, {"current_step": "restoring_data", "dump_bytes": 734003200}),
        ({"current_step": "dumping_kv"}, {"current_step": "dumping_kv"}),
        ({"current_step": "warp_drive_9"}, {"current_step": "warp_drive_9"}),
        ({"source_replica_state": "replicating"}, {"source_replica_state": "replicating"}),
        ({"source_replica_state": None, "state": "active"}, {"source_replica_state": "replicating"}),
        ({"source_replica_state": "torn_down"}, {"source_replica_state": "torn_down"}),
        ({"source_replica_state": "pending"}, {"source_replica_state": None}),
        ({"progress": {}}, {"dump_bytes": None}),
        ({"progress": None}, {"progress": {}}),
        ({"progress": ["odd"]}, {"progress": {}}),
        ({"progress": {"flipped_at": "2026-11-30T10:20:00Z", "new": {"x": 1}}}, {"dump_bytes": None}),
        ({"failed_reason": "extra key"}, {"retry_count": 0}),
    ],
)  # fmt: skip
async def test_status_tolerates_quirks(
    client: ButterbaseClient,
    fake: FakeButterbase,
    overrides: dict[str, Any],
    expect: dict[str, Any],
) -> None:
    body = status_body(**overrides)
    if "source_replica_state" in overrides and overrides["source_replica_state"] is None:
        del body["source_replica_state"]
    fake.on("GET", STATUS, ok(body))
    status = await client.status(APP, MIG)
    assert status.migration_id == MIG
    for name, value in expect.items():
        assert getattr(status, name) == value


async def test_status_without_progress_key(client: ButterbaseClient, fake: FakeButterbase) -> None:
    body = status_body()
    del body["progress"]
    fake.on("GET", STATUS, ok(body))
    assert (await client.status(APP, MIG)).progress == {}


async def test_active_reads_id_and_null(client: ButterbaseClient, fake: FakeButterbase) -> None:
    body = {k: v for k, v in status_body().items() if k != "migration_id"}
    fake.on("GET", ACTIVE, ok({"migration": {**body, "id": MIG}}), ok({"migration": None}))
    first = await client.active(APP)
    assert first is not None and (first.migration_id, first.dest_region) == (MIG, "eu-west-1")
    assert await client.active(APP) is None


async def test_abort_reverse_replicas_teardown(
    client: ButterbaseClient, fake: FakeButterbase
) -> None:
    fake.on("POST", ABORT, ok({"migration_id": MIG, "status": "aborted"}))
    fake.on("POST", REVERSE, ok({"migrationId": NEW, "path": "fast"}, 202))
    replica = {"migration_id": MIG, "app_id": APP, "source_region": "us-east-1",
               "dest_region": "eu-west-1", "completed_at": "2026-11-30T10:30:00Z",
               "estimated_monthly_cost_usd": None, "state": "active"}  # fmt: skip
    fake.on("GET", "/v1/source-replicas", ok({"source_replicas": [replica, {**replica,
            "migration_id": NEW, "estimated_monthly_cost_usd": 12.5}]}))  # fmt: skip
    fake.on("DELETE", TEARDOWN, ok({"status": "torn_down"}))
    assert (await client.abort(APP, MIG)).status == "aborted"
    reverse = await client.reverse(APP, MIG)
    assert (reverse.migration_id, reverse.path) == (NEW, "fast")
    first, second = await client.source_replicas()
    assert (first.estimated_monthly_cost_usd, second.estimated_monthly_cost_usd) == (None, 12.5)
    assert (await client.teardown(MIG)).status == "torn_down"


async def test_path_segments_are_encoded(client: ButterbaseClient, fake: FakeButterbase) -> None:
    # (a migration id must be a UUID: tests/bot/test_butterbase_ids.py)
    fake.on("GET", f"/v1/apps/a/b c?#/migrations/{MIG}", ok(status_body()))
    await client.status("a/b c?#", MIG)
    assert fake.requests[0].url.raw_path == f"/v1/apps/a%2Fb%20c%3F%23/migrations/{MIG}".encode()


@pytest.mark.parametrize(
    "reply",
    [httpx.Response(200, content=b"<html>hi</html>"), httpx.Response(200), ok({"regions": "x"}),
     ok({"nope": []}), ok([1, 2]), ok({"regions": [1, 2]})],
)  # fmt: skip
async def test_unexpected_success_body_is_unavailable(
    client: ButterbaseClient, fake: FakeButterbase, reply: httpx.Response
) -> None:
    fake.on("GET", "/v1/regions", reply)
    with pytest.raises(Unavailable, match="unexpected answer") as caught:
        await client.regions()
    assert not isinstance(caught.value, AmbiguousResult)
    assert len(fake.requests) == 1


async def test_active_without_migration_key_is_unexpected(
    client: ButterbaseClient, fake: FakeButterbase
) -> None:
    fake.on("GET", ACTIVE, ok({}))
    with pytest.raises(Unavailable, match="unexpected answer"):
        await client.active(APP)


# --- errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("call", "method", "path", "status", "body", "kind", "attrs", "message"),
    [
        ("move", "POST", MOVE, 400, {"error": "dest_region required"}, BadRequest,
         {"code": "dest_region required"}, "Butterbase refused to start the move: dest_region required."),
        ("apps", "GET", "/apps", 400, {"error": {"code": "REQUEST_ERROR", "message": "Malformed JSON",
         "remediation": "Send JSON"}}, BadRequest, {"code": "REQUEST_ERROR", "remediation": "Send JSON"},
         "Butterbase refused to list the apps: Malformed JSON."),
        ("apps", "GET", "/apps", 401, {"error": {"code": "AUTH_INVALID_API_KEY",
         "message": "Invalid or revoked API key"}}, Unauthorised, {"code": "AUTH_INVALID_API_KEY"},
         "Butterbase rejected the bot's API key (Invalid or revoked API key) when asked to list the apps"),
        ("status", "GET", STATUS, 404, {"error": "not found"}, NotFound, {"error": "not found"},
         "Butterbase could not read the move's status: not found."),
        ("move", "POST", MOVE, 409, {"error": "ineligible", "reason": "A migration is already in flight for this app."},
         Conflict, {"error": "ineligible", "reason": "A migration is already in flight for this app."},
         "Butterbase would not start the move: A migration is already in flight for this app (ineligible)."),
        ("abort", "POST", ABORT, 409, {"error": "cannot abort after cutover; use reverse-move"}, Conflict,
         {"error": "cannot abort after cutover; use reverse-move", "reason": None},
         "Butterbase would not abort the move: cannot abort after cutover; use reverse-move."),
        ("reverse", "POST", REVERSE, 409, {"error": "reverse_move_failed", "reason":
         "reverse-move requires the forward migration to be completed"}, Conflict,
         {"error": "reverse_move_failed"}, "would not reverse the move: reverse-move requires"),
        ("teardown", "DELETE", TEARDOWN, 409, {"error": "teardown_failed", "reason":
         "cannot teardown replica in state none"}, Conflict, {"error": "teardown_failed"},
         "would not tear down the replica: cannot teardown replica in state none (teardown_failed)."),
        ("teardown", "DELETE", TEARDOWN, 403, {"error": "forbidden"}, BadRequest, {"status": 403},
         "refused (HTTP 403)"),
    ],
)  # fmt: skip
async def test_error_bodies_map_onto_the_tree(
    client: ButterbaseClient,
    fake: FakeButterbase,
    call: str,
    method: str,
    path: str,
    status: int,
    body: Any,
    kind: type[ButterbaseError],
    attrs: dict[str, Any],
    message: str,
) -> None:
    fake.on(method, path, ok(body, status))
    args = {"move": (APP, "eu-west-1"), "apps": (), "status": (APP, MIG), "abort": (APP, MIG),
            "reverse": (APP, MIG), "teardown": (MIG,)}[call]  # fmt: skip
    with pytest.raises(kind) as caught:
        await getattr(client, call)(*args)
    assert type(caught.value) is kind
    assert message in str(caught.value)
    assert caught.value.status == status and caught.value.route == call
    for name, value in attrs.items():
        assert getattr(caught.value, name) == value
    assert len(fake.requests) == 1


async def test_missing_key_says_none_is_configured(fake: FakeButterbase) -> None:
    fake.on("GET", "/apps", ok({"error": {"code": "REQUEST_ERROR", "message": "Authentication required"}}, 401))  # fmt: skip
    transport = httpx.MockTransport(fake.handle)
    async with ButterbaseClient(base_url="http://bb", api_key=None, transport=transport) as bb:
        with pytest.raises(Unauthorised, match="the bot has none configured"):
            await bb.apps()
    assert "authorization" not in fake.requests[0].headers


@pytest.mark.parametrize("reply", [httpx.Response(404), httpx.Response(409, content=b"<html/>")])
async def test_client_error_without_json_is_unavailable(
    client: ButterbaseClient, fake: FakeButterbase, reply: httpx.Response
) -> None:
    fake.on("GET", STATUS, reply)
    with pytest.raises(Unavailable, match=r"unexpected answer .*HTTP \d+, not the JSON error"):
        await client.status(APP, MIG)
    assert len(fake.requests) == 1


@pytest.mark.parametrize(
    "reply",
    [httpx.Response(502, content=HTML_502, headers={"content-type": "text/html"}), httpx.Response(504),
     ok({"error": {"code": "INTERNAL", "message": "boom"}}, 500), httpx.Response(503)],
)  # fmt: skip
async def test_reads_retry_5xx_then_succeed(
    client: ButterbaseClient, fake: FakeButterbase, sleeps: list[float], reply: httpx.Response
) -> None:
    fake.on("GET", "/apps", reply, reply, ok({"apps": []}))
    assert await client.apps() == []
    assert len(fake.requests) == 3
    assert len(sleeps) == 2 and all(0 <= s <= 1.0 for s in sleeps)


async def test_attempts_are_bounded_and_backoff_is_capped(
    fake: FakeButterbase, sleeps: list[float]
) -> None:
    async def sleep(delay: float) -> None:
        sleeps.append(delay)

    fake.on("GET", "/apps", httpx.Response(502, content=HTML_502))
    async with ButterbaseClient(
        base_url="http://bb", api_key=KEY, transport=httpx.MockTransport(fake.handle),
        max_attempts=6, backoff_base=1.0, backoff_cap=2.0, max_wait=100, sleep=sleep,
    ) as bb:  # fmt: skip
        with pytest.raises(Unavailable, match=r"unavailable \(HTTP 502\)") as caught:
            await bb.apps()
    assert len(fake.requests) == 6 and len(sleeps) == 5
    assert all(0 <= s <= 2.0 for s in sleeps)
    assert caught.value.status == 502 and "<html>" not in str(caught.value)


@pytest.mark.parametrize(
    "error", [httpx.ReadTimeout, httpx.ConnectError, httpx.RemoteProtocolError]
)
async def test_read_transport_errors_retry_until_bounded(
    client: ButterbaseClient,
    fake: FakeButterbase,
    sleeps: list[float],
    error: type[httpx.RequestError],
) -> None:
    fake.on("GET", STATUS, error)
    with pytest.raises(Unavailable, match="could not read the move's status") as caught:
        await client.status(APP, MIG)
    assert len(fake.requests) == 4 and len(sleeps) == 3
    assert caught.value.status is None and "simulated" not in str(caught.value)


@pytest.mark.parametrize("status", [429, 503])
async def test_retry_after_seconds_is_honoured(
    client: ButterbaseClient, fake: FakeButterbase, sleeps: list[float], status: int
) -> None:
    fake.on("GET", "/apps", ok({"error": "slow down"}, status, **{"Retry-After": "7"}), ok({"apps": []}))  # fmt: skip
    assert await client.apps() == []
    assert sleeps == [7.0]


async def test_retry_after_http_date_is_relative_to_the_answer(
    client: ButterbaseClient, fake: FakeButterbase, sleeps: list[float]
) -> None:
    headers = {"Retry-After": "Mon, 30 Nov 2026 10:00:12 GMT", "Date": "Mon, 30 Nov 2026 10:00:00 GMT"}  # fmt: skip
    fake.on("GET", "/apps", httpx.Response(503, headers=headers), ok({"apps": []}))
    await client.apps()
    assert sleeps == [12.0]


async def test_retry_after_http_date_without_date_header_uses_the_clock(
    client: ButterbaseClient, fake: FakeButterbase, sleeps: list[float]
) -> None:
    later = httpx.Response(503, headers={"Retry-After": "Mon, 30 Nov 2026 10:00:05 GMT"})
    fake.on("GET", "/apps", later, ok({"apps": []}))
    await client.apps()
    assert sleeps == [5.0]


async def test_retry_after_beyond_the_budget_gives_up(
    client: ButterbaseClient, fake: FakeButterbase, sleeps: list[float]
) -> None:
    fake.on("GET", "/apps", ok({"error": "busy"}, 429, **{"Retry-After": "120"}))
    with pytest.raises(RateLimited, match="try again in 120 s") as caught:
        await client.apps()
    assert caught.value.retry_after == 120.0
    assert sleeps == [] and len(fake.requests) == 1


async def test_503_retry_after_on_a_mutation_is_retried(
    client: ButterbaseClient, fake: FakeButterbase, sleeps: list[float]
) -> None:
    fake.on("POST", MOVE, httpx.Response(503, headers={"Retry-After": "2"}),
            ok({"migration_id": MIG, "status": "queued"}, 202))  # fmt: skip
    assert (await client.move(APP, "eu-west-1")).migration_id == MIG
    assert fake.count("POST", MOVE) == 2 and sleeps == [2.0]


@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ConnectTimeout])
async def test_mutation_retries_when_it_never_connected(
    client: ButterbaseClient, fake: FakeButterbase, error: type[httpx.RequestError]
) -> None:
    fake.on("POST", ABORT, error, error, ok({"migration_id": MIG, "status": "aborted"}))
    assert (await client.abort(APP, MIG)).status == "aborted"
    assert fake.count("POST", ABORT) == 3


async def test_mutation_gives_up_after_bounded_connect_failures(
    client: ButterbaseClient, fake: FakeButterbase
) -> None:
    fake.on("POST", MOVE, httpx.ConnectError)
    with pytest.raises(Unavailable, match="could not start the move: could not connect") as caught:
        await client.move(APP, "eu-west-1")
    assert not isinstance(caught.value, AmbiguousResult)
    assert fake.count("POST", MOVE) == 4


def test_parse_retry_after() -> None:
    now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    assert parse_retry_after("5", now=now) == 5.0
    assert parse_retry_after("-3", now=now) == 0.0
    assert parse_retry_after("Mon, 30 Nov 2026 10:01:00 GMT", now=now) == 60.0
    assert parse_retry_after("Mon, 30 Nov 2026 09:00:00 GMT", now=now) == 0.0
    for junk in (None, "", "soon", "nan", "inf"):
        assert parse_retry_after(junk, now=now) is None


# --- ambiguous mutations -----------------------------------------------------


def active_body(dest: str = "eu-west-1", mid: str = MIG, source: str = "us-east-1") -> Any:
    return {"migration": {"id": mid, "current_step": "requested", "source_region": source,
                          "dest_region": dest, "source_replica_state": None}}  # fmt: skip


async def test_lost_move_answer_is_found_through_active(
    client: ButterbaseClient, fake: FakeButterbase
) -> None:
    fake.on("POST", MOVE, httpx.ReadTimeout)
    fake.on("GET", ACTIVE, ok(active_body()))
    accepted = await client.move(APP, "eu-west-1")
    assert accepted.migration_id == MIG
    assert fake.count("POST", MOVE) == 1


@pytest.mark.parametrize(
    "lost", [httpx.ReadTimeout, httpx.RemoteProtocolError, httpx.Response(502, content=HTML_502),
             httpx.Response(504), ok({"error": {"code": "INTERNAL"}}, 500)],
)  # fmt: skip
async def test_move_not_started_is_sent_once_more(
    client: ButterbaseClient, fake: FakeButterbase, lost: Reply
) -> None:
    fake.on("POST", MOVE, lost, ok({"migration_id": NEW, "status": "queued"}, 202))
    fake.on("GET", ACTIVE, ok({"migration": None}))
    assert (await client.move(APP, "eu-west-1")).migration_id == NEW
    assert fake.count("POST", MOVE) == 2


async def test_move_resend_is_bounded(client: ButterbaseClient, fake: FakeButterbase) -> None:
    fake.on("POST", MOVE, httpx.ReadTimeout)
    fake.on("GET", ACTIVE, ok(active_body(dest="ap-south-1")))
    with pytest.raises(AmbiguousResult, match="move app-1 to eu-west-1") as caught:
        await client.move(APP, "eu-west-1")
    assert caught.value.attempted == "move app-1 to eu-west-1"
    assert fake.count("POST", MOVE) == 2


async def test_move_ambiguous_when_active_is_unreachable(
    client: ButterbaseClient, fake: FakeButterbase
) -> None:
    fake.on("POST", MOVE, httpx.Response(504))
    fake.on("GET", ACTIVE, httpx.Response(503))
    with pytest.raises(AmbiguousResult, match="not known whether Butterbase") as caught:
        await client.move(APP, "eu-west-1")
    assert caught.value.status == 504 and fake.count("POST", MOVE) == 1
    assert isinstance(caught.value, Unavailable)


async def test_move_accepted_with_unreadable_body_is_not_resent(
    client: ButterbaseClient, fake: FakeButterbase
) -> None:
    fake.on("POST", MOVE, httpx.Response(202, content=b"<html>ok</html>"))
    fake.on("GET", ACTIVE, ok(active_body()), ok({"migration": None}))
    assert (await client.move(APP, "eu-west-1")).migration_id == MIG
    with pytest.raises(AmbiguousResult) as caught:
        await client.move(APP, "eu-west-1")
    assert caught.value.accepted and fake.count("POST", MOVE) == 2


async def test_move_resend_conflict_in_flight_is_ours(
    client: ButterbaseClient, fake: FakeButterbase
) -> None:
    in_flight = ok({"error": "ineligible", "reason": "A migration is already in flight for this app."}, 409)  # fmt: skip
    fake.on("POST", MOVE, httpx.ReadTimeout, in_flight)
    fake.on("GET", ACTIVE, ok({"migration": None}), ok(active_body()))
    assert (await client.move(APP, "eu-west-1")).migration_id == MIG
    assert fake.count("POST", MOVE) == 2


@pytest.mark.parametrize(
    ("step", "last_error", "expect_aborts"),
    [("aborted", "user_requested", 1), ("dumping_data", None, 2)],
)
async def test_abort_reconciles_through_status(
    client: ButterbaseClient, fake: FakeButterbase, step: str, last_error: str | None,
    expect_aborts: int,
) -> None:  # fmt: skip
    fake.on("POST", ABORT, httpx.ReadTimeout, ok({"migration_id": MIG, "status": "aborted"}))
    fake.on("GET", STATUS, ok(status_body(current_step=step, last_error=last_error)))
    assert (await client.abort(APP, MIG)).status == "aborted"
    assert fake.count("POST", ABORT) == expect_aborts


@pytest.mark.parametrize("step", ["flipping_routing", "failed", "aborting", "completed"])
async def test_abort_not_resent_once_past_abortable(
    client: ButterbaseClient, fake: FakeButterbase, step: str
) -> None:
    fake.on("POST", ABORT, httpx.Response(502))
    fake.on("GET", STATUS, ok(status_body(current_step=step)))
    with pytest.raises(Conflict, match="did not abort the move: it is now at") as caught:
        await client.abort(APP, MIG)
    assert caught.value.state is not None and caught.value.state.current_step == step
    assert fake.count("POST", ABORT) == 1


async def test_abort_twice_ambiguous_carries_state(
    client: ButterbaseClient, fake: FakeButterbase
) -> None:
    fake.on("POST", ABORT, httpx.ReadTimeout)
    fake.on("GET", STATUS, ok(status_body(current_step="copying_blobs")))
    with pytest.raises(AmbiguousResult) as caught:
        await client.abort(APP, MIG)
    assert caught.value.state is not None and caught.value.state.current_step == "copying_blobs"
    assert fake.count("POST", ABORT) == 2


def replicas_body(*ids: str) -> Any:
    return {"source_replicas": [{"migration_id": i, "app_id": APP, "estimated_monthly_cost_usd": None} for i in ids]}  # fmt: skip


async def test_teardown_confirmed_through_status(
    client: ButterbaseClient, fake: FakeButterbase
) -> None:
    fake.on("DELETE", TEARDOWN, httpx.ReadTimeout)
    fake.on("GET", "/v1/source-replicas", ok(replicas_body(NEW)))
    fake.on("GET", STATUS, ok(status_body(current_step="completed", source_replica_state="torn_down")))  # fmt: skip
    assert (await client.teardown(MIG, app_id=APP)).status == "torn_down"
    assert fake.count("DELETE", TEARDOWN) == 1


async def test_teardown_still_listed_is_resent_once(
    client: ButterbaseClient, fake: FakeButterbase
) -> None:
    fake.on("DELETE", TEARDOWN, httpx.Response(504), ok({"status": "torn_down"}))
    fake.on("GET", "/v1/source-replicas", ok(replicas_body(MIG)))
    assert (await client.teardown(MIG, app_id=APP)).status == "torn_down"
    assert fake.count("DELETE", TEARDOWN) == 2


async def test_teardown_resend_finding_it_torn_down_is_success(
    client: ButterbaseClient, fake: FakeButterbase
) -> None:
    gone = ok({"error": "teardown_failed", "reason": "cannot teardown replica in state torn_down"}, 409)  # fmt: skip
    fake.on("DELETE", TEARDOWN, httpx.ReadTimeout, gone)
    fake.on("GET", "/v1/source-replicas", ok(replicas_body(MIG)))
    assert (await client.teardown(MIG)).status == "torn_down"
    assert fake.count("DELETE", TEARDOWN) == 2


async def test_teardown_unlisted_without_app_is_ambiguous(
    client: ButterbaseClient, fake: FakeButterbase
) -> None:
    fake.on("DELETE", TEARDOWN, httpx.ReadTimeout)
    fake.on("GET", "/v1/source-replicas", ok(replicas_body()))
    with pytest.raises(AmbiguousResult, match="probably torn down"):
        await client.teardown(MIG)
    assert fake.count("DELETE", TEARDOWN) == 1


async def test_reverse_found_as_swapped_active_migration(
    client: ButterbaseClient, fake: FakeButterbase
) -> None:
    fake.on("POST", REVERSE, httpx.ReadTimeout)
    fake.on("GET", STATUS, ok(status_body(current_step="completed", source_replica_state="none")))
    fake.on("GET", ACTIVE, ok(active_body(dest="us-east-1", mid=NEW, source="eu-west-1")))
    reverse = await client.reverse(APP, MIG)
    assert (reverse.migration_id, reverse.path) == (NEW, "slow")
    assert fake.count("POST", REVERSE) == 1


@pytest.mark.parametrize(
    ("region", "note"), [("eu-west-1", "No reverse migration is running."), ("us-east-1", "fast reverse")]
)  # fmt: skip
async def test_reverse_is_never_sent_twice(
    client: ButterbaseClient, fake: FakeButterbase, region: str, note: str
) -> None:
    fake.on("POST", REVERSE, httpx.Response(502, content=HTML_502))
    fake.on("GET", STATUS, ok(status_body(current_step="completed", source_replica_state="replicating")))  # fmt: skip
    fake.on("GET", ACTIVE, ok({"migration": None}))
    fake.on("GET", "/apps", ok({"apps": [{"id": APP, "region": region}]}))
    with pytest.raises(AmbiguousResult, match=note) as caught:
        await client.reverse(APP, MIG)
    assert caught.value.state is not None and caught.value.state.migration_id == MIG
    assert fake.count("POST", REVERSE) == 1


async def test_mutation_429_is_retried(
    client: ButterbaseClient, fake: FakeButterbase, sleeps: list[float]
) -> None:
    fake.on("POST", REVERSE, ok({"error": "slow"}, 429), ok({"migrationId": NEW, "path": "slow"}, 202))  # fmt: skip
    assert (await client.reverse(APP, MIG)).migration_id == NEW
    assert fake.count("POST", REVERSE) == 2 and len(sleeps) == 1


# --- secrets and hooks -------------------------------------------------------


async def test_key_never_shown(
    client: ButterbaseClient, fake: FakeButterbase, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    assert KEY not in repr(client) and KEY not in str(client)
    fake.on("GET", "/apps", ok({"error": {"code": "AUTH_INVALID_API_KEY", "message": f"bad key {KEY}"}}, 401))  # fmt: skip
    fake.on("POST", MOVE, ok({"error": "ineligible", "reason": f"key {KEY} is odd"}, 409))
    fake.on("POST", ABORT, httpx.ReadTimeout)
    fake.on("GET", STATUS, httpx.ConnectError)
    shown: list[str] = []
    for call in (client.apps(), client.move(APP, "eu-west-1"), client.abort(APP, MIG)):
        with pytest.raises(ButterbaseError) as caught:
            await call
        shown += [str(caught.value), repr(caught.value), *map(str, vars(caught.value).values())]
    assert not any(KEY in text for text in shown), shown
    assert caplog.records and KEY not in caplog.text
    assert "bad key [redacted]" in shown[0] and "key [redacted] is odd" in " ".join(shown)


async def test_on_request_hook_sees_each_attempt(fake: FakeButterbase) -> None:
    seen: list[tuple[str, str, int | None, float]] = []

    async def no_sleep(delay: float) -> None:
        return None

    fake.on("GET", STATUS, httpx.ReadTimeout, ok(status_body()))
    async with ButterbaseClient(
        base_url="http://bb", api_key=KEY, transport=httpx.MockTransport(fake.handle),
        sleep=no_sleep, on_request=lambda *a: seen.append(a),
    ) as bb:  # fmt: skip
        await bb.status(APP, MIG)
    assert [(r, m, s) for r, m, s, _ in seen] == [("status", "GET", None), ("status", "GET", 200)]
    assert all(seconds >= 0 for *_, seconds in seen)


async def test_a_failing_hook_does_not_break_calls(fake: FakeButterbase) -> None:
    def hook(*_: object) -> None:
        raise RuntimeError("metrics down")

    fake.on("GET", "/v1/regions", ok({"regions": ["us-east-1"]}))
    transport = httpx.MockTransport(fake.handle)
    async with ButterbaseClient(
        base_url="http://bb", api_key=KEY, transport=transport, on_request=hook
    ) as bb:
        assert await bb.regions() == ["us-east-1"]
