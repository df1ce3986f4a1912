"""Bolt listeners. `register(app, deps)` wires every route; each folder lists its own."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps


def register(app: AsyncApp, deps: Deps) -> None:
    from handlers import actions, commands, events, guards, views

    guards.register(app, deps)
    commands.register(app, deps)
    actions.register(app, deps)
    views.register(app, deps)
    events.register(app, deps)
    actions.register_fallback(app, deps)  # last: unknown buttons and modals
    views.register_fallback(app, deps)
