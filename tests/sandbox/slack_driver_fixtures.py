"""Fixtures shared by the driver's tests: the stand-in, a recording bot, the driver."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.server import ServerThread
from sandbox.slack import ManualClock, SlackDriver, SlackStandIn, SlackWorkspace
from sandbox.slack.recorder import RecordingApp

SECRET = "sandbox-signing-secret"


@pytest.fixture(scope="module")
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


@pytest.fixture(scope="module")
def bot_server() -> Iterator[tuple[RecordingApp, ServerThread]]:
    bot = RecordingApp(SECRET)
    with ServerThread(bot.app) as server:
        yield bot, server


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def ws(standin: SlackStandIn, clock: ManualClock) -> SlackWorkspace:
    return standin.use(SlackWorkspace(clock=clock))


@pytest.fixture
def bot(bot_server: tuple[RecordingApp, ServerThread]) -> RecordingApp:
    recorder = bot_server[0]
    recorder.reset()
    return recorder


@pytest.fixture
async def driver(
    ws: SlackWorkspace, standin: SlackStandIn, bot_server: tuple[RecordingApp, ServerThread]
) -> AsyncIterator[SlackDriver]:
    async with SlackDriver(
        ws, bot_url=bot_server[1].url, signing_secret=SECRET, api_base_url=standin.url
    ) as d:
        yield d


@pytest.fixture
def client(standin: SlackStandIn, ws: SlackWorkspace) -> AsyncWebClient:
    return AsyncWebClient(token="xoxb-sandbox", base_url=standin.api_url)


def card_blocks(version: str) -> list[dict[str, Any]]:
    return [
        {
            "type": "section",
            "block_id": f"summary-{version}",
            "text": {"type": "mrkdwn", "text": "app-42"},
        },
        {
            "type": "actions",
            "block_id": f"buttons-{version}",
            "elements": [
                {
                    "type": "button",
                    "action_id": "abort",
                    "value": f"m1:{version}",
                    "text": {"type": "plain_text", "text": "Abort"},
                    "style": "danger",
                },
                {
                    "type": "button",
                    "action_id": "refresh",
                    "text": {"type": "plain_text", "text": "Refresh"},
                },
            ],
        },
    ]
