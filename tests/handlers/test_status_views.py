"""`/migration-status`'s answers built by its handler functions, against the simulator in
process: Butterbase's trouble explained, and the views of tracked and untracked moves."""

from __future__ import annotations

import pytest

from bot import ids
from bot.errors import Unavailable
from handlers.commands.migrate import start_move
from handlers.commands.status import app_status, migration_status, overview
from tests.handlers.conftest import Bot


def button_values(reply: dict[str, object]) -> dict[str, str]:
    blocks = reply.get("blocks") or []
    assert isinstance(blocks, list)
    return {
        e["action_id"]: e["value"]
        for b in blocks
        if b.get("type") == "actions"
        for e in b["elements"]
    }


async def test_the_overview_says_when_the_replicas_could_not_be_listed(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    async def down() -> list[object]:
        raise Unavailable("Butterbase did not answer.", route="replicas", status=503)

    monkeypatch.setattr(bot.runtime.butterbase, "source_replicas", down)
    reply = await overview(bot.runtime.deps, "C1")
    assert reply["text"] == "Nothing running in this channel."
    assert (
        "Butterbase is not answering right now, so I couldn't list the replicas. "
        "Nothing was done; try again in a minute."
    ) in str(reply["blocks"])
    assert button_values(reply) == {ids.SHARE_STATUS: "overview"}


async def test_an_app_status_explains_an_outage(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    async def down(app_id: str) -> None:
        raise Unavailable("Butterbase did not answer.", route="active", status=502)

    monkeypatch.setattr(bot.runtime.butterbase, "active", down)
    reply = await app_status(bot.runtime.deps, "app-42", "C1")
    assert reply == {
        "text": "Butterbase is not answering right now, so I couldn't read the running move of "
        "app-42. Nothing was done; try again in a minute."
    }


async def test_tracked_and_untracked_moves_get_their_buttons(bot: Bot) -> None:
    deps = bot.runtime.deps
    bot.sim.stall_step("app-42", "requested")
    assert (
        await start_move(deps, app_id="app-42", region="eu-west-1", user="U", channel="C1") is None
    )
    mid = bot.runtime.store.migrations_for_app("app-42")[0].migration_id
    mine = await app_status(deps, "app-42", "C1")
    assert button_values(mine) == {ids.SHARE_STATUS: mid}

    outside = bot.sim.start_move_as("user-dashboard", "blog", "eu-west-1")
    theirs = await migration_status(deps, "blog", outside.id, "C1")
    value = f"blog|{outside.id}"
    assert button_values(theirs) == {
        ids.ABORT: value,
        ids.REFRESH: value,
        ids.FOLLOW: value,
        ids.SHARE_STATUS: value,
    }
    assert bot.runtime.store.get_migration(outside.id) is None  # showing is not following
    hidden = await app_status(deps, "blog", "C1")  # the active route hides others' moves
    assert hidden == {"text": "No move of blog is running and the bot knows of none."}
