"""Global middleware: only the allowed channels may run commands or click buttons."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse

from bot.deps import Deps


def channel_of(body: dict[str, Any]) -> str | None:
    """The channel a command or click came from (None for App Home and modals)."""
    if "channel_id" in body:
        return str(body["channel_id"])
    channel = body.get("channel") or {}
    if isinstance(channel, dict) and channel.get("id"):
        return str(channel["id"])
    container = body.get("container") or {}
    if isinstance(container, dict) and container.get("channel_id"):
        return str(container["channel_id"])
    return None


def refusal(allowed: list[str]) -> str:
    names = ", ".join(f"<#{c}>" for c in allowed)
    return f"This bot only takes commands in {names}. Nothing was done."


async def allowed_channels(
    body: dict[str, Any],
    req: AsyncBoltRequest,
    resp: BoltResponse,
    next: Callable[[], Awaitable[None]],
    *,
    deps: Deps,
) -> BoltResponse:
    allowed = deps.settings.bot_allowed_channels
    channel = channel_of(body)
    if not allowed or channel is None or channel in allowed:
        await next()
        return resp
    if body.get("type") == "view_submission":
        await next()
        return resp
    text = refusal(allowed)
    if "command" in body:
        return BoltResponse(status=200, body=text)
    if body.get("type") == "block_actions":
        user = (body.get("user") or {}).get("id")
        if user:
            await deps.slack.chat_postEphemeral(channel=channel, user=user, text=text)
        return BoltResponse(status=200, body="")
    return BoltResponse(status=200, body="")


def register(app: AsyncApp, deps: Deps) -> None:
    app.middleware(partial(allowed_channels, deps=deps))
