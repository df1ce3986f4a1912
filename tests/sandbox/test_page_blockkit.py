"""The page's Block Kit renderer on the bot's REAL cards, replies and modals: nothing the
bot can produce shows an "unsupported block", buttons keep their ids, mrkdwn is
converted and whatever came from a person or an API stays text."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot import replies, steps
from bot.models import SourceReplica
from bot.render import (
    render_approval_closed,
    render_approval_request,
    render_card,
    render_channel_overview,
    render_replicas,
    render_status_private,
    render_teardown_modal,
)
from bot.tracking import Milestone, RetryStarted, StepsAdvanced, Stuck
from handlers.commands.migrate import region_picker
from sandbox.page.blockkit import render_blocks, render_message
from sandbox.page.mrkdwn import EMOJI, Names
from storage.records import Approval, Decision, StepRecord, TrackedMigration

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
NOW = T0 + timedelta(minutes=30)
MID = "7a0c1234-aaaa-bbbb-cccc-000000000001"
SCRIPT = "<script>alert('x')</script>"
NAMES = Names(
    users={"U_REQ": "Riley Requester", "U_APP1": "Ada Approver", "U_APP2": "Grace Approver"},
    channels={"C1": "migrations"},
    groups={"S_ONCALL": "oncall"},
)
EXPECTED = {s: info.expected_seconds for s, info in steps.STEPS.items()}
STATUSES = ("pending", "executing", "executed", "failed", "denied", "expired", "voided")
SHORTCODE = re.compile(r":([a-z][a-z0-9_+\-]*):")


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def migration(step: str, **kw: Any) -> TrackedMigration:
    flow = list(steps.HAPPY_PATH)
    seen = flow[: flow.index(step) + 1] if step in flow else [*flow[:5], step]
    fields: dict[str, Any] = {
        "migration_id": MID,
        "app_id": "app-42",
        "source_region": "us-east-1",
        "dest_region": "eu-west-1",
        "channel_id": "C1",
        "requester": "U_REQ",
        "created_at": T0,
        "updated_at": at(len(seen)),
        "current_step": step,
        "seen_steps": seen,
        "step_started_at": at(len(seen) - 1),
        "card_version": 3,
    }
    fields.update(kw)
    return TrackedMigration(**fields)


def history(m: TrackedMigration) -> list[StepRecord]:
    return [
        StepRecord(
            migration_id=m.migration_id,
            step=s,
            started_at=at(i),
            ended_at=None if s == m.current_step else at(i + 1),
            outcome=None if s == m.current_step else "done",
        )
        for i, s in enumerate(m.seen_steps)
    ]


def approval(kind: str, status: str = "pending", **kw: Any) -> Approval:
    fields: dict[str, Any] = {
        "approval_id": "ap-0001-xyz",
        "kind": kind,
        "migration_id": MID,
        "app_id": "app-42",
        "channel_id": "C1",
        "requester": "U_REQ",
        "requested_at": at(20),
        "expires_at": at(50),
        "status": status,
        "required": 1,
    }
    fields.update(kw)
    return Approval(**fields)


def action_ids(blocks: list[dict[str, Any]]) -> list[str]:
    found = []
    for block in blocks:
        elements = list(block.get("elements") or [])
        elements += [block[k] for k in ("accessory", "element") if isinstance(block.get(k), dict)]
        found += [str(e["action_id"]) for e in elements if "action_id" in e]
    return found


def texts_of(obj: Any) -> list[str]:
    """Every `text` string anywhere in `obj` (not ids or values)."""
    if isinstance(obj, list):
        return [t for item in obj for t in texts_of(item)]
    if not isinstance(obj, dict):
        return []
    found = [obj["text"]] if isinstance(obj.get("text"), str) else []
    return found + [t for v in obj.values() if isinstance(v, dict | list) for t in texts_of(v)]


def check(blocks: list[dict[str, Any]], text: str = "", *, quoted: bool = False) -> str:
    """Render and apply the checks every message must pass; returns the HTML."""
    html = render_message(text, blocks, NAMES)
    assert "bk-unsupported" not in html and "unsupported" not in html, html
    for action_id in action_ids(blocks):
        assert f'data-action-id="{action_id}"' in html
    assert "<script" not in html
    raw = "\n".join([*texts_of(blocks), text])
    unknown = set(SHORTCODE.findall(raw)) - set(EMOJI)
    assert not unknown, f"emoji the page cannot show: {unknown}"
    for code in SHORTCODE.findall(raw):
        assert f":{code}:" not in html or code not in EMOJI
    assert "<@U" not in html
    if not quoted:  # the bot's own mentions became names (a quoted one stays text)
        assert "&lt;@U" not in html
    return html


CARD_STEPS = [*steps.ALL_ORDERED, "aborting", "aborted", "failed"]


@pytest.mark.parametrize("step", CARD_STEPS)
def test_every_step_of_the_status_card_renders(step: str) -> None:
    m = migration(step, last_error="boom" if step in ("failed", "aborting") else None)
    card = render_card(m, history(m), now=NOW, expected=EXPECTED)
    html = check(card.blocks, card.text)
    assert 'class="bk-header"' in html
    assert "@Riley Requester" in html
    assert f'data-block-id="card_actions:{MID}:3"' in html


def test_card_buttons_keep_their_ids_values_and_confirm_dialogs() -> None:
    m = migration("dumping_data")
    card = render_card(m, history(m), now=NOW, expected=EXPECTED)
    html = check(card.blocks)
    assert 'data-action-id="migration_abort"' in html
    assert f'data-value="{MID}"' in html
    assert 'class="bk-button bk-danger"' in html
    assert "data-confirm=" in html and "Abort the move of app-42?" in html
    assert "Keep going" in html


def test_failed_card_escapes_the_error_text() -> None:
    m = migration("failed", last_error=f"replication {SCRIPT} & <@U_REQ> *stars*")
    card = render_card(m, history(m), now=NOW, expected=EXPECTED)
    html = check(card.blocks, card.text, quoted=True)
    assert "replication &lt;script&gt;alert('x')&lt;/script&gt; &amp; &lt;@U_REQ&gt;" in html
    assert "🚨" in html  # :rotating_light:
    assert "Needs manual review" in html


def test_retrying_card() -> None:
    m = migration("copying_blobs", retry_count=2, last_error="blob copy timed out")
    html = check(render_card(m, history(m), now=NOW, expected=EXPECTED).blocks)
    assert "🔁" in html and "attempt 2 of 5" in html


def test_aborted_with_writes_paused() -> None:
    m = migration("aborted", last_error="user_requested", writes_paused_after_abort=True)
    html = check(
        render_card(m, history(m), now=NOW, expected=EXPECTED, app_writes_paused=True).blocks
    )
    assert "Writes still paused" in html and "⚠️" in html


@pytest.mark.parametrize("replica", ["replicating", "none", "torn_down"])
def test_completed_card_with_each_replica_state(replica: str) -> None:
    m = migration(
        "completed",
        replica_state=replica,
        completed_at=at(12),
        torn_down_at=at(40) if replica == "torn_down" else None,
    )
    card = render_card(m, history(m), now=NOW, expected=EXPECTED, replica_cost=42.5)
    html = check(card.blocks)
    assert "Completed at 10:12 UTC" in html
    if replica == "replicating":
        assert 'data-action-id="migration_request_teardown"' in html
        assert 'data-action-id="migration_request_reverse"' in html
    else:
        assert "migration_request_teardown" not in html


@pytest.mark.parametrize("kind", ["reverse", "teardown"])
def test_approval_request_cards(kind: str) -> None:
    m = migration("completed", replica_state="replicating", completed_at=at(12))
    a = approval(kind, decisions=[])
    card = render_approval_request(
        a,
        now=NOW,
        approver_mentions="<@U_APP1> <@U_APP2>",
        migration=m,
        replica_cost=42.5,
    )
    html = check(card.blocks, card.text)
    assert 'data-action-id="approval_approve"' in html and 'data-action-id="approval_deny"' in html
    assert "bk-primary" in html and "bk-danger" in html
    assert "@Ada Approver" in html and "@Grace Approver" in html


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("kind", ["reverse", "teardown"])
def test_approval_closed_cards_in_every_status(kind: str, status: str) -> None:
    decisions = [Decision(user="U_APP1", decision="approve", at=at(25))]
    if status == "denied":
        decisions = [Decision(user="U_APP2", decision="deny", at=at(25))]
    a = approval(
        kind,
        status,
        decisions=decisions,
        reason=f"refused: {SCRIPT}" if status in ("failed", "voided", "denied") else None,
        result={"migration_id": "9f9f9f9f-0000", "path": "fast"} if status == "executed" else {},
        closed_at=at(26),
    )
    m = migration("completed", replica_state="replicating", completed_at=at(12))
    card = render_approval_closed(a, now=NOW, migration=m)
    html = check(card.blocks, card.text)
    assert "<b>" in html  # the first line is bold


def test_teardown_modal_renders_its_input_with_errors() -> None:
    view = render_teardown_modal(approval("teardown"), replica_cost=42.5, source_region="us-east-1")
    errors = {"teardown_confirm_app": "That is not app-42: type it exactly."}
    html = render_blocks(view["blocks"], NAMES, errors=errors)
    assert "bk-unsupported" not in html
    assert 'name="teardown_confirm_app/teardown_confirm_input"' in html
    assert "Type app-42 to confirm" in html
    assert 'role="alert">That is not app-42: type it exactly.</div>' in html
    assert "<b>This cannot be undone.</b>" in html


def test_channel_overview_and_replica_listings() -> None:
    running = [migration("restoring_data"), migration("copying_blobs", migration_id="b" * 36)]
    replicas = [
        SourceReplica(
            migration_id=MID,
            app_id="app-42",
            source_region="us-east-1",
            dest_region="eu-west-1",
            completed_at=at(10),
            estimated_monthly_cost_usd=42.5,
        ),
        SourceReplica(
            migration_id="c" * 36,
            app_id="blog",
            source_region="us-east-1",
            dest_region="eu-west-1",
            estimated_monthly_cost_usd=None,
        ),
    ]
    overview = render_channel_overview(running, replicas, now=NOW)
    check(overview.blocks, overview.text)
    check(render_channel_overview([], [], now=NOW).blocks)
    listing = render_replicas(
        replicas, now=NOW, blocked={"c" * 36: f"Waiting for <@U_APP1> {SCRIPT}"}
    )
    html = check(listing.blocks, listing.text)
    assert html.count('data-action-id="migration_request_teardown"') == 1
    check(render_replicas([], now=NOW).blocks)


def test_private_status_and_region_picker() -> None:
    m = migration("completed", replica_state="replicating", completed_at=at(12))
    status = render_status_private(
        m, history(m), now=NOW, expected=EXPECTED, approvals=[approval("teardown", "executed")]
    )
    assert 'data-action-id="status_share"' in check(status.blocks, status.text)
    picker = region_picker("app-42", ["us-east-1", "eu-west-1", "ap-southeast-1"], "us-east-1")
    html = check(picker["blocks"], picker["text"])
    assert '<select class="bk-select" data-action-id="migrate_pick_region"' in html
    assert 'value="app-42|eu-west-1"' in html and 'value="app-42|us-east-1"' not in html


def _events() -> list[Any]:
    return [
        StepsAdvanced(
            done=["reserving_dest", "blocking_writes"],
            now_at="dumping_data",
            offline=False,
            durations={"reserving_dest": 20.0},
        ),
        StepsAdvanced(
            done=["copying_blobs"],
            now_at="copying_runtime",
            offline=True,
            recovered_from="copying_blobs",
        ),
        StepsAdvanced(done=["unblocking_writes"], now_at="completed", offline=False),
        RetryStarted(step="copying_blobs", error=f"timed out {SCRIPT}", retry_count=2),
        Stuck(step="restoring_data", elapsed=3000, expected=420, failing=False),
        Stuck(step="setting_up_reverse_replication", elapsed=300, expected=90, failing=True),
        Milestone(kind="cutover"),
        Milestone(kind="completed"),
        Milestone(kind="aborted", user_requested=True),
        Milestone(kind="aborted", error=SCRIPT),
        Milestone(kind="failed", error="slot & <stuff>"),
    ]


@pytest.mark.parametrize("event", _events(), ids=lambda e: type(e).__name__)
def test_thread_replies_render_as_text(event: Any) -> None:
    m = migration("dumping_data", replica_state="replicating")
    reply = replies.reply_for(event, m, oncall_group="S_ONCALL")
    html = check([], reply.text)
    assert "<script" not in html
    if "<!subteam^S_ONCALL>" in reply.text:
        assert "@oncall" in html


def test_other_thread_texts() -> None:
    m = migration("completed", completed_at=at(12))
    texts = [
        replies.summary(
            m,
            history(m),
            [
                approval(
                    "teardown",
                    "executed",
                    decisions=[Decision(user="U_APP1", decision="approve", at=at(25))],
                )
            ],
            now=NOW,
        ).text,
        replies.outage(f"503 {SCRIPT}").text,
        replies.outage_over(75).text,
        replies.not_found(m).text,
        replies.writes_still_paused(m, "S_ONCALL").text,
        replies.writes_resumed(m).text,
    ]
    for text in texts:
        html = check([], text)
        assert "bk-text" in html
    assert "Summary · app-42" in render_message(texts[0], None, NAMES)


def test_an_unknown_block_shows_a_placeholder() -> None:
    html = render_blocks(
        [
            {"type": "rich_text", "elements": []},
            {"type": "section", "text": {"type": "mrkdwn", "text": "ok"}},
        ]
    )
    assert 'class="bk-unsupported"' in html and "unsupported block: rich_text" in html
    assert ">ok<" in html
