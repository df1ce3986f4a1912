"""`/migrate <app_id> <dest_region>`: validate, start the move, post the status card.

With the region left out, a private region picker. The region is checked against
`GET /v1/regions` and the app against `GET /apps` before anything is sent: the
server itself accepts unknown regions.
"""

from __future__ import annotations

import difflib
import logging
from typing import Any

from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.models.blocks import ActionsBlock, Option, SectionBlock, StaticSelectElement

from bot import ids, steps
from bot.deps import Deps
from bot.errors import ButterbaseError, Conflict
from bot.explain import explain
from bot.render.abort import abort_confirm
from bot.render.text import escape
from bot.tracker import card_item
from handlers.commands.arguments import read_args
from storage.records import AuditEntry, StepRecord, TrackedMigration

log = logging.getLogger(__name__)
COMMAND = "/migrate"


async def handle_migrate(
    ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond, *, deps: Deps
) -> None:
    """Start moving an app to another region."""
    args = await read_args(ack, command, COMMAND)
    if args is None:
        return
    assert args.app_id is not None
    outcome = await start_move(
        deps,
        app_id=args.app_id,
        region=args.region,
        user=command["user_id"],
        channel=command["channel_id"],
    )
    if outcome is not None:
        await respond(response_type="ephemeral", replace_original=False, **outcome)


def region_picker(app_id: str, regions: list[str], current: str | None) -> dict[str, Any]:
    choices = [r for r in regions if r != current][:100]
    select = StaticSelectElement(
        action_id=ids.PICK_REGION,
        placeholder="Destination region",
        options=[Option(text=r, value=f"{app_id}|{r}") for r in choices],
    )
    where = f" (now in {current})" if current else ""
    blocks = [
        SectionBlock(text=f"Where should *{app_id}*{where} move to?"),
        ActionsBlock(block_id=f"{ids.PICK_REGION}:{app_id}", elements=[select]),
    ]
    return {
        "text": f"Pick a destination region for {app_id}",
        "blocks": [b.to_dict() for b in blocks],
    }


def swapped(*, app_id: str, region: str) -> str:
    """`/migrate eu-west-1 app-42`: the region came first."""
    return (
        f"{escape(app_id)} is a region, not an app: the app comes first. Did you mean "
        f"/migrate {escape(region)} {escape(app_id)}? Nothing was started."
    )


async def start_move(
    deps: Deps, *, app_id: str, region: str | None, user: str, channel: str
) -> dict[str, Any] | None:
    """Validate and start a move; returns the private reply to show, or None when the
    card in the channel says it all."""
    try:
        regions = await deps.regions.get()
        if app_id in regions and region is not None and region not in regions:
            return {"text": swapped(app_id=app_id, region=region)}
        app = await deps.butterbase.app(app_id)
    except ButterbaseError as exc:
        return {"text": explain(exc, doing=f"check {app_id} and the regions")}
    if app is None:
        return {
            "text": f"Butterbase has no app `{app_id}` that the bot can see. Check the id. Nothing was started."
        }
    if region is None:
        return region_picker(app_id, regions, app.region)
    if region not in regions:
        near = difflib.get_close_matches(region.lower(), regions, n=1)
        hint = f" Did you mean `{near[0]}`?" if near else ""
        valid = ", ".join(f"`{r}`" for r in regions)
        return {
            "text": f"`{region}` is not a Butterbase region.{hint} Valid regions: {valid}. Nothing was started."
        }
    if app.region == region:
        return {"text": f"{app_id} is already in {region}. Nothing was started."}
    running = [
        m for m in deps.store.migrations_for_app(app_id) if not steps.is_terminal(m.current_step)
    ]
    if running:  # known to be in flight: no need to ask the server to refuse it
        return await in_flight_reply(deps, running[0])
    try:
        accepted = await deps.butterbase.move(app_id, region)
    except Conflict as exc:
        return await _conflict(deps, exc, app_id=app_id)
    except ButterbaseError as exc:
        return {"text": explain(exc, doing=f"start the move of {app_id}")}
    now = deps.clock.now()
    m = TrackedMigration(
        migration_id=accepted.migration_id,
        app_id=app_id,
        source_region=app.region,
        dest_region=region,
        channel_id=channel,
        requester=user,
        created_at=now,
        updated_at=now,
        step_started_at=now,
        seen_steps=["requested"],
    )
    audit = AuditEntry(
        at=now,
        actor=user,
        action="migrate.started",
        migration_id=m.migration_id,
        app_id=app_id,
        detail={"source": app.region, "dest": region, "channel": channel},
    )
    first = StepRecord(migration_id=m.migration_id, step="requested", started_at=now)
    deps.store.apply(migration=m, steps_opened=[first], outbox=[card_item(m, now)], audit=[audit])
    deps.outbox.wake()
    return None


