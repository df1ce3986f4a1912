"""The bot posts only where it is a member; inviting it later tells it so."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import BOT_USER_ID, SlackDriver, SlackWorkspace
from sandbox.slack.recorder import RecordingApp
from tests.sandbox.slack_driver_fixtures import (  # noqa: F401 (fixtures)
    bot,
    bot_server,
    client,
    clock,
    driver,
    standin,
    ws,
)


async def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call
    return str(caught.value.response["error"])


async def test_not_in_channel_until_invited(ws: SlackWorkspace, client: AsyncWebClient) -> None:
    ws.add_channel("C_NEW", "new-team", bot_member=False)
    assert await error_of(client.chat_postMessage(channel="C_NEW", text="x")) == "not_in_channel"
    ephemeral = client.chat_postEphemeral(channel="C_NEW", user="U_REQ", text="x")
    assert await error_of(ephemeral) == "not_in_channel"
    assert await error_of(client.conversations_history(channel="C_NEW")) == "not_in_channel"
    info = await client.conversations_info(channel="C_NEW")
    assert info["channel"]["is_member"] is False
    assert ws.channel_messages("C_NEW") == []
    ws.invite_bot("C_NEW")
    assert (await client.chat_postMessage(channel="#new-team", text="hello"))["ok"]
    assert [m.text for m in ws.channel_messages("C_NEW")] == ["hello"]
    assert (await client.conversations_info(channel="C_NEW"))["channel"]["is_member"] is True


async def test_removed_bot_is_refused_again(ws: SlackWorkspace, client: AsyncWebClient) -> None:
    ws.remove_bot("C_OPS")
    assert await error_of(client.chat_postMessage(channel="C_OPS", text="x")) == "not_in_channel"
    assert ws.calls_of("chat.postMessage")[0].response == {"ok": False, "error": "not_in_channel"}


async def test_driver_invite_sends_member_joined_channel(
    ws: SlackWorkspace, driver: SlackDriver, bot: RecordingApp, client: AsyncWebClient
) -> None:
    ws.add_channel("C_LATE", "late", bot_member=False)
    result = await driver.invite_bot("C_LATE", inviter="U_APP1")
    assert result.status == 200
    event = bot.received[-1]["event"]
    assert event["type"] == "member_joined_channel"
    assert (event["user"], event["channel"], event["inviter"]) == (BOT_USER_ID, "C_LATE", "U_APP1")
    assert (await client.chat_postMessage(channel="C_LATE", text="now I can"))["ok"]


def test_seeded_channels_have_the_bot() -> None:
    ws = SlackWorkspace()
    assert all(c.bot_member for c in ws.channels.values())
    with pytest.raises(KeyError):
        ws.invite_bot("C_MISSING")
