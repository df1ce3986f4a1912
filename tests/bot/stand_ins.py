"""A bot `Runtime` on a fake clock against the Slack stand-in and the Butterbase
simulator (on a manual clock), without its web server or scheduler: tests call the
jobs themselves and move the clocks instead of sleeping."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.clock import FakeClock
from bot.deps import Deps
from bot.runtime import Runtime
from sandbox.butterbase import Simulator, SimulatorServer
from sandbox.butterbase.testing import Harness
from sandbox.slack import SlackStandIn, SlackWorkspace
from tests.e2e.harness import BOT_TOKEN, settings_for


@dataclass
class Servers:
    slack: SlackStandIn
    butterbase: SimulatorServer


@contextmanager
def servers() -> Iterator[Servers]:
    """Both stand-ins on loopback ports (start once per test module)."""
    with SlackStandIn(bot_token=BOT_TOKEN) as slack, SimulatorServer(Simulator()) as sim:
        yield Servers(slack=slack, butterbase=sim)


@dataclass
class BotWorld:
    runtime: Runtime
    ws: SlackWorkspace
    bb: Harness  # the simulator on its own manual clock
    clock: FakeClock  # the bot's clock

    @property
    def deps(self) -> Deps:
        return self.runtime.deps

    def finished_move(self, app_id: str, dest: str, **seed: Any) -> str:
        """A move of `app_id` run to completion in the simulator (not followed by the bot)."""
        self.bb.seed(app_id, region=seed.pop("region", "us-east-1"), **seed)
        migration_id = self.bb.start(app_id, dest)
        assert self.bb.finish(migration_id) == "completed"
        return migration_id


@asynccontextmanager
async def bot_world(
    tmp_path: Path, running: Servers, clock: FakeClock, **settings: Any
) -> AsyncIterator[BotWorld]:
    ws = running.slack.use(SlackWorkspace())
    bb = Harness(running.butterbase)
    config = settings_for(
        tmp_path / "bot.db",
        slack_api=running.slack.api_url,
        butterbase=running.butterbase.url,
        **settings,
    )
    runtime = Runtime(config, clock=clock, post_interval=0.0)
    try:
        yield BotWorld(runtime=runtime, ws=ws, bb=bb, clock=clock)
    finally:
        await runtime.stop()
        bb.close()
