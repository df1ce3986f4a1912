"""The invariants, read from what the simulator and the Slack stand-in recorded."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import timedelta

from bot.steps import HAPPY_PATH
from sandbox.butterbase.models import STEPS
from tests.e2e.harness import CHANNEL
from tests.e2e.private import done_steps, last_seen_steps
from tests.model.oracle import abort_refusal, reverse_refusal, teardown_refusal, unescaped_markup
from tests.model.world import ModelWorld

RULES = {"reverse": reverse_refusal, "teardown": teardown_refusal, "abort": abort_refusal}
SHOWN = ("chat.postMessage", "chat.update", "chat.postEphemeral", "views.open", "views.update")


@dataclass
class Approvals:
    """Who the model saw approve what: approval id -> [(user, was an approver then)]."""

    given: dict[str, list[tuple[str, bool]]] = field(default_factory=dict)

    def record(self, approval_id: str, user: str, approver: bool) -> None:
        self.given.setdefault(approval_id, []).append((user, approver))


def safety(world: ModelWorld, approvals: Approvals) -> None:
    """Every reverse, teardown and abort the bot sent was allowed when it arrived."""
    for kind, rule in RULES.items():
        for mid, entry in world.log.calls(kind):
            broken = rule(mid, entry["moment"])
            assert broken is None, f"{kind} call broke the rule: {broken}"
    for kind in ("reverse", "teardown"):
        approved_calls(world, approvals, kind)


def approved_calls(world: ModelWorld, approvals: Approvals, kind: str) -> None:
    """Each call follows a distinct approval of someone who is an approver when it runs,
    and an approved request makes exactly one call."""
    store = world.rt.store
    calls = Counter()
    for mid, entry in world.log.calls(kind):
        calls[mid] += 1
        at = entry["moment"]
        requests = [a for a in store.approvals_for_migration(mid) if a.kind == kind]
        backing = [
            a.approval_id
            for a in requests
            for user, was in approvals.given.get(a.approval_id, [])
            if was and user != a.requester and user in at.approvers
        ]
        assert backing, (
            f"{kind} of {mid[:8]} called without an approval by a current approver "
            f"(approvers now {sorted(at.approvers)}; clicks "
            f"{[approvals.given.get(a.approval_id) for a in requests]})"
        )
    for mid, count in calls.items():
        requests = [a for a in store.approvals_for_migration(mid) if a.kind == kind]
        closed = [a for a in requests if a.status in ("executing", "executed", "failed")]
        executed = [a for a in requests if a.status == "executed"]
        assert len(executed) <= count <= len(closed), (
            f"{count} {kind} call(s) of {mid[:8]} for {len(executed)} executed and "
            f"{len(closed)} decided request(s)"
        )


def markup(world: ModelWorld, start: int) -> int:
    """No text the bot sent to Slack since call `start` carries input's markup raw."""
    with world.ws.lock:
        calls = list(world.ws.calls[start:])
    for call in calls:
        if call.method in SHOWN or call.method.startswith("response_url"):
            found = unescaped_markup(call.args)
            assert found is None, f"{call.method} carried unescaped markup: {found[:300]!r}"
    return start + len(calls)


def thread_steps(world: ModelWorld, *, complete: bool, cards: bool) -> None:
    """Every step the simulator finished reaches its thread once: never twice, (when
    `complete`) at least once, and (when `cards`) every move that ran has its card."""
    expected: dict[str, Counter[str]] = {}
    optional: dict[str, Counter[str]] = {}  # the last step: in a "done" line or in "Completed"
    store = world.rt.store
    with world.sim.lock:
        transitions = list(world.sim.transitions)
        steps_of = {mid: m.steps for mid, m in world.sim.migrations.items()}
    seen: dict[str, list[str]] = {}
    for mid, step, _ in transitions:
        seen.setdefault(mid, []).append(step)
    for mid, path in seen.items():
        m = store.get_migration(mid)
        if m is None:
            continue
        root = m.thread_ts or m.card_ts
        pairs = [
            (a, b) for a, b in zip(path, path[1:], strict=False) if b == _after(steps_of[mid], a)
        ]
        done = [a for a, b in pairs if b != "completed"]
        if not root:
            assert not (cards and done), f"{mid[:8]} finished {done} but its card never appeared"
            continue
        expected.setdefault(root, Counter()).update(done)
        optional.setdefault(root, Counter()).update(a for a, b in pairs if b == "completed")
    for root, want in expected.items():
        texts = [msg.text for msg in world.ws.thread(CHANNEL, root) if msg.ts != root]
        got = Counter(s for s in done_steps(texts) if s in STEPS)
        # a move that ended between two reads (Butterbase unreachable, or too quick) is told
        # "last seen at X; it stopped there or at a later step": what happened from X on
        # was never visible to a poller, so those steps may be told or not, never twice
        unseen = _from_on(last_seen_steps(texts))
        twice = {s: n for s, n in got.items() if n > want[s] + optional[root][s] + (s in unseen)}
        assert not twice, f"thread {root}: steps told more often than they happened: {twice}"
        if complete:
            missing = {s: n for s, n in want.items() if got[s] < n and s not in unseen}
            assert not missing, f"thread {root}: steps never told: {missing}"


def _from_on(last_seen: list[str]) -> set[str]:
    """The happy-path steps from the earliest step a thread named as "last seen at" on."""
    order = list(HAPPY_PATH)
    known = [order.index(s) for s in last_seen if s in order]
    return set(order[min(known) :]) if known else set()


def _after(steps: tuple[str, ...], step: str) -> str | None:
    if step not in steps:
        return None
    index = steps.index(step)
    return steps[index + 1] if index + 1 < len(steps) else "completed"


def flowing(world: ModelWorld) -> None:
    """With Slack accepting posts, nothing stays queued."""
    now = world.bot_clock.now()
    depth, age = world.rt.store.outbox_stats(now)
    stuck = [
        (i.kind, i.channel_id, (i.migration_id or i.approval_id or "")[:8], i.attempts, i.error)
        for i in world.rt.store.due_outbox(now=now + timedelta(days=1), limit=5)
    ]
    assert depth == 0, f"{depth} Slack message(s) queued ({age:.0f} s) while Slack accepts: {stuck}"
