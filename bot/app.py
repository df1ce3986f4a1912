"""The app factory: builds Bolt's `AsyncApp` from settings and dependencies.

Nothing happens at import time; `bot/__main__.py` is the only place that reads the
environment and starts servers.
"""

from __future__ import annotations

import logging
from typing import Any

from slack_bolt.async_app import AsyncApp

from bot.deps import Deps

log = logging.getLogger("bot")


async def _log_errors(error: Exception, body: dict[str, Any], logger: logging.Logger) -> None:
    """The one place an unexpected error of a listener is logged (once, with its trace)."""
    kind = body.get("type") or ("command" if "command" in body else "request")
    log.error("unhandled error in a %s listener", kind, exc_info=error)


def create_app(deps: Deps) -> AsyncApp:
    """The Bolt app with every listener registered."""
    from handlers import register

    settings = deps.settings
    secret = (
        settings.slack_signing_secret.get_secret_value() if settings.slack_signing_secret else None
    )
    app = AsyncApp(
        token=None,  # the client carries it
        signing_secret=secret,
        client=deps.slack,
        request_verification_enabled=True,
        process_before_response=False,
        raise_error_for_unhandled_request=False,
        logger=logging.getLogger("bot.bolt"),
    )
    app.error(_log_errors)
    register(app, deps)
    return app
