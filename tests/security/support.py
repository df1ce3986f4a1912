"""Helpers for the bad-input and security suite: what one case changed (the store, the
Butterbase calls, the channels), what the person was told, what was logged, and
hand-made interaction payloads."""

from __future__ import annotations

import asyncio
import hashlib
import hmac
import json
import logging
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlencode

from sandbox.slack.driver_core import FORM, DriverResult, Forge
from sandbox.slack.payloads import VERIFICATION_TOKEN
from storage.records import AuditEntry
from storage.store import Store
from tests.e2e.harness import CHANNEL, SIGNING_SECRET, World, wait_for


def store_of(world: World) -> Store:
    assert world.runtime is not None
    return world.runtime.store


async def settled(world: World) -> None:
    """Until the bot has nothing left to send (the store stops changing)."""
    store = store_of(world)
    await wait_for(
        lambda: store.outbox_stats(datetime.now(UTC))[0] == 0, message="the outbox to drain"
    )


# --- what one case changed -------------------------------------------------------


@dataclass
class Watch:
    """A snapshot taken before a case, to compare with what is there after it."""

    world: World
    counts: dict[str, int] = field(init=False)
    last_audit: int = field(init=False)
    mutating: int = field(init=False)
    messages: dict[str, int] = field(init=False)
    ephemerals: dict[str, int] = field(init=False)
    calls: int = field(init=False)

    def __post_init__(self) -> None:
        ws, store = self.world.ws, store_of(self.world)
        self.counts = store.counts()
        self.last_audit = max((e.id or 0 for e in store.audit_log(limit=10_000)), default=0)
        self.mutating = len(self.world.mutating_requests())
        self.messages = {c: len(ws.channel_messages(c, include_replies=True)) for c in ws.channels}
        self.ephemerals = {u: len(ws.ephemerals(u)) for u in ws.users}
        self.calls = len(ws.calls)

    def new_audit(self) -> list[AuditEntry]:
        entries = store_of(self.world).audit_log(limit=10_000)
        return [e for e in entries if (e.id or 0) > self.last_audit]

    def new_private(self, user: str) -> list[str]:
        return [e.text for e in self.world.ws.ephemerals(user)[self.ephemerals.get(user, 0) :]]

    def new_dms(self, user: str) -> list[str]:
        """What the bot tried to tell `user` directly (its answers to App Home clicks)."""
        calls = self.world.ws.calls[self.calls :]
        return [
            str(c.args.get("text"))
            for c in calls
            if c.method == "chat.postMessage" and c.args.get("channel") == user
        ]

    async def answer(self, user: str, *, dm: bool = False) -> str:
        """The one private answer `user` got since the snapshot (waits for it)."""
        found = self.new_dms if dm else self.new_private
        texts = await wait_for(lambda: found(user), timeout=10, message=f"an answer to {user}")
        assert len(texts) == 1, texts
        return texts[0]

    def assert_nothing_changed(self, *, audited: tuple[str, ...] = ()) -> None:
        """No Butterbase change, nothing posted in a channel, nothing stored but the
        audit entries `audited` (refusals the bot records by design), in that order."""
        world, ws = self.world, self.world.ws
        assert world.mutating_requests()[self.mutating :] == []
        posted = [
            m.text
            for c in ws.channels
            if not c.startswith("D_")  # direct messages are private answers (App Home clicks)
            for m in ws.channel_messages(c, include_replies=True)[self.messages.get(c, 0) :]
        ]
        assert posted == [], f"posted in a channel: {posted}"
        counts = store_of(world).counts()
        expected = dict(self.counts, audit=self.counts["audit"] + len(audited))
        assert counts == expected
        assert tuple(e.action for e in self.new_audit()) == audited


# --- the log -------------------------------------------------------------------------


class LogTrap(logging.Handler):
    """Every record of the bot's process while a test runs (uvicorn's loggers do not
    propagate to the root logger, so they are watched too)."""

    def __init__(self, level: int) -> None:
        super().__init__(level)
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)

    def text(self) -> str:
        formatter = logging.Formatter("%(levelname)s %(name)s: %(message)s")
        return "\n".join(formatter.format(r) for r in self.records)

    def assert_no_exception(self) -> None:
        """No traceback, no ERROR: bad input is answered, not crashed on."""
        bad = [r for r in self.records if r.exc_info or r.levelno >= logging.ERROR]
        assert bad == [], self.text()
        assert "Traceback" not in self.text()


