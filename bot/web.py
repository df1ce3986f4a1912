"""The HTTP face of the bot: `POST /slack/events`, `GET /healthz` (and `GET /metrics`)."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from typing import Any

from slack_bolt.adapter.starlette.async_handler import (
    AsyncSlackRequestHandler,
    to_starlette_response,
)
from slack_bolt.async_app import AsyncApp, AsyncBoltRequest
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from bot import inbound
from bot.deps import Deps


def create_web(
    app: AsyncApp,
    deps: Deps,
    *,
    on_start: Callable[[], Awaitable[None]] | None = None,
    on_stop: Callable[[], Awaitable[None]] | None = None,
    metrics: Callable[[], tuple[bytes, str]] | None = None,
    observe: Callable[[bytes, str, int, bytes, float], None] | None = None,
) -> Starlette:
    """`observe(body, content_type, status, response_body, seconds)` is told of every
    request from Slack once it is acknowledged (the ack latency)."""
    handler = AsyncSlackRequestHandler(app)
    secret = deps.settings.slack_signing_secret
    signing_secret = secret.get_secret_value() if secret else None

    async def events(request: Request) -> Response:
        started = time.perf_counter()
        body = await request.body()  # Starlette keeps it: Bolt reads the same bytes
        gate = inbound.check(body, request.headers, signing_secret=signing_secret)
        if gate.status != 200:  # unsigned (401) or unreadable (400): Bolt never sees it
            response: Response = JSONResponse({"error": gate.error}, status_code=gate.status)
        elif gate.parsed is not None:  # signed, but Bolt would misread it: hand it over parsed
            # (a parsed body is Socket Mode's form: Bolt skips its signature check, done above)
            parsed = AsyncBoltRequest(
                body=gate.parsed, headers=dict(request.headers), mode="socket_mode"
            )
            response = to_starlette_response(await app.async_dispatch(parsed))
        else:
            response = await handler.handle(request)
        if observe is not None:
            seconds = time.perf_counter() - started
            content_type = request.headers.get("content-type", "")
            observe(body, content_type, response.status_code, bytes(response.body), seconds)
        return response

    async def healthz(request: Request) -> Response:
        depth, age = deps.store.outbox_stats(deps.clock.now())
        body: dict[str, Any] = {
            "ok": True,
            "tracked": len(deps.store.polling_migrations()),
            "outbox_depth": depth,
            "outbox_oldest_seconds": round(age, 1),
        }
        return JSONResponse(body)

    async def metrics_route(request: Request) -> Response:
        assert metrics is not None
        payload, content_type = metrics()
        return Response(payload, media_type=content_type)

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        if on_start:
            await on_start()
        try:
            yield
        finally:
            if on_stop:
                await on_stop()

    routes = [
        Route("/slack/events", events, methods=["POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    if metrics is not None:
        routes.append(Route("/metrics", metrics_route, methods=["GET"]))
    return Starlette(routes=routes, lifespan=lifespan)
