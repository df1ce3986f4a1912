"""The private region picker of `/migrate <app>`: choosing a region starts the move."""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.answers import answer, channel_of
from bot.deps import Deps
from bot.parsing import UsageError, check_app_id, check_region
from handlers.commands.migrate import start_move

NO_CHANNEL = (
    "The region picker works only in a channel, where the move's card goes, and this pick "
    "came from none. Nothing was started."
)


async def handle_pick_region(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond,
    *,
    deps: Deps,
) -> None:
    await ack()
    channel = channel_of(body)
    if channel is None:  # never a move tracked in no channel (or in "None")
        await answer(respond, deps.slack, body, NO_CHANNEL)
        return
    value = str((action.get("selected_option") or {}).get("value") or "")
    app_id, _, region = value.partition("|")
    try:
        check_app_id("/migrate", app_id)
        check_region("/migrate", region)
    except UsageError as exc:
        await respond(text=str(exc), replace_original=False, response_type="ephemeral")
        return
    outcome = await start_move(
        deps, app_id=app_id, region=region, user=body["user"]["id"], channel=channel
    )
    if outcome is None:
        await respond(
            text=f"Moving {app_id} to {region}: the status card is in the channel.",
            replace_original=True,
            response_type="ephemeral",
        )
    else:
        await respond(replace_original=True, response_type="ephemeral", **outcome)
