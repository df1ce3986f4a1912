"""A click on a button the bot has no listener for (a message from an older version
of the bot, or a payload no message of the bot carries): answered privately, nothing
done. Registered last: Bolt runs the first listener that matches."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.answers import answer
from bot.deps import Deps

log = logging.getLogger(__name__)

UNKNOWN = (
    "That button isn't one this bot handles (it may be from an older message). Nothing was done."
)


async def handle_unknown_action(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond,
    *,
    deps: Deps,
) -> None:
    await ack()
    log.info("click on an unknown action %r", str(action.get("action_id"))[:80])
    await answer(respond, deps.slack, body, UNKNOWN)
