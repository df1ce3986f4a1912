"""What each migration route does, as the published server does it (quirks included).

Every function expects the simulator's lock held, returns the success body's data
and raises `ApiError` with the exact answer otherwise.
"""

from __future__ import annotations

import uuid
from typing import TYPE_CHECKING, Any

from .clock import iso
from .models import AFTER_CUTOVER, ApiError, Migration, internal_error
from .progress import estimated_cost

if TYPE_CHECKING:
    from .state import Simulator

EXCLUSION = 'conflicting key value violates exclusion constraint "one_active_migration_per_app"'
DEPROVISION_PENDING = (
    'duplicate key value violates unique constraint "deprovision_jobs_app_id_pending_key"'
)


def parse_uuid(value: str) -> str | None:
    """The canonical form of a UUID as PostgreSQL would accept it, else None."""
    try:
        return str(uuid.UUID(value.strip()))
    except ValueError:
        return None


def _lookup(sim: Simulator, migration_id: str) -> Migration | None:
    """A migration by id; a non-UUID id is the database's error, i.e. a 500."""
    canonical = parse_uuid(migration_id)
    if canonical is None:
        raise internal_error()
    return sim.migrations.get(canonical)


def _ineligible(reason: str) -> ApiError:
    return ApiError(409, {"error": "ineligible", "reason": reason})


def start_move(sim: Simulator, user_id: str, app_id: str, dest: Any) -> Migration:
    """`POST /v1/apps/{app_id}/move`, after auth and body parsing."""
    if not isinstance(dest, str) or dest == "":
        raise ApiError(400, {"error": "dest_region required"})
    if dest not in sim.config.regions and not sim.config.lenient_regions:
        raise ApiError(400, {"error": f"unknown dest_region: {dest}"})
    app = sim.apps.get(app_id)
    if app is None:
        raise _ineligible("App not found in org_app_index.")
    if app.region == dest:
        raise _ineligible("Source and destination regions are equal.")
    if not app.has_plan:
        raise _ineligible("Owner has no active plan.")
    if sim.in_flight(app_id) is not None:
        raise _ineligible("A migration is already in flight for this app.")
    migration = sim.create_migration(app=app, user_id=user_id, source=app.region, dest=dest)
    sim.saga.start(migration)
    return migration


def get_status(sim: Simulator, app_id: str, migration_id: str) -> Migration:
    """`GET /v1/apps/{app_id}/migrations/{migration_id}` (no auth)."""
    migration = _lookup(sim, migration_id)
    if migration is None or migration.app_id != app_id:
        raise ApiError(404, {"error": "not found"})
    return migration


def get_active(sim: Simulator, user_id: str, app_id: str) -> Migration | None:
    """`GET /v1/apps/{app_id}/migrations/active`: only the caller's own moves are shown."""
    migration = sim.in_flight(app_id)
    if migration is None or migration.user_id != user_id:
        return None
    return migration


def abort(sim: Simulator, app_id: str, migration_id: str) -> Migration:
    """`POST .../abort` (no auth): straight to `aborted`, no compensation.

    The server only refuses the steps it knows to be after cutover and `completed`;
    anything else (`aborting`, `aborted`, `failed`) counts as "before cutover". The
    migration is rewritten: `aborted`, `last_error: "user_requested"`, `completed_at`
    set; a `failed` move's record of its failure is erased.
    """
    migration = get_status(sim, app_id, migration_id)
    if migration.current_step in AFTER_CUTOVER:
        raise ApiError(409, {"error": "cannot abort after cutover; use reverse-move"})
    if migration.current_step == "completed":
        raise ApiError(409, {"error": "cannot abort completed migration; use reverse-move"})
    at = sim.now()
    changed = migration.current_step != "aborted"
    migration.current_step = "aborted"
    migration.last_error = "user_requested"
    migration.retry_count = 0
    migration.step_started_at = at
    migration.completed_at = at
    sim.saga.stop(migration)
    migration.parked = False
    if changed:
        sim.record(migration, at)
    return migration


