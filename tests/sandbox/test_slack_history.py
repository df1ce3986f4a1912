"""Message metadata, read back with conversations.history / conversations.replies."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import ManualClock, SlackStandIn, SlackWorkspace

TOKEN = "xoxb-sandbox"
KEY = {"event_type": "outbox_item", "event_payload": {"key": "m1:reply:7"}}


@pytest.fixture(scope="module")
def server() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=TOKEN) as running:
        yield running


@pytest.fixture
def ws(server: SlackStandIn) -> SlackWorkspace:
    return server.use(SlackWorkspace(clock=ManualClock(), rate_limits=False))


@pytest.fixture
def client(server: SlackStandIn, ws: SlackWorkspace) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=server.api_url)


async def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call
    return str(caught.value.response["error"])


async def test_post_stores_metadata_and_history_returns_it_only_when_asked(
    client: AsyncWebClient,
) -> None:
    posted = await client.chat_postMessage(channel="C_OPS", text="card", metadata=KEY)
    assert posted["message"]["metadata"] == KEY
    plain = await client.conversations_history(channel="C_OPS")
    assert "metadata" not in plain["messages"][0]
    full = await client.conversations_history(channel="C_OPS", include_all_metadata=True)
    assert full["messages"][0]["metadata"] == KEY and full["messages"][0]["ts"] == posted["ts"]


async def test_metadata_as_a_form_field_and_bad_metadata(
    server: SlackStandIn, ws: SlackWorkspace, client: AsyncWebClient
) -> None:
    form = AsyncWebClient(token=TOKEN, base_url=server.api_url)
    await form.api_call(
        "chat.postMessage",
        data={"channel": "C_OPS", "text": "x", "metadata": '{"event_type": "t"}'},
    )
    assert ws.channel_messages("C_OPS")[0].metadata == {"event_type": "t", "event_payload": {}}
    bad = client.chat_postMessage(channel="C_OPS", text="x", metadata={"event_payload": {}})
    assert await error_of(bad) == "invalid_metadata_schema"
    garbled = form.api_call(
        "chat.postMessage", data={"channel": "C_OPS", "text": "x", "metadata": "{nope"}
    )
    assert await error_of(garbled) == "invalid_metadata_format"
    assert len(ws.channel_messages("C_OPS")) == 1


async def test_update_keeps_replaces_or_removes_metadata(
    client: AsyncWebClient, ws: SlackWorkspace
) -> None:
    ts = (await client.chat_postMessage(channel="C_OPS", text="v1", metadata=KEY))["ts"]
    await client.chat_update(channel="C_OPS", ts=ts, text="v2")
    assert ws.find_message("C_OPS", ts).metadata == KEY  # type: ignore[union-attr]
    other = {"event_type": "card", "event_payload": {"version": 2}}
    updated = await client.chat_update(channel="C_OPS", ts=ts, text="v3", metadata=other)
    assert updated["message"]["metadata"] == other
    removed = {"channel": "C_OPS", "ts": ts, "text": "v4", "metadata": []}
    await client.api_call("chat.update", json=removed)
    assert ws.find_message("C_OPS", ts).metadata is None  # type: ignore[union-attr]


async def test_history_newest_first_bounded_and_paged_by_cursor(
    client: AsyncWebClient, ws: SlackWorkspace
) -> None:
    sent = [(await client.chat_postMessage(channel="C_OPS", text=f"m{n}"))["ts"] for n in range(5)]
    await client.chat_postMessage(channel="C_OPS", thread_ts=sent[0], text="a plain reply")
    first = await client.conversations_history(channel="C_OPS", limit=2)
    assert [m["text"] for m in first["messages"]] == ["m4", "m3"] and first["has_more"]
    cursor = first["response_metadata"]["next_cursor"]
    second = await client.conversations_history(channel="C_OPS", limit=2, cursor=cursor)
    assert [m["text"] for m in second["messages"]] == ["m2", "m1"]
    cursor = second["response_metadata"]["next_cursor"]
    last = await client.conversations_history(channel="C_OPS", limit=2, cursor=cursor)
    assert [m["text"] for m in last["messages"]] == ["m0"] and not last["has_more"]
    assert last["response_metadata"]["next_cursor"] == ""
    window = await client.conversations_history(channel="C_OPS", oldest=sent[1], latest=sent[3])
    assert [m["text"] for m in window["messages"]] == ["m2"]
    both = await client.conversations_history(
        channel="C_OPS", oldest=sent[1], latest=sent[3], inclusive=True
    )
    assert [m["text"] for m in both["messages"]] == ["m3", "m2", "m1"]
    assert await error_of(client.conversations_history(channel="C_OPS", cursor="x!")) == (
        "invalid_cursor"
    )


async def test_replies_give_the_parent_then_the_thread_with_metadata(
    client: AsyncWebClient,
) -> None:
    card = (await client.chat_postMessage(channel="C_OPS", text="card"))["ts"]
    for n in range(3):
        key = {"event_type": "outbox_item", "event_payload": {"key": f"r{n}"}}
        await client.chat_postMessage(channel="C_OPS", thread_ts=card, text=f"r{n}", metadata=key)
    thread = await client.conversations_replies(channel="C_OPS", ts=card, include_all_metadata=True)
    assert [m["text"] for m in thread["messages"]] == ["card", "r0", "r1", "r2"]
    keys = [m.get("metadata", {}).get("event_payload", {}).get("key") for m in thread["messages"]]
    assert keys == [None, "r0", "r1", "r2"]
    reply_ts = thread["messages"][2]["ts"]
    page = await client.conversations_replies(channel="C_OPS", ts=reply_ts, limit=2)
    assert [m["text"] for m in page["messages"]] == ["card", "r0"] and page["has_more"]
    rest = await client.conversations_replies(
        channel="C_OPS", ts=card, cursor=page["response_metadata"]["next_cursor"]
    )
    assert [m["text"] for m in rest["messages"]] == ["r1", "r2"]  # the parent on page 1 only
    since = await client.conversations_replies(channel="C_OPS", ts=card, oldest=reply_ts)
    assert [m["text"] for m in since["messages"]] == ["card", "r2"]
    missing = client.conversations_replies(channel="C_OPS", ts="1.000001")
    assert await error_of(missing) == "thread_not_found"


async def test_history_and_replies_are_tier3_limited(server: SlackStandIn) -> None:
    ws = server.use(SlackWorkspace(clock=ManualClock()))
    client = AsyncWebClient(token=TOKEN, base_url=server.api_url)
    card = (await client.chat_postMessage(channel="C_OPS", text="card"))["ts"]
    for _ in range(10):
        await client.conversations_history(channel="C_OPS")
        await client.conversations_replies(channel="C_OPS", ts=card)
    assert await error_of(client.conversations_history(channel="C_OPS")) == "ratelimited"
    assert await error_of(client.conversations_replies(channel="C_OPS", ts=card)) == ("ratelimited")
    assert ws.ratelimited_by_method == {"conversations.history": 1, "conversations.replies": 1}
