"""The whole bot for the model-based test, made deterministic.

The Butterbase simulator runs on a manual clock (its saga moves only when a rule ticks
it), the bot's ASGI app is called in-process through `httpx.ASGITransport` (so its
scheduler never starts: the test polls the tracker and drains the outbox itself), and
the bot reads time from a clock the test moves forward. Servers are started once per
test and handed a fresh simulator and workspace for every example.
"""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx

from bot.runtime import Runtime
from sandbox.butterbase import ManualClock, Simulator, SimulatorConfig, SimulatorServer
from sandbox.slack import SlackDriver, SlackStandIn, SlackWorkspace
from tests.e2e.harness import BOT_TOKEN, SIGNING_SECRET, settings_for
from tests.model.oracle import RecordedCalls

APPROVER_GROUP = "S_APPROVERS"
SETTLE_ROUNDS = 40
SETTLE_STEP_SECONDS = 3.0  # past every outbox deferral (Retry-After 1, 5xx 2 s)


class BotClock:
    """The bot's clock: a fixed start plus what the test added (never the wall clock)."""

    def __init__(self) -> None:
        self._now = datetime.now(UTC)

    def now(self) -> datetime:
        return self._now

    def advance(self, seconds: float) -> None:
        self._now += timedelta(seconds=seconds)


async def _no_wait(_: float) -> None:
    """The Butterbase client's retry pause: retries happen at once (no wall-clock waits)."""
    await asyncio.sleep(0)


@dataclass
class Servers:
    """The simulator and the Slack stand-in, on free loopback ports, shared by examples."""

    sim_server: SimulatorServer
    slack: SlackStandIn

    @classmethod
    def start(cls) -> Servers:
        sim_server = SimulatorServer(Simulator(SimulatorConfig(), ManualClock())).start()
        slack = SlackStandIn(SlackWorkspace(), bot_token=BOT_TOKEN).start()
        return cls(sim_server, slack)

    def stop(self) -> None:
        self.sim_server.sim.end_outage()
        self.slack.stop()
        self.sim_server.stop()


@dataclass
class ModelWorld:
    """One example's world: a fresh simulator and workspace, a bot on a fresh database."""

    servers: Servers
    db: Path
    settings_extra: dict[str, Any] = field(default_factory=dict)
    clock: ManualClock = field(default_factory=ManualClock)
    bot_clock: BotClock = field(default_factory=BotClock)

    def __post_init__(self) -> None:
        self.sim = self.servers.sim_server.use(Simulator(SimulatorConfig(), self.clock))
        # Slack's limits count on the bot's clock, which the test moves (never the wall's)
        self.ws = self.servers.slack.use(SlackWorkspace(clock=self._slack_now))
        self.log = RecordedCalls(self.sim, approvers=self.approvers)
        self.sim.requests = self.log  # every request, with the state it arrived in
        self.loop = asyncio.new_event_loop()
        self.runtime: Runtime | None = None
        self.driver: SlackDriver | None = None
        self.restarts = 0

    def _slack_now(self) -> float:
        return self.bot_clock.now().timestamp()

    # -- group membership (the approvers) ---------------------------------------------

    def approvers(self) -> frozenset[str]:
        with self.ws.lock:
            return frozenset(self.ws.usergroups[APPROVER_GROUP].users)

    def set_approver(self, user: str, member: bool) -> None:
        with self.ws.changing():
            users = self.ws.usergroups[APPROVER_GROUP].users
            if member and user not in users:
                users.append(user)
            if not member and user in users:
                users.remove(user)

    # -- the bot ----------------------------------------------------------------------

    def run(self, coro: Any) -> Any:
        return self.loop.run_until_complete(coro)

    def start_bot(self) -> None:
        self.run(self._start())

    async def _start(self) -> None:
        settings = settings_for(
            self.db,
            slack_api=self.servers.slack.api_url,
            butterbase=self.servers.sim_server.url,
            BOT_APPROVERS="",
            BOT_APPROVER_GROUP=APPROVER_GROUP,
            BOT_POLL_SECONDS=5,
            **self.settings_extra,
        )
        runtime = Runtime(settings, clock=self.bot_clock, post_interval=0.0)
        object.__setattr__(runtime.butterbase._sender, "sleep", _no_wait)
        self.runtime = runtime
        self.driver = SlackDriver(
            self.ws,
            bot_url="http://bot.model",
            signing_secret=SIGNING_SECRET,
            api_base_url=self.servers.slack.url,
            transport=httpx.ASGITransport(app=runtime.web),
        )
        await runtime.approvals.recover_interrupted()

    def stop_bot(self, *, kill: bool) -> None:
        """Stop the bot; `kill` cancels its unfinished work first (as a crash would)."""
        self.run(self._stop(kill=kill))

    async def _stop(self, *, kill: bool) -> None:
        if kill:
            for task in self._others():
                task.cancel()
            await asyncio.gather(*self._others(), return_exceptions=True)
        else:
            await self.quiesce()
        if self.driver is not None:
            await self.driver.aclose()
        if self.runtime is not None:
            await self.runtime.stop()
        self.runtime, self.driver = None, None

    def restart(self, *, kill: bool) -> None:
        self.stop_bot(kill=kill)
        self.start_bot()
        self.restarts += 1

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self.stop_bot(kill=True)
        self.loop.close()
        self.sim.end_outage()

    # -- driving it --------------------------------------------------------------------

    @property
    def rt(self) -> Runtime:
        assert self.runtime is not None
        return self.runtime

    @property
    def d(self) -> SlackDriver:
        assert self.driver is not None
        return self.driver

    def _others(self) -> set[asyncio.Task[Any]]:
        current = asyncio.current_task()
        return {t for t in asyncio.all_tasks(self.loop) if t is not current and not t.done()}

    async def quiesce(self, limit: int = 200) -> None:
        """Wait until the work the bot started after acknowledging (Bolt's tasks) is done."""
        for _ in range(limit):
            pending = self._others()
            if not pending:
                return
            await asyncio.wait(pending, timeout=5.0)
        raise AssertionError(f"the bot's background work never ended: {self._others()}")

    def act(self, coro: Any) -> Any:
        """Send what a person did, then let the bot finish what it started."""

        async def go() -> Any:
            result = await coro
            await self.quiesce()
            return result

        return self.run(go())

    def tick(self, seconds: float) -> None:
        """Move the saga on by `seconds` of simulator time."""
        with self.sim.lock:
            self.clock.advance(seconds)
            self.sim.advance()

    def poll(self) -> None:
        """One poll of every migration the bot follows, then the messages it queued."""

        async def go() -> None:
            for m in self.rt.store.polling_migrations():
                await self.rt.tracker.poll_now(m.migration_id)
            await self.quiesce()
            await self.rt.outbox.drain_until_empty()

        self.run(go())

    def drain(self) -> None:
        """Send what can be sent now; the bot's clock moves past retry deferrals."""

        async def go() -> None:
            for _ in range(SETTLE_ROUNDS):
                await self.rt.approvals.expiry_job()
                await self.rt.outbox.drain_until_empty()
                await self.quiesce()
                depth, _ = self.rt.store.outbox_stats(self.bot_clock.now())
                if depth == 0:
                    return
                self.bot_clock.advance(SETTLE_STEP_SECONDS)

        self.run(go())
