"""The reason modal of "Request reverse" / "Request teardown": its submission makes the
request, with the reason the approver will read (none is fine).

The modal closes at once (the ack); the answer comes privately in the channel of the
click, or by DM from the App Home, as the command's would.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError

from bot import ids
from bot.deps import Deps
from storage.records import ApprovalKind

log = logging.getLogger(__name__)
KINDS: tuple[ApprovalKind, ...] = ("reverse", "teardown")


def typed_reason(view: dict[str, Any]) -> str | None:
    values = (view.get("state") or {}).get("values") or {}
    field = (values.get(ids.REQUEST_REASON_BLOCK) or {}).get(ids.REQUEST_REASON_INPUT) or {}
    text = " ".join(str(field.get("value") or "").split())
    return text or None


def read_metadata(view: dict[str, Any]) -> tuple[ApprovalKind, str, str | None] | None:
    """(kind, migration id, channel or None) the bot put in the modal, or None."""
    try:
        data = json.loads(str(view.get("private_metadata") or ""))
    except ValueError:
        return None
    if not isinstance(data, dict):
        return None
    kind, channel = data.get("kind"), data.get("channel")
    for known in KINDS:
        if kind == known:
            return known, str(data.get("migration_id") or ""), str(channel) if channel else None
    return None


async def handle_submit(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], *, deps: Deps
) -> None:
    """Make the request with the typed reason; answer the requester privately."""
    await ack()
    assert deps.approvals is not None
    user = body["user"]["id"]
    meta = read_metadata(view)
    if meta is None:
        text = "That form names no request the bot can make. Nothing was requested."
        channel = None
    else:
        kind, migration_id, channel = meta
        text = await deps.approvals.request_for(
            kind, migration_id, user=user, channel=channel, reason=typed_reason(view)
        )
    try:
        if channel is not None:
            await deps.slack.chat_postEphemeral(channel=channel, user=user, text=text)
        else:
            await deps.slack.chat_postMessage(channel=user, text=text)
    except SlackApiError:
        log.warning("could not tell %s the outcome of their request", user)
