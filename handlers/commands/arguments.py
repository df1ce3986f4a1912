"""The prologue every slash command shares: parse, answer bad input or `help`, ack."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck

from bot.parsing import Args, UsageError, parse, usage


async def read_args(ack: AsyncAck, command: dict[str, Any], name: str) -> Args | None:
    """The command's arguments, acked; or None when bad input or `help` was answered
    privately in the ack (nothing else is done then)."""
    try:
        args = parse(name, command.get("text", ""))
    except UsageError as exc:
        await ack(text=str(exc))
        return None
    if args.help:
        await ack(text=usage(name))
        return None
    await ack()
    return args
