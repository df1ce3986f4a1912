"""Global middleware: only the allowed channels may run commands or click buttons.

With `BOT_ALLOWED_CHANNELS` set, every command, click and modal submission must act
in one of them. A click carries its channel; a modal submission acts in the channel
of the request it confirms; a click with no channel (App Home, a modal) passes only
for the App Home actions listed in `HOME_ACTIONS`, and only when the migration it
names is followed in an allowed channel (or in none). Everything else is refused
privately and reaches no listener.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Awaitable, Callable
from functools import partial
from typing import Any

from slack_bolt.async_app import AsyncApp
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_bolt.response import BoltResponse
from slack_sdk.models.views import View

from bot import ids
from bot.answers import answer_click, channel_of
from bot.deps import Deps
from bot.render.blocks import section

log = logging.getLogger(__name__)

# Buttons of the App Home tab: the only clicks that may come without a channel.
HOME_ACTIONS: frozenset[str] = frozenset({ids.HOME_REQUEST_TEARDOWN})
_INTERACTIONS = ("block_actions", "view_submission")


def refusal(allowed: list[str]) -> str:
    names = ", ".join(f"<#{c}>" for c in allowed)
    return f"This bot only takes commands in {names}. Nothing was done."


def _action_ids(body: dict[str, Any]) -> list[str]:
    return [str(a.get("action_id")) for a in body.get("actions") or [] if isinstance(a, dict)]


def acting_channel(body: dict[str, Any], deps: Deps) -> str | None:
    """Where the request acts: the click's channel, or for a modal submission the
    channel of the request it confirms (None when there is none)."""
    if body.get("type") != "view_submission":
        return channel_of(body)
    view = body.get("view") or {}
    if view.get("callback_id") == ids.REQUEST_REASON_VIEW:
        return _reason_channel(view, deps)
    if view.get("callback_id") != ids.TEARDOWN_CONFIRM_VIEW:
        return None
    approval = deps.store.get_approval(str(view.get("private_metadata") or ""))
    return approval.channel_id if approval is not None else None


def _reason_channel(view: dict[str, Any], deps: Deps) -> str | None:
    """The reason modal of a "Request …" button: the click's channel (the bot wrote it in
    the modal), or from the App Home the channel of the migration it names."""
    try:
        meta = json.loads(str(view.get("private_metadata") or ""))
    except ValueError:
        return None
    if not isinstance(meta, dict):
        return None
    if meta.get("channel"):
        return str(meta["channel"])
    m = deps.store.get_migration(str(meta.get("migration_id") or ""))
    return m.channel_id if m is not None else None


def home_click_allowed(body: dict[str, Any], deps: Deps, allowed: list[str]) -> bool:
    """A channel-less click of an App Home button, naming a migration that is followed
    in an allowed channel or in none (its request then needs a channel and is refused)."""
    names = _action_ids(body)
    if body.get("type") != "block_actions" or not names or not set(names) <= HOME_ACTIONS:
        return False
    for action in body.get("actions") or []:
        m = deps.store.get_migration(str(action.get("value") or ""))
        if m is not None and m.channel_id not in allowed:
            return False
    return True


def _closed_view(text: str) -> dict[str, Any]:
    view = View(type="modal", title="Not here", close="Close", blocks=[section(text)])
    return {"response_action": "update", "view": view.to_dict()}


async def allowed_channels(
    body: dict[str, Any],
    req: AsyncBoltRequest,
    resp: BoltResponse,
    next: Callable[[], Awaitable[None]],
    *,
    deps: Deps,
) -> BoltResponse:
    allowed = deps.settings.bot_allowed_channels
    kind = body.get("type")
    channel = acting_channel(body, deps)
    interaction = kind in _INTERACTIONS and "command" not in body
    if (
        not allowed
        or channel in allowed
        or (channel is None and not interaction and "command" not in body)  # events
        or (channel is None and home_click_allowed(body, deps, allowed))
    ):
        await next()
        return resp
    text = refusal(allowed)
    if "command" in body:
        return BoltResponse(status=200, body=text)
    if kind == "view_submission":
        return BoltResponse(
            status=200,
            body=json.dumps(_closed_view(text)),
            headers={"Content-Type": "application/json; charset=utf-8"},
        )
    if kind == "block_actions":
        await answer_click(deps.slack, body, text)
    return BoltResponse(status=200, body="")


def register(app: AsyncApp, deps: Deps) -> None:
    app.middleware(partial(allowed_channels, deps=deps))
