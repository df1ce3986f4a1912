"""Assembles the running bot from settings: store, clients, tracker, outbox, Bolt app,
web server and the scheduler's jobs. Tests and the sandbox build one too."""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import aiohttp
import httpx
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette

from bot import polling
from bot.app import create_app
from bot.approval_service import ApprovalService
from bot.butterbase import ButterbaseClient
from bot.cards import CardRenderer
from bot.clock import Clock, SystemClock
from bot.deps import Deps
from bot.directory import Directory
from bot.metrics import Metrics
from bot.outbox import Budget, Outbox
from bot.regions import RegionCache
from bot.reminders import Reminders
from bot.settings import Settings
from bot.tracker import Tracker
from bot.web import create_web
from handlers.events.home import REFRESH_SECONDS as HOME_REFRESH_SECONDS
from handlers.events.home import home_tab
from storage.store import Store

log = logging.getLogger(__name__)

Job = tuple[Callable[[], Awaitable[None]], float]  # (coroutine function, interval seconds)


class Runtime:
    """Everything the bot runs. `web` is the ASGI app; its lifespan starts the jobs."""

    def __init__(
        self,
        settings: Settings,
        *,
        clock: Clock | None = None,
        butterbase_transport: httpx.AsyncBaseTransport | None = None,
        post_interval: float = 1.0,
        slack_time_scale: float | None = None,
        min_read_gap: float | None = None,
    ) -> None:
        """`slack_time_scale`: how fast Slack's rate limits run (a stand-in's `time_scale`;
        1 for real Slack, 0 for none); by default `post_interval`, as before.
        `min_read_gap`: the least time between two reads of one move (one second by
        default; a time-scaled simulator in tests and benchmarks scales it too)."""
        self.settings = settings
        self.clock = clock or SystemClock()
        self.store = Store(settings.bot_db_path, clock=self.clock)
        self.metrics = Metrics(store=self.store, clock=self.clock)
        key = (
            settings.butterbase_api_key.get_secret_value() if settings.butterbase_api_key else None
        )
        self.butterbase = ButterbaseClient(
            base_url=settings.butterbase_api_url,
            api_key=key,
            transport=butterbase_transport,
            on_request=self.metrics.butterbase_request,
        )
        token = settings.slack_bot_token.get_secret_value() if settings.slack_bot_token else None
        self.slack = AsyncWebClient(token=token, base_url=settings.slack_api_url)
        self.metrics.watch_slack(self.slack)  # every Web API call, handlers' too
        self.cards = CardRenderer(store=self.store, clock=self.clock, settings=settings)
        self.outbox = Outbox(
            store=self.store,
            slack=self.slack,
            clock=self.clock,
            cards=self.cards,
            post_interval=post_interval,
            budget=Budget(scale=post_interval if slack_time_scale is None else slack_time_scale),
        )
        self.tracker = Tracker(
            store=self.store,
            butterbase=self.butterbase,
            clock=self.clock,
            poll_seconds=settings.bot_poll_seconds,
            oncall_group=settings.bot_oncall_group,
            on_change=self.outbox.wake,
            schedule=(
                None
                if min_read_gap is None
                else polling.Schedule(poll=settings.bot_poll_seconds, min_gap=min_read_gap)
            ),
        )
        directory = Directory(slack=self.slack, clock=self.clock)
        self.approvals = ApprovalService(
            settings=settings,
            store=self.store,
            butterbase=self.butterbase,
            clock=self.clock,
            outbox=self.outbox,
            tracker=self.tracker,
            directory=directory,
            cards=self.cards,
            slack=self.slack,
        )
        self.deps = Deps(
            settings=settings,
            store=self.store,
            butterbase=self.butterbase,
            clock=self.clock,
            slack=self.slack,
            outbox=self.outbox,
            tracker=self.tracker,
            regions=RegionCache(butterbase=self.butterbase, clock=self.clock),
            directory=directory,
            cards=self.cards,
            approvals=self.approvals,
        )
        self.app = create_app(self.deps)
        self.jobs: list[Job] = [(self.tracker.poll_round, settings.bot_poll_seconds)]
        # approval expiry: every poll interval, at most 30 s apart
        self.jobs.append((self.approvals.expiry_job, min(30.0, settings.bot_poll_seconds)))
        self.reminders = Reminders(
            store=self.store,
            butterbase=self.butterbase,
            clock=self.clock,
            settings=settings,
            on_queued=self.outbox.wake,
        )
        self.jobs.append((self.reminders.tick, 60.0))  # remind once the day's time has passed
        self.jobs.append((home_tab(self.deps).refresh, HOME_REFRESH_SECONDS))
        self._scheduler: AsyncIOScheduler | None = None
        self._outbox_task: asyncio.Task[None] | None = None
        self._recovery: asyncio.Task[None] | None = None
        self.web: Starlette = create_web(
            self.app,
            self.deps,
            on_start=self.start,
            on_stop=self.stop,
            metrics=self.metrics.render,
            observe=self.metrics.observe_request,
        )

    async def start(self) -> None:
        """Start the scheduler's jobs and the outbox sender (idempotent)."""
        if self._scheduler is not None:
            return
        # one connection pool for every Slack call (listeners' clients share it too):
        # without it, each call opens and closes a connection of its own
        self.slack.session = aiohttp.ClientSession()
        self._scheduler = AsyncIOScheduler(timezone="UTC")
        for func, seconds in self.jobs:
            self._scheduler.add_job(
                func,
                "interval",
                seconds=seconds,
                max_instances=1,
                coalesce=True,
                misfire_grace_time=None,
                next_run_time=self.clock.now(),
            )
        self._scheduler.start()
        self._outbox_task = asyncio.create_task(self.outbox.run())
        self._recovery = asyncio.create_task(self._recover())
        log.info("bot started: %d migrations followed", len(self.store.polling_migrations()))

    async def _recover(self) -> None:
        """Settle approvals a previous process left mid-call (never re-sending the call)."""
        try:
            settled = await self.approvals.recover_interrupted()
        except Exception:
            log.exception("settling interrupted approvals failed")
            return
        if settled:
            log.warning("settled %d approval(s) interrupted by a restart", settled)

    async def stop(self) -> None:
        if self._scheduler is not None:
            self._scheduler.shutdown(wait=False)
            self._scheduler = None
        self.tracker.stop()
        self.outbox.stop()
        if self._outbox_task is not None:
            await asyncio.gather(self._outbox_task, return_exceptions=True)
            self._outbox_task = None
        await self.butterbase.aclose()
        if self.slack.session is not None:
            await self.slack.session.close()
            self.slack.session = None
        self.store.close()
