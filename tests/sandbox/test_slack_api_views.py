"""views.*, users.info, usergroups.users.list, conversations.info and auth.test via slack-sdk."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

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
def clock() -> ManualClock:
    return ManualClock()


@pytest.fixture
def ws(server: SlackStandIn, clock: ManualClock) -> SlackWorkspace:
    return server.use(SlackWorkspace(clock=clock))


@pytest.fixture
def client(server: SlackStandIn, ws: SlackWorkspace) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=server.api_url)


async def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call
    return str(caught.value.response["error"])


def modal(title: str = "Confirm", **extra: Any) -> dict[str, Any]:
    return {
        "type": "modal",
        "callback_id": "teardown_confirm",
        "private_metadata": "m-1",
        "title": {"type": "plain_text", "text": title},
        "submit": {"type": "plain_text", "text": "Tear down"},
        "blocks": [
            {
                "type": "input",
                "block_id": "app",
                "label": {"type": "plain_text", "text": "Type the app id"},
                "element": {"type": "plain_text_input", "action_id": "value"},
            }
        ],
        **extra,
    }


def home(text: str) -> dict[str, Any]:
    return {
        "type": "home",
        "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": text}}],
    }


async def test_auth_test_names_the_bot(client: AsyncWebClient, server: SlackStandIn) -> None:
    response = await client.auth_test()
    assert response["user_id"] == "U_BOT" and response["bot_id"] == "B_BOT"
    assert response["team_id"] == "T_SANDBOX" and response["url"] == server.url + "/"


async def test_directory_lookups(client: AsyncWebClient) -> None:
    user = await client.users_info(user="U_APP2")
    assert user["user"]["real_name"] == "Grace Approver" and user["user"]["name"] == "grace"
    group = await client.usergroups_users_list(usergroup="S_APPROVERS")
    assert group["users"] == ["U_APP1", "U_APP2"]
    channel = await client.conversations_info(channel="C_MIGRATIONS")
    assert channel["channel"]["name"] == "migrations"
    assert await error_of(client.users_info(user="U_NOPE")) == "user_not_found"
    assert await error_of(client.usergroups_users_list(usergroup="S_NOPE")) == "no_such_subteam"
    assert await error_of(client.conversations_info(channel="C_NOPE")) == "channel_not_found"


async def test_views_open_with_a_fresh_trigger(client: AsyncWebClient, ws: SlackWorkspace) -> None:
    trigger = ws.issue_trigger("U_APP1")
    response = await client.views_open(trigger_id=trigger, view=modal())
    view = response["view"]
    assert view["id"].startswith("V") and view["callback_id"] == "teardown_confirm"
    assert view["private_metadata"] == "m-1" and view["state"] == {"values": {}}
    stored = ws.find_view(view["id"])
    assert stored is not None and stored.user == "U_APP1" and stored.is_open
    assert ws.open_views("U_APP1") == [stored]


async def test_trigger_errors(
    client: AsyncWebClient, ws: SlackWorkspace, clock: ManualClock
) -> None:
    assert (
        await error_of(client.views_open(trigger_id="123.456.abc", view=modal()))
        == "invalid_trigger_id"
    )
    late = ws.issue_trigger("U_APP1")
    clock.advance(3.01)
    assert await error_of(client.views_open(trigger_id=late, view=modal())) == "expired_trigger_id"
    used = ws.issue_trigger("U_APP1")
    clock.advance(2.9)
    await client.views_open(trigger_id=used, view=modal())
    assert (
        await error_of(client.views_open(trigger_id=used, view=modal())) == "exchanged_trigger_id"
    )


async def test_bad_view_definitions(client: AsyncWebClient, ws: SlackWorkspace) -> None:
    no_title = {k: v for k, v in modal().items() if k != "title"}
    assert (
        await error_of(client.views_open(trigger_id=ws.issue_trigger("U_REQ"), view=no_title))
        == "invalid_arguments"
    )
    too_many = modal(blocks=[{"type": "divider"}] * 101)
    assert (
        await error_of(client.views_open(trigger_id=ws.issue_trigger("U_REQ"), view=too_many))
        == "invalid_arguments"
    )


async def test_views_update_by_id_or_external_id(
    client: AsyncWebClient, ws: SlackWorkspace
) -> None:
    opened = await client.views_open(
        trigger_id=ws.issue_trigger("U_APP1"), view=modal(external_id="ext-1")
    )
    view_id = opened["view"]["id"]
    by_id = await client.views_update(view_id=view_id, view=modal("Again"))
    assert by_id["view"]["id"] == view_id and by_id["view"]["title"]["text"] == "Again"
    by_external = await client.views_update(external_id="ext-1", view=modal("Third"))
    assert by_external["view"]["id"] == view_id
    stored = ws.find_view(view_id)
    assert stored is not None and len(stored.history) == 2
    assert await error_of(client.views_update(view_id="V_NOPE", view=modal())) == "not_found"
    assert await error_of(client.views_update(external_id="nope", view=modal())) == "not_found"
    assert (
        await error_of(client.views_update(view_id=view_id, hash="stale", view=modal()))
        == "hash_conflict"
    )


async def test_views_push_stacks_on_the_open_modal(
    client: AsyncWebClient, ws: SlackWorkspace
) -> None:
    first = await client.views_open(trigger_id=ws.issue_trigger("U_APP1"), view=modal())
    pushed = await client.views_push(trigger_id=ws.issue_trigger("U_APP1"), view=modal("Sure?"))
    assert pushed["view"]["previous_view_id"] == first["view"]["id"]
    assert pushed["view"]["root_view_id"] == first["view"]["id"]
    assert [v.id for v in ws.open_views("U_APP1")] == [first["view"]["id"], pushed["view"]["id"]]
    assert (
        await error_of(client.views_push(trigger_id=ws.issue_trigger("U_APP2"), view=modal()))
        == "not_found"
    )


async def test_views_publish_home(client: AsyncWebClient, ws: SlackWorkspace) -> None:
    first = await client.views_publish(user_id="U_REQ", view=home("nothing running"))
    second = await client.views_publish(user_id="U_REQ", view=home("app-42 moving"))
    assert first["view"]["id"] == second["view"]["id"] and second["view"]["type"] == "home"
    current = ws.home_view("U_REQ")
    assert current is not None and current.blocks[0]["text"]["text"] == "app-42 moving"
    assert ws.home_view("U_APP1") is None
    assert (
        await error_of(client.views_publish(user_id="U_NOPE", view=home("x"))) == "user_not_found"
    )
    assert (
        await error_of(client.views_publish(user_id="U_REQ", view=modal())) == "invalid_arguments"
    )
