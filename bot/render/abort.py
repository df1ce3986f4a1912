"""The one abort confirmation: the card's Abort button, `/abort`'s button and the
"already in flight" answer's Abort all ask it in these words. Pure.

What stops, what stays, and the side effect Butterbase leaves: its abort runs no
clean-up, so writes paused by the move stay paused (503) until someone fixes it
(shared/butterbase-api.md, "What the server does not protect", item 8). Within Slack's
confirm limits: title 100, text 300, buttons 30 characters.
"""

from __future__ import annotations

from slack_sdk.models.blocks import ConfirmObject

from bot import steps
from bot.render.blocks import confirm
from bot.render.text import escape

YES = "Abort the move"
NO = "Keep going"


def abort_title(app_id: str) -> str:
    return f"Abort the move of {app_id}?"


def abort_consequences(
    app_id: str, *, source: str | None, dest: str | None, step: str | None = None
) -> str:
    """What an abort does, in mrkdwn (escaped), at most 300 characters for any app id."""
    app = escape(app_id)
    stops = f"Stops the move to {escape(dest)} now." if dest else "Stops the move now."
    stays = f"{app} stays in {escape(source)}." if source else f"{app} stays where it is."
    if step is not None and steps.writes_paused(step):
        writes = (
            "Writes are paused now and Butterbase will not unpause them: "
            "they stay paused (503) until someone fixes it."
        )
    else:
        writes = (
            "If writes are paused by then, Butterbase will not unpause them: "
            "they stay paused (503) until someone fixes it."
        )
    return f"{stops} {stays} {writes}"


def abort_confirm(
    app_id: str, *, source: str | None, dest: str | None, step: str | None = None
) -> ConfirmObject:
    """Slack's confirm dialog for every Abort button."""
    text = abort_consequences(app_id, source=source, dest=dest, step=step)
    return confirm(abort_title(app_id), text, yes=YES, no=NO)
