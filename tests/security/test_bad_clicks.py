"""Clicks and modal submissions the bot never offered, or no longer offers: made-up
values, unknown actions, buttons of messages the bot never sent, stale buttons, modals
naming no request. Each is answered privately (or inside the modal) with what was
wrong, and nothing happens: no Butterbase change, no channel message, nothing stored
but the refusals the bot audits by design, no exception in the log.

What the bot audits: a refused abort click (`abort.refused`) and a refused approval
request or decision (`approval.refused`) — "every request, decision, execution and
refusal goes to the audit log". Everything else changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from bot import ids
from tests.e2e.harness import APPROVER1, REQUESTER, wait_for
from tests.security.conftest import Corpus
from tests.security.support import (
    LogTrap,
    Watch,
    click_payload,
    pause,
    payload_body,
    send,
    view_payload,
)

LONG = "x" * 10_000
INVALID = "That button no longer names a migration the bot can act on. Nothing was done."
UNKNOWN = (
    "That button isn't one this bot handles (it may be from an older message). Nothing was done."
)
GONE = "This request no longer exists."
NO_MIGRATION = "That button names no migration the bot knows. Nothing was requested."
NOT_KNOWN = "The bot knows no migration `0f0f0f0f`. Nothing was requested."
DECIDED = "Already denied by <@U_APP1>"
ABORT_404 = "Butterbase knows no migration `{nobody}` of app-42 (404). Nothing was done."
REFUSED_ABORT = ("abort.refused",)
REFUSED_APPROVAL = ("approval.refused",)


@dataclass(frozen=True)
class Click:
    id: str
    action_id: str
    value: str  # `Refs.fill`ed
    says: str  # in the private answer (filled too)
    audited: tuple[str, ...] = ()
    user: str = REQUESTER
    home: bool = False  # from App Home: no channel, the answer comes as a DM
    select: bool = False  # the value is a select's option, not a button's


CLICKS = [
    # buttons from messages the bot never sent, with made-up values
    Click("approve-made-up", ids.APPROVE, "5f4e3d2c1b0a49887766554433221100", GONE, user=APPROVER1),
    Click("deny-made-up", ids.DENY, "nope", GONE, user=APPROVER1),
    Click("approve-sql", ids.APPROVE, "' OR 1=1 --", GONE, user=APPROVER1),
    Click("approve-long", ids.APPROVE, LONG, GONE, user=APPROVER1),
    Click("approve-empty", ids.APPROVE, "", GONE, user=APPROVER1),
    Click("abort-made-up", ids.ABORT, "{nobody}", INVALID),
    Click("abort-shell", ids.ABORT, "; rm -rf /", INVALID),
    Click("abort-mention-as-app", ids.ABORT, "<@U123>|{nobody}", INVALID),
    Click("abort-not-uuid", ids.ABORT, "app-42|$(id)", INVALID),
    Click("abort-unknown-of-app", ids.ABORT, "app-42|{nobody}", ABORT_404, REFUSED_ABORT),
    Click(
        "abort-other-apps-move",
        ids.ABORT,
        "app-42|{other}",
        "Butterbase knows no migration `{other}` of app-42 (404)",
        REFUSED_ABORT,
    ),
    Click("refresh-made-up", ids.REFRESH, "{nobody}", INVALID),
    Click("refresh-sql", ids.REFRESH, "1' OR '1'='1", INVALID),
    Click(
        "follow-made-up", ids.FOLLOW, "app-42|{nobody}", "knows no migration `{nobody}` of app-42"
    ),
    Click("follow-other-apps-move", ids.FOLLOW, "shop-eu|{other}", "of shop-eu (404)"),
    Click("share-made-up", ids.SHARE_STATUS, "{nobody}", INVALID),
    Click("share-long", ids.SHARE_STATUS, LONG, INVALID),
    Click("request-reverse-made-up", ids.REQUEST_REVERSE, "{nobody}", NOT_KNOWN),
    Click("request-reverse-backticks", ids.REQUEST_REVERSE, "`id`", NO_MIGRATION),
    Click("request-teardown-sql", ids.REQUEST_TEARDOWN, "' OR 1=1 --", NO_MIGRATION),
    Click("request-teardown-long", ids.REQUEST_TEARDOWN, LONG, NO_MIGRATION),
    Click("home-teardown-made-up", ids.HOME_REQUEST_TEARDOWN, "{nobody}", NOT_KNOWN, home=True),
    Click(
        "pick-unknown-region",
        ids.PICK_REGION,
        "app-42|mars-1",
        "`mars-1` is not a Butterbase region",
        select=True,
    ),
    Click(
        "pick-mention",
        ids.PICK_REGION,
        "<!channel>|eu-west-1",
        "looks like a Slack mention",
        select=True,
    ),
    Click("pick-no-region", ids.PICK_REGION, "app-42", "That is not a region name", select=True),
    Click("pick-long", ids.PICK_REGION, LONG, "is not an app id", select=True),
    Click(
        "pick-rtl",
        ids.PICK_REGION,
        "app-42|\u202eeu-west-1",
        "(with invisible characters) is not a region",
        select=True,
    ),
    Click(
        "pick-same-region",
        ids.PICK_REGION,
        "shop-eu|us-west-2",
        "shop-eu is already in us-west-2",
        select=True,
    ),
    # actions the bot never registered
    Click("unknown-action", "migration_delete_everything", "{m1}", UNKNOWN),
    Click("defined-but-unrouted", ids.START_MOVE, "app-42|eu-west-1", UNKNOWN),
    Click("unknown-long-action", "a" * 10_000, "x", UNKNOWN),
    Click("unknown-from-home", "home_drop_database", "{m1}", UNKNOWN, home=True),
    # stale values: the replica is gone, the request was decided
    Click(
        "request-teardown-torn-down",
        ids.REQUEST_TEARDOWN,
        "{m2}",
        "already torn down",
        REFUSED_APPROVAL,
    ),
    Click("request-reverse-torn-down", ids.REQUEST_REVERSE, "{m2}", "torn down", REFUSED_APPROVAL),
    Click("approve-decided", ids.APPROVE, "{denied}", DECIDED, REFUSED_APPROVAL, user=APPROVER1),
    Click("deny-decided", ids.DENY, "{denied}", DECIDED, REFUSED_APPROVAL, user=APPROVER1),
]


def _payload(corpus: Corpus, case: Click) -> bytes:
    world, refs = corpus.world, corpus.refs
    value = refs.fill(case.value)
    payload = click_payload(
        world,
        case.user,
        case.action_id,
        None if case.select else value,
        channel=None if case.home else "C_MIGRATIONS",
        selected=value if case.select else None,
    )
    if not case.select:
        payload["actions"][0]["value"] = value
    return payload_body(payload)


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("case", CLICKS, ids=[c.id for c in CLICKS])
async def test_a_click_the_bot_did_not_offer_is_refused_privately(
    corpus: Corpus, logs: LogTrap, case: Click
) -> None:
    watch = Watch(corpus.world)
    opened = len(corpus.world.ws.open_views(case.user))
    result = await send(corpus.world, _payload(corpus, case))
    assert result.status == 200, result
    await wait_for(  # "Request …" may first ask for a reason in a modal
        lambda: (
            corpus.world.ws.open_views(case.user)[opened:]
            or watch.new_private(case.user)
            or watch.new_dms(case.user)
        ),
        message="a modal or an answer",
    )
    for view in corpus.world.ws.open_views(case.user)[opened:]:
        assert view.callback_id == ids.REQUEST_REASON_VIEW
        await corpus.world.d.submit_view(case.user, view.id, {})
    answer = await watch.answer(case.user, dm=case.home)
    print(case.id, "→", answer)
    assert corpus.refs.fill(case.says) in answer
    await pause()
    watch.assert_nothing_changed(audited=case.audited)
    logs.assert_no_exception()


@pytest.mark.asyncio(loop_scope="module")
async def test_abort_from_an_old_version_of_a_completed_card_is_refused(
    corpus: Corpus, logs: LogTrap
) -> None:
    """The card's first version had Abort; the move has completed since."""
    world, m1 = corpus.world, corpus.refs.m1
    old = ids.versioned_block_id(ids.CARD_ACTIONS, m1.migration_id, 0)
    watch = Watch(world)
    result = await world.d.click(
        REQUESTER,
        "C_MIGRATIONS",
        m1.card_ts,
        ids.ABORT,
        value=m1.migration_id,
        block_id=old,
        force=True,
    )
    assert result.status == 200
    answer = await watch.answer(REQUESTER)
    assert answer.startswith(
        f"The move of app-42 (`{m1.short}`) has completed, so abort is not possible."
    )
    assert f"`/reverse app-42 {m1.short}` is the way back. Nothing was done." in answer
    await pause()
    watch.assert_nothing_changed(audited=REFUSED_ABORT)
    logs.assert_no_exception()


