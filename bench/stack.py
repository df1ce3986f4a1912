"""What every benchmark runs against: the Butterbase simulator and the Slack stand-in in
this process, and the bot as its own process (`python -m bot`), so that the load
generator never shares the bot's event loop or GIL and the bot's CPU and memory can be
read alone from /proc. Everything listens on 127.0.0.1 only.
"""

from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from sandbox.butterbase import BOT_KEY, Simulator, SimulatorConfig, SimulatorServer
from sandbox.server import free_port
from sandbox.slack import SlackStandIn, SlackWorkspace
from sandbox.slack.models import Channel

BOT_TOKEN = "xoxb-bench-token-51c0de"
SIGNING_SECRET = "bench-signing-secret-9a7f21"
_TICK = os.sysconf("SC_CLK_TCK")
_PAGE = os.sysconf("SC_PAGE_SIZE")


class TimedRequests(list):  # type: ignore[type-arg]
    """`sim.requests` with the wall time each request arrived (`entry["at"]`)."""

    def append(self, entry: dict[str, object]) -> None:
        entry["at"] = time.time()
        super().append(entry)


def channel_ids(count: int) -> list[str]:
    return [f"C_BENCH{i:03d}" for i in range(count)]


@dataclass
class Stack:
    """The simulator and the Slack stand-in, served on loopback ports of this process."""

    sim: Simulator
    sim_server: SimulatorServer
    ws: SlackWorkspace
    slack: SlackStandIn
    workdir: Path

    @classmethod
    def start(
        cls,
        config: SimulatorConfig,
        *,
        channels: int = 0,
        slack_time_scale: float = 1.0,
        rate_limits: bool = True,
    ) -> Stack:
        """`slack_time_scale`: how fast the stand-in's rate limits run (see
        `sandbox.slack.limits`); with `rate_limits=False`, none at all."""
        sim = Simulator(config)
        sim.requests = TimedRequests()
        sim_server = SimulatorServer(sim).start()
        ws = SlackWorkspace(time_scale=slack_time_scale, rate_limits=rate_limits)
        for cid in channel_ids(channels):
            ws.channels[cid] = Channel(cid, cid.lower())
        slack = SlackStandIn(ws, bot_token=BOT_TOKEN).start()
        workdir = Path(tempfile.mkdtemp(prefix="bench-"))
        return cls(sim=sim, sim_server=sim_server, ws=ws, slack=slack, workdir=workdir)

    @property
    def db_path(self) -> Path:
        return self.workdir / "bot.db"

    def bot_env(self, **extra: str) -> dict[str, str]:
        """The environment `python -m bot` reads (nothing inherited but PATH and the like)."""
        keep = ("PATH", "HOME", "LANG", "PYTHONPATH", "VIRTUAL_ENV")
        env = {k: v for k, v in os.environ.items() if k in keep}
        env.update(
            SLACK_BOT_TOKEN=BOT_TOKEN,
            SLACK_SIGNING_SECRET=SIGNING_SECRET,
            SLACK_API_URL=self.slack.api_url,
            BUTTERBASE_API_URL=self.sim_server.url,
            BUTTERBASE_API_KEY=BOT_KEY,
            BOT_DB_PATH=str(self.db_path),
            BOT_POLL_SECONDS="5",
            BOT_APPROVERS="U_APP1,U_APP2",
            BOT_ONCALL_GROUP="S_ONCALL",
        )
        env.update(extra)
        return env

    def stop(self) -> None:
        self.slack.stop()
        self.sim_server.stop()
        if not os.environ.get("BENCH_KEEP"):
            shutil.rmtree(self.workdir, ignore_errors=True)


@dataclass
class Usage:
    cpu_seconds: float  # user + system
    rss_peak_mib: float  # VmHWM
    rss_mib: float


@dataclass
class BotProcess:
    """`python -m bot` in a subprocess; `stop()` always ends it (SIGINT, then SIGKILL)."""

    env: dict[str, str]
    cwd: Path
    port: int = field(default_factory=free_port)
    proc: subprocess.Popen[bytes] | None = None
    log_path: Path | None = None
    profile: Path | None = None  # write a cProfile of the bot here (`BENCH_PROFILE=dir`)
    module: str = "bot"  # `bench.bot_main`: the bot with Slack's limits time-scaled

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30.0) -> BotProcess:
        self.env["BOT_PORT"] = str(self.port)
        self.log_path = self.cwd / f"bot-{self.port}.log"
        with self.log_path.open("ab") as log:
            profile = os.environ.get("BENCH_PROFILE")
            if profile:
                self.profile = Path(profile) / f"bot-{self.port}.prof"
            wrap = ["-m", "cProfile", "-o", str(self.profile)] if self.profile else []
            self.proc = subprocess.Popen(
                [sys.executable, *wrap, "-m", self.module],
                env=self.env,
                cwd=self.cwd,  # no .env file there: only `env` counts
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the bot exited at start:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/healthz", timeout=1.0).status_code == 200:
                    return self
            except httpx.HTTPError:
                pass
            time.sleep(0.05)
        self.stop()
        raise RuntimeError(f"the bot did not answer /healthz in {timeout}s:\n{self.log()}")

    def usage(self) -> Usage:
        """CPU seconds used so far and memory, read from /proc."""
        assert self.proc is not None
        pid = self.proc.pid
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat.rsplit(")", 1)[1].split()
        cpu = (int(fields[11]) + int(fields[12])) / _TICK
        status = Path(f"/proc/{pid}/status").read_text()
        kib = {
            line.split(":")[0]: int(line.split()[1])
            for line in status.splitlines()
            if line.startswith(("VmHWM", "VmRSS"))
        }
        return Usage(cpu, kib.get("VmHWM", 0) / 1024, kib.get("VmRSS", 0) / 1024)

    def kill(self) -> None:
        """SIGKILL, as a crash would."""
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGKILL)
            self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is None or self.proc.poll() is not None:
            return
        # SIGINT: uvicorn shuts down gracefully, and a cProfile wrapper still writes its file
        self.proc.send_signal(signal.SIGINT)
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            print("the bot did not stop within 10 s of SIGINT: killed", file=sys.stderr)
            self.kill()

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path else ""

    def problems(self) -> list[str]:
        """Log lines at ERROR level or with a traceback."""
        return [
            line for line in self.log().splitlines() if " ERROR " in line or "Traceback" in line
        ]
