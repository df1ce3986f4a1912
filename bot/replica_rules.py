"""The one rule for "may this move be reversed / this replica be torn down". Pure.

`blocker(kind, target)` answers it, and everything that draws a button or acts asks it:
the status card (`card_buttons`), `/teardown` (`listing_block`), the App Home, the daily
reminder, the request, the recorded approval and the call itself. A `Target` is built
from what was just read (`ApprovalService.read_target`: Butterbase and the store), from
a listed replica (`replica_target`) or from the store alone (`store_target`, for cards).

Guards the server does not give (butterbase-api.md, "What the server does not protect",
items 3, 6 and 9): reverse only the app's latest completed move, and only while the app
is served from that move's destination (a reverse of an older move serves a replica that
stopped receiving writes when the later move took the app away); never tear down or
reverse a migration whose source region is the app's current region or whose replica a
reverse promoted. Tearing down the stale replica of an older move is fine.

No import of `bot.render` here: `bot.render.card` imports this module.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from bot import steps
from bot.models import SourceReplica
from storage.records import TrackedMigration

STALE = "reversing this one would serve stale data"


@dataclass(frozen=True)
class Later:
    """A migration of the same app after the one judged: it makes that one's replica stale."""

    migration_id: str
    dest_region: str | None
    running: bool = False
    at: datetime | None = None


@dataclass(frozen=True)
class Target:
    """What a request is judged against: the migration and its app, as just read."""

    migration_id: str
    app_id: str
    current_step: str
    replica_state: str | None
    source_region: str | None
    dest_region: str | None
    completed_at: datetime | None = None
    app_region: str | None = None  # from GET /apps; None when unknown
    reversed_by: str | None = None  # a reverse the bot knows of
    torn_down_at: datetime | None = None
    active_move: str | None = None  # an in-flight move of the app (id), seen before acting
    active_is_reverse: bool = False
    later: Later | None = None  # the newest migration of the app after this one
    app_read: bool = False  # GET /apps was asked (so a None app_region means "not listed")

    def snapshot(self) -> dict[str, Any]:
        """The state a request is bound to (stored with it, and audited)."""
        return {
            "migration_id": self.migration_id,
            "app_id": self.app_id,
            "current_step": self.current_step,
            "replica_state": self.replica_state,
            "source_region": self.source_region,
            "dest_region": self.dest_region,
            "completed_at": self.completed_at.isoformat() if self.completed_at else None,
            "app_region": self.app_region,
            "reversed_by": self.reversed_by,
            "later": self.later.migration_id if self.later else None,
        }


