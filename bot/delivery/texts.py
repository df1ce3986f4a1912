"""Pure helpers of delivery: batches, splitting, dedupe keys and refusal notices."""

from __future__ import annotations

from storage.records import URGENT, OutboxItem

MAX_REPLY = 3500  # characters per thread reply: well under Slack's 40,000, and readable
METADATA_TYPE = "bb_outbox"

# Refusals about the channel, not the message: they can pass (the bot gets invited, the
# channel is unarchived), so the item is retried with backoff and never dropped.
CHANNEL_ERRORS = frozenset(
    {
        "not_in_channel",
        "channel_not_found",
        "is_archived",
        "restricted_action",
        "team_access_not_granted",
    }
)
# Slack's own trouble, not a verdict on the message: tried again with back-off (a few
# times: a card that never appears would leave its thread's news waiting).
TRANSIENT_ERRORS = frozenset(
    {"fatal_error", "internal_error", "service_unavailable", "request_timeout", "timeout"}
)
TRANSIENT_ATTEMPTS = 8
# Refusals of the content: a card is tried again as text only; a reply is split.
CONTENT_ERRORS = frozenset(
    {"invalid_blocks", "invalid_blocks_format", "msg_too_long", "msg_blocks_too_long", "no_text"}
)


def key_of(item: OutboxItem) -> str:
    """The item's key in Slack's message metadata (found again after a crash)."""
    return item.dedupe_key or f"outbox:{item.id}"


def metadata(key: str) -> dict[str, object]:
    return {"event_type": METADATA_TYPE, "event_payload": {"key": key}}


def metadata_key(message: dict[str, object]) -> str | None:
    """The dedupe key a message was sent with, if it was sent by the outbox."""
    meta = message.get("metadata")
    if not isinstance(meta, dict) or meta.get("event_type") != METADATA_TYPE:
        return None
    payload = meta.get("event_payload")
    key = payload.get("key") if isinstance(payload, dict) else None
    return key if isinstance(key, str) else None


def reply_batch(
    items: list[OutboxItem], limit: int = MAX_REPLY, *, fold: bool = False
) -> list[OutboxItem]:
    """The lane's first item and the plain replies right after it that fit with it in one
    message (a broadcast goes alone unless `fold`: then broadcasts and replies merge, and
    the message is broadcast; any other kind always goes alone). An urgent item (an
    approval's outcome, a failure ping) is never buried behind less urgent news, a
    milestone follows a step only when folded, and nothing follows a move's summary."""
    kinds = ("reply", "broadcast") if fold else ("reply",)
    head, batch = items[0], [items[0]]
    if head.kind not in kinds:
        return batch
    size = len(str(head.payload.get("text", "")))
    for other in items[1:]:
        text = str(other.payload.get("text", ""))
        if other.kind not in kinds or size + 1 + len(text) > limit:
            break
        if _closes(batch[-1]) or _stands_out(other, head, fold=fold):
            break
        batch.append(other)
        size += 1 + len(text)
    return batch


def _stands_out(item: OutboxItem, head: OutboxItem, *, fold: bool) -> bool:
    """`item` starts its own message rather than follow `head`'s: an urgent one always,
    one more urgent than `head` (a milestone after a step) unless the thread is folded."""
    if item.priority == URGENT and head.priority != URGENT:
        return True
    return not fold and item.priority < head.priority


def _closes(item: OutboxItem) -> bool:
    """A move's summary is its thread's last word: later news starts a new message."""
    return bool(item.dedupe_key and item.dedupe_key.endswith(":summary"))


def split_text(text: str, limit: int = MAX_REPLY) -> list[str]:
    """`text` in parts of at most `limit` characters, cut at line ends where possible."""
    parts: list[str] = []
    while len(text) > limit:
        cut = text.rfind("\n", 0, limit)
        cut = cut if cut > 0 else limit
        parts.append(text[:cut])
        text = text[cut:].lstrip("\n")
    return [*parts, text] if text or not parts else parts


def backoff(attempts: int, base: float, cap: float) -> float:
    """Seconds before the next try of an item refused `attempts` times already."""
    return float(min(cap, base * 2 ** min(attempts, 16)))


def refusal_notice(error: str, channel: str, what: str, bot_name: str) -> str:
    """What the requester is told privately when Slack refuses a message for good."""
    if error == "not_in_channel":
        return (
            f"I could not post {what} in <#{channel}>: I am not a member of that channel. "
            f"Invite me there with `/invite @{bot_name}`; it will appear once I am in."
        )
    if error in CHANNEL_ERRORS:
        return (
            f"I could not post {what} in <#{channel}> (Slack says `{error}`). "
            "I keep trying; check that the channel exists and that I may post there."
        )
    return (
        f"Slack refused {what} in <#{channel}> (`{error}`). I posted what I could; "
        "the move goes on and its news keeps coming in the channel."
    )
