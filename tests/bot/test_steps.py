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
BEFORE_CUTOVER = DOCUMENTED[: DOCUMENTED.index("flipping_routing")]
FROM_CUTOVER = DOCUMENTED[DOCUMENTED.index("flipping_routing") : -1]


def test_the_happy_path_is_the_documented_eleven_in_order():
    assert list(steps.HAPPY_PATH) == DOCUMENTED
    assert steps.DOCUMENTED_COUNT == 11


def test_kv_steps_are_optional_and_sit_between_restoring_data_and_copying_blobs():
    order = list(steps.ALL_ORDERED)
    assert order.index("restoring_data") + 1 == order.index("dumping_kv")
    assert order.index("dumping_kv") + 1 == order.index("restoring_kv")
    assert order.index("restoring_kv") + 1 == order.index("copying_blobs")
    assert steps.info("dumping_kv").optional and steps.info("restoring_kv").optional
    assert "dumping_kv" not in steps.HAPPY_PATH and "restoring_kv" not in steps.HAPPY_PATH
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
    [("requested", 1), ("restoring_data", 5), ("flipping_routing", 8), ("completed", 11)],
)
def test_position_on_the_documented_path(step, n):
    assert steps.position(step) == (n, 11)
    n_of, total = steps.position(step)
    assert f"step {n_of} of {total}" == f"step {n} of 11"


def test_position_with_kv_steps_counts_thirteen():
    assert steps.position("copying_blobs") == (6, 11)
    assert steps.position("copying_blobs", with_kv=True) == (8, 13)
    assert steps.position("dumping_kv", with_kv=True) == (6, 13)
    assert steps.position("dumping_kv") is None  # not on the documented path


@pytest.mark.parametrize("step", ["aborting", "aborted", "failed", "warming_caches"])
def test_steps_outside_the_path_have_no_position(step):
    assert steps.position(step) is None
    assert steps.position(step, with_kv=True) is None


def test_writes_are_paused_from_blocking_writes_until_unblocking_writes():
    paused = [s for s in DOCUMENTED if steps.writes_paused(s)]
    assert paused == DOCUMENTED[DOCUMENTED.index("blocking_writes") : -1]
    assert steps.writes_paused("dumping_kv")
    assert not steps.writes_paused("aborted")


def test_expected_seconds_are_positive_for_running_steps():
    for step in [*steps.ALL_ORDERED[:-1], "aborting"]:
        assert steps.expected_seconds(step) > 0, step
    assert steps.expected_seconds("restoring_data") == 420


def test_checklist_is_the_documented_path_without_kv():
    assert steps.checklist(["requested", "reserving_dest"], "blocking_writes") == DOCUMENTED


def test_checklist_shows_kv_steps_once_seen():
    shown = steps.checklist(["requested", "restoring_data"], "dumping_kv")
    assert shown == list(steps.ALL_ORDERED)


def test_checklist_keeps_unknown_steps_before_completed_and_hides_abort_steps():
    shown = steps.checklist(["requested", "warming_caches", "aborting"], "aborted")
    assert "warming_caches" in shown
    assert shown[-1] == "completed"
    assert shown.index("warming_caches") == len(shown) - 2
    assert "aborting" not in shown and "aborted" not in shown
    assert shown.count("warming_caches") == 1
