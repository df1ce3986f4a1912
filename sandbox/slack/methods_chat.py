"""`chat.postMessage`, `chat.update`, `chat.postEphemeral` and `chat.getPermalink`."""

from __future__ import annotations

from typing import Any

from sandbox.slack.arguments import Args, Handler, flag, text_arg
from sandbox.slack.blocks import check_message_blocks, parse_blocks
from sandbox.slack.errors import MethodError
from sandbox.slack.models import BOT_ID, Block, Channel
from sandbox.slack.workspace import SlackWorkspace

MAX_TEXT = 40_000


def _channel(ws: SlackWorkspace, args: Args) -> Channel:
    channel = ws.resolve_channel(text_arg(args, "channel") or "")
    if channel is None:
        raise MethodError("channel_not_found")
    return channel


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
    """Post a message as the bot, in the channel or in a thread."""
    channel = _channel(ws, args)
    text, blocks = _content(args, required=True)
    thread_ts = text_arg(args, "thread_ts")
    if thread_ts is not None and ws.find_message(channel.id, thread_ts) is None:
        raise MethodError("thread_not_found")
    message = ws.add_message(
        channel.id,
        text=text or "",
        blocks=blocks,
        thread_ts=thread_ts,
        reply_broadcast=flag(args, "reply_broadcast"),
    )
    return {"ok": True, "channel": channel.id, "ts": message.ts, "message": message.to_api()}


def update(ws: SlackWorkspace, args: Args) -> dict[str, Any]:
    """Edit a message the bot posted; omitted text or blocks are kept."""
    channel = _channel(ws, args)
    message = ws.find_message(channel.id, text_arg(args, "ts"))
    if message is None or message.deleted:
        raise MethodError("message_not_found")
    if message.bot_id != BOT_ID:
        raise MethodError("cant_update_message")
    if "text" not in args and "blocks" not in args:
        raise MethodError("no_text")
    text, blocks = _content(args, required=False)
    if "text" in args and text is None:
        text = ""
    ws.edit_message(message, text=text, blocks=blocks)
    return {
        "ok": True,
        "channel": channel.id,
        "ts": message.ts,
        "text": message.text,
        "message": message.to_api(),
    }


def post_ephemeral(ws: SlackWorkspace, args: Args) -> dict[str, Any]:
    """Show one user a message in a channel."""
    channel = _channel(ws, args)
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