def _hhmm(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%H:%M UTC")


def _not_completed(kind: str, t: Target) -> str:
    short, app, step = t.migration_id[:8], t.app_id, t.current_step
    source = t.source_region or "its source region"
    if step in ("aborted", "aborting"):
        return f"move `{short}` of {app} was aborted and {app} stayed in {source}, so there is nothing to {kind}"
    if step == "failed":
        done = "reversed" if kind == "reverse" else "torn down"
        return f"move `{short}` of {app} failed and needs manual review; only a completed move can be {done}"
    label = steps.label(step)
    if kind == "teardown":
        return f"move `{short}` of {app} is not completed yet ({label}), so there is no replica to tear down yet"
    if steps.may_abort(step):
        return f"move `{short}` of {app} is not completed yet ({label}): it is still before cutover, so `/abort {app}` is the way back, or wait for it to complete"
    return f"move `{short}` of {app} is not completed yet ({label}): wait for it to complete, then ask again"


def _superseded(t: Target) -> str | None:
    """Why a reverse would serve stale data (a later move, or the app elsewhere); None if not."""
    app, dest = t.app_id, t.dest_region or "its destination"
    later = t.later
    if later is not None:
        short, to = later.migration_id[:8], later.dest_region or "another region"
        if later.running:
            return f"a later move (`{short}`) of {app} to {to} is running: {STALE}"
        return f"a later move (`{short}`) took {app} to {to}: {STALE}"
    if t.app_region and t.dest_region and t.app_region != t.dest_region:
        return f"{app} is served from {t.app_region} now, not from {dest} where this move took it: {STALE}"
    if t.app_read and not t.app_region:
        return f"Butterbase doesn't say where {app} is served now, so the bot can't check that {dest} is still its region"
    return None


def blocker(kind: str, t: Target) -> str | None:
    """Why `kind` ("reverse" or "teardown") may not be done to `t` now, as a clause
    (raw text: escape it where it is shown); None when it may."""
    app, source = t.app_id, t.source_region or "the source region"
    if t.current_step != "completed":
        return _not_completed(kind, t)
    if t.reversed_by:
        took = f"the move back `{t.reversed_by[:8]}` took {app} back to {source}"
        if kind == "reverse":
            return f"it was already reversed: {took}"
        return f"it was reversed ({took}), so the replica there is {app}'s live database now"
    if t.app_region and t.source_region and t.app_region == t.source_region:
        if kind == "reverse":
            return f"{app} is already served from {source} again (its current region), so there is nothing to reverse"
        return f"{app} is served from {source} again (its current region), so the replica there is its live database"
    if kind == "reverse":
        stale = _superseded(t)
        if stale is not None:
            return stale
    state = t.replica_state
    if state == "torn_down":
        at = f" at {_hhmm(t.torn_down_at)}" if t.torn_down_at else ""
        if kind == "reverse":
            return f"the replica in {source} was torn down{at}, so reverse is no longer possible"
        return f"the replica in {source} is already torn down{at}"
    if state == "none":
        if kind == "reverse":
            return f"no replica was kept in {source}, so reverse is not possible"
        return f"no replica was kept in {source}, so there is nothing to tear down"
    if state != "replicating":
        return (
            f"Butterbase reports no replica kept for it (replica state: {state or 'none reported'})"
        )
    return None


# --- building targets -----------------------------------------------------------


def later_move(
    migration_id: str,
    app_id: str,
    *,
    moves: Iterable[TrackedMigration] = (),
    since: datetime | None = None,
    replicas: Iterable[SourceReplica] = (),
    completed_at: datetime | None = None,
) -> Later | None:
    """The newest migration of `app_id` after `migration_id`, or None.

    `moves` (the store) count when created after `since` (the judged move's own start,
    bot clock); `replicas` (Butterbase) when completed after `completed_at` (server
    clock). An aborted move changed nothing; a reverse of the judged move is its own
    rule (`reversed_by`).
    """
    found: list[tuple[datetime, Later]] = []
    for o in moves:
        if o.app_id != app_id or o.migration_id == migration_id:
            continue
        if o.parent_migration_id == migration_id or o.current_step in ("aborted", "aborting"):
            continue
        if since is not None and o.created_at > since:
            running = not steps.is_terminal(o.current_step)
            found.append(
                (o.created_at, Later(o.migration_id, o.dest_region, running, o.created_at))
            )
    for r in replicas:
        if r.app_id != app_id or r.migration_id == migration_id or r.completed_at is None:
            continue
        if completed_at is not None and r.completed_at > completed_at:
            found.append((r.completed_at, Later(r.migration_id, r.dest_region, at=r.completed_at)))
    if not found:
        return None
    return max(found, key=lambda pair: pair[0])[1]


def reversed_by(
    migration_id: str, m: TrackedMigration | None, moves: Iterable[TrackedMigration]
) -> str | None:
    """The reverse of the migration the bot knows of (started through the bot), if any."""
    if m is not None and m.reversed_by:
        return m.reversed_by
    back = [o for o in moves if o.kind == "reverse" and o.parent_migration_id == migration_id]
    return back[0].migration_id if back else None


def store_target(m: TrackedMigration, moves: Sequence[TrackedMigration]) -> Target:
    """`m` as the store knows it (for its card's buttons): no Butterbase read."""
    since = None if m.adopted else m.created_at
    return Target(
        migration_id=m.migration_id,
        app_id=m.app_id,
        current_step=m.current_step,
        replica_state=m.replica_state,
        source_region=m.source_region,
        dest_region=m.dest_region,
        completed_at=m.completed_at,
        reversed_by=reversed_by(m.migration_id, m, moves),
        torn_down_at=m.torn_down_at,
        later=later_move(m.migration_id, m.app_id, moves=moves, since=since),
    )


def replica_target(
    r: SourceReplica,
    *,
    app_region: str | None,
    reversed_by: str | None,
    later: Later | None = None,
) -> Target:
    """A retained replica as listed by Butterbase (completed, `replicating`)."""
    return Target(
        migration_id=r.migration_id,
        app_id=r.app_id,
        current_step="completed",
        replica_state="replicating",
        source_region=r.source_region,
        dest_region=r.dest_region,
        completed_at=r.completed_at,
        app_region=app_region,
        reversed_by=reversed_by,
        later=later,
    )


def superseded_note(m: TrackedMigration, moves: Sequence[TrackedMigration]) -> str | None:
    """For a completed move's card: why it has no "Request reverse" although its replica is
    retained (`A later move (ab12cd34) took app-42 to …`); raw text, None otherwise."""
    t = store_target(m, moves)
    if t.current_step != "completed" or t.replica_state != "replicating" or t.reversed_by:
        return None
    why = _superseded(t)
    return f"{why[0].upper()}{why[1:]}." if why else None
