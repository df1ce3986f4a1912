"""`observe()`: one fresh status against the last state seen → what to tell people."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest

from bot import steps
from bot.clock import FakeClock
from bot.models import App, MigrationStatus
from bot.tracking import Milestone, RetryStarted, StepsAdvanced, Stuck, observe
from storage.records import StepRecord, TrackedMigration

MID = "7a0c1234-aaaa-bbbb-cccc-000000000001"
POLL = 5.0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock()


def tracked(clock: FakeClock, step: str = "restoring_data", **kw: Any) -> TrackedMigration:
    """A move of app-42 last seen at `step`, which started a minute ago, polled 5 s ago."""
    now = clock.now()
    fields: dict[str, Any] = {
        "migration_id": MID,
        "app_id": "app-42",
        "source_region": "us-east-1",
        "dest_region": "eu-west-1",
        "channel_id": "C1",
        "requester": "U_REQ",
        "created_at": now - timedelta(minutes=10),
        "updated_at": now,
        "current_step": step,
        "seen_steps": ["requested", step],
        "step_started_at": now - timedelta(seconds=60),
        "last_polled_at": now - timedelta(seconds=POLL),
    }
    fields.update(kw)
    return TrackedMigration(**fields)


def status(step: str, **kw: Any) -> MigrationStatus:
    fields: dict[str, Any] = {
        "migration_id": MID,
        "current_step": step,
        "source_region": "us-east-1",
        "dest_region": "eu-west-1",
    }
    fields.update(kw)
    return MigrationStatus.model_validate(fields)


def look(m: TrackedMigration, s: MigrationStatus, clock: FakeClock, **kw: Any):
    kw.setdefault("expected", {})
    kw.setdefault("poll_seconds", POLL)
    return observe(m, s, now=clock.now(), **kw)


# --- step changes ------------------------------------------------------------------


def test_a_step_change_is_one_event_with_the_time_the_step_took(clock):
    m = tracked(clock, "restoring_data")
    began = clock.now() - timedelta(seconds=2)
    obs = look(m, status("dumping_kv", step_started_at=began), clock)

    assert obs.events == [
        StepsAdvanced(
            done=["restoring_data"],
            now_at="dumping_kv",
            offline=False,
            durations={"restoring_data": 58.0},
        )
    ]
    assert obs.steps_closed == [(MID, "restoring_data", began, "done")]
    assert obs.steps_opened == [StepRecord(migration_id=MID, step="dumping_kv", started_at=began)]
    new = obs.migration
    assert new.current_step == "dumping_kv"
    assert new.step_started_at == began
    assert new.seen_steps == ["requested", "restoring_data", "dumping_kv"]
    assert new.last_polled_at == clock.now()
    assert obs.card_changed and new.card_version == m.card_version + 1
    assert not obs.terminal_now and new.polling


def test_observe_does_not_change_the_record_it_was_given(clock):
    m = tracked(clock, "restoring_data")
    before = m.model_dump()
    look(m, status("copying_blobs", step_started_at=clock.now()), clock)
    assert m.model_dump() == before


def test_without_server_times_the_step_starts_now_and_no_duration_is_invented(clock):
    m = tracked(clock, "restoring_data")
    obs = look(m, status("dumping_kv"), clock)
    (event,) = obs.events
    assert event.durations == {}
    assert obs.migration.step_started_at == clock.now()
    assert obs.steps_closed == [(MID, "restoring_data", clock.now(), "done")]


def test_several_steps_between_two_polls_are_one_event_in_order(clock):
    m = tracked(clock, "blocking_writes")
    began = clock.now()
    obs = look(m, status("copying_blobs", step_started_at=began), clock)

    assert len(obs.events) == 1
    (event,) = obs.events
    assert isinstance(event, StepsAdvanced)
    assert event.done == [
        "blocking_writes",
        "dumping_data",
        "restoring_data",
        "dumping_kv",
        "restoring_kv",
    ]
    assert event.now_at == "copying_blobs"
    # the steps in between were never seen running: their records say so
    assert [(r.step, r.outcome) for r in obs.steps_opened] == [
        ("dumping_data", "done_unobserved"),
        ("restoring_data", "done_unobserved"),
        ("dumping_kv", "done_unobserved"),
        ("restoring_kv", "done_unobserved"),
        ("copying_blobs", None),
    ]
    assert obs.migration.seen_steps == [
        "requested",
        "blocking_writes",
        "dumping_data",
        "restoring_data",
        "dumping_kv",
        "restoring_kv",
        "copying_blobs",
    ]


def test_a_skipped_over_step_gets_no_duration_that_includes_the_steps_after_it(clock):
    # blocking_writes ran 60 s before the last poll; three steps went by since. How long
    # blocking_writes itself took is unknown: the 5 minutes belong to all three.
    m = tracked(clock, "blocking_writes")
    clock.advance(240)
    obs = look(m, status("copying_blobs", step_started_at=clock.now()), clock)
    (event,) = obs.events
    assert "blocking_writes" not in event.durations
    (closed,) = obs.steps_closed
    assert closed[1] == "blocking_writes" and closed[3] != "done"  # not learned as a sample


def test_kv_steps_passed_between_polls_are_told_once_done(clock):
    # the server runs them for every app (no-ops without kv data): thirteen, always
    m = tracked(clock, "restoring_data")
    obs = look(m, status("copying_blobs", step_started_at=clock.now()), clock)
    (event,) = obs.events
    assert event.done == ["restoring_data", "dumping_kv", "restoring_kv"]
    passed = [r.step for r in obs.steps_opened if r.outcome == "done_unobserved"]
    assert passed == ["dumping_kv", "restoring_kv"]


def test_leaving_a_kv_step_lists_the_steps_after_it(clock):
    m = tracked(clock, "dumping_kv")
    obs = look(m, status("copying_runtime"), clock)
    (event,) = obs.events
    assert event.done == ["dumping_kv", "restoring_kv", "copying_blobs"]


def test_entering_a_kv_step(clock):
    m = tracked(clock, "restoring_data")
    obs = look(m, status("dumping_kv"), clock)
    (event,) = obs.events
    assert event.done == ["restoring_data"] and event.now_at == "dumping_kv"


def test_an_unknown_step_is_followed_not_a_crash(clock):
    m = tracked(clock, "restoring_data")
    obs = look(m, status("warming_caches"), clock)
    assert obs.events == [
        StepsAdvanced(done=["restoring_data"], now_at="warming_caches", offline=False)
    ]
    assert obs.migration.current_step == "warming_caches"
    assert obs.migration.polling

    clock.advance(30)
    obs = look(obs.migration, status("copying_blobs"), clock)
    # the kv steps run for every app: they passed unseen behind the unknown step
    assert obs.events == [
        StepsAdvanced(
            done=["dumping_kv", "restoring_kv", "warming_caches"],
            now_at="copying_blobs",
            offline=False,
        )
    ]


def test_an_unknown_step_running_long_is_stuck(clock):
    m = tracked(clock, "warming_caches", step_started_at=clock.now() - timedelta(hours=1))
    obs = look(m, status("warming_caches"), clock)
    (event,) = obs.events
    assert isinstance(event, Stuck) and event.step == "warming_caches"


def test_a_step_going_backwards_never_moves_the_move_back(clock):
    m = tracked(clock, "copying_blobs")
    obs = look(m, status("restoring_data"), clock)
    assert obs.events == []
    assert obs.migration.current_step == "copying_blobs"
    assert obs.steps_opened == [] and obs.steps_closed == []


@pytest.mark.parametrize("missing", [None, "", "   "])
def test_a_missing_step_is_no_news_and_never_requested(clock, missing):
    m = tracked(clock, "copying_blobs")
    fields = {"migration_id": MID, "current_step": missing}
    obs = look(m, MigrationStatus.model_validate(fields), clock)
    assert obs.events == [] and not obs.card_changed
    assert obs.migration.current_step == "copying_blobs"
    assert "requested" not in obs.migration.seen_steps[1:]


def test_a_status_without_its_step_key_keeps_the_step(clock):
    m = tracked(clock, "restoring_data")
    obs = look(m, MigrationStatus.model_validate({"migration_id": MID}), clock)
    assert obs.events == [] and obs.migration.current_step == "restoring_data"


def test_adopted_without_a_step_then_a_real_step_tells_nothing_done(clock):
    m = tracked(clock, steps.MISSING, seen_steps=[steps.MISSING])
    obs = look(m, status("copying_blobs"), clock)
    (event,) = obs.events
    assert event.done == [] and event.now_at == "copying_blobs"
    assert obs.steps_closed == []


# --- offline -----------------------------------------------------------------------


def test_changes_seen_after_a_gap_in_polling_are_marked_offline(clock):
    m = tracked(clock, "restoring_data", last_polled_at=clock.now() - timedelta(minutes=10))
    (event,) = look(m, status("copying_runtime"), clock).events
    assert event.offline
    assert event.done == ["restoring_data", "dumping_kv", "restoring_kv", "copying_blobs"]


@pytest.mark.parametrize("gap", [5, 29])
def test_a_normal_poll_is_not_offline(clock, gap):
    m = tracked(clock, "restoring_data", last_polled_at=clock.now() - timedelta(seconds=gap))
    (event,) = look(m, status("copying_blobs"), clock).events
    assert not event.offline


def test_the_first_poll_is_not_offline(clock):
    m = tracked(clock, "requested", last_polled_at=None)
    (event,) = look(m, status("reserving_dest"), clock).events
    assert not event.offline


def test_offline_is_relative_to_the_poll_interval(clock):
    m = tracked(clock, "restoring_data", last_polled_at=clock.now() - timedelta(seconds=100))
    (slow,) = look(m, status("copying_blobs"), clock, poll_seconds=60).events
    (fast,) = look(m, status("copying_blobs"), clock, poll_seconds=5).events
    assert not slow.offline
    assert fast.offline


# --- retries -----------------------------------------------------------------------


def test_a_retry_is_told_once_then_not_again_on_the_next_poll(clock):
    m = tracked(clock, "restoring_data")
    obs = look(m, status("restoring_data", last_error="disk full", retry_count=1), clock)
    assert obs.events == [RetryStarted("restoring_data", "disk full", 1)]
    assert obs.migration.retry_notice_sent
    assert obs.card_changed  # the card shows the error and the count

    clock.advance(POLL)
    again = look(
        obs.migration, status("restoring_data", last_error="disk full", retry_count=2), clock
    )
    assert again.events == []
    assert again.card_changed  # the count changed
    assert again.migration.retry_count == 2


def test_recovery_is_told_with_the_next_step_change(clock):
    m = tracked(
        clock, "restoring_data", retry_notice_sent=True, last_error="disk full", retry_count=2
    )
    obs = look(m, status("copying_blobs"), clock)
    (event,) = obs.events
    assert isinstance(event, StepsAdvanced)
    assert event.recovered_from == "restoring_data"
    assert not obs.migration.retry_notice_sent
    assert obs.migration.last_error is None and obs.migration.retry_count == 0


def test_a_step_change_without_a_retry_is_no_recovery(clock):
    (event,) = look(tracked(clock, "restoring_data"), status("copying_blobs"), clock).events
    assert event.recovered_from is None


def test_giving_up_after_retries_is_not_a_recovery(clock):
    m = tracked(
        clock, "reserving_dest", retry_notice_sent=True, last_error="no capacity", retry_count=5
    )
    obs = look(m, status("aborting", last_error="no capacity"), clock)
    (event,) = obs.events
    assert event.recovered_from is None
    assert obs.steps_closed[0][3] == "aborting"


def test_a_new_retry_on_the_next_step_is_told_again(clock):
    m = tracked(clock, "restoring_data", retry_notice_sent=True, retry_count=2, last_error="x")
    obs = look(m, status("copying_blobs"), clock)
    clock.advance(POLL)
    obs = look(obs.migration, status("copying_blobs", last_error="s3 503", retry_count=1), clock)
    assert obs.events == [RetryStarted("copying_blobs", "s3 503", 1)]


def test_a_retry_count_without_an_error_is_not_told(clock):
    obs = look(tracked(clock), status("restoring_data", retry_count=1), clock)
    assert obs.events == []


# --- milestones --------------------------------------------------------------------


def test_cutover_is_a_milestone_once_routing_has_flipped_not_when_it_starts(clock):
    m = tracked(clock, "copying_runtime")
    obs = look(m, status("flipping_routing"), clock)
    assert [type(e) for e in obs.events] == [StepsAdvanced]  # flipping is not flipped
    assert obs.migration.polling

    clock.advance(POLL)
    obs = look(obs.migration, status("setting_up_reverse_replication"), clock)
    assert [type(e) for e in obs.events] == [StepsAdvanced, Milestone]
    assert obs.events[1] == Milestone("cutover")
    assert not obs.terminal_now

    clock.advance(POLL)
    obs = look(obs.migration, status("unblocking_writes"), clock)
    assert not any(isinstance(e, Milestone) for e in obs.events)


def test_cutover_is_told_when_flipped_at_appears_during_flipping_routing(clock):
    m = tracked(clock, "flipping_routing")
    flipped = {"flipped_at": "2026-11-30T10:05:00Z"}
    obs = look(m, status("flipping_routing", progress=flipped), clock)
    assert obs.events == [Milestone("cutover")]
    clock.advance(POLL)
    obs = look(obs.migration, status("setting_up_reverse_replication", progress=flipped), clock)
    assert not any(isinstance(e, Milestone) for e in obs.events)


def test_a_failure_inside_flipping_routing_is_no_cutover_and_carries_the_app(clock):
    m = tracked(clock, "flipping_routing")
    app = App(id="app-42", region="us-east-1", provisioning_status="migrating")
    obs = look(m, status("failed", last_error="dns"), clock, app=app)
    kinds = [e.kind for e in obs.events if isinstance(e, Milestone)]
    assert kinds == ["failed"]
    assert obs.events[-1].app == app


def test_jumping_from_copying_runtime_to_completed_tells_the_end_not_a_late_cutover(clock):
    """Issue 15 point 6: a move that ended between two polls says so in its completion;
    a cutover notice after "Completed" would tell less than the truth."""
    m = tracked(clock, "copying_runtime")
    obs = look(m, status("completed", source_replica_state="replicating"), clock)
    advanced, completed = obs.events
    assert advanced.done == [
        "copying_runtime",
        "flipping_routing",
        "setting_up_reverse_replication",
        "unblocking_writes",
    ]
    assert advanced.now_at == "completed"
    assert completed == Milestone("completed")
    assert obs.terminal_now
    assert obs.check_writes and obs.migration.polling  # until its writes are seen to flow
    assert obs.migration.replica_state == "replicating"
    # nothing is opened for a terminal step
    assert all(r.step != "completed" for r in obs.steps_opened)


def test_completed_from_unblocking_writes(clock):
    m = tracked(clock, "unblocking_writes", replica_state="replicating")
    done_at = clock.now()
    obs = look(
        m,
        status("completed", source_replica_state="replicating", completed_at=done_at),
        clock,
    )
    assert obs.events[1:] == [Milestone("completed")]
    assert obs.migration.completed_at == done_at
    assert obs.check_writes  # any end: are writes flowing again?


def test_an_automatic_abort_is_a_milestone_with_its_error(clock):
    m = tracked(clock, "aborting", last_error="no capacity")
    obs = look(m, status("aborted", last_error="no capacity"), clock)
    assert obs.events[1:] == [Milestone("aborted", error="no capacity", user_requested=False)]
    assert obs.check_writes and obs.migration.polling
    assert obs.steps_closed == [(MID, "aborting", clock.now(), "aborted")]


def test_a_users_abort_asks_for_the_app_writes_to_be_checked(clock):
    m = tracked(clock, "restoring_data")
    obs = look(m, status("aborted", last_error="user_requested"), clock)
    assert obs.events == [
        StepsAdvanced(done=["restoring_data"], now_at="aborted", offline=False),
        Milestone("aborted", error="user_requested", user_requested=True),
    ]
    assert obs.check_writes
    assert obs.migration.polling  # followed until the app's writes are checked
    assert obs.terminal_now
    assert obs.steps_closed == [(MID, "restoring_data", clock.now(), "aborted")]


def test_failed_after_cutover_is_a_milestone_and_no_cutover(clock):
    m = tracked(clock, "setting_up_reverse_replication")
    obs = look(m, status("failed", last_error="replication broke"), clock)
    assert obs.events[1:] == [Milestone("failed", error="replication broke")]
    assert obs.check_writes and obs.migration.polling  # the app could not be read yet
    assert obs.steps_closed[0][3] == "failed"


def test_failed_with_writes_reported_paused_keeps_them_said_until_they_flow(clock):
    """Issue 15 point 1: the failure read the app as migrating (writes answer 503): the
    move stays followed and flagged so the card keeps saying it."""
    m = tracked(clock, "setting_up_reverse_replication")
    app = App(id="app-42", region="eu-west-1", provisioning_status="migrating")
    obs = look(m, status("failed", last_error="replication broke"), clock, app=app)
    assert obs.migration.writes_paused_after_abort and obs.migration.polling
    assert not obs.check_writes  # the failure message says it already: no second alert


def test_a_failure_after_a_stuck_page_does_not_page_again(clock):
    """Issue 15 point 11: one ping per incident."""
    m = tracked(clock, "copying_blobs", stuck_notice_step="copying_blobs")
    obs = look(m, status("failed", last_error="x"), clock)
    assert obs.events[-1] == Milestone("failed", error="x", already_pinged=True)


def test_failed_straight_from_before_cutover_is_no_cutover_milestone(clock):
    obs = look(tracked(clock, "copying_runtime"), status("failed", last_error="x"), clock)
    assert Milestone("cutover") not in obs.events
    assert Milestone("failed", error="x") in obs.events


def test_a_terminal_migration_seen_again_says_nothing(clock):
    m = tracked(clock, "completed", replica_state="replicating", polling=False)
    obs = look(m, status("completed", source_replica_state="replicating"), clock)
    assert obs.events == []
    assert not obs.card_changed and obs.migration.card_version == m.card_version
    assert obs.migration.polling is False


def test_a_terminal_migration_is_never_stuck(clock):
    m = tracked(clock, "failed", step_started_at=clock.now() - timedelta(days=3), retry_count=0)
    obs = look(m, status("failed", retry_count=5, last_error="x"), clock)
    assert not any(isinstance(e, Stuck | RetryStarted) for e in obs.events)


# --- stuck -------------------------------------------------------------------------


def test_a_slow_step_is_stuck_once(clock):
    started = clock.now() - timedelta(seconds=3 * 420 + 1)
    m = tracked(clock, "restoring_data", step_started_at=started)
    obs = look(m, status("restoring_data", step_started_at=started), clock)
    assert obs.events == [Stuck("restoring_data", 3 * 420 + 1, 420, failing=False)]
    assert obs.migration.stuck_notice_step == "restoring_data"

    clock.advance(600)
    again = look(obs.migration, status("restoring_data", step_started_at=started), clock)
    assert again.events == []


def test_not_stuck_at_the_limit(clock):
    started = clock.now() - timedelta(seconds=3 * 420)
    m = tracked(clock, "restoring_data", step_started_at=started)
    assert look(m, status("restoring_data", step_started_at=started), clock).events == []


def test_learned_expectations_and_the_factor_set_the_limit(clock):
    started = clock.now() - timedelta(seconds=101)
    m = tracked(clock, "restoring_data", step_started_at=started)
    s = status("restoring_data", step_started_at=started)
    assert look(m, s, clock, expected={"restoring_data": 100}, stuck_factor=2).events == []
    (event,) = look(m, s, clock, expected={"restoring_data": 50}, stuck_factor=2).events
    assert event == Stuck("restoring_data", 101, 50, failing=False)


def test_a_step_that_keeps_failing_is_stuck_once(clock):
    m = tracked(clock, "copying_blobs", retry_notice_sent=True, retry_count=2, last_error="503")
    obs = look(m, status("copying_blobs", retry_count=3, last_error="503"), clock)
    (event,) = obs.events
    assert isinstance(event, Stuck) and event.failing and event.step == "copying_blobs"

    clock.advance(POLL)
    again = look(obs.migration, status("copying_blobs", retry_count=4, last_error="503"), clock)
    assert again.events == []


def test_first_sight_of_a_step_failing_hard_is_told_as_retry_and_stuck(clock):
    m = tracked(clock, "copying_blobs")
    obs = look(m, status("copying_blobs", retry_count=3, last_error="503"), clock)
    assert [type(e) for e in obs.events] == [RetryStarted, Stuck]


def test_stuck_can_be_told_again_for_the_next_step(clock):
    m = tracked(clock, "restoring_data", stuck_notice_step="restoring_data")
    long_ago = clock.now() - timedelta(hours=2)
    obs = look(m, status("copying_blobs", step_started_at=long_ago), clock)
    assert [type(e) for e in obs.events] == [StepsAdvanced, Stuck]
    assert obs.events[1].step == "copying_blobs"
    assert obs.migration.stuck_notice_step == "copying_blobs"


def test_a_step_first_seen_without_a_start_time_uses_the_servers(clock):
    # e.g. a migration adopted from outside the bot: the record has no start yet
    long_ago = clock.now() - timedelta(hours=2)
    m = tracked(clock, "restoring_data", step_started_at=None)
    obs = look(m, status("restoring_data", step_started_at=long_ago), clock)
    assert obs.migration.step_started_at == long_ago
    (event,) = obs.events
    assert isinstance(event, Stuck) and event.elapsed == 7200


# --- the card ----------------------------------------------------------------------


def test_nothing_new_changes_nothing_on_the_card(clock):
    m = tracked(clock, "restoring_data", card_version=4)
    obs = look(m, status("restoring_data", step_started_at=m.step_started_at), clock)
    assert obs.events == []
    assert not obs.card_changed
    assert obs.migration.card_version == 4
    assert obs.migration.last_polled_at == clock.now()


def test_a_progress_note_the_card_does_not_show_is_no_card_change(clock):
    m = tracked(clock, "restoring_data", card_version=4)
    obs = look(m, status("restoring_data", progress={"dump_bytes": 734003200}), clock)
    assert not obs.card_changed and obs.migration.card_version == 4
    assert obs.migration.progress == {"dump_bytes": 734003200}


def test_the_replica_state_changing_changes_the_card(clock):
    m = tracked(clock, "completed", replica_state="replicating", card_version=4, polling=False)
    obs = look(m, status("completed", source_replica_state="torn_down"), clock)
    assert obs.events == []
    assert obs.card_changed and obs.migration.card_version == 5
    assert obs.migration.replica_state == "torn_down"


def test_the_error_clearing_changes_the_card(clock):
    m = tracked(clock, "restoring_data", last_error="disk full", retry_count=1, card_version=4)
    obs = look(m, status("restoring_data"), clock)
    assert obs.card_changed and obs.migration.card_version == 5


def test_routing_flipped_during_cutover_changes_the_card(clock):
    # the card says "cutover in progress" until it knows when traffic moved
    m = tracked(clock, "flipping_routing", card_version=4)
    flipped = "2026-11-30T10:00:03Z"
    obs = look(m, status("flipping_routing", progress={"flipped_at": flipped}), clock)
    assert obs.migration.flipped_at is not None
    assert obs.card_changed and obs.migration.card_version == 5

    clock.advance(POLL)
    again = look(obs.migration, status("flipping_routing", progress={"flipped_at": flipped}), clock)
    assert not again.card_changed and again.migration.card_version == 5


@pytest.mark.parametrize(
    "progress",
    [None, [], "weird", {"flipped_at": 12}, {"flipped_at": "not a time"}, {"dump_bytes": "x"}],
)
def test_odd_progress_shapes_are_tolerated(clock, progress):
    m = tracked(clock, "restoring_data")
    obs = look(m, status("dumping_kv", progress=progress), clock)
    (event,) = obs.events
    assert event.done == ["restoring_data"]
    assert obs.migration.flipped_at is None


def test_regions_are_kept_when_the_status_leaves_them_out(clock):
    m = tracked(clock, "restoring_data")
    obs = look(m, status("restoring_data", source_region=None, dest_region=None), clock)
    assert (obs.migration.source_region, obs.migration.dest_region) == ("us-east-1", "eu-west-1")


def test_every_documented_step_in_turn_tells_each_step_once(clock):
    m = tracked(clock, "requested", seen_steps=["requested"])
    told: list[str] = []
    milestones: list[str] = []
    for step in steps.HAPPY_PATH[1:]:
        clock.advance(POLL)
        obs = look(m, status(step, step_started_at=clock.now()), clock)
        for e in obs.events:
            if isinstance(e, StepsAdvanced):
                told.extend(e.done)
            elif isinstance(e, Milestone):
                milestones.append(e.kind)
        m = obs.migration
    assert told == list(steps.HAPPY_PATH[:-1])
    assert milestones == ["cutover", "completed"]
    assert m.seen_steps == list(steps.HAPPY_PATH)
    assert m.polling is True  # one more read: are the app's writes flowing?


def test_a_fast_reverse_tells_no_step_done_and_no_cutover(clock):
    m = tracked(
        clock,
        "requested",
        kind="reverse",
        parent_migration_id="7a0c1234-aaaa-bbbb-cccc-0000000000ff",
        seen_steps=["requested"],
    )
    done_at = clock.now()
    s = status("completed", completed_at=done_at, source_replica_state="replicating")
    obs = look(m, s, clock, fast_reverse=True)
    assert obs.events == [Milestone("fast_reverse")]
    assert obs.steps_opened == []
    assert obs.steps_closed == [(MID, "requested", clock.now(), "not_run")]
    assert obs.terminal_now and obs.migration.polling is False
    assert obs.migration.current_step == "completed"


def test_a_slow_reverse_completing_is_told_as_steps(clock):
    m = tracked(clock, "unblocking_writes", kind="reverse")
    obs = look(m, status("completed"), clock, fast_reverse=False)
    assert [type(e) for e in obs.events] == [StepsAdvanced, Milestone]


def test_the_compensation_of_a_stuck_step_is_the_same_incident_one_ping() -> None:
    """Stuck on copying blobs (people paged), then Butterbase compensates (`aborting`) and
    ends `aborted`: the end is told, but nobody is paged a second time."""
    clock = FakeClock()
    m = tracked(clock, "copying_blobs", stuck_notice_step="copying_blobs")
    compensating = look(m, status("aborting", last_error="x"), clock).migration
    assert compensating.stuck_notice_step == "copying_blobs"  # kept through `aborting`
    obs = look(compensating, status("aborted", last_error="x"), clock)
    assert obs.events[-1] == Milestone("aborted", error="x", already_pinged=True)


def test_known_steps_hidden_behind_an_unknown_one_are_told_when_a_known_one_returns() -> None:
    """dumping_kv, then a newer server's `warming_caches` (restoring_kv passed unseen
    between two reads), then copying_blobs: restoring_kv is told done, once."""
    clock = FakeClock()
    m = tracked(clock, "dumping_kv", seen_steps=["requested", "dumping_kv"])
    warming = look(m, status("warming_caches"), clock)
    assert warming.events[0].done == ["dumping_kv"]
    obs = look(warming.migration, status("copying_blobs"), clock)
    assert obs.events[0].done == ["restoring_kv", "warming_caches"]
    again = look(obs.migration, status("copying_runtime"), clock)
    assert again.events[0].done == ["copying_blobs"]
