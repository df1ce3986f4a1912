"""Butterbase unreachable for a while in the middle of two moves: connection refused (the
server stopped, then started again on the same port), requests that hang, a proxy's
502 HTML page, and 503 with Retry-After. Each thread gets exactly one outage notice and
one recovery notice, in that order; tracking resumes; the steps passed meanwhile are
reported after it, and every step of the move exactly once; nothing is logged as an
error."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import pytest

from sandbox.butterbase import SimulatorServer
from tests.e2e.harness import World, close_world, make_world
from tests.faults.support import (
    OUTAGE,
    RECOVERED,
    FaultTransport,
    assert_each_step_once,
    count,
    errors,
    finished,
    says,
    start_bot,
    start_move,
)

MOVES = (("app-42", "eu-west-1"), ("shop-eu", "us-east-1"))


class TimedRequests(list):  # type: ignore[type-arg]
    """`sim.requests`, each entry stamped with when it arrived."""

    def append(self, entry: dict[str, Any]) -> None:
        entry["at"] = time.monotonic()
        super().append(entry)


class Outage:
    """One way of making Butterbase unreachable, started and ended on demand."""

    def __init__(self, world: World, mode: str) -> None:
        self.world = world
        self.mode = mode
        self.port = int(world.sim_server.url.rsplit(":", 1)[1])
        self.down = False

    def begin(self) -> None:
        self.down = True
        if self.mode == "refused":
            self.world.sim_server.stop()
        else:
            self.world.sim.outage(120, self.mode)  # type: ignore[arg-type]

    def end(self) -> None:
        if not self.down:
            return
        self.down = False
        if self.mode == "refused":  # the same simulator, on the same port
            self.world.sim_server = SimulatorServer(self.world.sim, port=self.port).start()
        else:
            self.world.sim.end_outage()


@pytest.mark.parametrize("mode", ["refused", "hang", "502_html", "503"])
async def test_butterbase_down_during_moves(
    tmp_path: Path, caplog: pytest.LogCaptureFixture, mode: str
) -> None:
    world = make_world(tmp_path, start=False)
    world.sim.requests = TimedRequests()
    transport = FaultTransport(read_timeout=0.3)  # "hang": given up on after 0.3 s
    transport.retry_after = "1"  # the simulator's 503 asks for 5 s: 1 s keeps this short
    start_bot(world, transport)
    outage = Outage(world, mode)
    try:
        cards = [
            (await start_move(world, app, dest, hold_at="dumping_data"))[0] for app, dest in MOVES
        ]
        outage.begin()
        with world.sim.lock:  # the moves go on meanwhile, up to the runtime copy
            for app, _ in MOVES:
                world.sim.unstall(app)
                world.sim.stall_step(app, "copying_runtime")
        for card in cards:
            await says(world, card, OUTAGE)
        outage.end()
        for card in cards:
            await says(world, card, RECOVERED)
            await says(world, card, "now Copying the runtime")
        for app, _ in MOVES:
            world.sim.unstall(app)
        threads = [await finished(world, card) for card in cards]
    finally:
        outage.end()
        await close_world(world)

    for thread in threads:
        assert count(thread, OUTAGE) == 1, thread
        assert count(thread, RECOVERED) == 1, thread
        down = next(i for i, t in enumerate(thread) if OUTAGE in t)
        back = next(i for i, t in enumerate(thread) if RECOVERED in t)
        resumed = next(i for i, t in enumerate(thread) if "Restoring data" in t)
        assert down < back <= resumed, thread  # what happened meanwhile: told after it
        assert_each_step_once(thread)
    assert errors(caplog) == []
    if mode == "503":  # Retry-After honoured: the reads of a move stay >= 1 s apart
        refused = [r for r in world.sim.requests if r["status"] == 503]
        assert refused
        for app, _ in MOVES:
            times = [r["at"] for r in refused if f"/apps/{app}/" in r["path"]]
            assert all(b - a >= 0.95 for a, b in zip(times, times[1:], strict=False)), times
