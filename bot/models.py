"""Typed views of the Butterbase API's answers, tolerant of its known quirks.

- ids: `migration_id` everywhere, `migrationId` in the reverse answer, `id` in the
  active-migration object;
- replica states: the server's `replicating | none | torn_down` and the SDK's
  `pending | active | torn_down`, normalised to the server's spelling;
- unknown steps, extra keys and a `progress` of any shape are kept, never fatal;
- a missing, null or empty `current_step` is `steps.MISSING`, never `requested`.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import AliasChoices, BaseModel, ConfigDict, Field, field_validator

from bot import steps

ReplicaState = Literal["replicating", "none", "torn_down"]

_REPLICA_SPELLINGS: dict[str, ReplicaState] = {
    "replicating": "replicating",
    "active": "replicating",
    "none": "none",
    "torn_down": "torn_down",
    "torn-down": "torn_down",
}


def normalise_replica_state(value: object) -> ReplicaState | None:
    """Map either spelling to the server's; `pending`, null and unknown → None."""
    if not isinstance(value, str):
        return None
    return _REPLICA_SPELLINGS.get(value.strip().lower())


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore", populate_by_name=True, frozen=True)


class MigrationStatus(_Lenient):
    """`GET /v1/apps/{app}/migrations/{id}` and, with `id`, the active object."""

    migration_id: str = Field(validation_alias=AliasChoices("migration_id", "id", "migrationId"))
    current_step: str = steps.MISSING  # missing, null or empty: where it is is unknown
    last_error: str | None = None
    retry_count: int = 0
    source_region: str | None = None
    dest_region: str | None = None
    source_replica_state: ReplicaState | None = Field(
        default=None, validation_alias=AliasChoices("source_replica_state", "state")
    )
    step_started_at: datetime | None = None
    completed_at: datetime | None = None
    progress: dict[str, Any] = Field(default_factory=dict)

    @field_validator("source_replica_state", mode="before")
    @classmethod
    def _replica(cls, value: object) -> ReplicaState | None:
        return normalise_replica_state(value)

    @field_validator("progress", mode="before")
    @classmethod
    def _progress(cls, value: object) -> dict[str, Any]:
        return dict(value) if isinstance(value, dict) else {}

    @field_validator("current_step", mode="before")
    @classmethod
    def _step(cls, value: object) -> str:
        # never "requested": a move without a step may be anywhere (and must not look
        # abortable, nor move a card back)
        if value is None or isinstance(value, bool):
            return steps.MISSING
        return str(value).strip()

    @field_validator("retry_count", mode="before")
    @classmethod
    def _retries(cls, value: object) -> int:
        try:
            return int(value)  # type: ignore[call-overload]
        except (TypeError, ValueError):
            return 0

    @field_validator("last_error", mode="before")
    @classmethod
    def _error(cls, value: object) -> str | None:
        if value is None or value == "":
            return None
        return value if isinstance(value, str) else str(value)

    @property
    def is_terminal(self) -> bool:
        return steps.is_terminal(self.current_step)

    @property
    def dump_bytes(self) -> int | None:
        value = self.progress.get("dump_bytes")
        return value if isinstance(value, int) and not isinstance(value, bool) else None

    @property
    def flipped_at(self) -> datetime | None:
        value = self.progress.get("flipped_at")
        if not isinstance(value, str):
            return None
        try:
            return datetime.fromisoformat(value.replace("Z", "+00:00"))
        except ValueError:
            return None


class MoveAccepted(_Lenient):
    migration_id: str = Field(validation_alias=AliasChoices("migration_id", "migrationId", "id"))
    status: str = "queued"


class ReverseAccepted(_Lenient):
    migration_id: str = Field(validation_alias=AliasChoices("migrationId", "migration_id", "id"))
    path: str = "slow"


class AbortAccepted(_Lenient):
    migration_id: str | None = Field(
        default=None, validation_alias=AliasChoices("migration_id", "migrationId", "id")
    )
    status: str = "aborted"


class TeardownDone(_Lenient):
    status: str = "torn_down"


class SourceReplica(_Lenient):
    migration_id: str = Field(validation_alias=AliasChoices("migration_id", "migrationId", "id"))
    app_id: str
    source_region: str | None = None
    dest_region: str | None = None
    completed_at: datetime | None = None
    estimated_monthly_cost_usd: float | None = None

    @field_validator("estimated_monthly_cost_usd", mode="before")
    @classmethod
    def _cost(cls, value: object) -> float | None:
        # `0` is what the published server sends for every move (no dump size): unknown
        if value is None or isinstance(value, bool):
            return None
        try:
            cost = float(value)  # type: ignore[arg-type]
        except (TypeError, ValueError):
            return None
        return cost if cost > 0 else None  # also drops NaN


class App(_Lenient):
    id: str
    name: str | None = None
    subdomain: str | None = None
    region: str | None = None
    provisioning_status: str | None = None

    @property
    def writes_paused(self) -> bool:
        return self.provisioning_status == "migrating"
