"""Helpers for the fault suite: a bot whose Butterbase traffic passes through a
fault-injecting httpx transport, moves held at a step, and what a thread reported.

`FaultTransport` is the client's own injection point (`Runtime(butterbase_transport=)`):
it shortens the read timeout (a hanging Butterbase is given up on in a fraction of a
second instead of 10 s), can turn Butterbase's `Retry-After: 5` into a shorter one, and
can reshape the status object, so each fault plays out in a few seconds.
"""

from __future__ import annotations

import json
import logging
import re
from collections import Counter
from collections.abc import Callable
from typing import Any, TypeVar

import httpx
import pytest

from bot import steps
from bot.runtime import Runtime
from sandbox.server import ServerThread
from sandbox.slack import SlackDriver
from storage.records import TrackedMigration
from tests.e2e.harness import CHANNEL, REQUESTER, SIGNING_SECRET, World, wait_for

Reshape = Callable[[dict[str, Any]], dict[str, Any]]
T = TypeVar("T")
STATUS_PATH = re.compile(r"^/v1/apps/[^/]+/migrations/[0-9a-f-]{36}$")
_LINE = re.compile(
    r"^(?::white_check_mark: )?\S+ · (?:While the bot was offline: )?(?:(?P<done>.+?) done · )?"
    r"(?:now (?P<now>.+?)(?: \(step \d+ of \d+\))?|(?P<end>Completed|Aborted|Failed \(needs manual review\)))$"
)
_TOOK = re.compile(r" \(\d[\dhms ]*\)$")
_STEP_OF = {info.label: name for name, info in steps.STEPS.items()}
OUTAGE = "Butterbase is not answering"
RECOVERED = "Butterbase is answering again"


class FaultTransport(httpx.AsyncBaseTransport):
    """The real transport, with the faults a test turns on."""

    def __init__(self, *, read_timeout: float = 0.3) -> None:
        self._inner = httpx.AsyncHTTPTransport()
        self.read_timeout = read_timeout
        self.retry_after: str | None = None  # replaces any Retry-After Butterbase sends
        self.reshape: Reshape | None = None  # applied to every status object

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        timeout = dict(request.extensions.get("timeout", {}))
        timeout["read"] = self.read_timeout
        request.extensions["timeout"] = timeout
        response = await self._inner.handle_async_request(request)
        reshape = self.reshape
        retry_after = self.retry_after
        if "retry-after" in response.headers and retry_after is not None:
            response.headers["Retry-After"] = retry_after
        if reshape is None or response.status_code != 200:
            return response
        if not STATUS_PATH.match(request.url.path):
            return response
        body = json.loads(await response.aread())
        headers = {k: v for k, v in response.headers.items() if k.lower() != "content-length"}
        return httpx.Response(200, headers=headers, json=reshape(body))

    async def aclose(self) -> None:
        await self._inner.aclose()


async def until(predicate: Callable[[], T | None], *, timeout: float = 15.0, message: str) -> T:
    """`wait_for` for a predicate that answers None until it holds."""
    value = await wait_for(predicate, timeout=timeout, message=message)
    assert value is not None
    return value


def start_bot(world: World, transport: httpx.AsyncBaseTransport | None = None) -> Runtime:
    """`world.start_bot()`, with the Butterbase client going through `transport`."""
    world.runtime = Runtime(world.settings, butterbase_transport=transport, **world.pacing())
    world.bot = ServerThread(world.runtime.web).start()
    world.driver = SlackDriver(
        world.ws, bot_url=world.bot.url, signing_secret=SIGNING_SECRET, api_base_url=world.slack.url
    )
    return world.runtime


def tracked(world: World, migration_id: str) -> TrackedMigration:
    assert world.runtime is not None
    m = world.runtime.store.get_migration(migration_id)
    assert m is not None
    return m


async def start_move(world: World, app_id: str, region: str, *, hold_at: str) -> tuple[str, str]:
    """`/migrate` held at `hold_at`: (card ts, migration id) once the thread says it is there."""
    world.sim.stall_step(app_id, hold_at)
    result = await world.d.command(REQUESTER, CHANNEL, "/migrate", f"{app_id} {region}")
    assert result.status == 200, result
    mid = await until(
        lambda: next((m.id for m in world.sim.migrations.values() if m.app_id == app_id), None),
        message=f"the move of {app_id}",
    )
    assert world.runtime is not None
    store = world.runtime.store
    card = await until(
        lambda: m.card_ts if (m := store.get_migration(mid)) is not None else None,
        message="the card",
    )
    await says(world, card, f"now {steps.label(hold_at)}")
    return card, mid


async def says(world: World, card_ts: str, text: str, *, timeout: float = 15.0) -> list[str]:
    """Until a reply in the thread contains `text`; the thread then."""

    def found() -> list[str] | None:
        texts = world.thread_texts(card_ts)
        return texts if any(text in t for t in texts) else None

    return await until(found, timeout=timeout, message=f"{text!r} in the thread")


async def finished(
    world: World, card_ts: str, *, timeout: float = 20.0, channel: str = CHANNEL
) -> list[str]:
    """Until the summary is in the thread and the card says Completed; the thread."""

    def done() -> list[str] | None:
        card = world.ws.find_message(channel, card_ts)
        texts = world.thread_texts(card_ts, channel)
        ended = card is not None and card.text.endswith("· Completed")
        return texts if ended and any("Summary · " in t for t in texts) else None

    return await until(done, timeout=timeout, message="the summary and a Completed card")


async def settled(world: World) -> None:
    """Until the bot has sent (and recorded as sent) everything it queued."""
    assert world.runtime is not None
    store, clock = world.runtime.store, world.runtime.clock
    await wait_for(lambda: store.outbox_stats(clock.now())[0] == 0, message="an empty outbox")


def reported(texts: list[str]) -> tuple[Counter[str], Counter[str]]:
    """(how often each step was reported done, how often as the step now running)."""
    done: Counter[str] = Counter()
    now: Counter[str] = Counter()
    for text in texts:
        for line in text.splitlines():
            match = _LINE.match(line.strip())
            if match is None:
                continue
            for part in (match["done"] or "").split(", "):
                if part:
                    done[_step(_TOOK.sub("", part.strip()))] += 1
            if match["now"] or match["end"]:
                now[_step(match["now"] or match["end"])] += 1
    return done, now


def _step(label: str) -> str:
    return _STEP_OF.get(label, label.lower().replace(" ", "_"))


def assert_each_step_once(
    texts: list[str], path: tuple[str, ...] = steps.HAPPY_PATH, *, note: str = ""
) -> None:
    """Every step of `path` reported done exactly once (the last: reached once), none
    named as running twice, and no step reported that is not on `path`."""
    done, now = reported(texts)
    *before, last = path
    assert {s: done[s] for s in before} == dict.fromkeys(before, 1), (note, done, texts)
    assert now[last] == 1 and done[last] == 0, (note, now, texts)
    assert max(now.values()) == 1, (note, now, texts)
    assert set(done) | set(now) <= set(path), (note, done, now, texts)


def count(texts: list[str], text: str) -> int:
    return sum(text in t for t in texts)


def errors(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Records at ERROR or above: tracebacks the bot logged."""
    return [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR]
