"""Buttons and menus, by family; every route listed here."""

from __future__ import annotations

import re
from functools import partial

from slack_bolt.async_app import AsyncApp

from bot import ids
from bot.deps import Deps


def register(app: AsyncApp, deps: Deps) -> None:
    from handlers.actions import approvals, card, picker

    app.action(ids.PICK_REGION)(partial(picker.handle_pick_region, deps=deps))
    app.action(ids.ABORT)(partial(card.handle_abort_click, deps=deps))
    app.action(ids.REFRESH)(partial(card.handle_refresh, deps=deps))
    app.action(ids.FOLLOW)(partial(card.handle_follow, deps=deps))
    app.action(ids.SHARE_STATUS)(partial(card.handle_share, deps=deps))
    app.action(ids.REQUEST_REVERSE)(partial(approvals.handle_request_reverse, deps=deps))
    app.action(ids.REQUEST_TEARDOWN)(partial(approvals.handle_request_teardown, deps=deps))
    app.action(ids.HOME_REQUEST_TEARDOWN)(partial(approvals.handle_request_teardown, deps=deps))
    app.action(ids.APPROVE)(partial(approvals.handle_approve, deps=deps))
    app.action(ids.DENY)(partial(approvals.handle_deny, deps=deps))


def register_fallback(app: AsyncApp, deps: Deps) -> None:
    """Any other click: registered after every other listener (Bolt runs the first match)."""
    from handlers.actions import unknown

    app.action(re.compile(".*"))(partial(unknown.handle_unknown_action, deps=deps))
