"""The gate in front of Bolt: a request reaches the listeners only if Slack signed it
and its body has the shape they read.

Bolt parses a body before it checks the signature, and trusts what it parsed: a
`payload` that is not JSON (or is a list), a `view` without a `type`, an empty
`actions` list, a timestamp header that is not a number or a body that is not UTF-8
raise inside Bolt (a 500 and a traceback), and a `user` that is a string or missing
raises in a listener. Bolt also takes any form body that merely *contains* the word
"payload" for an interaction, so `/migrate payload-api eu-west-1` reached no listener.

So, before Bolt: a missing, wrong or stale signature gets 401 (as Bolt answers); a
signed body the listeners can't read gets 400 saying what is wrong; a slash command
Bolt would misread is handed over already parsed (`Gate.parsed`).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any
from urllib.parse import parse_qsl

INVALID = "invalid request"  # Bolt's own answer to a request that fails verification
MAX_AGE = 300  # seconds: Slack's replay window
_ID_HOLDERS = ("user", "channel", "team", "enterprise")
_OBJECTS = ("container", "view", "event", "message", "previous_message", "item", "state")
_NESTED = ("event", "message", "previous_message", "item")


@dataclass(frozen=True)
class Gate:
    """What to do with a request: refuse it (`status` 401/400 and `error`), or pass it
    on to Bolt (`status` 200), as the raw request or, when set, as `parsed`."""

    status: int = 200
    error: str = ""
    parsed: dict[str, Any] | None = None


def check(raw: bytes, headers: Mapping[str, str], *, signing_secret: str | None) -> Gate:
    """The verdict on one `POST /slack/events` (headers looked up case-insensitively)."""
    lowered = {k.lower(): v for k, v in headers.items()}
    content_type = lowered.get("content-type", "").split(";")[0].strip()
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        text = None
    if text is not None and _is_ssl_check(text, content_type):
        return Gate()  # Bolt answers Slack's SSL check itself, signed or not
    if not _signed(raw, lowered, signing_secret):
        return Gate(401, INVALID)
    if text is None:
        return Gate(400, "The body is not UTF-8 text.")
    try:
        body, bolt_misreads = _parse(text, content_type)
    except ValueError:
        return Gate(400, "The body (or its `payload`) is not valid JSON.")
    wrong = problem(body)
    if wrong is not None:
        return Gate(400, wrong)
    return Gate(parsed=body if bolt_misreads else None)


def _is_ssl_check(text: str, content_type: str) -> bool:
    """Slack's SSL check (`ssl_check=1`), which Bolt answers before reading anything
    else; a body that Bolt would take for a `payload` is not one."""
    if content_type == "application/json" or text.startswith("{") or "payload" in text:
        return False
    return dict(parse_qsl(text, keep_blank_values=True)).get("ssl_check") == "1"


def _signed(raw: bytes, headers: Mapping[str, str], secret: str | None) -> bool:
    """Slack's v0 signature of these very bytes, made less than 5 minutes ago (or
    ahead). Computed on bytes: slack_sdk's verifier raises on a body that is not
    UTF-8, on a timestamp that is not a number and on a non-ASCII signature."""
    timestamp = (headers.get("x-slack-request-timestamp") or "").strip()
    signature = headers.get("x-slack-signature") or ""
    if not secret or not timestamp.isascii() or not timestamp.isdigit() or not signature:
        return False
    if abs(time.time() - int(timestamp)) > MAX_AGE:
        return False
    base = b"v0:" + timestamp.encode() + b":" + raw
    expected = "v0=" + hmac.new(secret.encode(), base, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected.encode(), signature.encode("utf-8", "replace"))


def _parse(text: str, content_type: str) -> tuple[Any, bool]:
    """(the body as Slack meant it, whether Bolt's own parsing would read it otherwise)."""
    if content_type == "application/json" or text.startswith("{"):
        return json.loads(text), False
    form = dict(parse_qsl(text, keep_blank_values=True))
    if "payload" in form:
        return json.loads(form["payload"]), False
    return form, "payload" in text  # Bolt: any body containing "payload" is an interaction


def problem(body: Any) -> str | None:
    """What makes a parsed body unreadable for the listeners, or None."""
    if not isinstance(body, dict) or not body:
        return "The body is not a Slack request (an empty or non-object body)."
    wrong = _holders(body, depth=2)
    if wrong is not None:
        return wrong
    if "command" in body:
        return _command(body)
    kind = body.get("type")
    if not isinstance(kind, str) or not kind:
        return "The request has no `type`."
    if kind in ("event_callback", "url_verification", "app_rate_limited"):
        event = body.get("event")
        if kind == "event_callback" and not isinstance((event or {}).get("type"), str):
            return "The event has no `type`."
        return None
    user = body.get("user")
    if not isinstance(user, dict) or not isinstance(user.get("id"), str) or not user["id"]:
        return "The request names no user (`user.id`)."
    if kind == "block_actions":
        return _block_actions(body)
    if kind in ("view_submission", "view_closed"):
        return _view(body.get("view"))
    return None


def _holders(body: dict[str, Any], *, depth: int) -> str | None:
    """The fields Bolt reads ids from must be what Slack sends (else Bolt raises)."""
    for key in _ID_HOLDERS:
        value = body.get(key)
        if value is None or isinstance(value, str):
            continue
        if not isinstance(value, dict) or not isinstance(value.get("id", ""), str | None):
            return f"`{key}` is neither an id nor an object with an `id`."
    for key in _OBJECTS:
        if body.get(key) is not None and not isinstance(body[key], dict):
            return f"`{key}` is not an object."
    for key in ("authorizations", "response_urls"):
        value = body.get(key)
        if value is not None and not (
            isinstance(value, list) and all(isinstance(v, dict) for v in value)
        ):
            return f"`{key}` is not a list of objects."
    if depth > 0:
        for key in _NESTED:
            if isinstance(body.get(key), dict):
                wrong = _holders(body[key], depth=depth - 1)
                if wrong is not None:
                    return wrong
    return None


def _command(body: dict[str, Any]) -> str | None:
    if not str(body.get("command") or "").startswith("/"):
        return "The slash command has no command name."
    for key in ("user_id", "channel_id"):
        if not body.get(key):
            return f"The slash command has no `{key}`."
    return None


def _block_actions(body: dict[str, Any]) -> str | None:
    actions = body.get("actions")
    if not isinstance(actions, list) or not actions:
        return "The click has no `actions`."
    for action in actions:
        if not isinstance(action, dict) or not isinstance(action.get("action_id"), str):
            return "An action has no `action_id`."
        for key in ("block_id", "value"):
            if not isinstance(action.get(key, ""), str):
                return f"An action's `{key}` is not a string."
        if not isinstance(action.get("selected_option", {}), dict):
            return "An action's `selected_option` is not an object."
    if not isinstance(body.get("trigger_id"), str):
        return "The click has no `trigger_id`."
    return None


def _view(view: Any) -> str | None:
    if not isinstance(view, dict):
        return "The submission has no `view`."
    for key in ("type", "callback_id"):
        if not isinstance(view.get(key), str):
            return f"The view has no `{key}`."
    if not isinstance(view.get("private_metadata", ""), str):
        return "The view's `private_metadata` is not a string."
    state = view.get("state") or {}
    if not isinstance(state, dict):
        return "The view's `state` is not an object."
    values = state.get("values") or {}
    if not isinstance(values, dict) or not all(
        isinstance(block, dict) and all(isinstance(v, dict) for v in block.values())
        for block in values.values()
    ):
        return "The view's `state.values` is not what Slack sends."
    return None
