"""The step model: order, labels, phases, what may be aborted, and unknown steps."""

from __future__ import annotations

import pytest

from bot import steps

DOCUMENTED = [
    "requested",
    "reserving_dest",
    "blocking_writes",
    "dumping_data",
    "restoring_data",
    "copying_blobs",
    "copying_runtime",
    "flipping_routing",
    "setting_up_reverse_replication",
    "unblocking_writes",
    "completed",
]
SERVER = [*DOCUMENTED[:5], "dumping_kv", "restoring_kv", *DOCUMENTED[5:]]  # what it runs
BEFORE_CUTOVER = DOCUMENTED[: DOCUMENTED.index("flipping_routing")]
FROM_CUTOVER = DOCUMENTED[DOCUMENTED.index("flipping_routing") : -1]


def test_the_happy_path_is_the_thirteen_the_server_runs_for_every_app():
    assert list(steps.HAPPY_PATH) == SERVER
    assert list(steps.DOCUMENTED) == DOCUMENTED


def test_kv_steps_sit_between_restoring_data_and_copying_blobs():
    order = list(steps.ALL_ORDERED)
    assert order.index("restoring_data") + 1 == order.index("dumping_kv")
    assert order.index("dumping_kv") + 1 == order.index("restoring_kv")
    assert order.index("restoring_kv") + 1 == order.index("copying_blobs")
    assert len(order) == 13
    assert [s for s in order if s not in ("dumping_kv", "restoring_kv")] == DOCUMENTED


@pytest.mark.parametrize("step", BEFORE_CUTOVER)
def test_abort_is_allowed_before_cutover(step):
    assert steps.may_abort(step)
    assert not steps.is_past_cutover(step)


@pytest.mark.parametrize("step", ["dumping_kv", "restoring_kv"])
def test_kv_steps_are_before_cutover(step):
    assert steps.may_abort(step)
    assert not steps.is_past_cutover(step)


@pytest.mark.parametrize("step", [*FROM_CUTOVER, "completed", "failed"])
def test_from_cutover_on_abort_is_refused_and_the_move_is_past_cutover(step):
    assert not steps.may_abort(step)
    assert steps.is_past_cutover(step)


@pytest.mark.parametrize("step", ["aborted", "aborting", "warming_caches", "", "FLIPPING_ROUTING"])
def test_abort_is_refused_for_aborting_aborted_and_unknown_steps(step):
    # stricter than the server, which answers 200 for these
    assert not steps.may_abort(step)


@pytest.mark.parametrize("step", ["aborted", "aborting"])
def test_an_aborted_move_never_passed_cutover(step):
    assert not steps.is_past_cutover(step)


def test_cutover_is_flipping_routing():
    assert steps.CUTOVER == "flipping_routing"
    assert steps.is_past_cutover(steps.CUTOVER)
    assert not steps.is_past_cutover("copying_runtime")


def test_terminal_steps():
    assert {"completed", "aborted", "failed"} == steps.TERMINAL
    for step in ("completed", "aborted", "failed"):
        assert steps.is_terminal(step)
    for step in ("aborting", "unblocking_writes", "warming_caches", "requested"):
        assert not steps.is_terminal(step)


def test_known_steps_have_their_own_labels():
    assert steps.label("restoring_data") == "Restoring data"
    assert steps.label("flipping_routing") == "Flipping routing (cutover)"
    assert steps.label("failed") == "Failed (needs manual review)"
    assert steps.label("dumping_kv") == "Dumping key-value data"
    assert all(steps.label(s) and steps.label(s) != s for s in steps.STEPS)


@pytest.mark.parametrize(
    ("step", "shown"),
    [
        ("warming_caches", "Warming caches"),
        ("re-indexing_search", "Re indexing search"),
        ("x", "X"),
        ("  __odd__name__ ", "Odd name"),
        ("", "Unknown step"),
        ("___", "Unknown step"),
        ("déplacement_des_données", "Déplacement des données"),
    ],
)
def test_unknown_steps_are_humanised_never_a_crash(step, shown):
    assert steps.label(step) == shown
    info = steps.info(step)
    assert info.phase is steps.Phase.UNKNOWN
    assert not steps.is_known(step)
    assert not steps.is_terminal(step)
    assert not steps.is_past_cutover(step)
    assert not steps.writes_paused(step)
    assert steps.position(step) is None
    assert steps.expected_seconds(step) > 0


@pytest.mark.parametrize(
    ("step", "n"),
    [
        ("requested", 1),
        ("restoring_data", 5),
        ("dumping_kv", 6),
        ("copying_blobs", 8),
        ("flipping_routing", 10),
        ("completed", 13),
    ],
)
def test_position_is_always_out_of_thirteen(step, n):
    # never "step 4 of 11" then "step 7 of 13": the count is fixed from the first poll
    assert steps.position(step) == (n, 13)


@pytest.mark.parametrize("step", ["aborting", "aborted", "failed", "warming_caches"])
def test_steps_outside_the_path_have_no_position(step):
    assert steps.position(step) is None


def test_writes_are_paused_from_blocking_writes_until_unblocking_writes():
    paused = [s for s in DOCUMENTED if steps.writes_paused(s)]
    assert paused == DOCUMENTED[DOCUMENTED.index("blocking_writes") : -1]
    assert steps.writes_paused("dumping_kv")
    assert not steps.writes_paused("aborted")


def test_expected_seconds_are_positive_for_running_steps():
    for step in [*steps.ALL_ORDERED[:-1], "aborting"]:
        assert steps.expected_seconds(step) > 0, step
    assert steps.expected_seconds("restoring_data") == 420


def test_checklist_is_the_thirteen_from_the_start():
    assert steps.checklist(["requested", "reserving_dest"], "blocking_writes") == SERVER


def test_checklist_never_lists_a_missing_step():
    assert steps.checklist(["requested", steps.MISSING], steps.MISSING) == SERVER


def test_a_move_never_goes_back():
    assert steps.is_behind("requested", "restoring_data")
    assert not steps.is_behind("restoring_data", "requested")
    assert not steps.is_behind(steps.MISSING, "restoring_data")
    assert not steps.is_behind("warming_caches", "restoring_data")


def test_checklist_keeps_unknown_steps_before_completed_and_hides_abort_steps():
    shown = steps.checklist(["requested", "warming_caches", "aborting"], "aborted")
    assert "warming_caches" in shown
    assert shown[-1] == "completed"
    assert shown.index("warming_caches") == len(shown) - 2
    assert "aborting" not in shown and "aborted" not in shown
    assert shown.count("warming_caches") == 1
