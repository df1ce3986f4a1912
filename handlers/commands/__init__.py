"""Slash commands: one module each; every route listed here."""

from __future__ import annotations

from functools import partial

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps


def register(app: AsyncApp, deps: Deps) -> None:
    from handlers.commands import abort, migrate, reverse, status, teardown

    app.command("/migrate")(partial(migrate.handle_migrate, deps=deps))
    app.command("/migration-status")(partial(status.handle_status, deps=deps))
    app.command("/abort")(partial(abort.handle_abort, deps=deps))
    app.command("/reverse")(partial(reverse.handle_reverse, deps=deps))
    app.command("/teardown")(partial(teardown.handle_teardown, deps=deps))
