"""The driver's plumbing: signing, sending, and finding what a test points at."""

from __future__ import annotations

import contextlib
import json
import time
from dataclasses import dataclass, field
from typing import Any, Self, TypedDict, Unpack
from urllib.parse import urlencode

import httpx
from slack_sdk.signature import SignatureVerifier

from sandbox.slack.clock import Clock
from sandbox.slack.models import APP_ID, Block, Channel, User, View
from sandbox.slack.payloads import (
    VERIFICATION_TOKEN,
    ElementNotFound,
    action_entry,
    find_element,
    team_object,
    user_object,
)
from sandbox.slack.workspace import SlackWorkspace

FORM = "application/x-www-form-urlencoded"


class DriverError(Exception):
    """The test asked for something Slack could not do (no such user, button or view)."""


class Forge(TypedDict, total=False):
    """Ways to tamper with a request, for the bot's request-verification tests."""

    sign: bool
    bad_signature: bool
    timestamp_offset: float
    headers: dict[str, str]


@dataclass
class DriverResult:
    """How the bot answered: HTTP status, body (parsed JSON, else text) and time taken."""

    status: int
    body: Any
    elapsed_ms: float
    headers: dict[str, str] = field(default_factory=dict)
    sent: Any = None

    @property
    def json(self) -> dict[str, Any]:
        """The body when it was a JSON object, else `{}`."""
        return self.body if isinstance(self.body, dict) else {}


class DriverCore:
    """Sends signed requests to `{bot_url}/slack/events` over one `httpx.AsyncClient`."""

    def __init__(
        self,
        ws: SlackWorkspace,
        *,
        bot_url: str,
        signing_secret: str,
        api_base_url: str,
        clock: Clock | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
    ) -> None:
        self.ws = ws
        self.events_url = f"{bot_url.rstrip('/')}/slack/events"
        self.base_url = api_base_url.rstrip("/").removesuffix("/api")
        self.clock: Clock = clock or time.time
        self._verifier = SignatureVerifier(signing_secret)
        self._client = httpx.AsyncClient(transport=transport, timeout=timeout, trust_env=False)
        if ws.base_url is None:
            ws.base_url = self.base_url

    async def aclose(self) -> None:
        """Close the HTTP client."""
        await self._client.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()

    # -- sending -----------------------------------------------------------------

    def sign(self, body: bytes, **forge: Unpack[Forge]) -> dict[str, str]:
        """The `X-Slack-*` headers for `body`, tampered with as `forge` asks."""
        if not forge.get("sign", True):
            return {}
        timestamp = str(int(self.clock() + forge.get("timestamp_offset", 0)))
        signature = self._verifier.generate_signature(timestamp=timestamp, body=body) or ""
        if forge.get("bad_signature"):
            signature = "v0=" + ("0" if signature[-1:] != "0" else "1") * 64
        return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}

    async def raw(self, body: bytes, headers: dict[str, str]) -> DriverResult:
        """POST `body` with exactly these headers (for forgery tests)."""
        started = time.perf_counter()
        response = await self._client.post(self.events_url, content=body, headers=headers)
        elapsed = (time.perf_counter() - started) * 1000
        parsed: Any = response.text
        if response.content and "json" in response.headers.get("content-type", ""):
            with contextlib.suppress(ValueError):
                parsed = response.json()
        return DriverResult(response.status_code, parsed, elapsed, dict(response.headers), body)

    async def _send(self, body: bytes, content_type: str, sent: Any, forge: Forge) -> DriverResult:
        headers = {"Content-Type": content_type, **self.sign(body, **forge)}
        headers.update(forge.get("headers") or {})
        result = await self.raw(body, headers)
        result.sent = sent
        return result

    async def _send_payload(self, payload: dict[str, Any], forge: Forge) -> DriverResult:
        body = urlencode({"payload": json.dumps(payload)}).encode()
        return await self._send(body, FORM, payload, forge)

    # -- lookups -------------------------------------------------------------------

    def _user(self, user_id: str) -> User:
        user = self.ws.users.get(user_id)
        if user is None:
            raise DriverError(f"no user {user_id!r} in the workspace")
        return user

    def _channel(self, channel_id: str) -> Channel:
        channel = self.ws.resolve_channel(channel_id)
        if channel is None:
            raise DriverError(f"no channel {channel_id!r} in the workspace")
        return channel

    def _view(self, view_id: str) -> View:
        view = self.ws.find_view(view_id)
        if view is None:
            raise DriverError(f"no view {view_id!r}")
        return view

    def _response_url(self, user: str, channel: str, **source: Any) -> str:
        token = self.ws.issue_response_url(user, channel, **source)
        return f"{self.base_url}/response/{token}"

    def _action(
        self, blocks: list[Block], action_id: str, value: Any, block_id: str | None, force: bool
    ) -> dict[str, Any]:
        try:
            found_block, element = find_element(blocks, action_id)
        except ElementNotFound:
            if not force:
                raise DriverError(f"no element with action_id {action_id!r} there") from None
            found_block = "forced"
            element = {"type": "button", "action_id": action_id, "text": _plain(action_id)}
        return action_entry(
            element, block_id=block_id or found_block, value=value, action_ts=f"{self.clock():.6f}"
        )

    def _base_payload(self, user: User) -> dict[str, Any]:
        return {
            "type": "block_actions",
            "user": user_object(user),
            "api_app_id": APP_ID,
            "token": VERIFICATION_TOKEN,
            "team": team_object(),
            "enterprise": None,
            "is_enterprise_install": False,
            "trigger_id": self.ws.issue_trigger(user.id),
        }


def _plain(text: str) -> dict[str, Any]:
    return {"type": "plain_text", "text": text, "emoji": True}
