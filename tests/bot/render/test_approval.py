"""Approval request cards, their closed forms and the teardown modal."""

import pytest
from slack_sdk.models.views import View

from bot import ids
from bot.render import render_approval_closed, render_approval_request, render_teardown_modal
from bot.render.approval import render_reason_modal
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


def request(a, *, m=DONE, cost=42.5, mentions="<@U_APP1> <@U_APP2>"):
    msg = render_approval_request(
        a,
        now=at(22),
        approver_mentions=mentions,
        migration=m,
        replica_cost=cost,
    )
    check_limits(msg)
    return msg


def closed(a, m=DONE):
    msg = render_approval_closed(a, now=at(45), migration=m)
    check_limits(msg)
    assert buttons(msg) == {}
    assert not [b for b in msg.blocks if b["type"] == "actions"]
    return msg


def test_teardown_request_leads_with_the_question_and_says_what_is_lost():
    a = approval("teardown", decisions=[approve("U_APP1", 21)])
    msg = request(a.model_copy(update={"snapshot": a.snapshot | {"request_reason": "costs"}}))
    # the phone notification: the question first, the mentions at the end, no * or `
    assert msg.text == (
        "Approve teardown of app-42's replica in us-east-1? Reason: costs. "
        "Expires 10:50 UTC (in 28m). Asked by <@U_REQ> · <@U_APP1> <@U_APP2>"
    )
    lines = sections(msg).splitlines()
    assert lines[:6] == [
        "*Approve teardown of app-42's replica in us-east-1?* Asked by <@U_REQ>",
        "*Reason* costs",
        "*Destination* eu-west-1 has served app-42 since 10:10 UTC (12m)",
        "*Lost* the replica in us-east-1 (it has every write made in eu-west-1 since 10:10 UTC); "
        "reverse to us-east-1 no longer possible. Saves est. $42.50/month. Cannot be undone.",
        "*Approvals* 1 of 2 (<@U_APP1>) · approvers: <@U_APP1> <@U_APP2>",
        "*Expires* 10:50 UTC (in 28m)",
    ]
    assert sections(msg).count("<@U_REQ>") == 1  # the requester appears once
    assert "approvals so far" not in sections(msg)  # no doubled words


def test_a_reason_typed_by_a_person_is_escaped_everywhere():
    a = approval("reverse")
    evil = "see <!channel> & *bold* `code` <https://evil.example|here>"
    msg = request(a.model_copy(update={"snapshot": a.snapshot | {"request_reason": evil}}))
    body = sections(msg)
    assert "<!channel>" not in body and "<https://evil" not in body
    assert (
        "*Reason* see &lt;!channel&gt; &amp; *bold* `code` &lt;https://evil.example|here&gt;"
        in body
    )
    assert "<!channel>" not in msg.text and "*" not in msg.text and "`" not in msg.text


def test_teardown_request_with_unknown_cost_and_no_reason():
    msg = request(approval("teardown"), cost=None)
    text = sections(msg)
    assert "est. cost unknown" in text and "$0" not in text
    assert "*Reason* none given" in text and "Reason" not in msg.text
    assert "*Approvals* 0 of 2 · approvers:" in text


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
    assert msg.text.startswith("Approve reverse of app-42 to us-east-1? Expires ")
    assert msg.text.endswith("Asked by <@U_REQ> · <@U_APP1> <@U_APP2>")
    assert (
        "*Lost* no writes: the replica in us-east-1 has every write made in eu-west-1 since "
        "10:10 UTC. app-42 is served from us-east-1 again at once."
    ) in sections(msg)
    approve_button = buttons(msg)["Approve"]
    assert approve_button["confirm"]["title"]["text"] == "Reverse app-42 to us-east-1?"


def test_reverse_request_without_replica_and_with_an_error():
    m = DONE.model_copy(update={"replica_state": "none", "last_error": "lag <high>"})
    text = sections(request(approval("reverse"), m=m))
    assert "no replica is kept in us-east-1: a full move back" in text
    assert "*Last error* lag &lt;high&gt;" in text


def test_request_for_a_migration_the_bot_does_not_know():
    a = approval("teardown", snapshot={"source_region": "ap-south-1"})
    text = sections(request(a, m=None))
    assert "teardown of app-42's replica in ap-south-1" in text
    assert f"*Move* {MID[:8]}: not known to the bot" in text


def test_reason_modal_asks_for_an_optional_reason():
    view = render_reason_modal("reverse", app_id="app-42", metadata='{"k": 1}')
    View(**view).validate_json()
    assert view["callback_id"] == ids.REQUEST_REASON_VIEW and view["private_metadata"] == '{"k": 1}'
    field = view["blocks"][1]
    assert field["block_id"] == ids.REQUEST_REASON_BLOCK and field["optional"] is True
    assert field["element"]["action_id"] == ids.REQUEST_REASON_INPUT
    assert "a reverse of *app-42*" in view["blocks"][0]["text"]["text"]


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
    assert "deletes the replica of *app-42* in *us-east-1*" in explain["text"]["text"]
    assert "Saves est. $42.50/month" in explain["text"]["text"]
    assert "This cannot be undone" in explain["text"]["text"]
    assert ask["type"] == "input" and ask["block_id"] == ids.TEARDOWN_CONFIRM_BLOCK
    assert ask["element"]["action_id"] == ids.TEARDOWN_CONFIRM_INPUT
    assert ask["label"]["text"] == "Type app-42 to confirm"
    View(**view).validate_json()


def test_teardown_modal_unknown_cost():
    view = render_teardown_modal(approval("teardown"), replica_cost=None, source_region="us-east-1")
    assert "Cost saved: unknown." in view["blocks"][0]["text"]["text"]
