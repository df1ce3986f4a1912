"""Private answers to the person who clicked: in place of the click, in the click's
channel (ephemeral), or by DM where a click has no channel (App Home, modals)."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

log = logging.getLogger(__name__)


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


async def answer(
    respond: AsyncRespond, slack: AsyncWebClient, body: dict[str, Any], text: str
) -> None:
    """In place of the click when Slack gave a `response_url`, else as `answer_click`."""
    if body.get("response_url"):
        await respond(text=text, response_type="ephemeral", replace_original=False)
        return
    await answer_click(slack, body, text)


async def answer_click(slack: AsyncWebClient, body: dict[str, Any], text: str) -> None:
    """Ephemeral in the click's channel, or by DM without one; never raises."""
    user = (body.get("user") or {}).get("id")
    if not user:
        return
    channel = channel_of(body)
    try:
        if channel is not None:
            await slack.chat_postEphemeral(channel=channel, user=user, text=text)
        else:
            await slack.chat_postMessage(channel=user, text=text)
    except SlackApiError:
        log.warning("could not answer %s privately", user)
