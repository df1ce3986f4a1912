"""Small builders for store records, with sensible defaults."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from storage.records import Approval, AuditEntry, OutboxItem, StepRecord, TrackedMigration

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)


def at(seconds: float) -> datetime:
    """`T0` plus `seconds`."""
    return T0 + timedelta(seconds=seconds)


def migration(
    migration_id: str = "3f2a9c1e-0000-4000-8000-000000000001", **kw: Any
) -> TrackedMigration:
    fields: dict[str, Any] = {
        "migration_id": migration_id,
        "app_id": "app-42",
        "source_region": "us-east-1",
        "dest_region": "eu-west-1",
        "channel_id": "C1",
        "requester": "U1",
        "created_at": T0,
        "updated_at": T0,
    }
    fields.update(kw)
    return TrackedMigration(**fields)


def step(
    migration_id: str, name: str, start: float, end: float | None = None, outcome: str | None = None
) -> StepRecord:
    return StepRecord(
        migration_id=migration_id,
        step=name,
        started_at=at(start),
        ended_at=None if end is None else at(end),
        outcome=outcome,
    )


def approval(approval_id: str = "ap-1", **kw: Any) -> Approval:
    fields: dict[str, Any] = {
        "approval_id": approval_id,
        "kind": "reverse",
        "migration_id": "3f2a9c1e-0000-4000-8000-000000000001",
        "app_id": "app-42",
        "channel_id": "C1",
        "requester": "U1",
        "requested_at": T0,
        "expires_at": at(1800),
        "required": 1,
        "snapshot": {"step": "completed", "replica_state": "retained"},
    }
    fields.update(kw)
    return Approval(**fields)


def outbox(dedupe_key: str | None = None, **kw: Any) -> OutboxItem:
    fields: dict[str, Any] = {
        "kind": "reply",
        "channel_id": "C1",
        "migration_id": "3f2a9c1e-0000-4000-8000-000000000001",
        "payload": {"text": "Restoring data (step 5 of 11)"},
        "dedupe_key": dedupe_key,
        "created_at": T0,
    }
    fields.update(kw)
    return OutboxItem(**fields)


def audit(action: str = "migrate.requested", **kw: Any) -> AuditEntry:
    fields: dict[str, Any] = {
        "at": T0,
        "actor": "U1",
        "action": action,
        "migration_id": "3f2a9c1e-0000-4000-8000-000000000001",
        "app_id": "app-42",
        "detail": {"dest_region": "eu-west-1"},
    }
    fields.update(kw)
    return AuditEntry(**fields)
