"""The status card: what a person reads in its first line, phase lines and checklist."""

import pytest

from bot import steps
from bot.render import render_card
from bot.render.card import card_body
from tests.bot.render.builders import (
    FLOW,
    FLOW_KV,
    MID,
    approval,
    approve,
    at,
    check_limits,
    history,
    migration,
    sections,
)

HEADLINE = "app-42 · us-east-1 → eu-west-1 · "


def card(m, **kw):
    kw.setdefault("now", at(len(m.seen_steps) + 2))
    kw.setdefault("expected", {})
    msg = render_card(m, history(m), **kw)
    check_limits(msg)
    return msg


def full_steps(m, **kw):
    """The one-line-per-step checklist (what `/migration-status <app> <id>` shows)."""
    kw.setdefault("now", at(len(m.seen_steps) + 2))
    kw.setdefault("expected", {})
    _, blocks = card_body(
        m,
        history(m),
        approvals=(),
        replica_cost=None,
        app_writes_paused=None,
        full_steps=True,
        **kw,
    )
    return blocks[1].to_dict()["text"]["text"].split("\n")


def first_line(msg):
    assert msg.blocks[0]["type"] == "header"
    line = msg.blocks[0]["text"]["text"]
    assert msg.text.split("\n")[0] == line
    return line


@pytest.mark.parametrize(
    ("step", "words"),
    [
        ("requested", "Requested (step 1 of 13)"),
        ("reserving_dest", "Reserving the destination (step 2 of 13)"),
        ("blocking_writes", "Blocking writes (step 3 of 13)"),
        ("restoring_data", "Restoring data (step 5 of 13)"),
        ("copying_runtime", "Copying the runtime (step 9 of 13)"),
        ("flipping_routing", "Flipping routing (cutover) (step 10 of 13)"),
        ("setting_up_reverse_replication", "Setting up reverse replication (step 11 of 13)"),
        ("unblocking_writes", "Unblocking writes (step 12 of 13)"),
        ("completed", "Completed"),
    ],
)
def test_first_line_says_where_the_move_is(step, words):
    assert first_line(card(migration(step))) == HEADLINE + words


def test_kv_steps_count_thirteen():
    msg = card(migration("dumping_kv", flow=FLOW_KV))
    assert first_line(msg) == HEADLINE + "Dumping key-value data (step 6 of 13)"
    assert "Restoring key-value data" in sections(msg)


def test_endings():
    aborted = migration("aborted", before=FLOW[:4], last_error="user_requested")
    failed = migration("failed", before=FLOW[:9], last_error="replication lag")
    assert first_line(card(aborted)) == HEADLINE + "Aborted"
    assert first_line(card(failed)) == HEADLINE + "Failed — needs manual review"


def test_unknown_step_is_humanised_and_placed_after_the_step_before_it():
    m = migration("warming_caches", before=FLOW[:7])
    msg = card(m, expected={"warming_caches": 60})
    assert first_line(msg) == HEADLINE + "Warming caches"
    checklist = full_steps(m, expected={"warming_caches": 60})
    running = [i for i, line in enumerate(checklist) if "Warming caches" in line]
    assert running == [9]  # right after "Copying the runtime"
    assert checklist[9].startswith(":arrows_counterclockwise: *Warming caches* — ")
    assert "usually ~1m" in checklist[9]
    assert checklist[8] == ":white_check_mark: Copying the runtime — 1m"
    assert checklist[10] == ":white_circle: Flipping routing (cutover) (to come)"
    # the kv steps this server skipped are behind it: passed, never "to come"
    assert checklist[5] == ":white_check_mark: Dumping key-value data"


def test_reverse_names_its_forward_move():
    m = migration(
        "restoring_data",
        kind="reverse",
        parent_migration_id="1a2b3c4d-0000-0000-0000-000000000000",
        source_region="eu-west-1",
        dest_region="us-east-1",
    )
    assert first_line(card(m)) == (
        "app-42 · back to us-east-1 from eu-west-1 · Restoring data (step 5 of 13)"
    )


