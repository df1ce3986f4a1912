"""ids that are not UUIDs, whole and short, typed in every command and forged into
every button's value: never sent to Butterbase, never told as an outage or a teardown."""

from __future__ import annotations

import re

from bot import ids
from tests.e2e.approvals_support import completed_move
from tests.e2e.harness import CHANNEL, REQUESTER, World, wait_for
from tests.e2e.private import private_reply

UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
BAD = [
    "zzzzzzzz",
    "1234567",
    "123456789",
    "12345678-1234-1234-1234-12345678901",
    "12345678-1234-1234-1234-1234567890123",
    "12345678-1234-1234-1234-12345678901g",
    "../../v1/source-replicas",
    "12345678%2F..",
    "DEADBEEF",
    "DEADBEEF-DEAD-BEEF-DEAD-BEEFDEADBEEF",
    "{deadbeef-dead-beef-dead-beefdeadbeef}",
    "deadbeefdeadbeefdeadbeefdeadbeef",
    "' OR 1=1 --",
]
LIES = ("unavailable", "torn down", "outage", "didn't answer", "did not answer", "try again")


def bad_paths(world: World) -> list[str]:
    out = []
    for r in world.sim.requests:
        path = r["path"]
        if "/migrations/" in path or "/source-replicas/" in path or path.endswith("/reverse"):
            tail = path.split("/migrations/")[-1].split("/source-replicas/")[-1]
            if (
                tail != "active"
                and not UUID.match(tail.split("/")[0])
                and not path.endswith("/move")
            ):
                out.append(f"{r['method']} {path}")
    return out


async def test_bad_ids_in_commands(world: World) -> None:
    await completed_move(world)
    answers: list[str] = []
    for bad in BAD:
        for command, text in (
            ("/migration-status", bad),
            ("/migration-status", f"app-42 {bad}"),
            ("/abort", bad),
            ("/abort", f"app-42 {bad}"),
            ("/reverse", f"app-42 {bad}"),
            ("/teardown", bad),
            ("/teardown", f"app-42 {bad}"),
        ):
            reply = await private_reply(world, REQUESTER, command, text)
            answers.append(f"{command} {text} -> {reply.text}")
    assert bad_paths(world) == []
    lying = [a for a in answers if any(w in a.split(" -> ", 1)[1].lower() for w in LIES)]
    assert lying == [], "\n".join(lying)


async def test_bad_ids_in_forged_button_values(world: World) -> None:
    move = await completed_move(world)
    answers: list[str] = []
    for bad in BAD:
        for action in (
            ids.ABORT,
            ids.REFRESH,
            ids.REQUEST_REVERSE,
            ids.REQUEST_TEARDOWN,
            ids.FOLLOW,
        ):
            before = len(world.ws.ephemerals(REQUESTER))
            result = await world.d.click(
                REQUESTER, CHANNEL, move.card_ts, action, value=bad, force=True
            )
            assert result.status == 200, (action, bad, result)
            got = await wait_for(
                lambda before=before: (
                    world.ws.ephemerals(REQUESTER)[before:] or world.ws.open_views(REQUESTER)
                ),
                timeout=5,
                message=f"an answer to {action} {bad}",
            )
            answers.append(f"{action} {bad} -> {getattr(got[0], 'text', got[0])}")
            for v in world.ws.open_views(REQUESTER):
                answers.append(f"  VIEW {v.callback_id}")
    assert bad_paths(world) == [], "\n".join(answers)
    lying = [a for a in answers if any(w in a.split(" -> ", 1)[1].lower() for w in LIES)]
    assert lying == [], "\n".join(lying)
