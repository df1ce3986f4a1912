"""`member_joined_channel`: when the bot itself is invited to a channel, what Slack
refused there (`not_in_channel`, …) is sent at once, not at its next backoff."""

from __future__ import annotations

from typing import Any

from bot.delivery.texts import CHANNEL_ERRORS
from bot.deps import Deps


async def handle_member_joined_channel(
    event: dict[str, Any], context: dict[str, Any], *, deps: Deps
) -> None:
    channel = str(event.get("channel") or "")
    if not channel or event.get("user") != context.get("bot_user_id"):
        return  # someone else joined: nothing waits for them
    due = deps.store.retry_channel_now(channel, errors=CHANNEL_ERRORS, now=deps.clock.now())
    if due:
        deps.outbox.wake()
