"""The logical error a Web API method answers with (HTTP 200, `ok: false`)."""

from __future__ import annotations

from typing import Any


class MethodError(Exception):
    """Raised by a method handler; becomes `{"ok": false, "error": code, ...extra}`."""

    def __init__(self, error: str, **extra: Any) -> None:
        super().__init__(error)
        self.error = error
        self.extra = extra

    def to_body(self) -> dict[str, Any]:
        """The JSON body Slack would answer."""
        return {"ok": False, "error": self.error, **self.extra}
