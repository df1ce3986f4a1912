"""Modal submissions; every route listed here."""

from __future__ import annotations

from functools import partial

from slack_bolt.async_app import AsyncApp

from bot import ids
from bot.deps import Deps


def register(app: AsyncApp, deps: Deps) -> None:
    from handlers.views import teardown_confirm

    app.view(ids.TEARDOWN_CONFIRM_VIEW)(partial(teardown_confirm.handle_submit, deps=deps))
