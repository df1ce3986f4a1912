"""The workspace page's server: the page itself, its state (long-polled), and the actions
a person takes, sent to the bot as signed Slack requests through `SlackDriver`."""

from __future__ import annotations

import threading
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import FileResponse, JSONResponse, Response
from starlette.routing import Mount, Route
from starlette.staticfiles import StaticFiles

from bot.parsing import USAGE
from sandbox.butterbase import Simulator
from sandbox.page.mrkdwn import mrkdwn
from sandbox.page.simpanel import FaultError, apply_fault, sim_panel_html
from sandbox.page.views import channel_html, modal_html, thread_html
from sandbox.slack import DriverError, DriverResult, SlackDriver, SlackWorkspace
from sandbox.slack.interactions import close_stack

STATIC = Path(__file__).parent / "static"
LONG_POLL_SECONDS = 3.0
DEFAULT_USER = "U_REQ"
DEFAULT_CHANNEL = "C_MIGRATIONS"


class PageContext:
    """What the page acts on: the workspace, the simulator and a driver towards the bot.

    The driver is made on first use, inside the page server's event loop (its HTTP
    client belongs to that loop), unless one is given (tests).
    """

    def __init__(
        self,
        *,
        ws: SlackWorkspace,
        sim: Simulator,
        make_driver: Callable[[], SlackDriver],
    ) -> None:
        self.ws = ws
        self.sim = sim
        self._make_driver = make_driver
        self._driver: SlackDriver | None = None
        self.closing = threading.Event()

    @property
    def driver(self) -> SlackDriver:
        if self._driver is None:
            self._driver = self._make_driver()
        return self._driver

    async def aclose(self) -> None:
        self.closing.set()
        if self._driver is not None:
            await self._driver.aclose()
            self._driver = None


def _people(ws: SlackWorkspace) -> list[dict[str, str]]:
    with ws.lock:
        return [{"id": u.id, "name": u.real_name} for u in ws.users.values() if not u.is_bot]


def _problem(message: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"ok": False, "error": message}, status_code=status)


def _answer(result: DriverResult, what: str) -> JSONResponse:
    if result.status == 200:
        return JSONResponse({"ok": True, "status": result.status})
    return _problem(f"The bot answered {what} with HTTP {result.status}.", 502)


async def _body(request: Request) -> dict[str, Any]:
    try:
        body = await request.json()
    except ValueError:
        return {}
    return body if isinstance(body, dict) else {}


