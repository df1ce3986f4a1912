"""The whole sandbox in one process: simulator, Slack stand-in, the bot and the page,
each served on 127.0.0.1 by uvicorn in its own thread."""

from __future__ import annotations

import logging
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from pydantic_settings import BaseSettings, PydanticBaseSettingsSource

from bot.runtime import Runtime
from bot.settings import Settings
from sandbox.butterbase import BOT_KEY, Simulator, SimulatorConfig, SimulatorServer, seed_demo
from sandbox.page.app import PageContext, create_page_app
from sandbox.server import ServerThread, free_port
from sandbox.slack import SlackDriver, SlackStandIn, SlackWorkspace
from storage.store import Store

log = logging.getLogger(__name__)

HOST = "127.0.0.1"
APPROVERS = "U_APP1,U_APP2"
ONCALL_GROUP = "S_ONCALL"
PEOPLE = (
    ("U_REQ", "Riley Requester", "requests moves, reverses and teardowns"),
    ("U_APP1", "Ada Approver", "approves"),
    ("U_APP2", "Grace Approver", "approves; on call"),
)


class SandboxSettings(Settings):
    """The bot's settings for the sandbox: only what is passed in; the environment and
    `.env` are ignored, so a production setting can never leak in (or out)."""

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        return (init_settings,)


@dataclass(frozen=True)
class SandboxConfig:
    """How the sandbox runs. `port=None` takes a free port for the page too."""

    db_path: Path
    port: int | None = 3000
    time_scale: float = 0.1
    poll_seconds: float = 1.0
    post_interval: float = 0.3


def sandbox_settings(
    *,
    db_path: Path,
    slack_api_url: str,
    butterbase_url: str,
    bot_port: int,
    poll_seconds: float,
    bot_token: str,
    signing_secret: str,
) -> Settings:
    """Settings built in code: the stand-ins' URLs, a separate database."""
    values: dict[str, Any] = {
        "SLACK_BOT_TOKEN": bot_token,
        "SLACK_SIGNING_SECRET": signing_secret,
        "SLACK_API_URL": slack_api_url,
        "BUTTERBASE_API_URL": butterbase_url,
        "BUTTERBASE_API_KEY": BOT_KEY,
        "BOT_PORT": bot_port,
        "BOT_DB_PATH": str(db_path),
        "BOT_POLL_SECONDS": poll_seconds,
        "BOT_APPROVERS": APPROVERS,
        "BOT_ONCALL_GROUP": ONCALL_GROUP,
        "BOT_TEARDOWN_SOAK": 0,
    }
    return SandboxSettings(**values)


def forget_earlier_run(store: Store, now: datetime) -> int:
    """Stop following the migrations of an earlier run and drop its unsent messages:
    the simulator and the channel that knew them start empty. Returns how many."""
    earlier = store.polling_migrations()
    for m in earlier:
        store.save_migration(m.model_copy(update={"polling": False}))
    for item in store.due_outbox(now=now + timedelta(days=3650)):
        if item.id is not None:
            store.drop(item.id, error="the sandbox restarted")
    return len(earlier)


class Sandbox:
    """Start with `start()`, stop with `stop()`; `url` is the page to open."""

    def __init__(self, config: SandboxConfig) -> None:
        self.config = config
        self.sim = Simulator(SimulatorConfig(time_scale=config.time_scale))
        seed_demo(self.sim)
        self.ws = SlackWorkspace()
        self.sim_server: SimulatorServer | None = None
        self.slack: SlackStandIn | None = None
        self.runtime: Runtime | None = None
        self.bot: ServerThread | None = None
        self.page: ServerThread | None = None
        self.settings: Settings | None = None
        self.context: PageContext | None = None
        self.forgotten = 0

    @property
    def url(self) -> str:
        assert self.page is not None, "start() first"
        return self.page.url + "/"

    def start(self) -> Sandbox:
        """Start everything; on any failure, stop what started and re-raise."""
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self.config.db_path.parent.mkdir(parents=True, exist_ok=True)
        token, secret = f"xoxb-sandbox-{secrets.token_hex(12)}", secrets.token_hex(16)
        self.sim_server = SimulatorServer(self.sim, host=HOST).start()
        self.slack = SlackStandIn(self.ws, bot_token=token, host=HOST).start()
        bot_port = free_port(HOST)
        self.settings = sandbox_settings(
            db_path=self.config.db_path,
            slack_api_url=self.slack.api_url,
            butterbase_url=self.sim_server.url,
            bot_port=bot_port,
            poll_seconds=self.config.poll_seconds,
            bot_token=token,
            signing_secret=secret,
        )
        self.runtime = Runtime(self.settings, post_interval=self.config.post_interval)
        self.forgotten = forget_earlier_run(self.runtime.store, self.runtime.clock.now())
        self.bot = ServerThread(self.runtime.web, host=HOST, port=bot_port).start()
        bot_url, slack_url = self.bot.url, self.slack.url

        def make_driver() -> SlackDriver:
            return SlackDriver(
                self.ws, bot_url=bot_url, signing_secret=secret, api_base_url=slack_url
            )

        self.context = PageContext(ws=self.ws, sim=self.sim, make_driver=make_driver)
        page = create_page_app(self.context)
        self.page = ServerThread(page, host=HOST, port=self.config.port).start()

    def stop(self) -> None:
        """Stop the page, the bot, then the stand-ins; safe to call twice."""
        if self.context is not None:
            self.context.closing.set()
        for name in ("page", "bot", "slack", "sim_server"):
            server = getattr(self, name)
            if server is None:
                continue
            try:
                server.stop()
            except Exception:  # keep stopping the others
                log.exception("could not stop the sandbox's %s", name)
            setattr(self, name, None)
        self.runtime = None

    def __enter__(self) -> Sandbox:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()
