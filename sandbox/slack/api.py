"""The Slack Web API stand-in: `POST|GET /api/{method}` plus the response URLs.

A call is answered in Slack's order: injected faults, the method and the token, then the
rate limits (`sandbox.slack.limits`: 429, `Retry-After`, `ratelimited`), then the method.
A call carried out may still have its answer lost, when a test asked for it."""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from sandbox.slack import (
    methods_chat,
    methods_conversations,
    methods_directory,
    methods_views,
)
from sandbox.slack.arguments import Args, Handler, text_arg
from sandbox.slack.errors import MethodError
from sandbox.slack.faults import AnswerLoss
from sandbox.slack.lost import LostAnswer, quiet_deliberate_drops
from sandbox.slack.models import ApiCall
from sandbox.slack.response_urls import response_url_endpoint
from sandbox.slack.workspace import SlackWorkspace

METHODS: dict[str, Handler] = {
    **methods_directory.METHODS,
    **methods_chat.METHODS,
    **methods_views.METHODS,
    **methods_conversations.METHODS,
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
        self.loss: AnswerLoss | None = None
        self.limited = False

    def fail(self, status: int, error: str, retry_after: int | None = None) -> dict[str, Any]:
        self.status = status
        if retry_after is not None:
            self.headers["Retry-After"] = str(retry_after)
        if status == 429:
            self.ws.count_ratelimited(self.method)
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
        retry_after = self.ws.limits.check(self.method, self._channel_id(args))
        if retry_after is not None:
            self.limited = True
            return self.fail(429, "ratelimited", retry_after)
        body = handler(self.ws, args)
        self.loss = self.ws.faults.take_loss(self.method)
        return body

    def _channel_id(self, args: Args) -> str | None:
        ref = text_arg(args, "channel")
        if ref is None:
            return None
        channel = self.ws.resolve_channel(ref)
        return channel.id if channel else ref


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
        lost = call.loss.mode if call.loss else None
        ws.record_call(
            ApiCall(
                call.method,
                logged,
                call.status,
                body,
                ws.now(),
                dict(call.headers),
                lost=lost,
                limited=call.limited,
            )
        )
        if call.loss is not None:
            return LostAnswer(call.loss, ws.faults)
        return JSONResponse(body, status_code=call.status, headers=call.headers)

    routes = [
        Route("/api/{method}", api_method, methods=["GET", "POST"]),
        Route("/response/{token}", response_url_endpoint, methods=["POST"]),
    ]
    app = Starlette(routes=routes)
    app.state.ws = ws
    quiet_deliberate_drops()
    return app