def test_the_full_checklist_done_running_to_come_each_in_words():
    m = migration("restoring_data", step_started_at=at(4))
    lines = full_steps(m, now=at(7), expected={"restoring_data": 420})
    assert lines[0] == ":white_check_mark: Requested — 1m"
    assert lines[3] == ":white_check_mark: Dumping data — 1m"
    assert lines[4] == ":arrows_counterclockwise: *Restoring data* — 3m so far (usually ~7m)"
    assert lines[5] == ":white_circle: Dumping key-value data (to come)"
    assert lines[7] == ":white_circle: Copying blobs (to come)"
    assert lines[-1] == ":white_circle: Completed (to come)"  # never an emoji alone
    assert len(lines) == 13


def test_the_card_says_where_the_move_is_in_two_lines():
    """Issue 15 point 12: the step, its time, the usual time and the next step; the
    phase's way out. The full checklist is in the thread, not on a phone screen."""
    m = migration("dumping_data", step_started_at=at(3))
    lines = card(m, now=at(3) + (at(1) - at(0)) / 30, expected={"dumping_data": 6}).blocks[1]
    assert lines["text"]["text"].split("\n") == [
        ":arrows_counterclockwise: Step 4 of 13: Dumping data (2s, usually about 6s) · "
        "Next: Restoring data",
        ":leftwards_arrow_with_hook: Before cutover: Abort available",
    ]
    after = card(migration("setting_up_reverse_replication")).blocks[1]["text"]["text"]
    assert after.split("\n")[1] == (
        ":no_entry: After cutover: no abort; /reverse once completed, if a replica is kept"
    )


def test_a_step_running_far_too_long_says_so():
    m = migration("restoring_data", step_started_at=at(4))
    line = card(m, now=at(40), expected={"restoring_data": 420}).blocks[1]["text"]["text"]
    assert "Restoring data (36m, usually about 7m, longer than usual)" in line


def test_a_finished_card_is_one_line_of_progress_not_thirteen():
    m = migration("completed", flow=FLOW_KV, completed_at=at(13), replica_state="replicating")
    msg = card(m, replica_cost=42.5)
    assert msg.blocks[1]["text"]["text"] == (
        ":white_check_mark: Completed at 10:13 UTC · all 13 steps done in 13m"
    )
    assert len(sections(msg).splitlines()) <= 8


def test_failed_marks_where_it_stopped_and_what_did_not_run():
    m = migration("failed", before=FLOW[:9], last_error="replication lag")
    lines = card(m).blocks[1]["text"]["text"].split("\n")
    assert lines == [
        ":x: Failed at step 11 of 13: Setting up reverse replication; the steps after it did not run"
    ]
    full = full_steps(m)
    assert ":x: Setting up reverse replication — stopped here" in full
    assert ":heavy_minus_sign: Unblocking writes (not run)" in full


def test_writes_paused_since_the_block_began():
    text = sections(card(migration("dumping_data")))
    assert ":double_vertical_bar: Writes paused since 10:02 UTC" in text
    assert "Still served from us-east-1 until cutover" in text
    assert "Writes paused" not in sections(card(migration("reserving_dest")))


def test_unknown_step_with_the_app_reported_migrating_says_writes_are_paused():
    m = migration("warming_caches", before=FLOW[:5])
    assert "Writes paused (Butterbase reports the app as migrating)" in sections(
        card(m, app_writes_paused=True)
    )


def test_traffic_moved_at_cutover_time():
    m = migration("unblocking_writes", flipped_at=at(8))
    text = sections(card(m))
    assert "Traffic moved to eu-west-1 at 10:08 UTC" in text
    assert "Writes paused since 10:02 UTC" in text
    text = sections(card(migration("flipping_routing")))
    assert "Cutover in progress: traffic is moving to eu-west-1" in text


def test_traffic_moved_time_from_history_when_the_api_gave_none():
    m = migration("completed", completed_at=at(10), replica_state="replicating")
    assert "Traffic moved to eu-west-1 at 10:08 UTC" in sections(card(m))


