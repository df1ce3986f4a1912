"""The async client for Butterbase's control API (see shared/butterbase-api.md).

One `httpx.AsyncClient`, typed answers (bot.models), failures mapped onto the tree
in bot.errors. Reads are retried; a mutating call is re-sent only when it certainly
did not take effect, and an ambiguous outcome is settled by reading state back. A
migration id that is not a UUID is refused before anything is sent (`InvalidId`).
"""

from __future__ import annotations

import asyncio
import random
from collections.abc import Awaitable, Callable
from types import TracebackType
from typing import Self, TypeVar
from urllib.parse import quote

import httpx
from pydantic import BaseModel

from bot import steps
from bot.clock import Clock, SystemClock
from bot.errors import AmbiguousResult, ButterbaseError, Conflict
from bot.models import (
    AbortAccepted,
    App,
    MigrationStatus,
    MoveAccepted,
    ReverseAccepted,
    SourceReplica,
    TeardownDone,
)
from bot.retry import Call, OnRequest, RetryPolicy, Sender

T = TypeVar("T")


class _Regions(BaseModel):
    regions: list[str]


class _Apps(BaseModel):
    apps: list[App]


class _Active(BaseModel):
    migration: MigrationStatus | None  # the key must be there; null means none


class _Replicas(BaseModel):
    source_replicas: list[SourceReplica]


def _seg(value: str) -> str:
    return quote(str(value), safe="")


