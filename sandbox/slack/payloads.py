"""The bodies Slack sends to an app: slash commands, interactions and events (pure builders)."""

from __future__ import annotations

import secrets
from typing import Any

from sandbox.slack.models import (
    APP_ID,
    BOT_USER_ID,
    TEAM_DOMAIN,
    TEAM_ID,
    Block,
    Channel,
    User,
    View,
)

VERIFICATION_TOKEN = "sandbox-verification-token"
"""The deprecated `token` field Slack still puts in every payload."""

_VALUE_INPUTS = {"plain_text_input", "number_input", "email_text_input", "url_text_input"}
_ONE_OPTION = {"static_select", "external_select", "radio_buttons", "overflow"}
_MANY_OPTIONS = {"multi_static_select", "checkboxes"}
_SELECTED_KEY = {
    "users_select": "selected_user",
    "conversations_select": "selected_conversation",
    "channels_select": "selected_channel",
    "datepicker": "selected_date",
    "timepicker": "selected_time",
}


class ElementNotFound(LookupError):
    """No interactive element with that `action_id` is on the message or view."""


def user_object(user: User) -> dict[str, Any]:
    """The `user` of an interaction payload."""
    return {"id": user.id, "username": user.name, "name": user.name, "team_id": TEAM_ID}


def team_object() -> dict[str, Any]:
    """The `team` of an interaction payload."""
    return {"id": TEAM_ID, "domain": TEAM_DOMAIN}


def command_form(
    *, user: User, channel: Channel, command: str, text: str, response_url: str, trigger_id: str
) -> dict[str, str]:
    """The form fields of a slash command, in the order Slack sends them."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "team_domain": TEAM_DOMAIN,
        "channel_id": channel.id,
        "channel_name": channel.name,
        "user_id": user.id,
        "user_name": user.name,
        "command": command,
        "text": text,
        "api_app_id": APP_ID,
        "is_enterprise_install": "false",
        "response_url": response_url,
        "trigger_id": trigger_id,
    }


def find_element(blocks: list[Block], action_id: str) -> tuple[str, dict[str, Any]]:
    """The block id and the element carrying `action_id`, or raise `ElementNotFound`."""
    for block in blocks:
        candidates = list(block.get("elements") or []) if block.get("type") == "actions" else []
        candidates += [block[key] for key in ("accessory", "element") if key in block]
        for element in candidates:
            if isinstance(element, dict) and element.get("action_id") == action_id:
                return str(block.get("block_id") or ""), element
    raise ElementNotFound(action_id)


def _options(element: dict[str, Any]) -> list[dict[str, Any]]:
    options = list(element.get("options") or [])
    for group in element.get("option_groups") or []:
        options += group.get("options") or []
    return options


def _option(element: dict[str, Any], value: Any) -> dict[str, Any]:
    for option in _options(element):
        if option.get("value") == value:
            return dict(option)
    return {"text": {"type": "plain_text", "text": str(value)}, "value": value}


def action_entry(
    element: dict[str, Any], *, block_id: str, value: Any, action_ts: str
) -> dict[str, Any]:
    """One item of a `block_actions` payload's `actions`."""
    kind = str(element.get("type") or "button")
    entry: dict[str, Any] = {"action_id": element.get("action_id"), "block_id": block_id}
    if kind == "button":
        entry["text"] = element.get("text")
        if value is None:
            value = element.get("value")
        if value is not None:
            entry["value"] = value
        if "style" in element:
            entry["style"] = element["style"]
    elif kind in _ONE_OPTION:
        entry["selected_option"] = _option(element, value)
    elif kind in _MANY_OPTIONS:
        entry["selected_options"] = [_option(element, v) for v in value or []]
    elif kind in _SELECTED_KEY:
        entry[_SELECTED_KEY[kind]] = value
    else:
        entry["value"] = value
    entry.update(type=kind, action_ts=action_ts)
    return entry


def state_entry(element: dict[str, Any], value: Any) -> dict[str, Any]:
    """What `view.state.values[block][action]` holds for an input showing `value`."""
    kind = str(element.get("type") or "plain_text_input")
    if kind in _ONE_OPTION:
        return {"type": kind, "selected_option": None if value is None else _option(element, value)}
    if kind in _MANY_OPTIONS:
        return {"type": kind, "selected_options": [_option(element, v) for v in value or []]}
    if kind in _SELECTED_KEY:
        return {"type": kind, _SELECTED_KEY[kind]: value}
    return {"type": kind, "value": value}


def view_state(
    view: View, values: dict[str, dict[str, Any]], *, strict: bool = True
) -> dict[str, Any]:
    """`state.values` for a submission: every input of the view, filled from `values`.

    With `strict`, a block or action id that is not an input of the view raises
    `ElementNotFound` (a test typo should fail loudly).
    """
    state: dict[str, dict[str, Any]] = {}
    known: set[tuple[str, str]] = set()
    for block in view.blocks:
        element = block.get("element")
        if block.get("type") != "input" or not isinstance(element, dict):
            continue
        block_id, action_id = str(block.get("block_id")), str(element.get("action_id"))
        known.add((block_id, action_id))
        given = values.get(block_id, {})
        value = given.get(action_id, element.get("initial_value"))
        state.setdefault(block_id, {})[action_id] = state_entry(element, value)
    for block_id, actions in values.items():
        for action_id, value in actions.items():
            if (block_id, action_id) in known:
                continue
            if strict:
                raise ElementNotFound(f"{block_id}/{action_id}")
            state.setdefault(block_id, {})[action_id] = {"type": "plain_text_input", "value": value}
    return state


def event_envelope(event: dict[str, Any], *, event_id: str | None, now: float) -> dict[str, Any]:
    """An Events API `event_callback` wrapping `event`."""
    return {
        "token": VERIFICATION_TOKEN,
        "team_id": TEAM_ID,
        "api_app_id": APP_ID,
        "event": {"event_ts": f"{now:.6f}", **event},
        "type": "event_callback",
        "event_id": event_id or f"Ev{secrets.token_hex(5).upper()}",
        "event_time": int(now),
        "authorizations": [
            {
                "enterprise_id": None,
                "team_id": TEAM_ID,
                "user_id": BOT_USER_ID,
                "is_bot": True,
                "is_enterprise_install": False,
            }
        ],
        "is_ext_shared_channel": False,
    }
