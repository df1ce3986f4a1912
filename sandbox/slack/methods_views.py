"""`views.open`, `views.update`, `views.push` and `views.publish`."""

from __future__ import annotations

import secrets
from typing import Any

from sandbox.slack.arguments import Args, Handler, object_arg, text_arg
from sandbox.slack.blocks import check_view_blocks, with_ids
from sandbox.slack.errors import MethodError
from sandbox.slack.models import View
from sandbox.slack.workspace import SlackWorkspace

MAX_STACK = 3


def _definition(args: Args, *, kind: str) -> dict[str, Any]:
    """The `view` argument, checked: right type, a title for modals, valid blocks."""
    view = object_arg(args, "view")
    if view is None or view.get("type") != kind:
        raise MethodError("invalid_arguments")
    if kind == "modal" and not isinstance(view.get("title"), dict):
        raise MethodError("invalid_arguments")
    blocks = view.get("blocks")
    if not isinstance(blocks, list):
        raise MethodError("invalid_arguments")
    check_view_blocks(blocks)
    return view


def _new_view(ws: SlackWorkspace, user: str, definition: dict[str, Any], kind: str) -> View:
    external_id = definition.get("external_id") or None
    if external_id and ws.find_view(external_id=external_id) is not None:
        raise MethodError("duplicate_external_id")
    view = View(
        id=ws.new_id("V"),
        user=user,
        type=kind,
        definition={**definition, "blocks": with_ids(list(definition.get("blocks") or []))},
        hash=secrets.token_hex(6),
        external_id=external_id,
    )
    ws.views[view.id] = view
    return view


def _ok(view: View) -> dict[str, Any]:
    return {"ok": True, "view": view.to_api()}


def views_open(ws: SlackWorkspace, args: Args) -> dict[str, Any]:
    """Open a modal for the user whose interaction issued the trigger."""
    trigger = ws.exchange_trigger(text_arg(args, "trigger_id"))
    definition = _definition(args, kind="modal")
    with ws.changing():
        for old in ws.open_views(trigger.user):
            old.is_open = False
        view = _new_view(ws, trigger.user, definition, "modal")
        view.root_view_id = view.id
    return _ok(view)


def views_push(ws: SlackWorkspace, args: Args) -> dict[str, Any]:
    """Push a modal onto the stack the user has open."""
    trigger = ws.exchange_trigger(text_arg(args, "trigger_id"))
    definition = _definition(args, kind="modal")
    with ws.lock:
        stack = ws.open_views(trigger.user)
        if not stack:
            raise MethodError("not_found")
        if len(stack) >= MAX_STACK:
            raise MethodError("push_limit_reached")
    return _ok(push_definition(ws, stack[-1], definition))


def replace_definition(ws: SlackWorkspace, view: View, definition: dict[str, Any]) -> None:
    """Swap a view's content (keeping its id), as `views.update` and `update` acks do."""
    definition = {**definition, "blocks": with_ids(list(definition.get("blocks") or []))}
    with ws.changing():
        view.history.append(view.definition)
        view.definition = definition
        view.external_id = definition.get("external_id") or view.external_id
        view.hash = secrets.token_hex(6)
        view.errors = {}


def push_definition(ws: SlackWorkspace, top: View, definition: dict[str, Any]) -> View:
    """Stack a new modal on top of `top` (as `views.push` and a `push` ack do)."""
    with ws.changing():
        view = _new_view(ws, top.user, definition, "modal")
        view.root_view_id = top.root_view_id or top.id
        view.previous_view_id = top.id
    return view


def views_update(ws: SlackWorkspace, args: Args) -> dict[str, Any]:
    """Replace an open modal or a Home tab, by `view_id` or `external_id`."""
    view = ws.find_view(text_arg(args, "view_id"), text_arg(args, "external_id"))
    if view is None or not (view.is_open or view.type == "home"):
        raise MethodError("not_found")
    expected = text_arg(args, "hash")
    if expected is not None and expected != view.hash:
        raise MethodError("hash_conflict")
    replace_definition(ws, view, _definition(args, kind=view.type))
    return _ok(view)


def views_publish(ws: SlackWorkspace, args: Args) -> dict[str, Any]:
    """Publish the Home tab a user sees."""
    user = ws.users.get(text_arg(args, "user_id") or "")
    if user is None:
        raise MethodError("user_not_found")
    definition = _definition(args, kind="home")
    current = ws.home_view(user.id)
    if current is not None:
        expected = text_arg(args, "hash")
        if expected is not None and expected != current.hash:
            raise MethodError("hash_conflict")
        replace_definition(ws, current, definition)
        return _ok(current)
    with ws.changing():
        view = _new_view(ws, user.id, definition, "home")
        ws.home_views[user.id] = view.id
    return _ok(view)


METHODS: dict[str, Handler] = {
    "views.open": views_open,
    "views.update": views_update,
    "views.push": views_push,
    "views.publish": views_publish,
}
