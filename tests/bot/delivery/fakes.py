"""A small in-memory Slack Web API for outbox tests: it stores what is posted (with its
metadata), answers `conversations.history` / `conversations.replies`, and refuses or
throttles on demand. `kill_after_store` makes one post be stored and then never
answered, as a process killed in the send window sees it."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_slack_response import AsyncSlackResponse

from bot.clock import FakeClock
from bot.delivery import Outbox
from bot.render import Message
from storage.store import Store
from tests.storage.factories import migration

Refuse = Callable[[str, dict[str, Any]], tuple[int, str] | None]


class Killed(BaseException):
    """The process died: nothing after this point of the outbox ran."""


@dataclass
class Posted:
    channel: str
    ts: str
    text: str
    blocks: list[Any] | None
    thread_ts: str | None
    metadata: dict[str, Any] | None


@dataclass
class FakeSlack:
    refuse: Refuse = lambda method, args: None
    calls: list[tuple[str, dict[str, Any]]] = field(default_factory=list)
    posted: list[Posted] = field(default_factory=list)
    updates: list[dict[str, Any]] = field(default_factory=list)
    kill_after_store: bool = False
    kill_at_post: int | None = None  # kill after storing the post with this index
    _ts: itertools.count[int] = field(default_factory=lambda: itertools.count(1))

    def _response(
        self, status: int, data: dict[str, Any], headers: dict[str, str]
    ) -> AsyncSlackResponse:
        return AsyncSlackResponse(
            client=None,  # type: ignore[arg-type]
            http_verb="POST",
            api_url="https://slack.test/api/",
            req_args={},
            data=data,
            headers=headers,
            status_code=status,
        )

    async def api_call(self, method: str, *, json: dict[str, Any]) -> AsyncSlackResponse:
        self.calls.append((method, json))
        refused = self.refuse(method, json)
        if refused is not None:
            status, error = refused
            headers = {"Retry-After": "30"} if status == 429 else {}
            raise SlackApiError(
                error, self._response(status, {"ok": False, "error": error}, headers)
            )
        if method == "chat.postMessage":
            ts = f"{next(self._ts)}.000100"
            self.posted.append(
                Posted(
                    json["channel"],
                    ts,
                    json.get("text", ""),
                    json.get("blocks"),
                    json.get("thread_ts"),
                    json.get("metadata"),
                )
            )
            if self.kill_after_store or self.kill_at_post == len(self.posted) - 1:
                self.kill_after_store, self.kill_at_post = False, None
                raise Killed
            return self._response(200, {"ok": True, "ts": ts}, {})
        if method == "chat.update":
            self.updates.append(json)
            return self._response(200, {"ok": True, "ts": json["ts"]}, {})
        if method in ("conversations.history", "conversations.replies"):
            found = [
                {"ts": p.ts, "text": p.text, "metadata": p.metadata}
                for p in self.posted
                if p.channel == json["channel"]
                and (method == "conversations.history" or json["ts"] in (p.ts, p.thread_ts))
            ]
            return self._response(200, {"ok": True, "messages": found}, {})
        if method == "auth.test":
            return self._response(200, {"ok": True, "user": "bbbot"}, {})
        return self._response(200, {"ok": True}, {})

    def of(self, method: str) -> list[dict[str, Any]]:
        return [args for m, args in self.calls if m == method]


class Cards:
    """Renders a card from the migration's app id; the `broken` ones raise."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self.broken: set[str] = set()

    def status_card(self, migration_id: str) -> Message | None:
        if migration_id in self.broken:
            raise RuntimeError("render bug")
        m = self.store.get_migration(migration_id)
        return Message(text=f"{m.app_id} card" if m else "?", blocks=[{"type": "divider"}])

    def approval_card(self, approval_id: str) -> Message | None:
        return Message(text="request", blocks=[{"type": "divider"}])


def mid(n: int) -> str:
    return f"3f2a9c1e-0000-4000-8000-{n:012d}"


def add_move(store: Store, n: int, channel: str = "C1", app: str | None = None) -> str:
    store.apply(migration=migration(mid(n), app_id=app or f"app-{n}", channel_id=channel))
    return mid(n)


def outbox(store: Store, slack: FakeSlack, clock: FakeClock, cards: Cards | None = None) -> Outbox:
    return Outbox(
        store=store,
        slack=slack,  # type: ignore[arg-type]
        clock=clock,
        cards=cards or Cards(store),
        post_interval=0.0,
        card_interval=0.0,
    )
