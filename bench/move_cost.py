"""A move's cost: what one complete move (`/migrate` to the summary in its thread) costs in
Slack calls, Butterbase calls and store writes, next to the Butterbase CLI's
`--follow` (one status read every 3 s for as long as the move runs).

The move runs at SCALE times real speed (every step duration, the poll interval and the
per-channel pacing scaled alike), so the counts are those of a real-speed move with the
default 5 s poll and 1 s pacing, in a fraction of the time. The bot runs in this
process (to count its SQLite statements with a trace callback), served by uvicorn.

    python -m bench.move_cost
"""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from typing import Any

from bench.report import table, write_section
from bot.runtime import Runtime
from bot.settings import Settings
from sandbox.butterbase import BOT_KEY, Simulator, SimulatorConfig, SimulatorServer
from sandbox.server import ServerThread
from sandbox.slack import SlackDriver, SlackStandIn, SlackWorkspace

SCALE = 0.05
POLL = 5.0
CLI_EVERY = 3.0
TOKEN, SECRET = "xoxb-bench-move-cost", "bench-move-cost-secret"


class Writes:
    """Counts the statements the bot's store connection runs (a sqlite3 trace callback)."""

    def __init__(self) -> None:
        self.kinds: Counter[str] = Counter()

    def __call__(self, statement: str) -> None:
        self.kinds[statement.lstrip().split(None, 1)[0].upper()] += 1


async def run(workdir: str) -> tuple[dict[str, Any], float]:
    sim = Simulator(SimulatorConfig(time_scale=SCALE))
    sim.seed_app("app-42", region="us-east-1")
    sim_server = SimulatorServer(sim).start()
    ws = SlackWorkspace()
    slack = SlackStandIn(ws, bot_token=TOKEN).start()
    ws.rate_limit_post_per_channel = False  # the bot's pacing is scaled; Slack's is not
    values: dict[str, Any] = {
        "SLACK_BOT_TOKEN": TOKEN,
        "SLACK_SIGNING_SECRET": SECRET,
        "SLACK_API_URL": slack.api_url,
        "BUTTERBASE_API_URL": sim_server.url,
        "BUTTERBASE_API_KEY": BOT_KEY,
        "BOT_DB_PATH": f"{workdir}/bot.db",
        "BOT_POLL_SECONDS": POLL * SCALE,
    }
    settings = Settings(_env_file=None, **values)  # type: ignore[call-arg]
    runtime = Runtime(settings, post_interval=1.0 * SCALE)
    writes = Writes()
    runtime.store.db.conn.set_trace_callback(writes)
    changes_before = runtime.store.db.conn.total_changes
    bot = ServerThread(runtime.web).start()
    driver = SlackDriver(ws, bot_url=bot.url, signing_secret=SECRET, api_base_url=slack.url)
    try:
        started = time.monotonic()
        result = await driver.command("U_REQ", "C_MIGRATIONS", "/migrate", "app-42 eu-west-1")
        assert result.status == 200, result
        deadline = started + 600 * SCALE * 3
        while time.monotonic() < deadline:
            replies = [m for m in ws.channel_messages("C_MIGRATIONS", include_replies=True)]
            if any(m.text.startswith("*Summary*") for m in replies):
                break
            await asyncio.sleep(0.05)
        else:
            raise RuntimeError("the move's summary never arrived")
        await asyncio.sleep(POLL * SCALE * 2)  # anything the bot still does after the summary
        transitions = [at for _, _, at in sim.transitions]
        move_seconds = (max(transitions) - min(transitions)).total_seconds()
        figures = {
            "slack": Counter(c.method for c in ws.calls),
            "butterbase": Counter(_route(r["method"], r["path"]) for r in sim.requests),
            "writes": writes.kinds,
            "rows": runtime.store.db.conn.total_changes - changes_before,
        }
    finally:
        await driver.aclose()
        bot.stop()
        slack.stop()
        sim_server.stop()
    return figures, move_seconds / SCALE


def _route(method: str, path: str) -> str:
    """`GET status`, `POST move`, `GET apps`…: a request named by what it does."""
    parts = path.strip("/").split("/")
    if len(parts) >= 5 and parts[3] == "migrations" and parts[4] != "active":
        return f"{method} {'status' if len(parts) == 5 else parts[5]}"
    return f"{method} {parts[-1] if parts[-1] in ('regions', 'apps', 'move', 'active') else path}"


def render(figures: dict[str, Any], move_seconds: float) -> str:
    slack: Counter[str] = figures["slack"]
    butterbase: Counter[str] = figures["butterbase"]
    writes: Counter[str] = figures["writes"]
    reads = butterbase.get("GET status", 0)
    cli_reads = int(move_seconds // CLI_EVERY) + 1
    rows = [
        ["Slack Web API calls", sum(slack.values()), ", ".join(f"{k} {v}" for k, v in slack.items())],
        ["Butterbase requests", sum(butterbase.values()), ", ".join(f"{k} {v}" for k, v in butterbase.items())],
        ["  status reads", reads, f"one per {move_seconds / max(reads, 1):.1f} s of the move"],
        ["CLI --follow status reads", cli_reads, f"one per {CLI_EVERY:.0f} s over the same {move_seconds:.0f} s"],
        ["store write transactions", writes.get("COMMIT", 0), f"{figures['rows']} rows changed (total_changes)"],
        ["  statements", sum(writes[k] for k in ("INSERT", "UPDATE", "DELETE")),
         ", ".join(f"{k} {writes[k]}" for k in ("INSERT", "UPDATE", "DELETE"))],
        ["  reads", writes.get("SELECT", 0) + writes.get("PRAGMA", 0), "SELECT and PRAGMA statements"],
    ]  # fmt: skip
    return (
        f"One plain move (11 steps) of {move_seconds:.0f} s at real speed (run at {SCALE}x, "
        f"poll {POLL:.0f} s and 1 post/s/channel scaled alike).\n\n"
        f"{table(['cost of one move', 'count', 'detail'], rows)}\n\n"
        f"The bot reads the status {cli_reads / max(reads, 1):.1f}x less often than "
        "`--follow`, and also posts the card, its updates and the thread.\n"
    )


def main() -> None:
    import tempfile

    with tempfile.TemporaryDirectory(prefix="bench-cost-") as workdir:
        figures, move_seconds = asyncio.run(run(workdir))
    text = render(figures, move_seconds)
    print(text)
    write_section("A move's cost", text, command="python -m bench.move_cost")


if __name__ == "__main__":
    main()
