"""chat.* through slack-sdk's AsyncWebClient against the stand-in over HTTP."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.models.blocks import ActionsBlock, ButtonElement, SectionBlock
from slack_sdk.web.async_client import AsyncWebClient

from sandbox.slack import ManualClock, SlackStandIn, SlackWorkspace

TOKEN = "xoxb-sandbox"
NO_TEXT_WARNING = "ignore:The top-level `text` argument is missing:UserWarning"


@pytest.fixture(scope="module")
def server() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=TOKEN) as running:
        yield running


@pytest.fixture
def standin(server: SlackStandIn) -> SlackStandIn:
    server.use(SlackWorkspace(clock=ManualClock()))
    return server


@pytest.fixture
def client(standin: SlackStandIn) -> AsyncWebClient:
    return AsyncWebClient(token=TOKEN, base_url=standin.api_url)


async def error_of(call: Any) -> str:
    with pytest.raises(SlackApiError) as caught:
        await call
    return str(caught.value.response["error"])


def section(text: str) -> dict[str, Any]:
    return {"type": "section", "text": {"type": "mrkdwn", "text": text}}


def button(text: str, action_id: str = "go") -> dict[str, Any]:
    element = {
        "type": "button",
        "action_id": action_id,
        "text": {"type": "plain_text", "text": text},
    }
    return {"type": "actions", "elements": [element]}


async def test_post_message_answers_like_slack_and_is_stored(
    client: AsyncWebClient, standin: SlackStandIn
) -> None:
    blocks = [
        SectionBlock(block_id="b1", text="*app-42* · us-east-1 → eu-west-1"),
        ActionsBlock(
            block_id="b2", elements=[ButtonElement(text="Abort", action_id="abort", value="m1")]
        ),
    ]
    response = await client.chat_postMessage(
        channel="C_MIGRATIONS", text="app-42 moving", blocks=blocks
    )
    assert response["ok"] and response["channel"] == "C_MIGRATIONS"
    message = response["message"]
    assert message["ts"] == response["ts"] and message["bot_id"] == "B_BOT"
    assert message["user"] == "U_BOT" and message["text"] == "app-42 moving"
    assert message["blocks"][1]["elements"][0]["action_id"] == "abort"
    stored = standin.ws.channel_messages("C_MIGRATIONS")
    assert [m.ts for m in stored] == [response["ts"]]
    call = standin.ws.calls_of("chat.postMessage")[0]
    assert call.status == 200 and call.args["channel"] == "C_MIGRATIONS"
    assert call.response["ts"] == response["ts"]


async def test_blocks_as_a_json_string_in_a_form(
    client: AsyncWebClient, standin: SlackStandIn
) -> None:
    response = await client.api_call(
        "chat.postMessage",
        data={"channel": "C_OPS", "text": "t", "blocks": json.dumps([section("hi")])},
    )
    assert response["message"]["blocks"][0]["text"]["text"] == "hi"


async def test_thread_reply_and_broadcast(client: AsyncWebClient, standin: SlackStandIn) -> None:
    parent = await client.chat_postMessage(channel="C_MIGRATIONS", text="card")
    await client.chat_postMessage(channel="C_MIGRATIONS", text="step", thread_ts=parent["ts"])
    await client.chat_postMessage(
        channel="C_MIGRATIONS", text="cutover", thread_ts=parent["ts"], reply_broadcast=True
    )
    assert [m.text for m in standin.ws.thread("C_MIGRATIONS", parent["ts"])] == ["step", "cutover"]
    assert [m.text for m in standin.ws.channel_messages("C_MIGRATIONS")] == ["card", "cutover"]


@pytest.mark.filterwarnings(NO_TEXT_WARNING)
@pytest.mark.parametrize(
    ("kwargs", "error"),
    [
        ({"channel": "C_NOPE", "text": "x"}, "channel_not_found"),
        ({"channel": "C_OPS"}, "no_text"),
        ({"channel": "C_OPS", "text": "x" * 40_001}, "msg_too_long"),
        ({"channel": "C_OPS", "text": "x", "thread_ts": "1.000000"}, "thread_not_found"),
        ({"channel": "C_OPS", "text": "x", "blocks": [section("s")] * 51}, "invalid_blocks"),
        ({"channel": "C_OPS", "text": "x", "blocks": [section("s" * 3001)]}, "invalid_blocks"),
        (
            {
                "channel": "C_OPS",
                "text": "x",
                "blocks": [{"type": "header", "text": {"type": "plain_text", "text": "h" * 151}}],
            },
            "invalid_blocks",
        ),
        ({"channel": "C_OPS", "text": "x", "blocks": [button("b" * 76)]}, "invalid_blocks"),
        (
            {"channel": "C_OPS", "text": "x", "blocks": [section("s" * 2900)] * 5},
            "msg_blocks_too_long",
        ),
        ({"channel": "C_OPS", "text": "x", "blocks": "not json"}, "invalid_blocks_format"),
    ],
)
async def test_post_message_errors(
    client: AsyncWebClient, standin: SlackStandIn, kwargs: dict[str, Any], error: str
) -> None:
    assert await error_of(client.chat_postMessage(**kwargs)) == error
    assert standin.ws.channel_messages("C_OPS") == []
    assert standin.ws.calls[-1].status == 200
    assert standin.ws.calls[-1].response == {
        "ok": False,
        "error": error,
        **standin.ws.calls[-1].response,
    }


async def test_invalid_blocks_say_where(client: AsyncWebClient) -> None:
    with pytest.raises(SlackApiError) as caught:
        await client.chat_postMessage(channel="C_OPS", text="x", blocks=[section("s" * 3001)])
    assert "[json-pointer:/blocks/0/text/text]" in caught.value.response["errors"][0]


async def test_update_keeps_history_and_omitted_blocks(
    client: AsyncWebClient, standin: SlackStandIn
) -> None:
    posted = await client.chat_postMessage(
        channel="C_MIGRATIONS", text="v1", blocks=[section("one")]
    )
    updated = await client.chat_update(channel="C_MIGRATIONS", ts=posted["ts"], text="v2")
    assert updated["ts"] == posted["ts"] and updated["text"] == "v2"
    message = standin.ws.find_message("C_MIGRATIONS", posted["ts"])
    assert message is not None
    assert [v.text for v in message.versions] == ["v1", "v2"]
    assert message.blocks[0]["text"]["text"] == "one"
    await client.chat_update(channel="C_MIGRATIONS", ts=posted["ts"], text="v3", blocks=[])
    assert message.blocks == [] and message.edited


async def test_update_errors(client: AsyncWebClient, standin: SlackStandIn) -> None:
    assert (
        await error_of(client.chat_update(channel="C_OPS", ts="1.0", text="x"))
        == "message_not_found"
    )
    human = standin.ws.add_message("C_OPS", text="mine", user="U_REQ", bot=False)
    assert (
        await error_of(client.chat_update(channel="C_OPS", ts=human.ts, text="x"))
        == "cant_update_message"
    )
    posted = await client.chat_postMessage(channel="C_OPS", text="card")
    assert (
        await error_of(
            client.chat_update(
                channel="C_OPS", ts=posted["ts"], text="x", blocks=[section("s")] * 51
            )
        )
        == "invalid_blocks"
    )


@pytest.mark.filterwarnings(NO_TEXT_WARNING)
async def test_post_ephemeral(client: AsyncWebClient, standin: SlackStandIn) -> None:
    response = await client.chat_postEphemeral(
        channel="C_MIGRATIONS", user="U_REQ", text="only you"
    )
    [ephemeral] = standin.ws.ephemerals("U_REQ", channel="C_MIGRATIONS")
    assert response["message_ts"] == ephemeral.message_ts and ephemeral.text == "only you"
    assert standin.ws.ephemerals("U_APP1") == []
    assert (
        await error_of(client.chat_postEphemeral(channel="C_OPS", user="U_NOPE", text="x"))
        == "user_not_found"
    )
    assert (
        await error_of(client.chat_postEphemeral(channel="C_NOPE", user="U_REQ", text="x"))
        == "channel_not_found"
    )
    assert await error_of(client.chat_postEphemeral(channel="C_OPS", user="U_REQ")) == "no_text"


async def test_permalinks(client: AsyncWebClient, standin: SlackStandIn) -> None:
    parent = await client.chat_postMessage(channel="C_MIGRATIONS", text="card")
    reply = await client.chat_postMessage(channel="C_MIGRATIONS", text="r", thread_ts=parent["ts"])
    link = await client.chat_getPermalink(channel="C_MIGRATIONS", message_ts=parent["ts"])
    digits = parent["ts"].replace(".", "")
    assert link["permalink"] == f"{standin.url}/archives/C_MIGRATIONS/p{digits}"
    reply_link = await client.chat_getPermalink(channel="C_MIGRATIONS", message_ts=reply["ts"])
    assert reply_link["permalink"].endswith(f"?thread_ts={parent['ts']}&cid=C_MIGRATIONS")
    assert (
        await error_of(client.chat_getPermalink(channel="C_MIGRATIONS", message_ts="1.0"))
        == "message_not_found"
    )


async def test_posting_to_a_user_id_goes_to_the_bots_direct_messages(
    client: AsyncWebClient, standin: SlackStandIn
) -> None:
    response = await client.chat_postMessage(channel="U_REQ", text="hello")
    assert response["channel"] == "D_U_REQ"
    assert [m.text for m in standin.ws.channel_messages("D_U_REQ")] == ["hello"]
