"""The bot's dependencies for handler tests: a real store in a temporary file, the
Butterbase client talking to the simulator in process (httpx.ASGITransport, no
network, a manual clock), and no Slack: what the bot would say stays in its outbox."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot.runtime import Runtime
from bot.settings import Settings
from sandbox.butterbase import BOT_KEY, Simulator, SimulatorConfig
from sandbox.butterbase.clock import ManualClock
from sandbox.butterbase.routes import create_app


@dataclass
class Bot:
    runtime: Runtime
    sim: Simulator
    clock: ManualClock

    def tick(self, seconds: float = 0.5) -> None:
        self.clock.advance(seconds)
        self.sim.advance()

    def run_until(self, migration_id: str, step: str) -> None:
        for _ in range(20_000):
            if self.sim.migrations[migration_id].current_step == step:
                return
            self.tick()
        raise AssertionError(f"{migration_id} never reached {step}")

    def replies(self, migration_id: str) -> list[str]:
        """The thread replies queued for the migration (the outbox is not running)."""
        items = self.runtime.store.pending_outbox_for(migration_id)
        return [str(i.payload.get("text")) for i in items if i.kind in ("reply", "broadcast")]

    def requests(self, suffix: str) -> list[str]:
        return [r["path"] for r in self.sim.requests if r["path"].endswith(suffix)]


@pytest.fixture
async def bot(tmp_path: Path) -> AsyncIterator[Bot]:
    clock = ManualClock()
    sim = Simulator(SimulatorConfig(), clock)
    sim.seed_app("app-42", region="us-east-1")
    sim.seed_app("blog", region="us-east-1")
    values: dict[str, Any] = {
        "SLACK_BOT_TOKEN": "xoxb-handler-tests",
        "SLACK_SIGNING_SECRET": "handler-secret",
        "SLACK_API_URL": "http://127.0.0.1:9/api/",  # never called: nothing is sent
        "BUTTERBASE_API_URL": "http://butterbase.test",
        "BUTTERBASE_API_KEY": BOT_KEY,
        "BOT_DB_PATH": str(tmp_path / "bot.db"),
        "BOT_POLL_SECONDS": 1,
        "BOT_ONCALL_GROUP": "S_ONCALL",
    }
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    runtime = Runtime(settings, butterbase_transport=httpx.ASGITransport(app=create_app(sim)))
    try:
        yield Bot(runtime, sim, clock)
    finally:
        await runtime.butterbase.aclose()
        runtime.store.close()
