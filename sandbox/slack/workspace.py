"""The in-memory Slack workspace the stand-in serves and the driver acts on."""

from __future__ import annotations

import secrets
import threading
from collections import Counter
from collections.abc import Iterator
from contextlib import contextmanager

from sandbox.slack.calllog import CallLogMixin
from sandbox.slack.changes import ChangeFeed
from sandbox.slack.clock import Clock, wall_clock
from sandbox.slack.errors import MethodError
from sandbox.slack.faults import Faults
from sandbox.slack.limits import DEFAULT_POST_WORKSPACE_PER_MINUTE, RateLimits
from sandbox.slack.messages import MessagesMixin
from sandbox.slack.models import (
    BOT_NAME,
    BOT_USER_ID,
    ApiCall,
    Channel,
    Ephemeral,
    Message,
    ResponseUrl,
    Trigger,
    User,
    UserGroup,
    View,
)
from sandbox.slack.viewstate import ViewsMixin

DEFAULT_BASE_URL = "https://sandbox.slack.local"
TRIGGER_TTL = 3.0


class SlackWorkspace(MessagesMixin, CallLogMixin, ViewsMixin):
    """Users, groups, channels, messages, ephemerals, views and every API call, in memory.

    One lock guards everything (the API server and the tests run in different threads);
    every change bumps `version`, which `wait_for_change` lets a long poll wait on.

    Slack's rate limits are on unless `rate_limits=False` (see `sandbox.slack.limits`);
    `time_scale` runs them faster on the workspace clock (0.1: ten times), and
    `post_workspace_per_minute` is the workspace-wide `chat.postMessage` cap.
    """

    def __init__(
        self,
        *,
        clock: Clock | None = None,
        seed: bool = True,
        time_scale: float = 1.0,
        rate_limits: bool = True,
        post_workspace_per_minute: float = DEFAULT_POST_WORKSPACE_PER_MINUTE,
    ) -> None:
        self.clock: Clock = clock or wall_clock
        self.lock = threading.RLock()
        self.base_url: str | None = None
        self.users: dict[str, User] = {}
        self.usergroups: dict[str, UserGroup] = {}
        self.channels: dict[str, Channel] = {}
        self.views: dict[str, View] = {}
        self.home_views: dict[str, str] = {}
        self.calls: list[ApiCall] = []
        self.response_urls: dict[str, ResponseUrl] = {}
        self.triggers: dict[str, Trigger] = {}
        self.faults = Faults(self.clock)
        self.limits = RateLimits(
            self.clock,
            time_scale=time_scale,
            enabled=rate_limits,
            post_workspace_per_minute=post_workspace_per_minute,
        )
        self.ratelimited_count = 0
        self.ratelimited_by_method: Counter[str] = Counter()
        self._messages: dict[str, list[Message]] = {}
        self._ephemerals: list[Ephemeral] = []
        self._feed = ChangeFeed()
        self._last_ts_us = 0
        self._counter = 0
        if seed:
            self.seed()

    def seed(self) -> None:
        """Add the sandbox people, groups and channels."""
        for user in (
            User("U_REQ", "riley", "Riley Requester"),
            User("U_APP1", "ada", "Ada Approver"),
            User("U_APP2", "grace", "Grace Approver"),
            User("U_OTHER", "sam", "Sam Bystander"),
            User(BOT_USER_ID, BOT_NAME, "Migrations Bot", is_bot=True),
        ):
            self.users[user.id] = user
        for group in (
            UserGroup(
                "S_APPROVERS", "migration-approvers", "Migration approvers", ["U_APP1", "U_APP2"]
            ),
            UserGroup("S_ONCALL", "oncall", "On-call", ["U_APP2"]),
        ):
            self.usergroups[group.id] = group
        for channel in (Channel("C_MIGRATIONS", "migrations"), Channel("C_OPS", "ops")):
            self.channels[channel.id] = channel
            self._messages.setdefault(channel.id, [])

    # -- change feed -------------------------------------------------------------

    @property
    def version(self) -> int:
        """How many changes the workspace has seen; grows on every change."""
        return self._feed.version

    async def wait_for_change(self, since_version: int, timeout: float = 25.0) -> int:  # noqa: ASYNC109
        """Wait until `version` exceeds `since_version` or `timeout` passes; returns it."""
        return await self._feed.wait_for_change(since_version, timeout)

    @contextmanager
    def changing(self) -> Iterator[None]:
        """Hold the lock for a unit of change, then wake the waiters."""
        with self.lock:
            yield
        self._feed.bump()

    # -- ids and time ------------------------------------------------------------

    def now(self) -> float:
        """The workspace clock."""
        return self.clock()

    def next_ts(self) -> str:
        """A message ts from the clock, strictly greater than every earlier one."""
        with self.lock:
            candidate = int(self.clock() * 1_000_000)
            self._last_ts_us = max(candidate, self._last_ts_us + 100)
            seconds, micros = divmod(self._last_ts_us, 1_000_000)
            return f"{seconds}.{micros:06d}"

    def new_id(self, prefix: str) -> str:
        """A fresh id such as `V00000001`."""
        with self.lock:
            self._counter += 1
            return f"{prefix}{self._counter:08d}"

    def resolve_channel(self, ref: str) -> Channel | None:
        """A channel by id, name or `#name`."""
        if ref in self.channels:
            return self.channels[ref]
        if ref in self.users:  # a user id: the bot's direct messages with them (App Messages tab)
            dm = Channel(id=f"D_{ref}", name=f"dm-{ref}")
            self.channels.setdefault(dm.id, dm)
            return self.channels[dm.id]
        name = ref.removeprefix("#")
        return next((c for c in self.channels.values() if c.name == name), None)

    def add_channel(self, channel_id: str, name: str, *, bot_member: bool = True) -> Channel:
        """A new public channel; the bot is in it only if `bot_member`."""
        with self.changing():
            channel = self.channels[channel_id] = Channel(channel_id, name, bot_member)
            self._messages.setdefault(channel_id, [])
            return channel

    def invite_bot(self, channel_id: str) -> Channel:
        """Someone adds the bot to a channel (`SlackDriver.invite_bot` also tells the bot)."""
        return self._set_bot_member(channel_id, True)

    def remove_bot(self, channel_id: str) -> Channel:
        """Someone removes the bot from a channel: its posts there answer `not_in_channel`."""
        return self._set_bot_member(channel_id, False)

    def _set_bot_member(self, channel_id: str, member: bool) -> Channel:
        with self.changing():
            channel = self.resolve_channel(channel_id)
            if channel is None:
                raise KeyError(f"no channel {channel_id}")
            channel.bot_member = member
            return channel

    def permalink(self, channel: str, ts: str, thread_ts: str | None = None) -> str:
        """The web link to a message, as `chat.getPermalink` gives it."""
        base = (self.base_url or DEFAULT_BASE_URL).rstrip("/")
        link = f"{base}/archives/{channel}/p{ts.replace('.', '')}"
        if thread_ts and thread_ts != ts:
            link += f"?thread_ts={thread_ts}&cid={channel}"
        return link

    # -- interactions: triggers and response urls -------------------------------

    def issue_trigger(self, user: str) -> str:
        """A fresh `trigger_id`, valid for 3 s of the workspace clock and usable once."""
        with self.changing():
            trigger_id = f"{self.new_id('')}.{int(self.clock())}.{secrets.token_hex(10)}"
            self.triggers[trigger_id] = Trigger(trigger_id, user, self.clock())
            return trigger_id

    def exchange_trigger(self, trigger_id: str | None) -> Trigger:
        """Use up a trigger, or raise the Slack error for one that cannot be used."""
        with self.lock:
            trigger = self.triggers.get(trigger_id or "")
            if trigger is None:
                raise MethodError("invalid_trigger_id")
            if trigger.used:
                raise MethodError("exchanged_trigger_id")
            if self.clock() - trigger.issued_at > TRIGGER_TTL:
                raise MethodError("expired_trigger_id")
            trigger.used = True
            return trigger

    def issue_response_url(
        self,
        user: str,
        channel: str,
        *,
        source_ts: str | None = None,
        source_is_ephemeral: bool = False,
    ) -> str:
        """A fresh response_url token bound to `user`, `channel` and the clicked message."""
        with self.changing():
            token = secrets.token_urlsafe(12)
            self.response_urls[token] = ResponseUrl(
                token, user, channel, self.clock(), source_ts, source_is_ephemeral
            )
            return token
