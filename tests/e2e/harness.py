"""The whole bot over HTTP: the Butterbase simulator, the Slack stand-in and the bot
under uvicorn, each on a free port of 127.0.0.1, stopped when the test ends."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from bot.runtime import Runtime
from bot.settings import Settings
from sandbox.butterbase import BOT_KEY, Simulator, SimulatorConfig, SimulatorServer
from sandbox.server import ServerThread
from sandbox.slack import SlackDriver, SlackStandIn, SlackWorkspace

BOT_TOKEN = "xoxb-e2e-token-4f1c9a"
SIGNING_SECRET = "e2e-signing-secret-7d2b11"
CHANNEL = "C_MIGRATIONS"
REQUESTER = "U_REQ"
APPROVER1 = "U_APP1"
APPROVER2 = "U_APP2"
BYSTANDER = "U_OTHER"
MUTATING = ("/move", "/abort", "/reverse", "DELETE")
# Slack's published limits run ten times faster than real Slack in the tests (the stand-in's
# clock and the bot's budget together), so a move is not paced at 1 post a second.
SLACK_TIME_SCALE = 0.1
"""Slack's rate limits are on in the stand-in, at this speed (1.0: as Slack publishes them)."""

T = TypeVar("T")


def settings_for(db: Path, *, slack_api: str, butterbase: str, **extra: Any) -> Settings:
    values: dict[str, Any] = {
        "SLACK_BOT_TOKEN": BOT_TOKEN,
        "SLACK_SIGNING_SECRET": SIGNING_SECRET,
        "SLACK_API_URL": slack_api,
        "BUTTERBASE_API_URL": butterbase,
        "BUTTERBASE_API_KEY": BOT_KEY,
        "BOT_DB_PATH": str(db),
        "BOT_POLL_SECONDS": 0.1,
        "BOT_APPROVERS": "U_APP1,U_APP2",
        "BOT_TEARDOWN_SOAK": 0,
        "BOT_ONCALL_GROUP": "S_ONCALL",
    }
    values.update(extra)
    return Settings(_env_file=None, **values)  # type: ignore[call-arg]


@dataclass
class World:
    sim: Simulator
    sim_server: SimulatorServer
    slack: SlackStandIn
    ws: SlackWorkspace
    db: Path
    settings: Settings
    runtime: Runtime | None = None
    bot: ServerThread | None = None
    driver: SlackDriver | None = None
    extra: dict[str, Any] = field(default_factory=dict)

    # --- the bot ---------------------------------------------------------------
    def pacing(self) -> dict[str, float]:
        """The bot's delivery budget at the stand-in's speed: Slack's limits, time-scaled."""
        return slack_pacing(self.ws, saga_scale=self.sim.config.time_scale)

    def start_bot(self, **overrides: Any) -> None:
        if overrides:
            self.settings = settings_for(
                self.db, slack_api=self.slack.api_url, butterbase=self.sim_server.url, **overrides
            )
        self.runtime = Runtime(self.settings, **self.pacing())
        self.bot = ServerThread(self.runtime.web).start()
        self.driver = SlackDriver(
            self.ws,
            bot_url=self.bot.url,
            signing_secret=SIGNING_SECRET,
            api_base_url=self.slack.url,
        )

    async def stop_bot(self) -> None:
        if self.driver is not None:
            await self.driver.aclose()
            self.driver = None
        if self.bot is not None:
            self.bot.stop()
            self.bot = None
        self.runtime = None

    @property
    def d(self) -> SlackDriver:
        assert self.driver is not None, "start_bot() first"
        return self.driver

    # --- what users see --------------------------------------------------------
    def cards(self, channel: str = CHANNEL) -> list[Any]:
        """Top-level bot messages in the channel (status cards, broadcasts)."""
        return [m for m in self.ws.channel_messages(channel) if m.thread_ts in (None, m.ts)]

    def thread_texts(self, card_ts: str, channel: str = CHANNEL) -> list[str]:
        return [m.text for m in self.ws.thread(channel, card_ts) if m.ts != card_ts]

    def ephemeral_texts(self, user: str) -> list[str]:
        return [e.text for e in self.ws.ephemerals(user)]

    def mutating_requests(self) -> list[dict[str, Any]]:
        return [
            r
            for r in self.sim.requests
            if r["method"] in ("POST", "DELETE") and not r["path"].startswith("/_sim")
        ]


async def wait_for(
    predicate: Callable[[], T], *, timeout: float = 15.0, message: str = "condition"
) -> T:
    """Wait (polling every 20 ms) until `predicate()` is truthy; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {message}")
        await asyncio.sleep(0.02)


def slack_pacing(ws: SlackWorkspace, *, saga_scale: float = 0.002) -> dict[str, float]:
    """`Runtime` arguments that spend Slack's budget at `ws`'s time scale, and read a move
    no more often than once a second of the simulator's (time-scaled) saga."""
    scale = ws.limits.time_scale
    return {"post_interval": scale, "slack_time_scale": scale, "min_read_gap": saga_scale}


def make_world(
    tmp_path: Path,
    *,
    time_scale: float = 0.002,
    start: bool = True,
    slack_time_scale: float = SLACK_TIME_SCALE,
    **overrides: Any,
) -> World:
    sim = Simulator(SimulatorConfig(time_scale=time_scale))
    for app_id, region in (
        ("app-42", "us-east-1"),
        ("shop-eu", "eu-west-1"),
        ("blog", "us-east-1"),
    ):
        sim.seed_app(app_id, region=region, kv=app_id == "blog")
    sim_server = SimulatorServer(sim).start()
    ws = SlackWorkspace(rate_limits=True, time_scale=slack_time_scale)
    slack = SlackStandIn(ws, bot_token=BOT_TOKEN).start()
    db = tmp_path / "bot.db"
    settings = settings_for(db, slack_api=slack.api_url, butterbase=sim_server.url, **overrides)
    world = World(sim=sim, sim_server=sim_server, slack=slack, ws=ws, db=db, settings=settings)
    if start:
        world.start_bot()
    return world


async def close_world(world: World) -> None:
    await world.stop_bot()
    world.slack.stop()
    world.sim_server.stop()
