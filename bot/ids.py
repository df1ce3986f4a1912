"""Action, callback and block ids: defined once, imported by renderers and `register`.

Buttons carry the migration or approval id in their `value`, and the card's
version in their `block_id` (`<prefix>:<object id>:<version>`), so that a click on
an older version of a card can be told from a click on the current one.
"""

from __future__ import annotations

# status card buttons
ABORT = "migration_abort"
REFRESH = "migration_refresh"
REQUEST_REVERSE = "migration_request_reverse"
REQUEST_TEARDOWN = "migration_request_teardown"
FOLLOW = "migration_follow"  # adopt a migration started outside the bot
SHARE_STATUS = "status_share"  # share a private status in the channel
PICK_REGION = "migrate_pick_region"  # region picker (static select) in the private reply
START_MOVE = "migrate_start"

# approval request card buttons
APPROVE = "approval_approve"
DENY = "approval_deny"

# App Home
HOME_REQUEST_TEARDOWN = "home_request_teardown"

# modals (views)
ABORT_CONFIRM_VIEW = "abort_confirm"
TEARDOWN_CONFIRM_VIEW = "teardown_confirm"
TEARDOWN_CONFIRM_BLOCK = "teardown_confirm_app"
TEARDOWN_CONFIRM_INPUT = "teardown_confirm_input"
REQUEST_REASON_VIEW = "request_reason"  # "Request reverse/teardown": an optional reason
REQUEST_REASON_BLOCK = "request_reason_block"
REQUEST_REASON_INPUT = "request_reason_input"

# block id prefixes
CARD_ACTIONS = "card_actions"
APPROVAL_ACTIONS = "approval_actions"


def versioned_block_id(prefix: str, object_id: str, version: int) -> str:
    return f"{prefix}:{object_id}:{version}"


def parse_block_id(block_id: str | None) -> tuple[str, str, int] | None:
    """(prefix, object id, version), or None for a block id the bot did not make."""
    if not block_id:
        return None
    parts = block_id.split(":")
    if len(parts) != 3 or not parts[2].isdigit():
        return None
    return parts[0], parts[1], int(parts[2])
