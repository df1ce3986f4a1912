"""A post carried out whose answer never arrives: dropped, or stalled then dropped."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import aiohttp
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import ManualClock, SlackStandIn, SlackWorkspace

TOKEN = "xoxb-sandbox"


@pytest.fixture(scope="module")
def server() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=TOKEN) as running:
        yield running


@pytest.fixture
def ws(server: SlackStandIn) -> SlackWorkspace:
    return server.use(SlackWorkspace(clock=ManualClock()))


def client(server: SlackStandIn, timeout: int = 30) -> AsyncWebClient:
    """A client that never retries by itself, so each loss shows."""
    return AsyncWebClient(token=TOKEN, base_url=server.api_url, timeout=timeout, retry_handlers=[])


async def test_dropped_answer_after_the_message_is_stored(
    server: SlackStandIn, ws: SlackWorkspace
) -> None:
    ws.lose_answers("chat.postMessage", mode="drop", skip=1)
    slack = client(server)
    await slack.chat_postMessage(channel="C_OPS", text="first: answered")
    with pytest.raises(aiohttp.ClientPayloadError):
        await slack.chat_postMessage(channel="C_OPS", text="second: answer dropped")
    await slack.chat_postMessage(channel="C_OPS", text="third: answered")
    texts = [m.text for m in ws.channel_messages("C_OPS")]
    assert texts == ["first: answered", "second: answer dropped", "third: answered"]
    assert [c.lost for c in ws.calls_of("chat.postMessage")] == [None, "drop", None]


async def test_refused_calls_do_not_count_towards_the_loss(
    server: SlackStandIn, ws: SlackWorkspace
) -> None:
    ws.lose_answers("chat.postMessage", mode="drop")
    slack = client(server)
    with pytest.raises(SlackApiError) as refused:
        await slack.chat_postMessage(channel="C_NOPE", text="x")
    assert refused.value.response["error"] == "channel_not_found"
    with pytest.raises(aiohttp.ClientPayloadError):
        await slack.chat_postMessage(channel="C_OPS", text="stored")
    assert [m.text for m in ws.channel_messages("C_OPS")] == ["stored"]


async def test_stalled_answer_until_the_caller_gives_up(
    server: SlackStandIn, ws: SlackWorkspace
) -> None:
    ws.lose_answers("chat.postMessage", mode="stall", count=2)
    slack = client(server, timeout=1)
    for n in range(2):
        with pytest.raises(TimeoutError):
            await slack.chat_postMessage(channel="C_OPS", text=f"stalled {n}")
    await slack.chat_postMessage(channel="C_OPS", text="answered")
    assert [m.text for m in ws.channel_messages("C_OPS")] == ["stalled 0", "stalled 1", "answered"]
    assert [c.lost for c in ws.calls_of("chat.postMessage")] == ["stall", "stall", None]


async def test_released_stall_is_dropped_never_delivered(
    server: SlackStandIn, ws: SlackWorkspace
) -> None:
    ws.lose_answers("chat.postMessage", mode="stall")
    slack = client(server)
    posting = asyncio.create_task(slack.chat_postMessage(channel="C_OPS", text="held"))
    version = ws.version
    while not ws.calls_of("chat.postMessage"):
        version = await ws.wait_for_change(version, timeout=5)
    assert not posting.done()
    ws.release_stalls()
    with pytest.raises(aiohttp.ClientPayloadError):
        await posting
    assert [m.text for m in ws.channel_messages("C_OPS")] == ["held"]


async def test_only_the_method_asked_for_loses_answers(
    server: SlackStandIn, ws: SlackWorkspace
) -> None:
    ws.lose_answers("chat.update", mode="drop")
    slack = client(server)
    posted = await slack.chat_postMessage(channel="C_OPS", text="v1")
    with pytest.raises(aiohttp.ClientPayloadError):
        await slack.chat_update(channel="C_OPS", ts=posted["ts"], text="v2")
    assert ws.channel_messages("C_OPS")[0].text == "v2"
