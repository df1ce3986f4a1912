"""Auth, argument encodings, rate limiting, injected faults and outages."""

from __future__ import annotations

import types
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.http_retry import async_handler, builtin_async_handlers
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import ManualClock, SlackStandIn, SlackWorkspace

TOKEN = "xoxb-sandbox"


@pytest.fixture(scope="module")
def server() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=TOKEN) as running:
        yield running


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def ws(server: SlackStandIn, clock: ManualClock) -> SlackWorkspace:
    return server.use(SlackWorkspace(clock=clock))


@pytest.fixture
def client(server: SlackStandIn, ws: SlackWorkspace) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=server.api_url)


@pytest.fixture
def slept(monkeypatch: pytest.MonkeyPatch, clock: ManualClock) -> list[float]:
    """slack-sdk's retry handlers sleep on this fake, which moves the stand-in's clock."""
    durations: list[float] = []

    async def fake_sleep(seconds: float) -> None:
        durations.append(seconds)
        clock.advance(seconds)

    fake_asyncio = types.SimpleNamespace(sleep=fake_sleep)
    monkeypatch.setattr(builtin_async_handlers, "asyncio", fake_asyncio)
    monkeypatch.setattr(async_handler, "asyncio", fake_asyncio)
    return durations


async def failure(call: Any) -> tuple[int, str, dict[str, str]]:
    with pytest.raises(SlackApiError) as caught:
        await call
    response = caught.value.response
    return response.status_code, str(response["error"]), dict(response.headers)


async def test_missing_and_wrong_tokens(server: SlackStandIn, ws: SlackWorkspace) -> None:
    anonymous = AsyncWebClient(base_url=server.api_url)
    assert (await failure(anonymous.auth_test()))[:2] == (200, "not_authed")
    wrong = AsyncWebClient(token="xoxb-wrong", base_url=server.api_url)
    assert (await failure(wrong.chat_postMessage(channel="C_OPS", text="x")))[:2] == (
        200,
        "invalid_auth",
    )
    assert ws.channel_messages("C_OPS") == []


async def test_unknown_method(client: AsyncWebClient) -> None:
    assert (await failure(client.api_call("chat.teleport")))[:2] == (200, "unknown_method")


async def test_form_query_and_json_arguments(server: SlackStandIn, ws: SlackWorkspace) -> None:
    async with httpx.AsyncClient(base_url=server.api_url) as http:
        form = await http.post(
            "chat.postMessage", data={"token": TOKEN, "channel": "C_OPS", "text": "form"}
        )
        query = await http.get("users.info", params={"token": TOKEN, "user": "U_REQ"})
        as_json = await http.post(
            "chat.postMessage",
            json={"channel": "C_OPS", "text": "json", "reply_broadcast": False},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
    assert form.json()["ok"] and query.json()["user"]["id"] == "U_REQ" and as_json.json()["ok"]
    assert [m.text for m in ws.channel_messages("C_OPS")] == ["form", "json"]
    assert "token" not in ws.calls_of("chat.postMessage")[0].args


async def test_rate_limit_per_channel(
    client: AsyncWebClient, ws: SlackWorkspace, clock: ManualClock
) -> None:
    for n in range(3):  # a short burst is tolerated
        await client.chat_postMessage(channel="C_MIGRATIONS", text=f"burst {n}")
    await client.chat_postMessage(channel="C_OPS", text="other channel is fine")
    status, error, headers = await failure(
        client.chat_postMessage(channel="C_MIGRATIONS", text="two")
    )
    assert (status, error) == (429, "ratelimited")
    assert headers["Retry-After"] == "1"
    assert ws.ratelimited_count == 1
    assert ws.ratelimited_by_method == {"chat.postMessage": 1}
    assert len(ws.channel_messages("C_MIGRATIONS")) == 3
    clock.advance(1.0)
    await client.chat_postMessage(channel="C_MIGRATIONS", text="two")
    assert [c.status for c in ws.calls_of("chat.postMessage")] == [200] * 4 + [429, 200]


async def test_sdk_rate_limit_handler_retries_through_it(
    server: SlackStandIn, ws: SlackWorkspace, slept: list[float]
) -> None:
    client = AsyncWebClient(
        token=TOKEN,
        base_url=server.api_url,
        retry_handlers=[AsyncRateLimitErrorRetryHandler(max_retry_count=2)],
    )
    for n in range(3):
        await client.chat_postMessage(channel="C_MIGRATIONS", text=f"burst {n}")
    response = await client.chat_postMessage(channel="C_MIGRATIONS", text="two")
    assert response["ok"]
    assert len(slept) == 1 and 1 <= slept[0] < 2  # Retry-After: 1, plus the handler's jitter
    assert [c.status for c in ws.calls_of("chat.postMessage")] == [200] * 3 + [429, 200]
    assert [m.text for m in ws.channel_messages("C_MIGRATIONS")][-1] == "two"


async def test_fail_next_by_method_and_count(client: AsyncWebClient, ws: SlackWorkspace) -> None:
    ws.fail_next("chat.update", status=500, count=2)
    ws.fail_next(None, status=429, retry_after=7)
    assert (await failure(client.auth_test()))[:2] == (429, "ratelimited")
    posted = await client.chat_postMessage(channel="C_OPS", text="card")
    for _ in range(2):
        status, error, _ = await failure(
            client.chat_update(channel="C_OPS", ts=posted["ts"], text="v2")
        )
        assert (status, error) == (500, "internal_error")
    await client.chat_update(channel="C_OPS", ts=posted["ts"], text="v2")
    assert ws.calls[0].headers == {"Retry-After": "7"} and ws.ratelimited_count == 1


async def test_server_error_handler_retries_an_injected_503(
    server: SlackStandIn, ws: SlackWorkspace, slept: list[float]
) -> None:
    client = AsyncWebClient(
        token=TOKEN,
        base_url=server.api_url,
        retry_handlers=[AsyncServerErrorRetryHandler(max_retry_count=1)],
    )
    ws.fail_next("chat.postMessage", status=503)
    assert (await client.chat_postMessage(channel="C_OPS", text="x"))["ok"]
    assert [c.status for c in ws.calls_of("chat.postMessage")] == [503, 200] and len(slept) == 1


async def test_outage_by_the_clock(
    client: AsyncWebClient, ws: SlackWorkspace, clock: ManualClock
) -> None:
    ws.outage(30)
    assert (await failure(client.auth_test()))[:2] == (503, "service_unavailable")
    assert (await failure(client.chat_postMessage(channel="C_OPS", text="x")))[:2] == (
        503,
        "service_unavailable",
    )
    clock.advance(30)
    assert (await client.auth_test())["ok"]
    ws.outage(5, status=500)
    assert (await failure(client.users_info(user="U_REQ")))[:2] == (500, "internal_error")
    assert ws.channel_messages("C_OPS") == []
