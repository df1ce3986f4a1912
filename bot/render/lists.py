"""Private status, the channel overview and the list of retained replicas."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime

from slack_sdk.models.blocks import Block

from bot import ids, steps
from bot.models import SourceReplica
from bot.render.approval import outcome, subject
from bot.render.blocks import (
    MAX_BLOCKS,
    Message,
    actions,
    button,
    context,
    lines_section,
    message,
    section,
)
from bot.render.card import card_body
from bot.render.text import (
    age,
    clip,
    cost,
    escape,
    hhmm,
    hhmmss,
    known_cost,
    mention,
    seconds_between,
)
from storage.records import Approval, StepRecord, TrackedMigration

OVERVIEW_ITEMS = 40  # lines in the channel overview, running moves first
REPLICA_ITEMS = MAX_BLOCKS - 5  # one section per replica, plus title, total and "more"


def render_status_private(
    m: TrackedMigration,
    history: list[StepRecord],
    *,
    now: datetime,
    expected: Mapping[str, float],
    approvals: Sequence[Approval],
    replica_cost: float | None = None,
    app_writes_paused: bool | None = None,
) -> Message:
    """`/migration-status <app> <id>`: the card without its buttons, the migration's
    approvals with their outcome, and a button to share it in the channel."""
    text, blocks = card_body(
        m,
        history,
        now=now,
        expected=expected,
        approvals=approvals,
        replica_cost=replica_cost,
        app_writes_paused=app_writes_paused,
        # a running move: every step (the detail one command away); a finished one: its
        # one-line outcome, as on the card (the thread keeps each step's time)
        full_steps=not steps.is_terminal(m.current_step),
    )
    mine = [a for a in approvals if a.migration_id == m.migration_id]
    if mine:
        lines = ["*Approvals*"]
        for a in mine:
            what = subject(a, m)
            lines.append(
                f"• {what[0].upper()}{what[1:]}, requested by {mention(a.requester)} "
                f"at {hhmm(a.requested_at)}: {outcome(a, m)}"
            )
        blocks.insert(-1, lines_section(lines))
    blocks.append(actions([button("Share in channel", ids.SHARE_STATUS, m.migration_id)]))
    return message(text, blocks)


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}{'' if n == 1 else 's'}"


def _route(source: str | None, dest: str | None) -> str:
    return f"{escape(source or 'unknown')} → {escape(dest or 'unknown')}"


def _replica_line(r: SourceReplica, now: datetime) -> str:
    held = (
        f"kept for {age(seconds_between(r.completed_at, now))}" if r.completed_at else "age unknown"
    )
    return (
        f"*{escape(r.app_id)}* · {_route(r.source_region, r.dest_region)} · {held} · "
        f"est. {cost(r.estimated_monthly_cost_usd)} · {escape(r.migration_id[:8])}"
    )


def _live_line(r: SourceReplica) -> str:
    """A row of `GET /v1/source-replicas` whose 'replica' serves the app again."""
    return (
        f"*{escape(r.app_id)}* · :house: {escape(r.source_region or 'its source region')} is "
        f"the app's live primary again (after a reverse of {escape(r.migration_id[:8])}), "
        "no replica is kept there: nothing to tear down"
    )


def _total(replicas: Sequence[SourceReplica]) -> str:
    costs = [known_cost(r.estimated_monthly_cost_usd) for r in replicas]
    known = [c for c in costs if c is not None]
    unknown = len(replicas) - len(known)
    count = _plural(len(replicas), "replica")
    if not known:
        return f"{count} · est. cost unknown"
    line = f"{count} · est. {cost(sum(known))} in total"
    return line + (f", plus {unknown} with unknown cost" if unknown else "")


def render_channel_overview(
    migrations: list[TrackedMigration],
    replicas: list[SourceReplica],
    *,
    now: datetime,
    live: Collection[str] = (),
) -> Message:
    """`/migration-status` with no argument: what runs in this channel, and the replicas.
    `live`: ids of listed migrations whose source region serves the app again."""
    primaries = [r for r in replicas if r.migration_id in live]
    replicas = [r for r in replicas if r.migration_id not in live]
    running = [m for m in migrations if not steps.is_terminal(m.current_step)]
    if not running and not replicas and not primaries:
        return message(
            "Nothing running in this channel.", [section("Nothing running in this channel.")]
        )
    blocks: list[Block] = []
    if running:
        lines = [f"*Running in this channel* ({len(running)})"]
        for m in running[:OVERVIEW_ITEMS]:
            elapsed = age(seconds_between(m.created_at, now))
            lines.append(
                f"• *{escape(m.app_id)}* · {_route(m.source_region, m.dest_region)} · "
                f"{escape(steps.label(m.current_step))} · {elapsed} · {escape(m.short_id)}"
            )
        if len(running) > OVERVIEW_ITEMS:
            lines.append(f"and {len(running) - OVERVIEW_ITEMS} more")
        blocks.append(lines_section(lines))
    else:
        blocks.append(section("Nothing running in this channel."))
    room = max(OVERVIEW_ITEMS - len(running), 5)
    if replicas:
        lines = [f"*Replicas kept* ({len(replicas)})"]
        lines += [f"• {_replica_line(r, now)}" for r in replicas[:room]]
        if len(replicas) > room:
            lines.append(f"and {len(replicas) - room} more")
        blocks.append(lines_section(lines))
        blocks.append(context(_total(replicas)))
    if primaries:
        blocks.append(lines_section([f"• {_live_line(r)}" for r in primaries[:room]]))
    blocks.append(context(f"updated {hhmmss(now)}"))
    moves = f"{_plural(len(running), 'move')} running in this channel"
    if not running:
        moves = "Nothing running in this channel"
    text = moves + (f" · {_plural(len(replicas), 'replica')}" if replicas else "")
    return message(text, blocks)


def render_replicas(
    replicas: list[SourceReplica],
    *,
    now: datetime,
    blocked: Mapping[str, str] | None = None,
    live: Collection[str] = (),
) -> Message:
    """`/teardown` with no argument: each retained replica, with a teardown button
    unless `blocked` gives the reason one may not be requested. `live`: ids whose
    source region serves the app again (after a reverse): shown, never counted."""
    retained = [r for r in replicas if r.migration_id not in live]
    if not replicas:
        return message("No replicas kept.", [section("No replicas kept.")])
    blocked = blocked or {}
    total = _total(retained) if retained else "No replicas kept"
    blocks: list[Block] = [section(f"*Replicas kept* · {total}")]
    for r in replicas[:REPLICA_ITEMS]:
        if r.migration_id in live:
            blocks.append(section(_live_line(r)))
            continue
        line = _replica_line(r, now)
        reason = blocked.get(r.migration_id)
        if reason is not None:
            blocks.append(section(f"{line}\n:no_entry: {clip(reason, 500, keep_mentions=True)}"))
        else:
            ask = button("Request teardown", ids.REQUEST_TEARDOWN, r.migration_id)
            blocks.append(section(line, accessory=ask))
    if len(replicas) > REPLICA_ITEMS:
        blocks.append(context(f"and {len(replicas) - REPLICA_ITEMS} more"))
    blocks.append(context(f"updated {hhmmss(now)}"))
    return message(total, blocks)
