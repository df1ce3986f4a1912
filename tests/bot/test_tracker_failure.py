"""The tracker reads `GET /apps` before telling where a failed move's app is served."""

from __future__ import annotations

from bot.clock import FakeClock
from bot.errors import Unavailable
from bot.models import App, MigrationStatus
from bot.tracker import Tracker
from storage.records import TrackedMigration
from storage.store import Store

MID = "00000000-0000-4000-8000-000000000001"


class FailedInsideCutover:
    """A move that failed inside `flipping_routing`; `GET /apps` answers `app` (or fails)."""

    def __init__(self, app: App | None, *, apps_down: bool = False) -> None:
        self._app = app
        self._down = apps_down
        self.app_reads = 0

    async def status(self, app_id: str, migration_id: str) -> MigrationStatus:
        return MigrationStatus(
            migration_id=migration_id, current_step="failed", last_error="route53 timeout"
        )

    async def app(self, app_id: str) -> App | None:
        self.app_reads += 1
        if self._down:
            raise Unavailable("503", route="apps", status=503)
        return self._app


async def _failed_reply(butterbase: FailedInsideCutover) -> str:
    clock = FakeClock()
    store = Store.in_memory(clock=clock)
    now = clock.now()
    store.add_migration(
        TrackedMigration(
            migration_id=MID,
            app_id="app-42",
            source_region="us-east-1",
            dest_region="eu-west-1",
            channel_id="C1",
            requester="U_REQ",
            created_at=now,
            updated_at=now,
            current_step="flipping_routing",
            seen_steps=["copying_runtime", "flipping_routing"],
        )
    )
    tracker = Tracker(store=store, butterbase=butterbase, clock=clock, poll_seconds=5)  # type: ignore[arg-type]
    await tracker.poll_now(MID)
    texts = [i.payload.get("text", "") for i in store.pending_outbox_for(MID)]
    store.close()
    return next(t for t in texts if "FAILED" in t)


async def test_a_failure_inside_flipping_routing_says_the_app_is_still_in_the_source() -> None:
    still = App(id="app-42", region="us-east-1", provisioning_status="migrating")
    butterbase = FailedInsideCutover(still)
    text = await _failed_reply(butterbase)
    assert butterbase.app_reads == 1
    assert "FAILED during cutover" in text
    assert "still served from us-east-1 (routing did not flip), writes still paused" in text
    assert "eu-west-1" not in text.split("·", 2)[-1]  # only in the headline's route


async def test_when_the_app_cannot_be_read_no_region_is_claimed() -> None:
    text = await _failed_reply(FailedInsideCutover(None, apps_down=True))
    assert "where it is served from could not be read" in text
    assert "served from eu-west-1" not in text
