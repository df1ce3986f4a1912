"""The Starlette app: Butterbase's migration routes, route for route and error for error."""

from __future__ import annotations

import asyncio
import contextlib
import json
import threading
from collections.abc import AsyncIterator
from typing import Any

from starlette.applications import Starlette
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from . import operations
from .control import control_routes
from .middleware import SimulatorMiddleware
from .models import ApiError, object_error
from .state import Simulator


def _sim(request: Request) -> Simulator:
    sim: Simulator = request.app.state.sim
    return sim


def _error(exc: ApiError) -> JSONResponse:
    return JSONResponse(exc.body, status_code=exc.status, headers=exc.headers)


def _authenticate(sim: Simulator, request: Request) -> str:
    """The caller's user id, from `Authorization: Bearer <key>`; raises the 401s."""
    scheme, _, key = request.headers.get("authorization", "").partition(" ")
    key = key.strip()
    if scheme.lower() != "bearer" or not key:
        raise ApiError(
            401,
            object_error(
                "REQUEST_ERROR",
                "Authentication required",
                "Send your service key as 'Authorization: Bearer bb_sk_...'.",
            ),
        )
    user = sim.user_for_key(key)
    if user is None:
        raise ApiError(
            401,
            object_error(
                "AUTH_INVALID_API_KEY",
                "Invalid or revoked API key",
                "Check the key in the dashboard's API keys page, or create a new one.",
            ),
        )
    return user


async def _read_json(request: Request) -> Any:
    """The parsed body (None when empty); malformed JSON is the error handler's 400."""
    raw = await request.body()
    if not raw.strip():
        return None
    try:
        return json.loads(raw)
    except (ValueError, UnicodeDecodeError) as exc:
        raise ApiError(
            400,
            object_error(
                "REQUEST_ERROR",
                f"Body is not valid JSON: {exc}",
                "Send a JSON object with 'Content-Type: application/json'.",
            ),
        ) from None


async def regions(request: Request) -> Response:
    return JSONResponse({"regions": list(_sim(request).config.regions)})


async def list_apps(request: Request) -> Response:
    sim = _sim(request)
    _authenticate(sim, request)
    with sim.lock:
        return JSONResponse({"apps": [app.to_json() for app in sim.apps.values()]})


async def move(request: Request) -> Response:
    sim = _sim(request)
    user = _authenticate(sim, request)
    body = await _read_json(request)
    dest = body.get("dest_region") if isinstance(body, dict) else None
    with sim.lock:
        migration = operations.start_move(sim, user, request.path_params["app_id"], dest)
        return JSONResponse({"migration_id": migration.id, "status": "queued"}, status_code=202)


async def status(request: Request) -> Response:
    sim = _sim(request)
    params = request.path_params
    with sim.lock:
        migration = operations.get_status(sim, params["app_id"], params["migration_id"])
        return JSONResponse(migration.status_json())


async def active(request: Request) -> Response:
    sim = _sim(request)
    user = _authenticate(sim, request)
    with sim.lock:
        migration = operations.get_active(sim, user, request.path_params["app_id"])
        return JSONResponse({"migration": migration.active_json() if migration else None})


async def abort(request: Request) -> Response:
    sim = _sim(request)
    await _read_json(request)
    params = request.path_params
    with sim.lock:
        migration = operations.abort(sim, params["app_id"], params["migration_id"])
        return JSONResponse({"migration_id": migration.id, "status": "aborted"})


async def reverse(request: Request) -> Response:
    sim = _sim(request)
    user = _authenticate(sim, request)
    await _read_json(request)
    with sim.lock:
        migration = operations.reverse(sim, user, request.path_params["migration_id"])
        return JSONResponse({"migrationId": migration.id, "path": migration.path}, status_code=202)


async def list_source_replicas(request: Request) -> Response:
    sim = _sim(request)
    user = _authenticate(sim, request)
    with sim.lock:
        return JSONResponse({"source_replicas": operations.source_replicas(sim, user)})


async def teardown(request: Request) -> Response:
    sim = _sim(request)
    _authenticate(sim, request)
    with sim.lock:
        operations.teardown(sim, request.path_params["migration_id"])
        return JSONResponse({"status": "torn_down"})


async def _api_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, ApiError)
    return _error(exc)


async def _http_error(request: Request, exc: Exception) -> Response:
    """Unrouted paths and wrong methods, in the error handler's object shape."""
    assert isinstance(exc, HTTPException)
    code = "NOT_FOUND" if exc.status_code == 404 else "REQUEST_ERROR"
    message = f"Route {request.method}:{request.url.path} not found"
    if exc.status_code != 404:
        message = str(exc.detail)
    return JSONResponse(
        object_error(code, message, "Check the method and path against the API reference."),
        status_code=exc.status_code,
        headers=exc.headers,
    )


API_ROUTES: list[Route] = [
    Route("/v1/regions", regions, methods=["GET"]),
    Route("/apps", list_apps, methods=["GET"]),
    Route("/v1/apps/{app_id}/move", move, methods=["POST"]),
    Route("/v1/apps/{app_id}/migrations/active", active, methods=["GET"]),
    Route("/v1/apps/{app_id}/migrations/{migration_id}", status, methods=["GET"]),
    Route("/v1/apps/{app_id}/migrations/{migration_id}/abort", abort, methods=["POST"]),
    Route("/v1/apps/{app_id}/migrations/{migration_id}/reverse", reverse, methods=["POST"]),
    Route("/v1/source-replicas", list_source_replicas, methods=["GET"]),
    Route("/v1/source-replicas/{migration_id}", teardown, methods=["DELETE"]),
]


async def _tick(app: Starlette) -> None:
    """Advance the saga every `tick_seconds`, so steps change on time with nobody polling."""
    while True:
        sim: Simulator = app.state.sim
        sim.advance()
        await asyncio.sleep(sim.config.tick_seconds)


def create_app(sim: Simulator) -> Starlette:
    """The simulator's ASGI app; `app.state.sim` may be swapped for another simulator."""

    @contextlib.asynccontextmanager
    async def lifespan(app: Starlette) -> AsyncIterator[None]:
        task = asyncio.create_task(_tick(app))
        try:
            yield
        finally:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task

    app = Starlette(
        routes=[*API_ROUTES, *control_routes()],
        exception_handlers={ApiError: _api_error, HTTPException: _http_error},
        lifespan=lifespan,
    )
    app.add_middleware(SimulatorMiddleware)
    app.state.sim = sim
    app.state.closing = threading.Event()
    return app
