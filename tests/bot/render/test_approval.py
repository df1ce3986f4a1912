"""Approval request cards, their closed forms and the teardown modal."""

import pytest
from slack_sdk.models.views import View

from bot import ids
from bot.render import render_approval_closed, render_approval_request, render_teardown_modal
from tests.bot.render.builders import (
    MID,
    actions_block,
    approval,
    approve,
    at,
    buttons,
    check_limits,
    deny,
    migration,
    sections,
)

DONE = migration("completed", completed_at=at(10), replica_state="replicating")


def request(a, *, m=DONE, cost=42.5, healthy=2 * 3600 + 300, mentions="<@U_APP1> <@U_APP2>"):
    msg = render_approval_request(
        a,
        now=at(22),
        approver_mentions=mentions,
        migration=m,
        replica_cost=cost,
        healthy_for_seconds=healthy,
    )
    check_limits(msg)
    return msg


def closed(a, m=DONE):
    msg = render_approval_closed(a, now=at(45), migration=m)
    check_limits(msg)
    assert buttons(msg) == {}
    assert not [b for b in msg.blocks if b["type"] == "actions"]
    return msg


def test_teardown_request_says_what_is_lost():
    msg = request(approval("teardown", decisions=[approve("U_APP1", 21)]))
    assert msg.text.startswith(
        "Approval needed: teardown of app-42's replica in us-east-1 — requested by <@U_REQ>"
    )
    assert "<@U_APP1> <@U_APP2>" in msg.text  # the approvers are notified
    text = sections(msg)
    assert (
        "Deletes the source replica in us-east-1. Saves est. $42.50/month. "
        "Reverse will no longer be possible. This cannot be undone."
    ) in text
    assert "*Asked by* <@U_REQ> at 10:20 UTC (2m ago)" in text
    assert "completed at 10:10 UTC · destination eu-west-1 healthy for 2h 5m" in text
    assert "*Expires* at 10:50 UTC (in 28m)" in text
    assert "*Approvals* 1 of 2 approvals: <@U_APP1>" in text


def test_teardown_request_with_unknown_cost_and_health():
    text = sections(request(approval("teardown"), cost=None, healthy=None))
    assert "est. cost unknown" in text and "$0" not in text
    assert "destination eu-west-1 health not known" in text
    assert "0 of 2 approvals so far" in text


def test_teardown_buttons_approve_without_confirm_deny_with_confirm():
    a = approval("teardown", card_version=2)
    msg = request(a)
    found = buttons(msg)
    assert list(found) == ["Approve", "Deny"]
    assert found["Approve"]["style"] == "primary" and "confirm" not in found["Approve"]
    assert found["Approve"]["action_id"] == ids.APPROVE
    assert found["Deny"]["style"] == "danger" and found["Deny"]["action_id"] == ids.DENY
    assert found["Deny"]["confirm"]["title"]["text"] == "Deny this teardown?"
    assert all(b["value"] == a.approval_id for b in found.values())
    assert actions_block(msg)["block_id"] == "approval_actions:ap-0001-xyz:2"
    assert actions_block(request(a.model_copy(update={"card_version": 3})))["block_id"].endswith(
        ":3"
    )


def test_reverse_request_confirms_the_approval():
    msg = request(approval("reverse"))
    assert msg.text.startswith("Approval needed: reverse of app-42 to us-east-1 — requested by")
    assert "Moves app-42 back to us-east-1. Replica retained: yes" in sections(msg)
    approve_button = buttons(msg)["Approve"]
    assert approve_button["confirm"]["title"]["text"] == "Reverse app-42 to us-east-1?"


def test_reverse_request_without_replica_and_with_an_error():
    m = DONE.model_copy(update={"replica_state": "none", "last_error": "lag <high>"})
    text = sections(request(approval("reverse"), m=m))
    assert "Replica retained: no" in text
    assert "*Last error* lag &lt;high&gt;" in text


