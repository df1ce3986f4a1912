"""The App Home tab: published when someone opens it, and again when what it shows
changes while they have opened it recently.

`HomeTab` gathers each person's `HomeData` from the store (and the retained replicas
from Butterbase, cached for a minute), renders it with `bot.home.render_home` and
publishes it with `views.publish`. `refresh()` is a scheduler job: for everyone who
opened their Home in the last ten minutes it republishes when the rendered view
changed, at most once per `min_interval` seconds per person.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
import logging
from datetime import datetime
from typing import Any
from weakref import WeakKeyDictionary

from slack_sdk.errors import SlackApiError

from bot import steps
from bot.deps import Deps
from bot.directory import DirectoryError
from bot.errors import ButterbaseError
from bot.explain import explain
from bot.home import UPDATED_BLOCK, HomeData, link_key, render_home
from bot.models import SourceReplica
from bot.render.text import hhmm, seconds_between
from bot.replica_listing import kept_replicas, teardown_blocks
from storage.records import Approval
from storage.store import Store

log = logging.getLogger(__name__)

OPEN_WINDOW = 600.0  # seconds after opening during which a Home is kept fresh
REFRESH_SECONDS = 3.0  # how often the refresh job runs
MIN_INTERVAL = 5.0  # at most one republish per person per this many seconds
REPLICAS_TTL = 60.0  # the retained replicas are read from Butterbase at most this often
RECENT = 30  # of a person's own migrations
LINKS_PER_PUBLISH = 25  # new permalinks looked up per publish (the rest next time)

_TABS: WeakKeyDictionary[Store, HomeTab] = WeakKeyDictionary()


def home_tab(deps: Deps) -> HomeTab:
    """The runtime's one `HomeTab` (shared by the event listener and the refresh job)."""
    tab = _TABS.get(deps.store)
    if tab is None:
        tab = _TABS[deps.store] = HomeTab(deps)
    return tab


async def handle_app_home_opened(event: dict[str, Any], *, deps: Deps) -> None:
    """`app_home_opened` (the Home tab, not the Messages tab): publish it straight away."""
    user = event.get("user")
    if event.get("tab", "home") != "home" or not user:
        return
    await home_tab(deps).opened(str(user))


def _fingerprint(view: dict[str, Any]) -> str:
    blocks = [b for b in view.get("blocks", []) if b.get("block_id") != UPDATED_BLOCK]
    return hashlib.sha256(json.dumps(blocks, sort_keys=True).encode()).hexdigest()


