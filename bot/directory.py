"""Who is in a Slack user group, cached for a few minutes (usergroups.users.list is Tier 2)."""

from __future__ import annotations

from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import Clock


class DirectoryError(Exception):
    """The user group could not be read; the message is fit to show a person."""


class Directory:
    def __init__(self, *, slack: AsyncWebClient, clock: Clock, ttl: float = 300.0) -> None:
        self._slack = slack
        self._clock = clock
        self._ttl = ttl
        self._cache: dict[str, tuple[float, frozenset[str]]] = {}

    async def group_members(self, group_id: str) -> frozenset[str]:
        if not group_id:
            return frozenset()
        now = self._clock.now().timestamp()
        cached = self._cache.get(group_id)
        if cached and now - cached[0] < self._ttl:
            return cached[1]
        try:
            response = await self._slack.usergroups_users_list(usergroup=group_id)
        except SlackApiError as exc:
            if cached:  # a stale answer beats none while Slack is unwell
                return cached[1]
            error = exc.response.get("error", "error")
            raise DirectoryError(
                f"I couldn't read the members of <!subteam^{group_id}> from Slack ({error})."
            ) from exc
        users: list[str] = list(response.get("users") or [])
        members = frozenset(str(u) for u in users)
        self._cache[group_id] = (now, members)
        return members
