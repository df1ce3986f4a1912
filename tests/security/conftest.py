"""One world per module for the bad-input corpus: two completed moves (one with a
denied reverse request, one whose replica someone else tore down), a move of another
app started from the dashboard, and two records whose ids share their short form."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime

import pytest
import pytest_asyncio

from bot import ids
from sandbox.butterbase import DASHBOARD_KEY
from storage.records import TrackedMigration
from tests.e2e.approvals_support import Move, click, completed_move, request, status_of
from tests.e2e.harness import APPROVER1, World, close_world, make_world
from tests.security.support import LogTrap, settled, store_of, trapped_logs

PREFIX = "abcd1234"  # the short form two crafted records share
TWINS = (f"{PREFIX}-0000-4000-8000-000000000001", f"{PREFIX}-0000-4000-8000-000000000002")
NOBODY = "0f0f0f0f-1e1e-4d4d-8c8c-5a5a5a5a5a5a"  # a well-formed id nobody has


@dataclass(frozen=True)
class Refs:
    """The ids a corpus case may name."""

    m1: Move  # app-42, completed, replica retained; its reverse request was denied
    denied: str  # that request's approval id
    m2: Move  # shop-eu, completed; its replica torn down outside the bot
    other: str  # a move of blog started from the dashboard (the bot doesn't follow it)

    def fill(self, text: str) -> str:
        return text.format(
            m1=self.m1.migration_id,
            m1s=self.m1.short,
            m2=self.m2.migration_id,
            other=self.other,
            denied=self.denied,
            prefix=PREFIX,
            nobody=NOBODY,
        )


@dataclass(frozen=True)
class Corpus:
    world: World
    refs: Refs


def _twin(migration_id: str, app_id: str) -> TrackedMigration:
    then = datetime(2020, 1, 1, tzinfo=UTC)
    return TrackedMigration(
        migration_id=migration_id,
        app_id=app_id,
        source_region="us-east-1",
        dest_region="eu-west-1",
        channel_id="C_OPS",
        created_at=then,
        updated_at=then,
        current_step="completed",
        replica_state="torn_down",
        polling=False,
    )


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def corpus(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[Corpus]:
    world = make_world(tmp_path_factory.mktemp("security"))
    try:
        m1 = await completed_move(world, "app-42", "eu-west-1")
        asked = await request(world, "reverse", m1)
        await click(world, APPROVER1, asked, ids.DENY)
        await status_of(world, asked.approval_id, "denied")
        m2 = await completed_move(world, "shop-eu", "us-west-2")
        world.sim.teardown_direct(m2.migration_id)
        world.sim.stall_step("blog", "copying_blobs")
        other = world.sim.start_move_as(DASHBOARD_KEY, "blog", "eu-west-1").id
        store = store_of(world)
        assert store.add_migration(_twin(TWINS[0], "app-42"))
        assert store.add_migration(_twin(TWINS[1], "shop-eu"))
        await settled(world)
        yield Corpus(world, Refs(m1=m1, denied=asked.approval_id, m2=m2, other=other))
    finally:
        await close_world(world)


@pytest_asyncio.fixture(scope="module", loop_scope="module")
async def plain(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[World]:
    """A world with nothing in it yet."""
    world = make_world(tmp_path_factory.mktemp("security"))
    try:
        yield world
    finally:
        await close_world(world)


@pytest.fixture
def logs() -> Iterator[LogTrap]:
    """The bot's log records at WARNING and above during one test."""
    with trapped_logs() as trap:
        yield trap
