"""Answers the bot did not expect: a tracked migration deleted on the Butterbase side
(404), a step the bot has never heard of, and status objects with extra and missing
fields. Each is reported (or read as well as it can be), never a crash."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from bot import steps
from tests.e2e.harness import CHANNEL, close_world, make_world, wait_for
from tests.faults.support import (
    FaultTransport,
    assert_each_step_once,
    count,
    errors,
    finished,
    reported,
    says,
    start_bot,
    start_move,
    tracked,
)

GONE = "Butterbase no longer knows move"


async def test_migration_deleted_on_butterbase(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(tmp_path)
    try:
        card, mid = await start_move(world, "app-42", "eu-west-1", hold_at="dumping_data")
        with world.sim.lock:
            del world.sim.migrations[mid]
            world.sim.by_app["app-42"].remove(mid)
        await says(world, card, GONE)
        await wait_for(lambda: not tracked(world, mid).polling, message="polling to stop")

        def reads() -> int:
            return sum(r["path"].endswith(mid) for r in world.sim.requests)

        before = reads()
        await asyncio.sleep(1.0)  # ten poll intervals
        after = reads()
        thread = world.thread_texts(card)
        m = tracked(world, mid)
    finally:
        await close_world(world)
    assert after == before  # no more status reads
    assert count(thread, GONE) == 1
    assert m.not_found and not m.polling
    assert errors(caplog) == []


async def test_a_step_the_bot_never_heard_of(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(tmp_path)
    try:
        card, mid = await start_move(world, "app-42", "eu-west-1", hold_at="dumping_data")
        with world.sim.lock:  # a newer Butterbase warms caches before copying blobs
            world.sim.config.step_durations["warming_caches"] = 200  # 0.4 s at this scale
            m = world.sim.migrations[mid]
            i = m.steps.index("copying_blobs")
            m.steps = (*m.steps[:i], "warming_caches", *m.steps[i:])
            world.sim.unstall("app-42")
        thread = await finished(world, card)
        final = world.ws.find_message(CHANNEL, card)
    finally:
        await close_world(world)
    path = list(steps.HAPPY_PATH)
    path.insert(path.index("copying_blobs"), "warming_caches")
    assert_each_step_once(thread, tuple(path))
    assert any("now Warming caches" in t for t in thread)
    # the card ends finished (one line); while the step ran, cards are refreshed to their
    # newest state only, so a 0.4 s step may never be on one (tests/bot/render covers it)
    assert final is not None and "Completed" in final.text
    assert errors(caplog) == []


def odd(body: dict[str, Any]) -> dict[str, Any]:
    """Fields added and fields left out (all but the id and the step)."""
    kept = {k: body[k] for k in ("migration_id", "current_step", "step_started_at")}
    return kept | {"eta_seconds": 42, "phase": {"name": "copy", "parts": [1, None]}, "x": None}


def no_step(body: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in body.items() if k not in ("current_step", "step_started_at")}


@pytest.mark.parametrize("reshape", [odd, no_step], ids=["extra-and-missing", "no-step"])
async def test_status_with_extra_and_missing_fields(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, reshape: Any
) -> None:
    world = make_world(tmp_path, start=False)
    transport = FaultTransport(read_timeout=5)
    start_bot(world, transport)
    try:
        card, mid = await start_move(world, "app-42", "eu-west-1", hold_at="dumping_data")
        transport.reshape = reshape
        with world.sim.lock:
            world.sim.unstall("app-42")
            world.sim.stall_step("app-42", "copying_runtime")
        await wait_for(
            lambda: world.sim.migrations[mid].current_step == "copying_runtime",
            message="the move to go on",
        )
        await asyncio.sleep(0.5)  # some polls see the odd answers
        transport.reshape = None
        world.sim.unstall("app-42")
        thread = await finished(world, card)
    finally:
        await close_world(world)
    assert_each_step_once(thread)  # no step invented, missed or told twice
    done, now = reported(thread)
    assert "requested" not in now  # a missing step is not "back to Requested"
    assert errors(caplog) == []
