"""The status card's buttons (Abort, Refresh) and those of the private status
(Follow in this channel, Share in channel).

Every click is acked first and gets an answer: the card changes, or a private
message says what happened or why not. Anyone in the channel may click; the clicking
user is `body["user"]["id"]`, and a button's value only names the migration.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot import aborting
from bot.adoption import adopt, parse_button_value
from bot.answers import answer, channel_of
from bot.deps import Deps
from bot.errors import ButterbaseError, NotFound
from bot.explain import explain
from bot.models import MigrationStatus
from bot.render.blocks import context
from bot.render.text import hhmm
from bot.tracker import card_item
from handlers.commands.migrate import permalink
from handlers.commands.status import OVERVIEW, overview, tracked_view, untracked_view
from storage.records import OutboxItem

INVALID = "That button no longer names a migration the bot can act on. Nothing was done."
NO_CHANNEL = "That button works only in a channel, and this click came from none. Nothing was done."


def _private(body: dict[str, Any]) -> bool:
    """The click came from a private (ephemeral) message, which the answer replaces."""
    return bool((body.get("container") or {}).get("is_ephemeral"))


async def _say(respond: AsyncRespond, body: dict[str, Any], reply: dict[str, Any]) -> None:
    await respond(response_type="ephemeral", replace_original=_private(body), **reply)


def _target(deps: Deps, action: dict[str, Any]) -> tuple[str, str, bool] | None:
    """(app id, migration id, tracked) named by the button, or None."""
    parsed = parse_button_value(action.get("value"))
    if parsed is None:
        return None
    app_id, migration_id = parsed
    m = deps.store.get_migration(migration_id)
    if m is not None:
        return m.app_id, migration_id, True
    if app_id is None:
        return None
    return app_id, migration_id, False


async def _channel_or_refuse(deps: Deps, body: dict[str, Any], respond: AsyncRespond) -> str | None:
    """The click's channel; a click from no channel (App Home, a modal) is refused, so
    that nothing is ever adopted or posted in channel "" or "None"."""
    channel = channel_of(body)
    if channel is None:
        await answer(respond, deps.slack, body, NO_CHANNEL)
    return channel


async def _target_or_refuse(
    deps: Deps, action: dict[str, Any], respond: AsyncRespond
) -> tuple[str, str, bool] | None:
    """The button's target; when it names none, the clicker is told so privately."""
    target = _target(deps, action)
    if target is None:
        await respond(text=INVALID, response_type="ephemeral", replace_original=False)
    return target


async def _read(deps: Deps, app_id: str, migration_id: str) -> MigrationStatus | str:
    try:
        return await deps.butterbase.status(app_id, migration_id)
    except NotFound:
        return f"Butterbase knows no migration `{migration_id}` of {app_id} (404)."
    except ButterbaseError as exc:
        return explain(exc, doing=f"read the move of {app_id}")


async def handle_abort_click(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond,
    *,
    deps: Deps,
) -> None:
    """Abort, from the card or from `/abort`'s confirmation (Slack's dialog confirmed it)."""
    await ack()
    channel = await _channel_or_refuse(deps, body, respond)
    target = await _target_or_refuse(deps, action, respond) if channel else None
    if channel is None or target is None:
        return
    app_id, migration_id, _ = target
    text = await aborting.abort(
        deps, app_id=app_id, migration_id=migration_id, user=body["user"]["id"], channel=channel
    )
    await _say(respond, body, {"text": text})


async def handle_refresh(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond,
    *,
    deps: Deps,
) -> None:
    """Poll now and re-render: the card in place, or the private status it came from."""
    await ack()
    target = await _target_or_refuse(deps, action, respond)
    if target is None:
        return
    app_id, migration_id, tracked = target
    if not tracked:
        status = await _read(deps, app_id, migration_id)
        if isinstance(status, str):
            await _say(respond, body, {"text": status})
            return
        channel = channel_of(body) or ""
        shareable = _private(body)
        await _say(
            respond,
            body,
            untracked_view(deps, status, app_id=app_id, channel=channel, shareable=shareable),
        )
        return
    await deps.tracker.poll_now(migration_id)
    m = deps.store.get_migration(migration_id)  # fresh after the poll
    if m is None:
        return
    m.card_version += 1
    deps.store.apply(migration=m, outbox=[card_item(m, deps.clock.now())])
    deps.outbox.wake()
    if _private(body):
        await _say(respond, body, tracked_view(deps, migration_id))


async def handle_follow(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond,
    *,
    deps: Deps,
) -> None:
    """Adopt a migration started outside Slack: its card in this channel, tracked from now."""
    await ack()
    channel = await _channel_or_refuse(deps, body, respond)
    target = await _target_or_refuse(deps, action, respond) if channel else None
    if channel is None or target is None:
        return
    app_id, migration_id, tracked = target
    if not tracked:
        status = await _read(deps, app_id, migration_id)
        if isinstance(status, str):
            await _say(respond, body, {"text": status})
            return
        if adopt(deps, status, app_id=app_id, channel=channel, user=body["user"]["id"]):
            text = (
                f"Following the move of {app_id} (`{migration_id[:8]}`) in <#{channel}>: "
                "its card is being posted there."
            )
            await _say(respond, body, {"text": text})
            return
    await _say(respond, body, {"text": await already_followed(deps, migration_id)})


async def already_followed(deps: Deps, migration_id: str) -> str:
    m = deps.store.get_migration(migration_id)
    assert m is not None
    link = await permalink(deps, m.channel_id, m.card_ts)
    where = f"<{link}|its card>" if link else f"its card in <#{m.channel_id}>"
    return f"The move of {m.app_id} (`{m.short_id}`) is already followed: see {where}."


async def handle_share(
    ack: AsyncAck,
    body: dict[str, Any],
    action: dict[str, Any],
    respond: AsyncRespond,
    *,
    deps: Deps,
) -> None:
    """Post what the private status shows in the channel, for everyone."""
    await ack()
    channel = await _channel_or_refuse(deps, body, respond)
    if channel is None:
        return
    user = body["user"]["id"]
    value = str(action.get("value") or "")
    if value == OVERVIEW:
        reply = await overview(deps, channel, shareable=False)
    else:
        target = await _target_or_refuse(deps, action, respond)
        if target is None:
            return
        app_id, migration_id, tracked = target
        if tracked:
            reply = tracked_view(deps, migration_id)
            reply["blocks"] = reply["blocks"][:-1]  # the private Share button
            m = deps.store.get_migration(migration_id)
            link = await permalink(deps, m.channel_id, m.card_ts) if m else None
            if link:
                reply["blocks"].append(context(f"<{link}|The live card>").to_dict())
        else:
            status = await _read(deps, app_id, migration_id)
            if isinstance(status, str):
                await _say(respond, body, {"text": status})
                return
            reply = untracked_view(deps, status, app_id=app_id, channel=channel, shareable=False)
    now = deps.clock.now()
    reply["blocks"].append(context(f"Shared by <@{user}> at {hhmm(now)}").to_dict())
    deps.store.enqueue(
        OutboxItem(kind="message", channel_id=channel, payload=reply, created_at=now)
    )
    deps.outbox.wake()
    await _say(respond, body, {"text": f"Shared in <#{channel}>."})
