"""R3 helpers: run a coroutine on the bot's own event loop (its clients are bound to it)."""

from __future__ import annotations

import asyncio
from collections.abc import Coroutine
from typing import Any, TypeVar

from tests.e2e.harness import World, wait_for

T = TypeVar("T")


async def on_bot_loop(world: World, coro: Coroutine[Any, Any, T]) -> T:
    """Await `coro` on the loop the bot's runtime runs on (uvicorn's thread)."""
    assert world.runtime is not None
    task = await wait_for(lambda: world.runtime._outbox_task, message="the bot started")  # type: ignore[union-attr]
    loop = task.get_loop()
    return await asyncio.wrap_future(asyncio.run_coroutine_threadsafe(coro, loop))


def everything_read(world: World) -> list[str]:
    """Every text and block (as JSON-ish text) people can read: channel messages (all
    versions), private replies, modals (open or closed) and Home tabs."""
    ws: Any = world.ws
    out: list[str] = []
    with ws.lock:
        for channel in list(ws._messages):
            for m in ws.channel_messages(channel, include_replies=True):
                out += [f"{v.text}\n{v.blocks}" for v in m.versions]
        for e in ws._ephemerals:
            out += [f"{v.text}\n{v.blocks}" for v in e.versions]
        out += [str(v.blocks) for v in ws.views.values()]
    return out
