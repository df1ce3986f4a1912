"""The App Home tab: a pure renderer, `HomeData` in, a `views.publish` view out.

For the person who opens it: the migrations in flight, the approval requests waiting
for them (only for people who may approve), their own recent migrations with the
outcome, and the retained replicas with a "Request teardown" button. Always within
Slack's 100 blocks: each section gets a fair share, the rest is "and 12 more".
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from slack_sdk.models.blocks import Block, DividerBlock
from slack_sdk.models.views import View

from bot import ids
from bot.models import SourceReplica
from bot.render.approval import subject
from bot.render.blocks import button, context, header, section
from bot.render.card import state_words
from bot.render.text import age, clip, cost, escape, hhmmss, mention, seconds_between
from storage.records import Approval, TrackedMigration

MAX_BLOCKS = 100  # Slack's limit for a Home tab
UPDATED_BLOCK = "home_updated"  # the only block that changes with the clock alone
GROUP_OVERHEAD = 3  # divider, title, "and N more"


@dataclass(frozen=True)
class HomeData:
    """Everything one person's Home shows, gathered by `handlers/events/home.py`."""

    user: str
    in_flight: Sequence[TrackedMigration] = ()
    waiting: Sequence[Approval] = ()  # requests this person may decide
    may_approve: bool = False  # False: the "waiting for you" section is left out
    recent: Sequence[TrackedMigration] = ()  # their finished migrations, newest first
    replicas: Sequence[SourceReplica] = ()
    blocked: Mapping[str, str] = field(default_factory=dict)  # migration id → why no button
    links: Mapping[str, str] = field(default_factory=dict)  # link_key(channel, ts) → URL
    replicas_note: str | None = None  # e.g. Butterbase could not be reached
    reverses: Mapping[str, TrackedMigration] = field(default_factory=dict)  # id → its reverse


@dataclass(frozen=True)
class _Group:
    title: str
    empty: str
    count: int
    item: Callable[[int], Block]
    more: str  # where to see the rest


def link_key(channel: str, ts: str) -> str:
    return f"{channel}:{ts}"


