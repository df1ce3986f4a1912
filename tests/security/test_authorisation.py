"""Who may do what. With `BOT_ALLOWED_CHANNELS=C_MIGRATIONS`, every command and every
button used from #ops is refused privately and does nothing (each would otherwise act:
start a move, abort one, reverse one, post in the channel...). And the approval rules:
someone who is not an approver, or the requester, cannot approve.
"""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import pytest_asyncio

from bot import ids
from bot.approvals import SELF_APPROVAL
from handlers.commands.status import OVERVIEW
from sandbox.butterbase import DASHBOARD_KEY
from tests.e2e.approvals_support import completed_move, request
from tests.e2e.harness import (
    APPROVER1,
    BYSTANDER,
    CHANNEL,
    REQUESTER,
    World,
    close_world,
    make_world,
)
from tests.security.support import (
    LogTrap,
    Watch,
    click_payload,
    pause,
    payload_body,
    send,
    settled,
    view_payload,
)

OPS = "C_OPS"
REFUSAL = "This bot only takes commands in <#C_MIGRATIONS>. Nothing was done."
NOT_APPROVER = "You are not an approver for {kind}: approvers are <@U_APP1>, <@U_APP2>."
HANDLERS = Path(__file__).parents[2] / "handlers"


def registered(folder: str, pattern: str) -> set[str]:
    source = (HANDLERS / folder / "__init__.py").read_text()
    return set(re.findall(pattern, source))


@dataclass(frozen=True)
class Scene:
    world: World
    completed: str  # app-42, completed
    reverse_request: str  # pending, asked by REQUESTER
    teardown_request: str  # shop-eu's replica, pending, asked by REQUESTER
    outside: str  # dash-app's move from the dashboard, held early: Follow would adopt it,
    # Abort would abort it


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Scene]:
    world = make_world(tmp_path_factory.mktemp("auth"), BOT_ALLOWED_CHANNELS="C_MIGRATIONS")
    try:
        move = await completed_move(world, "app-42")
        reverse = await request(world, "reverse", move)
        teardown = await request(
            world, "teardown", await completed_move(world, "shop-eu", "us-west-2")
        )
        world.sim.seed_app("dash-app", region="us-east-1")
        world.sim.stall_step("dash-app", "dumping_data")
        outside = world.sim.start_move_as(DASHBOARD_KEY, "dash-app", "eu-west-1").id
        await settled(world)
        yield Scene(world, move.migration_id, reverse.approval_id, teardown.approval_id, outside)
    finally:
        await close_world(world)


COMMANDS = {
    "/migrate": "dash-app ap-southeast-1",
    "/migration-status": "",
    "/abort": "dash-app",
    "/reverse": "app-42",
    "/teardown": "app-42",
}


def test_every_command_is_in_the_list() -> None:
    assert registered("commands", r'app\.command\("([^"]+)"\)') == set(COMMANDS)


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("command", list(COMMANDS))
async def test_every_command_from_another_channel_is_refused(
    scene: Scene, logs: LogTrap, command: str
) -> None:
    world = scene.world
    watch = Watch(world)
    result = await world.d.command(REQUESTER, OPS, command, COMMANDS[command])
    assert (result.status, result.body) == (200, REFUSAL)
    assert await watch.answer(REQUESTER) == REFUSAL
    await pause()
    watch.assert_nothing_changed()
    logs.assert_no_exception()


BUTTONS = {  # action id constant -> (who clicks, the value that would act)
    "ABORT": (REQUESTER, "dash-app|{outside}"),
    "REFRESH": (REQUESTER, "{completed}"),
    "FOLLOW": (REQUESTER, "dash-app|{outside}"),
    "SHARE_STATUS": (REQUESTER, OVERVIEW),
    "REQUEST_REVERSE": (REQUESTER, "{completed}"),
    "REQUEST_TEARDOWN": (REQUESTER, "{completed}"),
    "HOME_REQUEST_TEARDOWN": (REQUESTER, "{completed}"),
    "APPROVE": (APPROVER1, "{reverse_request}"),
    "DENY": (APPROVER1, "{reverse_request}"),
    "PICK_REGION": (REQUESTER, "dash-app|ap-southeast-1"),
}