@dataclass(frozen=True)
class Submit:
    id: str
    callback_id: str
    metadata: str  # filled
    says: str
    audited: tuple[str, ...] = ()


SUBMITS = [
    Submit("no-such-request", ids.TEARDOWN_CONFIRM_VIEW, "nope", GONE),
    Submit("made-up-request", ids.TEARDOWN_CONFIRM_VIEW, "5f4e3d2c1b0a49887766554433221100", GONE),
    Submit("sql-request", ids.TEARDOWN_CONFIRM_VIEW, "' OR 1=1 --", GONE),
    Submit("empty-metadata", ids.TEARDOWN_CONFIRM_VIEW, "", GONE),
    Submit("long-metadata", ids.TEARDOWN_CONFIRM_VIEW, LONG, GONE),
    Submit("decided-request", ids.TEARDOWN_CONFIRM_VIEW, "{denied}", DECIDED, REFUSED_APPROVAL),
    Submit("wrong-callback", ids.ABORT_CONFIRM_VIEW, "{m1}", "This form is no longer in use"),
    Submit("made-up-callback", "drop_everything", "{denied}", "This form is no longer in use"),
    Submit("long-callback", LONG, "", "This form is no longer in use"),
]


def _said(body: object) -> str:
    """The text a modal shows after the bot's answer to its submission."""
    assert isinstance(body, dict), body
    if body.get("response_action") == "errors":
        return " ".join(body["errors"].values())
    assert body.get("response_action") == "update", body
    return str(body["view"]["blocks"])


@pytest.mark.asyncio(loop_scope="module")
@pytest.mark.parametrize("case", SUBMITS, ids=[c.id for c in SUBMITS])
async def test_a_submission_naming_no_open_request_is_refused_in_the_modal(
    corpus: Corpus, logs: LogTrap, case: Submit
) -> None:
    world, refs = corpus.world, corpus.refs
    payload = view_payload(world, APPROVER1, case.callback_id, refs.fill(case.metadata), "app-42")
    watch = Watch(world)
    result = await send(world, payload_body(payload))
    assert result.status == 200, result
    said = _said(result.body)
    print(case.id, "→", said)
    assert refs.fill(case.says) in said
    await pause()
    assert watch.new_private(APPROVER1) == []
    watch.assert_nothing_changed(audited=case.audited)
    logs.assert_no_exception()
