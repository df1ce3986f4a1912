"""The simulator's records (apps, migrations), the saga's step list and the wire shapes."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .clock import iso

STEPS: tuple[str, ...] = (
    "requested",
    "reserving_dest",
    "blocking_writes",
    "dumping_data",
    "restoring_data",
    "dumping_kv",
    "restoring_kv",
    "copying_blobs",
    "copying_runtime",
    "flipping_routing",
    "setting_up_reverse_replication",
    "unblocking_writes",
)
KV_STEPS = frozenset({"dumping_kv", "restoring_kv"})
CUTOVER = "flipping_routing"
AFTER_CUTOVER = frozenset(
    {"flipping_routing", "setting_up_reverse_replication", "unblocking_writes"}
)
WRITES_PAUSED_FROM = "blocking_writes"
TERMINAL = frozenset({"completed", "aborted", "failed"})
MAX_ATTEMPTS = 5
FAULT_KINDS = ("fail_step", "stall", "unstall", "no_replica", "pending_deprovision")


def steps_for(*, kv: bool = False) -> tuple[str, ...]:
    """The saga every app runs: thirteen steps, the kv pair included.

    The published server runs `dumping_kv` and `restoring_kv` for every app; without
    key-value data (`kv=False`) they are no-ops, but they are still steps.
    """
    return STEPS


class ApiError(Exception):
    """An HTTP answer other than success: the routes send `body` with `status` as it is."""

    def __init__(self, status: int, body: dict[str, Any], headers: dict[str, str] | None = None):
        super().__init__(f"{status} {body}")
        self.status = status
        self.body = body
        self.headers = headers or {}


def object_error(code: str, message: str, remediation: str) -> dict[str, Any]:
    """The error handler's shape: `error` is an object."""
    return {"error": {"code": code, "message": message, "remediation": remediation}}


def internal_error() -> ApiError:
    """What the server's error handler answers for an unexpected database error."""
    return ApiError(
        500,
        object_error(
            "INTERNAL_ERROR",
            "An unexpected error occurred",
            "Try again later; contact support if it keeps happening.",
        ),
    )


@dataclass(slots=True)
class App:
    """A Butterbase app: where it lives and what a move of it needs."""

    id: str
    name: str
    region: str
    created_at: datetime
    has_plan: bool = True
    replica_cost: float | None = 42.5
    kv: bool = False
    provisioning_status: str = "ready"
    report_dump_size: bool | None = None  # None: follow `SimulatorConfig.report_dump_size`

    @property
    def subdomain(self) -> str:
        return self.id

    def to_json(self) -> dict[str, Any]:
        """The entry of `GET /apps`."""
        return {
            "id": self.id,
            "name": self.name,
            "subdomain": self.subdomain,
            "region": self.region,
            "provisioning_status": self.provisioning_status,
            "created_at": iso(self.created_at),
        }

    def detail(self) -> dict[str, Any]:
        """Everything, for the control endpoints."""
        return {
            **self.to_json(),
            "has_plan": self.has_plan,
            "replica_cost": self.replica_cost,
            "kv": self.kv,
            "report_dump_size": self.report_dump_size,
        }


@dataclass(slots=True)
class Migration:
    """One run of the saga, plus the driver's bookkeeping (`due_at`, `gen`, `parked`)."""

    id: str
    app_id: str
    user_id: str
    source_region: str
    dest_region: str
    steps: tuple[str, ...]
    current_step: str
    step_started_at: datetime
    created_at: datetime
    last_error: str | None = None
    retry_count: int = 0
    source_replica_state: str | None = None
    completed_at: datetime | None = None
    progress: dict[str, Any] = field(default_factory=dict)
    reverse_of: str | None = None
    path: str | None = None
    routed_at: datetime | None = None  # when routing flipped to the destination
    due_at: datetime | None = None
    parked: bool = False
    gen: int = 0

    @property
    def terminal(self) -> bool:
        return self.current_step in TERMINAL

    def next_step(self) -> str:
        """The step after the current one (`completed` after the last)."""
        index = self.steps.index(self.current_step)
        return self.steps[index + 1] if index + 1 < len(self.steps) else "completed"

    def status_json(self) -> dict[str, Any]:
        """The status object: every key, in the contract's order."""
        return {
            "migration_id": self.id,
            "current_step": self.current_step,
            "last_error": self.last_error,
            "retry_count": self.retry_count,
            "source_region": self.source_region,
            "dest_region": self.dest_region,
            "source_replica_state": self.source_replica_state,
            "step_started_at": iso(self.step_started_at),
            "completed_at": iso(self.completed_at),
            "progress": dict(self.progress),
        }

    def active_json(self) -> dict[str, Any]:
        """The object of the active-migration route (`id`, not `migration_id`)."""
        return {
            "id": self.id,
            "current_step": self.current_step,
            "source_region": self.source_region,
            "dest_region": self.dest_region,
            "source_replica_state": self.source_replica_state,
            "step_started_at": iso(self.step_started_at),
        }

    def detail(self) -> dict[str, Any]:
        """Everything, for the control endpoints."""
        return {
            **self.status_json(),
            "app_id": self.app_id,
            "user_id": self.user_id,
            "steps": list(self.steps),
            "created_at": iso(self.created_at),
            "reverse_of": self.reverse_of,
            "path": self.path,
            "routed_at": iso(self.routed_at),
            "due_at": iso(self.due_at),
            "parked": self.parked,
        }
