"""The simulator: in-memory apps and migrations, faults, keys, and its Python control API."""

from __future__ import annotations

import threading
import uuid
from datetime import datetime, timedelta
from typing import Any

from . import operations
from .clock import Clock, SystemClock, iso
from .config import SimulatorConfig
from .faults import OUTAGE_MODES, AppFaults, Outage, OutageMode, StepFailure
from .models import MAX_ATTEMPTS, STEPS, App, Migration, steps_for
from .saga import SagaDriver

Transition = tuple[str, str, datetime]


class Simulator:
    """A Butterbase control API in memory. Thread-safe: every method takes `lock`.

    `apps` and `migrations` are plain dicts; `transitions` records every step change
    as `(migration_id, step, at)`; `requests` logs every non-control HTTP request.
    """

    def __init__(self, config: SimulatorConfig | None = None, clock: Clock | None = None) -> None:
        self.config = config or SimulatorConfig()
        self.clock: Clock = clock or SystemClock()
        self.lock = threading.RLock()
        self.apps: dict[str, App] = {}
        self.migrations: dict[str, Migration] = {}
        self.by_app: dict[str, list[str]] = {}
        self.faults: dict[str, AppFaults] = {}
        self.transitions: list[Transition] = []
        self.requests: list[dict[str, Any]] = []
        self.incidents: list[str] = []
        self.outage_state: Outage | None = None
        self.saga = SagaDriver(self)

    # -- state -------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock.now()

    def advance(self) -> int:
        """Bring every migration up to `clock.now()`; the number of step attempts that ended."""
        with self.lock:
            return self.saga.advance(self.clock.now())

    def seed_app(
        self,
        app_id: str,
        *,
        region: str,
        name: str | None = None,
        has_plan: bool = True,
        replica_cost: float | None = 42.5,
        kv: bool = False,
        report_dump_size: bool | None = None,
    ) -> App:
        """Create (or replace) an app living in `region`.

        `replica_cost` is what its replica costs when the dump has a size (None: the
        cost is null); `report_dump_size` None follows the config's switch.
        """
        with self.lock:
            app = App(
                id=app_id,
                name=name or app_id,
                region=region,
                created_at=self.clock.now(),
                has_plan=has_plan,
                replica_cost=replica_cost,
                kv=kv,
                report_dump_size=report_dump_size,
            )
            self.apps[app_id] = app
            return app

    def user_for_key(self, key: str) -> str | None:
        """The user a service key belongs to, or None for an unknown key."""
        return self.config.api_keys.get(key)

    def faults_for(self, app_id: str) -> AppFaults:
        with self.lock:
            return self.faults.setdefault(app_id, AppFaults())

    def migrations_of(self, app_id: str) -> list[Migration]:
        """The app's migrations, oldest first."""
        with self.lock:
            return [self.migrations[mid] for mid in self.by_app.get(app_id, [])]

    def in_flight(self, app_id: str) -> Migration | None:
        """The app's non-terminal migration, whoever started it."""
        with self.lock:
            for migration in reversed(self.migrations_of(app_id)):
                if not migration.terminal:
                    return migration
            return None

    def create_migration(
        self,
        *,
        app: App,
        user_id: str,
        source: str,
        dest: str,
        reverse_of: str | None = None,
        path: str | None = None,
    ) -> Migration:
        """A new migration at `requested`, started now (the saga driver takes it from there)."""
        with self.lock:
            now = self.clock.now()
            migration = Migration(
                id=str(uuid.uuid4()),
                app_id=app.id,
                user_id=user_id,
                source_region=source,
                dest_region=dest,
                steps=steps_for(kv=app.kv),
                current_step="requested",
                step_started_at=now,
                created_at=now,
                reverse_of=reverse_of,
                path=path,
            )
            self.migrations[migration.id] = migration
            self.by_app.setdefault(app.id, []).append(migration.id)
            return migration

    def record(self, migration: Migration, at: datetime) -> None:
        """Append a step change to `transitions`."""
        self.transitions.append((migration.id, migration.current_step, at))

    # -- faults ------------------------------------------------------------------------

    def fail_step(
        self, app_id: str, step: str, times: int = 1, *, error: str | None = None
    ) -> None:
        """The next `times` attempts of `step` fail; at the fifth in a row the step gives up."""
        _check_step(step)
        if times < 1:
            raise ValueError("times must be at least 1")
        message = error or f"{step} failed: simulated error"
        with self.lock:
            self.faults_for(app_id).failures[step] = StepFailure(times, message)

    def fail_current(self, app_id: str, *, error: str | None = None) -> Migration:
        """Make the current step of the app's in-flight migration fail until it gives up."""
        with self.lock:
            migration = self.in_flight(app_id)
            if migration is None or migration.current_step == "aborting":
                raise LookupError(f"no migration in flight for {app_id}")
            times = MAX_ATTEMPTS - migration.retry_count
            self.fail_step(app_id, migration.current_step, times, error=error)
            return migration

    def stall_step(self, app_id: str, step: str) -> None:
        """Migrations of the app stay in `step` until `unstall`."""
        _check_step(step)
        with self.lock:
            self.faults_for(app_id).stalled.add(step)

    def unstall(self, app_id: str) -> None:
        """Lift every stall of the app; parked migrations finish their step now."""
        with self.lock:
            self.faults_for(app_id).stalled.clear()
            now = self.clock.now()
            for migration in self.migrations_of(app_id):
                if migration.parked and not migration.terminal:
                    self.saga.schedule(migration, now)

    def no_replica(self, app_id: str, enabled: bool = True) -> None:
        """Reverse replication gives up: moves complete with `source_replica_state: none`."""
        with self.lock:
            self.faults_for(app_id).no_replica = enabled

    def pending_deprovision(self, app_id: str, enabled: bool = True) -> None:
        """A deprovision is pending for the app: teardown answers 409 and changes nothing."""
        with self.lock:
            self.faults_for(app_id).pending_deprovision = enabled

    def clear_faults(self, app_id: str) -> None:
        """Forget every fault of the app (and lift its stalls)."""
        with self.lock:
            self.unstall(app_id)
            self.faults.pop(app_id, None)

    def report_dump_size(self, enabled: bool | None, app_id: str | None = None) -> None:
        """Dumps have a real size (and replicas a real cost): for one app, or for all.

        For one app, None makes it follow the global switch again.
        """
        with self.lock:
            if app_id is None:
                self.config.report_dump_size = bool(enabled)
            else:
                self.apps[app_id].report_dump_size = enabled

    def outage(self, seconds: float, mode: OutageMode = "503") -> None:
        """Every non-control route answers in `mode` for `seconds` of simulator time."""
        if mode not in OUTAGE_MODES:
            raise ValueError(f"unknown outage mode {mode!r}; one of {', '.join(OUTAGE_MODES)}")
        with self.lock:
            self.outage_state = Outage(mode, self.clock.now() + timedelta(seconds=seconds))

    def end_outage(self) -> None:
        with self.lock:
            self.outage_state = None

    def outage_mode(self) -> OutageMode | None:
        """The mode of the outage in progress, if any."""
        with self.lock:
            outage = self.outage_state
            if outage is None:
                return None
            if self.clock.now() >= outage.until:
                self.outage_state = None
                return None
            return outage.mode

    def teardown_direct(self, migration_id: str) -> Migration:
        """Tear the retained replica down as if someone else did (no checks, no HTTP)."""
        with self.lock:
            migration = self.migrations[migration_id]
            operations.mark_torn_down(self, migration)
            return migration

    def start_move_as(self, key_or_user: str, app_id: str, dest: str) -> Migration:
        """Start a move as another user (a key or a user id), e.g. the dashboard.

        Raises `ApiError` with the route's answer when the move is refused.
        """
        with self.lock:
            user = self.user_for_key(key_or_user) or key_or_user
            return operations.start_move(self, user, app_id, dest)

    # -- introspection -----------------------------------------------------------------

    def snapshot(self) -> dict[str, Any]:
        """Everything, as JSON-ready data (for `GET /_sim/state`)."""
        with self.lock:
            outage = self.outage_state
            return {
                "now": iso(self.clock.now()),
                "config": self.config.model_dump(),
                "apps": [app.detail() for app in self.apps.values()],
                "migrations": [m.detail() for m in self.migrations.values()],
                "faults": {k: f.to_json() for k, f in self.faults.items() if not f.empty},
                "outage": outage.to_json() if outage else None,
                "incidents": list(self.incidents),
                "transitions": len(self.transitions),
            }


def _check_step(step: str) -> None:
    if step not in STEPS:
        raise ValueError(f"unknown step {step!r}")