def test_every_button_is_in_the_list() -> None:
    assert registered("actions", r"app\.action\(ids\.(\w+)\)") == set(BUTTONS)


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("name", [*BUTTONS, "an unknown action"])
async def test_every_button_from_another_channel_is_refused(
    scene: Scene, logs: LogTrap, name: str
) -> None:
    world = scene.world
    user, value = BUTTONS.get(name, (REQUESTER, "{completed}"))
    value = value.format(**scene.__dict__)
    action_id = getattr(ids, name, "made_up_action")
    picker = action_id == ids.PICK_REGION
    payload = click_payload(
        world,
        user,
        action_id,
        None if picker else value,
        channel=OPS,
        selected=value if picker else None,
    )
    watch = Watch(world)
    result = await send(world, payload_body(payload))
    assert result.status == 200
    assert await watch.answer(user) == REFUSAL
    assert world.ws.ephemerals(user)[-1].channel == OPS
    await pause()
    watch.assert_nothing_changed()
    logs.assert_no_exception()


@pytest.mark.asyncio(loop_scope="module")
async def test_the_allowed_channel_is_served(scene: Scene, logs: LogTrap) -> None:
    """The control: the same bot answers in #migrations."""
    watch = Watch(scene.world)
    await scene.world.d.command(REQUESTER, CHANNEL, "/migration-status", "")
    assert await watch.answer(REQUESTER) != REFUSAL
    logs.assert_no_exception()


DECISIONS = [  # (who, action, which request, what they are told)
    (BYSTANDER, ids.APPROVE, "reverse", NOT_APPROVER.format(kind="reverse")),
    (BYSTANDER, ids.DENY, "reverse", NOT_APPROVER.format(kind="reverse")),
    (REQUESTER, ids.APPROVE, "reverse", SELF_APPROVAL),
    (BYSTANDER, ids.APPROVE, "teardown", NOT_APPROVER.format(kind="teardown")),
    (REQUESTER, ids.APPROVE, "teardown", SELF_APPROVAL),
]


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(("user", "action_id", "kind", "says"), DECISIONS)
async def test_only_another_approver_may_decide(
    scene: Scene, logs: LogTrap, user: str, action_id: str, kind: str, says: str
) -> None:
    world = scene.world
    approval = scene.reverse_request if kind == "reverse" else scene.teardown_request
    watch = Watch(world)
    result = await send(world, payload_body(click_payload(world, user, action_id, approval)))
    assert result.status == 200
    assert await watch.answer(user) == says
    assert world.ws.open_views(user) == []  # no teardown confirmation was opened
    await pause()
    watch.assert_nothing_changed(audited=("approval.refused",))
    logs.assert_no_exception()


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize(
    ("user", "says"),
    [(BYSTANDER, NOT_APPROVER.format(kind="teardown")), (REQUESTER, SELF_APPROVAL)],
)
async def test_a_teardown_confirmation_needs_another_approver_too(
    scene: Scene, logs: LogTrap, user: str, says: str
) -> None:
    """Even typed right, in a modal the bot never opened for them."""
    world = scene.world
    payload = view_payload(
        world, user, ids.TEARDOWN_CONFIRM_VIEW, scene.teardown_request, "shop-eu"
    )
    watch = Watch(world)
    result = await send(world, payload_body(payload))
    assert result.status == 200
    assert result.json == {
        "response_action": "errors",
        "errors": {ids.TEARDOWN_CONFIRM_BLOCK: says},
    }
    await pause()
    watch.assert_nothing_changed(audited=("approval.refused",))
    logs.assert_no_exception()


@pytest.mark.asyncio(loop_scope="module")
async def test_a_teardown_confirmation_naming_a_reverse_request_approves_nothing(
    scene: Scene, logs: LogTrap
) -> None:
    world = scene.world
    before = len(world.mutating_requests())
    payload = view_payload(
        world, APPROVER1, ids.TEARDOWN_CONFIRM_VIEW, scene.reverse_request, "app-42"
    )
    result = await send(world, payload_body(payload))
    assert result.status == 200
    assert result.json["errors"] == {
        ids.TEARDOWN_CONFIRM_BLOCK: (
            "This confirmation is for a teardown; that request is not one. Nothing was done."
        )
    }
    assert world.mutating_requests()[before:] == []
    a = world.runtime.store.get_approval(scene.reverse_request) if world.runtime else None
    assert a is not None and a.status == "pending" and a.decisions == []
    logs.assert_no_exception()
