"""Helpers for the approval tests: a completed move, requests, clicks, what people see,
and the Butterbase calls that matter (reverse, teardown)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any

from bot import ids
from bot.runtime import Runtime
from sandbox.server import ServerThread
from sandbox.slack import SlackDriver
from sandbox.slack.models import Message
from storage.records import Approval, TrackedMigration
from tests.e2e.harness import CHANNEL, REQUESTER, SIGNING_SECRET, World, wait_for


@dataclass(frozen=True)
class Move:
    migration_id: str
    card_ts: str

    @property
    def short(self) -> str:
        return self.migration_id[:8]


class ShiftClock:
    """The wall clock plus an offset the test moves forward (no sleeping)."""

    def __init__(self) -> None:
        self.offset = timedelta()

    def now(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, seconds: float) -> None:
        self.offset += timedelta(seconds=seconds)


def start_bot_with_clock(world: World, clock: ShiftClock) -> None:
    """`world.start_bot()`, but the bot reads time from `clock`."""
    world.runtime = Runtime(world.settings, clock=clock, **world.pacing())
    world.bot = ServerThread(world.runtime.web).start()
    world.driver = SlackDriver(
        world.ws, bot_url=world.bot.url, signing_secret=SIGNING_SECRET, api_base_url=world.slack.url
    )


def migration(world: World, migration_id: str) -> TrackedMigration:
    assert world.runtime is not None
    m = world.runtime.store.get_migration(migration_id)
    assert m is not None
    return m


def approvals_of(world: World, migration_id: str) -> list[Approval]:
    assert world.runtime is not None
    return world.runtime.store.approvals_for_migration(migration_id)


async def completed_move(world: World, app: str = "app-42", dest: str = "eu-west-1") -> Move:
    """`/migrate app dest` run to completion, its card in the channel."""
    before = {m.ts for m in world.cards()}
    result = await world.d.command(REQUESTER, CHANNEL, "/migrate", f"{app} {dest}")
    assert result.status == 200
    card = await wait_for(
        lambda: next((m for m in world.cards() if m.ts not in before), None), message="the card"
    )
    found = await wait_for(
        lambda: next((m for m in world.sim.migrations.values() if m.app_id == app), None),
        message="the migration",
    )

    def done() -> bool:
        assert world.runtime is not None
        m = world.runtime.store.get_migration(found.id)
        message = world.ws.find_message(CHANNEL, card.ts)
        return bool(m and m.current_step == "completed" and message and "Completed" in message.text)

    await wait_for(done, message="the move to complete")
    return Move(found.id, card.ts)


async def ask(world: World, user: str, command: str, text: str) -> str:
    """Run a command; the private reply it got (its text)."""
    before = len(world.ws.ephemerals(user))
    result = await world.d.command(user, CHANNEL, command, text)
    assert result.status == 200
    found = await wait_for(lambda: world.ws.ephemerals(user)[before:], message=f"{command} reply")
    return found[0].text


async def request(world: World, kind: str, move: Move, user: str = REQUESTER) -> Approval:
    """`/reverse app <id>` or `/teardown <id>`; the request once its card is posted."""
    text = f"app-42 {move.short}" if kind == "reverse" else move.short
    reply = await ask(world, user, f"/{kind}", text)
    assert reply.startswith("Asked for approval"), reply
    return await posted(world, move.migration_id, kind)


async def posted(world: World, migration_id: str, kind: str) -> Approval:
    def find() -> Approval | None:
        return next(
            (a for a in approvals_of(world, migration_id) if a.kind == kind and a.message_ts), None
        )

    return await wait_for(find, message=f"the {kind} request card")


def card(world: World, a: Approval) -> Message:
    assert a.message_ts is not None
    message = world.ws.find_message(CHANNEL, a.message_ts)
    assert message is not None
    return message


def buttons(message: Message) -> list[str]:
    return [
        e.get("action_id", "")
        for b in message.blocks
        if b.get("type") == "actions"
        for e in b.get("elements", [])
    ]


async def click(world: World, user: str, a: Approval, action_id: str = ids.APPROVE) -> str:
    """Click on the request card; the private answer `user` got."""
    before = len(world.ws.ephemerals(user))
    assert a.message_ts is not None
    result = await world.d.click(
        user, CHANNEL, a.message_ts, action_id, force=True, value=a.approval_id
    )
    assert result.status == 200
    found = await wait_for(lambda: world.ws.ephemerals(user)[before:], message="the answer")
    return found[0].text


def reverse_calls(world: World) -> list[dict[str, Any]]:
    return [
        r for r in world.sim.requests if r["method"] == "POST" and r["path"].endswith("/reverse")
    ]


def deletes(world: World) -> list[dict[str, Any]]:
    return [r for r in world.sim.requests if r["method"] == "DELETE"]


async def status_of(world: World, approval_id: str, *statuses: str) -> Approval:
    assert world.runtime is not None
    store = world.runtime.store

    def reached() -> Approval | None:
        a = store.get_approval(approval_id)
        return a if a is not None and a.status in statuses else None

    return await wait_for(reached, message=f"request {statuses}")


async def shows(world: World, ts: str, text: str, *, timeout: float = 10.0) -> Message:
    """Wait until the message `ts` contains `text`."""

    def has() -> Message | None:
        message = world.ws.find_message(CHANNEL, ts)
        return message if message is not None and text in message.text else None

    return await wait_for(has, timeout=timeout, message=f"{text!r} on {ts}")


def thread_lines(world: World, card_ts: str) -> list[str]:
    """Every line of the thread's replies (the outbox may send queued replies as one)."""
    return [line for t in world.thread_texts(card_ts) for line in t.splitlines()]


async def request_by_button(
    world: World,
    user: str,
    ts: str,
    action_id: str,
    *,
    value: str | None = None,
    reason: str = "",
    ephemeral: bool = False,
) -> str:
    """Click "Request reverse/teardown", give `reason` in the modal; the private answer."""
    before = len(world.ws.ephemerals(user))
    opened = len(world.ws.open_views(user))
    extra: dict[str, Any] = {"value": value, "force": True} if value else {}
    result = await world.d.click(user, CHANNEL, ts, action_id, ephemeral=ephemeral, **extra)
    assert result.status == 200
    views = await wait_for(lambda: world.ws.open_views(user)[opened:], message="the reason modal")
    modal = views[0]
    assert modal.callback_id == ids.REQUEST_REASON_VIEW
    values = {ids.REQUEST_REASON_BLOCK: {ids.REQUEST_REASON_INPUT: reason}}
    submitted = await world.d.submit_view(user, modal.id, values)
    assert submitted.status == 200 and not modal.is_open
    found = await wait_for(lambda: world.ws.ephemerals(user)[before:], message="the answer")
    return found[0].text
