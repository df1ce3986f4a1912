"""How each kind of outbox item reaches Slack (the `Outbox` runs them by lane)."""

from __future__ import annotations

import logging
import math
from typing import Any, Protocol

from slack_sdk.errors import SlackApiError

from bot import steps
from bot.clock import Clock
from bot.delivery.calls import Caller, Wait, refusal
from bot.delivery.texts import (
    CONTENT_ERRORS,
    key_of,
    metadata,
    metadata_key,
    refusal_notice,
    reply_batch,
    split_text,
)
from bot.render import Message
from storage.records import MILESTONE, STEP, URGENT, OutboxItem
from storage.store import Store

log = logging.getLogger(__name__)
CARD_WAIT = 0.5  # seconds a thread reply waits for its card before looking again


class CardSource(Protocol):
    """Renders cards from the store at send time."""

    def status_card(self, migration_id: str) -> Message | None: ...

    def approval_card(self, approval_id: str) -> Message | None: ...


def _escape(text: str) -> str:
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _content(card: Message, head: OutboxItem) -> dict[str, Any]:
    """The card's text and blocks; its text alone once Slack refused its blocks."""
    if head.error in CONTENT_ERRORS:
        return {"text": card.text[:3000], "blocks": []}
    return {"text": card.text, "blocks": card.blocks}


