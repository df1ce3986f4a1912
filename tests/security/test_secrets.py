"""Tokens and keys never leave the bot: a whole move, a reverse approved and run, a
teardown approved and confirmed, App Home, the `/teardown` list and a forged request,
with distinctive token, signing secret and API key values — none of them (nor their
random part) appears in the bot's log at DEBUG, in any table of the store (or its
files on disk), in anything sent to Slack, or in the bot's HTTP answers."""

from __future__ import annotations

import json
import logging
import sqlite3
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from bot import ids
from bot.runtime import Runtime
from sandbox.butterbase import DASHBOARD_KEY, Simulator, SimulatorConfig, SimulatorServer
from sandbox.server import ServerThread
from sandbox.slack import SlackDriver, SlackStandIn, SlackWorkspace
from tests.e2e.approvals_support import ask, click, completed_move, request, status_of
from tests.e2e.harness import (
    APPROVER1,
    CHANNEL,
    REQUESTER,
    SLACK_TIME_SCALE,
    World,
    close_world,
    settings_for,
    slack_pacing,
)
from tests.security.support import LogTrap, send, trapped_logs

TOKEN = "xoxb-sec-7Q2w9E4r1T6yU8i"
SIGNING_SECRET = "sgn-3Zx8Cv5Bn2MmL0k"
API_KEY = "bb_sk_sec_K4j7H1g9F3d6S5a"
# each whole, and its random part alone (a secret cut or re-encoded is still a leak)
NEEDLES = (TOKEN, SIGNING_SECRET, API_KEY, "7Q2w9E4r1T6yU8i", "3Zx8Cv5Bn2MmL0k", "K4j7H1g9F3d6S5a")


def make_secret_world(tmp_path: Path) -> World:
    """The harness's world, with these secrets everywhere it has one."""
    keys = {API_KEY: "user-bot", DASHBOARD_KEY: "user-dashboard"}
    sim = Simulator(SimulatorConfig(time_scale=0.002, api_keys=keys))
    for app_id, region in (("app-42", "us-east-1"), ("shop-eu", "eu-west-1")):
        sim.seed_app(app_id, region=region, replica_cost=42.5)
    sim_server = SimulatorServer(sim).start()
    ws = SlackWorkspace(time_scale=SLACK_TIME_SCALE)
    slack = SlackStandIn(ws, bot_token=TOKEN).start()
    db = tmp_path / "bot.db"
    settings = settings_for(
        db,
        slack_api=slack.api_url,
        butterbase=sim_server.url,
        SLACK_BOT_TOKEN=TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        BUTTERBASE_API_KEY=API_KEY,
    )
    world = World(sim=sim, sim_server=sim_server, slack=slack, ws=ws, db=db, settings=settings)
    world.runtime = Runtime(settings, **slack_pacing(ws))
    world.bot = ServerThread(world.runtime.web).start()
    world.driver = SlackDriver(
        ws, bot_url=world.bot.url, signing_secret=SIGNING_SECRET, api_base_url=slack.url
    )
    return world


@pytest.fixture
async def secret_world(tmp_path: Path) -> AsyncIterator[tuple[World, LogTrap]]:
    with trapped_logs(logging.DEBUG) as trap:  # from before the bot starts
        world = make_secret_world(tmp_path)
        try:
            yield world, trap
        finally:
            await close_world(world)


def leaks(text: str) -> list[str]:
    return [n for n in NEEDLES if n in text]


def dumped(value: Any) -> str:
    return json.dumps(value, default=lambda o: getattr(o, "__dict__", str(o)), ensure_ascii=False)


def store_text(db: Path) -> str:
    """Every table of the SQLite file as SQL text, and the raw bytes of its files."""
    with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
        text = "\n".join(conn.iterdump())
    files = [p for p in db.parent.iterdir() if p.name.startswith(db.name)]
    raw = b"".join(p.read_bytes() for p in files)
    return text + raw.decode("latin-1")


def slack_text(world: World) -> str:
    """Everything the Slack stand-in holds: calls (args and answers), messages with
    every version, ephemerals, views and their history."""
    ws = world.ws
    parts: list[Any] = [[(c.method, c.args, c.response) for c in ws.calls]]
    for channel in ws.channels:
        parts.append([m.versions for m in ws.channel_messages(channel, include_replies=True)])
    for user in ws.users:
        parts.append([e.versions for e in ws.ephemerals(user)])
    parts.append([(v.definition, v.history, v.errors) for v in ws.views.values()])
    return dumped(parts)


async def test_no_secret_in_logs_store_or_messages(
    secret_world: tuple[World, LogTrap],
) -> None:
    world, trap = secret_world
    answers: list[Any] = []

    # a whole move, and a reverse approved and carried out
    move = await completed_move(world, "app-42", "eu-west-1")
    reverse = await request(world, "reverse", move)
    answers.append(await click(world, APPROVER1, reverse))
    await status_of(world, reverse.approval_id, "executed")

    # a second move, and its teardown approved in the confirmation modal
    other = await completed_move(world, "shop-eu", "us-west-2")
    teardown = await request(world, "teardown", other)
    assert teardown.message_ts is not None
    result = await world.d.click(APPROVER1, CHANNEL, teardown.message_ts, ids.APPROVE)
    answers.append(result.body)
    modal = [
        v for v in world.ws.open_views(APPROVER1) if v.callback_id == ids.TEARDOWN_CONFIRM_VIEW
    ]
    block = {ids.TEARDOWN_CONFIRM_BLOCK: {ids.TEARDOWN_CONFIRM_INPUT: "shop-eu"}}
    answers.append((await world.d.submit_view(APPROVER1, modal[0].id, block)).body)
    await status_of(world, teardown.approval_id, "executed")

    # the other ways the bot speaks: lists, App Home, refusals, its own endpoints
    answers.append(await ask(world, REQUESTER, "/teardown", ""))
    answers.append(await ask(world, REQUESTER, "/migration-status", "app-42"))
    answers.append((await world.d.app_home_opened(REQUESTER)).body)
    answers.append((await send(world, b"payload={}", bad_signature=True)).body)
    answers.append((await send(world, b"payload={}")).body)
    assert world.bot is not None
    async with httpx.AsyncClient(base_url=world.bot.url) as http:
        answers.append((await http.get("/healthz")).text)
        answers.append((await http.get("/metrics")).text)

    # the secrets were really in use: Butterbase took the key, Slack the token
    assert [r for r in world.sim.requests if r["status"] == 401] == []
    assert world.ws.calls and all(c.response.get("ok") for c in world.ws.calls)
    assert any(r["method"] == "DELETE" for r in world.mutating_requests())
    assert any(r["path"].endswith("/reverse") for r in world.mutating_requests())
    assert len(trap.records) > 100  # the DEBUG log was captured

    assert leaks(trap.text()) == []
    assert leaks(store_text(world.db)) == []
    assert leaks(slack_text(world)) == []
    assert leaks(dumped(world.sim.requests)) == []
    assert leaks(dumped(answers)) == []


def test_the_scan_finds_a_planted_secret(tmp_path: Path) -> None:
    """The control: each check above can fail."""
    assert leaks(f"Authorization: Bearer {TOKEN}") == [TOKEN, "7Q2w9E4r1T6yU8i"]
    db = tmp_path / "x.db"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE t (v TEXT)")
        conn.execute("INSERT INTO t VALUES (?)", [f"key={API_KEY[-15:]}"])
    assert leaks(store_text(db)) == ["K4j7H1g9F3d6S5a"]
