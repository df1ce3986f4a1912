"""cost 0 (the published server's dump_bytes 0) and null on every replica view."""

from __future__ import annotations

import re

import pytest

from bot import ids
from tests.adversarial.support import everything_read
from tests.e2e.approvals_support import completed_move, posted
from tests.e2e.harness import APPROVER1, CHANNEL, REQUESTER, World, wait_for
from tests.e2e.private import private_reply
from tests.e2e.test_operate_home import open_home

ZERO = re.compile(r"\$0(?:\.0+)?(?!\.?\d*[1-9])")


@pytest.mark.parametrize("replica_cost", [42.5, None], ids=["dump0", "null"])
async def test_no_zero_cost_anywhere(world: World, replica_cost: float | None) -> None:
    world.sim.seed_app("app-42", region="us-east-1", replica_cost=replica_cost)
    world.sim.seed_app("blog", region="us-east-1", replica_cost=replica_cost)
    move = await completed_move(world)
    await completed_move(world, "blog", "eu-central-1")
    await private_reply(world, REQUESTER, "/teardown", "")
    await private_reply(world, REQUESTER, "/migration-status", "")
    await private_reply(world, REQUESTER, "/teardown", f"{move.short} done with it")
    a = await posted(world, move.migration_id, "teardown")
    await world.d.click(APPROVER1, CHANNEL, str(a.message_ts), ids.APPROVE)
    await wait_for(lambda: world.ws.open_views(APPROVER1), message="the modal")
    await open_home(world, REQUESTER, "Replicas")
    await open_home(world, APPROVER1)
    shown = [t for t in everything_read(world) if ZERO.search(t)]
    assert shown == [], "\n---\n".join(s[:600] for s in shown)
    assert any("unknown" in t for t in everything_read(world))
