"""Run each flow, write what people read to /tmp/review_r2/<flow>.txt, and check Slack's
limits on everything shown (50 blocks, 3000-char sections, confirm 100/300/30, labels ≤ 20)."""

from __future__ import annotations

from tests.e2e.harness import REQUESTER, World
from tests.e2e.private import private_reply
from tests.e2e.test_operate_home import open_home
from tests.review_r2 import flows
from tests.review_r2.checks import all_limit_problems
from tests.review_r2.dump import write


async def test_dump_normal(world: World) -> None:
    await flows.normal_move(world)
    await private_reply(world, REQUESTER, "/migration-status", "")
    await private_reply(world, REQUESTER, "/migration-status", "app-42")
    await private_reply(world, REQUESTER, "/teardown", "")
    await open_home(world, REQUESTER, "Completed")
    write("normal", world)
    assert all_limit_problems(world) == []


async def test_dump_abort(world: World) -> None:
    await flows.abort_with_writes_paused(world)
    write("abort", world)
    assert all_limit_problems(world) == []


async def test_dump_doomed(world: World) -> None:
    await flows.doomed(world)
    await private_reply(world, REQUESTER, "/migration-status", "doomed")
    write("doomed", world)
    assert all_limit_problems(world) == []


async def test_dump_reverse(world: World) -> None:
    await flows.reverse(world)
    await private_reply(world, REQUESTER, "/migration-status", "")
    await private_reply(world, REQUESTER, "/teardown", "")
    await open_home(world, REQUESTER, "Completed")
    write("reverse", world)
    assert all_limit_problems(world) == []


async def test_dump_teardown(world: World) -> None:
    await flows.teardown(world)
    write("teardown", world)
    assert all_limit_problems(world) == []


async def test_dump_no_replica(world: World) -> None:
    await flows.no_replica(world)
    write("no_replica", world)
    assert all_limit_problems(world) == []


async def test_dump_in_flight(world: World) -> None:
    await flows.in_flight_abort(world)
    write("in_flight", world)
    assert all_limit_problems(world) == []


async def test_dump_outside(world: World) -> None:
    world.sim.start_move_as("user-dashboard", "app-42", "eu-west-1")
    await private_reply(world, REQUESTER, "/migrate", "app-42 eu-central-1")
    await private_reply(world, REQUESTER, "/migration-status", "app-42")
    await private_reply(world, REQUESTER, "/migration-status", "")
    await private_reply(world, REQUESTER, "/migrate", "eu-west-1 shop-eu")
    write("outside", world)
    assert all_limit_problems(world) == []
