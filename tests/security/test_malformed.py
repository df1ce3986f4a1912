"""Bodies no Slack client would send, properly signed: not JSON, the wrong shape,
fields missing. Each gets a 400 that says what is wrong — never a 500, never a
traceback — and reaches no listener: nothing said, called or stored."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest

from bot import ids
from tests.e2e.harness import REQUESTER, World
from tests.security.support import (
    LogTrap,
    Watch,
    click_payload,
    pause,
    payload_body,
    send,
    view_payload,
)

JSON = "application/json"
Build = Callable[[World], bytes]


def click(change: Callable[[dict[str, Any]], object]) -> Build:
    """A good Approve click, then `change`d (it edits the payload in place)."""

    def build(world: World) -> bytes:
        payload = click_payload(world, REQUESTER, ids.APPROVE, "5f4e3d2c")
        change(payload)
        return payload_body(payload)

    return build


def submission(change: Callable[[dict[str, Any]], object]) -> Build:
    def build(world: World) -> bytes:
        payload = view_payload(world, REQUESTER, ids.TEARDOWN_CONFIRM_VIEW, "x")
        change(payload)
        return payload_body(payload)

    return build


def command(**fields: str) -> Build:
    form = {"command": "/migrate", "text": "app-42 eu-west-1", "user_id": REQUESTER}
    form |= {"channel_id": "C_MIGRATIONS", "trigger_id": "1.2.3"}
    form |= fields
    return lambda world: urlencode({k: v for k, v in form.items() if v != "-"}).encode()


def raw(body: bytes) -> Build:
    return lambda world: body


@dataclass(frozen=True)
class Malformed:
    id: str
    build: Build
    says: str  # in the 400's error
    content_type: str = "application/x-www-form-urlencoded"


CASES = [
    Malformed("payload-not-json", raw(b"payload={not json"), "not valid JSON"),
    Malformed(
        "payload-truncated", raw(b'payload={"type": "block_actions", "user"'), "not valid JSON"
    ),
    Malformed("payload-a-list", raw(payload_body([1, 2])), "non-object body"),
    Malformed("payload-a-string", raw(payload_body("approve")), "non-object body"),
    Malformed("payload-empty-object", raw(payload_body({})), "non-object body"),
    Malformed("no-type", click(lambda p: p.pop("type")), "no `type`"),
    Malformed("type-a-number", click(lambda p: p.update(type=7)), "no `type`"),
    Malformed("no-user", click(lambda p: p.pop("user")), "names no user"),
    Malformed("user-a-string", click(lambda p: p.update(user=REQUESTER)), "names no user"),
    Malformed("user-a-number", click(lambda p: p.update(user=42)), "`user` is neither an id"),
    Malformed("user-without-id", click(lambda p: p["user"].pop("id")), "names no user"),
    Malformed("no-actions", click(lambda p: p.pop("actions")), "no `actions`"),
    Malformed("empty-actions", click(lambda p: p.update(actions=[])), "no `actions`"),
    Malformed("action-a-string", click(lambda p: p.update(actions=["approve"])), "no `action_id`"),
    Malformed(
        "action-without-id", click(lambda p: p["actions"][0].pop("action_id")), "no `action_id`"
    ),
    Malformed(
        "value-an-object",
        click(lambda p: p["actions"][0].update(value={"a": 1})),
        "`value` is not a string",
    ),
    Malformed(
        "select-a-string",
        click(lambda p: p["actions"][0].update(selected_option="eu")),
        "`selected_option`",
    ),
    Malformed(
        "container-a-string",
        click(lambda p: p.update(container="C_MIGRATIONS")),
        "`container` is not an object",
    ),
    Malformed(
        "channel-a-list",
        click(lambda p: p.update(channel=["C_MIGRATIONS"])),
        "`channel` is neither",
    ),
    Malformed("no-trigger", click(lambda p: p.pop("trigger_id")), "no `trigger_id`"),
    Malformed(
        "authorizations-a-string", click(lambda p: p.update(authorizations="x")), "`authorizations`"
    ),
    Malformed("view-missing", submission(lambda p: p.pop("view")), "no `view`"),
    Malformed(
        "view-a-string", submission(lambda p: p.update(view="teardown")), "`view` is not an object"
    ),
    Malformed(
        "view-without-type", submission(lambda p: p["view"].pop("type")), "The view has no `type`"
    ),
    Malformed(
        "view-without-callback",
        submission(lambda p: p["view"].pop("callback_id")),
        "no `callback_id`",
    ),
    Malformed(
        "view-state-a-string",
        submission(lambda p: p["view"].update(state="x")),
        "`state` is not an object",
    ),
    Malformed(
        "view-values-a-list",
        submission(lambda p: p["view"]["state"].update(values=[1])),
        "`state.values`",
    ),
    Malformed(
        "view-metadata-a-number",
        submission(lambda p: p["view"].update(private_metadata=5)),
        "`private_metadata`",
    ),
    Malformed("json-not-json", raw(b"{not json"), "not valid JSON", JSON),
    Malformed("json-a-list", raw(b"[]"), "non-object body", JSON),
    Malformed(
        "event-without-type",
        raw(json.dumps({"type": "event_callback", "event": {}}).encode()),
        "The event has no `type`",
        JSON,
    ),
    Malformed("empty-body", raw(b""), "non-object body"),
    Malformed("not-utf8", raw(b"payload=\xff\xfe\xfd"), "not UTF-8"),
    Malformed("form-nobody-knows", raw(b"hello=world"), "no `type`"),
    Malformed("command-no-user", command(user_id="-"), "no `user_id`"),
    Malformed("command-no-channel", command(channel_id="-"), "no `channel_id`"),
    Malformed("command-empty-user", command(user_id=""), "no `user_id`"),
    Malformed("command-no-slash", command(command="migrate"), "no command name"),
]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("case", CASES, ids=[c.id for c in CASES])
async def test_a_malformed_signed_request_gets_a_400_and_reaches_no_listener(
    plain: World, logs: LogTrap, case: Malformed
) -> None:
    world = plain
    watch = Watch(world)
    result = await send(world, case.build(world), content_type=case.content_type)
    assert result.status == 400, result
    assert case.says in result.json["error"]
    await pause()
    assert all(watch.new_private(u) == [] for u in world.ws.users)
    assert world.ws.calls[watch.calls :] == []  # the bot said nothing to anyone
    watch.assert_nothing_changed()
    logs.assert_no_exception()
