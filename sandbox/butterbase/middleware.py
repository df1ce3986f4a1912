"""Around every non-control request: log it, advance the saga, and play any outage."""

from __future__ import annotations

import asyncio
import threading
from typing import TYPE_CHECKING, Any

from starlette.responses import HTMLResponse, JSONResponse, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .models import object_error

if TYPE_CHECKING:
    from .state import Simulator

CONTROL_PREFIX = "/_sim"
HANG_POLL_SECONDS = 0.02

_PROXY_PAGE = (
    "<html>\r\n<head><title>{status} {reason}</title></head>\r\n<body>\r\n"
    "<center><h1>{status} {reason}</h1></center>\r\n<hr><center>nginx</center>\r\n"
    "</body>\r\n</html>\r\n"
)


def proxy_page(status: int, reason: str) -> HTMLResponse:
    """The HTML error page a reverse proxy sends when the API behind it is down."""
    return HTMLResponse(_PROXY_PAGE.format(status=status, reason=reason), status_code=status)


class SimulatorMiddleware:
    """Pure ASGI middleware; control routes (`/_sim/...`) pass straight through."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        if scope["path"].startswith(CONTROL_PREFIX):
            await _control(self.app, scope, receive, send)
            return
        sim: Simulator = scope["app"].state.sim
        closing: threading.Event = scope["app"].state.closing
        entry: dict[str, Any] = {"method": scope["method"], "path": scope["path"], "status": None}
        with sim.lock:
            sim.requests.append(entry)
        sim.advance()

        async def logging_send(message: Message) -> None:
            if message["type"] == "http.response.start":
                entry["status"] = message["status"]
            await send(message)

        outage = await _outage_response(sim, closing)
        if outage is not None:
            await outage(scope, receive, logging_send)
            return
        await self.app(scope, receive, logging_send)


_CORS_HEADERS = [
    (b"access-control-allow-origin", b"*"),
    (b"access-control-allow-methods", b"GET, POST, DELETE, OPTIONS"),
    (b"access-control-allow-headers", b"content-type"),
]


async def _control(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Control routes, open to pages on other localhost ports (CORS), never logged."""
    if scope["method"] == "OPTIONS":
        await Response(status_code=204)(scope, receive, _with_cors(send))
        return
    await app(scope, receive, _with_cors(send))


def _with_cors(send: Send) -> Send:
    async def cors_send(message: Message) -> None:
        if message["type"] == "http.response.start":
            message = {**message, "headers": [*message.get("headers", []), *_CORS_HEADERS]}
        await send(message)

    return cors_send


async def _outage_response(sim: Simulator, closing: threading.Event) -> Response | None:
    mode = sim.outage_mode()
    if mode is None:
        return None
    if mode == "503":
        return JSONResponse(
            object_error(
                "SERVICE_UNAVAILABLE",
                "Service temporarily unavailable",
                "Retry after the number of seconds in the Retry-After header.",
            ),
            status_code=503,
            headers={"Retry-After": "5"},
        )
    if mode == "502_html":
        return proxy_page(502, "Bad Gateway")
    # "hang": hold the request until the outage ends (or the server stops), longer
    # than any client waits, then answer as a proxy that gave up would. Polled: the end
    # is a time on the simulator's (possibly manual) clock, or an event set by another thread.
    while sim.outage_mode() == "hang" and not closing.is_set():  # noqa: ASYNC110
        await asyncio.sleep(HANG_POLL_SECONDS)
    return proxy_page(504, "Gateway Time-out")
