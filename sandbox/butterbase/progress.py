"""The saga's notes (`progress`) as the published server writes them, and the replica cost.

Each step that ends well adds its own keys; there are no `<step>_done` keys. The
dump's size is 0 unless the documented case is switched on (`report_dump_size`),
and the replica's estimated cost follows from it: 0 when the size is 0.
"""

from __future__ import annotations

import uuid
import zlib
from datetime import datetime
from typing import Any

from .clock import iso
from .config import SimulatorConfig
from .models import App, Migration

DEST_APP_NAMESPACE = uuid.UUID("6f1d7c2e-4b0a-4c8e-9a57-0b2d3e4f5a61")


def _spread(seed: str, low: int, high: int) -> int:
    """A stable number in [low, high) derived from `seed`."""
    return low + zlib.crc32(seed.encode()) % (high - low)


def dump_bytes(app_id: str) -> int:
    """A stable, plausible dump size for an app (100 MiB to 1 GiB)."""
    return _spread(app_id, 100, 1024) * 1024 * 1024


def kv_keys(app: App) -> int:
    """How many key-value entries the app has (0 without kv data)."""
    return _spread(f"kv:{app.id}", 1_000, 50_000) if app.kv else 0


def reports_dump_size(app: App, config: SimulatorConfig) -> bool:
    """Whether the dump of this app's moves has a size (the app's switch, else the config's)."""
    if app.report_dump_size is not None:
        return app.report_dump_size
    return config.report_dump_size


def notes_for(
    step: str, migration: Migration, app: App, *, at: datetime, sized: bool, no_replica: bool
) -> dict[str, Any]:
    """The keys `step` adds to `progress` when it ends well at `at`."""
    if step == "reserving_dest":
        dest = migration.dest_region.replace("-", "_")
        return {
            "dest_app_id": str(uuid.uuid5(DEST_APP_NAMESPACE, migration.id)),
            "neon_db_name": f"bb_{app.id.replace('-', '_')}_{dest}",
        }
    if step == "dumping_data":
        return {
            "dump_object_key": f"migrations/{migration.id}/db.dump",
            "dump_bytes": dump_bytes(app.id) if sized else 0,
        }
    if step == "restoring_data":
        return {"restore_completed_at": iso(at)}
    if step == "dumping_kv":
        key = f"migrations/{migration.id}/kv.jsonl" if app.kv else None
        return {"kv_dump_object_key": key, "kv_dump_keys": kv_keys(app)}
    if step == "restoring_kv":
        return {"kv_restored_keys": kv_keys(app), "kv_restored_at": iso(at)}
    if step == "copying_blobs":
        return {"blobs_skipped": 0}
    if step == "copying_runtime":
        return {
            "copied_tables": _spread(f"tables:{app.id}", 3, 12),
            "runtime_rows_copied": _spread(f"rows:{app.id}", 10, 5_000),
        }
    if step == "setting_up_reverse_replication":
        if no_replica:
            return {"reverse_replication_skipped": True}
        return {"replication_slot": f"bb_reverse_{migration.id.replace('-', '')[:12]}"}
    return {}


def estimated_cost(app: App | None, migration: Migration) -> float | None:
    """The replica's estimated monthly cost: null when unknown, 0 when the dump had no size."""
    if app is None or app.replica_cost is None:
        return None
    if not migration.progress.get("dump_bytes"):
        return 0
    return app.replica_cost
