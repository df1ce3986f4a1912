"""Forged requests for every way in: a slash command that would start a move, an
Approve that would reverse a migration, a teardown confirmation that would delete a
replica. Unsigned, wrongly signed, too old or too new, a timestamp or signature that
is not even well-formed, signed with another app's secret, or a valid signature
replayed on another body: all 401, and nothing happens. The last test sends the same
three requests properly signed and sees each one act, so the forged ones were live.

(tests/e2e/test_signing.py covers the basic forgeries of `/migrate`; this extends them
to clicks and submissions and to the malformed headers.)
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlencode

import pytest
import pytest_asyncio

from bot import ids
from sandbox.slack.payloads import command_form
from tests.e2e.approvals_support import completed_move, request
from tests.e2e.harness import (
    APPROVER1,
    CHANNEL,
    REQUESTER,
    World,
    close_world,
    make_world,
    wait_for,
)
from tests.security.support import (
    LogTrap,
    Watch,
    click_payload,
    pause,
    payload_body,
    send,
    settled,
    sign_bytes,
    view_payload,
)


@dataclass(frozen=True)
class Armed:
    """A world where each of the three requests would do something irreversible."""

    world: World
    reverse_request: str  # pending: APPROVER1's Approve would call reverse
    teardown_request: str  # pending: APPROVER1's confirmation would call DELETE


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def armed(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Armed]:
    world = make_world(tmp_path_factory.mktemp("forged"))
    try:
        reverse = await request(world, "reverse", await completed_move(world, "app-42"))
        teardown = await request(
            world, "teardown", await completed_move(world, "shop-eu", "us-west-2")
        )
        await settled(world)
        yield Armed(world, reverse.approval_id, teardown.approval_id)
    finally:
        await close_world(world)


def command_body(armed: Armed, text: str = "blog eu-west-1") -> bytes:
    world = armed.world
    user, channel = world.ws.users[REQUESTER], world.ws.channels[CHANNEL]
    url = f"{world.d.base_url}/response/{world.ws.issue_response_url(REQUESTER, CHANNEL)}"
    form = command_form(
        user=user,
        channel=channel,
        command="/migrate",
        text=text,
        response_url=url,
        trigger_id=world.ws.issue_trigger(REQUESTER),
    )
    return urlencode(form).encode()


def click_body(armed: Armed, action_id: str = ids.APPROVE) -> bytes:
    payload = click_payload(armed.world, APPROVER1, action_id, armed.reverse_request)
    return payload_body(payload)


def view_body(armed: Armed, typed: str = "shop-eu") -> bytes:
    payload = view_payload(
        armed.world, APPROVER1, ids.TEARDOWN_CONFIRM_VIEW, armed.teardown_request, typed
    )
    return payload_body(payload)


BODIES: dict[str, Callable[[Armed], bytes]] = {
    "command": command_body,
    "click": click_body,
    "submission": view_body,
}
HARMLESS: dict[str, Callable[[Armed], bytes]] = {  # signed by Slack, with another body
    "command": lambda a: command_body(a, "help"),
    "click": lambda a: click_body(a, ids.DENY),
    "submission": lambda a: view_body(a, "not-the-app"),
}


async def forge_unsigned(armed: Armed, body: bytes, kind: str) -> Any:
    return await send(armed.world, body, sign=False)


async def forge_wrong(armed: Armed, body: bytes, kind: str) -> Any:
    return await send(armed.world, body, bad_signature=True)


async def forge_old(armed: Armed, body: bytes, kind: str) -> Any:
    return await send(armed.world, body, timestamp_offset=-301)


async def forge_ahead(armed: Armed, body: bytes, kind: str) -> Any:
    return await send(armed.world, body, timestamp_offset=400)


async def forge_not_a_number(armed: Armed, body: bytes, kind: str) -> Any:
    return await send(armed.world, body, headers={"X-Slack-Request-Timestamp": "now"})


async def forge_non_ascii(armed: Armed, body: bytes, kind: str) -> Any:
    headers: Any = {"X-Slack-Signature": "v0=é".encode()}
    return await send(armed.world, body, headers=headers)


async def forge_other_app(armed: Armed, body: bytes, kind: str) -> Any:
    return await send(armed.world, body, headers=sign_bytes(body, "another-apps-secret-1"))


async def forge_replay(armed: Armed, body: bytes, kind: str) -> Any:
    """A valid signature of a harmless request, on the dangerous body."""
    signed = sign_bytes(HARMLESS[kind](armed))
    return await send(armed.world, body, headers=signed)


FORGERIES = {
    "unsigned": forge_unsigned,
    "wrong-signature": forge_wrong,
    "301s-old": forge_old,
    "400s-ahead": forge_ahead,
    "timestamp-not-a-number": forge_not_a_number,
    "non-ascii-signature": forge_non_ascii,
    "another-apps-secret": forge_other_app,
    "replayed-on-another-body": forge_replay,
}


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("forgery", list(FORGERIES))
@pytest.mark.parametrize("kind", list(BODIES))
async def test_a_forged_request_gets_401_and_does_nothing(
    armed: Armed, logs: LogTrap, kind: str, forgery: str
) -> None:
    world = armed.world
    body = BODIES[kind](armed)
    watch = Watch(world)
    result = await FORGERIES[forgery](armed, body, kind)
    assert result.status == 401, result
    await pause()
    assert all(watch.new_private(u) == [] for u in world.ws.users)
    assert world.ws.calls[watch.calls :] == []  # the bot said nothing to anyone
    watch.assert_nothing_changed()
    logs.assert_no_exception()


@pytest.mark.asyncio(loop_scope="module")
async def test_unsigned_garbage_is_401_not_400(armed: Armed, logs: LogTrap) -> None:
    """The signature is checked before anything is read: an unsigned sender learns nothing."""
    watch = Watch(armed.world)
    garbage = (b"payload={not json", payload_body([1]), b"\xff\xfe", b"ssl_check=1&payload={")
    for body in garbage:
        result = await send(armed.world, body, sign=False)
        assert (result.status, result.json) == (401, {"error": "invalid request"})
    ssl_check = await send(armed.world, b"ssl_check=1&token=x", sign=False)
    assert (ssl_check.status, ssl_check.body) == (200, "")  # Bolt's answer, nothing more
    watch.assert_nothing_changed()
    logs.assert_no_exception()


@pytest.mark.asyncio(loop_scope="module")
async def test_the_same_requests_properly_signed_do_act(armed: Armed, logs: LogTrap) -> None:
    world = armed.world
    before = len(world.mutating_requests())
    assert (await send(world, click_body(armed))).status == 200
    await wait_for(
        lambda: any(r["path"].endswith("/reverse") for r in world.mutating_requests()[before:]),
        message="the approved reverse",
    )
    answer = await send(world, view_body(armed))
    assert (answer.status, answer.body) == (200, "")
    await wait_for(
        lambda: any(r["method"] == "DELETE" for r in world.mutating_requests()[before:]),
        message="the confirmed teardown",
    )
    assert (await send(world, command_body(armed))).status == 200
    await wait_for(
        lambda: any(r["path"] == "/v1/apps/blog/move" for r in world.mutating_requests()[before:]),
        message="the move of blog",
    )
    logs.assert_no_exception()
