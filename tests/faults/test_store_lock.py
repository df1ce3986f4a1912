"""The store file locked by another writer (a second connection holding `BEGIN
EXCLUSIVE` for 2.5 s) while a move's steps change: the bot waits for the lock (its
busy timeout is 5 s) and loses no change: every step is reported once, after the lock
is released; nothing is logged as an error."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from pathlib import Path

import pytest

from tests.e2e.harness import close_world, make_world, wait_for
from tests.faults.support import assert_each_step_once, errors, finished, start_move

HOLD = 2.5


async def test_store_locked_while_steps_change(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    world = make_world(tmp_path)
    other = sqlite3.connect(world.db, timeout=1, isolation_level=None)
    try:
        card, mid = await start_move(world, "app-42", "eu-west-1", hold_at="dumping_data")
        other.execute("BEGIN EXCLUSIVE")
        locked = time.monotonic()
        with world.sim.lock:  # the move goes on while the file is locked
            world.sim.unstall("app-42")
            world.sim.stall_step("app-42", "copying_runtime")
        await wait_for(
            lambda: world.sim.migrations[mid].current_step == "copying_runtime",
            message="the move to reach copying_runtime",
        )
        await asyncio.sleep(max(0.0, HOLD - (time.monotonic() - locked)))
        during = world.thread_texts(card)
        other.execute("ROLLBACK")
        released = time.time()
        world.sim.unstall("app-42")
        thread = await finished(world, card)
        replies = world.ws.thread("C_MIGRATIONS", card)
    finally:
        other.close()
        await close_world(world)

    assert not any("Restoring data" in t for t in during)  # nothing written while locked
    resumed = next(m for m in replies if "Restoring data" in m.text)
    assert float(resumed.ts) >= released - 0.05  # ... the change waited for the lock
    assert_each_step_once(thread)
    assert errors(caplog) == []
