"""Ack latency: how fast the bot answers Slack's HTTP requests under load.

The bot runs as `python -m bot` (its own process, under uvicorn) against the simulator
and the Slack stand-in. While 20 moves are being tracked in the background, a load
generator sends signed slash commands (`/migration-status app-42`, `/migrate` with a
bad region, `/migrate help`) and Refresh clicks on a real card, 20 a second for 30
seconds (open loop: a request is sent on time whatever the previous ones do), then
100 at once. Reported: p50/p95/p99/max of the time to the HTTP response, and errors
(anything but a 200, or no answer in 10 s). Targets: p99 < 100 ms steady, < 1,000 ms
for the burst, no errors.

    python -m bench.ack_latency [--rate 20] [--seconds 30] [--burst 100]
"""

from __future__ import annotations

import argparse
import asyncio
import time
from collections import defaultdict
from dataclasses import dataclass

from bench.report import percentile, table, write_section
from bench.stack import SIGNING_SECRET, BotProcess, Stack
from bot import ids
from sandbox.butterbase import SimulatorConfig
from sandbox.slack import SlackDriver

CHANNEL = "C_MIGRATIONS"
USER = "U_REQ"
KINDS = ("status", "migrate-bad-region", "help", "refresh")
BACKGROUND_MOVES = 20


@dataclass(frozen=True)
class Sample:
    kind: str
    ms: float
    ok: bool


async def send(driver: SlackDriver, kind: str, card_ts: str) -> Sample:
    started = time.perf_counter()
    try:
        if kind == "status":
            result = await driver.command(USER, CHANNEL, "/migration-status", "app-42")
        elif kind == "migrate-bad-region":
            result = await driver.command(USER, CHANNEL, "/migrate", "app-42 mars-north-9")
        elif kind == "help":
            result = await driver.command(USER, CHANNEL, "/migrate", "help")
        else:
            result = await driver.click(USER, CHANNEL, card_ts, ids.REFRESH)
    except Exception:  # a timeout or a dropped connection is an error, timed as it happened
        return Sample(kind, (time.perf_counter() - started) * 1000, False)
    return Sample(kind, result.elapsed_ms, result.status == 200)


async def steady(driver: SlackDriver, card_ts: str, rate: float, seconds: float) -> list[Sample]:
    loop = asyncio.get_running_loop()
    start = loop.time()
    tasks = []
    for i in range(int(rate * seconds)):
        delay = start + i / rate - loop.time()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(send(driver, KINDS[i % len(KINDS)], card_ts)))
    return list(await asyncio.gather(*tasks))


async def burst(driver: SlackDriver, card_ts: str, count: int) -> list[Sample]:
    return list(
        await asyncio.gather(*(send(driver, KINDS[i % len(KINDS)], card_ts) for i in range(count)))
    )


async def prepare(stack: Stack, driver: SlackDriver) -> str:
    """A real status card to click Refresh on (its move held at dumping_data), and
    BACKGROUND_MOVES moves being tracked while the load runs."""
    stack.sim.stall_step("app-42", "dumping_data")
    result = await driver.command(USER, CHANNEL, "/migrate", "app-42 eu-west-1")
    assert result.status == 200, result
    for i in range(BACKGROUND_MOVES):
        await driver.command(USER, CHANNEL, "/migrate", f"bg-{i:02d} eu-west-1")
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        cards = [m for m in stack.ws.channel_messages(CHANNEL) if m.text.startswith("app-42")]
        if cards:
            return cards[0].ts
        await asyncio.sleep(0.1)
    raise RuntimeError("the status card of app-42 never appeared")


def summarise(name: str, samples: list[Sample], target_ms: float) -> list[object]:
    ms = [s.ms for s in samples]
    errors = sum(not s.ok for s in samples)
    p99 = percentile(ms, 99)
    met = "yes" if p99 < target_ms and errors == 0 else "NO"
    return [
        name,
        len(ms),
        percentile(ms, 50),
        percentile(ms, 95),
        p99,
        max(ms),
        errors,
        f"p99 < {target_ms:.0f}",
        met,
    ]


async def run(rate: float, seconds: float, count: int) -> str:
    config = SimulatorConfig(time_scale=0.05)  # background moves take ~30 s
    stack = Stack.start(config)
    stack.sim.seed_app("app-42", region="us-east-1")
    for i in range(BACKGROUND_MOVES):
        stack.sim.seed_app(f"bg-{i:02d}", region="us-east-1")
    bot = BotProcess(env=stack.bot_env(), cwd=stack.workdir)
    try:
        bot.start()
        driver = SlackDriver(
            stack.ws, bot_url=bot.url, signing_secret=SIGNING_SECRET, api_base_url=stack.slack.url
        )
        card_ts = await prepare(stack, driver)
        before = bot.usage()
        started = time.monotonic()
        steady_samples = await steady(driver, card_ts, rate, seconds)
        wall = time.monotonic() - started
        after = bot.usage()
        await asyncio.sleep(2)
        burst_samples = await burst(driver, card_ts, count)
        await driver.aclose()
        problems = bot.problems()
    finally:
        bot.stop()
        stack.stop()
    headers = [
        "phase",
        "requests",
        "p50 ms",
        "p95 ms",
        "p99 ms",
        "max ms",
        "errors",
        "target",
        "met",
    ]
    rows = [
        summarise(f"steady {rate:.0f}/s x {seconds:.0f}s", steady_samples, 100),
        summarise(f"burst of {count}", burst_samples, 1000),
    ]
    by_kind: dict[str, list[float]] = defaultdict(list)
    for s in steady_samples:
        by_kind[s.kind].append(s.ms)
    kinds = table(
        ["steady, by request", "n", "p50 ms", "p99 ms", "max ms"],
        [[k, len(v), percentile(v, 50), percentile(v, 99), max(v)] for k, v in by_kind.items()],
    )
    cpu = (after.cpu_seconds - before.cpu_seconds) / wall
    notes = (
        f"Bot process during the steady phase: {cpu:.2f} CPU cores on average, peak RSS "
        f"{after.rss_peak_mib:.0f} MiB; {BACKGROUND_MOVES + 1} moves tracked meanwhile. "
        f"Error or traceback lines in the bot's log: {len(problems)}."
    )
    return f"{table(headers, rows)}\n\n{kinds}\n\n{notes}\n"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rate", type=float, default=20)
    parser.add_argument("--seconds", type=float, default=30)
    parser.add_argument("--burst", type=int, default=100)
    args = parser.parse_args()
    text = asyncio.run(run(args.rate, args.seconds, args.burst))
    print(text)
    write_section("Ack latency", text, command="python -m bench.ack_latency")


if __name__ == "__main__":
    main()
