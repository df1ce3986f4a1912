"""`/teardown [<app_id> | <migration_id>] [<reason…>]`: the retained replicas, or a teardown request.

With nothing: every retained replica (`GET /v1/source-replicas`) with its age, its
estimated cost and a "Request teardown" button, or the reason it can't be torn down
(e.g. the app is back in that region after a fast reverse). With a target: an
approval request; the teardown itself happens once it is approved and confirmed.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.deps import Deps
from bot.errors import ButterbaseError
from bot.explain import explain
from bot.models import SourceReplica
from bot.parsing import UUID, UsageError
from bot.render import render_replicas
from bot.replica_listing import kept_replicas, teardown_blocks
from bot.resolve import resolve_known
from handlers.commands.arguments import read_args

COMMAND = "/teardown"


async def handle_teardown(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, *, deps: Deps
) -> None:
    """List the retained replicas, or ask for approval to delete one (irreversible)."""
    args = await read_args(ack, command, COMMAND)
    if args is None:
        return
    user, channel = command["user_id"], command["channel_id"]
    if args.app_id is None and args.migration_ref is None:
        reply = await replica_list(deps)
    else:
        reply = await request_teardown(
            deps,
            app_id=args.app_id,
            ref=args.migration_ref,
            user=user,
            channel=channel,
            reason=args.reason,
        )
    await respond(response_type="ephemeral", replace_original=False, **reply)


async def replica_list(deps: Deps, *, app_id: str | None = None) -> dict[str, Any]:
    """The retained replicas (of `app_id`, if given), each with a button or a reason."""
    try:
        replicas = await deps.butterbase.source_replicas()
        regions = {app.id: app.region for app in await deps.butterbase.apps()}
    except ButterbaseError as exc:
        return {"text": explain(exc, doing="list the replicas")}
    now = deps.clock.now()
    kept = kept_replicas(deps.store, replicas, regions=regions)  # no reversed move's source
    shown = [r for r in kept if app_id is None or r.app_id == app_id]
    for r in shown:
        deps.cards.replica_costs[r.migration_id] = r.estimated_monthly_cost_usd
    soak = deps.settings.bot_teardown_soak
    blocked = teardown_blocks(deps.store, shown, regions=regions, now=now, soak=soak)
    msg = render_replicas(shown, now=now, blocked=blocked)
    return {"text": msg.text, "blocks": msg.blocks}


async def find_replica(deps: Deps, migration_id: str) -> SourceReplica | None:
    """The retained replica of a migration the bot doesn't follow (None if not listed)."""
    replicas = await deps.butterbase.source_replicas()
    return next((r for r in replicas if r.migration_id == migration_id), None)


async def request_teardown(
    deps: Deps,
    *,
    app_id: str | None,
    ref: str | None,
    user: str,
    channel: str | None,
    reason: str | None = None,
) -> dict[str, Any]:
    """Open a teardown request for a migration (by id) or an app's one retained replica."""
    assert deps.approvals is not None
    try:
        if ref is not None:
            known = resolve_known(deps.store, ref, None)
            if known is not None:
                app_id, migration_id = known.app_id, known.migration_id
            else:
                found = await find_replica(deps, ref) if UUID.match(ref) else None
                if found is None:
                    return {
                        "text": f"The bot knows no move `{ref}` and Butterbase lists no "
                        "replica with that id. `/teardown` lists them. Nothing was requested."
                    }
                app_id, migration_id = found.app_id, found.migration_id
        else:
            assert app_id is not None
            listed = await deps.butterbase.source_replicas()
            regions = {app.id: app.region for app in await deps.butterbase.apps()}
            kept = kept_replicas(deps.store, listed, regions=regions)
            mine = [r for r in kept if r.app_id == app_id]
            if not mine:
                return {
                    "text": f"Butterbase lists no replica of {app_id}, so there is nothing "
                    "to tear down. Nothing was requested."
                }
            if len(mine) > 1:
                listing = await replica_list(deps, app_id=app_id)
                return listing | {"text": f"{app_id} has {len(mine)} replicas: pick one."}
            migration_id = mine[0].migration_id
    except UsageError as exc:
        return {"text": str(exc)}
    except ButterbaseError as exc:
        return {"text": explain(exc, doing="look up the replicas")}
    text = await deps.approvals.request(
        "teardown",
        app_id=app_id,
        migration_id=migration_id,
        user=user,
        channel=channel,
        reason=reason,
    )
    return {"text": text}
