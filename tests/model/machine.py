"""The state machine: people, the saga, Slack and Butterbase trouble, restarts, in any order."""

from __future__ import annotations

import asyncio
import contextlib
import tempfile
from pathlib import Path
from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from bot import ids
from sandbox.slack import DriverError
from tests.e2e.harness import CHANNEL
from tests.model import checks
from tests.model.world import ModelWorld, Servers

EVIL = "<!channel> <https://evil.example|click>"
APPS = {"app-42": "us-east-1", "shop-eu": "eu-west-1", "blog": "us-east-1"}
REGIONS = ("us-east-1", "eu-west-1", "ap-southeast-1")
PEOPLE = ("U_REQ", "U_APP1", "U_APP2", "U_OTHER")
CARD_BUTTONS = (ids.ABORT, ids.REQUEST_REVERSE, ids.REQUEST_TEARDOWN)

people = st.sampled_from(PEOPLE)
apps = st.sampled_from(sorted(APPS))
pick = st.integers(min_value=0, max_value=7)  # which migration / request / card version


class BotMachine(RuleBasedStateMachine):
    servers: Servers  # set by the test before running
    total_steps = 0  # over every example of the run (the long run reports it)

    def __init__(self) -> None:
        super().__init__()
        self.tmp = tempfile.TemporaryDirectory(prefix="model-")
        self.world = ModelWorld(self.servers, Path(self.tmp.name) / "bot.db")
        for app_id, region in APPS.items():
            self.world.sim.seed_app(app_id, region=region, kv=app_id == "blog")
        self.world.start_bot()
        self.approvals = checks.Approvals()
        self.slack_faulty = False
        self.refused = False
        self.seen_calls = 0
        self.steps = 0

    # -- helpers ------------------------------------------------------------------------

    def _act(self, coro: Any) -> None:
        with contextlib.suppress(DriverError):  # nothing to click there (the message is gone)
            self.world.act(coro)
        self.world.drain()

    def _migrations(self, app_id: str | None = None) -> list[str]:
        with self.world.sim.lock:
            found = [m for m in self.world.sim.migrations.values() if app_id in (None, m.app_id)]
            return [m.id for m in sorted(found, key=lambda m: m.created_at)]

    def _pick(self, items: list[Any], index: int) -> Any:
        return items[index % len(items)] if items else None

    # -- people ---------------------------------------------------------------------------

    @rule(user=people, app=apps, region=st.sampled_from(REGIONS), evil=st.booleans())
    def migrate(self, user: str, app: str, region: str, evil: bool) -> None:
        text = f"{app} {EVIL}" if evil and region == "us-east-1" else f"{app} {region}"
        self._act(self.world.d.command(user, CHANNEL, "/migrate", text))

    @rule(user=people, app=apps)
    def abort_command(self, user: str, app: str) -> None:
        before = len(self.world.ws.ephemerals(user))
        self._act(self.world.d.command(user, CHANNEL, "/abort", app))
        for e in self.world.ws.ephemerals(user)[before:]:
            if ids.ABORT in str(e.blocks):
                self._act(
                    self.world.d.click(user, CHANNEL, e.message_ts, ids.ABORT, ephemeral=True)
                )

    @rule(user=people, which=pick, version=pick, button=st.sampled_from(CARD_BUTTONS))
    def click_card(self, user: str, which: int, version: int, button: str) -> None:
        """A button of a status card, on its current or an older version."""
        mid = self._pick(self._migrations(), which)
        m = mid and self.world.rt.store.get_migration(mid)
        message = m and m.card_ts and self.world.ws.find_message(CHANNEL, m.card_ts)
        if not message:
            return
        blocks = message.versions[-1 - version % len(message.versions)].blocks
        element = _button(blocks, button)
        if element is None:
            return
        value, block_id = element
        coro = self.world.d.click(
            user, CHANNEL, message.ts, button, value=value, block_id=block_id, force=True
        )
        self._act(coro)

    @rule(user=people, which=pick, kind=st.sampled_from(("reverse", "teardown")))
    def request_command(self, user: str, which: int, kind: str) -> None:
        mid = self._pick(self._migrations(), which)
        if mid is None:
            return
        app = self.world.sim.migrations[mid].app_id
        text = f"{app} {mid[:8]}" if kind == "reverse" else mid[:8]
        self._act(self.world.d.command(user, CHANNEL, f"/{kind}", text))

    @rule(users=st.lists(people, min_size=1, max_size=2), which=pick, deny=st.booleans())
    def decide(self, users: list[str], which: int, deny: bool) -> None:
        """One or two people (or one twice) click Approve or Deny at the same moment."""
        requests = [a for mid in self._migrations() for a in self._requests(mid)]
        a = self._pick(requests, which)
        if a is None or a.message_ts is None:
            return
        action = ids.DENY if deny else ids.APPROVE
        approvers = self.world.approvers()
        clicks = [
            self.world.d.click(u, CHANNEL, a.message_ts, action, value=a.approval_id, force=True)
            for u in users
        ]
        self._act(_together(clicks))
        if deny:
            return
        if a.kind == "reverse":
            for u in users:
                self.approvals.record(a.approval_id, u, u in approvers)
            return
        for u in set(users):
            self._confirm_teardown(u, a.approval_id, a.app_id)

    def _confirm_teardown(self, user: str, approval_id: str, app_id: str) -> None:
        views = [v for v in self.world.ws.open_views(user) if approval_id in str(v.to_api())]
        if not views:
            return
        approver = user in self.world.approvers()
        self.approvals.record(approval_id, user, approver)
        values = {ids.TEARDOWN_CONFIRM_BLOCK: {ids.TEARDOWN_CONFIRM_INPUT: app_id}}
        self._act(self.world.d.submit_view(user, views[-1].id, values))

    def _requests(self, mid: str) -> list[Any]:
        return self.world.rt.store.approvals_for_migration(mid)

    @rule(user=st.sampled_from(("U_APP1", "U_APP2", "U_OTHER")), member=st.booleans())
    def membership(self, user: str, member: bool) -> None:
        self.world.set_approver(user, member)

    # -- the saga and trouble -------------------------------------------------------------

    @rule(seconds=st.sampled_from((1, 5, 20, 60, 200, 600)))
    def tick(self, seconds: int) -> None:
        self.world.tick(seconds)
        self.world.poll()
        self.world.drain()

    @rule(app=apps, evil=st.booleans())
    def fail_step(self, app: str, evil: bool) -> None:
        with contextlib.suppress(LookupError):  # no move of the app in flight
            self.world.sim.fail_current(app, error=f"disk full {EVIL}" if evil else None)

    @rule(seconds=st.sampled_from((5, 60)), mode=st.sampled_from(("503", "502_html")))
    def butterbase_outage(self, seconds: int, mode: str) -> None:
        self.world.sim.outage(seconds, mode)  # type: ignore[arg-type]

    @rule(
        method=st.sampled_from(("chat.postMessage", "chat.update")),
        status=st.sampled_from((429, 500, 400)),
        count=st.integers(min_value=1, max_value=3),
    )
    def slack_fault(self, method: str | None, status: int, count: int) -> None:
        self.world.ws.fail_next(method, status=status, count=count)
        self.slack_faulty = True
        self.refused = self.refused or status == 400  # that message is lost, by Slack's choice

    @rule()
    def slack_recovers(self) -> None:
        self.world.ws.faults.clear()
        self.slack_faulty = False
        self.world.drain()

    @rule(kill=st.booleans())
    def restart(self, kill: bool) -> None:
        self.world.restart(kill=kill)
        self.world.drain()

    # -- invariants ------------------------------------------------------------------------

    @invariant()
    def safe(self) -> None:
        self.steps += 1
        BotMachine.total_steps += 1
        checks.safety(self.world, self.approvals)
        self.seen_calls = checks.markup(self.world, self.seen_calls)
        checks.thread_steps(self.world, complete=False, cards=False)

    @precondition(lambda self: not self.slack_faulty)
    @invariant()
    def messages_flow(self) -> None:
        checks.flowing(self.world)

    def teardown(self) -> None:
        """Everything recovers and every move ends: then every step has been told."""
        try:
            world = self.world
            world.ws.faults.clear()
            world.sim.end_outage()
            for _ in range(12):
                world.tick(600)
                world.poll()
            world.drain()
            checks.safety(world, self.approvals)
            checks.markup(world, self.seen_calls)
            checks.thread_steps(world, complete=not self.refused, cards=True)
            checks.flowing(world)
        finally:
            self.world.close()
            self.tmp.cleanup()


async def _together(clicks: list[Any]) -> list[Any]:
    """Clicks sent at the same moment (two people, or one person twice)."""
    return await asyncio.gather(*clicks)


def _button(blocks: list[Any], action_id: str) -> tuple[Any, str | None] | None:
    for block in blocks:
        for element in block.get("elements", []) if block.get("type") == "actions" else []:
            if element.get("action_id") == action_id:
                return element.get("value"), block.get("block_id")
    return None
