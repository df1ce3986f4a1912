"""Plain-value builders for the renderer tests, and a checker of Slack's limits."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from slack_sdk.models.blocks import Block

from bot import steps
from bot.render import Message
from storage.records import Approval, Decision, StepRecord, TrackedMigration

T0 = datetime(2026, 11, 30, 10, 0, tzinfo=UTC)
MID = "7a0c1234-aaaa-bbbb-cccc-000000000001"
FLOW = [*steps.DOCUMENTED]  # the documented eleven: a server that skipped the kv steps
FLOW_KV = [*steps.HAPPY_PATH]  # the thirteen the published server runs


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def migration(
    step: str = "restoring_data", *, flow: list[str] | None = None, **kw: Any
) -> TrackedMigration:
    """A move of app-42 that reached `step`, one minute per step from 10:00."""
    flow = flow or FLOW
    before = kw.pop("before", [])
    seen = flow[: flow.index(step) + 1] if step in flow else [*before, step]
    fields: dict[str, Any] = {
        "migration_id": MID,
        "app_id": "app-42",
        "source_region": "us-east-1",
        "dest_region": "eu-west-1",
        "channel_id": "C1",
        "requester": "U_REQ",
        "created_at": T0,
        "updated_at": at(len(seen)),
        "current_step": step,
        "seen_steps": seen,
        "step_started_at": at(len(seen) - 1),
    }
    fields.update(kw)
    return TrackedMigration(**fields)


def history(m: TrackedMigration) -> list[StepRecord]:
    """One record per seen step, one minute each; the current one still open."""
    records = []
    for i, step in enumerate(m.seen_steps):
        running = step == m.current_step
        records.append(
            StepRecord(
                migration_id=m.migration_id,
                step=step,
                started_at=at(i),
                ended_at=None if running else at(i + 1),
                outcome=None if running else "done",
            )
        )
    return records


def approval(kind: str = "teardown", status: str = "pending", **kw: Any) -> Approval:
    fields: dict[str, Any] = {
        "approval_id": "ap-0001-xyz",
        "kind": kind,
        "migration_id": MID,
        "app_id": "app-42",
        "channel_id": "C1",
        "requester": "U_REQ",
        "requested_at": at(20),
        "expires_at": at(50),
        "status": status,
        "required": 2,
    }
    fields.update(kw)
    return Approval(**fields)


def approve(user: str, minute: float) -> Decision:
    return Decision(user=user, decision="approve", at=at(minute))


def deny(user: str, minute: float) -> Decision:
    return Decision(user=user, decision="deny", at=at(minute))


def check_limits(msg: Message) -> None:
    """What Slack would refuse: more than 50 blocks, long sections, invalid blocks."""
    assert len(msg.blocks) <= 50
    total = 0
    for block in msg.blocks:
        Block.parse(block).validate_json()  # type: ignore[union-attr]
        if block["type"] == "section":
            assert len(block["text"]["text"]) <= 3000
            total += len(block["text"]["text"])
        elif block["type"] == "header":
            assert len(block["text"]["text"]) <= 150
        elif block["type"] == "context":
            total += sum(len(e.get("text", "")) for e in block["elements"])
    assert total < 12000
    assert msg.text


def sections(msg: Message) -> str:
    """Every text a person sees in the message, one string."""
    out = []
    for block in msg.blocks:
        if block["type"] in ("section", "header"):
            out.append(block["text"]["text"])
        elif block["type"] == "context":
            out.extend(e["text"] for e in block["elements"])
    return "\n".join(out)


def buttons(msg: Message) -> dict[str, dict[str, Any]]:
    """Buttons by their label."""
    found = {}
    for block in msg.blocks:
        elements = block.get("elements", []) if block["type"] == "actions" else []
        if block["type"] == "section" and "accessory" in block:
            elements = [block["accessory"]]
        for e in elements:
            if e["type"] == "button":
                found[e["text"]["text"]] = e
    return found


def actions_block(msg: Message) -> dict[str, Any]:
    (block,) = [b for b in msg.blocks if b["type"] == "actions"]
    return block
