"""Response URLs through slack-sdk's AsyncWebhookClient (what Bolt's `respond` uses)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from slack_sdk.webhook.async_client import AsyncWebhookClient

from sandbox.slack import ManualClock, SlackStandIn, SlackWorkspace


@pytest.fixture(scope="module")
def server() -> Iterator[SlackStandIn]:
    with SlackStandIn() as running:
        yield running


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def ws(server: SlackStandIn, clock: ManualClock) -> SlackWorkspace:
    return server.use(SlackWorkspace(clock=clock))


def hook(server: SlackStandIn, token: str) -> AsyncWebhookClient:
    return AsyncWebhookClient(f"{server.url}/response/{token}")


async def test_ephemeral_then_replace_original(server: SlackStandIn, ws: SlackWorkspace) -> None:
    url = hook(server, ws.issue_response_url("U_REQ", "C_MIGRATIONS"))
    first = await url.send(text="Checking regions…")
    assert (first.status_code, first.body) == (200, "ok")
    await url.send(text="Started app-42", replace_original=True)
    [shown] = ws.ephemerals("U_REQ", channel="C_MIGRATIONS")
    assert shown.text == "Started app-42" and shown.source == "response_url"
    assert [v.text for v in shown.versions] == ["Checking regions…", "Started app-42"]
    assert ws.ephemerals("U_APP1") == [] and ws.channel_messages("C_MIGRATIONS") == []


async def test_in_channel_posts_as_the_bot(server: SlackStandIn, ws: SlackWorkspace) -> None:
    url = hook(server, ws.issue_response_url("U_REQ", "C_MIGRATIONS"))
    await url.send(text="Shared status", response_type="in_channel")
    [message] = ws.channel_messages("C_MIGRATIONS")
    assert message.text == "Shared status" and message.bot_id == "B_BOT"
    assert ws.calls_of("response_url")[0].args["response_type"] == "in_channel"


async def test_replace_and_delete_the_clicked_message(
    server: SlackStandIn, ws: SlackWorkspace
) -> None:
    card = ws.add_message("C_MIGRATIONS", text="card v1")
    url = hook(server, ws.issue_response_url("U_APP1", "C_MIGRATIONS", source_ts=card.ts))
    await url.send(text="card v2", replace_original=True)
    assert [v.text for v in card.versions] == ["card v1", "card v2"]
    private = ws.add_ephemeral("C_MIGRATIONS", "U_APP1", text="picker")
    url2 = hook(
        server,
        ws.issue_response_url(
            "U_APP1", "C_MIGRATIONS", source_ts=private.message_ts, source_is_ephemeral=True
        ),
    )
    await url2.send(delete_original=True)
    assert ws.ephemerals("U_APP1") == []


async def test_five_uses_then_used_url(server: SlackStandIn, ws: SlackWorkspace) -> None:
    url = hook(server, ws.issue_response_url("U_REQ", "C_OPS"))
    for n in range(5):
        assert (await url.send(text=f"#{n}")).status_code == 200
    sixth = await url.send(text="#6")
    assert (sixth.status_code, sixth.body) == (404, "used_url")
    assert len(ws.ephemerals("U_REQ")) == 5
    assert ws.calls_of("response_url")[-1].response == {"ok": False, "error": "used_url"}


async def test_thirty_minutes_then_expired_url(
    server: SlackStandIn, ws: SlackWorkspace, clock: ManualClock
) -> None:
    url = hook(server, ws.issue_response_url("U_REQ", "C_OPS"))
    clock.advance(30 * 60 + 1)
    late = await url.send(text="too late")
    assert (late.status_code, late.body) == (404, "expired_url")
    unknown = await hook(server, "nope").send(text="x")
    assert unknown.status_code == 404
    empty = await hook(server, ws.issue_response_url("U_REQ", "C_OPS")).send(text="")
    assert (empty.status_code, empty.body) == (400, "no_text")
    assert ws.ephemerals("U_REQ") == []
