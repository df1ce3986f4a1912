"""Renders the cards the outbox sends, from what the store knows at send time."""

from __future__ import annotations

from bot import polling, steps
from bot.clock import Clock
from bot.render import Message, render_approval_closed, render_approval_request, render_card
from bot.settings import Settings
from bot.tracking import is_fast_reverse
from storage.records import TrackedMigration
from storage.store import Store


def approver_mentions(settings: Settings) -> str:
    """How the approvers are named (and pinged) on a request card: each user and the group."""
    names = [f"<@{u}>" for u in settings.bot_approvers]
    if settings.bot_approver_group:
        names.append(f"<!subteam^{settings.bot_approver_group}>")
    return " ".join(names) or "an approver"


class CardRenderer:
    def __init__(self, *, store: Store, clock: Clock, settings: Settings) -> None:
        self._store = store
        self._clock = clock
        self._settings = settings
        self.replica_costs: dict[str, float | None] = {}  # migration id → est. $/month

    def status_card(self, migration_id: str, *, followable: bool = False) -> Message | None:
        m = self._store.get_migration(migration_id)
        if m is None:
            return None
        learned = self._store.median_step_seconds()
        now = self._clock.now()
        eta = None
        if not steps.is_terminal(m.current_step) and m.step_started_at is not None:
            elapsed = (now - m.step_started_at).total_seconds()
            eta = polling.eta_text(m.current_step, elapsed, self._store.step_seconds())
        return render_card(
            m,
            self._store.step_history(migration_id),
            now=now,
            expected=learned,
            approvals=self._store.approvals_for_migration(migration_id),
            replica_cost=self.cost_of(m),
            followable=followable,
            app_moves=self._store.migrations_for_app(m.app_id),
            fast_reverse=self.fast_reverse(m),
            eta=eta,
        )

    def cost_of(self, m: TrackedMigration) -> float | None:
        """The replica's estimate: as last listed (a command, an approval), else as read
        when the move completed and kept with it (it survives a restart)."""
        listed = self.replica_costs.get(m.migration_id)
        return listed if listed is not None else m.replica_cost

    def fast_reverse(self, m: TrackedMigration) -> bool:
        """`m` is a reverse Butterbase created completed (`path: fast`): no step ran."""
        if m.kind != "reverse" or not m.parent_migration_id:
            return False
        return is_fast_reverse(m, self._store.approvals_for_migration(m.parent_migration_id))

    def approval_card(self, approval_id: str) -> Message | None:
        a = self._store.get_approval(approval_id)
        if a is None:
            return None
        m = self._store.get_migration(a.migration_id)
        now = self._clock.now()
        if a.status != "pending":
            return render_approval_closed(a, now=now, migration=m)
        return render_approval_request(
            a,
            now=now,
            approver_mentions=approver_mentions(self._settings),
            migration=m,
            replica_cost=self.cost_of(m) if m else self.replica_costs.get(a.migration_id),
        )
