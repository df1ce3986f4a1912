"""`/reverse` by id typed in another channel (issue 10, hole 11: "post it where the
command was typed, or refuse")."""

from __future__ import annotations

from tests.e2e.approvals_support import completed_move, posted
from tests.e2e.harness import REQUESTER, World
from tests.e2e.private import private_reply

OPS = "C_OPS"


async def test_a_reverse_typed_in_another_channel_is_posted_there_or_refused(
    world: World,
) -> None:
    move = await completed_move(world)  # followed in C_MIGRATIONS; no allow-list
    reply = await private_reply(world, REQUESTER, "/reverse", f"app-42 {move.short}", channel=OPS)
    if not reply.text.startswith("Asked for approval"):
        return  # refused: fine
    a = await posted(world, move.migration_id, "reverse")
    # today: "the request is in <#C_MIGRATIONS>": posted in the move's channel instead
    assert world.ws.find_message(OPS, str(a.message_ts)) is not None, reply.text