@contextmanager
def trapped_logs(level: int = logging.WARNING) -> Iterator[LogTrap]:
    trap = LogTrap(level)
    loggers = [logging.getLogger(), logging.getLogger("uvicorn")]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(trap)
    logging.getLogger().setLevel(min(level, logging.WARNING))
    try:
        yield trap
    finally:
        for lg, old in zip(loggers, levels, strict=True):
            lg.removeHandler(trap)
            lg.setLevel(old)


# --- hand-made requests ----------------------------------------------------------------


def response_url(world: World, user: str, channel: str = CHANNEL) -> str:
    """A response_url the Slack stand-in will accept for `user` in `channel`."""
    token = world.ws.issue_response_url(user, channel)
    return f"{world.d.base_url}/response/{token}"


def click_payload(
    world: World,
    user: str,
    action_id: str,
    value: Any,
    *,
    channel: str | None = CHANNEL,
    message_ts: str = "1500000000.000100",
    block_id: str = "made_up_block",
    selected: str | None = None,
) -> dict[str, Any]:
    """A `block_actions` payload as Slack would send for a button (or, with `selected`,
    a select) on the message `message_ts` names (the bot need never have sent it)."""
    payload: dict[str, Any] = {
        "type": "block_actions",
        "user": {"id": user, "username": user.lower(), "team_id": "T_SANDBOX"},
        "api_app_id": "A_SANDBOX",
        "token": VERIFICATION_TOKEN,
        "team": {"id": "T_SANDBOX", "domain": "sandbox"},
        "trigger_id": world.ws.issue_trigger(user),
        "actions": [
            {
                "type": "button",
                "action_id": action_id,
                "block_id": block_id,
                "text": {"type": "plain_text", "text": "x"},
                "value": value,
                "action_ts": "1500000000.000200",
            }
        ],
        "state": {"values": {}},
    }
    if selected is not None:  # a pick in a static select (the region picker)
        action = payload["actions"][0]
        del action["value"], action["text"]
        option = {"text": {"type": "plain_text", "text": selected[:75]}, "value": selected}
        action.update(type="static_select", selected_option=option)
    if channel is None:  # App Home: no channel, no response_url
        payload["container"] = {"type": "view", "view_id": "V_MADE_UP"}
        return payload
    payload["container"] = {
        "type": "message",
        "message_ts": message_ts,
        "channel_id": channel,
        "is_ephemeral": False,
    }
    payload["channel"] = {"id": channel, "name": channel.lower()}
    payload["response_url"] = response_url(world, user, channel)
    return payload


def view_payload(
    world: World, user: str, callback_id: str, private_metadata: str, typed: str = ""
) -> dict[str, Any]:
    """A `view_submission` of a modal the bot may never have opened."""
    from bot import ids

    state = {ids.TEARDOWN_CONFIRM_BLOCK: {ids.TEARDOWN_CONFIRM_INPUT: {"value": typed}}}
    return {
        "type": "view_submission",
        "user": {"id": user, "username": user.lower(), "team_id": "T_SANDBOX"},
        "api_app_id": "A_SANDBOX",
        "token": VERIFICATION_TOKEN,
        "team": {"id": "T_SANDBOX", "domain": "sandbox"},
        "trigger_id": world.ws.issue_trigger(user),
        "view": {
            "id": "V_MADE_UP",
            "type": "modal",
            "callback_id": callback_id,
            "private_metadata": private_metadata,
            "state": {"values": state},
            "hash": "1.x",
        },
        "response_urls": [],
    }


def payload_body(payload: Any) -> bytes:
    return urlencode({"payload": json.dumps(payload)}).encode()


async def send(
    world: World, body: bytes, *, content_type: str = FORM, **forge: Any
) -> DriverResult:
    """POST `body` to the bot, signed (or forged as `forge` asks: see `Forge`)."""
    options: Forge = forge  # type: ignore[assignment]
    try:
        signed = world.d.sign(body, **options)
    except UnicodeDecodeError:  # slack_sdk signs text only; Slack signs bytes
        signed = sign_bytes(body)
    headers = {"Content-Type": content_type, **signed}
    headers.update(options.get("headers") or {})
    return await world.d.raw(body, headers)


def sign_bytes(body: bytes, secret: str = SIGNING_SECRET) -> dict[str, str]:
    """Slack's v0 signature of any bytes, made now."""
    timestamp = str(int(time.time()))
    base = b"v0:" + timestamp.encode() + b":" + body
    digest = hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": f"v0={digest}"}


async def pause(seconds: float = 0.05) -> None:
    """Give work the bot might (wrongly) do after its answer a moment to show."""
    await asyncio.sleep(seconds)
