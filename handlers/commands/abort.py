"""`/abort <app_id> [<migration_id>]`: stop a move before cutover, after a confirmation.

The command only asks: it reads the migration fresh, refuses with the reason when
abort is not possible (terminal, past cutover, already aborting), and otherwise shows
a private "Abort the move" button behind the one abort confirmation. The click
(`handlers/actions/card.py`) does the abort through `bot/aborting.py`.
"""

from __future__ import annotations

from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond

from bot import aborting, ids, steps
from bot.adoption import button_value
from bot.deps import Deps
from bot.errors import ButterbaseError
from bot.explain import explain
from bot.models import MigrationStatus
from bot.parsing import UsageError
from bot.render.abort import YES, abort_confirm, abort_consequences
from bot.render.blocks import actions, button, section
from bot.render.text import escape, plain
from bot.resolve import resolve
from handlers.commands.arguments import read_args

COMMAND = "/abort"


async def handle_abort(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, *, deps: Deps
) -> None:
    """Stop a move before cutover (asks you to confirm)."""
    args = await read_args(ack, command, COMMAND)
    if args is None:
        return
    assert args.app_id is not None
    reply = await prompt(deps, app_id=args.app_id, ref=args.migration_ref)
    await respond(response_type="ephemeral", replace_original=False, **reply)


async def _target(deps: Deps, app_id: str, ref: str | None) -> tuple[str, str] | str:
    """(app id, migration id) to abort, or the private reply saying why there is none."""
    if ref is not None:
        try:
            found = await resolve(deps.store, deps.butterbase, app_id=app_id, ref=ref)
        except UsageError as exc:
            return str(exc)
        except ButterbaseError as exc:
            return explain(exc, doing=f"read the move of {app_id}")
        return found.app_id, found.migration_id
    running = [
        m for m in deps.store.migrations_for_app(app_id) if not steps.is_terminal(m.current_step)
    ]
    if running:
        return app_id, running[0].migration_id
    try:
        active = await deps.butterbase.active(app_id)
    except ButterbaseError as exc:
        return explain(exc, doing=f"look for the running move of {app_id}")
    if active is None:
        known = deps.store.migrations_for_app(app_id, limit=1)
        if known:  # its last move: the check below says why it can't be aborted
            return app_id, known[0].migration_id
        return (
            f"No move of {app_id} is running that the bot can see, so there is nothing to abort. "
            "A move started from the Butterbase dashboard can only be aborted there."
        )
    return app_id, active.migration_id


async def prompt(deps: Deps, *, app_id: str, ref: str | None) -> dict[str, Any]:
    """The private answer to `/abort`: the reason it can't be done, or the confirmation."""
    target = await _target(deps, app_id, ref)
    if isinstance(target, str):
        return {"text": target}
    app_id, migration_id = target
    checked = await aborting.check(deps, app_id=app_id, migration_id=migration_id)
    if checked.status is None or checked.refusal is not None:
        return {"text": checked.refusal or "Nothing was done."}
    return confirmation(app_id, checked.status, tracked=checked.tracked)


def confirmation(app_id: str, status: MigrationStatus, *, tracked: bool) -> dict[str, Any]:
    """ "Abort the move of app-42?" with a danger button behind the one abort confirmation
    (`bot.render.abort`): the private text says what the dialog will say."""
    step = status.current_step
    short = status.migration_id[:8]
    consequences = abort_consequences(
        app_id, source=status.source_region, dest=status.dest_region, step=step
    )
    question = f"Abort the move of {escape(app_id)} ({short}, now {steps.label(step)})?"
    text = f"{question} {consequences}"
    ask = abort_confirm(app_id, source=status.source_region, dest=status.dest_region, step=step)
    value = button_value(app_id, status.migration_id, tracked=tracked)
    abort_button = button(YES, ids.ABORT, value, style="danger", confirm=ask)
    blocks = [
        section(text),
        actions([abort_button], block_id=f"abort_confirm:{status.migration_id}"),
    ]
    return {"text": plain(text), "blocks": [b.to_dict() for b in blocks]}
