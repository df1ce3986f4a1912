"""Signed clicks and submissions that come from no channel (issue 10, hole 11 a).

With `BOT_ALLOWED_CHANNELS=C_MIGRATIONS`, a click with no channel is refused like one
from another channel (privately, by DM) and reaches no listener, except the App Home
buttons listed in `handlers.guards.HOME_ACTIONS` for a migration followed in an
allowed channel. A modal submission acts in the channel of the request it confirms.
Without an allow-list, the region picker still never starts a move tracked in no
channel (it used to be tracked in channel "None").
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

import pytest
import pytest_asyncio

from bot import ids
from handlers.actions.picker import NO_CHANNEL
from handlers.commands.status import OVERVIEW
from handlers.guards import HOME_ACTIONS
from storage.records import Approval, TrackedMigration
from tests.e2e.approvals_support import completed_move
from tests.e2e.harness import APPROVER1, REQUESTER, World, close_world, make_world, wait_for
from tests.security.support import (
    LogTrap,
    Watch,
    click_payload,
    pause,
    payload_body,
    send,
    settled,
    store_of,
    view_payload,
)

REFUSAL = "This bot only takes commands in <#C_MIGRATIONS>. Nothing was done."
ELSEWHERE = "0e0e0e0e-1e1e-4d4d-8c8c-5a5a5a5a5a5a"  # a completed move followed in #ops
OPS_REQUEST = "ops-teardown-request"


@dataclass(frozen=True)
class Scene:
    world: World
    completed: str  # app-42, completed in #migrations, replica retained


def _elsewhere() -> TrackedMigration:
    then = datetime(2026, 1, 1, tzinfo=UTC)
    return TrackedMigration(
        migration_id=ELSEWHERE,
        app_id="blog",
        source_region="us-east-1",
        dest_region="eu-west-1",
        channel_id="C_OPS",
        created_at=then,
        updated_at=then,
        current_step="completed",
        replica_state="replicating",
        polling=False,
    )


def _ops_request() -> Approval:
    now = datetime.now(UTC)
    return Approval(
        approval_id=OPS_REQUEST,
        kind="teardown",
        migration_id=ELSEWHERE,
        app_id="blog",
        channel_id="C_OPS",
        requester=REQUESTER,
        requested_at=now,
        expires_at=now + timedelta(hours=1),
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def scene(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Scene]:
    world = make_world(tmp_path_factory.mktemp("nochan"), BOT_ALLOWED_CHANNELS="C_MIGRATIONS")
    try:
        move = await completed_move(world, "app-42")
        store = store_of(world)
        assert store.add_migration(_elsewhere())
        store.open_approval(_ops_request())
        await settled(world)
        yield Scene(world, move.migration_id)
    finally:
        await close_world(world)


CLICKS = {  # action id -> the value that would act, were the click let through
    ids.PICK_REGION: "app-42|ap-southeast-1",
    ids.ABORT: "app-42|{completed}",
    ids.REFRESH: "{completed}",
    ids.FOLLOW: "app-42|{completed}",
    ids.SHARE_STATUS: OVERVIEW,
    ids.REQUEST_REVERSE: "{completed}",
    ids.REQUEST_TEARDOWN: "{completed}",
    ids.APPROVE: OPS_REQUEST,
    ids.DENY: OPS_REQUEST,
    "made_up_action": "{completed}",
}


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("action_id", list(CLICKS))
async def test_a_click_from_no_channel_is_refused(
    scene: Scene, logs: LogTrap, action_id: str
) -> None:
    world = scene.world
    assert action_id not in HOME_ACTIONS
    value = CLICKS[action_id].format(completed=scene.completed)
    picker = action_id == ids.PICK_REGION
    user = APPROVER1 if action_id in (ids.APPROVE, ids.DENY) else REQUESTER
    payload = click_payload(
        world,
        user,
        action_id,
        None if picker else value,
        channel=None,
        selected=value if picker else None,
    )
    watch = Watch(world)
    result = await send(world, payload_body(payload))
    assert result.status == 200
    assert await watch.answer(user, dm=True) == REFUSAL
    await pause()
    watch.assert_nothing_changed()
    assert world.sim.migrations_of("app-42")[-1].id == scene.completed  # no move started
    logs.assert_no_exception()


@pytest.mark.asyncio(loop_scope="module")
async def test_the_home_teardown_of_a_move_followed_elsewhere_is_refused(
    scene: Scene, logs: LogTrap
) -> None:
    world = scene.world
    payload = click_payload(world, REQUESTER, ids.HOME_REQUEST_TEARDOWN, ELSEWHERE, channel=None)
    watch = Watch(world)
    result = await send(world, payload_body(payload))
    assert result.status == 200
    assert await watch.answer(REQUESTER, dm=True) == REFUSAL
    await pause()
    watch.assert_nothing_changed()
    logs.assert_no_exception()


@pytest.mark.asyncio(loop_scope="module")
async def test_a_confirmation_of_a_request_in_another_channel_is_refused(
    scene: Scene, logs: LogTrap
) -> None:
    world = scene.world
    payload = view_payload(world, APPROVER1, ids.TEARDOWN_CONFIRM_VIEW, OPS_REQUEST, "blog")
    watch = Watch(world)
    result = await send(world, payload_body(payload))
    assert result.status == 200
    assert result.json is not None and result.json["response_action"] == "update"
    assert REFUSAL in str(result.json["view"])
    await pause()
    watch.assert_nothing_changed()
    a = store_of(world).get_approval(OPS_REQUEST)
    assert a is not None and a.status == "pending" and a.decisions == []
    logs.assert_no_exception()


@pytest.mark.asyncio(loop_scope="module")
async def test_the_listed_home_button_still_works(scene: Scene, logs: LogTrap) -> None:
    """The control: Request teardown from the Home tab, for the move in #migrations."""
    world = scene.world
    payload = click_payload(
        world, REQUESTER, ids.HOME_REQUEST_TEARDOWN, scene.completed, channel=None
    )
    watch = Watch(world)
    result = await send(world, payload_body(payload))
    assert result.status == 200
    # the reason modal: its submission acts in the channel of the move (allowed)
    (modal,) = await wait_for(lambda: world.ws.open_views(REQUESTER), message="the modal")
    assert modal.callback_id == ids.REQUEST_REASON_VIEW
    values = {ids.REQUEST_REASON_BLOCK: {ids.REQUEST_REASON_INPUT: "costs"}}
    submitted = await world.d.submit_view(REQUESTER, modal.id, values)
    assert submitted.status == 200 and not modal.is_open
    answer = await watch.answer(REQUESTER, dm=True)
    assert answer != REFUSAL and answer.startswith("Asked for approval")
    store = store_of(world)
    (asked,) = store.approvals_for_migration(scene.completed)
    assert asked.kind == "teardown" and asked.channel_id == "C_MIGRATIONS"
    assert asked.snapshot["request_reason"] == "costs"
    logs.assert_no_exception()


@pytest.mark.asyncio(loop_scope="module")
async def test_without_an_allow_list_the_picker_starts_no_move_in_no_channel(
    plain: World, logs: LogTrap
) -> None:
    payload = click_payload(
        plain, REQUESTER, ids.PICK_REGION, None, channel=None, selected="app-42|eu-west-1"
    )
    watch = Watch(plain)
    result = await send(plain, payload_body(payload))
    assert result.status == 200
    assert await watch.answer(REQUESTER, dm=True) == NO_CHANNEL
    await pause()
    watch.assert_nothing_changed()
    assert plain.sim.migrations_of("app-42") == []
    assert store_of(plain).migrations_for_app("app-42") == []
    logs.assert_no_exception()