class ButterbaseClient:
    """Butterbase's migration routes as typed async methods."""

    def __init__(
        self,
        *,
        base_url: str,
        api_key: str | None,
        transport: httpx.AsyncBaseTransport | None = None,
        timeout: float = 10.0,
        max_attempts: int = 4,
        backoff_base: float = 0.5,
        backoff_cap: float = 8.0,
        max_wait: float = 30.0,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        rng: random.Random | None = None,
        on_request: OnRequest | None = None,
        clock: Clock | None = None,
    ) -> None:
        self._base_url = base_url
        self._has_key = bool(api_key)
        self._http = httpx.AsyncClient(
            base_url=base_url,
            transport=transport,
            timeout=httpx.Timeout(timeout),
            headers={"Accept": "application/json", "User-Agent": "butterbase-migrations-bot"},
        )
        self._sender = Sender(
            http=self._http,
            api_key=api_key or None,
            policy=RetryPolicy(
                max_attempts=max_attempts,
                backoff_base=backoff_base,
                backoff_cap=backoff_cap,
                max_wait=max_wait,
            ),
            sleep=sleep,
            rng=rng or random.Random(),
            clock=clock or SystemClock(),
            on_request=on_request,
        )

    def __repr__(self) -> str:
        key = "set" if self._has_key else "none"
        return f"ButterbaseClient(base_url={self._base_url!r}, api_key=<{key}>)"

    async def aclose(self) -> None:
        await self._http.aclose()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.aclose()

    # --- reads -------------------------------------------------------------

    async def regions(self) -> list[str]:
        """The region slugs a move may go to (uncached: bot.regions.RegionCache caches)."""
        call = Call("regions", "GET", "/v1/regions", auth=False)
        return (await self._sender.send(call, _Regions)).regions

    async def apps(self) -> list[App]:
        return (await self._sender.send(Call("apps", "GET", "/apps"), _Apps)).apps

    async def app(self, app_id: str) -> App | None:
        return next((app for app in await self.apps() if app.id == app_id), None)

    async def status(self, app_id: str, migration_id: str) -> MigrationStatus:
        path = f"/v1/apps/{_seg(app_id)}/migrations/{_seg(migration_id)}"
        call = Call("status", "GET", path, ids=(migration_id,))
        return await self._sender.send(call, MigrationStatus)

    async def active(self, app_id: str) -> MigrationStatus | None:
        """The app's running migration started with this key (others' are not shown)."""
        path = f"/v1/apps/{_seg(app_id)}/migrations/active"
        return (await self._sender.send(Call("active", "GET", path), _Active)).migration

    async def source_replicas(self) -> list[SourceReplica]:
        call = Call("replicas", "GET", "/v1/source-replicas")
        return (await self._sender.send(call, _Replicas)).source_replicas

    # --- mutations ---------------------------------------------------------

    async def move(self, app_id: str, dest_region: str) -> MoveAccepted:
        call = Call(
            "move",
            "POST",
            f"/v1/apps/{_seg(app_id)}/move",
            attempted=f"move {app_id} to {dest_region}",
            body={"dest_region": dest_region},
        )
        try:
            return await self._sender.send(call, MoveAccepted)
        except AmbiguousResult as first:
            if found := await self._moving_to(app_id, dest_region, first):
                return found
            if first.accepted:
                raise
        # The first request evidently started nothing: send it once more.
        try:
            return await self._sender.send(call, MoveAccepted)
        except (AmbiguousResult, Conflict) as again:
            unsure = again if isinstance(again, AmbiguousResult) else None
            if found := await self._moving_to(app_id, dest_region, unsure):
                return found
            raise

    async def abort(self, app_id: str, migration_id: str) -> AbortAccepted:
        path = f"/v1/apps/{_seg(app_id)}/migrations/{_seg(migration_id)}/abort"
        call = Call(
            "abort", "POST", path, attempted=f"abort migration {migration_id}", ids=(migration_id,)
        )
        done = AbortAccepted(migration_id=migration_id, status="aborted")
        try:
            return await self._sender.send(call, AbortAccepted)
        except AmbiguousResult as first:
            state = await self._settle(first, self.status(app_id, migration_id))
            if _aborted_by_user(state):
                return done
            if first.accepted:
                raise first.with_state(state) from first
            if not steps.may_abort(state.current_step):
                raise _not_abortable(state) from first
        try:
            return await self._sender.send(call, AbortAccepted)
        except AmbiguousResult as again:
            state = await self._settle(again, self.status(app_id, migration_id))
            if _aborted_by_user(state):
                return done
            raise again.with_state(state) from again

    async def reverse(self, app_id: str, migration_id: str) -> ReverseAccepted:
        """Start the way back; never sent twice (a second call would start a second move)."""
        path = f"/v1/apps/{_seg(app_id)}/migrations/{_seg(migration_id)}/reverse"
        call = Call(
            "reverse",
            "POST",
            path,
            attempted=f"reverse migration {migration_id}",
            ids=(migration_id,),
        )
        try:
            return await self._sender.send(call, ReverseAccepted)
        except AmbiguousResult as first:
            forward = await self._settle(first, self.status(app_id, migration_id))
            current = await self._settle(first, self.active(app_id))
            if (
                current is not None
                and current.migration_id != migration_id
                and current.source_region == forward.dest_region
                and current.dest_region == forward.source_region
            ):
                return ReverseAccepted(migration_id=current.migration_id, path="slow")
            note = await self._fast_reverse_note(app_id, forward)
            raise first.with_state(forward, note) from first

    async def teardown(self, migration_id: str, *, app_id: str | None = None) -> TeardownDone:
        """Delete the retained source replica. Give `app_id` so that an ambiguous
        outcome can be confirmed from the migration's status."""
        call = Call(
            "teardown",
            "DELETE",
            f"/v1/source-replicas/{_seg(migration_id)}",
            attempted=f"tear down the source replica of migration {migration_id}",
            ids=(migration_id,),
        )
        try:
            return await self._sender.send(call, TeardownDone)
        except AmbiguousResult as first:
            replicas = await self._settle(first, self.source_replicas())
            listed = any(r.migration_id == migration_id for r in replicas)
            if not listed:
                if app_id is None:
                    note = (
                        "It is no longer listed among the replicas, so it was probably torn down."
                    )
                    raise first.with_state(None, note) from first
                state = await self._settle(first, self.status(app_id, migration_id))
                if state.source_replica_state == "torn_down":
                    return TeardownDone(status="torn_down")
                raise first.with_state(state) from first
            if first.accepted:
                raise
        try:
            return await self._sender.send(call, TeardownDone)
        except Conflict as conflict:
            if "state torn_down" in (conflict.reason or ""):
                return TeardownDone(status="torn_down")  # the first one landed meanwhile
            raise

    # --- reconciliation helpers --------------------------------------------

    async def _settle(self, unsure: AmbiguousResult, read: Awaitable[T]) -> T:
        """A read made to settle an ambiguous outcome; if it fails, the outcome stays unknown."""
        try:
            return await read
        except ButterbaseError as exc:
            raise unsure from exc

    async def _moving_to(
        self, app_id: str, dest_region: str, unsure: AmbiguousResult | None
    ) -> MoveAccepted | None:
        try:
            current = await self.active(app_id)
        except ButterbaseError as exc:
            if unsure is None:
                return None
            raise unsure from exc
        if current is None or current.dest_region != dest_region:
            return None
        return MoveAccepted(migration_id=current.migration_id, status=current.current_step)

    async def _fast_reverse_note(self, app_id: str, forward: MigrationStatus) -> str:
        note = "No reverse migration is running."
        try:
            app = await self.app(app_id)
        except ButterbaseError:
            return note
        if app is not None and app.region and app.region == forward.source_region:
            return (
                f"{note} The app is served from {app.region} again, so a fast reverse "
                "probably ran, but its migration id is unknown."
            )
        return note


def _aborted_by_user(state: MigrationStatus) -> bool:
    return state.current_step == "aborted" and state.last_error == "user_requested"


def _not_abortable(state: MigrationStatus) -> Conflict:
    label = steps.label(state.current_step)
    error = Conflict(
        f"Butterbase did not abort the move: it is now at the step “{label}”.",
        route="abort",
        error="not_abortable",
        reason=f"it is now at the step “{label}”",
    )
    error.state = state
    return error
