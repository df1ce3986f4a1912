"""Modal submissions; every route listed here."""

from __future__ import annotations

import re
from functools import partial

from slack_bolt.async_app import AsyncApp

from bot import ids
from bot.deps import Deps


def register(app: AsyncApp, deps: Deps) -> None:
    from handlers.views import request_reason, teardown_confirm

    app.view(ids.TEARDOWN_CONFIRM_VIEW)(partial(teardown_confirm.handle_submit, deps=deps))
    app.view(ids.REQUEST_REASON_VIEW)(partial(request_reason.handle_submit, deps=deps))


def register_fallback(app: AsyncApp, deps: Deps) -> None:
    """Any other submission: registered after every other listener (Bolt runs the first match)."""
    from handlers.views import unknown

    app.view(re.compile(".*"))(partial(unknown.handle_unknown_view, deps=deps))
