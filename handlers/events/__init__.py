"""Events API listeners; every route listed here."""

from __future__ import annotations

from functools import partial

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps


def register(app: AsyncApp, deps: Deps) -> None:
    from handlers.events import channel_joined, home

    app.event("app_home_opened")(partial(home.handle_app_home_opened, deps=deps))
    app.event("member_joined_channel")(
        partial(channel_joined.handle_member_joined_channel, deps=deps)
    )
