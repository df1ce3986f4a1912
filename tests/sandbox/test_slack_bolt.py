"""A real Bolt AsyncApp driven through the stand-in: the round trip the bot will make."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import pytest
from slack_bolt.adapter.starlette.async_handler import AsyncSlackRequestHandler
from slack_bolt.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from sandbox.server import ServerThread
from sandbox.slack import ManualClock, SlackDriver, SlackStandIn, SlackWorkspace

SECRET = "bolt-signing-secret"
TOKEN = "xoxb-sandbox"

CONFIRM = {
    "type": "modal",
    "callback_id": "confirm",
    "title": {"type": "plain_text", "text": "Confirm"},
    "submit": {"type": "plain_text", "text": "Go"},
    "blocks": [
        {
            "type": "input",
            "block_id": "app",
            "label": {"type": "plain_text", "text": "Type the app id"},
            "element": {"type": "plain_text_input", "action_id": "value"},
        }
    ],
}


def build_bolt(api_url: str) -> Starlette:
    """A miniature bot: one command, one button, one modal, the Home tab."""
    app = AsyncApp(signing_secret=SECRET, client=AsyncWebClient(token=TOKEN, base_url=api_url))

    @app.command("/migrate")
    async def migrate(
        ack: Any, respond: Any, command: dict[str, Any], client: AsyncWebClient
    ) -> None:
        await ack("Starting…")
        posted = await client.chat_postMessage(
            channel=command["channel_id"],
            text=f"{command['text']} · queued",
            blocks=[
                {
                    "type": "actions",
                    "block_id": "card-1",
                    "elements": [
                        {
                            "type": "button",
                            "action_id": "abort",
                            "value": "m1",
                            "text": {"type": "plain_text", "text": "Abort"},
                        }
                    ],
                }
            ],
        )
        await client.chat_postMessage(
            channel=command["channel_id"], thread_ts=posted["ts"], text="step 1"
        )
        await respond(text="Card posted")

    @app.action("abort")
    async def abort(ack: Any, body: dict[str, Any], client: AsyncWebClient) -> None:
        await ack()
        await client.views_open(trigger_id=body["trigger_id"], view=CONFIRM)

    @app.view("confirm")
    async def confirm(ack: Any, view: dict[str, Any]) -> None:
        typed = view["state"]["values"]["app"]["value"]["value"]
        if typed != "app-42":
            await ack(response_action="errors", errors={"app": "Type app-42 to confirm"})
            return
        await ack()

    @app.event("app_home_opened")
    async def home(event: dict[str, Any], client: AsyncWebClient) -> None:
        await client.views_publish(
            user_id=event["user"],
            view={
                "type": "home",
                "blocks": [{"type": "section", "text": {"type": "mrkdwn", "text": "Hi"}}],
            },
        )

    handler = AsyncSlackRequestHandler(app)

    async def events(request: Request) -> Response:
        return await handler.handle(request)

    return Starlette(routes=[Route("/slack/events", events, methods=["POST"])])


@pytest.fixture(scope="module")
def standin() -> Iterator[SlackStandIn]:
    with SlackStandIn(bot_token=TOKEN) as running:
        yield running


@pytest.fixture(scope="module")
def bolt(standin: SlackStandIn) -> Iterator[ServerThread]:
    with ServerThread(build_bolt(standin.api_url)) as server:
        yield server


@pytest.fixture
async def driver(standin: SlackStandIn, bolt: ServerThread) -> AsyncIterator[SlackDriver]:
    ws = standin.use(SlackWorkspace(clock=ManualClock()))
    async with SlackDriver(
        ws, bot_url=bolt.url, signing_secret=SECRET, api_base_url=standin.url
    ) as d:
        yield d


async def eventually(ws: SlackWorkspace, check: Callable[[], bool]) -> None:
    """Wait on the workspace's change feed until `check()` holds."""
    version = ws.version
    while not check():
        new = await ws.wait_for_change(version, 5.0)
        assert new > version, "the workspace stopped changing before the check held"
        version = new


async def test_command_click_modal_round_trip(driver: SlackDriver) -> None:
    ws = driver.ws
    result = await driver.command("U_REQ", "C_MIGRATIONS", "/migrate", "app-42 eu-west-1")
    assert result.status == 200 and result.body == "Starting…"  # Bolt acks text as text/plain
    await eventually(ws, lambda: len(ws.ephemerals("U_REQ")) == 2)
    assert sorted((e.source, e.text) for e in ws.ephemerals("U_REQ")) == [
        ("ack", "Starting…"),
        ("response_url", "Card posted"),
    ]
    [card] = ws.channel_messages("C_MIGRATIONS")
    await eventually(ws, lambda: len(ws.thread("C_MIGRATIONS", card.ts)) == 1)

    click = await driver.click("U_APP1", "C_MIGRATIONS", card.ts, "abort")
    assert click.status == 200
    await eventually(ws, lambda: bool(ws.open_views("U_APP1")))
    [modal] = ws.open_views("U_APP1")

    refused = await driver.submit_view("U_APP1", modal.id, {"app": {"value": "app-41"}})
    assert refused.body == {
        "response_action": "errors",
        "errors": {"app": "Type app-42 to confirm"},
    }
    assert modal.is_open and modal.errors == {"app": "Type app-42 to confirm"}
    accepted = await driver.submit_view("U_APP1", modal.id, {"app": {"value": "app-42"}})
    assert accepted.status == 200 and not modal.is_open

    await driver.app_home_opened("U_APP2")
    # the stand-in stores the view a moment before it logs the call: wait for both
    await eventually(
        ws,
        lambda: ws.home_view("U_APP2") is not None and bool(ws.calls_of("views.publish")),
    )
    methods = [c.method for c in ws.calls]
    for method in ("chat.postMessage", "response_url", "views.open", "views.publish"):
        assert method in methods
    assert {c.status for c in ws.calls} == {200}


async def test_bolt_rejects_forged_requests(driver: SlackDriver) -> None:
    assert (
        await driver.command("U_REQ", "C_OPS", "/migrate", "x", bad_signature=True)
    ).status == 401
    assert (
        await driver.command("U_REQ", "C_OPS", "/migrate", "x", timestamp_offset=-400)
    ).status == 401
    assert driver.ws.channel_messages("C_OPS") == []
