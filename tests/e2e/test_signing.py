"""Requests that Slack did not sign, or signed for another body or long ago: 401, and
nothing happens (no Butterbase call, nothing stored, nothing said)."""

from __future__ import annotations

from urllib.parse import urlencode

import pytest

from sandbox.slack.driver_core import FORM, Forge
from tests.e2e.harness import CHANNEL, REQUESTER, World


def command_body(text: str) -> bytes:
    return urlencode(
        {
            "token": "unused",
            "team_id": "T_SANDBOX",
            "channel_id": CHANNEL,
            "channel_name": "migrations",
            "user_id": REQUESTER,
            "user_name": "riley",
            "command": "/migrate",
            "text": text,
            "response_url": "http://127.0.0.1:9/response/none",
            "trigger_id": "1.2.3",
            "api_app_id": "A_SANDBOX",
        }
    ).encode()


def assert_no_effect(world: World) -> None:
    assert world.runtime is not None
    counts = world.runtime.store.counts()
    assert counts["migrations"] == counts["outbox"] == counts["audit"] == 0
    assert world.sim.requests == []
    assert world.ws.ephemerals(REQUESTER) == []
    assert world.cards() == []


@pytest.mark.parametrize(
    "forge",
    [
        Forge(sign=False),
        Forge(bad_signature=True),
        Forge(timestamp_offset=-301),
        Forge(timestamp_offset=-3600),
    ],
    ids=["unsigned", "wrong-signature", "just-over-5-minutes-old", "an-hour-old"],
)
async def test_forged_commands_get_401_and_do_nothing(world: World, forge: Forge) -> None:
    result = await world.d.command(REQUESTER, CHANNEL, "/migrate", "app-42 eu-west-1", **forge)
    assert result.status == 401
    assert_no_effect(world)


async def test_a_valid_signature_replayed_on_another_body_is_refused(world: World) -> None:
    signed = world.d.sign(command_body("app-42 eu-west-1"))
    tampered = command_body("app-42 ap-southeast-1")
    result = await world.d.raw(tampered, {"Content-Type": FORM, **signed})
    assert result.status == 401
    assert_no_effect(world)


async def test_a_properly_signed_request_is_taken(world: World) -> None:
    """The control: the same path with a good signature does reach the bot."""
    body = command_body("help")
    result = await world.d.raw(body, {"Content-Type": FORM, **world.d.sign(body)})
    assert result.status == 200
    assert "Usage: `/migrate" in str(result.body)
