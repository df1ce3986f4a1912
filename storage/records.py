"""What the bot remembers, as pydantic models. Rows are dicts in SQLite; these are
what the rest of the bot sees."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator

MigrationKind = Literal["move", "reverse"]
ApprovalKind = Literal["reverse", "teardown"]
ApprovalStatus = Literal[
    "pending",  # waiting for decisions
    "executing",  # final approval given; the Butterbase call is being made
    "executed",  # the call succeeded
    "failed",  # the call was refused or failed; see `result`
    "denied",
    "expired",
    "voided",  # the state it was asked in no longer holds; see `reason`
]
OPEN_APPROVAL_STATUSES: frozenset[str] = frozenset({"pending", "executing"})
OutboxKind = Literal[
    "card",  # post (first time) or update the migration's status card, rendered at send time
    "reply",  # a thread reply; consecutive pending replies of one migration are merged
    "broadcast",  # a thread reply also shown in the channel (milestones); never merged
    "message",  # a standalone channel message (e.g. an approval request card)
    "update",  # chat.update of a message the bot posted (payload has `ts`)
    "ephemeral",  # chat.postEphemeral (payload has `user`)
]
# Delivery priority, spent first to last when Slack's budget is short.
URGENT = 0  # approval requests and outcomes, refusals, failure pings
MILESTONE = 1  # cutover, completion, failure broadcasts; writes-still-paused warnings
STEP = 2  # step replies
REFRESH = 3  # card refreshes
_DEFAULT_PRIORITY = {
    "card": REFRESH,
    "update": REFRESH,
    "broadcast": MILESTONE,
    "ephemeral": URGENT,
}


def lane_of(kind: str, channel_id: str, migration_id: str | None, approval_id: str | None) -> str:
    """What orders an item: items of one lane go out in order, lanes never wait for
    each other (a migration's card, its thread, an approval card, a channel's rest)."""
    if kind == "card" and approval_id:
        return f"approval:{approval_id}"
    if kind == "card" and migration_id:
        return f"card:{migration_id}"
    if migration_id:
        return f"thread:{migration_id}"
    if approval_id:
        return f"approval:{approval_id}"
    return f"channel:{channel_id}"


class _Record(BaseModel):
    model_config = ConfigDict(extra="ignore")


class TrackedMigration(_Record):
    """A migration the bot follows, and the last state it saw of it."""

    migration_id: str
    app_id: str
    source_region: str | None = None
    dest_region: str | None = None
    kind: MigrationKind = "move"
    parent_migration_id: str | None = None  # for a reverse: the forward migration
    channel_id: str
    card_ts: str | None = None  # set once the card is posted
    thread_ts: str | None = None  # the card's ts: replies go under it
    requester: str | None = None  # Slack user id; None when adopted from outside
    adopted: bool = False
    created_at: datetime
    updated_at: datetime
    # last seen state
    current_step: str = "requested"
    last_error: str | None = None
    retry_count: int = 0
    replica_state: str | None = None
    step_started_at: datetime | None = None
    completed_at: datetime | None = None
    flipped_at: datetime | None = None
    progress: dict[str, Any] = Field(default_factory=dict)
    seen_steps: list[str] = Field(default_factory=list)
    # tracking
    polling: bool = True  # False once terminal, gone (404) or stopped
    last_polled_at: datetime | None = None
    unreachable_since: datetime | None = None  # Butterbase unreachable: notice sent once
    not_found: bool = False
    retry_notice_sent: bool = False  # "step X is retrying" said once per episode
    stuck_notice_step: str | None = None  # the step the "stuck" notice was sent for
    writes_paused_after_abort: bool = False  # the user's abort left writes paused
    torn_down_at: datetime | None = None
    reversed_by: str | None = None  # migration id of the reverse, once started
    replica_cost: float | None = None  # the replica's est. $/month, read at completion
    card_version: int = 0  # bumped on each card render: new block_ids per version

    @property
    def short_id(self) -> str:
        return self.migration_id[:8]


class StepRecord(_Record):
    migration_id: str
    step: str
    started_at: datetime
    ended_at: datetime | None = None
    outcome: str | None = None  # "done", "failed", "aborted", …


class Decision(_Record):
    user: str
    decision: Literal["approve", "deny"]
    at: datetime


class Approval(_Record):
    """A request for a reverse or a teardown, and what became of it."""

    approval_id: str
    kind: ApprovalKind
    migration_id: str
    app_id: str
    channel_id: str
    thread_ts: str | None = None
    message_ts: str | None = None  # the request card, once posted
    requester: str
    requested_at: datetime
    expires_at: datetime
    status: ApprovalStatus = "pending"
    snapshot: dict[str, Any] = Field(default_factory=dict)  # the state it was asked in
    decisions: list[Decision] = Field(default_factory=list)
    required: int = 1
    reason: str | None = None  # why denied / voided / failed
    result: dict[str, Any] = Field(default_factory=dict)  # what the API answered
    closed_at: datetime | None = None
    card_version: int = 0

    @property
    def approvers(self) -> list[str]:
        return [d.user for d in self.decisions if d.decision == "approve"]


class AuditEntry(_Record):
    id: int | None = None
    at: datetime
    actor: str  # Slack user id, or "bot"
    action: str  # e.g. "migrate.requested", "approval.approved", "teardown.refused"
    migration_id: str | None = None
    approval_id: str | None = None
    app_id: str | None = None
    detail: dict[str, Any] = Field(default_factory=dict)


class OutboxItem(_Record):
    id: int | None = None
    kind: OutboxKind
    channel_id: str
    migration_id: str | None = None
    approval_id: str | None = None
    payload: dict[str, Any] = Field(default_factory=dict)  # text, blocks, ts, user, …
    dedupe_key: str | None = None  # a second enqueue with the same key is ignored
    created_at: datetime
    attempts: int = 0
    next_attempt_at: datetime | None = None
    sent_at: datetime | None = None
    result_ts: str | None = None
    error: str | None = None
    lane: str = ""  # filled from the fields above when not given
    priority: int = -1  # URGENT … REFRESH; filled from the kind when not given
    sending_at: datetime | None = None  # the call may have reached Slack: look before resending

    @model_validator(mode="after")
    def _defaults(self) -> OutboxItem:
        if not self.lane:
            self.lane = lane_of(self.kind, self.channel_id, self.migration_id, self.approval_id)
        if self.priority < 0:
            urgent = self.kind == "card" and self.approval_id is not None
            self.priority = URGENT if urgent else _DEFAULT_PRIORITY.get(self.kind, STEP)
        return self