def _since(seconds: float) -> str:
    """Whole minutes (`12m`, `3h 5m`, `2d 4h`), so the Home changes at most once a minute."""
    if seconds < 60:
        return "under a minute"
    return age(seconds // 60 * 60)


def _route(m: TrackedMigration | SourceReplica) -> str:
    return f"{escape(m.source_region or 'unknown')} → {escape(m.dest_region or 'unknown')}"


def _where(links: Mapping[str, str], channel: str, ts: str | None, label: str) -> str:
    url = links.get(link_key(channel, ts)) if ts else None
    return f"<{url}|{label}>" if url else f"in <#{channel}>"


def _in_flight(m: TrackedMigration, data: HomeData, now: datetime) -> Block:
    who = mention(m.requester) if m.requester and not m.adopted else "started outside Slack"
    parts = [
        f"*{escape(m.app_id)}* · {_route(m)}",
        escape(state_words(m)),
        f"running {_since(seconds_between(m.created_at, now))}",
        who,
        _where(data.links, m.channel_id, m.card_ts, "open the card"),
    ]
    if m.retry_count and m.last_error:
        parts.append(f":warning: retrying: {clip(m.last_error, 200)}")
    return section(" · ".join(parts))


def _waiting(a: Approval, data: HomeData, now: datetime) -> Block:
    what = subject(a, None)
    left = seconds_between(now, a.expires_at)
    parts = [
        f"*{what[0].upper()}{what[1:]}*",
        f"asked by {mention(a.requester)} {_since(seconds_between(a.requested_at, now))} ago",
        f"{len(a.approvers)} of {a.required} approvals",
        f"expires in {_since(left)}",
        _where(data.links, a.channel_id, a.message_ts, "decide on the request"),
    ]
    return section(" · ".join(parts))


def _recent(m: TrackedMigration, data: HomeData, now: datetime) -> Block:
    ended = m.completed_at or m.updated_at
    reverse = data.reverses.get(m.migration_id)
    outcome = "no longer known to Butterbase" if m.not_found else state_words(m, reverse)
    parts = [
        f"*{escape(m.app_id)}* · {_route(m)}",
        escape(outcome),
        f"{_since(seconds_between(ended, now))} ago",
        _where(data.links, m.channel_id, m.card_ts, "open the card"),
    ]
    if m.kind == "reverse":
        parts.insert(1, "reverse")
    return section(" · ".join(parts))


def _replica(r: SourceReplica, data: HomeData, now: datetime) -> Block:
    held = (
        f"kept for {_since(seconds_between(r.completed_at, now))}"
        if r.completed_at
        else "age unknown"
    )
    line = (
        f"*{escape(r.app_id)}* · replica in {escape(r.source_region or 'unknown')} "
        f"(moved to {escape(r.dest_region or 'unknown')}) · {held} · "
        f"est. {cost(r.estimated_monthly_cost_usd)} · `{escape(r.migration_id[:8])}`"
    )
    reason = data.blocked.get(r.migration_id)
    if reason is not None:
        return section(f"{line}\n:hourglass: {clip(reason, 500, keep_mentions=True)}")
    ask = button("Request teardown", ids.HOME_REQUEST_TEARDOWN, r.migration_id)
    return section(line, accessory=ask)


def allocate(demands: Sequence[int], budget: int) -> list[int]:
    """Share `budget` slots fairly: small demands are met in full, the rest split evenly."""
    shares = [0] * len(demands)
    left = max(0, budget)
    order = sorted(range(len(demands)), key=lambda i: demands[i])
    for done, i in enumerate(order):
        fair = left // (len(order) - done)
        shares[i] = min(demands[i], fair)
        left -= shares[i]
    return shares


def _groups(data: HomeData, now: datetime) -> list[_Group]:
    groups = [
        _Group(
            f"*In flight* ({len(data.in_flight)})",
            "*In flight* · nothing is moving right now.",
            len(data.in_flight),
            lambda i: _in_flight(data.in_flight[i], data, now),
            "`/migration-status` in a channel lists its moves",
        )
    ]
    if data.may_approve:
        groups.append(
            _Group(
                f"*Waiting for your approval* ({len(data.waiting)})",
                "*Waiting for your approval* · nothing.",
                len(data.waiting),
                lambda i: _waiting(data.waiting[i], data, now),
                "the request cards are in the moves' threads",
            )
        )
    groups.append(
        _Group(
            f"*Your recent moves* ({len(data.recent)})",
            "*Your recent moves* · none yet. Start one with "
            + escape("`/migrate <app_id> <region>`."),
            len(data.recent),
            lambda i: _recent(data.recent[i], data, now),
            escape("`/migration-status <app_id>` shows any of them"),
        )
    )
    title = f"*Replicas kept* ({len(data.replicas)})"
    groups.append(
        _Group(
            title + (f"\n{clip(data.replicas_note, 500)}" if data.replicas_note else ""),
            "*Replicas kept* · none."
            + (f"\n{clip(data.replicas_note, 500)}" if data.replicas_note else ""),
            len(data.replicas),
            lambda i: _replica(data.replicas[i], data, now),
            "`/teardown` lists them all",
        )
    )
    return groups


def render_home(data: HomeData, *, now: datetime) -> dict[str, Any]:
    """The Home view for `data.user` (a dict for `views.publish`), ≤ 100 blocks."""
    groups = _groups(data, now)
    blocks: list[Block] = [
        header("Butterbase migrations"),
        context(f"For {mention(data.user)}", f"updated {hhmmss(now)}"),
    ]
    blocks[-1].block_id = UPDATED_BLOCK
    budget = MAX_BLOCKS - len(blocks) - GROUP_OVERHEAD * len(groups)
    for group, shown in zip(groups, allocate([g.count for g in groups], budget), strict=True):
        blocks.append(DividerBlock())
        if not group.count:
            blocks.append(section(group.empty))
            continue
        blocks.append(section(group.title))
        blocks.extend(group.item(i) for i in range(shown))
        if group.count > shown:
            blocks.append(context(f"and {group.count - shown} more — {group.more}"))
    view = View(type="home", callback_id="home", blocks=blocks)
    return view.to_dict()
