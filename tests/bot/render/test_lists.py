"""Private status, the channel overview and the retained replicas."""

import pytest

from bot import ids
from bot.models import SourceReplica
from bot.render import render_channel_overview, render_replicas, render_status_private
from tests.bot.render.builders import (
    MID,
    approval,
    approve,
    at,
    buttons,
    check_limits,
    deny,
    history,
    migration,
    sections,
)

NOW = at(3 * 24 * 60 + 4 * 60 + 10)  # 3d 4h after the replicas completed at 10:10


def replica(i: int, cost: float | None = 42.5) -> SourceReplica:
    return SourceReplica(
        migration_id=f"{i:08d}-0000-0000-0000-000000000000",
        app_id=f"app-{i}",
        source_region="us-east-1",
        dest_region="eu-west-1",
        completed_at=at(10),
        estimated_monthly_cost_usd=cost,
    )


def running(i: int):
    return migration(
        "copying_blobs",
        migration_id=f"{i:08d}-1111-0000-0000-000000000000",
        app_id=f"app-{i}",
        created_at=NOW.replace(minute=0),
    )


def test_private_status_has_only_the_share_button_and_the_approvals():
    m = migration("completed", completed_at=at(10), replica_state="replicating")
    approvals = [
        approval("teardown", decisions=[approve("U_APP1", 21)]),
        approval("reverse", "denied", approval_id="ap-2", decisions=[deny("U_APP2", 25)]),
    ]
    msg = render_status_private(
        m, history(m), now=at(30), expected={}, approvals=approvals, replica_cost=12
    )
    check_limits(msg)
    assert msg.text.startswith("app-42 · us-east-1 → eu-west-1 · Completed")
    assert list(buttons(msg)) == ["Share in channel"]
    share = buttons(msg)["Share in channel"]
    assert share["action_id"] == ids.SHARE_STATUS and share["value"] == MID
    text = sections(msg)
    assert "Teardown of app-42's replica in us-east-1, requested by <@U_REQ> at 10:20 UTC" in text
    assert "waiting for approval (1 of 2)" in text
    assert "Replica kept in us-east-1 (est. $12.00/month)" in text
    assert "Denied by <@U_APP2> at 10:25 UTC" in text


def test_overview_empty():
    msg = render_channel_overview([], [], now=NOW)
    check_limits(msg)
    assert msg.text == "Nothing running in this channel."
    assert sections(msg) == "Nothing running in this channel."


def test_overview_lists_running_moves_and_replicas():
    done = migration("completed", migration_id="done-0000")
    msg = render_channel_overview(
        [running(1), running(2), done, running(3)], [replica(7), replica(8, None)], now=NOW
    )
    check_limits(msg)
    assert msg.text == "3 moves running in this channel · 2 replicas"
    text = sections(msg)
    assert "*Running in this channel* (3)" in text
    assert "• *app-1* · us-east-1 → eu-west-1 · Copying blobs · 10m · 00000001" in text
    assert "done-000" not in text
    assert (
        "• *app-7* · us-east-1 → eu-west-1 · kept for 3d 4h · est. $42.50/month · 00000007" in text
    )
    assert "est. unknown" in text
    assert "2 replicas · est. $42.50/month in total, plus 1 with unknown cost" in text


def test_overview_with_only_replicas():
    msg = render_channel_overview([], [replica(1)], now=NOW)
    assert msg.text == "Nothing running in this channel · 1 replica"
    assert "Nothing running in this channel." in sections(msg)


@pytest.mark.parametrize("n", [0, 3, 200])
def test_overview_stays_small(n):
    msg = render_channel_overview(
        [running(i) for i in range(n)], [replica(i) for i in range(n)], now=NOW
    )
    check_limits(msg)
    if n == 200:
        text = sections(msg)
        assert "and 160 more" in text and "and 195 more" in text
        assert "*Running in this channel* (200)" in text


def test_replicas_empty():
    msg = render_replicas([], now=NOW)
    check_limits(msg)
    assert msg.text == "No replicas kept."
    assert sections(msg) == "No replicas kept."


def test_replicas_each_with_a_teardown_button_unless_blocked():
    replicas = [replica(1), replica(2, None), replica(3, 10)]
    blocked = {replicas[2].migration_id: "a teardown is already requested by <@U_X>"}
    msg = render_replicas(replicas, now=NOW, blocked=blocked)
    check_limits(msg)
    assert msg.text == "3 replicas · est. $52.50/month in total, plus 1 with unknown cost"
    rows = [b for b in msg.blocks if b["type"] == "section"][1:]
    assert rows[0]["accessory"]["action_id"] == ids.REQUEST_TEARDOWN
    assert rows[0]["accessory"]["value"] == replicas[0].migration_id
    assert rows[0]["accessory"]["text"]["text"] == "Request teardown"
    assert "est. unknown" in rows[1]["text"]["text"]
    assert "accessory" not in rows[2]
    assert ":no_entry: a teardown is already requested by <@U_X>" in rows[2]["text"]["text"]


def test_replicas_all_costs_unknown():
    msg = render_replicas([replica(1, None)], now=NOW)
    assert msg.text == "1 replica · est. cost unknown"
    assert "$0" not in sections(msg)


@pytest.mark.parametrize("n", [3, 200])
def test_replicas_are_capped(n):
    msg = render_replicas([replica(i) for i in range(n)], now=NOW)
    check_limits(msg)
    accessories = [b["accessory"]["value"] for b in msg.blocks if "accessory" in b]
    assert len(accessories) == min(n, 45)
    assert accessories[0] == "00000000-0000-0000-0000-000000000000"
    if n == 200:
        assert "and 155 more" in sections(msg)
        assert msg.text == "200 replicas · est. $8,500.00/month in total"


def test_a_zero_cost_is_unknown_in_the_list_and_the_total():
    # the published server sends 0 for every move; a 0 reaching the renderer is unknown too
    zero = replica(1).model_copy(update={"estimated_monthly_cost_usd": 0.0})
    msg = render_replicas([zero], now=NOW)
    assert msg.text == "1 replica · est. cost unknown"
    assert "$0" not in sections(msg) and "est. unknown" in sections(msg)


def test_the_live_primary_after_a_reverse_is_not_counted_as_a_retained_replica():
    live, kept = replica(1, 0.6), replica(2, 10)
    msg = render_replicas([live, kept], now=NOW, live={live.migration_id})
    check_limits(msg)
    assert msg.text == "1 replica · est. $10.00/month in total"
    rows = [b for b in msg.blocks if b["type"] == "section"][1:]
    assert "live primary again" in rows[0]["text"]["text"]
    assert "no replica is kept there" in rows[0]["text"]["text"]
    assert "accessory" not in rows[0]  # no teardown button on the live database
    assert rows[1]["accessory"]["value"] == kept.migration_id


def test_the_overview_names_the_live_primary_and_counts_no_replica():
    live = replica(1, 0.6)
    msg = render_channel_overview([], [live], now=NOW, live={live.migration_id})
    check_limits(msg)
    assert "retained replica" not in msg.text
    assert "$0.60" not in sections(msg)
    assert "us-east-1 is the app's live primary again" in sections(msg)
