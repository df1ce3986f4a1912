"""`auth.test`, `users.info`, `usergroups.users.list` and `conversations.info`."""

from __future__ import annotations

from typing import Any

from sandbox.slack.arguments import Args, Handler, text_arg
from sandbox.slack.errors import MethodError
from sandbox.slack.models import BOT_ID, BOT_NAME, BOT_USER_ID, TEAM_ID, TEAM_NAME
from sandbox.slack.workspace import DEFAULT_BASE_URL, SlackWorkspace


def auth_test(ws: SlackWorkspace, args: Args) -> dict[str, Any]:
    """Who the token belongs to: the bot user of the sandbox team."""
    return {
        "ok": True,
        "url": (ws.base_url or DEFAULT_BASE_URL).rstrip("/") + "/",
        "team": TEAM_NAME,
        "user": BOT_NAME,
        "team_id": TEAM_ID,
        "user_id": BOT_USER_ID,
        "bot_id": BOT_ID,
        "is_enterprise_install": False,
    }


def users_info(ws: SlackWorkspace, args: Args) -> dict[str, Any]:
    """One user's profile."""
    user = ws.users.get(text_arg(args, "user") or "")
    if user is None:
        raise MethodError("user_not_found")
    return {"ok": True, "user": user.to_api()}


def usergroups_users_list(ws: SlackWorkspace, args: Args) -> dict[str, Any]:
    """The member ids of a user group."""
    group = ws.usergroups.get(text_arg(args, "usergroup") or "")
    if group is None:
        raise MethodError("no_such_subteam")
    return {"ok": True, "users": list(group.users)}


def conversations_info(ws: SlackWorkspace, args: Args) -> dict[str, Any]:
    """A channel's id and name."""
    channel = ws.resolve_channel(text_arg(args, "channel") or "")
    if channel is None:
        raise MethodError("channel_not_found")
    return {"ok": True, "channel": channel.to_api()}


METHODS: dict[str, Handler] = {
    "auth.test": auth_test,
    "users.info": users_info,
    "usergroups.users.list": usergroups_users_list,
    "conversations.info": conversations_info,
}
