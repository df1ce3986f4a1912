"""Why a person asked for a reverse or a teardown: kept with the request (in its
snapshot) and shown to the approvers. Pure, and imported by the rules and the renderers."""

from __future__ import annotations

from typing import Any

from storage.records import Approval

REASON_KEY = "request_reason"  # in `Approval.snapshot`: raw text, escaped where shown
MAX_REASON = 300


def with_reason(snapshot: dict[str, Any], reason: str | None) -> dict[str, Any]:
    """The state a request is bound to, plus the requester's reason (if any, clipped)."""
    cleaned = " ".join((reason or "").split())[:MAX_REASON]
    return snapshot | ({REASON_KEY: cleaned} if cleaned else {})


def request_reason(a: Approval) -> str | None:
    """Why the requester asked (raw: escape it where shown), or None."""
    value = a.snapshot.get(REASON_KEY)
    return str(value) if value else None
