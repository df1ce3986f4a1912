"""The Butterbase client's errors: a small tree whose messages can be shown to a person.

Server text is truncated and has the bot's API key scrubbed out before it reaches a
message or an attribute, and messages are built from fixed phrases, never from a
transport exception's text or a non-JSON body.
"""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from email.utils import parsedate_to_datetime

import httpx

from bot.clock import utc
from bot.models import MigrationStatus

ACTIONS: dict[str, str] = {
    "regions": "list the regions",
    "apps": "list the apps",
    "move": "start the move",
    "status": "read the move's status",
    "active": "read the app's active move",
    "abort": "abort the move",
    "reverse": "reverse the move",
    "replicas": "list the replicas",
    "teardown": "tear down the replica",
}
_MAX_TEXT = 300


def action(route: str) -> str:
    return ACTIONS.get(route, f"answer the {route} request")


class ButterbaseError(Exception):
    """Base of the tree. `str(exc)` is a sentence fit to show a person."""

    def __init__(
        self,
        message: str,
        *,
        route: str,
        status: int | None = None,
        code: str | None = None,
        error: str | None = None,
        reason: str | None = None,
        remediation: str | None = None,
        retry_after: float | None = None,
    ) -> None:
        super().__init__(message)
        self.message = message
        self.route = route
        self.status = status
        self.code = code
        self.error = error
        self.reason = reason
        self.remediation = remediation
        self.retry_after = retry_after


class BadRequest(ButterbaseError):
    """400 (and other 4xx the contract does not name): the request was refused as is."""


class InvalidId(BadRequest):
    """An id that is not a UUID: an input error, never an outage and never retried.

    The client refuses to send one; the server answers 500 to one on status, abort and
    teardown (shared/butterbase-api.md), which is classified as this too.
    """


_UUID = re.compile(r"[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}")


def is_uuid(value: object) -> bool:
    """True for a UUID in its usual form (36 characters, hex and hyphens), nothing else."""
    return isinstance(value, str) and _UUID.fullmatch(value) is not None


def invalid_id(route: str, *, status: int | None = None) -> InvalidId:
    """The error for a migration id that is not a UUID (the id itself is not repeated)."""
    sent = "Butterbase refused it" if status is not None else "nothing was sent to Butterbase"
    return InvalidId(
        f"The migration id given is not a Butterbase migration id (a UUID), so the bot "
        f"could not {action(route)}; {sent}. Check the id.",
        route=route,
        status=status,
        error="invalid_id",
    )


class Unauthorised(ButterbaseError):
    """401: the bot's key is missing, invalid or revoked."""


class NotFound(ButterbaseError):
    """404: Butterbase does not know that migration (for that app)."""


class Conflict(ButterbaseError):
    """409, or a state found while reconciling that rules the request out.

    `.error` is the server's string (`ineligible`, `reverse_move_failed`,
    `teardown_failed`, `cannot abort after cutover; use reverse-move`, …), `.reason`
    its explanation, `.state` the migration when the client read it itself.
    """

    state: MigrationStatus | None = None


class RateLimited(ButterbaseError):
    """429: too many requests; `.retry_after` seconds when the server said."""


class Unavailable(ButterbaseError):
    """5xx, timeouts, connection failures, and answers that are not the expected JSON."""


class AmbiguousResult(Unavailable):
    """A mutating request that may or may not have taken effect.

    `.attempted` says what was asked (as a person would put it), `.state` is the
    migration as read while reconciling, when that read worked.
    """

    def __init__(
        self,
        *,
        route: str,
        attempted: str,
        cause: str,
        status: int | None = None,
        state: MigrationStatus | None = None,
        note: str | None = None,
    ) -> None:
        message = (
            f"It is not known whether Butterbase carried out the request to {attempted} "
            f"({cause}). Check the move before trying again."
        )
        if note:
            message = f"{message} {note}"
        super().__init__(message, route=route, status=status)
        self.attempted = attempted
        self.cause = cause
        self.state = state
        self.note = note

    @property
    def accepted(self) -> bool:
        """True when the server answered 2xx (it acted) but the answer was unreadable."""
        return self.status is not None and 200 <= self.status < 300

    def with_state(self, state: MigrationStatus | None, note: str | None = None) -> AmbiguousResult:
        return AmbiguousResult(
            route=self.route,
            attempted=self.attempted,
            cause=self.cause,
            status=self.status,
            state=state,
            note=note,
        )


@dataclass(frozen=True)
class ErrorBody:
    code: str | None = None
    error: str | None = None
    reason: str | None = None
    remediation: str | None = None

    @property
    def detail(self) -> str:
        error = (self.error or self.code or "no detail").rstrip(".")
        if self.reason:
            return f"{self.reason.rstrip('.')} ({error})"
        return error


