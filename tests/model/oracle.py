"""What the simulator was asked, with the state each request arrived in, and the safety
rules those requests must obey.

`RecordedCalls` replaces the simulator's request log: the middleware appends each
request while holding the simulator's lock, so the snapshot taken then is the state the
request met (the manual clock does not move while the bot works).
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sandbox.butterbase import Simulator
from sandbox.butterbase.models import AFTER_CUTOVER, TERMINAL

_REVERSE = re.compile(r"^/v1/apps/[^/]+/migrations/([^/]+)/reverse$")
_ABORT = re.compile(r"^/v1/apps/[^/]+/migrations/([^/]+)/abort$")
_TEARDOWN = re.compile(r"^/v1/source-replicas/([^/]+)$")


@dataclass(frozen=True)
class MigrationView:
    id: str
    app_id: str
    step: str
    source: str
    dest: str
    completed_at: datetime | None
    reverse_of: str | None
    path: str | None


@dataclass(frozen=True)
class Moment:
    """The simulator's state (and the approver group) when a request arrived."""

    regions: dict[str, str]  # app id -> region `GET /apps` shows
    migrations: dict[str, MigrationView]
    order: dict[str, list[str]]  # app id -> its migrations, oldest first
    approvers: frozenset[str]

    def latest_completed(self, app_id: str) -> str | None:
        done = [
            (m.completed_at, i, mid)
            for i, mid in enumerate(self.order.get(app_id, []))
            if (m := self.migrations[mid]).step == "completed" and m.completed_at is not None
        ]
        return max(done)[2] if done else None


def snapshot(sim: Simulator, approvers: frozenset[str]) -> Moment:
    views = {
        mid: MigrationView(
            mid,
            m.app_id,
            m.current_step,
            m.source_region,
            m.dest_region,
            m.completed_at,
            m.reverse_of,
            m.path,
        )
        for mid, m in sim.migrations.items()
    }
    regions = {app_id: app.region for app_id, app in sim.apps.items()}
    order = {app_id: list(mids) for app_id, mids in sim.by_app.items()}
    return Moment(regions, views, order, approvers)


class RecordedCalls(list[dict[str, Any]]):
    """The simulator's request log; each mutating request carries its `moment`."""

    def __init__(self, sim: Simulator, *, approvers: Callable[[], frozenset[str]]) -> None:
        super().__init__()
        self._sim = sim
        self._approvers = approvers

    def append(self, entry: dict[str, Any]) -> None:
        if entry.get("method") in ("POST", "DELETE"):
            with self._sim.lock:
                entry["moment"] = snapshot(self._sim, self._approvers())
        super().append(entry)

    def calls(self, kind: str) -> list[tuple[str, dict[str, Any]]]:
        """(migration id, entry) of every `reverse`, `abort` or `teardown` request."""
        pattern = {"reverse": _REVERSE, "abort": _ABORT, "teardown": _TEARDOWN}[kind]
        method = "DELETE" if kind == "teardown" else "POST"
        found = []
        for entry in list(self):
            match = pattern.match(entry["path"]) if entry["method"] == method else None
            if match:
                found.append((match.group(1), entry))
        return found


# -- the rules: each returns what broke, or None ----------------------------------------


def reverse_refusal(mid: str, at: Moment) -> str | None:
    m = at.migrations.get(mid)
    if m is None:
        return f"reverse of {mid[:8]}, which Butterbase does not know"
    latest = at.latest_completed(m.app_id)
    if latest != mid:
        return (
            f"reverse of {mid[:8]} ({m.app_id} {m.source}->{m.dest}, {m.step}) while the app's "
            f"latest completed move is {str(latest)[:8]}"
        )
    if at.regions.get(m.app_id) != m.dest:
        return (
            f"reverse of {mid[:8]} while {m.app_id} is in {at.regions.get(m.app_id)}, not {m.dest}"
        )
    return None


def teardown_refusal(mid: str, at: Moment) -> str | None:
    m = at.migrations.get(mid)
    if m is None:
        return f"teardown of {mid[:8]}, which Butterbase does not know"
    if at.regions.get(m.app_id) == m.source:
        return f"teardown of {mid[:8]}'s replica in {m.source}, where {m.app_id} is served from"
    promoted = [r.id for r in at.migrations.values() if r.reverse_of == mid and r.path == "fast"]
    if promoted:
        return f"teardown of {mid[:8]}'s replica, promoted by the reverse {promoted[0][:8]}"
    return None


def abort_refusal(mid: str, at: Moment) -> str | None:
    m = at.migrations.get(mid)
    if m is None:
        return f"abort of {mid[:8]}, which Butterbase does not know"
    if m.step in AFTER_CUTOVER or m.step in TERMINAL:
        return f"abort of {mid[:8]} ({m.app_id}) at {m.step}"
    return None


MARKUP = ("<!channel>", "<https://evil.example")


def unescaped_markup(value: Any) -> str | None:
    """The first string inside `value` carrying markup that came from input, if any."""
    if isinstance(value, str):
        return value if any(mark in value for mark in MARKUP) else None
    if isinstance(value, dict):
        value = list(value.values())
    if isinstance(value, list | tuple):
        for item in value:
            found = unescaped_markup(item)
            if found is not None:
                return found
    return None
