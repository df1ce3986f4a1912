"""Butterbase failures as sentences a person can act on.

What Butterbase wrote (a 409's reason, an error message) is escaped for mrkdwn: it is
shown, never interpreted (no `<!channel>`, no disguised link)."""

from __future__ import annotations

from bot.errors import (
    AmbiguousResult,
    ButterbaseError,
    Conflict,
    NotFound,
    RateLimited,
    Unauthorised,
    Unavailable,
)
from bot.render.text import escape


def explain(exc: ButterbaseError, *, doing: str) -> str:
    """`doing` is what the bot was doing, e.g. "start the move of app-42"."""
    if isinstance(exc, Unauthorised):
        return (
            f"I couldn't {doing}: Butterbase rejected the bot's API key. "
            "An admin needs to check `BUTTERBASE_API_KEY`. Nothing was done."
        )
    if isinstance(exc, AmbiguousResult):
        return (
            f"I couldn't tell whether Butterbase managed to {doing}: the answer was lost. "
            "Check `/migration-status` before trying again."
        )
    if isinstance(exc, RateLimited):
        wait = f" (try again in {int(exc.retry_after)}s)" if exc.retry_after else ""
        return (
            f"Butterbase is rate-limiting the bot, so I couldn't {doing}{wait}. Nothing was done."
        )
    if isinstance(exc, Unavailable):
        return (
            f"Butterbase is not answering right now, so I couldn't {doing}. Nothing was done; "
            "try again in a minute."
        )
    if isinstance(exc, NotFound):
        return f"I couldn't {doing}: Butterbase doesn't know it (404)."
    if isinstance(exc, Conflict):
        reason = exc.reason or exc.error or "conflict"
        return f"Butterbase refused to {doing}: {escape(reason)}"
    return f"I couldn't {doing}: {escape(str(exc))}"