class Sends:
    def __init__(
        self,
        *,
        store: Store,
        clock: Clock,
        cards: CardSource,
        caller: Caller,
        card_interval: float,
        fold_after: float = math.inf,
    ) -> None:
        """`fold_after`: a thread whose news has waited this long is backed up; its
        milestones then fold into one message with the replies queued around them."""
        self._store = store
        self._clock = clock
        self._cards = cards
        self._caller = caller
        self._card_interval = card_interval
        self._fold_after = fold_after
        self._last_card: dict[str, float] = {}
        self._bot_name: str | None = None

    async def learn_bot_name(self) -> None:
        """The bot's name, for "invite me with `/invite @name`" (once; harmless if it fails)."""
        if self._bot_name is not None:
            return
        try:
            response = await self._caller.call("auth.test", priority=URGENT)
            self._bot_name = str(response.get("user") or "")
        except Exception:
            log.warning("auth.test failed: refusal notices name the bot generically")
            self._bot_name = ""

    async def deliver(self, items: list[OutboxItem]) -> None:
        head = items[0]
        if head.kind == "card":
            cards = _leading(items, "card")
            if head.approval_id:
                await self._approval_card(head, cards)
            elif head.migration_id:
                await self._status_card(head, cards)
            else:
                self._sent(cards, None)
            return
        if head.kind in ("reply", "broadcast"):
            await self._reply(items)
            return
        payload = dict(head.payload)
        call = self._caller.call
        if head.kind == "ephemeral":
            await call(
                "chat.postEphemeral", priority=head.priority, channel=head.channel_id, **payload
            )
            self._sent([head], None)
        elif head.kind == "update":
            await call("chat.update", priority=head.priority, channel=head.channel_id, **payload)
            self._sent([head], str(payload.get("ts")))
        else:
            ts, _ = await self._post([head], head.channel_id, None, payload)
            self._sent([head], ts)

    @staticmethod
    def _carried(cards: list[OutboxItem], found: bool) -> list[OutboxItem]:
        """The card items a post carried. A post made now was rendered at send time: it
        carries every queued state. A post found in Slack after a crash (its answer was
        lost) carries only what was being sent then: the states queued since must still go
        out, as a `chat.update` of the card found."""
        if not found:
            return cards
        return [i for i in cards if i.sending_at] or cards[:1]

    def _sent(self, batch: list[OutboxItem], ts: str | None) -> None:
        self._store.mark_many_sent([i.id or 0 for i in batch], ts=ts, at=self._clock.now())

    async def _post(
        self,
        batch: list[OutboxItem],
        channel: str,
        thread: str | None,
        args: dict[str, Any],
        *,
        priority: int | None = None,
        spent: bool = False,
    ) -> tuple[str, bool]:
        """Post once: if the batch may have reached Slack already, find it there first.
        (ts, whether it was found there rather than posted now)."""
        key = key_of(batch[0])
        found = await self._posted_before(batch, channel, thread)
        if key in found:
            return found[key], True
        self._store.mark_sending([i.id or 0 for i in batch], at=self._clock.now())
        if thread:
            args = {**args, "thread_ts": thread}
        response = await self._caller.call(
            "chat.postMessage",
            priority=batch[0].priority if priority is None else priority,
            spent=spent,
            channel=channel,
            metadata=metadata(key),
            **args,
        )
        return str(response.get("ts")), False

    async def _posted_before(
        self, batch: list[OutboxItem], channel: str, thread: str | None
    ) -> dict[str, str]:
        """Key → ts of the outbox's messages in the channel (or thread), when some item of
        the batch was being sent when the process stopped; else nothing to look for."""
        if not any(i.sending_at for i in batch) or channel[:1] in ("U", "W"):
            return {}
        args: dict[str, Any] = {"channel": channel, "include_all_metadata": True, "limit": 200}
        try:
            if thread:
                response = await self._caller.call(
                    "conversations.replies", priority=URGENT, ts=thread, **args
                )
            else:
                response = await self._caller.call("conversations.history", priority=URGENT, **args)
        except SlackApiError as exc:  # cannot look: send (at least once beats never)
            log.warning("could not look for unsent messages in %s: %s", channel, refusal(exc))
            return {}
        found: dict[str, str] = {}
        for message in response.get("messages") or []:
            key = metadata_key(message)
            if key:
                found[key] = str(message.get("ts"))
        return found

    async def _status_card(self, head: OutboxItem, cards: list[OutboxItem]) -> None:
        m = self._store.get_migration(head.migration_id or "")
        if m is None:
            self._sent(cards, None)
            return
        if not m.card_ts:
            card = self._cards.status_card(m.migration_id)
            if card is None:
                self._sent(cards, None)
                return
            # its thread waits for it: it goes out as soon as a step reply would
            first = min(head.priority, STEP)
            ts, found = await self._post(
                cards, m.channel_id, m.thread_ts, _content(card, head), priority=first
            )
            self._store.set_card_ts(m.migration_id, ts)
            self._sent(self._carried(cards, found), ts)  # newer states follow as an update
            self._release_thread(m.migration_id)
            return
        # its final state is a milestone: at once, before the refreshes of moves in flight
        final = steps.is_terminal(m.current_step)
        now = self._clock.now().timestamp()
        last = self._last_card.get(head.lane)
        if not final and last is not None and now - last < self._card_interval:
            raise Wait(self._card_interval - (now - last))
        priority = min(head.priority, MILESTONE) if final else head.priority
        await self._caller.spend("chat.update", None, priority)
        cards = _leading(self._store.lane_items(head.lane), "card") or cards  # the newest
        card = self._cards.status_card(m.migration_id)
        if card is not None:
            args = _content(card, head)
            await self._caller.call(
                "chat.update",
                priority=head.priority,
                spent=True,
                channel=m.channel_id,
                ts=m.card_ts,
                **args,
            )
        self._last_card[head.lane] = self._clock.now().timestamp()
        self._sent(cards, m.card_ts)

    async def _approval_card(self, head: OutboxItem, cards: list[OutboxItem]) -> None:
        a = self._store.get_approval(head.approval_id or "")
        card = self._cards.approval_card(head.approval_id or "")
        if a is None or card is None:
            self._sent(cards, None)
            return
        args = _content(card, head)
        if a.message_ts:
            await self._caller.call(
                "chat.update", priority=head.priority, channel=a.channel_id, ts=a.message_ts, **args
            )
            self._sent(cards, a.message_ts)
            return
        m = self._store.get_migration(a.migration_id)
        thread = a.thread_ts or (m.thread_ts if m else None)
        if thread:
            args["reply_broadcast"] = True
        ts, found = await self._post(cards, a.channel_id, thread, args)
        self._store.set_approval_message(a.approval_id, ts, thread)
        self._sent(self._carried(cards, found), ts)  # newer states follow as an update

    async def _reply(self, items: list[OutboxItem]) -> None:
        """The thread's news in one message: it waits for the budget at the priority of
        its most urgent part, and what was queued meanwhile goes with it."""
        head = items[0]
        m = self._store.get_migration(head.migration_id or "")
        if m is None:
            self.give_up(head, "unknown migration")
            return
        card_pending = bool(self._store.lane_items(f"card:{m.migration_id}", limit=1))
        if not m.card_ts and card_pending:
            raise Wait(CARD_WAIT)  # the card goes first; only this thread waits
        priority = min(i.priority for i in reply_batch(items, fold=True))
        await self._caller.spend("chat.postMessage", m.channel_id, priority)
        items = self._store.lane_items(head.lane) or items
        batch = self._batch(items)
        text = "\n".join(str(i.payload.get("text", "")) for i in batch)
        thread = m.thread_ts
        if not thread:  # the card could not be posted: the news goes to the channel
            text = f"*{_escape(m.app_id)}* (move {m.short_id}): {text}"
        parts = split_text(text)
        ts = ""
        for n, part in enumerate(parts):
            piece = batch if n == 0 else [_part(head, n, batch)]
            args = {"text": part, "unfurl_links": False}
            if thread and any(i.kind == "broadcast" for i in batch):
                args["reply_broadcast"] = True
            ts, _ = await self._post(piece, m.channel_id, thread, args, spent=n == 0)
        self._sent(batch, ts)

    def _batch(self, items: list[OutboxItem]) -> list[OutboxItem]:
        """What goes in the next message of a thread. A post that may have reached Slack
        (the process stopped in the send window) is sent again as it was, with nothing
        more; a thread backed up for `fold_after` folds its milestones in."""
        if items[0].sending_at:
            return [i for i in reply_batch(items, fold=True) if i.sending_at]
        waited = (self._clock.now() - items[0].created_at).total_seconds()
        return reply_batch(items, fold=waited > self._fold_after)

    def give_up(self, head: OutboxItem, error: str) -> None:
        """Slack will never take it: drop it (and a card's queued copies), say so."""
        dropped = (
            _leading(self._store.lane_items(head.lane), "card") if head.kind == "card" else [head]
        )
        for item in dropped or [head]:
            self._store.drop(item.id or 0, error=error)
        if head.kind == "card" and head.migration_id and not head.approval_id:
            self._release_thread(head.migration_id)
        self.notify_requester(head, error)

    def _release_thread(self, migration_id: str) -> None:
        """The card is settled: its thread's replies need not wait any longer."""
        for waiting in self._store.lane_items(f"thread:{migration_id}", limit=1):
            self._store.postpone(waiting.id or 0, until=self._clock.now())

    def notify_requester(self, head: OutboxItem, error: str) -> None:
        """Tell the person who asked, privately and once per lane and error."""
        if head.channel_id[:1] in ("U", "W"):
            return
        requester, what = None, "a message"
        if head.approval_id and (a := self._store.get_approval(head.approval_id)):
            requester, what = a.requester, f"the request card for {_escape(a.app_id)}"
        elif head.migration_id and (m := self._store.get_migration(head.migration_id)):
            requester, what = m.requester, f"the card of the move of {_escape(m.app_id)}"
        if not requester:
            return
        text = refusal_notice(
            error, head.channel_id, what, self._bot_name or "Butterbase Migrations"
        )
        self._store.enqueue(
            OutboxItem(
                kind="message",
                channel_id=requester,
                priority=URGENT,
                payload={"text": text},
                dedupe_key=f"refused:{head.lane}:{error}",
                created_at=self._clock.now(),
            )
        )


def _leading(items: list[OutboxItem], kind: str) -> list[OutboxItem]:
    out: list[OutboxItem] = []
    for item in items:
        if item.kind != kind:
            break
        out.append(item)
    return out


def _part(head: OutboxItem, n: int, batch: list[OutboxItem]) -> OutboxItem:
    """A stand-in item for part `n` of a split reply: its own metadata key."""
    sending = any(i.sending_at for i in batch)
    return head.model_copy(
        update={
            "id": None,
            "dedupe_key": f"{key_of(head)}#{n}",
            "sending_at": head.sending_at if sending else None,
        }
    )