def test_completed_with_replica_retained_shows_its_cost():
    m = migration("completed", completed_at=at(10), replica_state="replicating")
    text = sections(card(m, replica_cost=42.5))
    assert "Replica kept in us-east-1 (est. $42.50/month)" in text
    assert ":white_check_mark: Completed at 10:10 UTC" in text
    assert "Writes paused" not in text


def test_unknown_cost_is_never_zero():
    m = migration("completed", replica_state="replicating")
    text = sections(card(m, replica_cost=None))
    assert "Replica kept in us-east-1 (est. cost unknown)" in text
    assert "$0" not in text


@pytest.mark.parametrize(
    ("state", "extra", "expected", "absent"),
    [
        ("none", {}, "No replica kept: reverse is not possible", "kept in"),
        ("torn_down", {"torn_down_at": at(40)}, "Replica torn down at 10:40 UTC", "kept in"),
        (
            "replicating",
            {"reversed_by": "9f9f9f9f-1111"},
            "Reverse to us-east-1 started: move 9f9f9f9f",
            "kept in",
        ),
    ],
)
def test_completed_replica_states(state, extra, expected, absent):
    text = sections(card(migration("completed", replica_state=state, **extra), replica_cost=3.0))
    assert expected in text
    assert absent not in text


def test_retrying_shows_the_error_and_the_attempt_in_the_card_and_the_text():
    m = migration("copying_blobs", last_error="S3 throttled <SlowDown>", retry_count=3)
    msg = card(m)
    line = "Retrying Copying blobs (attempt 3 of 5): S3 throttled &lt;SlowDown&gt;"
    assert line in sections(msg)
    assert line in msg.text


def test_an_error_kept_after_a_transition_is_not_a_retry():
    m = migration("copying_runtime", last_error="old error", retry_count=0)
    assert "Retrying" not in sections(card(m))


def test_aborted_on_request():
    m = migration("aborted", before=FLOW[:2], last_error="user_requested")
    text = sections(card(m))
    assert "Aborted on request." in text
    assert "The app stays in us-east-1" in text
    assert ":warning:" not in text


def test_aborted_with_writes_still_paused_is_loud():
    m = migration(
        "aborted", before=FLOW[:4], last_error="user_requested", writes_paused_after_abort=True
    )
    msg = card(m)
    warning = (
        ":warning: Writes still paused on app-42 after the abort: Butterbase reports it "
        "migrating, so writes answer 503 until Butterbase unpauses them"
    )
    assert warning in sections(msg)
    assert warning in msg.text
    assert msg.text.startswith(HEADLINE + "Aborted\n")
    # once the app reads as ready again, the warning goes
    assert ":warning:" not in sections(card(m, app_writes_paused=False))


def test_aborted_after_repeated_errors():
    m = migration("aborted", before=FLOW[:3], last_error="disk full")
    assert "Aborted after repeated errors. Last error: disk full" in sections(card(m))


def test_aborting_is_compensation_in_progress():
    m = migration("aborting", before=FLOW[:4], last_error="disk full")
    msg = card(m)
    assert first_line(msg) == HEADLINE + "Aborting (compensating)"
    text = sections(msg)
    assert "Butterbase is undoing the move. Last error: disk full" in text
    assert ":arrows_counterclockwise: Aborting (compensating) — 3m so far" in text
    assert ":x: Stopped at step 4 of 13: Dumping data" in text


def test_failed_needs_manual_review_with_its_error():
    m = migration("failed", before=FLOW[:9], last_error="replication lag")
    msg = card(m)
    text = sections(msg)
    assert "Needs manual review. Last error: replication lag" in text
    assert "Needs manual review. Last error: replication lag" in msg.text
    assert "Traffic moved to eu-west-1 at 10:08 UTC" in text


