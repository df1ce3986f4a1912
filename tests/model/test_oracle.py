"""The model's rules judge recorded states as the issue says (so a pass means something)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from tests.model.oracle import (
    MigrationView,
    Moment,
    abort_refusal,
    reverse_refusal,
    teardown_refusal,
    unescaped_markup,
)

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
M1, M2, R1 = "11111111-0000-4000-8000-000000000000", "22222222-0000-4000-8000-000000000000", "r1"


def _m(mid: str, source: str, dest: str, step: str = "completed", **kw: object) -> MigrationView:
    done = T0 + timedelta(minutes=len(mid)) if step == "completed" else None
    fields = {"completed_at": done, "reverse_of": None, "path": None, **kw}
    return MigrationView(mid, "app-42", step, source, dest, **fields)  # type: ignore[arg-type]


def _at(region: str, *migrations: MigrationView) -> Moment:
    views = {m.id: m for m in migrations}
    return Moment({"app-42": region}, views, {"app-42": list(views)}, frozenset({"U_APP1"}))


def test_a_reverse_of_a_superseded_move_is_refused() -> None:
    m1 = _m(M1, "us-east-1", "eu-west-1", completed_at=T0)
    m2 = _m(M2, "eu-west-1", "ap-southeast-1", completed_at=T0 + timedelta(hours=1))
    at = _at("ap-southeast-1", m1, m2)
    assert reverse_refusal(M1, at) is not None
    assert reverse_refusal(M2, at) is None


def test_a_reverse_needs_the_app_in_the_destination() -> None:
    assert reverse_refusal(M1, _at("us-east-1", _m(M1, "us-east-1", "eu-west-1"))) is not None


def test_a_replica_promoted_by_a_reverse_or_live_is_never_torn_down() -> None:
    m1 = _m(M1, "us-east-1", "eu-west-1", completed_at=T0)
    fast = _m(R1, "eu-west-1", "us-east-1", completed_at=T0, reverse_of=M1, path="fast")
    assert teardown_refusal(M1, _at("us-east-1", m1, fast)) is not None
    assert teardown_refusal(M1, _at("ap-southeast-1", m1, fast)) is not None  # promoted
    assert teardown_refusal(M1, _at("eu-west-1", m1)) is None


def test_abort_only_before_cutover_and_not_terminal() -> None:
    for step, allowed in (
        ("copying_blobs", True),
        ("flipping_routing", False),
        ("failed", False),
        ("completed", False),
    ):
        at = _at("us-east-1", _m(M1, "us-east-1", "eu-west-1", step=step))
        assert (abort_refusal(M1, at) is None) is allowed, step


def test_markup_from_input_is_found_anywhere_in_a_call() -> None:
    call = {"blocks": [{"text": {"text": "a <!channel> b"}}]}
    assert unescaped_markup(call) == "a <!channel> b"
    assert unescaped_markup({"text": "&lt;!channel&gt; <https://ok.example|x>"}) is None
