"""Reading Web API arguments the way Slack does, whatever encoding they came in."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from sandbox.slack.errors import MethodError

if TYPE_CHECKING:
    from sandbox.slack.workspace import SlackWorkspace

Args = dict[str, Any]
Handler = Callable[["SlackWorkspace", Args], dict[str, Any]]
"""A method: reads the workspace and the arguments, returns the `ok` body or raises."""


def text_arg(args: Args, name: str) -> str | None:
    """A string argument; None when absent or empty."""
    value = args.get(name)
    if value is None or value == "":
        return None
    return str(value)


def flag(args: Args, name: str) -> bool:
    """A boolean argument: JSON `true`, or `true`/`1` in a form or query string."""
    value = args.get(name)
    if isinstance(value, str):
        return value.strip().lower() in ("true", "1", "yes")
    return bool(value)


def object_arg(args: Args, name: str) -> dict[str, Any] | None:
    """A JSON object argument given as an object or as a JSON string (like `view`)."""
    value = args.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise MethodError("invalid_arguments") from exc
    if not isinstance(value, dict):
        raise MethodError("invalid_arguments")
    return value
