"""Messages and ephemeral messages of the workspace (a mixin of `SlackWorkspace`)."""

from __future__ import annotations

import threading
from contextlib import AbstractContextManager
from typing import Any

from sandbox.slack.blocks import with_ids
from sandbox.slack.clock import Clock
from sandbox.slack.models import (
    BOT_ID,
    BOT_USER_ID,
    Block,
    Ephemeral,
    EphemeralSource,
    Message,
    Version,
)


class MessagesMixin:
    """Channel messages with their threads and edit history, and ephemeral messages."""

    clock: Clock
    lock: threading.RLock
    _messages: dict[str, list[Message]]
    _ephemerals: list[Ephemeral]

    def changing(self) -> AbstractContextManager[None]:
        """A unit of change (provided by `SlackWorkspace`)."""
        raise NotImplementedError

    def next_ts(self) -> str:
        """The next message ts (provided by `SlackWorkspace`)."""
        raise NotImplementedError

    def permalink(self, channel: str, ts: str, thread_ts: str | None = None) -> str:
        """A message link (provided by `SlackWorkspace`)."""
        raise NotImplementedError

    # -- messages ----------------------------------------------------------------

    def add_message(
        self,
        channel: str,
        *,
        text: str,
        blocks: list[Block] | None = None,
        user: str = BOT_USER_ID,
        bot: bool = True,
        thread_ts: str | None = None,
        reply_broadcast: bool = False,
        metadata: dict[str, Any] | None = None,
    ) -> Message:
        """Post a visible message (a reply when `thread_ts` names a parent)."""
        with self.changing():
            ts = self.next_ts()
            parent = self.find_message(channel, thread_ts) if thread_ts else None
            root = parent.thread_ts or parent.ts if parent else None
            message = Message(
                channel=channel,
                ts=ts,
                versions=[Version(text, with_ids(blocks or []), self.clock())],
                user=user,
                bot_id=BOT_ID if bot else None,
                thread_ts=root,
                reply_broadcast=reply_broadcast and root is not None,
                permalink=self.permalink(channel, ts, root),
                metadata=metadata,
            )
            self._messages.setdefault(channel, []).append(message)
            if root is not None:
                top = self.find_message(channel, root)
                if top is not None:
                    top.thread_ts = root
                    top.replies.append(ts)
            return message

    def edit_message(
        self,
        message: Message,
        *,
        text: str | None,
        blocks: list[Block] | None,
        metadata: dict[str, Any] | None = None,
    ) -> Message:
        """Add a version; an omitted text or blocks keeps the previous one. `metadata`
        replaces the message's (an empty one removes it); None keeps it."""
        with self.changing():
            if metadata is not None:
                message.metadata = metadata or None
            current = message.versions[-1]
            message.versions.append(
                Version(
                    current.text if text is None else text,
                    current.blocks if blocks is None else with_ids(blocks),
                    self.clock(),
                )
            )
            return message

    def delete_message(self, message: Message) -> None:
        """Hide a message (it stays in `find_message`, flagged `deleted`)."""
        with self.changing():
            message.deleted = True

    def find_message(self, channel: str, ts: str | None) -> Message | None:
        """The message with this ts in this channel, replies included."""
        with self.lock:
            return next((m for m in self._messages.get(channel, []) if m.ts == ts), None)

    def channel_messages(self, channel: str, *, include_replies: bool = False) -> list[Message]:
        """What the channel shows: top-level messages and broadcast replies, oldest first."""
        with self.lock:
            return [
                m
                for m in self._messages.get(channel, [])
                if not m.deleted and (include_replies or not m.is_reply or m.reply_broadcast)
            ]

    def thread(self, channel: str, ts: str) -> list[Message]:
        """The replies under the message `ts` (the parent itself not included)."""
        with self.lock:
            return [
                m
                for m in self._messages.get(channel, [])
                if m.is_reply and m.thread_ts == ts and not m.deleted
            ]

    # -- ephemerals --------------------------------------------------------------

    def add_ephemeral(
        self,
        channel: str,
        user: str,
        *,
        text: str,
        blocks: list[Block] | None = None,
        source: EphemeralSource = "api",
        thread_ts: str | None = None,
    ) -> Ephemeral:
        """Show `user` a message only they can see."""
        with self.changing():
            ephemeral = Ephemeral(
                channel=channel,
                user=user,
                message_ts=self.next_ts(),
                versions=[Version(text, with_ids(blocks or []), self.clock())],
                source=source,
                thread_ts=thread_ts,
            )
            self._ephemerals.append(ephemeral)
            return ephemeral

    def replace_ephemeral(self, ephemeral: Ephemeral, *, text: str, blocks: list[Block]) -> None:
        """Replace what an ephemeral message shows (as `replace_original` does)."""
        with self.changing():
            ephemeral.versions.append(Version(text, with_ids(blocks), self.clock()))

    def delete_ephemeral(self, ephemeral: Ephemeral) -> None:
        """Remove an ephemeral message from view."""
        with self.changing():
            ephemeral.deleted = True

    def ephemerals(self, user: str, channel: str | None = None) -> list[Ephemeral]:
        """The ephemeral messages `user` currently sees (in `channel` if given), oldest first."""
        with self.lock:
            return [
                e
                for e in self._ephemerals
                if e.user == user and not e.deleted and channel in (None, e.channel)
            ]

    def find_ephemeral(self, user: str, message_ts: str) -> Ephemeral | None:
        """One of `user`'s ephemeral messages by its `message_ts`."""
        with self.lock:
            return next(
                (e for e in self._ephemerals if e.user == user and e.message_ts == message_ts),
                None,
            )
