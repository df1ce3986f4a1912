"""The Slack Web API stand-in: `POST|GET /api/{method}` plus the response URLs."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.slack import methods_chat, methods_directory, methods_views
from sandbox.slack.arguments import Args, Handler, text_arg
from sandbox.slack.errors import MethodError
from sandbox.slack.models import ApiCall
from sandbox.slack.response_urls import response_url_endpoint
from sandbox.slack.workspace import SlackWorkspace

METHODS: dict[str, Handler] = {
    **methods_directory.METHODS,
    **methods_chat.METHODS,
    **methods_views.METHODS,
}


async def read_args(request: Request) -> Args:
    """Query string, then a form or JSON body, merged as Slack merges them."""
    args: Args = dict(request.query_params)
    body = await request.body()
    if not body:
        return args
    if "json" in request.headers.get("content-type", ""):
        try:
            parsed = json.loads(body)
        except ValueError as exc:
            raise MethodError("invalid_json") from exc
        if not isinstance(parsed, dict):
            raise MethodError("invalid_json")
        args.update(parsed)
    else:
        args.update(parse_qsl(body.decode("utf-8", errors="replace"), keep_blank_values=True))
    return args


def _token(request: Request, args: Args) -> str | None:
    header = request.headers.get("authorization", "")
    if header.lower().startswith("bearer "):
        return header[7:].strip() or None
    return text_arg(args, "token")


class _Call:
    """One request being answered: works out the status, body and headers."""

    def __init__(self, ws: SlackWorkspace, bot_token: str, method: str) -> None:
        self.ws = ws
        self.bot_token = bot_token
        self.method = method
        self.status = 200
        self.headers: dict[str, str] = {}

    def fail(self, status: int, error: str, retry_after: int | None = None) -> dict[str, Any]:
        self.status = status
        if retry_after is not None:
            self.headers["Retry-After"] = str(retry_after)
        if status == 429:
            with self.ws.lock:
                self.ws.ratelimited_count += 1
        return {"ok": False, "error": error}

    def answer(self, request: Request, args: Args) -> dict[str, Any]:
        fault = self.ws.faults.take(self.method)
        if fault is not None:
            return self.fail(fault.status, fault.error, fault.retry_after)
        handler = METHODS.get(self.method)
        if handler is None:
            raise MethodError("unknown_method")
        token = _token(request, args)
        if token is None:
            raise MethodError("not_authed")
        if token != self.bot_token:
            raise MethodError("invalid_auth")
        if self.method == "chat.postMessage" and not self._post_allowed(args):
            self.status = 429
            self.headers["Retry-After"] = "1"
            return {"ok": False, "error": "ratelimited"}
        return handler(self.ws, args)

    def _post_allowed(self, args: Args) -> bool:
        ref = text_arg(args, "channel") or ""
        channel = self.ws.resolve_channel(ref)
        return self.ws.allow_post(channel.id if channel else ref)


def create_slack_app(ws: SlackWorkspace, *, bot_token: str) -> Starlette:
    """A Starlette app answering Slack Web API calls from `ws` for the bot token `bot_token`.

    The workspace lives in `app.state.ws`; swap it there to start afresh without restarting.
    """

    async def api_method(request: Request) -> Response:
        ws: SlackWorkspace = request.app.state.ws
        call = _Call(ws, bot_token, request.path_params["method"])
        args: Args = {}
        try:
            args = await read_args(request)
            body = call.answer(request, args)
        except MethodError as exc:
            body = exc.to_body()
        logged = {k: v for k, v in args.items() if k != "token"}
        ws.record_call(
            ApiCall(call.method, logged, call.status, body, ws.now(), dict(call.headers))
        )
        return JSONResponse(body, status_code=call.status, headers=call.headers)

    routes = [
        Route("/api/{method}", api_method, methods=["GET", "POST"]),
        Route("/response/{token}", response_url_endpoint, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.ws = ws
    return app
