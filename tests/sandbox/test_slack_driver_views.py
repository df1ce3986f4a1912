"""The driver's Home-tab clicks and view submissions, against the recording app."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import DriverError, SlackDriver, SlackWorkspace
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


async def test_click_in_the_home_tab(
    driver: SlackDriver, bot: RecordingApp, ws: SlackWorkspace, client: AsyncWebClient
) -> None:
    await client.views_publish(user_id="U_REQ", view={"type": "home", "blocks": card_blocks("h")})
    await driver.click_home("U_REQ", "refresh")
    payload = bot.received[-1]
    assert payload["container"]["type"] == "view" and payload["view"]["type"] == "home"
    assert payload["actions"][0]["block_id"] == "buttons-h"
    with pytest.raises(DriverError):
        await driver.click_home("U_APP2", "refresh")


def teardown_modal() -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "teardown_confirm",
        "private_metadata": '{"migration": "m1"}',
        "title": {"type": "plain_text", "text": "Tear down"},
        "submit": {"type": "plain_text", "text": "Tear down"},
        "blocks": [
            {
                "type": "input",
                "block_id": "app",
                "label": {"type": "plain_text", "text": "App id"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            },
            {
                "type": "input",
                "block_id": "region",
                "label": {"type": "plain_text", "text": "Region"},
                "element": {
                    "type": "static_select",
                    "action_id": "pick",
                    "options": [
                        {"text": {"type": "plain_text", "text": "EU West"}, "value": "eu-west-1"}
                    ],
                },
            },
        ],
    }


async def open_modal(client: AsyncWebClient, ws: SlackWorkspace, user: str) -> str:
    opened = await client.views_open(trigger_id=ws.issue_trigger(user), view=teardown_modal())
    return str(opened["view"]["id"])


async def test_submit_view_with_errors_keeps_it_open(
    driver: SlackDriver, bot: RecordingApp, ws: SlackWorkspace, client: AsyncWebClient
) -> None:
    view_id = await open_modal(client, ws, "U_APP1")
    bot.reply = {"response_action": "errors", "errors": {"app": "Type app-42 to confirm"}}
    await driver.submit_view(
        "U_APP1", view_id, {"app": {"value": "app-41"}, "region": {"pick": "eu-west-1"}}
    )
    payload = bot.received[-1]
    assert payload["type"] == "view_submission" and payload["user"]["id"] == "U_APP1"
    assert payload["view"]["id"] == view_id and payload["view"]["callback_id"] == "teardown_confirm"
    assert payload["view"]["private_metadata"] == '{"migration": "m1"}'
    assert payload["view"]["state"]["values"] == {
        "app": {"value": {"type": "plain_text_input", "value": "app-41"}},
        "region": {
            "pick": {
                "type": "static_select",
                "selected_option": {
                    "text": {"type": "plain_text", "text": "EU West"},
                    "value": "eu-west-1",
                },
            }
        },
    }
    view = ws.find_view(view_id)
    assert view is not None and view.is_open and view.errors == {"app": "Type app-42 to confirm"}
    bot.reply = None
    await driver.submit_view("U_APP1", view_id, {"app": {"value": "app-42"}})
    assert not view.is_open and view.errors == {}
    with pytest.raises(DriverError):
        await driver.submit_view("U_APP1", view_id, {})


async def test_submit_view_update_and_clear(
    driver: SlackDriver, bot: RecordingApp, ws: SlackWorkspace, client: AsyncWebClient
) -> None:
    view_id = await open_modal(client, ws, "U_APP2")
    bot.reply = {
        "response_action": "update",
        "view": {**teardown_modal(), "title": {"type": "plain_text", "text": "Done"}},
    }
    await driver.submit_view("U_APP2", view_id, {"app": {"value": "app-42"}})
    view = ws.find_view(view_id)
    assert view is not None and view.is_open and view.definition["title"]["text"] == "Done"
    with pytest.raises(DriverError, match="nope"):
        await driver.submit_view("U_APP2", view_id, {"nope": {"value": "x"}})
    bot.reply = {"response_action": "clear"}
    await driver.submit_view("U_APP2", view_id, {})
    assert ws.open_views("U_APP2") == []
