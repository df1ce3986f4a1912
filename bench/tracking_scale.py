"""Tracking at scale: N moves in flight at once across 50 channels.

The simulator runs N moves with steps of 3 to 6 seconds (each move's first step lasts
3 to 18 s, so they are spread out); the bot (`python -m bot`, polling every 5 s,
posting at most once a second per channel) follows them, and the Slack stand-in
refuses a second `chat.postMessage` within a second in the same channel (429). The
moves and their status cards are set up as `/migrate` leaves them (a tracked row, the
`requested` step record, the card already posted), so the run measures tracking,
not the posting of N cards.

Reported per N (100, 1,000 and 3,000 by default): the delay from each step change in
the simulator to the thread reply that reports it (p50/p95), split into the part spent
waiting for the channel's 1-per-second pacing and the rest; Butterbase requests per
move per minute and status reads per move per poll interval; Slack calls per move;
429s; the bot's CPU and peak RSS; and whether every step change was reported exactly
once.

    python -m bench.tracking_scale [--sizes 100,1000,3000] [--channels 50]
"""

from __future__ import annotations

import argparse
import asyncio
import random
import time
from datetime import timedelta

import httpx

from bench.report import table, write_section
from bench.stack import BotProcess, Stack, channel_ids
from bench.tracking_figures import Figures, analyse
from bot.clock import SystemClock
from sandbox.butterbase import BOT_KEY, SimulatorConfig
from storage.records import StepRecord, TrackedMigration
from storage.store import Store

POLL = 5.0
STEP_SECONDS = {
    "reserving_dest": 4,
    "blocking_writes": 3,
    "dumping_data": 6,
    "restoring_data": 6,
    "copying_blobs": 5,
    "copying_runtime": 4,
    "flipping_routing": 3,
    "setting_up_reverse_replication": 4,
    "unblocking_writes": 3,
}
FIRST_STEP = (3.0, 18.0)  # `requested` lasts this long: the bot starts, the moves spread out
TRACK_CAP = 75.0  # seconds the moves may take, from the bot's start
DRAIN_CAP = 70.0  # seconds to wait for the outbox once every move is over


def setup(
    stack: Stack,
    n: int,
    channels: int,
    rng: random.Random,
    *,
    first_step: tuple[float, float] = FIRST_STEP,
) -> dict[str, str]:
    """Start n moves in the simulator and record them as `/migrate` would; the card of
    each is posted already. Returns migration id → channel."""
    sim = stack.sim
    store = Store(stack.db_path, clock=SystemClock())
    where: dict[str, str] = {}
    chans = channel_ids(channels)
    try:
        for i in range(n):
            app_id = f"app-{i:04d}"
            sim.seed_app(app_id, region="us-east-1")
            with sim.lock:
                mig = sim.start_move_as(BOT_KEY, app_id, "eu-west-1")
                sim.saga.schedule(mig, mig.created_at + timedelta(seconds=rng.uniform(*first_step)))
            channel = chans[i % channels]
            card = stack.ws.add_message(
                channel, text=f"{app_id} · us-east-1 → eu-west-1 · Requested"
            )
            now = mig.created_at
            m = TrackedMigration(
                migration_id=mig.id,
                app_id=app_id,
                source_region="us-east-1",
                dest_region="eu-west-1",
                channel_id=channel,
                card_ts=card.ts,
                thread_ts=card.ts,
                requester="U_REQ",
                created_at=now,
                updated_at=now,
                step_started_at=now,
                seen_steps=["requested"],
            )
            first = StepRecord(migration_id=mig.id, step="requested", started_at=now)
            store.apply(migration=m, steps_opened=[first])
            where[mig.id] = channel
    finally:
        store.close()
    return where


def health(bot: BotProcess) -> dict[str, float]:
    try:
        data: dict[str, float] = httpx.get(f"{bot.url}/healthz", timeout=5).json()
        return data
    except (httpx.HTTPError, ValueError):
        return {}


