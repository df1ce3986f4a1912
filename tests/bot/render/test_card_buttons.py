"""The card's buttons: the ones that fit the phase, and only those; and Slack's limits."""

import pytest

from bot import ids, steps
from bot.render import render_card
from tests.bot.render.builders import (
    FLOW,
    FLOW_KV,
    MID,
    actions_block,
    approval,
    at,
    buttons,
    check_limits,
    history,
    migration,
    sections,
)


def card(m, **kw):
    msg = render_card(m, history(m), now=at(30), expected={}, **kw)
    check_limits(msg)
    return msg


def labels(msg):
    return list(buttons(msg))


@pytest.mark.parametrize("step", [s for s in FLOW_KV if steps.may_abort(s)])
def test_abort_before_cutover(step):
    msg = card(migration(step, flow=FLOW_KV))
    assert labels(msg) == ["Abort", "Refresh"]
    abort = buttons(msg)["Abort"]
    assert abort["style"] == "danger"
    assert abort["action_id"] == ids.ABORT
    assert abort["value"] == MID
    assert abort["confirm"]["title"]["text"] == "Abort the move of app-42?"
    said = abort["confirm"]["text"]["text"]  # the one abort confirmation (bot.render.abort)
    assert "app-42 stays in us-east-1." in said
    assert (
        "Butterbase will not unpause them: they stay paused (503) until someone fixes it." in said
    )


@pytest.mark.parametrize(
    "step", ["flipping_routing", "setting_up_reverse_replication", "unblocking_writes"]
)
def test_never_abort_from_cutover_on(step):
    assert labels(card(migration(step))) == ["Refresh"]


@pytest.mark.parametrize("step", ["aborting", "aborted", "failed", "warming_caches"])
def test_never_abort_when_aborting_ended_or_unknown(step):
    m = migration(step, before=FLOW[:4], last_error="x")
    assert "Abort" not in labels(card(m))
    assert "Request reverse" not in labels(card(m))


def test_completed_with_replica_offers_reverse_and_teardown():
    msg = card(migration("completed", replica_state="replicating"))
    assert labels(msg) == ["Request reverse", "Request teardown", "Refresh"]
    assert buttons(msg)["Request reverse"]["action_id"] == ids.REQUEST_REVERSE
    assert buttons(msg)["Request teardown"]["action_id"] == ids.REQUEST_TEARDOWN
    assert all(b["value"] == MID for b in buttons(msg).values())


@pytest.mark.parametrize(
    "extra",
    [
        {"replica_state": "none"},
        {"replica_state": "torn_down"},
        {"replica_state": None},
        {"replica_state": "replicating", "reversed_by": "9f9f9f9f-0000"},
    ],
)
def test_no_reverse_or_teardown_without_a_retained_replica(extra):
    assert labels(card(migration("completed", **extra))) == ["Refresh"]


def test_an_open_request_hides_its_button():
    m = migration("completed", replica_state="replicating")
    msg = card(m, approvals=[approval("teardown")])
    assert labels(msg) == ["Request reverse", "Refresh"]
    msg = card(m, approvals=[approval("reverse", "executing"), approval("teardown", "denied")])
    assert labels(msg) == ["Request teardown", "Refresh"]
    other = approval("reverse", migration_id="another")
    assert "Request reverse" in labels(card(m, approvals=[other]))


def test_follow_only_when_followable():
    m = migration("copying_blobs", requester=None, adopted=True)
    assert "Follow here" not in labels(card(m))
    follow = buttons(card(m, followable=True))["Follow here"]
    assert follow["action_id"] == ids.FOLLOW and follow["value"] == MID


def test_block_id_changes_with_the_card_version():
    first = actions_block(card(migration("dumping_data", card_version=3)))
    second = actions_block(card(migration("dumping_data", card_version=4)))
    assert first["block_id"] == f"card_actions:{MID}:3"
    assert second["block_id"] == f"card_actions:{MID}:4"
    assert ids.parse_block_id(second["block_id"]) == (ids.CARD_ACTIONS, MID, 4)


def test_huge_error_and_unknown_steps_stay_within_slacks_limits():
    before = [*FLOW[:5], "warming_caches", "priming_cdn", "re-indexing_search_" + "x" * 300]
    m = migration(
        "re-indexing_search_" + "x" * 300,
        before=before[:-1],
        last_error="<boom> " + "e" * 10_000,
        retry_count=4,
        replica_state="replicating",
    )
    msg = card(m, approvals=[approval("teardown")])
    text = sections(msg)
    assert "Now: Re indexing search xxx" in text  # the step it is at, however long its name
    assert "&lt;boom&gt; eee" in text and "…" in text
    assert "e" * 1000 not in text
    assert len(msg.text) <= 3000


def test_every_state_renders_within_limits():
    for step in [*FLOW_KV, "aborting", "aborted", "failed", "something_new"]:
        for version in (0, 7):
            msg = card(migration(step, flow=FLOW_KV, before=FLOW[:3], card_version=version))
            assert msg.text.startswith("app-42 · us-east-1 → eu-west-1 · ")
            assert actions_block(msg)["block_id"].endswith(f":{version}")


def test_a_migration_butterbase_forgot_offers_no_abort_and_says_why() -> None:
    from datetime import UTC, datetime

    from bot import ids
    from bot.render import render_card
    from storage.records import TrackedMigration

    now = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
    m = TrackedMigration(
        migration_id="7a0c1234-0000-4000-8000-000000000000",
        app_id="app-42",
        source_region="us-east-1",
        dest_region="eu-west-1",
        channel_id="C1",
        created_at=now,
        updated_at=now,
        current_step="dumping_data",
        not_found=True,
        polling=False,
    )
    card = render_card(m, [], now=now, expected={})
    text = str(card.blocks)
    assert "Butterbase no longer knows this move (404)" in text
    assert ids.ABORT not in text and ids.REFRESH in text
