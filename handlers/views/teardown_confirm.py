"""The teardown confirmation modal: the approver types the app id.

A wrong id (or a request that closed meanwhile) is refused inside the modal with
Slack's `response_action: errors`, and nothing is called or recorded. The right id
closes the modal and counts as the approval.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.errors import SlackApiError

from bot import approvals, ids
from bot.deps import Deps

log = logging.getLogger(__name__)


def typed_app_id(view: dict[str, Any]) -> str:
    values = (view.get("state") or {}).get("values") or {}
    field = (values.get(ids.TEARDOWN_CONFIRM_BLOCK) or {}).get(ids.TEARDOWN_CONFIRM_INPUT) or {}
    return str(field.get("value") or "").strip()


async def handle_submit(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], *, deps: Deps
) -> None:
    """Count a correctly confirmed teardown approval; refuse anything else in the modal."""
    assert deps.approvals is not None
    user, approval_id = body["user"]["id"], str(view.get("private_metadata") or "")
    a, refusal = await deps.approvals.check(approval_id, user, "approve")
    if refusal is None and a is not None and a.kind != "teardown":  # it confirms teardowns only
        refusal = "This confirmation is for a teardown; that request is not one. Nothing was done."
    if refusal is not None or a is None:
        message = refusal or "This request no longer exists."
        await ack(response_action="errors", errors={ids.TEARDOWN_CONFIRM_BLOCK: message})
        return
    typed = typed_app_id(view)
    if typed != a.app_id:
        deps.approvals.refuse_confirmation(a, user, typed)
        error = approvals.wrong_app_id(a.app_id)
        await ack(response_action="errors", errors={ids.TEARDOWN_CONFIRM_BLOCK: error})
        return
    await ack()
    text = await deps.approvals.decide(approval_id, user, "approve")
    try:
        await deps.slack.chat_postEphemeral(channel=a.channel_id, user=user, text=text)
    except SlackApiError:
        log.warning("could not tell %s the outcome of request %s", user, approval_id)