def test_failed_at_cutover_does_not_claim_traffic_moved():
    m = migration("failed", before=FLOW[:8], last_error="dns timeout")
    records = history(m)
    records[-2] = records[-2].model_copy(update={"outcome": "failed"})
    assert records[-2].step == "flipping_routing"
    msg = render_card(m, records, now=at(12), expected={})
    text = sections(msg)
    assert "Failed during cutover: routing may have flipped in part" in text
    assert ":x: Failed at step 10 of 13: Flipping routing (cutover)" in text
    assert "Traffic moved" not in text


def test_context_names_the_requester_the_id_and_the_time():
    msg = card(migration("dumping_data"), now=at(7.5))
    assert msg.blocks[-2]["type"] == "context"
    assert msg.blocks[-2]["elements"][0]["text"] == (
        "<@U_REQ> · `7a0c1234` · updated 10:07:30 UTC · every step in the thread"
    )
    adopted = card(migration("dumping_data", requester=None, adopted=True))
    assert "started outside Slack · `7a0c1234`" in sections(adopted)


def test_open_approvals_are_listed():
    m = migration("completed", replica_state="replicating")
    pending = approval("teardown", decisions=[approve("U_APP1", 21)])
    running = approval("reverse", "executing", approval_id="ap-2", decisions=[approve("U_A", 21)])
    closed = approval("reverse", "denied", approval_id="ap-3")
    text = sections(card(m, approvals=[pending, running, closed]))
    assert "Teardown requested by <@U_REQ> — waiting for approval (1 of 2)" in text
    assert "Reverse approved by <@U_A> — running…" in text
    assert text.count("Reverse") == 1


def test_steps_model_agrees_with_the_card():
    assert steps.position("restoring_data") == (5, 13)
    assert MID.startswith(migration().short_id)


# --- hole 7: a missing step --------------------------------------------------------


def test_a_move_without_a_known_step_is_not_requested_and_offers_no_abort():
    m = migration(steps.MISSING, before=[])
    msg = card(m)
    assert "Requested (step 1" not in first_line(msg)
    assert "Unknown step" in first_line(msg)
    assert "migration_abort" not in str(msg.blocks)
    assert ":arrows_counterclockwise:" not in sections(msg)  # nothing claimed running


# --- hole 2: a fast reverse ----------------------------------------------------------


def fast_reverse(**kw):
    return migration(
        "completed",
        before=[],
        kind="reverse",
        parent_migration_id="1a2b3c4d-0000-0000-0000-000000000000",
        source_region="eu-west-1",
        dest_region="us-east-1",
        completed_at=at(30),
        flipped_at=at(30),
        replica_state="replicating",
        seen_steps=["requested", "completed"],
        **kw,
    )


def test_a_fast_reverse_card_lists_no_step_done_and_says_what_happened():
    msg = card(fast_reverse(), fast_reverse=True)
    text = sections(msg)
    assert first_line(msg).endswith("Completed · Reversed fast")
    assert "Reversed at 10:30 UTC: traffic switched back to us-east-1 at once" in text
    assert "The replica in us-east-1 was promoted" in text
    assert "eu-west-1 no longer serves the app; no replica is kept there" in text
    for label in ("Reserving the destination", "Flipping routing", "Replica kept"):
        assert label not in text
    kinds = {e["action_id"] for b in msg.blocks if b["type"] == "actions" for e in b["elements"]}
    assert "migration_request_reverse" not in kinds and "migration_request_teardown" not in kinds


# --- hole 10: markup from input is shown, never interpreted --------------------------

EVIL = "<!channel> <https://evil.example|click>"


def test_markup_in_ids_regions_and_errors_never_reaches_the_card_live():
    m = migration(
        "failed",
        before=FLOW[:9],
        app_id=EVIL,
        source_region=EVIL,
        dest_region=EVIL,
        last_error=EVIL,
    )
    msg = card(m)
    for block in msg.blocks:
        if block["type"] == "header":
            continue  # plain text: never interpreted
        assert "<!channel>" not in str(block) and "<https://evil" not in str(block), block
    assert "<!channel>" not in msg.text and "<https://evil" not in msg.text