async def _conflict(deps: Deps, exc: Conflict, *, app_id: str) -> dict[str, Any]:
    reason = exc.reason or ""
    if "in flight" not in reason:
        if "not found" in reason.lower():
            return {
                "text": f"Butterbase has no app `{app_id}` in the bot's organisation. Nothing was started."
            }
        if "equal" in reason.lower():
            return {"text": f"{app_id} is already in that region. Nothing was started."}
        if "plan" in reason.lower():
            return {
                "text": f"{app_id}'s owner has no active Butterbase plan, so it can't be moved."
            }
        return {"text": explain(exc, doing=f"start the move of {app_id}")}
    known = [
        m for m in deps.store.migrations_for_app(app_id) if not steps.is_terminal(m.current_step)
    ]
    if known:
        return await in_flight_reply(deps, known[0])
    try:
        active = await deps.butterbase.active(app_id)
    except ButterbaseError:
        active = None
    if active is None:
        return {
            "text": (
                f"A move of {app_id} is already running, started outside the bot (from the dashboard "
                "or by another key): Butterbase doesn't show it to the bot. It can't be followed or "
                "aborted from Slack; check the Butterbase dashboard. Nothing was started."
            )
        }
    return {
        "text": (
            f"A move of {app_id} is already in flight (`{active.migration_id[:8]}`, "
            f"{steps.label(active.current_step)}). `/migration-status {app_id}` shows it and lets "
            "you follow it here. Nothing was started."
        )
    }


async def in_flight_reply(deps: Deps, m: TrackedMigration) -> dict[str, Any]:
    link = await permalink(deps, m.channel_id, m.card_ts)
    where = f"<{link}|its card>" if link else f"its card in <#{m.channel_id}>"
    text = (
        f"A move of {m.app_id} is already in flight (`{m.short_id}`, {steps.label(m.current_step)}): "
        f"see {where}. Nothing was started."
    )
    blocks: list[dict[str, Any]] = [SectionBlock(text=text).to_dict()]
    if steps.may_abort(m.current_step):
        blocks.append(
            {
                "type": "actions",
                "block_id": ids.versioned_block_id(
                    ids.CARD_ACTIONS, m.migration_id, m.card_version
                ),
                "elements": [
                    {
                        "type": "button",
                        "action_id": ids.ABORT,
                        "text": {"type": "plain_text", "text": "Abort it"},
                        "style": "danger",
                        "value": m.migration_id,
                        "confirm": abort_confirm(
                            m.app_id,
                            source=m.source_region,
                            dest=m.dest_region,
                            step=m.current_step,
                        ).to_dict(),
                    }
                ],
            }
        )
    return {"text": text, "blocks": blocks}


async def permalink(deps: Deps, channel: str, ts: str | None) -> str | None:
    if not ts:
        return None
    try:
        response = await deps.slack.chat_getPermalink(channel=channel, message_ts=ts)
    except Exception:  # a link is a nicety: the reply still names the channel
        log.warning("could not get a permalink for %s/%s", channel, ts)
        return None
    return str(response.get("permalink") or "") or None
