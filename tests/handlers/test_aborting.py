"""The abort rules (bot/aborting.py) and the button values (bot/adoption.py), as plain values."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot import steps
from bot.aborting import cutover_time, refusal
from bot.adoption import button_value, parse_button_value
from bot.models import MigrationStatus
from storage.records import StepRecord, TrackedMigration

MID = "7a0c1234-aaaa-4bbb-8ccc-000000000001"
T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
FLIP = datetime(2026, 11, 30, 10, 7, 30, tzinfo=UTC)


def status(step: str, **kw: object) -> MigrationStatus:
    return MigrationStatus.model_validate(
        {"migration_id": MID, "current_step": step, "source_region": "us-east-1", **kw}
    )


def why(step: str, cutover_at: datetime | None = FLIP) -> str | None:
    return refusal(status(step), app_id="app-42", ref=MID[:8], cutover_at=cutover_at)


@pytest.mark.parametrize("step", [s for s in steps.HAPPY_PATH if steps.may_abort(s)])
def test_every_step_before_cutover_may_be_aborted(step: str) -> None:
    assert why(step) is None
    assert why("dumping_kv") is None and why("restoring_kv") is None


def test_a_failed_move_needs_manual_review() -> None:
    assert why("failed") == (
        "The move of app-42 (`7a0c1234`) failed and needs manual review; abort is not possible. "
        "Nothing was done."
    )


@pytest.mark.parametrize(
    "step", ["flipping_routing", "setting_up_reverse_replication", "unblocking_writes"]
)
def test_past_cutover_says_when_and_points_to_reverse(step: str) -> None:
    assert why(step) == (
        f"The move of app-42 (`7a0c1234`) is past cutover (now {steps.label(step)}), so abort is "
        "not possible. Cutover happened at 10:07 UTC; `/reverse app-42 7a0c1234` is the way back "
        "once it completes. Nothing was done."
    )


def test_past_cutover_without_a_known_time() -> None:
    text = why("unblocking_writes", cutover_at=None)
    assert text is not None and "Cutover has happened; `/reverse app-42 7a0c1234`" in text


def test_completed_points_to_reverse() -> None:
    assert why("completed") == (
        "The move of app-42 (`7a0c1234`) has completed, so abort is not possible. Cutover "
        "happened at 10:07 UTC; `/reverse app-42 7a0c1234` is the way back. Nothing was done."
    )


def test_aborting_and_aborted_are_not_aborted_again() -> None:
    assert (
        why("aborting")
        == "The move of app-42 (`7a0c1234`) is already being aborted. Nothing was done."
    )
    assert why("aborted") == "The move of app-42 (`7a0c1234`) is already aborted. Nothing was done."


def test_an_unknown_step_is_never_aborted() -> None:
    assert why("warming_<caches>") == (
        "The move of app-42 (`7a0c1234`) is at a step the bot doesn't know (`warming_&lt;caches&gt;`), "
        "so it won't risk an abort: check the Butterbase dashboard. Nothing was done."
    )


def test_cutover_time_prefers_the_servers_flip_then_the_bots_history() -> None:
    m = TrackedMigration(
        migration_id=MID, app_id="app-42", channel_id="C1", created_at=T0, updated_at=T0
    )
    seen = [
        StepRecord(migration_id=MID, step="copying_runtime", started_at=T0),
        StepRecord(migration_id=MID, step="flipping_routing", started_at=FLIP),
    ]
    flipped = status("unblocking_writes", progress={"flipped_at": "2026-11-30T10:08:00.000Z"})
    assert cutover_time(flipped, m, seen) == datetime(2026, 11, 30, 10, 8, tzinfo=UTC)
    assert cutover_time(status("unblocking_writes"), m, seen) == FLIP
    assert cutover_time(status("unblocking_writes"), m, seen[:1]) is None
    m.flipped_at = T0
    assert cutover_time(status("unblocking_writes"), m, seen) == T0


def test_button_values_name_the_app_only_for_untracked_migrations() -> None:
    assert button_value("app-42", MID, tracked=True) == MID
    assert button_value("app-42", MID, tracked=False) == f"app-42|{MID}"
    assert parse_button_value(MID) == (None, MID)
    assert parse_button_value(f"app-42|{MID.upper()}") == ("app-42", MID)


@pytest.mark.parametrize(
    "value",
    [None, "", "overview", MID[:8], f"../x|{MID}", f"app 42|{MID}", f"app-42|{MID}/abort", "a|b|c"],
)
def test_anything_else_is_not_a_migration(value: object) -> None:
    assert parse_button_value(value) is None
