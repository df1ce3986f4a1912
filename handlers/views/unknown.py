"""A submitted modal the bot has no listener for (opened by an older version of the
bot): the modal says so, nothing is done. Registered last."""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_sdk.models.views import View

from bot.deps import Deps
from bot.render.blocks import section

log = logging.getLogger(__name__)

UNKNOWN = (
    "This form is no longer in use (the bot has changed since it was opened). Nothing was done."
)


def closed_view() -> dict[str, Any]:
    """The modal that replaces an unknown one."""
    view = View(type="modal", title="Not available", close="Close", blocks=[section(UNKNOWN)])
    return view.to_dict()


async def handle_unknown_view(
    ack: AsyncAck, body: dict[str, Any], view: dict[str, Any], *, deps: Deps
) -> None:
    log.info("submission of an unknown view %r", str(view.get("callback_id"))[:80])
    await ack(response_action="update", view=closed_view())
