"""The approval rules as plain values: who may decide, when, and on what state."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot import approval_texts as said
from bot import approvals
from bot.approvals import Approvers, Target
from bot.models import SourceReplica
from storage.records import Approval, Decision

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
MID = "7a0c1234-aaaa-bbbb-cccc-000000000001"
REV = "5e5e5e5e-0000-1111-2222-333333333333"
TEAM = Approvers(users=frozenset({"U_APP1", "U_APP2"}))


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def target(**kw: Any) -> Target:
    fields: dict[str, Any] = {
        "migration_id": MID,
        "app_id": "app-42",
        "current_step": "completed",
        "replica_state": "replicating",
        "source_region": "us-east-1",
        "dest_region": "eu-west-1",
        "completed_at": T0,
        "app_region": "eu-west-1",
    }
    fields.update(kw)
    return Target(**fields)


def request(kind: str = "reverse", status: str = "pending", **kw: Any) -> Approval:
    fields: dict[str, Any] = {
        "approval_id": "ap-0001-xyz",
        "kind": kind,
        "migration_id": MID,
        "app_id": "app-42",
        "channel_id": "C1",
        "requester": "U_REQ",
        "requested_at": at(0),
        "expires_at": at(30),
        "status": status,
        "snapshot": target().snapshot(),
    }
    fields.update(kw)
    return Approval(**fields)


def approve(user: str, minute: float) -> Decision:
    return Decision(user=user, decision="approve", at=at(minute))


def deny(user: str, minute: float) -> Decision:
    return Decision(user=user, decision="deny", at=at(minute))


def click(a: Approval, user: str, decision: str = "approve", **kw: Any) -> str | None:
    options: dict[str, Any] = {"now": at(5), "approvers": TEAM, "allow_self": False}
    options.update(kw)
    refusal = approvals.check_click(a, user=user, decision=decision, **options)  # type: ignore[arg-type]
    return refusal.message if refusal else None


# --- who may decide ------------------------------------------------------------


def test_an_approver_may_approve_and_deny() -> None:
    assert click(request(), "U_APP1") is None
    assert click(request(), "U_APP2", "deny") is None


def test_a_non_approver_is_told_who_may_approve() -> None:
    assert click(request("teardown"), "U_OTHER") == (
        "You are not an approver for teardown: approvers are <@U_APP1>, <@U_APP2>."
    )
    assert click(request(), "U_OTHER", "deny") == (
        "You are not an approver for reverse: approvers are <@U_APP1>, <@U_APP2>."
    )


def test_the_group_counts_and_is_named() -> None:
    group = Approvers(
        users=frozenset({"U_APP1"}), group="S_APPROVERS", group_members=frozenset({"U_G"})
    )
    assert click(request(), "U_G", approvers=group) is None
    assert click(request(), "U_OTHER", approvers=group) == (
        "You are not an approver for reverse: approvers are <@U_APP1> and the members of "
        "<!subteam^S_APPROVERS>."
    )
    only_group = Approvers(group="S_APPROVERS")
    assert only_group.names() == "the members of <!subteam^S_APPROVERS>"
    assert Approvers().names() == "nobody (no approvers are configured)"


def test_four_eyes_the_requester_may_not_approve_their_own_request() -> None:
    mine = request(requester="U_APP1")
    assert click(mine, "U_APP1") == "You requested this; a second person must approve."
    assert click(mine, "U_APP1", allow_self=True) is None
    # the requester may withdraw (deny) their own request, approver or not
    assert click(request(), "U_REQ", "deny") is None


def test_self_approval_setting_does_not_make_a_non_approver_an_approver() -> None:
    assert click(request(), "U_REQ", allow_self=True) == (
        "You are not an approver for reverse: approvers are <@U_APP1>, <@U_APP2>."
    )


def test_the_same_person_counts_once() -> None:
    a = request(required=2, decisions=[approve("U_APP1", 2)])
    assert click(a, "U_APP1") == (
        "You already approved this at 10:02 UTC (1 of 2): another approver must approve too."
    )
    assert approvals.approvals_missing(a) == 1
    both = request(required=2, decisions=[approve("U_APP1", 2), approve("U_APP2", 3)])
    assert approvals.approvals_missing(both) == 0


def test_n_distinct_approvals() -> None:
    a = request(required=3, decisions=[approve("U_APP1", 1)])
    assert approvals.approvals_missing(a) == 2
    assert said.recorded_message(a) == (
        "Your approval is recorded (1 of 3): 2 more approvals from another approver needed."
    )


@pytest.mark.parametrize(
    ("a", "message"),
    [
        (
            request(status="executed", decisions=[approve("U_APP1", 12)]),
            "Already approved by <@U_APP1> at 10:12 UTC.",
        ),
        (
            request(status="executing", decisions=[approve("U_APP1", 11), approve("U_APP2", 12)]),
            "Already approved by <@U_APP1> and <@U_APP2> at 10:12 UTC.",
        ),
        (
            request(status="denied", decisions=[deny("U_APP2", 15)]),
            "Already denied by <@U_APP2> at 10:15 UTC.",
        ),
        (request(status="expired"), "This request expired at 10:30 UTC."),
        (
            request(status="voided", reason="the replica in us-east-1 is already torn down"),
            "This request was voided: the replica in us-east-1 is already torn down. "
            "Nothing was done.",
        ),
        (
            request(status="failed", decisions=[approve("U_APP1", 12)], reason="HTTP 503"),
            "Already approved by <@U_APP1> at 10:12 UTC, but it failed: HTTP 503.",
        ),
    ],
)
def test_a_closed_request_says_what_became_of_it(a: Approval, message: str) -> None:
    assert click(a, "U_APP2") == message
    assert click(a, "U_OTHER", "deny") == message  # whoever clicks, whatever they click


def test_expiry_is_checked_at_click_time() -> None:
    a = request()
    assert not approvals.is_expired(a, at(29))
    assert approvals.is_expired(a, at(30))
    assert click(a, "U_APP1", now=at(31)) == "This request expired at 10:30 UTC."


def test_refusal_codes() -> None:
    def code(a: Approval, user: str, **kw: Any) -> str | None:
        r = approvals.check_click(
            a,
            user=user,
            decision="approve",
            now=kw.get("now", at(5)),
            approvers=TEAM,
            allow_self=False,
        )
        return r.code if r else None

    assert code(request(status="denied"), "U_APP1") == "closed"
    assert code(request(), "U_APP1", now=at(40)) == "expired"
    assert code(request(requester="U_APP1"), "U_APP1") == "self"
    assert code(request(), "U_OTHER") == "not_approver"
    assert code(request(decisions=[approve("U_APP1", 1)], required=2), "U_APP1") == "duplicate"


# --- may a request be made ---------------------------------------------------------


def refusal(kind: str, soak: float = 0, now: datetime = at(90), **kw: Any) -> str | None:
    return approvals.request_refusal(kind, target(**kw), now=now, soak=soak)  # type: ignore[arg-type]


def test_a_completed_migration_with_its_replica_retained_may_be_reversed_or_torn_down() -> None:
    assert refusal("reverse") is None
    assert refusal("teardown") is None


@pytest.mark.parametrize(
    ("step", "message"),
    [
        (
            "restoring_data",
            "Can't request a reverse of app-42: move `7a0c1234` of app-42 is not completed yet "
            "(Restoring data): it is still before cutover, so `/abort app-42` is the way back, or "
            "wait for it to complete. Nothing was requested.",
        ),
        (
            "unblocking_writes",
            "Can't request a reverse of app-42: move `7a0c1234` of app-42 is not completed yet "
            "(Unblocking writes): wait for it to complete, then ask again. Nothing was requested.",
        ),
        (
            "aborted",
            "Can't request a reverse of app-42: move `7a0c1234` of app-42 was aborted and app-42 "
            "stayed in us-east-1, so there is nothing to reverse. Nothing was requested.",
        ),
        (
            "failed",
            "Can't request a reverse of app-42: move `7a0c1234` of app-42 failed and needs "
            "manual review; only a completed move can be reversed. Nothing was requested.",
        ),
    ],
)
def test_reverse_only_once_completed(step: str, message: str) -> None:
    assert refusal("reverse", current_step=step, replica_state=None) == message


def test_teardown_only_once_completed() -> None:
    assert refusal("teardown", current_step="copying_blobs", replica_state=None) == (
        "Can't request a teardown of app-42's replica: move `7a0c1234` of app-42 is not "
        "completed yet (Copying blobs), so there is no replica to tear down yet. "
        "Nothing was requested."
    )


def test_never_once_the_app_is_back_in_the_source_region() -> None:
    # a fast reverse outside the bot: the server still says `replicating`
    back = {"app_region": "us-east-1"}
    assert refusal("teardown", **back) == (
        "Can't request a teardown of app-42's replica: app-42 is served from us-east-1 again "
        "(its current region), so the replica there is its live database. Nothing was requested."
    )
    assert refusal("reverse", **back) == (
        "Can't request a reverse of app-42: app-42 is already served from us-east-1 again (its "
        "current region), so there is nothing to reverse. Nothing was requested."
    )


def test_never_after_a_reverse_the_bot_knows_of() -> None:
    # even when GET /apps could not say where the app is
    known = {"reversed_by": REV, "app_region": None}
    assert refusal("teardown", **known) == (
        "Can't request a teardown of app-42's replica: it was reversed (the move back "
        "`5e5e5e5e` took app-42 back to us-east-1), so the replica there is app-42's live "
        "database now. Nothing was requested."
    )
    assert refusal("reverse", **known) == (
        "Can't request a reverse of app-42: it was already reversed: the move back "
        "`5e5e5e5e` took app-42 back to us-east-1. Nothing was requested."
    )


def test_never_without_a_retained_replica() -> None:
    gone = {"replica_state": "torn_down", "torn_down_at": at(20)}
    assert refusal("reverse", **gone) == (
        "Can't request a reverse of app-42: the replica in us-east-1 was torn down at "
        "10:20 UTC, so reverse is no longer possible. Nothing was requested."
    )
    assert refusal("teardown", **gone) == (
        "Can't request a teardown of app-42's replica: the replica in us-east-1 is already "
        "torn down at 10:20 UTC. Nothing was requested."
    )
    assert refusal("reverse", replica_state="none") == (
        "Can't request a reverse of app-42: no replica was kept in us-east-1, so "
        "reverse is not possible. Nothing was requested."
    )
    assert refusal("teardown", replica_state="none") == (
        "Can't request a teardown of app-42's replica: no replica was kept in "
        "us-east-1, so there is nothing to tear down. Nothing was requested."
    )
    assert refusal("reverse", replica_state=None) == (
        "Can't request a reverse of app-42: Butterbase reports no replica kept for it "
        "(replica state: none reported). Nothing was requested."
    )


def test_teardown_waits_for_the_soak_and_says_how_long() -> None:
    hour = 3600.0
    assert refusal("teardown", soak=hour, now=at(20)) == (
        "Too soon to tear down app-42's replica: eu-west-1 has been serving for only 20m. "
        "Ask again in 40m (teardown waits 1h after completion). Nothing was requested."
    )
    assert refusal("teardown", soak=hour, now=at(60)) is None
    assert refusal("reverse", soak=hour, now=at(1)) is None  # the soak is for teardown only


def test_the_replica_list_gives_reasons_instead_of_buttons() -> None:
    r = SourceReplica(
        migration_id=MID,
        app_id="app-42",
        source_region="us-east-1",
        dest_region="eu-west-1",
        completed_at=T0,
        estimated_monthly_cost_usd=None,
    )
    ok = approvals.replica_target(r, app_region="eu-west-1", reversed_by=None)
    assert approvals.listing_block(ok, now=at(90), soak=0) is None
    back = approvals.replica_target(r, app_region="us-east-1", reversed_by=None)
    assert approvals.listing_block(back, now=at(90), soak=0) == (
        "App-42 is served from us-east-1 again (its current region), so the replica there is its "
        "live database."
    )
    assert approvals.listing_block(ok, now=at(10), soak=3600) == (
        "Too soon: a teardown may be requested in 50m."
    )


# --- does the request still hold ----------------------------------------------------


def test_a_request_holds_when_nothing_changed() -> None:
    assert approvals.void_reason(request(), target()) is None


def test_void_when_torn_down_by_someone_else() -> None:
    assert approvals.void_reason(request(), target(replica_state="torn_down")) == (
        "the replica in us-east-1 was torn down, so reverse is no longer possible"
    )
    assert approvals.void_reason(request("teardown"), target(replica_state="torn_down")) == (
        "the replica in us-east-1 is already torn down"
    )


def test_void_when_no_longer_completed_or_already_back() -> None:
    assert approvals.void_reason(request("teardown"), target(app_region="us-east-1")) == (
        "app-42 is served from us-east-1 again (its current region), so the replica there is its "
        "live database"
    )
    assert "not completed yet" in str(
        approvals.void_reason(request(), target(current_step="copying_blobs"))
    )


def test_void_when_a_move_is_running() -> None:
    assert (
        approvals.void_reason(request(), target(active_move=REV, active_is_reverse=True))
        == "a reverse of it is already running (`5e5e5e5e`)"
    )
    assert approvals.void_reason(request("teardown"), target(active_move=REV)) == (
        "a move of app-42 is in flight (`5e5e5e5e`)"
    )


def test_void_when_the_app_moved_since_the_request() -> None:
    assert approvals.void_reason(request("teardown"), target(app_region="ap-south-1")) == (
        "app-42 moved from eu-west-1 to ap-south-1 since the request"
    )
    assert approvals.void_reason(request(), target(app_region="ap-south-1")) == (
        "app-42 is served from ap-south-1 now, not from eu-west-1 where this move took it: "
        "reversing this one would serve stale data"
    )


def test_void_when_another_request_already_executed() -> None:
    done = request("teardown", "executed", approval_id="ap-0002-zzz", requester="U_APP2")
    assert approvals.void_reason(request(), target(), others=[request(), done]) == (
        "the teardown requested by <@U_APP2> was already approved (request `ap-0002-`)"
    )
    denied = request("teardown", "denied", approval_id="ap-0003")
    assert approvals.void_reason(request(), target(), others=[denied]) is None


def test_snapshot_binds_what_matters() -> None:
    snap = target(reversed_by=None).snapshot()
    assert snap == {
        "migration_id": MID,
        "app_id": "app-42",
        "current_step": "completed",
        "replica_state": "replicating",
        "source_region": "us-east-1",
        "dest_region": "eu-west-1",
        "completed_at": "2026-11-30T10:00:00+00:00",
        "app_region": "eu-west-1",
        "reversed_by": None,
        "later": None,
    }


# --- the other words -----------------------------------------------------------------


def test_other_messages() -> None:
    assert approvals.wrong_app_id("app-42") == (
        "That is not the app id. Type app-42 exactly to confirm the teardown."
    )
    assert approvals.directory_failed(
        "I couldn't read the members of <!subteam^S1> from Slack (missing_scope)."
    ) == (
        "I couldn't read the members of <!subteam^S1> from Slack (missing_scope). I can't tell "
        "whether you may decide, so nothing was recorded; try again in a minute."
    )
    a = request("teardown", decisions=[approve("U_APP1", 3)], required=2)
    assert approvals.already_requested(a, "https://x/p1") == (
        "A teardown of app-42's replica was already requested by <@U_REQ> at 10:00 UTC and is "
        "waiting for approval (1 of 2). <https://x/p1|See the request>."
    )
    assert said.denied_message(a) == (
        "You denied a teardown of app-42's replica. The request is closed and nothing was done."
    )


# --- text from Butterbase and people is shown, never interpreted ------------------

EVIL = "<!channel> <https://evil.example|click>"
EVIL_SHOWN = "&lt;!channel&gt; &lt;https://evil.example|click&gt;"


def test_approval_thread_texts_escape_app_ids_regions_and_reasons() -> None:
    evil = request(
        app_id=EVIL,
        snapshot=target(app_id=EVIL, source_region=EVIL).snapshot(),
        decisions=[approve("U_APP1", 1)],
    )
    reason = f"409 {EVIL} (requested by <@U_REQ>)"
    texts = [
        said.thread_failed(evil, reason),
        said.thread_voided(evil, reason),
        said.failed_message(evil, reason),
        said.voided_message(reason),
        said.thread_reversed(evil, REV, "fast"),
        said.thread_torn_down(evil),
        said.executed_message(request("teardown", app_id=EVIL), new_migration=None, path=None),
        said.denied_message(evil),
        said.requested_message(evil),
        approvals.closed_message(request(status="voided", reason=reason)),
        approvals.request_refusal(
            "reverse", target(app_id=EVIL, replica_state="none"), now=at(0), soak=0
        ),
    ]
    for text in texts:
        assert "<!channel>" not in text and "<https://" not in text, text
        assert EVIL_SHOWN in text, text
    assert "<@U_REQ>" in said.thread_voided(evil, reason)  # the bot's own mention stays live


# --- only approvals of current approvers count (N of M) -----------------------------


def test_an_approval_by_someone_removed_from_the_group_no_longer_counts() -> None:
    a = request(required=2, decisions=[approve("U_GONE", 1), approve("U_APP1", 2)])
    before = Approvers(group="S1", group_members=frozenset({"U_GONE", "U_APP1"}))
    now = Approvers(group="S1", group_members=frozenset({"U_APP1"}))
    assert approvals.approvals_missing(a, before) == 0
    assert approvals.approvals_missing(a, now) == 1
    assert said.recorded_message(a, now) == (
        "Your approval is recorded (1 of 2; the approval by <@U_GONE> no longer counts: "
        "not an approver any more): 1 more approval from another approver needed."
    )
