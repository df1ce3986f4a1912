"""Parsing what people type after a slash command. Pure: raises `UsageError` with the
message to show, never touches the network."""

from __future__ import annotations

import re
from dataclasses import dataclass

APP_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$")
REGION = re.compile(r"^[a-z]{2,}(-[a-z0-9]+)+$")
UUID = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$")
SHORT_ID = re.compile(r"^[0-9a-f]{8}$")
MAX_ARG = 200
MAX_WITH_REASON = 500  # /reverse and /teardown: the reason is free text
# a word meant as a migration id (hex and dashes, with a digit) that is not a valid one:
# refused rather than read as the start of a reason (a typo would pick another move)
ID_LIKE = re.compile(r"^(?=.*[0-9])[0-9a-fA-F-]{6,}$")

USAGE = {
    "/migrate": "`/migrate <app_id> <dest_region>` — e.g. `/migrate app-42 eu-west-1`. Leave the region out to pick it from a list.",
    "/migration-status": "`/migration-status [<app_id> [<migration_id>]]` — nothing: what runs in this channel; an app: its current move; both: that migration.",
    "/abort": "`/abort <app_id> [<migration_id>]` — stops a move before cutover (asks you to confirm).",
    "/reverse": "`/reverse <app_id> [<migration_id>] [<reason…>]` — asks for approval to move a completed migration back, while its source replica is retained. Words after the app (and the id, if any) are the reason the approver reads.",
    "/teardown": "`/teardown [<app_id> | <migration_id>] [<reason…>]` — nothing: the retained replicas; a target: asks for approval to delete its source replica (irreversible). Words after the target are the reason the approver reads.",
}


class UsageError(ValueError):
    """Bad input; `str(error)` is the private reply (what was wrong, and the right form)."""


@dataclass(frozen=True)
class Args:
    command: str
    help: bool = False
    app_id: str | None = None
    region: str | None = None
    migration_ref: str | None = None  # a full UUID or an 8-character short id
    reason: str | None = None  # /reverse, /teardown: why, for the approver


def usage(command: str) -> str:
    return f"Usage: {USAGE[command]}"


def _fail(command: str, problem: str) -> UsageError:
    return UsageError(f"{problem}\n{usage(command)}")


def _shown(value: str) -> str:
    """What the person typed, quoted and safe to echo back in mrkdwn. Invisible and
    direction-changing characters are left out and said to be there (`app\u202e42`
    shown as `app42` alone would look like a valid id)."""
    cleaned = "".join(ch for ch in value if ch.isprintable() and ch not in "`<>&*_~")
    quoted = f"`{cleaned[:40]}{'…' if len(cleaned) > 40 else ''}`" if cleaned else "That"
    if any(not ch.isprintable() for ch in value):
        quoted += " (with invisible characters)"
    return quoted


def _tokens(command: str, text: str) -> list[str]:
    if len(text) > (MAX_WITH_REASON if command in ("/reverse", "/teardown") else MAX_ARG):
        raise _fail(
            command, f"That is too long ({len(text)} characters) to be a command's arguments."
        )
    return text.split()


def check_app_id(command: str, value: str) -> str:
    if value.startswith("<") and value.endswith(">"):
        raise _fail(command, "That looks like a Slack mention or link, not an app id.")
    if not APP_ID.match(value):
        raise _fail(command, f"{_shown(value)} is not an app id (letters, digits, `-` and `_`).")
    return value


def check_migration_ref(command: str, value: str) -> str:
    lowered = value.lower()
    if UUID.match(lowered) or SHORT_ID.match(lowered):
        return lowered
    raise _fail(
        command,
        f"{_shown(value)} is not a migration id: give the whole id or the 8-character short id the bot shows.",
    )


def check_region(command: str, value: str) -> str:
    if not REGION.match(value):
        raise _fail(command, f"{_shown(value)} is not a region name (like `eu-west-1`).")
    return value


def _reason(command: str, words: list[str]) -> str | None:
    """The free-text reason after a command's target, or None. A first word that looks
    like a mistyped migration id is refused: read as a reason, it would silently pick
    another move."""
    if not words:
        return None
    first = words[0].lower()
    if (UUID.match(first) or SHORT_ID.match(first)) and command == "/teardown":
        raise _fail(command, "Give one app id or one migration id, then the reason if any.")
    if ID_LIKE.match(first) and not (UUID.match(first) or SHORT_ID.match(first)):
        raise _fail(
            command,
            f"{_shown(words[0])} looks like a migration id but is not one: give the whole id or "
            "the 8-character short id the bot shows, then the reason.",
        )
    return " ".join(words)


def parse(command: str, text: str) -> Args:
    """Parse the arguments of one of the five commands."""
    words = _tokens(command, text or "")
    if len(words) == 1 and words[0].lower() == "help":
        return Args(command, help=True)
    if command == "/migrate":
        if not words:
            raise _fail(command, "Which app should move?")
        if len(words) > 2:
            raise _fail(command, "Too many arguments.")
        app = check_app_id(command, words[0])
        region = check_region(command, words[1]) if len(words) == 2 else None
        return Args(command, app_id=app, region=region)
    if command == "/teardown":
        if not words:
            return Args(command)
        lowered = words[0].lower()
        reason = _reason(command, words[1:])
        if UUID.match(lowered) or SHORT_ID.match(lowered):
            return Args(command, migration_ref=lowered, reason=reason)
        return Args(command, app_id=check_app_id(command, words[0]), reason=reason)
    if command == "/reverse":
        if not words:
            raise _fail(command, "Which app?")
        app = check_app_id(command, words[0])
        rest = words[1:]
        ref = None
        if rest and (UUID.match(rest[0].lower()) or SHORT_ID.match(rest[0].lower())):
            ref, rest = rest[0].lower(), rest[1:]
        return Args(command, app_id=app, migration_ref=ref, reason=_reason(command, rest))
    if command in ("/abort", "/migration-status"):
        if len(words) > 2:
            raise _fail(command, "Too many arguments.")
        if not words:
            if command == "/migration-status":
                return Args(command)
            raise _fail(command, "Which app?")
        app = check_app_id(command, words[0])
        ref = check_migration_ref(command, words[1]) if len(words) == 2 else None
        return Args(command, app_id=app, migration_ref=ref)
    raise UsageError(f"Unknown command {command}.")
