"""The things a Slack workspace holds, as plain dataclasses with their Web API shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Literal

TEAM_ID = "T_SANDBOX"
TEAM_DOMAIN = "sandbox"
TEAM_NAME = "Butterbase Sandbox"
APP_ID = "A_SANDBOX"
BOT_USER_ID = "U_BOT"
BOT_ID = "B_BOT"
BOT_NAME = "migrations-bot"

Block = dict[str, Any]
EphemeralSource = Literal["api", "response_url", "ack"]


@dataclass
class User:
    """A workspace member (or the bot user)."""

    id: str
    name: str
    real_name: str
    is_bot: bool = False

    def to_api(self) -> dict[str, Any]:
        """The `user` object of `users.info`."""
        return {
            "id": self.id,
            "team_id": TEAM_ID,
            "name": self.name,
            "real_name": self.real_name,
            "deleted": False,
            "is_bot": self.is_bot,
            "is_app_user": False,
            "tz": "Europe/London",
            "profile": {
                "real_name": self.real_name,
                "display_name": self.name,
                "team": TEAM_ID,
            },
        }


@dataclass
class UserGroup:
    """A user group (`S…`), mentioned as `<!subteam^S…>`."""

    id: str
    handle: str
    name: str
    users: list[str] = field(default_factory=list)


@dataclass
class Channel:
    """A public channel every seeded user belongs to; the bot only if `bot_member`."""

    id: str
    name: str
    bot_member: bool = True

    def to_api(self) -> dict[str, Any]:
        """The `channel` object of `conversations.info`."""
        return {
            "id": self.id,
            "name": self.name,
            "is_channel": True,
            "is_private": False,
            "is_archived": False,
            "is_member": self.bot_member,
            "context_team_id": TEAM_ID,
        }


@dataclass
class Version:
    """One version of a message: what it said from `at` on."""

    text: str
    blocks: list[Block]
    at: float


@dataclass
class Message:
    """A visible channel message; `versions` keeps every `chat.update`, the last is shown."""

    channel: str
    ts: str
    versions: list[Version]
    user: str
    bot_id: str | None = None
    thread_ts: str | None = None
    reply_broadcast: bool = False
    permalink: str = ""
    deleted: bool = False
    replies: list[str] = field(default_factory=list)
    metadata: dict[str, Any] | None = None

    @property
    def text(self) -> str:
        return self.versions[-1].text

    @property
    def blocks(self) -> list[Block]:
        return self.versions[-1].blocks

    @property
    def edited(self) -> bool:
        return len(self.versions) > 1

    @property
    def is_reply(self) -> bool:
        return self.thread_ts is not None and self.thread_ts != self.ts

    def to_api(self, *, with_metadata: bool = False) -> dict[str, Any]:
        """The message object Slack returns and puts into interaction payloads; its
        `metadata` only when asked (`include_all_metadata`, or the poster's own answer)."""
        out: dict[str, Any] = {
            "type": "message",
            "user": self.user,
            "text": self.text,
            "blocks": self.blocks,
            "ts": self.ts,
            "team": TEAM_ID,
        }
        if self.bot_id:
            out.update(bot_id=self.bot_id, app_id=APP_ID)
        if self.thread_ts:
            out["thread_ts"] = self.thread_ts
        if self.replies:
            out.update(reply_count=len(self.replies), latest_reply=self.replies[-1])
        if self.edited:
            out["edited"] = {"user": self.user, "ts": self.ts}
        if with_metadata and self.metadata is not None:
            out["metadata"] = self.metadata
        return out


@dataclass
class Ephemeral:
    """A message only `user` sees in `channel`; replaced or deleted only via `response_url`."""

    channel: str
    user: str
    message_ts: str
    versions: list[Version]
    source: EphemeralSource = "api"
    thread_ts: str | None = None
    deleted: bool = False

    @property
    def text(self) -> str:
        return self.versions[-1].text

    @property
    def blocks(self) -> list[Block]:
        return self.versions[-1].blocks


@dataclass
class View:
    """A modal or a Home tab, with the input state and the errors the bot last set."""

    id: str
    user: str
    type: str
    definition: dict[str, Any]
    hash: str
    external_id: str | None = None
    root_view_id: str | None = None
    previous_view_id: str | None = None
    is_open: bool = True
    errors: dict[str, str] = field(default_factory=dict)
    state_values: dict[str, dict[str, Any]] = field(default_factory=dict)
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def callback_id(self) -> str:
        return str(self.definition.get("callback_id") or "")

    @property
    def private_metadata(self) -> str:
        return str(self.definition.get("private_metadata") or "")

    @property
    def blocks(self) -> list[Block]:
        return list(self.definition.get("blocks") or [])

    def to_api(self) -> dict[str, Any]:
        """The `view` object Slack returns and puts into interaction payloads."""
        return {
            **self.definition,
            "id": self.id,
            "team_id": TEAM_ID,
            "type": self.type,
            "blocks": self.blocks,
            "private_metadata": self.private_metadata,
            "callback_id": self.callback_id,
            "state": {"values": self.state_values},
            "hash": self.hash,
            "external_id": self.external_id or "",
            "root_view_id": self.root_view_id or self.id,
            "previous_view_id": self.previous_view_id,
            "app_id": APP_ID,
            "app_installed_team_id": TEAM_ID,
            "bot_id": BOT_ID,
        }


@dataclass
class ApiCall:
    """One Web API (or response_url) call as the stand-in saw and answered it."""

    method: str
    args: dict[str, Any]
    status: int
    response: dict[str, Any]
    time: float
    headers: dict[str, str] = field(default_factory=dict)
    lost: str | None = None
    """How the answer was lost (`drop`, `stall`) when a fault kept it from the caller."""
    limited: bool = False
    """Refused by the stand-in's rate limits (not by an injected 429)."""


@dataclass
class ResponseUrl:
    """A `response_url` handed to the bot, bound to the user and place that caused it."""

    token: str
    user: str
    channel: str
    created: float
    source_ts: str | None = None
    source_is_ephemeral: bool = False
    last_ephemeral_ts: str | None = None
    uses: int = 0


@dataclass
class Trigger:
    """A `trigger_id` the driver issued with an interaction; valid briefly, usable once."""

    id: str
    user: str
    issued_at: float
    used: bool = False
