"""`conversations.history` and `conversations.replies`: reading back what was posted.

As Slack does: history lists a channel's messages (top-level ones and broadcast replies)
newest first, replies a thread's parent then its replies oldest first; `oldest`/`latest`
bound the ts (exclusive unless `inclusive`); `limit` (history 100 by default, at most 999;
replies 1000) pages with an opaque `cursor` (`response_metadata.next_cursor`, `has_more`;
a thread's parent comes first on its first page only);
each message carries its `metadata` only with `include_all_metadata`. The bot must be in
the channel (`not_in_channel` otherwise).
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any

from sandbox.slack.arguments import Args, Handler, flag, text_arg
from sandbox.slack.errors import MethodError
from sandbox.slack.models import Channel, Message
from sandbox.slack.workspace import SlackWorkspace

_CURSOR_PREFIX = "next_ts:"


def _channel(ws: SlackWorkspace, args: Args) -> Channel:
    channel = ws.resolve_channel(text_arg(args, "channel") or "")
    if channel is None:
        raise MethodError("channel_not_found")
    if not channel.bot_member:
        raise MethodError("not_in_channel")
    return channel


def _ts(args: Args, name: str) -> Decimal | None:
    value = text_arg(args, name)
    if value is None:
        return None
    try:
        return Decimal(value)
    except InvalidOperation as exc:
        raise MethodError("invalid_arguments") from exc


def _limit(args: Args, default: int, most: int) -> int:
    value = text_arg(args, "limit")
    try:
        limit = int(value) if value is not None else default
    except ValueError as exc:
        raise MethodError("invalid_limit") from exc
    return default if limit <= 0 else min(limit, most)


def encode_cursor(ts: str) -> str:
    """The opaque cursor that resumes a listing at the message `ts`."""
    return base64.b64encode(f"{_CURSOR_PREFIX}{ts}".encode()).decode()


def _cursor(args: Args) -> Decimal | None:
    value = text_arg(args, "cursor")
    if value is None:
        return None
    try:
        decoded = base64.b64decode(value, validate=True).decode()
        if not decoded.startswith(_CURSOR_PREFIX):
            raise ValueError(decoded)
        return Decimal(decoded.removeprefix(_CURSOR_PREFIX))
    except (binascii.Error, UnicodeDecodeError, ValueError, InvalidOperation) as exc:
        raise MethodError("invalid_cursor") from exc


def _in_range(args: Args) -> Callable[[Message], bool]:
    oldest, latest, inclusive = _ts(args, "oldest"), _ts(args, "latest"), flag(args, "inclusive")

    def keep(message: Message) -> bool:
        ts = Decimal(message.ts)
        above = oldest is None or ts > oldest or (inclusive and ts == oldest)
        below = latest is None or ts < latest or (inclusive and ts == latest)
        return above and below

    return keep


def _page(messages: list[Message], args: Args, *, limit: int, newest_first: bool) -> dict[str, Any]:
    """One page of `messages` (already in listing order) from the cursor on."""
    start = _cursor(args)
    if start is not None:
        if newest_first:
            messages = [m for m in messages if Decimal(m.ts) <= start]
        else:
            messages = [m for m in messages if Decimal(m.ts) >= start]
    page, rest = messages[:limit], messages[limit:]
    metadata = flag(args, "include_all_metadata")
    body: dict[str, Any] = {
        "ok": True,
        "messages": [m.to_api(with_metadata=metadata) for m in page],
        "has_more": bool(rest),
        "response_metadata": {"next_cursor": encode_cursor(rest[0].ts) if rest else ""},
    }
    return body


def history(ws: SlackWorkspace, args: Args) -> dict[str, Any]:
    """A channel's messages, newest first."""
    channel = _channel(ws, args)
    keep = _in_range(args)
    shown = [m for m in ws.channel_messages(channel.id) if keep(m)]
    shown.sort(key=lambda m: Decimal(m.ts), reverse=True)
    body = _page(shown, args, limit=_limit(args, 100, 999), newest_first=True)
    return {**body, "pin_count": 0, "channel_actions_count": 0}


def replies(ws: SlackWorkspace, args: Args) -> dict[str, Any]:
    """A thread: its parent, then its replies, oldest first (`ts` may name any of them)."""
    channel = _channel(ws, args)
    message = ws.find_message(channel.id, text_arg(args, "ts"))
    if message is None or message.deleted:
        raise MethodError("thread_not_found")
    root = ws.find_message(channel.id, message.thread_ts) if message.thread_ts else message
    if root is None:
        raise MethodError("thread_not_found")
    keep = _in_range(args)
    thread = [root, *ws.thread(channel.id, root.ts)]
    listed = [m for m in thread if m is root or keep(m)]
    return _page(listed, args, limit=_limit(args, 1000, 1000), newest_first=False)


METHODS: dict[str, Handler] = {
    "conversations.history": history,
    "conversations.replies": replies,
}
