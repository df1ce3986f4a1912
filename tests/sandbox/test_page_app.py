"""The workspace page's server against the real bot, simulator and Slack stand-in:
what a person sees for each acting user, and what their typing and clicking sends."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest

from sandbox.page.app import PageContext, create_page_app
from sandbox.slack.methods_views import views_open
from tests.e2e.harness import CHANNEL, World, close_world, make_world, wait_for

pytestmark = pytest.mark.e2e


@pytest.fixture
async def world(tmp_path: Any) -> AsyncIterator[World]:
    w = make_world(tmp_path)
    try:
        yield w
    finally:
        await close_world(w)


@pytest.fixture
async def page(world: World) -> AsyncIterator[httpx.AsyncClient]:
    ctx = PageContext(ws=world.ws, sim=world.sim, make_driver=lambda: world.d)
    transport = httpx.ASGITransport(app=create_page_app(ctx))
    async with httpx.AsyncClient(transport=transport, base_url="http://page") as client:
        yield client


async def state(page: httpx.AsyncClient, user: str = "U_REQ", **params: Any) -> dict[str, Any]:
    response = await page.get("/api/state", params={"user": user, "channel": CHANNEL, **params})
    assert response.status_code == 200
    body: dict[str, Any] = response.json()
    return body


async def test_the_page_and_its_commands_are_served(page: httpx.AsyncClient) -> None:
    index = await page.get("/")
    assert index.status_code == 200 and '<script src="/static/app.js">' in index.text
    assert "http" not in index.text.replace("http-equiv", "")  # nothing from the internet
    script = await page.get("/static/app.js")
    assert script.status_code == 200 and "/api/state" in script.text
    meta = (await page.get("/api/meta")).json()
    assert [c["name"] for c in meta["commands"]] == [
        "/migrate",
        "/migration-status",
        "/abort",
        "/reverse",
        "/teardown",
    ]
    assert (
        "<code>/migrate &lt;app_id&gt; &lt;dest_region&gt;</code>" in meta["commands"][0]["usage"]
    )
    assert {"id": "U_APP1", "name": "Ada Approver"} in meta["users"]


async def test_a_typed_migrate_shows_the_card_and_its_thread(
    world: World, page: httpx.AsyncClient
) -> None:
    sent = await page.post(
        "/api/command",
        json={"user": "U_REQ", "channel": CHANNEL, "text": "/migrate app-42 eu-west-1"},
    )
    assert sent.json() == {"ok": True, "status": 200}
    cards = await wait_for(lambda: world.cards(), message="the card")
    await wait_for(
        lambda: any("Summary" in t for t in world.thread_texts(cards[0].ts)),
        message="the move to complete",
    )
    shown = await state(page, thread=cards[0].ts)
    assert "app-42 · us-east-1 → eu-west-1 · Completed" in shown["channel"]
    assert 'data-action-id="migration_request_teardown"' in shown["channel"]
    assert "Copying blobs" in shown["thread"] and "Summary" in shown["thread"]
    assert "bk-unsupported" not in shown["channel"] + shown["thread"]


async def test_ephemerals_show_only_to_the_acting_user(
    world: World, page: httpx.AsyncClient
) -> None:
    await page.post(
        "/api/command",
        json={"user": "U_REQ", "channel": CHANNEL, "text": "/migrate nope-app eu-west-1"},
    )
    await wait_for(lambda: world.ephemeral_texts("U_REQ"), message="a private reply")
    mine, theirs = await state(page, "U_REQ"), await state(page, "U_APP1")
    assert "Only visible to you" in mine["channel"] and "nope-app" in mine["channel"]
    assert "nope-app" not in theirs["channel"]


async def test_unknown_commands_and_people_are_refused(page: httpx.AsyncClient) -> None:
    bad = await page.post("/api/command", json={"user": "U_REQ", "text": "/deploy app-42"})
    assert bad.status_code == 400 and "/migrate" in bad.json()["error"]
    nobody = await page.post("/api/command", json={"user": "U_NOBODY", "text": "/migrate app-42"})
    assert nobody.status_code == 400 and "U_NOBODY" in nobody.json()["error"]


async def test_the_long_poll_returns_on_a_change(world: World, page: httpx.AsyncClient) -> None:
    before = (await state(page))["version"]
    waiting = asyncio.create_task(state(page, since=before))
    await asyncio.sleep(0.2)
    assert not waiting.done()
    await page.post("/api/say", json={"user": "U_APP2", "channel": CHANNEL, "text": "hello *team*"})
    after = await asyncio.wait_for(waiting, 2)
    assert after["version"] > before and "<b>team</b>" in after["channel"]
    assert "Grace Approver" in after["channel"]


async def test_buttons_are_clicked_through_the_driver(
    world: World, page: httpx.AsyncClient
) -> None:
    world.sim.stall_step("app-42", "dumping_data")
    await page.post("/api/command", json={"user": "U_REQ", "text": "/migrate app-42 eu-west-1"})
    card = (await wait_for(lambda: world.cards(), message="the card"))[0]
    before = len(world.ws.calls_of("chat.update"))
    clicked = await page.post(
        "/api/click",
        json={
            "user": "U_APP1",
            "channel": CHANNEL,
            "ts": card.ts,
            "action_id": "migration_refresh",
        },
    )
    assert clicked.json()["ok"] is True
    await wait_for(
        lambda: len(world.ws.calls_of("chat.update")) > before, message="the card to refresh"
    )
    stale = await page.post(
        "/api/click", json={"user": "U_REQ", "ts": card.ts, "action_id": "no_such_button"}
    )
    assert stale.status_code == 400 and "no_such_button" in stale.json()["error"]


async def test_the_simulator_switches(world: World, page: httpx.AsyncClient) -> None:
    refused = await page.post("/api/sim", json={"op": "fail-current", "app": "app-42"})
    assert refused.status_code == 409 and "no migration in flight" in refused.json()["error"]
    world.sim.stall_step("app-42", "reserving_dest")
    await page.post("/api/command", json={"user": "U_REQ", "text": "/migrate app-42 eu-west-1"})

    def step() -> str | None:
        flight = world.sim.in_flight("app-42")
        return flight.current_step if flight else None

    await wait_for(lambda: step() == "reserving_dest", message="the move, held at reserving")
    assert (await page.post("/api/sim", json={"op": "unstall", "app": "app-42"})).json()["ok"]
    await page.post("/api/sim", json={"op": "stall", "app": "app-42"})
    panel = (await state(page))["sim"]
    assert "stalled" in panel and "Fail step" in panel
    failed = await page.post("/api/sim", json={"op": "fail-current", "app": "app-42"})
    assert "fails until Butterbase gives up" in failed.json()["message"]
    await page.post("/api/sim", json={"op": "outage"})
    assert "API unreachable (503)" in (await state(page))["sim"]
    await page.post("/api/sim", json={"op": "end-outage"})
    assert "API answering" in (await state(page))["sim"]


async def test_a_modal_shows_to_its_user_and_is_submitted_as_slack_would(
    world: World, page: httpx.AsyncClient
) -> None:
    view = {
        "type": "modal",
        "callback_id": "teardown_confirm",
        "private_metadata": "ap-unknown",
        "title": {"type": "plain_text", "text": "Confirm teardown"},
        "submit": {"type": "plain_text", "text": "Tear down"},
        "blocks": [
            {
                "type": "input",
                "block_id": "teardown_confirm_app",
                "label": {"type": "plain_text", "text": "Type app-42"},
                "element": {"type": "plain_text_input", "action_id": "teardown_confirm_input"},
            },
        ],
    }
    opened = views_open(
        world.ws, {"trigger_id": world.ws.issue_trigger("U_APP1"), "view": json.dumps(view)}
    )
    view_id = opened["view"]["id"]
    assert f'data-view-id="{view_id}"' in (await state(page, "U_APP1"))["modal"]
    assert (await state(page, "U_REQ"))["modal"] == ""
    with world.ws.changing():
        world.ws.views[view_id].errors = {"teardown_confirm_app": "Type app-42 exactly."}
    assert 'role="alert">Type app-42 exactly.</div>' in (await state(page, "U_APP1"))["modal"]
    sent = await page.post(
        "/api/submit",
        json={
            "user": "U_APP1",
            "view_id": view_id,
            "values": {"teardown_confirm_app": {"teardown_confirm_input": "app-42"}},
        },
    )
    assert sent.status_code == 200
    shown = world.ws.views[view_id]
    assert not shown.is_open or shown.errors != {"teardown_confirm_app": "Type app-42 exactly."}
    assert (
        world.ws.views[view_id].state_values["teardown_confirm_app"]["teardown_confirm_input"][
            "value"
        ]
        == "app-42"
    )
    closed = await page.post("/api/close", json={"user": "U_REQ", "view_id": view_id})
    assert closed.status_code == 404  # not Riley's modal