def create_page_app(ctx: PageContext) -> Starlette:
    """The Starlette app of the workspace page."""
    ws = ctx.ws

    def who(value: object) -> str:
        user = str(value or DEFAULT_USER)
        if user not in ws.users:
            raise DriverError(f"no user {user!r} in the sandbox")
        return user

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"Cache-Control": "no-store"})

    async def meta(request: Request) -> Response:
        commands = [{"name": name, "usage": mrkdwn(text)} for name, text in USAGE.items()]
        channels = [{"id": c.id, "name": c.name} for c in ws.channels.values()]
        return JSONResponse(
            {
                "users": _people(ws),
                "channels": channels,
                "commands": commands,
                "default_user": DEFAULT_USER,
                "default_channel": DEFAULT_CHANNEL,
            }
        )

    async def state(request: Request) -> Response:
        q = request.query_params
        user = q.get("user") or DEFAULT_USER
        channel = q.get("channel") or DEFAULT_CHANNEL
        thread = q.get("thread") or ""
        since = int(q.get("since") or -1)
        waited = 0.0
        while ws.version <= since and waited < LONG_POLL_SECONDS and not ctx.closing.is_set():
            await ws.wait_for_change(since, timeout=0.5)
            waited += 0.5
        return JSONResponse(
            {
                "version": ws.version,
                "channel": channel_html(ws, channel, user),
                "thread": thread_html(ws, channel, thread, user) if thread else "",
                "modal": modal_html(ws, user),
                "sim": sim_panel_html(ctx.sim),
            },
            headers={"Cache-Control": "no-store"},
        )

    async def command(request: Request) -> Response:
        body = await _body(request)
        text = str(body.get("text") or "").strip()
        name, _, rest = text.partition(" ")
        if name not in USAGE:
            known = ", ".join(USAGE)
            return _problem(f"{name or 'That'} is not a command here. Try one of: {known}.")
        result = await ctx.driver.command(
            who(body.get("user")), str(body.get("channel") or DEFAULT_CHANNEL), name, rest.strip()
        )
        return _answer(result, name)

    async def say(request: Request) -> Response:
        body = await _body(request)
        text = str(body.get("text") or "").strip()
        if not text:
            return _problem("Nothing to send.")
        channel = str(body.get("channel") or DEFAULT_CHANNEL)
        thread = str(body.get("thread") or "") or None
        ws.add_message(channel, text=text, user=who(body.get("user")), bot=False, thread_ts=thread)
        return JSONResponse({"ok": True})

    async def click(request: Request) -> Response:
        body = await _body(request)
        user, action_id = who(body.get("user")), str(body.get("action_id") or "")
        value = body.get("value")
        block_id = str(body.get("block_id") or "") or None
        if body.get("view_id"):
            result = await ctx.driver.click_view(
                user, str(body["view_id"]), action_id, value=value, block_id=block_id
            )
        else:
            result = await ctx.driver.click(
                user,
                str(body.get("channel") or DEFAULT_CHANNEL),
                str(body.get("ts") or ""),
                action_id,
                value=value,
                block_id=block_id,
                ephemeral=bool(body.get("ephemeral")),
            )
        return _answer(result, "the click")

    async def submit(request: Request) -> Response:
        body = await _body(request)
        values = body.get("values") if isinstance(body.get("values"), dict) else {}
        result = await ctx.driver.submit_view(
            who(body.get("user")), str(body.get("view_id")), values
        )
        return _answer(result, "the form")

    async def close(request: Request) -> Response:
        body = await _body(request)
        view = ws.find_view(str(body.get("view_id") or ""))
        if view is None or view.user != who(body.get("user")):
            return _problem("No such modal is open.", 404)
        close_stack(ws, view)
        return JSONResponse({"ok": True})

    async def sim_switch(request: Request) -> Response:
        body = await _body(request)
        try:
            done = apply_fault(
                ctx.sim, str(body.get("op") or ""), str(body.get("app") or "") or None
            )
        except FaultError as exc:
            return _problem(str(exc), 409)
        with ws.changing():  # wake the long polls: the panel changed
            pass
        return JSONResponse({"ok": True, "message": done})

    async def healthz(request: Request) -> Response:
        return JSONResponse({"ok": True, "version": ws.version})

    @asynccontextmanager
    async def lifespan(_: Starlette) -> AsyncIterator[None]:
        try:
            yield
        finally:
            await ctx.aclose()

    async def driver_error(request: Request, exc: Exception) -> Response:
        return _problem(str(exc))

    async def bot_unreachable(request: Request, exc: Exception) -> Response:
        return _problem(f"The bot did not answer ({type(exc).__name__}).", 504)

    routes = [
        Route("/", index),
        Route("/healthz", healthz),
        Route("/api/meta", meta),
        Route("/api/state", state),
        Route("/api/command", command, methods=["POST"]),
        Route("/api/say", say, methods=["POST"]),
        Route("/api/click", click, methods=["POST"]),
        Route("/api/submit", submit, methods=["POST"]),
        Route("/api/close", close, methods=["POST"]),
        Route("/api/sim", sim_switch, methods=["POST"]),
        Mount("/static", StaticFiles(directory=STATIC), name="static"),
    ]
    handlers = {DriverError: driver_error, httpx.HTTPError: bot_unreachable}
    return Starlette(routes=routes, lifespan=lifespan, exception_handlers=handlers)  # type: ignore[arg-type]
