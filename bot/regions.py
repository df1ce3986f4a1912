"""The list of valid regions, read from Butterbase and kept for a minute."""

from __future__ import annotations

from bot.butterbase import ButterbaseClient
from bot.clock import Clock


class RegionCache:
    def __init__(self, *, butterbase: ButterbaseClient, clock: Clock, ttl: float = 60.0) -> None:
        self._butterbase = butterbase
        self._clock = clock
        self._ttl = ttl
        self._regions: list[str] = []
        self._read_at: float | None = None

    async def get(self) -> list[str]:
        """The valid region slugs; raises a ButterbaseError if they can't be read."""
        now = self._clock.now().timestamp()
        if self._read_at is None or now - self._read_at > self._ttl or not self._regions:
            self._regions = await self._butterbase.regions()
            self._read_at = now
        return list(self._regions)
