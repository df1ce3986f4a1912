"""The in-memory Slack workspace the stand-in serves and the driver acts on."""

from __future__ import annotations

import secrets
import threading
from collections.abc import Iterator
from contextlib import contextmanager

from sandbox.slack.changes import ChangeFeed
from sandbox.slack.clock import Clock, wall_clock
from sandbox.slack.errors import MethodError
from sandbox.slack.faults import Faults
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

DEFAULT_BASE_URL = "https://sandbox.slack.local"
TRIGGER_TTL = 3.0


class SlackWorkspace(MessagesMixin):
    """Users, groups, channels, messages, ephemerals, views and every API call, in memory.

    One lock guards everything (the API server and the tests run in different threads);
    every change bumps `version`, which `wait_for_change` lets a long poll wait on.
    """

    def __init__(self, *, clock: Clock | None = None, seed: bool = True) -> None:
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
        self.rate_limit_post_per_channel = False
        self.ratelimited_count = 0
        self._messages: dict[str, list[Message]] = {}
        self._ephemerals: list[Ephemeral] = []
        self._last_post_at: dict[str, float] = {}
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

    # -- views ---------------------------------------------------------------------

    def find_view(self, view_id: str | None = None, external_id: str | None = None) -> View | None:
        """A view by id or by the bot's `external_id`."""
        with self.lock:
            if view_id:
                return self.views.get(view_id)
            if external_id:
                return next((v for v in self.views.values() if v.external_id == external_id), None)
            return None

    def home_view(self, user: str) -> View | None:
        """The Home tab `user` sees, if the bot published one."""
        with self.lock:
            view_id = self.home_views.get(user)
            return self.views.get(view_id) if view_id else None

    def open_views(self, user: str) -> list[View]:
        """The modal stack `user` sees, bottom first."""
        with self.lock:
            return [
                v for v in self.views.values() if v.user == user and v.is_open and v.type != "home"
            ]

    # -- the call log and faults -------------------------------------------------

    def record_call(self, call: ApiCall) -> None:
        """Append to `calls`."""
        with self.changing():
            self.calls.append(call)

    def calls_of(self, method: str) -> list[ApiCall]:
        """The recorded calls of one method, in order."""
        with self.lock:
            return [c for c in self.calls if c.method == method]

    def reset_calls(self) -> None:
        """Forget the recorded calls."""
        with self.changing():
            self.calls.clear()

    def fail_next(
        self,
        method: str | None,
        *,
        status: int = 500,
        count: int = 1,
        retry_after: int | None = None,
    ) -> None:
        """Fail the next `count` calls of `method` (of any method when None)."""
        self.faults.fail_next(method, status=status, count=count, retry_after=retry_after)

    def outage(self, seconds: float, status: int = 503) -> None:
        """Every method answers `status` for `seconds` of the workspace clock."""
        self.faults.outage(seconds, status)

    def allow_post(self, channel: str) -> bool:
        """Whether a `chat.postMessage` to `channel` is within the per-channel rate limit."""
        with self.lock:
            if not self.rate_limit_post_per_channel:
                return True
            now = self.clock()
            last = self._last_post_at.get(channel)
            if last is not None and now - last < 1.0:
                self.ratelimited_count += 1
                return False
            self._last_post_at[channel] = now
            return True
