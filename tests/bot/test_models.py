"""The API's answers as models: the contract's quirks are tolerated, never fatal."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from pydantic import ValidationError

from bot import steps
from bot.models import (
    AbortAccepted,
    App,
    MigrationStatus,
    MoveAccepted,
    ReverseAccepted,
    SourceReplica,
    TeardownDone,
    normalise_replica_state,
)

MID = "7a0c1234-aaaa-bbbb-cccc-000000000001"
CONTRACT_STATUS: dict[str, Any] = {
    "migration_id": MID,
    "current_step": "restoring_data",
    "last_error": None,
    "retry_count": 0,
    "source_region": "us-east-1",
    "dest_region": "eu-west-1",
    "source_replica_state": None,
    "step_started_at": "2026-11-30T10:02:11.482Z",
    "completed_at": None,
    "progress": {
        "dump_bytes": 734003200,
        "requested_done": True,
        "reserving_dest_done": True,
        "blocking_writes_done": True,
        "dumping_data_done": True,
    },
}


def test_the_contracts_status_object():
    s = MigrationStatus.model_validate(CONTRACT_STATUS)
    assert s.migration_id == MID
    assert s.current_step == "restoring_data"
    assert s.last_error is None and s.retry_count == 0
    assert (s.source_region, s.dest_region) == ("us-east-1", "eu-west-1")
    assert s.source_replica_state is None
    assert s.step_started_at == datetime(2026, 11, 30, 10, 2, 11, 482000, tzinfo=UTC)
    assert s.completed_at is None
    assert s.dump_bytes == 734003200
    assert s.flipped_at is None
    assert not s.is_terminal


def test_the_active_object_has_id_not_migration_id():
    active = {
        "id": MID,
        "current_step": "copying_blobs",
        "source_region": "us-east-1",
        "dest_region": "eu-west-1",
        "source_replica_state": None,
        "step_started_at": "2026-11-30T10:02:11Z",
    }
    s = MigrationStatus.model_validate(active)
    assert s.migration_id == MID
    assert s.current_step == "copying_blobs"
    assert s.retry_count == 0 and s.progress == {}


def test_reverse_answers_in_camel_case():
    r = ReverseAccepted.model_validate({"migrationId": MID, "path": "fast"})
    assert (r.migration_id, r.path) == (MID, "fast")
    assert ReverseAccepted.model_validate({"migration_id": MID}).path == "slow"


def test_move_abort_and_teardown_answers():
    assert (
        MoveAccepted.model_validate({"migration_id": MID, "status": "queued"}).migration_id == MID
    )
    abort = AbortAccepted.model_validate({"migration_id": MID, "status": "aborted"})
    assert (abort.migration_id, abort.status) == (MID, "aborted")
    assert AbortAccepted.model_validate({}).migration_id is None
    assert TeardownDone.model_validate({"status": "torn_down"}).status == "torn_down"


@pytest.mark.parametrize(
    ("given", "normalised"),
    [
        ("replicating", "replicating"),
        ("active", "replicating"),  # the SDK's spelling
        ("none", "none"),
        ("torn_down", "torn_down"),
        ("torn-down", "torn_down"),
        ("ACTIVE", "replicating"),
        (" replicating ", "replicating"),
        ("pending", None),  # the SDK's "not yet"
        (None, None),
        ("something_new", None),
        (3, None),
    ],
)
def test_replica_state_spellings(given, normalised):
    assert normalise_replica_state(given) == normalised
    s = MigrationStatus.model_validate({"migration_id": MID, "source_replica_state": given})
    assert s.source_replica_state == normalised


def test_the_sdks_state_field_is_read_as_the_replica_state():
    s = MigrationStatus.model_validate({"migration_id": MID, "state": "active"})
    assert s.source_replica_state == "replicating"


def test_a_completed_move_with_a_replica():
    s = MigrationStatus.model_validate(
        {
            **CONTRACT_STATUS,
            "current_step": "completed",
            "source_replica_state": "replicating",
            "completed_at": "2026-11-30T10:20:00Z",
            "progress": {"flipped_at": "2026-11-30T10:15:30.5Z"},
        }
    )
    assert s.is_terminal
    assert s.source_replica_state == "replicating"
    assert s.completed_at == datetime(2026, 11, 30, 10, 20, tzinfo=UTC)
    assert s.flipped_at == datetime(2026, 11, 30, 10, 15, 30, 500000, tzinfo=UTC)


def test_a_failed_move_has_no_completion_time_and_keeps_its_error():
    s = MigrationStatus.model_validate(
        {**CONTRACT_STATUS, "current_step": "failed", "last_error": "boom", "retry_count": 0}
    )
    assert s.is_terminal and s.completed_at is None and s.last_error == "boom"


def test_an_unknown_step_is_kept_as_it_is():
    s = MigrationStatus.model_validate({**CONTRACT_STATUS, "current_step": "warming_caches"})
    assert s.current_step == "warming_caches"
    assert not s.is_terminal


def test_extra_keys_are_ignored():
    s = MigrationStatus.model_validate({**CONTRACT_STATUS, "org_id": "o1", "new_field": [1, 2]})
    assert s.migration_id == MID
    assert not hasattr(s, "new_field")


def test_missing_keys_get_safe_defaults():
    s = MigrationStatus.model_validate({"migration_id": MID})
    assert s.current_step == steps.MISSING  # never "requested": it may be anywhere
    assert not steps.may_abort(s.current_step)
    assert s.last_error is None and s.retry_count == 0
    assert s.source_region is None and s.dest_region is None
    assert s.source_replica_state is None
    assert s.step_started_at is None and s.completed_at is None
    assert s.progress == {}


def test_a_status_without_any_id_is_refused():
    with pytest.raises(ValidationError):
        MigrationStatus.model_validate({"current_step": "requested"})


@pytest.mark.parametrize(
    ("field", "value", "expected"),
    [
        ("current_step", None, steps.MISSING),
        ("current_step", "", steps.MISSING),
        ("current_step", "  ", steps.MISSING),
        ("retry_count", None, 0),
        ("retry_count", "3", 3),
        ("retry_count", "many", 0),
        ("last_error", "", None),
        ("last_error", 503, "503"),
        ("progress", None, {}),
        ("progress", [1, 2], {}),
        ("progress", "done", {}),
    ],
)
def test_odd_values_are_tolerated(field, value, expected):
    s = MigrationStatus.model_validate({"migration_id": MID, field: value})
    assert getattr(s, field) == expected


@pytest.mark.parametrize(
    ("progress", "dump_bytes", "flipped_at"),
    [
        ({"dump_bytes": "734003200"}, None, None),
        ({"dump_bytes": True}, None, None),
        ({"dump_bytes": 0}, 0, None),
        ({"flipped_at": 1764496530}, None, None),
        ({"flipped_at": "yesterday"}, None, None),
        (
            {"flipped_at": "2026-11-30T10:15:30+00:00"},
            None,
            datetime(2026, 11, 30, 10, 15, 30, tzinfo=UTC),
        ),
    ],
)
def test_progress_keys_are_never_depended_on(progress, dump_bytes, flipped_at):
    s = MigrationStatus.model_validate({"migration_id": MID, "progress": progress})
    assert s.dump_bytes == dump_bytes
    assert s.flipped_at == flipped_at


def test_a_retained_replica_with_a_null_cost_stays_unknown():
    r = SourceReplica.model_validate(
        {
            "migration_id": MID,
            "app_id": "app-42",
            "source_region": "us-east-1",
            "dest_region": "eu-west-1",
            "completed_at": "2026-11-30T10:20:00Z",
            "estimated_monthly_cost_usd": None,
        }
    )
    assert r.estimated_monthly_cost_usd is None  # "unknown", never $0
    assert r.completed_at == datetime(2026, 11, 30, 10, 20, tzinfo=UTC)


@pytest.mark.parametrize(
    ("cost", "expected"),
    [
        (42.5, 42.5),
        (0, None),  # the published server's 0 for every move: unknown, never $0
        (0.0, None),
        ("0", None),
        (-1, None),
        ("12.75", 12.75),
        ("n/a", None),
        (True, None),
        ([], None),
    ],
)
def test_replica_costs(cost, expected):
    r = SourceReplica.model_validate(
        {"migration_id": MID, "app_id": "app-42", "estimated_monthly_cost_usd": cost}
    )
    assert r.estimated_monthly_cost_usd == expected


def test_a_replica_with_missing_and_extra_keys():
    r = SourceReplica.model_validate({"migration_id": MID, "app_id": "app-42", "state": "active"})
    assert r.source_region is None and r.completed_at is None
    assert r.estimated_monthly_cost_usd is None


def test_an_app_is_migrating_while_writes_are_paused():
    app = App.model_validate(
        {
            "id": "app-42",
            "name": "Shop",
            "subdomain": "shop",
            "region": "eu-west-1",
            "provisioning_status": "migrating",
            "plan": "pro",
        }
    )
    assert app.writes_paused and app.region == "eu-west-1"
    assert not App.model_validate({"id": "app-42", "provisioning_status": "ready"}).writes_paused
    assert not App.model_validate({"id": "app-42"}).writes_paused


def test_models_are_frozen():
    s = MigrationStatus.model_validate(CONTRACT_STATUS)
    with pytest.raises(ValidationError):
        s.current_step = "completed"  # type: ignore[misc]


@pytest.mark.parametrize("step", [None, ""])
def test_an_active_object_without_a_step_is_never_abortable(step):
    active = MigrationStatus.model_validate({"id": MID, "current_step": step})
    assert active.current_step != "requested"
    assert not steps.may_abort(active.current_step)
    assert not active.is_terminal
