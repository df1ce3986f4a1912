"""The outbox sender: delivers what the tracker and handlers queued, to Slack.

- per channel, in order, at most one `chat.postMessage` per `post_interval` seconds;
- a migration's pending card updates collapse into one (rendered at send time, so
  it is always the latest state) and its pending thread replies into one reply;
- 429 waits for `Retry-After`, 5xx and network errors back off; the channel's later
  messages wait behind the failed one (the store holds them back), so order is kept;
  nothing is dropped unless Slack refuses it for good (logged once).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable
from datetime import timedelta
from typing import Any, Protocol

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock
from bot.render import Message
from storage.records import OutboxItem
from storage.store import Store

log = logging.getLogger(__name__)

_PERMANENT_WAIT = {"ratelimited"}


class CardSource(Protocol):
    """Renders cards from the store at send time."""

    def status_card(self, migration_id: str) -> Message | None: ...

    def approval_card(self, approval_id: str) -> Message | None: ...


class _Retry(Exception):
    def __init__(self, delay: float, error: str) -> None:
        super().__init__(error)
        self.delay = delay
        self.error = error


class Outbox:
    def __init__(
        self,
        *,
        store: Store,
        slack: AsyncWebClient,
        clock: Clock,
        cards: CardSource,
        post_interval: float = 1.0,
        on_call: Callable[[str, str], None] | None = None,
    ) -> None:
        self._store = store
        self._slack = slack
        self._clock = clock
        self._cards = cards
        self._interval = post_interval
        self._last_post: dict[str, float] = {}
        self._busy: set[str] = set()
        self._wake = asyncio.Event()
        self._stopped = False
        self._on_call = on_call or (lambda method, outcome: None)
        self.sent_calls = 0

    def wake(self) -> None:
        self._wake.set()

    async def run(self, idle: float = 0.5) -> None:
        """Send forever. Woken by new items (or every `idle` seconds, for deferred ones),
        it starts a sender for each channel with something to send and none running,
        and never waits for one: a busy channel holds up no other."""
        senders: set[asyncio.Task[None]] = set()
        while not self._stopped:
            try:
                for task in self._start_senders():
                    senders.add(task)
                    task.add_done_callback(senders.discard)
            except Exception:
                log.exception("outbox round failed")
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._wake.wait(), timeout=idle)
            self._wake.clear()
        await asyncio.gather(*senders, return_exceptions=True)

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    async def drain_once(self) -> None:
        """Start a sender for every channel with due items that has none running, and
        wait until they have sent all they can."""
        tasks = self._start_senders()
        if tasks:
            await asyncio.gather(*tasks)

    def _start_senders(self) -> list[asyncio.Task[None]]:
        channels = self._store.sendable_channels(now=self._clock.now())
        channels = [c for c in channels if c not in self._busy]
        self._busy.update(channels)
        return [asyncio.create_task(self._channel(channel)) for channel in channels]

    async def drain_until_empty(self, rounds: int = 100) -> None:
        """Tests: keep draining until nothing due is left (ignores pacing waits)."""
        for _ in range(rounds):
            if not self._store.due_outbox(now=self._clock.now()):
                return
            await self.drain_once()

    async def _channel(self, channel: str) -> None:
        """Send the channel's items in order until none is left to send now; each batch
        is read afresh, so what was queued meanwhile goes out (and merges) too."""
        queue: list[OutboxItem] = []
        try:
            while not self._stopped:  # stop promptly: the rest stays queued
                if not queue:
                    queue = self._store.sendable_outbox(now=self._clock.now(), channel=channel)
                    if not queue:
                        return
                item = queue.pop(0)
                batch = [item, *self._mergeable(item, queue)]
                try:
                    ts = await self._send(item, batch)
                except _Retry as retry:
                    until = self._clock.now() + timedelta(seconds=retry.delay)
                    self._store.defer(item.id or 0, until=until, error=retry.error)
                    return  # later items of this channel wait: order is kept
                except SlackApiError as exc:
                    error = str(exc.response.get("error", "unknown"))
                    log.warning(
                        "Slack refused %s in %s for good: %s",
                        item.kind,
                        channel,
                        error,
                        extra={
                            "migration_id": item.migration_id,
                            "approval_id": item.approval_id,
                            "channel": channel,
                        },
                    )
                    for done in batch:
                        self._store.drop(done.id or 0, error=error)
                    continue
                self._store.mark_many_sent([b.id or 0 for b in batch], ts=ts, at=self._clock.now())
        finally:
            self._busy.discard(channel)
            self._wake.set()  # what was queued for it meanwhile gets a sender at once

    @staticmethod
    def _mergeable(item: OutboxItem, queue: list[OutboxItem]) -> list[OutboxItem]:
        """Later items that go out with `item`: the same migration's further card
        updates, or its further plain replies up to its next non-reply item."""
        if item.kind not in ("card", "reply") or not (item.migration_id or item.approval_id):
            return []
        merged: list[OutboxItem] = []
        for other in list(queue):
            same = (other.migration_id, other.approval_id) == (item.migration_id, item.approval_id)
            if not same:
                continue
            if other.kind == item.kind:
                merged.append(other)
                queue.remove(other)
            elif item.kind == "reply":
                break
        return merged

    async def _pace(self, channel: str) -> None:
        wait = self._last_post.get(channel, 0.0) + self._interval - time.monotonic()
        if wait > 0:
            await asyncio.sleep(wait)
        self._last_post[channel] = time.monotonic()

    async def _api(self, method: str, kwargs: dict[str, Any]) -> Any:
        """One Web API call. A post is paced from when Slack answered the channel's last
        one, so it arrives `post_interval` after it whatever the latencies (else: 429s)."""
        channel = kwargs.get("channel") if method == "chat.postMessage" else None
        if channel is not None:
            await self._pace(channel)
        try:
            return await self._slack.api_call(method, json=kwargs)
        finally:
            if channel is not None:
                self._last_post[channel] = time.monotonic()

    async def _call(self, method: str, **kwargs: Any) -> Any:
        try:
            response = await self._api(method, kwargs)
            self._on_call(method, "ok")
            self.sent_calls += 1
            return response
        except SlackApiError as exc:
            status = exc.response.status_code
            self.sent_calls += 1
            self._on_call(method, str(exc.response.get("error", status)))
            if status == 429:
                raise _Retry(
                    float(exc.response.headers.get("Retry-After", 1) or 1), "ratelimited"
                ) from exc
            if status >= 500:
                raise _Retry(2.0, f"HTTP {status}") from exc
            raise
        except (aiohttp.ClientError, TimeoutError, OSError) as exc:
            self._on_call(method, "network")
            raise _Retry(2.0, type(exc).__name__) from exc

    async def _send(self, item: OutboxItem, batch: list[OutboxItem]) -> str | None:
        payload = dict(item.payload)
        if item.kind == "card" and item.approval_id:
            return await self._send_approval_card(item)
        if item.kind == "card" and item.migration_id:
            return await self._send_status_card(item)
        if item.kind in ("reply", "broadcast"):
            m = self._store.get_migration(item.migration_id or "")
            if m is None or not m.thread_ts:
                raise _Retry(1.0, "card not posted yet")
            text = "\n".join(str(b.payload.get("text", "")) for b in batch)
            response = await self._call(
                "chat.postMessage",
                channel=item.channel_id,
                thread_ts=m.thread_ts,
                text=text,
                reply_broadcast=item.kind == "broadcast",
                unfurl_links=False,
            )
            return str(response.get("ts"))
        if item.kind == "ephemeral":
            await self._call("chat.postEphemeral", channel=item.channel_id, **payload)
            return None
        if item.kind == "update":
            await self._call("chat.update", channel=item.channel_id, **payload)
            return str(payload.get("ts"))
        response = await self._call("chat.postMessage", channel=item.channel_id, **payload)
        return str(response.get("ts"))

    async def _send_status_card(self, item: OutboxItem) -> str | None:
        m = self._store.get_migration(item.migration_id or "")
        card = self._cards.status_card(item.migration_id or "")
        if m is None or card is None:
            return None
        if m.card_ts:
            await self._call(
                "chat.update",
                channel=m.channel_id,
                ts=m.card_ts,
                text=card.text,
                blocks=card.blocks,
            )
            return m.card_ts
        args: dict[str, Any] = {"channel": m.channel_id, "text": card.text, "blocks": card.blocks}
        if m.thread_ts:  # a reverse: its card is a reply in the forward move's thread
            args["thread_ts"] = m.thread_ts
        response = await self._call("chat.postMessage", **args)
        ts = str(response.get("ts"))
        self._store.set_card_ts(m.migration_id, ts)
        return ts

    async def _send_approval_card(self, item: OutboxItem) -> str | None:
        a = self._store.get_approval(item.approval_id or "")
        card = self._cards.approval_card(item.approval_id or "")
        if a is None or card is None:
            return None
        if a.message_ts:
            await self._call(
                "chat.update",
                channel=a.channel_id,
                ts=a.message_ts,
                text=card.text,
                blocks=card.blocks,
            )
            return a.message_ts
        m = self._store.get_migration(a.migration_id)
        thread = a.thread_ts or (m.thread_ts if m else None)
        args: dict[str, Any] = {"channel": a.channel_id, "text": card.text, "blocks": card.blocks}
        if thread:
            args |= {"thread_ts": thread, "reply_broadcast": True}
        response = await self._call("chat.postMessage", **args)
        ts = str(response.get("ts"))
        self._store.set_approval_message(a.approval_id, ts, thread)
        return ts
