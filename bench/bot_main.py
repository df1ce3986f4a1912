"""`python -m bench.bot_main`: the bot as `python -m bot` runs it over HTTP, with the
time scale of a benchmark applied to what runs on Slack's clock and on the read
schedule's floor (`BENCH_TIME_SCALE`, e.g. 0.05: Slack's budgets 20x faster, reads of a
move at least 0.05 s apart, matching a simulator and a stand-in run at that scale).
Listens on 127.0.0.1 only."""

from __future__ import annotations

import os

import uvicorn

from bot import logs, polling
from bot.__main__ import load, secrets_of
from bot.runtime import Runtime


def main() -> None:
    settings = load()
    logs.configure(fmt=settings.bot_log_format, secrets=secrets_of(settings))
    scale = float(os.environ.get("BENCH_TIME_SCALE", "1"))
    runtime = Runtime(settings, post_interval=scale, slack_time_scale=scale)
    runtime.tracker.schedule = polling.Schedule(
        poll=settings.bot_poll_seconds, min_gap=polling.Schedule.min_gap * scale
    )
    uvicorn.run(runtime.web, host="127.0.0.1", port=settings.bot_port, log_level="warning")


if __name__ == "__main__":
    main()
