"""An answer that never arrives: the call was carried out, the caller never learns it.

`drop` starts the answer and closes the connection half-way (the client sees the server
disconnect); `stall` first holds the answer back until the client gives up (disconnects),
the fault is released, or `stall_seconds` pass, and then drops it.
"""

from __future__ import annotations

import asyncio
import logging
import time

from starlette.responses import Response
from starlette.types import Receive, Scope, Send

from sandbox.slack.faults import AnswerLoss, Faults

_UNFINISHED = "ASGI callable returned without completing response."


class _QuietDrop(logging.Filter):
    """Keeps uvicorn from logging our deliberate drops as errors of the stand-in."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != _UNFINISHED


def quiet_deliberate_drops() -> None:
    """Install the filter on uvicorn's error logger (once)."""
    logger = logging.getLogger("uvicorn.error")
    if not any(isinstance(f, _QuietDrop) for f in logger.filters):
        logger.addFilter(_QuietDrop())


class LostAnswer(Response):
    """A response that loses the answer as `loss` says."""

    def __init__(self, loss: AnswerLoss, faults: Faults) -> None:
        super().__init__(media_type="application/json")
        self.loss = loss
        self.faults = faults

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.loss.mode == "stall" and await self._client_left(receive):
            return
        await send(
            {
                "type": "http.response.start",
                "status": 200,
                "headers": [(b"content-type", b"application/json"), (b"content-length", b"64")],
            }
        )
        await send({"type": "http.response.body", "body": b'{"ok": true, "ch', "more_body": True})
        # returning here, unfinished, makes uvicorn close the connection

    async def _client_left(self, receive: Receive) -> bool:
        """Hold the answer; True when the client disconnected meanwhile."""
        deadline = time.monotonic() + self.loss.stall_seconds
        while time.monotonic() < deadline and not self.faults.released.is_set():
            try:
                message = await asyncio.wait_for(receive(), timeout=0.05)
            except TimeoutError:
                continue
            if message.get("type") == "http.disconnect":
                return True
        return False