# --- issue 15: what people read -----------------------------------------------------


def _reverse_of(m, step, **kw):
    return migration(
        step,
        flow=FLOW_KV,
        migration_id="dac51f19-0000-0000-0000-000000000000",
        kind="reverse",
        parent_migration_id=m.migration_id,
        source_region=m.dest_region,
        dest_region=m.source_region,
        **kw,
    )


def test_a_reversed_cards_headline_says_where_the_app_is_now():
    """Point 2: a glance at the channel must not leave the app in the old destination."""
    forward = migration("completed", replica_state="replicating", completed_at=at(13))
    back = _reverse_of(forward, "completed", completed_at=at(31))
    done = forward.model_copy(update={"reversed_by": back.migration_id})
    msg = card(done, app_moves=[back, done])
    assert first_line(msg) == HEADLINE + "Reversed: back in us-east-1"
    assert msg.text.splitlines()[0] == HEADLINE + "Reversed: back in us-east-1"
    assert "Reversed at 10:31 UTC by move dac51f19: app-42 is back in us-east-1" in sections(msg)
    assert "Replica kept" not in sections(msg)
    running = card(done, app_moves=[_reverse_of(forward, "restoring_data"), done])
    assert first_line(running) == HEADLINE + "Completed · reversing to us-east-1"


def test_writes_still_paused_after_a_failure_stay_on_the_card_until_ready():
    """Point 1: the failure past cutover left the app migrating (503 on writes)."""
    m = migration("failed", before=FLOW[:9], last_error="x", writes_paused_after_abort=True)
    msg = card(m)
    line = (
        ":warning: Writes still paused on app-42 after the failure: Butterbase reports it "
        "migrating, so writes answer 503 until Butterbase unpauses them"
    )
    assert line in sections(msg) and line in msg.text.splitlines()
    assert ":warning:" not in card(m, app_writes_paused=False).text


def test_the_replica_cost_kept_with_the_move_is_shown_without_a_cache():
    """Point 4: read at completion and stored, it survives a restart (no cache needed)."""
    m = migration("completed", replica_state="replicating", replica_cost=12.0)
    assert "Replica kept in us-east-1 (est. $12.00/month)" in sections(card(m))
    zero = migration("completed", replica_state="replicating", replica_cost=0.0)
    assert "est. cost unknown" in sections(card(zero))


@pytest.mark.parametrize(
    "m",
    [
        migration("dumping_data"),
        migration("completed", replica_state="replicating"),
        migration("failed", before=FLOW[:9], last_error="x", writes_paused_after_abort=True),
        migration("copying_blobs", last_error="S3 *slow* `x`", retry_count=2),
    ],
)
def test_no_fallback_text_has_markup_a_notification_shows_raw(m):
    text = card(m).text
    assert "`" not in text and "*" not in text


def test_the_follow_button_fits_a_phone():
    msg = card(migration("dumping_data"), followable=True)
    labels = [
        e["text"]["text"] for b in msg.blocks if b["type"] == "actions" for e in b["elements"]
    ]
    assert "Follow here" in labels and all(len(label) <= 20 for label in labels)


def test_the_eta_learned_from_watched_moves_is_on_a_running_card_only():
    """Issue 11 point 4: an honest ETA ("about 6 min left (5–8 min, from 12 moves)") once
    the bot has seen enough moves; never on a finished card, never invented."""
    from bot.polling import eta_text

    samples = {s: [60.0 + i for i in range(6)] for s in steps.HAPPY_PATH}
    eta = eta_text("restoring_data", 30.0, samples)
    assert eta is not None and eta.startswith("about ") and "from 6 moves" in eta
    running = card(migration("restoring_data"), eta=eta)
    assert f"Expected: {eta}" in sections(running)
    assert eta_text("restoring_data", 30.0, {}) is None  # too few moves seen: nothing said
    done = card(migration("completed", completed_at=at(12)), eta=eta)
    assert "Expected:" not in sections(done)
