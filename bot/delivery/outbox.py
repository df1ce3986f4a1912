"""The outbox sender: delivers what the tracker and handlers queued, to Slack.

- Items go out by lane (a migration's card, its thread, an approval card, a channel's
  other messages): in order within a lane, and no lane ever waits for another, so one
  refused or throttled message holds nothing else back.
- Calls spend one workspace budget (`Budget`), most urgent first; a 429 pauses only its
  method. A card is rendered when sent (its newest state; updates queued meanwhile are
  merged into it) and refreshed at most every `card_interval` seconds.
- Exactly once: items are marked as being sent before the call and carry their key in
  the message's metadata; one found so marked is looked for in Slack before it is sent
  again.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Callable
from datetime import timedelta

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock
from bot.delivery.budget import Budget
from bot.delivery.calls import Caller, Retry, Wait, refusal
from bot.delivery.sends import CardSource, Sends
from bot.delivery.texts import (
    CHANNEL_ERRORS,
    CONTENT_ERRORS,
    TRANSIENT_ATTEMPTS,
    TRANSIENT_ERRORS,
    backoff,
)
from storage.records import OutboxItem
from storage.store import Store

log = logging.getLogger(__name__)


class Outbox(Sends):
    def __init__(
        self,
        *,
        store: Store,
        slack: AsyncWebClient,
        clock: Clock,
        cards: CardSource,
        post_interval: float = 1.0,
        on_call: Callable[[str, str], None] | None = None,
        budget: Budget | None = None,
        card_interval: float | None = None,
        refusal_backoff: float = 30.0,
        fold_after: float | None = None,
    ) -> None:
        budget = budget or Budget(scale=post_interval)
        caller = Caller(slack, budget, on_call=on_call or (lambda m, o: None))
        interval = 3.0 * post_interval if card_interval is None else card_interval
        super().__init__(
            store=store,
            clock=clock,
            cards=cards,
            caller=caller,
            card_interval=interval,
            fold_after=_fold_after(post_interval) if fold_after is None else fold_after,
        )
        self.budget = budget
        self._busy: set[str] = set()
        self._wake = asyncio.Event()
        self._stopped = False
        self._refusal_backoff = refusal_backoff

    @property
    def sent_calls(self) -> int:
        return self._caller.sent_calls

    def wake(self) -> None:
        self._wake.set()

    def _wake_in(self, seconds: float) -> None:
        """Look again when a postponed lane falls due, not at the next idle round."""
        asyncio.get_running_loop().call_later(max(seconds, 0.0), self._wake.set)

    async def run(self, idle: float = 0.5) -> None:
        """Send forever: a sender per lane with something due and none running."""
        senders: set[asyncio.Task[None]] = set()
        await self.learn_bot_name()
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
        await self._finish(senders)

    async def _finish(self, senders: set[asyncio.Task[None]], grace: float = 0.5) -> None:
        """Stopping: give the senders a moment, then cancel those still waiting (for Slack's
        budget, a back-off, or an answer). What they held stays queued; an item cut off
        mid-call is found again by its metadata key at the next start: never sent twice."""
        if not senders:
            return
        _, pending = await asyncio.wait(set(senders), timeout=grace)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    def stop(self) -> None:
        self._stopped = True
        self._wake.set()

    async def drain_once(self) -> None:
        """Start a sender for every lane with a due item, and wait for them."""
        tasks = self._start_senders()
        if tasks:
            await asyncio.gather(*tasks)

    async def drain_until_empty(self, rounds: int = 100) -> None:
        """Tests: keep draining until nothing due is left (ignores pacing waits)."""
        for _ in range(rounds):
            if not self._store.sendable_lanes(now=self._clock.now(), limit=1):
                return
            await self.drain_once()

    def _start_senders(self) -> list[asyncio.Task[None]]:
        due = self._store.sendable_lanes(now=self._clock.now())
        lanes = [lane for lane in due if lane not in self._busy]
        self._busy.update(lanes)
        return [asyncio.create_task(self._lane(lane)) for lane in lanes]

    async def _lane(self, lane: str) -> None:
        """Send the lane's items in order until none is due."""
        try:
            while not self._stopped:
                items = self._store.lane_items(lane)
                now = self._clock.now()
                if not items or (items[0].next_attempt_at or now) > now:
                    return
                if not await self._one(items):
                    return
        finally:
            self._busy.discard(lane)
            self._wake.set()

    async def _one(self, items: list[OutboxItem]) -> bool:
        """Deliver the lane's head (and what merges with it); False: the lane must wait."""
        head = items[0]
        now = self._clock.now()
        try:
            await self.deliver(items)
            return True
        except Wait as wait:
            until = self._clock.now() + timedelta(seconds=wait.delay)
            self._store.postpone(head.id or 0, until=until)
            self._wake_in(wait.delay)
        except Retry as retry:
            until = self._clock.now() + timedelta(seconds=retry.delay)
            self._store.defer(head.id or 0, until=until, error=retry.error)
            self._wake_in(retry.delay)
        except SlackApiError as exc:
            return self._refused(head, refusal(exc))
        except Exception as exc:  # a rendering bug: back off, never spin
            log.exception("could not deliver outbox item %s", head.id, extra=_where(head))
            delay = backoff(head.attempts, 1.0, 300.0)
            self._store.defer(
                head.id or 0, until=now + timedelta(seconds=delay), error=type(exc).__name__
            )
        return False

    def _refused(self, head: OutboxItem, error: str) -> bool:
        """Slack refused the head for good: retry what can pass, tell the requester."""
        log.warning(
            "Slack refused %s in %s: %s", head.kind, head.channel_id, error, extra=_where(head)
        )
        now = self._clock.now()
        if error in CHANNEL_ERRORS and not _is_user(head.channel_id):
            delay = backoff(head.attempts, self._refusal_backoff, 20 * self._refusal_backoff)
            self._store.defer(head.id or 0, until=now + timedelta(seconds=delay), error=error)
            self.notify_requester(head, error)
            return False
        if error in TRANSIENT_ERRORS and head.attempts < TRANSIENT_ATTEMPTS:
            delay = backoff(head.attempts, 1.0, 300.0)
            self._store.defer(head.id or 0, until=now + timedelta(seconds=delay), error=error)
            return False
        if error in CONTENT_ERRORS and head.kind == "card" and head.error not in CONTENT_ERRORS:
            self._store.defer(head.id or 0, until=now, error=error)  # next: as text only
            return True
        self.give_up(head, error)
        return True


def _fold_after(post_interval: float) -> float:
    """A thread is backed up once its news waited 30 posts' time (30 s with Slack's real
    limits; never without limits): then it says less, not later."""
    return 30.0 * post_interval if post_interval > 0 else math.inf


def _is_user(channel: str) -> bool:
    return channel[:1] in ("U", "W")


def _where(item: OutboxItem) -> dict[str, str | None]:
    return {
        "migration_id": item.migration_id,
        "approval_id": item.approval_id,
        "channel": item.channel_id,
    }
