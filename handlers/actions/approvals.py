"""Buttons of the approval family: "Request reverse" / "Request teardown" (status card,
`/teardown` list, App Home) and Approve / Deny on a request card.

The clicking user is `body["user"]["id"]`; a button's value only names the migration
or the request. Every click is answered privately. Approving a teardown opens the
confirmation modal straight away (a trigger_id lives 3 s); only its correct
submission counts as the approval (`handlers/views/teardown_confirm.py`).
"""

from __future__ import annotations

import json
import logging
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.answers import answer, answer_click, channel_of
from bot.deps import Deps
from bot.parsing import UUID
from bot.render import render_teardown_modal
from bot.render.approval import render_reason_modal
from storage.records import ApprovalKind

log = logging.getLogger(__name__)


def reason_metadata(kind: ApprovalKind, migration_id: str, channel: str | None) -> str:
    """What the reason modal's submission needs (set by the bot; Slack keeps it)."""
    return json.dumps({"kind": kind, "migration_id": migration_id, "channel": channel})


async def _ask_reason(
    deps: Deps,
    kind: ApprovalKind,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
) -> None:
    """Open the reason modal at once (a trigger_id lives 3 s) for a migration the bot
    follows or has listed; a click the store already knows to be refused, or naming a
    migration the bot never showed, is answered instead; if Slack won't open the modal
    the request is made without a reason."""
    assert deps.approvals is not None
    user, value = body["user"]["id"], str(action.get("value") or "")
    refusal = deps.approvals.store_refusal(kind, value, user) if UUID.match(value) else None
    m = deps.store.get_migration(value) if refusal is None else None
    offered = m is not None or value in deps.cards.replica_costs  # followed, or listed
    if refusal is None and offered:
        app_id = m.app_id if m is not None else f"migration {value[:8]}"
        view = render_reason_modal(
            kind, app_id=app_id, metadata=reason_metadata(kind, value, channel_of(body))
        )
        try:
            await client.views_open(trigger_id=body["trigger_id"], view=view)
            return
        except (SlackApiError, KeyError):
            log.warning("could not open the reason modal; requesting without a reason")
    text = refusal or await deps.approvals.request_for(
        kind, value, user=user, channel=channel_of(body)
    )
    await answer_click(deps.slack, body, text)


async def handle_request_reverse(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    *,
    deps: Deps,
) -> None:
    """The status card's "Request reverse": a small modal for the reason, then the same
    request as `/reverse`."""
    await ack()
    await _ask_reason(deps, "reverse", body, action, client)


async def handle_request_teardown(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    client: AsyncWebClient,
    *,
    deps: Deps,
) -> None:
    """ "Request teardown" on the status card, the `/teardown` list or App Home: the
    reason modal, then the same request as `/teardown`."""
    await ack()
    await _ask_reason(deps, "teardown", body, action, client)


async def handle_approve(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond,
    client: AsyncWebClient,
    *,
    deps: Deps,
) -> None:
    """Approve: a reverse counts at once; a teardown first asks for the app id in a modal."""
    await ack()
    assert deps.approvals is not None
    user, approval_id = body["user"]["id"], str(action.get("value") or "")
    a = deps.store.get_approval(approval_id)
    if a is not None and a.kind == "teardown":
        a, refusal = await deps.approvals.check(approval_id, user, "approve")
        if refusal is not None or a is None:
            await answer(respond, deps.slack, body, refusal or "This request no longer exists.")
            return
        source = str(a.snapshot.get("source_region") or "the source region")
        cost = deps.cards.replica_costs.get(a.migration_id)
        view = render_teardown_modal(a, replica_cost=cost, source_region=source)
        try:
            await client.views_open(trigger_id=body["trigger_id"], view=view)
        except SlackApiError as exc:
            error = exc.response.get("error", "error")
            text = f"I couldn't open the teardown confirmation (Slack said {error}). Click Approve again."
            await answer(respond, deps.slack, body, text)
        return
    text = await deps.approvals.decide(approval_id, user, "approve")
    await answer(respond, deps.slack, body, text)


async def handle_deny(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond,
    *,
    deps: Deps,
) -> None:
    """Deny: one deny closes the request; nothing is called."""
    await ack()
    assert deps.approvals is not None
    text = await deps.approvals.decide(str(action.get("value") or ""), body["user"]["id"], "deny")
    await answer(respond, deps.slack, body, text)
