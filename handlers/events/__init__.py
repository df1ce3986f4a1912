"""Events API listeners; every route listed here."""

from __future__ import annotations

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps


def register(app: AsyncApp, deps: Deps) -> None:
    """No events yet: the App Home comes with the operations work."""