def scrub(value: object, secret: str | None) -> str | None:
    """Server text made safe to show: a string, short, without the key."""
    if isinstance(value, bool) or not isinstance(value, str | int | float):
        return None
    text = " ".join(str(value).split())
    if secret:
        text = text.replace(secret, "[redacted]")
    if len(text) > _MAX_TEXT:
        text = text[: _MAX_TEXT - 1] + "…"
    return text or None


def read_error_body(content: bytes, secret: str | None) -> ErrorBody | None:
    """`{"error": "…", "reason": …}` or `{"error": {code, message, remediation}}`; None
    for an empty body, non-JSON, or JSON without `error`."""
    try:
        data = json.loads(content)
    except ValueError:
        return None
    if not isinstance(data, dict) or data.get("error") is None:
        return None
    raw, reason = data["error"], scrub(data.get("reason"), secret)
    if isinstance(raw, dict):
        return ErrorBody(
            code=scrub(raw.get("code"), secret),
            error=scrub(raw.get("message"), secret),
            reason=reason,
            remediation=scrub(raw.get("remediation"), secret),
        )
    text = scrub(raw, secret)
    return ErrorBody(code=text, error=text, reason=reason)


def parse_retry_after(value: str | None, *, now: datetime) -> float | None:
    """`Retry-After` as seconds from `now`: delta-seconds or an HTTP-date; None if unusable."""
    if value is None or not value.strip():
        return None
    try:
        seconds = float(value.strip())
    except ValueError:
        try:
            seconds = (utc(parsedate_to_datetime(value)) - utc(now)).total_seconds()
        except (TypeError, ValueError, IndexError):
            return None
    if math.isnan(seconds) or math.isinf(seconds):
        return None
    return max(0.0, seconds)


def _later(retry_after: float | None) -> str:
    if retry_after is None:
        return "try again in a minute"
    return f"try again in {math.ceil(retry_after)} s"


def unexpected(route: str, status: int, what: str) -> Unavailable:
    return Unavailable(
        f"Butterbase gave an unexpected answer when asked to {action(route)} "
        f"(HTTP {status}, {what}).",
        route=route,
        status=status,
    )


_TRANSPORT: tuple[tuple[type[httpx.RequestError], str], ...] = (
    (httpx.ConnectTimeout, "timed out connecting"),
    (httpx.ConnectError, "could not connect"),
    (httpx.PoolTimeout, "no free connection"),
    (httpx.TimeoutException, "no answer in time"),
    (httpx.RemoteProtocolError, "the connection dropped mid-answer"),
    (httpx.NetworkError, "the connection failed"),
)


def describe_transport(exc: httpx.RequestError) -> str:
    return next((text for kind, text in _TRANSPORT if isinstance(exc, kind)), "a network error")


def transport_error(route: str, exc: httpx.RequestError) -> Unavailable:
    return Unavailable(
        f"Butterbase could not {action(route)}: {describe_transport(exc)}.", route=route
    )


def _response_time(response: httpx.Response, now: datetime) -> datetime:
    """The server's `Date` (what an HTTP-date Retry-After is relative to), else `now`."""
    date = response.headers.get("Date")
    try:
        return utc(parsedate_to_datetime(date)) if date else now
    except (TypeError, ValueError, IndexError):
        return now


_KINDS: dict[int, tuple[type[ButterbaseError], str]] = {
    400: (BadRequest, "refused to"),
    404: (NotFound, "could not"),
    409: (Conflict, "would not"),
}


def from_response(
    response: httpx.Response, *, route: str, secret: str | None, now: datetime
) -> ButterbaseError:
    """The error for a non-2xx answer."""
    status = response.status_code
    body = read_error_body(response.content, secret)
    retry_after = parse_retry_after(
        response.headers.get("Retry-After"), now=_response_time(response, now)
    )
    act = action(route)
    if status == 401:
        detail = body.detail if body else "HTTP 401"
        if not secret:
            message = f"Butterbase needs an API key to {act}, and the bot has none configured."
        else:
            message = (
                f"Butterbase rejected the bot's API key ({detail}) when asked to {act}; "
                "an admin should check the key the bot is configured with."
            )
        kind: type[ButterbaseError] = Unauthorised
    elif status == 429:
        kind = RateLimited
        message = f"Butterbase is rate-limiting the bot and would not {act}; {_later(retry_after)}."
    elif status >= 500:
        kind = Unavailable
        message = (
            f"Butterbase is unavailable (HTTP {status}) and could not {act}; {_later(retry_after)}."
        )
    elif body is None or not 400 <= status < 500:
        kind = Unavailable
        message = (
            f"Butterbase gave an unexpected answer when asked to {act} "
            f"(HTTP {status}, not the JSON error expected)."
        )
    else:
        kind, verb = _KINDS.get(status, (BadRequest, f"refused (HTTP {status}) to"))
        message = f"Butterbase {verb} {act}: {body.detail}."
    body = body or ErrorBody()
    return kind(
        message,
        route=route,
        status=status,
        code=body.code,
        error=body.error,
        reason=body.reason,
        remediation=body.remediation,
        retry_after=retry_after,
    )
