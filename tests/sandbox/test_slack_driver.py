"""The driver against a tiny app that checks signatures like Bolt and records what arrived."""

from __future__ import annotations

import pytest
from slack_sdk.web.async_client import AsyncWebClient
from slack_sdk.webhook.async_client import AsyncWebhookClient

from sandbox.slack import DriverError, SlackDriver, SlackStandIn, SlackWorkspace
from sandbox.slack.recorder import RecordingApp
from tests.sandbox.slack_driver_fixtures import (  # noqa: F401 (fixtures)
    SECRET,
    bot,
    bot_server,
    card_blocks,
    client,
    clock,
    driver,
    standin,
    ws,
)


async def test_command_sends_slacks_form_fields(
    driver: SlackDriver,
    bot: RecordingApp,
    ws: SlackWorkspace,
    standin: SlackStandIn,
    client: AsyncWebClient,
) -> None:
    result = await driver.command("U_REQ", "C_MIGRATIONS", "/migrate", "app-42 eu-west-1")
    assert result.status == 200 and result.elapsed_ms > 0
    [form] = bot.received
    assert set(form) >= {
        "token",
        "team_id",
        "team_domain",
        "channel_id",
        "channel_name",
        "user_id",
        "user_name",
        "command",
        "text",
        "api_app_id",
        "response_url",
        "trigger_id",
    }
    assert (form["user_id"], form["user_name"], form["channel_id"], form["channel_name"]) == (
        "U_REQ",
        "riley",
        "C_MIGRATIONS",
        "migrations",
    )
    assert (form["command"], form["text"], form["team_id"]) == (
        "/migrate",
        "app-42 eu-west-1",
        "T_SANDBOX",
    )
    assert form["response_url"].startswith(f"{standin.url}/response/")
    opened = await client.views_open(
        trigger_id=form["trigger_id"],
        view={
            "type": "modal",
            "title": {"type": "plain_text", "text": "Pick"},
            "blocks": [],
        },
    )
    assert ws.find_view(opened["view"]["id"]).user == "U_REQ"  # type: ignore[union-attr]


async def test_synchronous_ack_text_becomes_an_ephemeral(
    driver: SlackDriver, bot: RecordingApp, ws: SlackWorkspace
) -> None:
    bot.reply = {"text": "Usage: /migrate <app_id> <dest_region>"}
    result = await driver.command("U_REQ", "C_MIGRATIONS", "/migrate", "help")
    assert result.body == {"text": "Usage: /migrate <app_id> <dest_region>"}
    [shown] = ws.ephemerals("U_REQ", channel="C_MIGRATIONS")
    assert shown.source == "ack" and shown.text.startswith("Usage")
    bot.reply = None
    await driver.command("U_REQ", "C_MIGRATIONS", "/migrate", "app-42 eu-west-1")
    assert len(ws.ephemerals("U_REQ")) == 1


async def test_click_builds_block_actions_from_the_current_message(
    driver: SlackDriver, bot: RecordingApp, ws: SlackWorkspace
) -> None:
    card = ws.add_message("C_MIGRATIONS", text="card", blocks=card_blocks("v1"))
    ws.edit_message(card, text="card", blocks=card_blocks("v2"))
    await driver.click("U_APP1", "C_MIGRATIONS", card.ts, "abort")
    [payload] = bot.received
    assert payload["type"] == "block_actions"
    assert payload["user"] == {
        "id": "U_APP1",
        "username": "ada",
        "name": "ada",
        "team_id": "T_SANDBOX",
    }
    assert payload["container"] == {
        "type": "message",
        "message_ts": card.ts,
        "channel_id": "C_MIGRATIONS",
        "is_ephemeral": False,
    }
    assert payload["channel"] == {"id": "C_MIGRATIONS", "name": "migrations"}
    assert (
        payload["message"]["ts"] == card.ts
        and payload["message"]["blocks"][1]["block_id"] == "buttons-v2"
    )
    assert payload["trigger_id"] in ws.triggers and payload["response_url"].endswith(
        tuple(ws.response_urls)
    )
    [action] = payload["actions"]
    assert action["action_id"] == "abort" and action["block_id"] == "buttons-v2"
    assert action["value"] == "m1:v2" and action["type"] == "button" and action["style"] == "danger"
    assert action["text"]["text"] == "Abort" and "action_ts" in action
    assert payload["api_app_id"] == "A_SANDBOX" and payload["team"]["id"] == "T_SANDBOX"


