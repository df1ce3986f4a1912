"""Control endpoints under `/_sim/` (no auth, JSON, CORS open): seed, break, observe.

Used by the sandbox's web page and by out-of-process tests; never logged in `requests`
and never affected by an outage.

    GET    /_sim/state                      apps, migrations (full detail), faults, outage
    POST   /_sim/apps                       seed {"app_id", "region", "name", "has_plan",
                                            "replica_cost", "kv", "report_dump_size"}
    POST   /_sim/apps/{app_id}/faults       {"kind": "fail_step"|"stall"|"unstall"|
                                            "no_replica"|"pending_deprovision"|"clear",
                                            "step", "times", "error", "enabled"}
    POST   /_sim/apps/{app_id}/fail-current the running step fails until it gives up
    POST   /_sim/apps/{app_id}/move-as      {"user", "dest_region"} (a key or a user id): a
                                            move started outside the bot (the dashboard)
    POST   /_sim/dump-size                  {"enabled": true|false|null, "app_id"}: dumps
                                            have a size and replicas a real cost (all apps,
                                            or one; null: that app follows the global one)
    POST   /_sim/outage                     {"seconds", "mode": "503"|"502_html"|"hang"}
    DELETE /_sim/outage                     end it now
    POST   /_sim/migrations/{id}/teardown   tear the replica down behind the bot's back
    GET    /_sim/transitions?since=N        step changes from index N, and "next"
    GET    /_sim/requests                   every non-control request: method, path, status
    POST   /_sim/requests/reset             empty that log
    POST   /_sim/clock/advance              {"seconds"} (ManualClock only, else 409)
"""

from __future__ import annotations

import json
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, Field, ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from .clock import ManualClock, iso
from .faults import OutageMode
from .models import ApiError
from .state import Simulator

M = TypeVar("M", bound=BaseModel)


class SeedAppBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    app_id: str = Field(min_length=1)
    region: str
    name: str | None = None
    has_plan: bool = True
    replica_cost: float | None = 42.5
    kv: bool = False
    report_dump_size: bool | None = None


class DumpSizeBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    enabled: bool | None
    app_id: str | None = None


class FaultBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: Literal["fail_step", "stall", "unstall", "no_replica", "pending_deprovision", "clear"]
    step: str | None = None
    times: int = Field(default=1, ge=1)
    error: str | None = None
    enabled: bool = True


class OutageBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: float = Field(default=30, ge=0)
    mode: OutageMode = "503"


class MoveAsBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    user: str = "user-dashboard"
    dest_region: str


class AdvanceBody(BaseModel):
    model_config = ConfigDict(extra="forbid")
    seconds: float = Field(ge=0)


def _sim(request: Request) -> Simulator:
    sim: Simulator = request.app.state.sim
    return sim


def _bad(message: str) -> JSONResponse:
    return JSONResponse({"error": message}, status_code=400)


async def _body(request: Request, model: type[M]) -> M:
    raw = await request.body()
    try:
        return model.model_validate(json.loads(raw or b"{}"))
    except (ValueError, ValidationError) as exc:
        raise ApiError(400, {"error": f"bad control request: {exc}"}) from None


async def state(request: Request) -> Response:
    sim = _sim(request)
    sim.advance()
    return JSONResponse(sim.snapshot())


async def seed(request: Request) -> Response:
    body = await _body(request, SeedAppBody)
    app = _sim(request).seed_app(
        body.app_id,
        region=body.region,
        name=body.name,
        has_plan=body.has_plan,
        replica_cost=body.replica_cost,
        kv=body.kv,
        report_dump_size=body.report_dump_size,
    )
    return JSONResponse(app.detail(), status_code=201)


async def faults(request: Request) -> Response:
    sim = _sim(request)
    app_id = request.path_params["app_id"]
    body = await _body(request, FaultBody)
    try:
        if body.kind == "fail_step":
            sim.fail_step(app_id, body.step or "", body.times, error=body.error)
        elif body.kind == "stall":
            sim.stall_step(app_id, body.step or "")
        elif body.kind == "unstall":
            sim.unstall(app_id)
        elif body.kind == "no_replica":
            sim.no_replica(app_id, body.enabled)
        elif body.kind == "pending_deprovision":
            sim.pending_deprovision(app_id, body.enabled)
        else:
            sim.clear_faults(app_id)
    except ValueError as exc:
        return _bad(str(exc))
    return JSONResponse({"app_id": app_id, "faults": sim.faults_for(app_id).to_json()})


