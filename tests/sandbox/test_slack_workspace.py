"""The in-memory workspace: seed, ts order, threads, ephemerals and the change feed."""

from __future__ import annotations

import asyncio
import threading

import pytest

from sandbox.slack import ManualClock, SlackWorkspace
from sandbox.slack.clock import SANDBOX_EPOCH


@pytest.fixture
def ws() -> SlackWorkspace:
    return SlackWorkspace(clock=ManualClock())


def test_seeded_people_groups_and_channels(ws: SlackWorkspace) -> None:
    assert {u: ws.users[u].name for u in ("U_REQ", "U_APP1", "U_APP2", "U_OTHER")} == {
        "U_REQ": "riley",
        "U_APP1": "ada",
        "U_APP2": "grace",
        "U_OTHER": "sam",
    }
    assert ws.users["U_APP1"].real_name == "Ada Approver"
    assert ws.users["U_BOT"].is_bot
    assert ws.usergroups["S_APPROVERS"].handle == "migration-approvers"
    assert ws.usergroups["S_APPROVERS"].users == ["U_APP1", "U_APP2"]
    assert ws.usergroups["S_ONCALL"].users == ["U_APP2"]
    assert ws.resolve_channel("#migrations") is ws.channels["C_MIGRATIONS"]
    assert ws.resolve_channel("C_OPS") is ws.channels["C_OPS"]


def test_ts_come_from_the_clock_and_always_increase(ws: SlackWorkspace) -> None:
    first, second = ws.next_ts(), ws.next_ts()
    assert first == f"{int(SANDBOX_EPOCH)}.000000"
    assert second == f"{int(SANDBOX_EPOCH)}.000100"
    assert isinstance(ws.clock, ManualClock)
    ws.clock.advance(2.5)
    assert ws.next_ts() == f"{int(SANDBOX_EPOCH) + 2}.500000"


def test_threads_broadcasts_and_edit_history(ws: SlackWorkspace) -> None:
    parent = ws.add_message("C_MIGRATIONS", text="card v1")
    reply = ws.add_message("C_MIGRATIONS", text="step 1", thread_ts=parent.ts)
    loud = ws.add_message("C_MIGRATIONS", text="cutover", thread_ts=parent.ts, reply_broadcast=True)
    nested = ws.add_message("C_MIGRATIONS", text="reply to a reply", thread_ts=reply.ts)
    assert [m.text for m in ws.thread("C_MIGRATIONS", parent.ts)] == [
        "step 1",
        "cutover",
        "reply to a reply",
    ]
    assert nested.thread_ts == parent.ts
    assert ws.channel_messages("C_MIGRATIONS") == [parent, loud]
    assert parent.to_api()["reply_count"] == 3
    ws.edit_message(parent, text="card v2", blocks=None)
    assert parent.text == "card v2"
    assert [v.text for v in parent.versions] == ["card v1", "card v2"]
    assert ws.find_message("C_MIGRATIONS", reply.ts) is reply
    assert reply.permalink.endswith(f"?thread_ts={parent.ts}&cid=C_MIGRATIONS")


def test_blocks_get_ids_when_they_come_without(ws: SlackWorkspace) -> None:
    message = ws.add_message(
        "C_OPS",
        text="x",
        blocks=[
            {
                "type": "actions",
                "elements": [{"type": "button", "text": {"type": "plain_text", "text": "Go"}}],
            }
        ],
    )
    block = message.blocks[0]
    assert block["block_id"] and block["elements"][0]["action_id"]


def test_ephemerals_by_user_and_channel(ws: SlackWorkspace) -> None:
    ws.add_ephemeral("C_MIGRATIONS", "U_REQ", text="only you")
    ws.add_ephemeral("C_OPS", "U_REQ", text="elsewhere")
    ws.add_ephemeral("C_OPS", "U_APP1", text="not yours")
    assert [e.text for e in ws.ephemerals("U_REQ")] == ["only you", "elsewhere"]
    assert [e.text for e in ws.ephemerals("U_REQ", channel="C_OPS")] == ["elsewhere"]


async def test_wait_for_change_wakes_on_a_change_from_another_thread(ws: SlackWorkspace) -> None:
    since = ws.version
    timer = threading.Timer(0.02, lambda: ws.add_message("C_OPS", text="hello"))
    timer.start()
    version = await ws.wait_for_change(since, timeout=5)
    timer.join()
    assert version > since
    assert ws.channel_messages("C_OPS")[0].text == "hello"


async def test_wait_for_change_returns_at_once_when_behind_and_times_out_otherwise(
    ws: SlackWorkspace,
) -> None:
    ws.add_message("C_OPS", text="one")
    assert await ws.wait_for_change(0, timeout=5) == ws.version
    current = ws.version
    assert await asyncio.wait_for(ws.wait_for_change(current, timeout=0.01), 1) == current
