"""The thread's words: what people read for each tracker event, and the summary."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot import replies
from bot.models import App
from bot.tracking import Milestone, RetryStarted, StepsAdvanced, Stuck
from storage.records import MILESTONE, URGENT, Approval, Decision, StepRecord, TrackedMigration

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
MID = "7a0c1234-aaaa-bbbb-cccc-000000000001"
ONCALL = "S0ONCALL"


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def migration(step: str = "restoring_data", **kw: Any) -> TrackedMigration:
    fields: dict[str, Any] = {
        "migration_id": MID,
        "app_id": "app-42",
        "source_region": "us-east-1",
        "dest_region": "eu-west-1",
        "channel_id": "C1",
        "requester": "U_REQ",
        "created_at": T0,
        "updated_at": T0,
        "current_step": step,
        "seen_steps": ["requested", step],
    }
    fields.update(kw)
    return TrackedMigration(**fields)


def text_for(event: Any, m: TrackedMigration | None = None, **kw: Any) -> str:
    return replies.reply_for(event, m or migration(), **kw).text


# --- step changes ------------------------------------------------------------------


def test_a_step_change_names_the_app_the_steps_their_times_and_the_position():
    event = StepsAdvanced(
        done=["restoring_data"],
        now_at="copying_blobs",
        offline=False,
        durations={"restoring_data": 330},
    )
    reply = replies.reply_for(event, migration("copying_blobs"))
    assert reply.text == (
        ":white_check_mark: app-42 · Restoring data (5m 30s) done · "
        "now Copying blobs (step 8 of 13)"
    )
    assert not reply.broadcast
    assert reply.key == "step:copying_blobs"


def test_several_steps_in_one_reply_in_order():
    event = StepsAdvanced(
        done=["blocking_writes", "dumping_data", "restoring_data"],
        now_at="copying_blobs",
        offline=False,
    )
    text = text_for(event)
    assert "Blocking writes, Dumping data, Restoring data done" in text
    assert "(" not in text.split(" done")[0]  # no times that were not measured
    assert text.count("\n") == 0


def test_steps_passed_while_offline_say_so():
    event = StepsAdvanced(done=["restoring_data"], now_at="copying_blobs", offline=True)
    text = text_for(event)
    assert "While the bot was offline: Restoring data done" in text
    assert "app-42" in text


def test_a_recovery_is_told_with_the_step_change():
    event = StepsAdvanced(
        done=["copying_blobs"],
        now_at="copying_runtime",
        offline=False,
        recovered_from="copying_blobs",
    )
    first, second = text_for(event).splitlines()
    assert "now Copying the runtime" in first
    assert second == ":ok_hand: Copying blobs recovered after retrying."


def test_the_position_counts_kv_steps_once_the_move_ran_them():
    m = migration(
        "copying_blobs",
        seen_steps=["requested", "restoring_data", "dumping_kv", "restoring_kv", "copying_blobs"],
    )
    event = StepsAdvanced(done=["restoring_kv"], now_at="copying_blobs", offline=False)
    assert "now Copying blobs (step 8 of 13)" in text_for(event, m)


def test_entering_a_kv_step_shows_its_position():
    m = migration("dumping_kv", seen_steps=["requested", "restoring_data", "dumping_kv"])
    event = StepsAdvanced(done=["restoring_data"], now_at="dumping_kv", offline=False)
    assert "now Dumping key-value data (step 6 of 13)" in text_for(event, m)


def test_an_unknown_step_is_shown_humanised_without_a_position():
    event = StepsAdvanced(done=["restoring_data"], now_at="warming_caches", offline=False)
    text = text_for(event, migration("warming_caches"))
    assert text.endswith("now Warming caches")
    assert "step" not in text.split("now")[1]


def test_reaching_the_end_shows_the_final_state_not_a_position():
    event = StepsAdvanced(done=["unblocking_writes"], now_at="completed", offline=False)
    text = text_for(event, migration("completed"))
    assert text.endswith("Unblocking writes done · Completed")


def test_no_steps_done_still_names_the_app_and_the_step():
    event = StepsAdvanced(done=[], now_at="reserving_dest", offline=False)
    text = text_for(event, migration("reserving_dest"))
    assert "app-42" in text
    assert "Reserving the destination (step 2 of 13)" in text


# --- retries and stuck -------------------------------------------------------------


def test_a_retry_names_the_app_the_step_the_attempt_and_the_error():
    reply = replies.reply_for(RetryStarted("copying_blobs", "S3 said 503", 2), migration())
    assert "app-42" in reply.text
    assert "Copying blobs is failing and being retried (attempt 2 of 5): S3 said 503" in reply.text
    assert not reply.broadcast
    assert reply.key == "retry:copying_blobs"
    assert "<@" not in reply.text  # a retry is not a page


def test_errors_are_escaped_for_slack():
    text = text_for(RetryStarted("copying_blobs", "<!channel> a<b && c>d <@U1>", 1))
    assert "&lt;!channel&gt; a&lt;b &amp;&amp; c&gt;d &lt;@U1&gt;" in text
    assert "<!channel>" not in text and "<@U1>" not in text


def test_long_errors_are_truncated():
    text = text_for(RetryStarted("copying_blobs", "x" * 5000, 1))
    error = text.rsplit("): ", 1)[1]
    assert error == "x" * 299 + "…"


def test_a_truncated_error_never_ends_in_half_an_entity():
    error = replies.short_error("<" * 400, limit=300)
    assert error.endswith("…")
    body = error[:-1]
    assert body.endswith("&lt;")
    assert body.replace("&lt;", "") == ""


def test_error_whitespace_and_newlines_are_collapsed():
    assert replies.short_error("line one\n\n   line\ttwo") == "line one line two"
    assert replies.short_error(None) == "no error message"
    assert replies.short_error("") == "no error message"


def test_a_slow_step_pings_the_requester_and_on_call_and_offers_abort_before_cutover():
    reply = replies.reply_for(
        Stuck("restoring_data", 1500, 420, failing=False), migration(), oncall_group=ONCALL
    )
    assert reply.text == (
        "Looks stuck: app-42 · us-east-1 → eu-west-1 · Restoring data has run 25m, usually "
        "about 7m. Abort is still possible from the card. <@U_REQ> <!subteam^S0ONCALL>"
    )
    assert reply.key == "stuck:restoring_data"
    assert reply.broadcast and reply.priority == URGENT  # it needs a person


def test_a_step_that_keeps_failing_after_cutover_points_to_reverse():
    text = text_for(
        Stuck("setting_up_reverse_replication", 30, 90, failing=True),
        migration("setting_up_reverse_replication"),
        oncall_group=ONCALL,
    )
    assert "<@U_REQ>" in text and "<!subteam^S0ONCALL>" in text
    assert "Setting up reverse replication keeps failing." in text
    assert "Abort is no longer possible" in text
    assert "/reverse" not in text  # no promise: a replica may not be kept (point 6)


def test_stuck_without_on_call_or_requester_has_no_empty_pings():
    text = text_for(Stuck("restoring_data", 1500, 420, failing=False), migration(requester=None))
    assert text.startswith("Looks stuck: app-42 · us-east-1")
    assert "<!subteam" not in text and "<@" not in text
    assert "  " not in text


# --- milestones --------------------------------------------------------------------


def test_cutover_stays_in_the_thread_says_abort_is_over_and_promises_no_reverse():
    """Issue 15 points 6 and 11: nobody must act at cutover (not broadcast), and whether
    a reverse will be possible is only known at completion."""
    m = migration("setting_up_reverse_replication", flipped_at=at(12))
    reply = replies.reply_for(Milestone("cutover"), m)
    assert not reply.broadcast and reply.priority == MILESTONE
    assert reply.key == "milestone:cutover"
    assert reply.text == (
        ":twisted_rightwards_arrows: Cutover: app-42's traffic now goes to eu-west-1 "
        "(routing flipped at 10:12 UTC). Abort is no longer possible."
    )


def test_completed_with_a_retained_replica_says_it_can_be_reversed():
    m = migration("completed", replica_state="replicating")
    reply = replies.reply_for(Milestone("completed"), m)
    assert reply.broadcast
    assert reply.text.startswith("Completed: app-42 is served from eu-west-1")
    assert "A replica is kept in us-east-1: /reverse app-42 can move it back" in reply.text


def test_completed_gives_the_replica_cost_kept_with_the_move():
    m = migration("completed", replica_state="replicating", replica_cost=42.5)
    assert "A replica is kept in us-east-1, est. $42.50/month" in text_for(
        Milestone("completed"), m
    )


def test_a_reverse_completing_says_where_the_app_is_back():
    m = migration("completed", kind="reverse", source_region="eu-west-1", dest_region="us-east-1")
    text = text_for(Milestone("completed"), m)
    assert text.startswith("Reversed: app-42 is back in us-east-1 (from eu-west-1).")
    assert "/reverse" not in text


def test_completed_without_a_replica_says_it_cannot_be_reversed():
    m = migration("completed", replica_state="none")
    text = text_for(Milestone("completed"), m)
    assert "No replica was kept in us-east-1: the move cannot be reversed." in text
    assert "/reverse" not in text


def test_a_users_abort_is_broadcast_without_paging():
    m = migration("aborted", last_error="user_requested")
    reply = replies.reply_for(
        Milestone("aborted", error="user_requested", user_requested=True),
        m,
        oncall_group=ONCALL,
        aborted_by="U_RILEY",
    )
    assert reply.broadcast
    assert reply.text == "Aborted on request by <@U_RILEY>: app-42 stays in us-east-1."
    assert "<!subteam" not in reply.text


def test_a_users_abort_that_left_writes_paused_is_one_message_and_one_page():
    """Issue 15 points 1 and 11: the abort's own broadcast says writes are still paused
    (read from `GET /apps` as it ended) and pages once, mentions last; no second alert."""
    m = migration("aborted", last_error="user_requested")
    paused = App(id="app-42", region="us-east-1", provisioning_status="migrating")
    reply = replies.reply_for(
        Milestone("aborted", error="user_requested", user_requested=True, app=paused),
        m,
        oncall_group=ONCALL,
        aborted_by="U_RILEY",
    )
    first = reply.text.splitlines()[0]
    assert first.startswith(
        "Aborted on request by <@U_RILEY>: app-42 stays in us-east-1, writes still paused (503)."
    )
    assert reply.broadcast and reply.priority == URGENT
    assert reply.text.endswith(f"<@U_REQ> <!subteam^{ONCALL}>")
    assert reply.text.count("<!subteam^") == 1


def test_an_automatic_abort_pages_with_the_error():
    reply = replies.reply_for(
        Milestone("aborted", error="no capacity in <eu-west-1>"),
        migration("aborted"),
        oncall_group=ONCALL,
    )
    assert reply.broadcast
    assert reply.text.startswith("Aborted: app-42 stays in us-east-1.")
    assert reply.text.endswith("<@U_REQ> <!subteam^S0ONCALL>")  # mentions last
    assert "rolled back (no capacity in &lt;eu-west-1&gt;)" in reply.text


def test_failed_pages_and_says_manual_review():
    m = migration("failed", seen_steps=["setting_up_reverse_replication", "failed"])
    served = App(id="app-42", region="eu-west-1", provisioning_status="ready")
    reply = replies.reply_for(
        Milestone("failed", error="replication broke", app=served), m, oncall_group=ONCALL
    )
    assert reply.broadcast
    assert reply.key == "milestone:failed"
    assert reply.priority == URGENT
    first = reply.text.splitlines()[0]
    assert first.startswith("FAILED after cutover: app-42 — served from eu-west-1. ")
    assert "(replication broke)" in reply.text and "manual review" in reply.text
    assert reply.text.endswith("<@U_REQ> <!subteam^S0ONCALL>")


def test_failed_with_writes_paused_says_so_in_the_notifications_first_words():
    """Issue 15 points 1 and 9: the phone shows the state, the app, where it is served
    and that writes are still paused; the mentions come last."""
    m = migration("failed", seen_steps=["setting_up_reverse_replication", "failed"])
    served = App(id="doomed", region="eu-west-1", provisioning_status="migrating")
    text = text_for(
        Milestone("failed", error="x", app=served), m.model_copy(update={"app_id": "doomed"})
    )
    assert text.startswith(
        "FAILED after cutover: doomed — served from eu-west-1, writes still paused."
    )


def test_a_failure_after_a_stuck_page_pings_nobody_again():
    reply = replies.reply_for(
        Milestone("failed", error="x", already_pinged=True),
        migration("failed"),
        oncall_group=ONCALL,
    )
    assert "<@" not in reply.text and "<!subteam" not in reply.text
    assert reply.broadcast and reply.priority == MILESTONE


def test_failed_inside_flipping_routing_says_where_get_apps_shows_the_app():
    m = migration("failed", seen_steps=["copying_runtime", "flipping_routing", "failed"])
    still = App(id="app-42", region="us-east-1", provisioning_status="migrating")
    text = text_for(Milestone("failed", error="dns", app=still), m)
    assert text.startswith(
        "FAILED during cutover: app-42 — still served from us-east-1 (routing did not flip), "
        "writes still paused."
    )
    assert "served from eu-west-1" not in text


def test_failed_when_the_app_could_not_be_read_never_guesses_the_region():
    m = migration("failed", seen_steps=["flipping_routing", "failed"])
    text = text_for(Milestone("failed", error="dns", app=None), m)
    assert "where it is served from could not be read: check before acting" in text
    assert "served from eu-west-1" not in text and "served from us-east-1" not in text


def test_failed_without_on_call_pings_only_the_requester():
    text = text_for(Milestone("failed", error="x"), migration("failed"))
    assert "<@U_REQ>" in text and "<!subteam" not in text
    assert "  " not in text


@pytest.mark.parametrize(
    "event",
    [
        StepsAdvanced(done=["restoring_data"], now_at="copying_blobs", offline=False),
        RetryStarted("copying_blobs", "x", 1),
        Stuck("copying_blobs", 1000, 240, failing=False),
        Milestone("cutover"),
        Milestone("completed"),
        Milestone("aborted", error="x"),
        Milestone("failed", error="x"),
    ],
)
def test_every_reply_names_the_app_in_its_first_line(event):
    first = text_for(event, migration("copying_blobs")).splitlines()[0]
    assert "app-42" in first


# --- summary -----------------------------------------------------------------------


def record(step: str, start: float, end: float | None, outcome: str | None) -> StepRecord:
    return StepRecord(
        migration_id=MID,
        step=step,
        started_at=at(start),
        ended_at=None if end is None else at(end),
        outcome=outcome,
    )


def test_the_summary_says_who_what_was_approved_each_steps_time_and_the_end():
    m = migration("completed", replica_state="replicating")
    history = [
        record("requested", 0, 0.5, "done"),
        record("reserving_dest", 0.5, 2, "done"),
        record("blocking_writes", 2, 12, "done_unobserved"),
        record("dumping_data", 12, 12, "done_unobserved"),
    ]
    approval = Approval(
        approval_id="ap-1",
        kind="teardown",
        migration_id=MID,
        app_id="app-42",
        channel_id="C1",
        requester="U_REQ",
        requested_at=at(20),
        expires_at=at(50),
        status="executed",
        decisions=[
            Decision(user="U_A1", decision="approve", at=at(21)),
            Decision(user="U_A2", decision="deny", at=at(22)),
            Decision(user="U_A3", decision="approve", at=at(23)),
        ],
    )
    reply = replies.summary(m, history, [approval], now=at(25))
    lines = reply.text.splitlines()
    assert lines[0] == "Summary · app-42 · us-east-1 → eu-west-1"
    assert lines[1] == "Move started by <@U_REQ> at 10:00 UTC."
    assert lines[2] == "Teardown asked by <@U_REQ>: approved by <@U_A1> and <@U_A3>; carried out."
    # steps passed between two checks: one item, their time together (point 13)
    assert lines[3] == (
        "Steps: Requested 30s · Reserving the destination 1m 30s · "
        "Blocking writes → Dumping data: 10m together"
    )
    assert lines[4] == "Final state: Completed at 10:25 UTC (25m in all)."
    assert len(lines) == 5
    assert reply.key == "summary" and not reply.broadcast


def test_the_summary_of_a_failed_move_gives_the_last_error():
    m = migration("aborted", last_error="no capacity & <retry later>", requester=None)
    reply = replies.summary(m, [], [], now=at(7))
    assert "Move started by someone outside Slack" in reply.text
    assert "Final state: Aborted at 10:07 UTC (7m in all)." in reply.text
    assert reply.text.splitlines()[-1] == "Last error: no capacity &amp; &lt;retry later&gt;"
    assert "Steps:" not in reply.text


def test_the_summary_of_a_reverse_with_a_request_nobody_approved():
    m = migration("completed", kind="reverse")
    pending = Approval(
        approval_id="ap-2",
        kind="reverse",
        migration_id=MID,
        app_id="app-42",
        channel_id="C1",
        requester="U_REQ",
        requested_at=at(1),
        expires_at=at(31),
        status="expired",
    )
    text = replies.summary(m, [], [pending], now=at(40)).text
    assert "Reverse started by <@U_REQ>" in text
    assert "Reverse asked by <@U_REQ>: expired before anyone approved." in text
    assert "nobody" not in text


def test_the_summary_says_who_aborted_and_who_denied_never_internal_codes():
    """Issue 15 point 7: "Aborted on request by @Riley", "Denied by @Ada"."""
    m = migration("aborted", last_error="user_requested")
    denied = Approval(
        approval_id="ap-3",
        kind="reverse",
        migration_id=MID,
        app_id="app-42",
        channel_id="C1",
        requester="U_REQ",
        requested_at=at(1),
        expires_at=at(31),
        status="denied",
        decisions=[Decision(user="U_ADA", decision="deny", at=at(2))],
    )
    text = replies.summary(m, [], [denied], now=at(9), aborted_by="U_RILEY").text
    assert "Reverse asked by <@U_REQ>: denied by <@U_ADA>." in text
    assert text.splitlines()[-1] == "Aborted on request by <@U_RILEY>."
    assert "user_requested" not in text and "nobody" not in text


# --- the other notices -------------------------------------------------------------


def test_outage_notice_shows_a_short_escaped_error():
    reply = replies.outage("502 <html>" + "y" * 500)
    assert reply.text.startswith(":electric_plug: Butterbase is not answering (502 &lt;html&gt;")
    assert "y" * 160 not in reply.text
    assert "I'll keep checking" in reply.text
    ended = replies.outage("Butterbase is unavailable (HTTP 503).").text
    assert "(Butterbase is unavailable (HTTP 503)). I'll keep" in ended  # no ".)."
    assert replies.outage_over(125).text == (
        ":electric_plug: Butterbase is answering again after 2m 5s; tracking resumed."
    )


def test_not_found_names_the_short_id_and_the_app():
    text = replies.not_found(migration()).text
    assert "move 7a0c1234 of app-42" in text and MID not in text
    assert "/migration-status app-42" in text and "`" not in text
    assert "stopped following it" in text


def test_writes_still_paused_after_an_abort_is_a_broadcast_page():
    reply = replies.writes_still_paused(migration("aborted"), ONCALL)
    assert reply.broadcast and reply.priority == MILESTONE
    assert reply.text.startswith(
        "Writes STILL PAUSED: app-42 answers 503 to writes after the abort."
    )
    assert reply.text.endswith("<@U_REQ> <!subteam^S0ONCALL>")
    quiet = replies.writes_still_paused(migration("failed"), ONCALL, ping=False)
    assert "after the move ended" in quiet.text and "<@" not in quiet.text
    resumed = replies.writes_resumed(migration("aborted"))
    assert resumed.text == ":white_check_mark: Writes to app-42 are flowing again."
    assert resumed.key != reply.key


def test_pings_and_headline():
    assert replies.pings(migration(), "") == "<@U_REQ>"
    assert replies.pings(migration(requester=None), "") == ""
    assert replies.headline(migration(source_region=None)) == "app-42 · ? → eu-west-1"
    assert replies.hhmm(None) == "?"


# --- markup from input is shown, never interpreted (hole 10) ----------------------

EVIL = "<!channel> <https://evil.example|click> &"


def _no_live_markup(text: str) -> None:
    assert "<!channel>" not in text and "<https://evil" not in text
    assert "&lt;!channel&gt;" in text


def _evil(step: str = "restoring_data", **kw: Any) -> TrackedMigration:
    return migration(step, app_id=EVIL, source_region=EVIL, dest_region=EVIL, **kw)


@pytest.mark.parametrize(
    "event",
    [
        StepsAdvanced(done=[EVIL], now_at=EVIL, offline=True),
        StepsAdvanced(done=["restoring_data"], now_at="copying_blobs", offline=False),
        RetryStarted(EVIL, EVIL, 2),
        Stuck(EVIL, 900, 60, failing=False),
        Milestone("cutover"),
        Milestone("completed"),
        Milestone("aborted", error=EVIL),
        Milestone("aborted", error="user_requested", user_requested=True),
        Milestone("failed", error=EVIL, app=App(id="x", region=EVIL)),
        Milestone("fast_reverse"),
    ],
)
def test_every_thread_reply_escapes_what_came_from_input(event):
    m = _evil(replica_state="replicating", last_error=EVIL)
    text = replies.reply_for(event, m, oncall_group=ONCALL).text
    _no_live_markup(text)
    assert "&amp;" in text
    if isinstance(event, Milestone) and event.kind in ("failed",):
        assert "<@U_REQ>" in text and "<!subteam^S0ONCALL>" in text  # the bot's own stay live


def test_summary_and_notices_escape_what_came_from_input():
    m = _evil("failed", last_error=EVIL)
    history = [
        StepRecord(migration_id=MID, step=EVIL, started_at=at(1), ended_at=at(2), outcome="done")
    ]
    for text in (
        replies.summary(m, history, [], now=at(9)).text,
        replies.not_found(m).text,
        replies.writes_still_paused(m, ONCALL).text,
        replies.writes_resumed(m).text,
        replies.outage(EVIL).text,
    ):
        assert "<!channel>" not in text and "<https://evil" not in text, text


# --- a fast reverse (hole 2) -----------------------------------------------------


def _fast() -> TrackedMigration:
    return migration(
        "completed",
        kind="reverse",
        source_region="eu-west-1",
        dest_region="us-east-1",
        parent_migration_id="7a0c1234-aaaa-bbbb-cccc-0000000000ff",
        completed_at=at(30),
        flipped_at=at(30),
        replica_state="replicating",
        seen_steps=["completed"],
    )


def test_a_fast_reverse_says_what_happened_not_steps_or_a_cutover():
    reply = replies.reply_for(Milestone("fast_reverse"), _fast())
    assert reply.broadcast and reply.key == "milestone:fast_reverse"
    assert "Traffic switched back to us-east-1 at 10:30 UTC" in reply.text
    assert "replica kept there was promoted" in reply.text
    assert "eu-west-1 no longer serves the app; no replica is kept there" in reply.text
    assert "Cutover" not in reply.text and "done" not in reply.text


def test_the_summary_of_a_fast_reverse_lists_no_step():
    closed = StepRecord(
        migration_id=MID, step="requested", started_at=at(29), ended_at=at(30), outcome="not_run"
    )
    text = replies.summary(_fast(), [closed], [], now=at(30), fast=True).text
    assert "A fast reverse: Traffic switched back" in text and "no step ran" in text
    assert "Steps:" not in text and "Requested" not in text


@pytest.mark.parametrize(
    "event",
    [
        StepsAdvanced(done=["restoring_data"], now_at="copying_blobs", offline=False),
        StepsAdvanced(done=["unblocking_writes"], now_at="completed", offline=False),
        RetryStarted("copying_blobs", "x", 1),
        Stuck("copying_blobs", 1000, 240, failing=False),
        Milestone("cutover"),
        Milestone("completed"),
        Milestone("aborted", error="x"),
        Milestone("aborted", error="user_requested", user_requested=True),
        Milestone("failed", error="x"),
    ],
)
def test_no_reply_has_markup_a_notification_would_show_raw(event):
    """Phone truth: a reply's text is its notification: no `*`, no backticks."""
    text = text_for(event, migration("copying_blobs"), oncall_group=ONCALL)
    assert "*" not in text and "`" not in text


