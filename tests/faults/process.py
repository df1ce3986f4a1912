"""The bot as its own process (`python -m bot`, settings from the environment), against
the simulator and the Slack stand-in of a test's `World`, so that it can be SIGKILLed."""

from __future__ import annotations

import asyncio
import os
import signal
import sqlite3
import subprocess
import sys
from pathlib import Path
from typing import Any

import httpx

from sandbox.butterbase import BOT_KEY
from sandbox.server import free_port
from tests.e2e.harness import BOT_TOKEN, SIGNING_SECRET, World


class BotProcess:
    """Start, kill and start again, always on the same port, store file and log."""

    def __init__(self, world: World, log: Path) -> None:
        self.world = world
        self.log = log
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def env(self) -> dict[str, str]:
        env = {
            k: v
            for k, v in os.environ.items()
            if not k.startswith(("SLACK_", "BOT_", "BUTTERBASE_"))
        }
        env.update(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=self.world.slack.api_url,
            BUTTERBASE_API_URL=self.world.sim_server.url,
            BUTTERBASE_API_KEY=BOT_KEY,
            BOT_DB_PATH=str(self.world.db),
            BOT_PORT=str(self.port),
            BOT_POLL_SECONDS="0.2",
            BOT_APPROVERS="U_APP1,U_APP2",
            BOT_ONCALL_GROUP="S_ONCALL",
            NO_PROXY="127.0.0.1,localhost",
            no_proxy="127.0.0.1,localhost",
        )
        return env

    def spawn(self) -> subprocess.Popen[bytes]:
        """`python -m bot` in a scratch directory (no `.env` there)."""
        assert self.proc is None or self.proc.poll() is not None
        with self.log.open("ab") as out:
            self.proc = subprocess.Popen(
                [sys.executable, "-m", "bot"],
                cwd=self.log.parent,
                env=self.env(),
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        self.starts += 1
        return self.proc

    async def start(self) -> None:
        """Start the bot and wait until it answers /healthz."""
        proc = self.spawn()
        async with httpx.AsyncClient(trust_env=False) as http:
            for _ in range(600):
                if proc.poll() is not None:
                    raise AssertionError(f"the bot exited:\n{self.log.read_text()[-3000:]}")
                try:
                    if (await http.get(f"{self.url}/healthz", timeout=1)).status_code == 200:
                        return
                except httpx.HTTPError:
                    pass
                await asyncio.sleep(0.05)
        raise AssertionError("the bot never answered /healthz")

    def kill(self) -> None:
        """SIGKILL: no shutdown, whatever was in flight is lost."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def rows(self, sql: str, *args: Any) -> list[tuple[Any, ...]]:
        """Read the bot's store file (another connection, as a person would)."""
        with sqlite3.connect(self.world.db, timeout=5) as conn:
            return conn.execute(sql, args).fetchall()

    async def settled(self) -> None:
        """Until the bot has sent everything it queued."""
        async with httpx.AsyncClient(trust_env=False) as http:
            for _ in range(600):
                body = (await http.get(f"{self.url}/healthz", timeout=2)).json()
                if body["outbox_depth"] == 0:
                    return
                await asyncio.sleep(0.05)
        raise AssertionError("the bot's outbox never emptied")

    def errors(self) -> list[str]:
        return [
            line
            for line in self.log.read_text(errors="replace").splitlines()
            if " ERROR " in line or "Traceback" in line
        ]
