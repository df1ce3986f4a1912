"""The approver group as read at decision time: a short cache, never a stale list."""

from __future__ import annotations

from typing import Any

import pytest
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from bot.clock import FakeClock
from bot.directory import Directory, DirectoryError


class Groups:
    """`usergroups.users.list` answering from `members`, or failing when `down`."""

    def __init__(self) -> None:
        self.members = ["U_A", "U_B"]
        self.down = False
        self.calls = 0

    async def usergroups_users_list(self, *, usergroup: str) -> dict[str, Any]:
        self.calls += 1
        if self.down:
            raise SlackApiError("ratelimited", {"ok": False, "error": "ratelimited"})
        return {"ok": True, "users": list(self.members)}


def directory(groups: Groups, clock: FakeClock) -> Directory:
    slack: AsyncWebClient = groups  # type: ignore[assignment]
    return Directory(slack=slack, clock=clock, ttl=30)


async def test_a_removed_member_is_seen_within_the_ttl() -> None:
    groups, clock = Groups(), FakeClock()
    d = directory(groups, clock)
    assert "U_B" in await d.group_members("S1")
    groups.members = ["U_A"]
    clock.advance(10)
    assert "U_B" in await d.group_members("S1"), "cached for 30 s (Tier 2 method)"
    clock.advance(25)
    assert "U_B" not in await d.group_members("S1")
    assert groups.calls == 2


async def test_a_stale_list_is_never_used_when_slack_fails() -> None:
    groups, clock = Groups(), FakeClock()
    d = directory(groups, clock)
    await d.group_members("S1")
    groups.down = True
    clock.advance(31)
    with pytest.raises(DirectoryError, match="ratelimited"):
        await d.group_members("S1")
    clock.advance(600)
    with pytest.raises(DirectoryError):
        await d.group_members("S1")
