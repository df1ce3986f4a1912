"""The retained replicas as every list shows them (`/teardown`, App Home, the daily
reminder): each judged by the one rule (`bot.replica_rules.blocker`) with what the store
knows of it (a reverse the bot started) and where its app is served now (`GET /apps`)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime

from bot.approvals import listing_block
from bot.models import SourceReplica
from bot.replica_rules import Target, blocker, replica_target, reversed_by
from storage.records import OutboxItem, TrackedMigration
from storage.store import Store


def listed_target(store: Store, r: SourceReplica, *, app_region: str | None) -> Target:
    """A listed replica as a `Target`, with the reverse the bot knows of, if any."""
    known = store.get_migration(r.migration_id)
    moves = store.migrations_for_app(r.app_id)
    back = reversed_by(r.migration_id, known, moves) or (
        rev.migration_id if (rev := store.reverse_of(r.migration_id)) else None
    )
    return replica_target(r, app_region=app_region, reversed_by=back)


def is_live_database(store: Store, r: SourceReplica, *, app_region: str | None) -> bool:
    """`r`'s source region serves its app again (a reverse of it ran): Butterbase still
    lists it, but it is the app's live database, not a kept replica. From `GET /apps`
    when the app's region was read, else from the reverses the bot knows of."""
    if app_region is not None:
        return app_region == r.source_region
    return listed_target(store, r, app_region=None).reversed_by is not None


def kept_replicas(
    store: Store, replicas: Sequence[SourceReplica], *, regions: Mapping[str, str | None]
) -> list[SourceReplica]:
    """The replicas every list shows and totals: without a reversed move's old source."""
    return [r for r in replicas if not is_live_database(store, r, app_region=regions.get(r.app_id))]


def teardown_blocks(
    store: Store,
    replicas: Sequence[SourceReplica],
    *,
    regions: Mapping[str, str | None],
    now: datetime,
    soak: float,
) -> dict[str, str]:
    """Migration id → why its replica gets no "Request teardown" button (raw text)."""
    blocked: dict[str, str] = {}
    for r in replicas:
        t = listed_target(store, r, app_region=regions.get(r.app_id))
        reason = listing_block(t, now=now, soak=soak)
        if reason is not None:
            blocked[r.migration_id] = reason
    return blocked


def may_tear_down(store: Store, r: SourceReplica, *, app_region: str | None) -> bool:
    """Whether the rule allows a teardown of `r` at all (the soak time aside)."""
    return blocker("teardown", listed_target(store, r, app_region=app_region)) is None


def superseded_cards(store: Store, m: TrackedMigration, now: datetime) -> list[OutboxItem]:
    """Card updates for the app's older completed moves that `m` (a later move, just seen
    for the first time or just ended) supersedes: their cards lose "Request reverse" and
    say why. Their card versions are bumped and saved here; the items are to be queued."""
    items: list[OutboxItem] = []
    for old in store.migrations_for_app(m.app_id):
        if old.migration_id == m.migration_id or old.created_at >= m.created_at:
            continue
        if old.current_step != "completed" or old.replica_state != "replicating":
            continue
        if old.reversed_by or not old.card_ts or m.parent_migration_id == old.migration_id:
            continue
        old.card_version += 1
        store.save_migration(old)
        items.append(
            OutboxItem(
                kind="card",
                channel_id=old.channel_id,
                migration_id=old.migration_id,
                created_at=now,
            )
        )
    return items
