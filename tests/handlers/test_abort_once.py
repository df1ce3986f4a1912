"""Abort exactly once (issue 10, hole 11 d): the double-click guard is keyed on the
migration and the abort intent, not on the minute, so two clicks either side of a
minute boundary make one abort call; an attempt that failed frees the next one; and
the server is asked only while the bot's own step model allows it, read just before.

The bot and the simulator share one manual clock; the first abort request is held in
the transport while the second click runs, so the interleaving is exact."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot import aborting
from bot.errors import Unavailable
from bot.runtime import Runtime
from bot.settings import Settings
from handlers.commands.migrate import start_move
from sandbox.butterbase import BOT_KEY, Simulator, SimulatorConfig
from sandbox.butterbase.clock import ManualClock
from sandbox.butterbase.routes import create_app


@dataclass
class FirstAbort(httpx.AsyncBaseTransport):
    """The simulator's routes, with the first abort request held (or answered 401)."""

    inner: httpx.AsyncBaseTransport
    clock: ManualClock
    refuse: bool = False  # answer the first abort 401 instead of holding it
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    release: asyncio.Event = field(default_factory=asyncio.Event)
    aborts: int = 0

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if request.url.path.endswith("/abort"):
            self.aborts += 1
            if self.aborts == 1 and self.refuse:
                return httpx.Response(401, json={"error": "invalid key"})
            if self.aborts == 1:
                self.clock.advance(1.0)  # the minute turns while it is on its way
                self.arrived.set()
                await self.release.wait()
        return await self.inner.handle_async_request(request)


@dataclass
class World:
    runtime: Runtime
    sim: Simulator
    clock: ManualClock
    transport: FirstAbort

    def aborts_received(self) -> list[str]:
        return [r["path"] for r in self.sim.requests if r["path"].endswith("/abort")]


async def make(tmp_path: Path, *, refuse: bool = False) -> World:
    clock = ManualClock()
    sim = Simulator(SimulatorConfig(), clock)
    sim.seed_app("app-42", region="us-east-1")
    values: dict[str, Any] = {
        "SLACK_BOT_TOKEN": "xoxb-handler-tests",
        "SLACK_SIGNING_SECRET": "handler-secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",  # never called: nothing is sent
        "BUTTERBASE_API_URL": "http://butterbase.test",
        "BUTTERBASE_API_KEY": BOT_KEY,
        "BOT_DB_PATH": str(tmp_path / "bot.db"),
        "BOT_POLL_SECONDS": 1,
    }
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    transport = FirstAbort(httpx.ASGITransport(app=create_app(sim)), clock, refuse=refuse)
    runtime = Runtime(settings, clock=clock, butterbase_transport=transport)
    return World(runtime, sim, clock, transport)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    w = await make(tmp_path)
    try:
        yield w
    finally:
        await w.runtime.butterbase.aclose()
        w.runtime.store.close()


async def moving(w: World, step: str = "dumping_data") -> str:
    w.sim.stall_step("app-42", step)
    deps = w.runtime.deps
    started = await start_move(
        deps, app_id="app-42", region="eu-west-1", user="U_REQ", channel="C1"
    )
    assert started is None
    mid = w.runtime.store.migrations_for_app("app-42")[0].migration_id
    for _ in range(20_000):
        if w.sim.migrations[mid].current_step == step:
            break
        w.clock.advance(0.5)
        w.sim.advance()
    await w.runtime.tracker.poll_all()
    return mid


def just_before_a_minute(w: World, seconds: float = 0.4) -> None:
    now = w.clock.now()
    w.clock.advance(60 - now.second - now.microsecond / 1e6 - seconds)
    assert w.clock.now().second == 59


async def click(w: World, mid: str, user: str) -> str:
    return await aborting.abort(
        w.runtime.deps, app_id="app-42", migration_id=mid, user=user, channel="C1"
    )


