"""Helpers for the command tests: what one person sees privately, moves held at a step,
and the steps a thread reported as done."""

from __future__ import annotations

import re
from typing import Any

from bot import steps
from sandbox.slack.models import Ephemeral
from storage.records import TrackedMigration
from tests.e2e.harness import CHANNEL, REQUESTER, World, wait_for

_DONE_LINE = re.compile(
    r":white_check_mark: (?:.*? · )?(?:While the bot was offline: )?(.*) done · "
)
_TOOK = re.compile(r" \(\d[\dhms ]*\)$")
_LABELS = {info.label: name for name, info in steps.STEPS.items()}


async def private_reply(
    world: World, user: str, command: str, text: str = "", *, channel: str = CHANNEL
) -> Ephemeral:
    """Run a command; the new private message it got (the ack's or a later one)."""
    before = len(world.ws.ephemerals(user))
    result = await world.d.command(user, channel, command, text)
    assert result.status == 200, result
    found = await wait_for(
        lambda: world.ws.ephemerals(user)[before:], message=f"a private reply to {command}"
    )
    return found[0]


async def click_private(
    world: World, user: str, message: Ephemeral, action_id: str, *, channel: str = CHANNEL
) -> Ephemeral:
    """Click a button in a private message; the message once the bot answered."""
    versions = len(message.versions)
    before = len(world.ws.ephemerals(user))
    result = await world.d.click(user, channel, message.message_ts, action_id, ephemeral=True)
    assert result.status == 200, result

    def answered() -> list[Ephemeral]:
        if len(message.versions) > versions:
            return [message]
        return world.ws.ephemerals(user)[before:]

    found = await wait_for(answered, message=f"the answer to a click on {action_id}")
    return found[0]


async def click_card(
    world: World, user: str, card_ts: str, action_id: str, **kwargs: Any
) -> Ephemeral:
    """Click a button of a channel message; the private answer it got."""
    before = len(world.ws.ephemerals(user))
    result = await world.d.click(user, CHANNEL, card_ts, action_id, **kwargs)
    assert result.status == 200, result
    found = await wait_for(
        lambda: world.ws.ephemerals(user)[before:], message=f"the answer to {action_id}"
    )
    return found[0]


def tracked(world: World, migration_id: str) -> TrackedMigration:
    assert world.runtime is not None
    m = world.runtime.store.get_migration(migration_id)
    assert m is not None
    return m


async def start_move(
    world: World, app_id: str, region: str, *, hold_at: str | None = None
) -> tuple[str, str]:
    """`/migrate` by the requester; (card ts, migration id) once the bot tracks it at
    `hold_at` (where the simulator holds it) or at any step."""
    if hold_at is not None:
        world.sim.stall_step(app_id, hold_at)
    await world.d.command(REQUESTER, CHANNEL, "/migrate", f"{app_id} {region}")
    assert world.runtime is not None
    store = world.runtime.store
    found = await wait_for(
        lambda: store.migrations_for_app(app_id, limit=1),
        message=f"the move of {app_id} in the store",
    )
    mid = found[0].migration_id
    card: str = await wait_for(lambda: tracked(world, mid).card_ts or "", message="the card")
    if hold_at is not None:
        await wait_at(world, mid, hold_at)
    return card, mid


async def wait_at(world: World, migration_id: str, step: str) -> None:
    """Until the bot has seen the migration at `step` and its card says so."""
    label = steps.label(step)

    def seen() -> bool:
        m = tracked(world, migration_id)
        card = world.ws.find_message(CHANNEL, m.card_ts) if m.card_ts else None
        return m.current_step == step and card is not None and label.split(" (")[0] in card.text

    await wait_for(seen, message=f"the bot to see {migration_id[:8]} at {step}")


def done_steps(texts: list[str]) -> list[str]:
    """The step names the thread reported as done, in order, once per mention."""
    found: list[str] = []
    for text in texts:
        for line in text.splitlines():
            match = _DONE_LINE.match(line)
            if not match:
                continue
            for part in match.group(1).split(", "):
                label = _TOOK.sub("", part.strip())
                found.append(_LABELS.get(label, label))
    return found


_LAST_SEEN = re.compile(r":octagonal_sign: (?:.*? · )?last seen at (.*?); it stopped there")


def last_seen_steps(texts: list[str]) -> list[str]:
    """The steps a thread named as where a move was last seen before it ended unseen."""
    found: list[str] = []
    for text in texts:
        for line in text.splitlines():
            match = _LAST_SEEN.match(line)
            if match:
                for part in match.group(1).split(", "):
                    label = _TOOK.sub("", part.strip())
                    found.append(_LABELS.get(label, label))
    return found


def buttons(blocks: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    """The buttons of a message by action_id."""
    return {
        e["action_id"]: e
        for b in blocks
        if b.get("type") == "actions"
        for e in b.get("elements", [])
    }
