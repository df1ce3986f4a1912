"""A stand-in for the bot: checks signatures like Bolt, records what arrived, answers as told.

Used to test the driver (and anything else that plays the Slack side) without the bot.
"""

from __future__ import annotations

import json
from typing import Any
from urllib.parse import parse_qsl

from slack_sdk.signature import SignatureVerifier
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


class RecordingApp:
    """`POST /slack/events`: verified with `SignatureVerifier`, decoded, kept in `received`.

    Commands are recorded as their form fields, interactions as their `payload` JSON,
    events as their envelope. Answers `reply` as JSON (an empty 200 when None); requests
    with a bad or missing signature get 401 and only count in `rejected`.
    """

    def __init__(self, signing_secret: str) -> None:
        self.verifier = SignatureVerifier(signing_secret)
        self.received: list[dict[str, Any]] = []
        self.headers: list[dict[str, str]] = []
        self.rejected = 0
        self.reply: Any = None
        self.app = Starlette(routes=[Route("/slack/events", self._events, methods=["POST"])])

    def reset(self) -> None:
        """Forget what arrived and answer empty again."""
        self.received.clear()
        self.headers.clear()
        self.rejected = 0
        self.reply = None

    async def _events(self, request: Request) -> Response:
        body = await request.body()
        if not self.verifier.is_valid_request(body, dict(request.headers)):
            self.rejected += 1
            return JSONResponse({"error": "invalid request"}, status_code=401)
        self.headers.append(dict(request.headers))
        data: dict[str, Any]
        if request.headers.get("content-type", "").startswith("application/json"):
            data = json.loads(body)
        else:
            data = dict(parse_qsl(body.decode(), keep_blank_values=True))
            if "payload" in data:
                data = json.loads(data["payload"])
        self.received.append(data)
        if self.reply is None:
            return Response(status_code=200)
        return JSONResponse(self.reply)