def _reverse_failed(reason: str) -> ApiError:
    return ApiError(409, {"error": "reverse_move_failed", "reason": reason})


def reverse(sim: Simulator, user_id: str, migration_id: str) -> Migration:
    """`POST .../reverse`: the path's app id is not checked against the migration."""
    canonical = parse_uuid(migration_id)
    if canonical is None:
        raise _reverse_failed(f'invalid input syntax for type uuid: "{migration_id}"')
    forward = sim.migrations.get(canonical)
    if forward is None:
        raise _reverse_failed(f"migration not found: {migration_id}")
    if forward.current_step != "completed":
        raise _reverse_failed("reverse-move requires the forward migration to be completed")
    if sim.in_flight(forward.app_id) is not None:
        raise _reverse_failed(EXCLUSION)
    app = sim.apps[forward.app_id]
    fast = forward.source_replica_state == "replicating"
    if app.region != forward.dest_region:
        sim.incidents.append(
            f"{iso(sim.now())} reverse of {forward.id} while {app.id} is served from "
            f"{app.region}, not {forward.dest_region}: writes since then are lost"
        )
    migration = sim.create_migration(
        app=app,
        user_id=user_id,
        source=forward.dest_region,
        dest=forward.source_region,
        reverse_of=forward.id,
        path="fast" if fast else "slow",
    )
    if not fast:
        sim.saga.start(migration)
        return migration
    # Fast path: no step runs; the hot replica is promoted, routing flips back at once and
    # the new migration is marked `completed` (only `current_step` and `completed_at` are
    # written: its `source_replica_state` stays null and its `progress` stays `{}`, so the
    # old destination is no retained replica of it). The forward one keeps `replicating`
    # (the server does not touch it), even when the replica stopped receiving writes long ago.
    at = migration.created_at
    app.region = forward.source_region
    app.provisioning_status = "ready"
    migration.current_step = "completed"
    migration.source_replica_state = None
    migration.routed_at = at
    migration.completed_at = at
    migration.progress = {}
    sim.record(migration, at)
    return migration


def source_replicas(sim: Simulator, user_id: str) -> list[dict[str, Any]]:
    """`GET /v1/source-replicas`: the caller's completed migrations still replicating."""
    rows: list[dict[str, Any]] = []
    for migration in sim.migrations.values():
        if (
            migration.current_step == "completed"
            and migration.source_replica_state == "replicating"
            and migration.user_id == user_id
        ):
            app = sim.apps.get(migration.app_id)
            rows.append(
                {
                    "migration_id": migration.id,
                    "app_id": migration.app_id,
                    "source_region": migration.source_region,
                    "dest_region": migration.dest_region,
                    "completed_at": iso(migration.completed_at),
                    "estimated_monthly_cost_usd": estimated_cost(app, migration),
                }
            )
    rows.sort(key=lambda row: row["completed_at"] or "")
    return rows


def teardown(sim: Simulator, migration_id: str) -> Migration:
    """`DELETE /v1/source-replicas/{migration_id}`."""
    migration = _lookup(sim, migration_id)
    if migration is None:
        raise ApiError(404, {"error": "not found"})
    state = migration.source_replica_state
    if state != "replicating":
        reason = f"cannot teardown replica in state {state or 'null'}"
        raise ApiError(409, {"error": "teardown_failed", "reason": reason})
    if sim.faults_for(migration.app_id).pending_deprovision:
        raise ApiError(409, {"error": "teardown_failed", "reason": DEPROVISION_PENDING})
    mark_torn_down(sim, migration)
    return migration


def mark_torn_down(sim: Simulator, migration: Migration) -> None:
    """Delete the replica; note an incident if it was the app's live database."""
    migration.source_replica_state = "torn_down"
    app = sim.apps.get(migration.app_id)
    if app is not None and app.region == migration.source_region:
        sim.incidents.append(
            f"{iso(sim.now())} teardown of {migration.id} deprovisioned {app.id}'s "
            f"database in {app.region}, where the app is served from"
        )
