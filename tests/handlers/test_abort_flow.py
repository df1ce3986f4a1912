"""Aborting through bot/aborting.py against the simulator (in process, manual clock):
the server is asked only when the rules allow, once per double tap, and writes left
paused are reported exactly once whoever sees the abort first."""

from __future__ import annotations

import asyncio
import re
from typing import Any

import pytest

from bot import aborting
from handlers.commands.abort import prompt
from handlers.commands.migrate import start_move
from tests.handlers.conftest import Bot


async def moving(bot: Bot, step: str) -> str:
    """A move of app-42 started through the bot and held at `step`, as the bot saw it."""
    bot.sim.stall_step("app-42", step)
    deps = bot.runtime.deps
    assert (
        await start_move(deps, app_id="app-42", region="eu-west-1", user="U_REQ", channel="C1")
        is None
    )
    mid = bot.runtime.store.migrations_for_app("app-42")[0].migration_id
    bot.run_until(mid, step)
    await bot.runtime.tracker.poll_all()
    return mid


async def abort(bot: Bot, mid: str, user: str = "U_OTHER") -> str:
    return await aborting.abort(
        bot.runtime.deps, app_id="app-42", migration_id=mid, user=user, channel="C1"
    )


def paused_reports(bot: Bot, mid: str) -> list[str]:
    # said once: in the abort's own broadcast when the tracker saw the end and the app
    # together, else by the tracker's check of the app ("Writes STILL PAUSED")
    return [t for t in bot.replies(mid) if "writes still paused" in t.lower()]


async def test_the_abort_handler_seeing_it_first_reports_paused_writes_once(bot: Bot) -> None:
    mid = await moving(bot, "copying_blobs")
    answer = await abort(bot, mid)
    assert re.fullmatch(
        rf"Aborted the move of app-42 \(`{mid[:8]}`\) at \d\d:\d\d UTC\. The card and its "
        r"thread show what follows\.",
        answer,
    )
    assert len(paused_reports(bot, mid)) == 1
    for _ in range(3):
        await bot.runtime.tracker.poll_all()
    assert len(paused_reports(bot, mid)) == 1
    assert "<!subteam^S_ONCALL>" in paused_reports(bot, mid)[0]
    assert bot.runtime.store.get_migration(mid).writes_paused_after_abort  # type: ignore[union-attr]


async def test_the_tracker_seeing_it_first_reports_paused_writes_once(bot: Bot) -> None:
    mid = await moving(bot, "restoring_data")
    tracker = bot.runtime.tracker
    # the scheduler's round and the click race; whichever reads first, one report
    results = await asyncio.gather(tracker.poll_all(), abort(bot, mid), tracker.poll_all())
    assert results[1].startswith("Aborted the move of app-42")
    for _ in range(3):
        await tracker.poll_all()
    assert len(paused_reports(bot, mid)) == 1
    assert bot.requests("/abort") == [f"/v1/apps/app-42/migrations/{mid}/abort"]


async def test_an_abort_before_writes_are_paused_reports_nothing_more(bot: Bot) -> None:
    mid = await moving(bot, "reserving_dest")
    await abort(bot, mid, user="U_REQ")
    for _ in range(2):
        await bot.runtime.tracker.poll_all()
    replies = bot.replies(mid)
    assert paused_reports(bot, mid) == []
    assert any("<@U_REQ> aborted the move at" in t for t in replies)
    m = bot.runtime.store.get_migration(mid)
    assert m is not None and m.current_step == "aborted" and not m.polling
    assert [e.action for e in bot.runtime.store.audit_log(migration_id=mid)].count(
        "abort.done"
    ) == 1


async def test_a_double_tap_aborts_once(bot: Bot, monkeypatch: pytest.MonkeyPatch) -> None:
    mid = await moving(bot, "dumping_data")
    client = bot.runtime.butterbase
    read = client.status
    both_read = asyncio.Barrier(2)
    waited: list[int] = []

    async def status_in_step(*args: Any) -> Any:  # both clicks read before either aborts
        result = await read(*args)
        waited.append(1)
        if len(waited) <= 2:
            await both_read.wait()
        return result

    monkeypatch.setattr(client, "status", status_in_step)
    first, second = await asyncio.gather(abort(bot, mid), abort(bot, mid))
    answers = sorted([first, second])
    assert answers[0].startswith("Aborted the move")
    assert answers[1] == (
        f"An abort of `{mid[:8]}` was asked for moments ago; its card shows the outcome. "
        "Nothing more was done."
    )
    assert len(bot.requests("/abort")) == 1


async def test_the_rules_are_applied_before_the_server_is_asked(bot: Bot) -> None:
    mid = await moving(bot, "setting_up_reverse_replication")
    deps = bot.runtime.deps
    reply = await prompt(deps, app_id="app-42", ref=mid[:8])
    assert "is past cutover" in reply["text"] and "blocks" not in reply
    assert (await abort(bot, mid)).startswith(f"The move of app-42 (`{mid[:8]}`) is past cutover")
    # a forged value naming another app is refused without a request
    wrong = await aborting.abort(deps, app_id="blog", migration_id=mid, user="U_X", channel="C1")
    assert wrong == f"Move `{mid[:8]}` belongs to app-42, not blog. Nothing was done."
    assert bot.requests("/abort") == []
    refused = [
        e for e in bot.runtime.store.audit_log(migration_id=mid) if e.action == "abort.refused"
    ]
    assert [e.actor for e in refused] == ["U_OTHER", "U_X"]


async def test_the_confirmation_of_an_untracked_move_names_its_app(bot: Bot) -> None:
    outside = bot.sim.start_move_as("user-bot", "blog", "eu-west-1")  # the bot's key, not tracked
    reply = await prompt(bot.runtime.deps, app_id="blog", ref=None)
    assert reply["text"].startswith(f"Abort the move of blog ({outside.id[:8]}, now Requested)?")
    button = reply["blocks"][1]["elements"][0]
    assert button["value"] == f"blog|{outside.id}"
    answer = await aborting.abort(
        bot.runtime.deps, app_id="blog", migration_id=outside.id, user="U_REQ", channel="C1"
    )
    assert answer.startswith("Aborted the move of blog")
    adopted = bot.runtime.store.get_migration(outside.id)
    assert adopted is not None and adopted.adopted and adopted.channel_id == "C1"
    assert adopted.current_step == "aborted"