async def test_two_clicks_either_side_of_a_minute_boundary_abort_once(world: World) -> None:
    mid = await moving(world)
    just_before_a_minute(world)
    first = asyncio.create_task(click(world, mid, "U_ONE"))
    await world.transport.arrived.wait()  # the first abort is on its way; the minute turned
    assert world.clock.now().second == 0
    second = await click(world, mid, "U_TWO")
    world.transport.release.set()
    answer = await first
    assert answer.startswith(f"Aborted the move of app-42 (`{mid[:8]}`)")
    assert second == (
        f"An abort of `{mid[:8]}` was asked for moments ago; its card shows the outcome. "
        "Nothing more was done."
    )
    assert world.aborts_received() == [f"/v1/apps/app-42/migrations/{mid}/abort"]
    # and a click long after is answered from a fresh read, without asking the server
    world.clock.advance(3600)
    later = await click(world, mid, "U_THREE")
    assert later == f"The move of app-42 (`{mid[:8]}`) is already aborted. Nothing was done."
    assert len(world.aborts_received()) == 1


async def test_a_failed_abort_lets_the_next_click_try_again(tmp_path: Path) -> None:
    w = await make(tmp_path, refuse=True)
    try:
        mid = await moving(w)
        failed = await click(w, mid, "U_ONE")
        assert "rejected the bot's API key" in failed
        assert w.aborts_received() == []  # the 401 came before the simulator
        again = await click(w, mid, "U_ONE")
        assert again.startswith(f"Aborted the move of app-42 (`{mid[:8]}`)")
        assert len(w.aborts_received()) == 1
        actions = [e.action for e in w.runtime.store.audit_log(migration_id=mid)]
        assert actions.count("abort.failed") == 1 and actions.count("abort.done") == 1
    finally:
        await w.runtime.butterbase.aclose()
        w.runtime.store.close()


@pytest.mark.parametrize("step", ["", "some_new_step", "aborting", "failed", "flipping_routing"])
async def test_the_server_is_not_asked_at_a_step_the_bot_would_not_abort(
    world: World, monkeypatch: pytest.MonkeyPatch, step: str
) -> None:
    """The step is read fresh just before the call: whatever the card last showed."""
    mid = await moving(world)
    client = world.runtime.butterbase
    read = client.status

    async def now_at(*args: Any) -> Any:
        status = await read(*args)
        return status.model_copy(update={"current_step": step})

    monkeypatch.setattr(client, "status", now_at)
    answer = await click(world, mid, "U_ONE")
    assert answer.endswith("Nothing was done.")
    assert world.transport.aborts == 0 and world.aborts_received() == []
    if not step:
        assert "has no current step" in answer


async def test_a_click_refused_while_an_abort_is_on_its_way_frees_nothing(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Only the attempt that holds the claim can free it: a third click still waits."""
    mid = await moving(world)
    first = asyncio.create_task(click(world, mid, "U_ONE"))
    await world.transport.arrived.wait()
    client = world.runtime.butterbase
    read = client.status

    async def outage(*args: Any) -> Any:
        raise Unavailable("Butterbase is unavailable (HTTP 503).", route="status", status=503)

    monkeypatch.setattr(client, "status", outage)
    refused = await click(world, mid, "U_TWO")
    assert "Butterbase is not answering right now" in refused
    monkeypatch.setattr(client, "status", read)
    third = await click(world, mid, "U_THREE")
    assert third.startswith(f"An abort of `{mid[:8]}` was asked for moments ago")
    world.transport.release.set()
    assert (await first).startswith("Aborted the move of app-42")
    assert len(world.aborts_received()) == 1


async def test_a_claim_left_by_a_stopped_call_is_closed_after_a_while(world: World) -> None:
    """The bot stopped while its abort was on its way (the call never returned): a click
    soon after is still one abort; one after `STALE_CLAIM_SECONDS` may try again."""
    mid = await moving(world)
    first = asyncio.create_task(click(world, mid, "U_ONE"))
    await world.transport.arrived.wait()
    first.cancel()  # as if the process had stopped during the call
    with pytest.raises(asyncio.CancelledError):
        await first
    assert world.aborts_received() == []
    soon = await click(world, mid, "U_TWO")
    assert soon.startswith(f"An abort of `{mid[:8]}` was asked for moments ago")
    world.clock.advance(aborting.STALE_CLAIM_SECONDS)
    later = await click(world, mid, "U_TWO")
    assert later.startswith(f"Aborted the move of app-42 (`{mid[:8]}`)")
    assert world.aborts_received() == [f"/v1/apps/app-42/migrations/{mid}/abort"]
    failed = [
        e for e in world.runtime.store.audit_log(migration_id=mid) if e.action == "abort.failed"
    ]
    assert [(e.actor, e.detail.get("claim")) for e in failed] == [("bot", True)]