def test_alerts_lead_with_the_state_and_end_with_the_mentions():
    m = migration("failed")
    for event in (Stuck("copying_blobs", 1000, 240, failing=False), Milestone("failed", error="x")):
        text = text_for(event, m, oncall_group=ONCALL)
        assert not text.startswith(("<", ":")), text
        assert text.endswith("<@U_REQ> <!subteam^S0ONCALL>"), text


def test_stuck_inside_the_cutover_never_says_past_cutover_before_routing_flipped():
    """A step failing inside flipping_routing: abort is no longer offered, but routing has
    not flipped (no `flipped_at`): never "past cutover", which the failure then contradicts."""
    m = migration("flipping_routing")
    reply = replies.reply_for(Stuck("flipping_routing", 400.0, 30.0, True), m, oncall_group=ONCALL)
    assert "past cutover" not in reply.text
    assert "cutover has started (routing has not flipped yet)" in reply.text
    later = migration("setting_up_reverse_replication")
    text = replies.reply_for(
        Stuck("setting_up_reverse_replication", 400.0, 90.0, True), later, oncall_group=ONCALL
    ).text
    assert "Abort is no longer possible (past cutover)." in text


def test_a_move_that_failed_unseen_between_two_reads_says_where_it_was_last_seen():
    """Found by the long model-based run: Butterbase unreachable, then the move is
    `aborted`. The bot last saw Requested and never saw the failing step: it must not claim
    "Requested stopped" (Requested may have passed); it says where it last saw the move."""
    event = StepsAdvanced(done=["requested"], now_at="aborted", offline=True, unseen_stop=True)
    text = replies.reply_for(event, migration("aborted"), oncall_group=ONCALL).text
    assert "Requested stopped" not in text
    assert "last seen at Requested; it stopped there or at a later step (not seen" in text