class HomeTab:
    def __init__(self, deps: Deps, *, min_interval: float = MIN_INTERVAL) -> None:
        self._deps = deps
        self._min_interval = min_interval
        self._opened: dict[str, datetime] = {}
        self._published: dict[str, tuple[str, datetime]] = {}  # user → (fingerprint, at)
        self._links: dict[str, str] = {}
        self._replicas: list[SourceReplica] = []
        self._regions: dict[str, str | None] = {}  # app id → region, read with the replicas
        self._replicas_at: datetime | None = None
        self._replicas_note: str | None = None
        self._replicas_lock = asyncio.Lock()

    @property
    def recent_openers(self) -> list[str]:
        return list(self._opened)

    async def opened(self, user: str) -> None:
        """`user` opened their Home: publish it now and keep it fresh for a while."""
        self._opened[user] = self._deps.clock.now()
        await self.publish(user, force=True)

    async def refresh(self) -> None:
        """The scheduler's job: republish the Homes opened recently whose content changed."""
        now = self._deps.clock.now()
        for user, at in list(self._opened.items()):
            if seconds_between(at, now) > OPEN_WINDOW:
                self._opened.pop(user, None)
                self._published.pop(user, None)
                continue
            try:
                await self.publish(user)
            except Exception:
                log.exception("refreshing the Home of %s failed", user)

    async def publish(self, user: str, *, force: bool = False) -> bool:
        """Publish `user`'s Home; unless `force`, only if it changed and not too soon."""
        now = self._deps.clock.now()
        view = render_home(await self.data_for(user, fresh=force), now=now)
        fingerprint = _fingerprint(view)
        last = self._published.get(user)
        if not force and last is not None:
            if last[0] == fingerprint or seconds_between(last[1], now) < self._min_interval:
                return False
        try:
            await self._deps.slack.views_publish(user_id=user, view=view)
        except SlackApiError as exc:
            log.warning(
                "could not publish the Home of %s: %s", user, exc.response.get("error", "error")
            )
            return False
        self._published[user] = (fingerprint, now)
        return True

    async def data_for(self, user: str, *, fresh: bool = False) -> HomeData:
        """What `user`'s Home shows now (`fresh`: read the replicas again)."""
        deps, now = self._deps, self._deps.clock.now()
        store = deps.store
        in_flight = [m for m in store.polling_migrations() if not steps.is_terminal(m.current_step)]
        may_approve = await self.may_approve(user)
        waiting = self._waiting(user, now) if may_approve else []
        recent = [
            m
            for m in store.recent_migrations(requester=user, limit=RECENT)
            if steps.is_terminal(m.current_step) or not m.polling
        ]
        listed = await self._current_replicas(max_age=0.0 if fresh else REPLICAS_TTL)
        replicas = kept_replicas(store, listed, regions=self._regions)  # no reversed source
        await self._look_up_links(
            [(m.channel_id, m.card_ts) for m in [*in_flight, *recent]]
            + [(a.channel_id, a.message_ts) for a in waiting]
        )
        return HomeData(
            user=user,
            in_flight=in_flight,
            waiting=waiting,
            may_approve=may_approve,
            recent=recent,
            replicas=replicas,
            blocked=self._blocked(replicas, now),
            links={key: url for key, url in self._links.items() if url},
            replicas_note=self._replicas_note,
            reverses={
                m.migration_id: r
                for m in recent
                if m.reversed_by and (r := store.get_migration(m.reversed_by)) is not None
            },
        )

    async def may_approve(self, user: str) -> bool:
        """In `BOT_APPROVERS` or in `BOT_APPROVER_GROUP` (unreadable group: no)."""
        settings = self._deps.settings
        if user in settings.bot_approvers:
            return True
        if not settings.bot_approver_group:
            return False
        try:
            return user in await self._deps.directory.group_members(settings.bot_approver_group)
        except DirectoryError:
            log.warning("could not read the approver group for the Home of %s", user)
            return False

    def _waiting(self, user: str, now: datetime) -> list[Approval]:
        own_ok = self._deps.settings.bot_allow_self_approval
        return [
            a
            for a in self._deps.store.approvals_waiting_for(user)
            if a.expires_at > now and (own_ok or a.requester != user)
        ]

    def _blocked(self, replicas: list[SourceReplica], now: datetime) -> dict[str, str]:
        """Why a replica has no "Request teardown" button: a request already open, else
        the one rule every list uses (`teardown_blocks`: the live database, the soak…)."""
        asked = {
            a.migration_id: a for a in self._deps.store.pending_approvals() if a.kind == "teardown"
        }
        soak = self._deps.settings.bot_teardown_soak
        blocked = teardown_blocks(
            self._deps.store, replicas, regions=self._regions, now=now, soak=soak
        )
        for r in replicas:
            request = asked.get(r.migration_id)
            if request is not None:
                blocked[r.migration_id] = (
                    f"Teardown requested by <@{request.requester}>, waiting for approval."
                )
        return blocked

    async def _current_replicas(self, *, max_age: float) -> list[SourceReplica]:
        async with self._replicas_lock:
            now = self._deps.clock.now()
            if self._replicas_at is not None and seconds_between(self._replicas_at, now) < max_age:
                return self._replicas
            try:
                replicas = await self._deps.butterbase.source_replicas()
                apps = await self._deps.butterbase.apps()
                self._replicas, self._regions = replicas, {a.id: a.region for a in apps}
                for r in replicas:  # listed: its "Request teardown" may ask for a reason
                    self._deps.cards.replica_costs[r.migration_id] = r.estimated_monthly_cost_usd
                self._replicas_note = None
            except ButterbaseError as exc:
                shown = f" (as of {hhmm(self._replicas_at)})" if self._replicas_at else ""
                self._replicas_note = f":warning: {explain(exc, doing='list the replicas')}{shown}"
                log.warning("the Home could not list the retained replicas: %s", exc)
            self._replicas_at = now
            return self._replicas

    async def _look_up_links(self, messages: list[tuple[str, str | None]]) -> None:
        """Permalinks of cards and request cards (they never change: kept)."""
        missing = [(c, ts) for c, ts in messages if ts and link_key(c, ts) not in self._links]
        for channel, ts in missing[:LINKS_PER_PUBLISH]:
            assert ts is not None
            try:
                response = await self._deps.slack.chat_getPermalink(channel=channel, message_ts=ts)
            except SlackApiError as exc:  # the Home names the channel instead
                if exc.response.get("error") in ("message_not_found", "channel_not_found"):
                    self._links[link_key(channel, ts)] = ""  # gone for good: don't ask again
                continue
            url = response.get("permalink")
            if url:
                self._links[link_key(channel, ts)] = str(url)