async def run_one(n: int, channels: int, seed: int) -> Figures:
    rng = random.Random(seed)
    config = SimulatorConfig(
        time_scale=1.0, step_durations={"requested": 2, **STEP_SECONDS}, tick_seconds=0.05
    )
    stack = Stack.start(config, channels=channels)
    stack.ws.rate_limit_post_per_channel = True
    bot = BotProcess(env=stack.bot_env(BOT_POLL_SECONDS=str(POLL)), cwd=stack.workdir)
    try:
        where = setup(stack, n, channels, rng)
        stack.sim.requests.clear()
        bot.start()
        started, before = time.time(), bot.usage()
        while time.time() - started < TRACK_CAP:
            with stack.sim.lock:
                moving = sum(not m.terminal for m in stack.sim.migrations.values())
            if moving == 0:
                break
            await asyncio.sleep(1)
        await asyncio.sleep(POLL + 1)  # the last step changes are seen
        tracked_until, after = time.time(), bot.usage()
        drained = False
        while time.time() - tracked_until < DRAIN_CAP:
            h = health(bot)
            if h.get("tracked") == 0 and h.get("outbox_depth") == 0:
                drained = True
                break
            await asyncio.sleep(1)
        final = bot.usage()
        problems = bot.problems()
    finally:
        bot.stop()
    try:
        return analyse(
            stack,
            where,
            window=(started, tracked_until),
            cpu=after.cpu_seconds - before.cpu_seconds,
            rss_peak=final.rss_peak_mib,
            drained=drained,
            poll=POLL,
            problems=len(problems),
        )
    finally:
        stack.stop()


def render(results: list[Figures], channels: int) -> str:
    headers = ["figure", *(f"{r.n} moves" for r in results), "target"]
    rows = [[label, *(getattr(r, key) for r in results), target] for label, key, target in ROWS]
    notes = "\n".join(f"- {r.n} moves: {r.note}" for r in results)
    return (
        f"{len(STEP_SECONDS) + 1} steps of 3-6 s per move, {channels} channels, poll "
        f"{POLL:.0f} s, stand-in limit 1 post/s/channel.\n\n{table(headers, rows)}\n\n{notes}\n"
    )


ROWS: list[tuple[str, str, str]] = [
    ("step changes observed", "changes", ""),
    ("delay p50, s", "delay_p50", ""),
    ("delay p95, s", "delay_p95", ""),
    ("  of which pacing p95, s", "pacing_p95", ""),
    ("delay without pacing p50, s", "own_p50", ""),
    ("delay without pacing p95, s", "own_p95", f"< {POLL + 2:.0f}"),
    ("seen by a poll p95, s (change → queued)", "detect_p95", ""),
    ("reported exactly once", "exactly_once", "all"),
    ("not reported at the cut-off", "missing", "0"),
    ("reported twice or more", "doubled", "0"),
    ("Butterbase req / move / min", "bb_per_move_min", ""),
    ("most status reads of a move in one poll interval", "reads_per_interval", "<= 1"),
    ("Slack calls / move", "slack_per_move", "flat"),
    ("Slack calls / step change reported", "slack_per_step", ""),
    ("  chat.postMessage / move", "posts_per_move", ""),
    ("429s received", "ratelimited", ""),
    ("bot CPU s per wall minute", "cpu_per_min", "< 30"),
    ("bot peak RSS, MiB", "rss_peak", "< 250"),
]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="100,1000,3000")
    parser.add_argument("--channels", type=int, default=50)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    results = []
    for n in (int(s) for s in args.sizes.split(",")):
        print(f"tracking {n} moves...", flush=True)
        results.append(asyncio.run(run_one(n, args.channels, args.seed)))
    text = render(results, args.channels)
    print(text)
    write_section("Tracking at scale", text, command="python -m bench.tracking_scale")


if __name__ == "__main__":
    main()
