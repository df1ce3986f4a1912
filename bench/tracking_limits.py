"""Tracking under every Slack limit the stand-in enforces (`sandbox.slack.limits`), with
real step lengths: 45 s a step, poll 5 s, the adaptive read schedule; the simulator, the
stand-in's limits and the bot's budget all run at one time scale so a run takes minutes.

For each size (40, 200, 1,000 moves over 20 channels): the delay from a step change to
the first place a person can see it (the card or the thread) and to its thread reply,
p50/p95 in real seconds; the change -> the bot's read; 429s per method; the share of
reported changes whose reply was merged; card updates per move; status reads per move
per minute against the CLI's `--follow` (20); milestones and summaries sent; CPU (cores
at real speed: CPU seconds per real second of the saga) and peak RSS.

    python -m bench.tracking_limits [--sizes 40,200,1000] [--scales 0.05,0.1,0.25]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import time
from pathlib import Path

from bench.limits_figures import LimitFigures, analyse
from bench.outbox_monitor import Monitor
from bench.report import table, write_section
from bench.stack import BotProcess, Stack
from bench.tracking_scale import health, setup
from sandbox.butterbase import SimulatorConfig
from sandbox.butterbase.config import DEFAULT_STEP_DURATIONS

POLL = 5.0
STEP = 45.0
SPREAD = (2.0, 90.0)  # `requested` lasts this long (real s): the moves start apart
MOVE = STEP * 12 + SPREAD[1]  # real seconds until the last move ends
ROOT = str(Path(__file__).resolve().parents[1])
DRAIN = 120.0  # real seconds for the outbox once every move is over


async def run_one(n: int, channels: int, scale: float, seed: int) -> LimitFigures:
    durations = {s: STEP for s in DEFAULT_STEP_DURATIONS} | {"requested": SPREAD[0]}
    config = SimulatorConfig(time_scale=scale, step_durations=durations, tick_seconds=0.02)
    stack = Stack.start(config, channels=channels, slack_time_scale=scale)
    env = stack.bot_env(
        BOT_POLL_SECONDS=f"{POLL * scale:g}",
        BENCH_TIME_SCALE=f"{scale:g}",
        PYTHONPATH=ROOT,  # `bench` is not installed
    )
    bot = BotProcess(env=env, cwd=stack.workdir, module="bench.bot_main")
    monitor = Monitor(stack.db_path).start() if os.environ.get("BENCH_MONITOR") else None
    try:
        spread = (SPREAD[0] * scale, SPREAD[1] * scale)
        where = setup(stack, n, channels, random.Random(seed), first_step=spread)
        stack.sim.requests.clear()
        bot.start()
        started, before = time.time(), bot.usage()
        while time.time() - started < (MOVE + 60) * scale + 30:
            with stack.sim.lock:
                moving = sum(not m.terminal for m in stack.sim.migrations.values())
            if moving == 0:
                break
            await asyncio.sleep(0.5)
        await asyncio.sleep(POLL * scale * 2)
        ended, after = time.time(), bot.usage()
        drained = False
        while time.time() - ended < DRAIN * scale + 10:
            h = health(bot)
            if h.get("tracked") == 0 and h.get("outbox_depth") == 0:
                drained = True
                break
            await asyncio.sleep(0.5)
        final = bot.usage()
        problems = len(bot.problems())
    finally:
        bot.stop()
        if monitor is not None:
            monitor.stop()
    try:
        figures = analyse(
            stack,
            where,
            scale=scale,
            window=(started, ended),
            cpu=after.cpu_seconds - before.cpu_seconds,
            rss_peak=final.rss_peak_mib,
        )
        figures.note = (
            f"time scale {scale:g}; tracked {ended - started:.0f} s wall; outbox "
            f"{'drained' if drained else 'NOT drained'} {time.time() - ended:.0f} s after; "
            f"{problems} error lines in the bot's log"
        )
        return figures
    finally:
        stack.stop()


ROWS: list[tuple[str, str, str]] = [
    ("step changes", "changes", ""),
    ("change → visible (card or thread) p50, s", "visible_p50", ""),
    ("change → visible p95, s", "visible_p95", "40: < 7; 200: < 15; 1000: < 60"),
    ("change → thread reply p50, s", "reply_p50", ""),
    ("change → thread reply p95, s", "reply_p95", ""),
    ("change → bot's read p50, s", "read_p50", "< 2"),
    ("changes visible nowhere at the end", "unseen", "0"),
    ("replies merged (share of reported changes)", "merged", ""),
    ("card updates / move", "cards_per_move", ""),
    ("status reads / move / min", "reads_per_min", "<= 10"),
    ("  against the CLI's 20", "vs_cli", "<= 0.5x"),
    ("429s by method", "ratelimited", "40: 0; 200: a handful"),
    ("milestones + summaries sent / queued", "endings", "all"),
    ("bot CPU, cores at real speed", "cores_real", "< 0.3"),
    ("bot CPU, cores during the run (wall)", "cores_wall", ""),
    ("bot peak RSS, MiB", "rss_peak", ""),
]


def render(results: list[LimitFigures], channels: int) -> str:
    headers = ["figure", *(f"{r.n} moves" for r in results), "target"]
    rows = [[label, *(getattr(r, key) for r in results), target] for label, key, target in ROWS]
    notes = "\n".join(f"- {r.n} moves: {r.note}" for r in results)
    return (
        f"13 steps of {STEP:.0f} s per move (real), {channels} channels, poll {POLL:.0f} s with "
        "the adaptive schedule, every Slack limit of the stand-in on (Tier 3 chat.update "
        "50/min, chat.postMessage 1/s/channel and 600/min), all time-scaled together. "
        f"Times in real seconds.\n\n{table(headers, rows)}\n\n{notes}\n"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="40,200,1000")
    parser.add_argument("--scales", default="0.05,0.1,0.25")
    parser.add_argument("--channels", type=int, default=20)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    scales = [float(s) for s in args.scales.split(",")]
    results = []
    for n, scale in zip(sizes, scales, strict=True):
        print(f"tracking {n} moves at time scale {scale:g}...", flush=True)
        results.append(asyncio.run(run_one(n, args.channels, scale, args.seed)))
        print(render(results[-1:], args.channels), flush=True)
    text = render(results, args.channels)
    print(text)
    command = f"python -m bench.tracking_limits --sizes {args.sizes} --scales {args.scales}"
    write_section("Tracking under Slack's limits", text, command=command)


if __name__ == "__main__":
    main()
