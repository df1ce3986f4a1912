"""The JSON log of a move: one object per line, the migration id on every line about
the migration, and never a secret."""

from __future__ import annotations

import json
import logging
from collections.abc import Iterator

import pytest

from bot import steps
from bot.logs import JsonFormatter
from sandbox.butterbase import BOT_KEY
from tests.e2e.harness import BOT_TOKEN, CHANNEL, REQUESTER, SIGNING_SECRET, World, wait_for

QUIET = ("apscheduler", "httpx", "uvicorn.access")  # as `bot.logs.configure` sets them


class Lines(logging.Handler):
    """Every record, formatted as the bot's JSON log would print it."""

    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.setFormatter(JsonFormatter())
        self.lines: list[str] = []
        self.records: list[logging.LogRecord] = []

    def emit(self, record: logging.LogRecord) -> None:
        self.records.append(record)
        self.lines.append(self.format(record))


@pytest.fixture
def log_lines() -> Iterator[Lines]:
    root = logging.getLogger()
    handler = Lines()
    saved = root.level, {name: logging.getLogger(name).level for name in QUIET}
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    for name in QUIET:
        logging.getLogger(name).setLevel(logging.WARNING)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(saved[0])
        for name, level in saved[1].items():
            logging.getLogger(name).setLevel(level)


def about(entry: dict[str, object], record: logging.LogRecord, migration_id: str) -> bool:
    """Whether a line of the bot's log is about this migration."""
    if record.name.startswith("sandbox."):
        return False  # the stand-ins' own logs are not the bot's
    text = str(entry["message"]) + str(entry.get("error", ""))
    return (
        migration_id in text
        or migration_id[:8] in text
        or hasattr(record, "migration_id")
        or record.name in ("bot.tracker", "bot.delivery.outbox")
    )


async def test_the_json_log_of_a_move(world: World, log_lines: Lines) -> None:
    world.ws.fail_next("chat.update", status=400)  # one card update refused for good
    await world.d.command(REQUESTER, CHANNEL, "/migrate", "app-42 eu-west-1")
    (card,) = await wait_for(lambda: world.cards(), message="the status card")
    await wait_for(
        lambda: any("Summary" in t for t in world.thread_texts(card.ts)),
        message="the summary in the thread",
    )
    (migration_id,) = world.sim.migrations

    entries = [json.loads(line) for line in log_lines.lines]  # one JSON object per line
    assert all({"time", "level", "logger", "message"} <= set(e) for e in entries)
    mine = [
        e
        for e, record in zip(entries, log_lines.records, strict=True)
        if about(e, record, migration_id)
    ]
    assert mine, "the move was not logged"
    for e in mine:
        assert e.get("migration_id") == migration_id, e
        assert e.get("app_id") == "app-42" or e["logger"] == "bot.delivery.outbox", e

    changes = [e for e in mine if e["logger"] == "bot.tracker" and e["level"] == "info"]
    assert [e["step"] for e in changes][-1] == "completed"
    assert all(steps.is_known(str(e["step"])) for e in changes)
    (refused,) = [
        e for e in mine if e["level"] == "warning" and e["logger"] == "bot.delivery.outbox"
    ]
    assert "Slack refused card" in str(refused["message"])

    everything = "\n".join(log_lines.lines)
    for secret in (BOT_TOKEN, SIGNING_SECRET, BOT_KEY):
        assert secret not in everything
