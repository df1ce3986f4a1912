"""`/reverse <app_id> [<migration_id>] [<reason…>]`: ask for approval to move a completed migration back.

Only while its source replica is retained, never once the app is back in its source
region; the approval itself happens on the request card (`handlers/actions/approvals.py`).
"""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot.deps import Deps
from bot.errors import ButterbaseError
from bot.explain import explain
from bot.parsing import UsageError
from bot.resolve import resolve
from handlers.commands.arguments import read_args
from storage.records import TrackedMigration
from storage.store import Store

COMMAND = "/reverse"


async def handle_reverse(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, *, deps: Deps
) -> None:
    """Ask for approval to move a completed migration back to its source region."""
    args = await read_args(ack, command, COMMAND)
    if args is None:
        return
    assert args.app_id is not None
    text = await request_reverse(
        deps,
        app_id=args.app_id,
        ref=args.migration_ref,
        user=command["user_id"],
        channel=command["channel_id"],
        reason=args.reason,
    )
    await respond(text=text, response_type="ephemeral", replace_original=False)


def latest_move(store: Store, app_id: str) -> TrackedMigration | None:
    """The app's newest forward move the bot knows (a reverse is named by its id)."""
    return next((m for m in store.migrations_for_app(app_id) if m.kind == "move"), None)


async def request_reverse(
    deps: Deps,
    *,
    app_id: str,
    ref: str | None,
    user: str,
    channel: str | None,
    reason: str | None = None,
) -> str:
    """Open a reverse request for the migration; the private reply."""
    assert deps.approvals is not None
    try:
        if ref is None:
            m = latest_move(deps.store, app_id)
            if m is None:
                return (
                    f"The bot knows no move of {app_id}. Give the migration id: "
                    f"`/reverse {app_id} <migration_id>`. Nothing was requested."
                )
            migration_id = m.migration_id
        else:
            resolved = await resolve(deps.store, deps.butterbase, app_id=app_id, ref=ref)
            migration_id = resolved.migration_id
    except UsageError as exc:
        return str(exc)
    except ButterbaseError as exc:
        return explain(exc, doing=f"look up the migration of {app_id}")
    return await deps.approvals.request(
        "reverse",
        app_id=app_id,
        migration_id=migration_id,
        user=user,
        channel=channel,
        reason=reason,
    )