async def fail_current(request: Request) -> Response:
    sim = _sim(request)
    sim.advance()
    try:
        migration = sim.fail_current(request.path_params["app_id"])
    except LookupError as exc:
        return JSONResponse({"error": str(exc)}, status_code=409)
    return JSONResponse({"migration_id": migration.id, "step": migration.current_step})


async def dump_size(request: Request) -> Response:
    sim = _sim(request)
    body = await _body(request, DumpSizeBody)
    if body.app_id is None and body.enabled is None:
        return _bad("enabled must be true or false for every app")
    if body.app_id is not None and body.app_id not in sim.apps:
        return JSONResponse({"error": f"no app {body.app_id!r}"}, status_code=404)
    sim.report_dump_size(body.enabled, body.app_id)
    return JSONResponse(
        {
            "report_dump_size": sim.config.report_dump_size,
            "app_id": body.app_id,
            "app": body.enabled,
        }
    )


async def outage(request: Request) -> Response:
    body = await _body(request, OutageBody)
    sim = _sim(request)
    sim.outage(body.seconds, body.mode)
    return JSONResponse({"outage": sim.snapshot()["outage"]})


async def end_outage(request: Request) -> Response:
    _sim(request).end_outage()
    return JSONResponse({"outage": None})


async def teardown(request: Request) -> Response:
    sim = _sim(request)
    try:
        migration = sim.teardown_direct(request.path_params["migration_id"])
    except KeyError:
        return JSONResponse({"error": "not found"}, status_code=404)
    return JSONResponse(migration.detail())


async def move_as(request: Request) -> Response:
    body = await _body(request, MoveAsBody)
    sim = _sim(request)
    sim.advance()
    migration = sim.start_move_as(body.user, request.path_params["app_id"], body.dest_region)
    return JSONResponse({"migration_id": migration.id, "status": "queued"}, status_code=202)


async def transitions(request: Request) -> Response:
    sim = _sim(request)
    sim.advance()
    try:
        since = max(0, int(request.query_params.get("since", "0")))
    except ValueError:
        return _bad("since must be an integer")
    with sim.lock:
        rows: list[dict[str, Any]] = [
            {"index": since + i, "migration_id": mid, "step": step, "at": iso(at)}
            for i, (mid, step, at) in enumerate(sim.transitions[since:])
        ]
        return JSONResponse({"transitions": rows, "next": len(sim.transitions)})


async def requests_log(request: Request) -> Response:
    sim = _sim(request)
    with sim.lock:
        return JSONResponse({"requests": [dict(entry) for entry in sim.requests]})


async def reset_requests(request: Request) -> Response:
    sim = _sim(request)
    with sim.lock:
        sim.requests.clear()
    return JSONResponse({"requests": []})


async def advance_clock(request: Request) -> Response:
    """Move a `ManualClock` forward (409 when the simulator runs on the wall clock)."""
    sim = _sim(request)
    body = await _body(request, AdvanceBody)
    if not isinstance(sim.clock, ManualClock):
        return JSONResponse({"error": "the simulator runs on the wall clock"}, status_code=409)
    sim.clock.advance(body.seconds)
    sim.advance()
    return JSONResponse({"now": iso(sim.now())})


def control_routes() -> list[Route]:
    """Every `/_sim/...` route."""
    return [
        Route("/_sim/state", state, methods=["GET"]),
        Route("/_sim/apps", seed, methods=["POST"]),
        Route("/_sim/apps/{app_id}/faults", faults, methods=["POST"]),
        Route("/_sim/apps/{app_id}/fail-current", fail_current, methods=["POST"]),
        Route("/_sim/apps/{app_id}/move-as", move_as, methods=["POST"]),
        Route("/_sim/dump-size", dump_size, methods=["POST"]),
        Route("/_sim/outage", outage, methods=["POST"]),
        Route("/_sim/outage", end_outage, methods=["DELETE"]),
        Route("/_sim/migrations/{migration_id}/teardown", teardown, methods=["POST"]),
        Route("/_sim/transitions", transitions, methods=["GET"]),
        Route("/_sim/requests", requests_log, methods=["GET"]),
        Route("/_sim/requests/reset", reset_requests, methods=["POST"]),
        Route("/_sim/clock/advance", advance_clock, methods=["POST"]),
    ]