async def test_click_with_stale_values_missing_buttons_and_force(
    driver: SlackDriver, bot: RecordingApp, ws: SlackWorkspace
) -> None:
    card = ws.add_message("C_MIGRATIONS", text="card", blocks=card_blocks("v2"))
    await driver.click(
        "U_APP1", "C_MIGRATIONS", card.ts, "abort", block_id="buttons-v1", value="m1:v1"
    )
    stale = bot.received[-1]["actions"][0]
    assert (stale["block_id"], stale["value"]) == ("buttons-v1", "m1:v1")
    with pytest.raises(DriverError, match="approve"):
        await driver.click("U_APP1", "C_MIGRATIONS", card.ts, "approve")
    await driver.click("U_APP1", "C_MIGRATIONS", card.ts, "approve", force=True, value="x")
    assert bot.received[-1]["actions"][0]["action_id"] == "approve"
    with pytest.raises(DriverError):
        await driver.click("U_APP1", "C_MIGRATIONS", "1.000000", "abort")


async def test_click_in_an_ephemeral_and_replace_it(
    driver: SlackDriver, bot: RecordingApp, ws: SlackWorkspace
) -> None:
    private = ws.add_ephemeral("C_MIGRATIONS", "U_REQ", text="pick", blocks=card_blocks("e"))
    await driver.click("U_REQ", "C_MIGRATIONS", private.message_ts, "refresh", ephemeral=True)
    payload = bot.received[-1]
    assert payload["container"]["is_ephemeral"] is True and "message" not in payload
    await AsyncWebhookClient(payload["response_url"]).send(text="done", replace_original=True)
    assert ws.ephemerals("U_REQ")[0].text == "done"


async def test_events_and_retries(driver: SlackDriver, bot: RecordingApp) -> None:
    await driver.app_home_opened("U_REQ")
    await driver.event(
        {"type": "app_home_opened", "user": "U_APP1", "tab": "home"}, event_id="Ev1", retry_num=1
    )
    first, second = bot.received
    assert first["type"] == "event_callback" and first["event"]["type"] == "app_home_opened"
    assert first["event"]["user"] == "U_REQ" and first["team_id"] == "T_SANDBOX"
    assert second["event_id"] == "Ev1" and bot.headers[1]["x-slack-retry-num"] == "1"


async def test_forgeries_are_refused_by_a_verifying_app(
    driver: SlackDriver, bot: RecordingApp
) -> None:
    assert (await driver.command("U_REQ", "C_OPS", "/migrate", sign=False)).status == 401
    assert (await driver.command("U_REQ", "C_OPS", "/migrate", bad_signature=True)).status == 401
    assert (await driver.command("U_REQ", "C_OPS", "/migrate", timestamp_offset=-400)).status == 401
    assert (
        await driver.event({"type": "app_home_opened", "user": "U_REQ"}, bad_signature=True)
    ).status == 401
    assert bot.rejected == 4 and bot.received == []
    body = b"command=%2Fmigrate&user_id=U_REQ"
    assert (
        await driver.raw(body, {"Content-Type": "application/x-www-form-urlencoded"})
    ).status == 401
    good = await driver.raw(
        body, {"Content-Type": "application/x-www-form-urlencoded", **driver.sign(body)}
    )
    assert good.status == 200 and bot.received == [{"command": "/migrate", "user_id": "U_REQ"}]
