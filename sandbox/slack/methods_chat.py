"""`chat.postMessage`, `chat.update`, `chat.postEphemeral` and `chat.getPermalink`."""

from __future__ import annotations

import json
from typing import Any

from sandbox.slack.arguments import Args, Handler, flag, text_arg
from sandbox.slack.blocks import check_message_blocks, parse_blocks
from sandbox.slack.errors import MethodError
from sandbox.slack.models import BOT_ID, Block, Channel
from sandbox.slack.workspace import SlackWorkspace

MAX_TEXT = 40_000
REMOVE: dict[str, Any] = {}
"""What `_metadata` answers for an empty metadata argument: remove the message's metadata."""


def _channel(ws: SlackWorkspace, args: Args, *, member: bool = False) -> Channel:
    """The channel named by `channel`; with `member`, one the bot has joined."""
    channel = ws.resolve_channel(text_arg(args, "channel") or "")
    if channel is None:
        raise MethodError("channel_not_found")
    if member and not channel.bot_member:
        raise MethodError("not_in_channel")
    return channel


def _metadata(args: Args) -> dict[str, Any] | None:
    """Message metadata `{"event_type", "event_payload"}` (an object or a JSON string);
    None when absent, `REMOVE` when empty (`[]`, `{}`), as Slack reads it."""
    value = args.get("metadata")
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise MethodError("invalid_metadata_format") from exc
    if value in ([], {}):
        return REMOVE
    if not isinstance(value, dict):
        raise MethodError("invalid_metadata_format")
    event_type, payload = value.get("event_type"), value.get("event_payload", {})
    if not isinstance(event_type, str) or not event_type or not isinstance(payload, dict):
        raise MethodError("invalid_metadata_schema")
    return {"event_type": event_type, "event_payload": payload}


def _content(args: Args, *, required: bool) -> tuple[str | None, list[Block] | None]:
    """The text and blocks of a message, checked as Slack checks them."""
    text = text_arg(args, "text")
    blocks = parse_blocks(args.get("blocks"))
    if required and not text and not blocks:
        raise MethodError("no_text")
    if text is not None and len(text) > MAX_TEXT:
        raise MethodError("msg_too_long")
    if blocks:
        check_message_blocks(blocks)
    return text, blocks


def post_message(ws: SlackWorkspace, args: Args) -> dict[str, Any]:
    """Post a message as the bot, in the channel or in a thread, with its metadata."""
    channel = _channel(ws, args, member=True)
    text, blocks = _content(args, required=True)
    metadata = _metadata(args) or None
    thread_ts = text_arg(args, "thread_ts")
    if thread_ts is not None and ws.find_message(channel.id, thread_ts) is None:
        raise MethodError("thread_not_found")
    message = ws.add_message(
        channel.id,
        text=text or "",
        blocks=blocks,
        thread_ts=thread_ts,
        reply_broadcast=flag(args, "reply_broadcast"),
        metadata=metadata,
    )
    answer = message.to_api(with_metadata=True)
    return {"ok": True, "channel": channel.id, "ts": message.ts, "message": answer}


def update(ws: SlackWorkspace, args: Args) -> dict[str, Any]:
    """Edit a message the bot posted; omitted text, blocks or metadata are kept."""
    channel = _channel(ws, args)
    message = ws.find_message(channel.id, text_arg(args, "ts"))
    if message is None or message.deleted:
        raise MethodError("message_not_found")
    if message.bot_id != BOT_ID:
        raise MethodError("cant_update_message")
    if "text" not in args and "blocks" not in args:
        raise MethodError("no_text")
    text, blocks = _content(args, required=False)
    metadata = _metadata(args)
    if "text" in args and text is None:
        text = ""
    ws.edit_message(message, text=text, blocks=blocks, metadata=metadata)
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": message.to_api(with_metadata=True),
    }


def post_ephemeral(ws: SlackWorkspace, args: Args) -> dict[str, Any]:
    """Show one user a message in a channel."""
    channel = _channel(ws, args, member=True)
    user = ws.users.get(text_arg(args, "user") or "")
    if user is None:
        raise MethodError("user_not_found")
    text, blocks = _content(args, required=True)
    ephemeral = ws.add_ephemeral(
        channel.id,
        user.id,
        text=text or "",
        blocks=blocks,
        thread_ts=text_arg(args, "thread_ts"),
    )
    return {"ok": True, "message_ts": ephemeral.message_ts}


def get_permalink(ws: SlackWorkspace, args: Args) -> dict[str, Any]:
    """The link to a message (a reply's link names its thread)."""
    channel = _channel(ws, args)
    message = ws.find_message(channel.id, text_arg(args, "message_ts"))
    if message is None or message.deleted:
        raise MethodError("message_not_found")
    link = ws.permalink(channel.id, message.ts, message.thread_ts)
    return {"ok": True, "channel": channel.id, "permalink": link}


METHODS: dict[str, Handler] = {
    "chat.postMessage": post_message,
    "chat.update": update,
    "chat.postEphemeral": post_ephemeral,
    "chat.getPermalink": get_permalink,
}