def test_request_for_a_migration_the_bot_does_not_know():
    a = approval("teardown", snapshot={"source_region": "ap-south-1"})
    text = sections(request(a, m=None))
    assert "teardown of app-42's replica in ap-south-1" in text
    assert f"*Migration* {MID[:8]}: not known to the bot" in text


@pytest.mark.parametrize(
    ("a", "line"),
    [
        (
            approval("teardown", "executing", decisions=[approve("U_APP1", 30)]),
            "Teardown of app-42's replica in us-east-1: Approved by <@U_APP1> at 10:30 UTC — running…",
        ),
        (
            approval("teardown", "executed", decisions=[approve("U_APP1", 32)]),
            "Teardown of app-42's replica in us-east-1: Approved by <@U_APP1> at 10:32 UTC"
            " · teardown done: replica torn down",
        ),
        (
            approval(
                "reverse",
                "executed",
                decisions=[approve("U_APP1", 31), approve("U_APP2", 32)],
                result={"migrationId": "5e5e5e5e-0000-1111", "path": "fast"},
            ),
            "Reverse of app-42 to us-east-1: Approved by <@U_APP1> and <@U_APP2> at 10:32 UTC"
            " · reverse started: 5e5e5e5e (fast path)",
        ),
        (
            approval("teardown", "denied", decisions=[deny("U_APP2", 33)], reason="not yet"),
            "Teardown of app-42's replica in us-east-1: Denied by <@U_APP2> at 10:33 UTC: not yet",
        ),
        (
            approval("reverse", "expired"),
            "Reverse of app-42 to us-east-1: Expired at 10:50 UTC — no decision was made",
        ),
        (
            approval("teardown", "voided", reason="the replica was torn down <elsewhere>"),
            "Teardown of app-42's replica in us-east-1: Voided: the replica was torn down &lt;elsewhere&gt;",
        ),
        (
            approval(
                "teardown",
                "failed",
                decisions=[approve("U_APP1", 34)],
                reason="cannot teardown replica in state none",
            ),
            "Teardown of app-42's replica in us-east-1: Approved by <@U_APP1> at 10:34 UTC"
            " but Butterbase refused: cannot teardown replica in state none",
        ),
    ],
)
def test_closed_requests_say_what_became_of_them(a, line):
    msg = closed(a)
    assert msg.text == line
    assert msg.blocks[0]["text"]["text"] == f"*{line}*"
    assert "Requested by <@U_REQ> at 10:20 UTC." in sections(msg)


def test_reverse_id_falls_back_to_the_migration():
    m = DONE.model_copy(update={"reversed_by": "abcdef12-9999"})
    msg = closed(approval("reverse", "executed", decisions=[approve("U_APP1", 31)]), m)
    assert msg.text.endswith("reverse started: abcdef12")


def test_teardown_modal():
    view = render_teardown_modal(approval("teardown"), replica_cost=42.5, source_region="us-east-1")
    assert view["type"] == "modal"
    assert view["callback_id"] == ids.TEARDOWN_CONFIRM_VIEW
    assert view["private_metadata"] == "ap-0001-xyz"
    assert view["submit"]["text"] == "Tear down" and view["close"]["text"] == "Cancel"
    explain, ask = view["blocks"]
    assert "deletes the source replica of *app-42* in *us-east-1*" in explain["text"]["text"]
    assert "Saves est. $42.50/month" in explain["text"]["text"]
    assert "This cannot be undone" in explain["text"]["text"]
    assert ask["type"] == "input" and ask["block_id"] == ids.TEARDOWN_CONFIRM_BLOCK
    assert ask["element"]["action_id"] == ids.TEARDOWN_CONFIRM_INPUT
    assert ask["label"]["text"] == "Type app-42 to confirm"
    View(**view).validate_json()


def test_teardown_modal_unknown_cost():
    view = render_teardown_modal(approval("teardown"), replica_cost=None, source_region="us-east-1")
    assert "Cost saved: unknown." in view["blocks"][0]["text"]["text"]
