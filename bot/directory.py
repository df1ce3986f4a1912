"""Who is in a Slack user group, read at decision time through a small, short-lived cache.

`usergroups.users.list` is Tier 2, so a list is kept for `ttl` seconds (30 by default):
someone removed from the approver group can decide for at most that long. When Slack
can't be asked, an older list is never used instead: `DirectoryError`, and the caller
refuses (nothing is recorded). The cache holds at most `max_groups` groups.
"""

from __future__ import annotations

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock

TTL = 30.0
MAX_GROUPS = 16


class DirectoryError(Exception):
    """The user group could not be read; the message is fit to show a person."""


class Directory:
    def __init__(
        self,
        *,
        slack: AsyncWebClient,
        clock: Clock,
        ttl: float = TTL,
        max_groups: int = MAX_GROUPS,
    ) -> None:
        self._slack = slack
        self._clock = clock
        self._ttl = ttl
        self._max_groups = max_groups
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}

    async def group_members(self, group_id: str) -> frozenset[str]:
        """The group's members, at most `ttl` seconds old; `DirectoryError` otherwise."""
        if not group_id:
            return frozenset()
        now = self._clock.now().timestamp()
        cached = self._cache.get(group_id)
        if cached and 0 <= now - cached[0] < self._ttl:
            return cached[1]
        self._cache.pop(group_id, None)  # too old to decide on, whatever Slack answers
        try:
            response = await self._slack.usergroups_users_list(usergroup=group_id)
        except (TimeoutError, SlackApiError, aiohttp.ClientError, OSError) as exc:
            error = (
                exc.response.get("error", "error")
                if isinstance(exc, SlackApiError)
                else "no answer"
            )
            raise DirectoryError(
                f"I couldn't read the members of <!subteam^{group_id}> from Slack ({error})."
            ) from exc
        users: list[str] = list(response.get("users") or [])
        members = frozenset(str(u) for u in users)
        self._remember(group_id, now, members)
        return members

    def _remember(self, group_id: str, now: float, members: frozenset[str]) -> None:
        while len(self._cache) >= self._max_groups:
            oldest = min(self._cache, key=lambda g: self._cache[g][0])
            self._cache.pop(oldest)
        self._cache[group_id] = (now, members)
