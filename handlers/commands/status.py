"""`/migration-status [<app_id> [<migration_id>]]`: where things stand, privately.

- nothing: the moves running in this channel and the retained replicas;
- an app: its active migration (`get_active`), else the last one the bot knows;
- an app and an id (whole, or the short form the bot shows): that migration.

Private, with a "Share in channel" button. A migration the bot does not follow
(started outside Slack) is shown with a "Follow here" button.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot import ids
from bot.adoption import button_value, from_status
from bot.deps import Deps
from bot.errors import ButterbaseError
from bot.explain import explain
from bot.models import MigrationStatus, SourceReplica
from bot.parsing import UsageError
from bot.render import Message, render_card, render_channel_overview, render_status_private
from bot.render.blocks import button, context, section
from bot.render.text import escape
from bot.resolve import resolve
from handlers.commands.arguments import read_args

COMMAND = "/migration-status"
OVERVIEW = "overview"  # the Share button's value for the channel overview


async def handle_status(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, *, deps: Deps
) -> None:
    """Show a migration, an app's current move, or what runs in this channel."""
    args = await read_args(ack, command, COMMAND)
    if args is None:
        return
    channel = command["channel_id"]
    if args.app_id is None:
        reply = await overview(deps, channel)
    elif args.migration_ref is None:
        reply = await app_status(deps, args.app_id, channel)
    else:
        reply = await migration_status(deps, args.app_id, args.migration_ref, channel)
    await respond(response_type="ephemeral", replace_original=False, **reply)


def _as_reply(message: Message) -> dict[str, Any]:
    return {"text": message.text, "blocks": message.blocks}


async def overview(deps: Deps, channel: str, *, shareable: bool = True) -> dict[str, Any]:
    """The moves running in `channel` (from the store) and the retained replicas."""
    running = deps.store.migrations_in_channel(channel)
    note = None
    try:
        replicas = await deps.butterbase.source_replicas()
    except ButterbaseError as exc:
        replicas, note = [], explain(exc, doing="list the replicas")
    for r in replicas:
        deps.cards.replica_costs[r.migration_id] = r.estimated_monthly_cost_usd
    live = await live_primaries(deps, replicas)
    replicas = [r for r in replicas if r.migration_id not in live]  # not kept: left out
    message = render_channel_overview(running, replicas, now=deps.clock.now())
    blocks = list(message.blocks)
    if note:
        blocks.append(context(note).to_dict())
    if shareable:
        share = button("Share in channel", ids.SHARE_STATUS, OVERVIEW)
        blocks.append({"type": "actions", "elements": [share.to_dict()]})
    return {"text": message.text, "blocks": blocks}


async def live_primaries(deps: Deps, replicas: list[SourceReplica]) -> set[str]:
    """Ids of listed replicas whose source region serves the app again (after a reverse):
    the app's live database, not a retained replica. From `GET /apps`, and from the
    reverses the bot knows of when the apps can't be read."""
    if not replicas:
        return set()
    try:
        regions = {a.id: a.region for a in await deps.butterbase.apps()}
    except ButterbaseError:
        regions = {}
    live = set()
    for r in replicas:
        region = regions.get(r.app_id)
        reverse = deps.store.reverse_of(r.migration_id)
        known_back = reverse is not None and reverse.current_step == "completed"
        if (region is not None and region == r.source_region) or (region is None and known_back):
            live.add(r.migration_id)
    return live


def tracked_view(deps: Deps, migration_id: str, *, lead: str | None = None) -> dict[str, Any]:
    """A migration the bot follows: the card's body, its approvals, a Share button."""
    m = deps.store.get_migration(migration_id)
    assert m is not None
    message = render_status_private(
        m,
        deps.store.step_history(migration_id),
        now=deps.clock.now(),
        expected=deps.store.median_step_seconds(),
        approvals=deps.store.approvals_for_migration(migration_id),
        replica_cost=deps.cards.replica_costs.get(migration_id),
    )
    reply = _as_reply(message)
    if lead:
        reply["blocks"] = [section(lead).to_dict(), *reply["blocks"]]
        reply["text"] = f"{lead}\n{reply['text']}"
    return reply


def untracked_view(
    deps: Deps, status: MigrationStatus, *, app_id: str, channel: str, shareable: bool = True
) -> dict[str, Any]:
    """A migration the bot does not follow, as its card would show it, with "Follow
    this channel". Its buttons name the app too: the bot has no record to find it by."""
    m = from_status(status, app_id=app_id, channel=channel, now=deps.clock.now())
    message = render_card(
        m, [], now=deps.clock.now(), expected=deps.store.median_step_seconds(), followable=True
    )
    value = button_value(app_id, m.migration_id, tracked=False)
    blocks: list[dict[str, Any]] = []
    for block in message.blocks:
        if block.get("type") == "actions":
            block = {**block, "elements": [{**e, "value": value} for e in block["elements"]]}
            if shareable:
                share = button("Share in channel", ids.SHARE_STATUS, value).to_dict()
                block["elements"].append(share)
        blocks.append(block)
    lead = "Started outside Slack: the bot is not following this move."
    blocks.insert(len(blocks) - 1, context(lead).to_dict())
    return {"text": message.text, "blocks": blocks}


async def app_status(deps: Deps, app_id: str, channel: str) -> dict[str, Any]:
    """The app's active migration, else the last one the bot knows."""
    try:
        active = await deps.butterbase.active(app_id)
    except ButterbaseError as exc:
        return {"text": explain(exc, doing=f"read the running move of {app_id}")}
    if active is not None:
        if deps.store.get_migration(active.migration_id) is not None:
            return tracked_view(deps, active.migration_id)
        return untracked_view(deps, active, app_id=app_id, channel=channel)
    known = deps.store.migrations_for_app(app_id, limit=1)
    # an abort or a failure can leave the app `migrating` too: its own card says so
    if not known or known[0].current_step not in ("aborted", "failed"):
        outside = await _moving_elsewhere(deps, app_id)
        if outside is not None:
            return {"text": outside}
    if known:
        lead = f"No move of {escape(app_id)} is running. The last one the bot knows:"
        return tracked_view(deps, known[0].migration_id, lead=lead)
    return {"text": f"No move of {escape(app_id)} is running and the bot knows of none."}


async def _moving_elsewhere(deps: Deps, app_id: str) -> str | None:
    """The active route shows only the bot's own moves: when it says none but `GET /apps`
    shows the app `migrating`, a move started outside the bot is running."""
    try:
        app = await deps.butterbase.app(app_id)
    except ButterbaseError:
        return None
    if app is None or not app.writes_paused:
        return None
    where = f" (from {escape(app.region)})" if app.region else ""
    return (
        f"A move of {escape(app_id)}{where} is running, started outside the bot (from the "
        "dashboard or by another key): Butterbase reports the app as migrating, with writes "
        "paused, but doesn't show the move to the bot. It can't be followed or aborted from "
        "Slack; check the Butterbase dashboard."
    )


async def migration_status(deps: Deps, app_id: str, ref: str, channel: str) -> dict[str, Any]:
    """One migration, by whole or short id (short ids only for those the bot knows)."""
    try:
        found = await resolve(deps.store, deps.butterbase, app_id=app_id, ref=ref)
    except UsageError as exc:
        return {"text": str(exc)}
    except ButterbaseError as exc:
        return {"text": explain(exc, doing=f"read move {ref[:8]} of {app_id}")}
    if found.tracked is not None:
        return tracked_view(deps, found.migration_id)
    assert found.status is not None
    return untracked_view(deps, found.status, app_id=app_id, channel=channel)
