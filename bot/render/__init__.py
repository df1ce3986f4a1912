"""Pure Block Kit renderers: models in, `Message(text, blocks)` out, no I/O."""

from bot.render.approval import (
    render_approval_closed,
    render_approval_request,
    render_teardown_modal,
)
from bot.render.blocks import Message
from bot.render.card import render_card
from bot.render.lists import render_channel_overview, render_replicas, render_status_private
from bot.render.text import age, cost, escape, hhmm, mention, truncate

__all__ = [
    "Message",
    "age",
    "cost",
    "escape",
    "hhmm",
    "mention",
    "render_approval_closed",
    "render_approval_request",
    "render_card",
    "render_channel_overview",
    "render_replicas",
    "render_status_private",
    "render_teardown_modal",
    "truncate",
]
