"""Resolving the migration ids people type (whole or short) against what the bot knows.

Only UUIDs ever reach the API (the server answers 500 or an odd 409 otherwise), and a
migration is always checked to belong to the app it was asked about (the server does
not check the app in the reverse path).
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.butterbase import ButterbaseClient
from bot.errors import NotFound
from bot.models import MigrationStatus
from bot.parsing import UUID, UsageError
from storage.records import TrackedMigration
from storage.store import Store


@dataclass(frozen=True)
class Resolved:
    app_id: str
    migration_id: str
    tracked: TrackedMigration | None  # None: a migration the bot does not follow
    status: MigrationStatus | None = None  # read from the API when not tracked


def _belongs(m: TrackedMigration, app_id: str | None) -> None:
    if app_id is not None and m.app_id != app_id:
        raise UsageError(
            f"Move `{m.short_id}` belongs to {m.app_id}, not {app_id}. Nothing was done."
        )


def resolve_known(store: Store, ref: str, app_id: str | None) -> TrackedMigration | None:
    """A migration the bot follows, by whole or short id; UsageError when ambiguous
    or of another app; None when the bot knows none."""
    matches = store.find_migrations(ref)
    if len(matches) > 1:
        listed = ", ".join(f"`{m.migration_id}` ({m.app_id})" for m in matches[:5])
        raise UsageError(f"`{ref}` matches {len(matches)} migrations: {listed}. Give the whole id.")
    if not matches:
        return None
    _belongs(matches[0], app_id)
    return matches[0]


async def resolve(store: Store, butterbase: ButterbaseClient, *, app_id: str, ref: str) -> Resolved:
    """`ref` (validated by the parser) as a migration of `app_id`."""
    known = resolve_known(store, ref, app_id)
    if known is not None:
        return Resolved(app_id=known.app_id, migration_id=known.migration_id, tracked=known)
    if not UUID.match(ref):
        raise UsageError(
            f"The bot knows no migration starting with `{ref}`. Give the whole migration id, "
            f"or see `/migration-status {app_id}`."
        )
    try:
        status = await butterbase.status(app_id, ref)
    except NotFound:
        raise UsageError(f"Butterbase knows no migration `{ref}` of {app_id}.") from None
    return Resolved(app_id=app_id, migration_id=status.migration_id, tracked=None, status=status)
