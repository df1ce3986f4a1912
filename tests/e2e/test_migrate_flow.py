"""`/migrate` end to end: the card, every step in its thread, the summary."""

from __future__ import annotations

from bot import ids
from tests.e2e.approvals_support import click, completed_move, migration, request, status_of
from tests.e2e.harness import APPROVER1, CHANNEL, REQUESTER, World, wait_for


async def test_migrate_posts_card_and_follows_every_step(world: World) -> None:
    result = await world.d.command(REQUESTER, CHANNEL, "/migrate", "app-42 eu-west-1")
    assert result.status == 200

    card = await wait_for(lambda: world.cards(), message="the status card")
    first = card[0]
    assert first.text.startswith("app-42 · us-east-1 → eu-west-1")

    def finished() -> bool:
        texts = world.thread_texts(first.ts)
        return any("Summary" in t for t in texts)

    await wait_for(finished, message="the summary in the thread")
    texts = world.thread_texts(first.ts)
    joined = "\n".join(texts)
    for label in (
        "Reserving the destination",
        "Blocking writes",
        "Dumping data",
        "Restoring data",
        "Copying blobs",
        "Copying the runtime",
        "Flipping routing",
        "Setting up reverse replication",
        "Unblocking writes",
    ):
        assert joined.count(label) >= 1, label
    assert "Completed: app-42 is served from eu-west-1 (moved from us-east-1)." in joined
    # the cutover is told in the thread, or (when the move ended between two polls) by
    # the completion itself: never after it
    assert "Cutover: " in joined or "Traffic moved at " in joined
    final = world.ws.find_message(CHANNEL, first.ts)
    assert final is not None and "Completed" in final.text


def _card_texts(world: World, ts: str) -> list[str]:
    """Every version of the card at `ts` the bot sent (post and updates), in order."""
    sent = []
    for call in world.ws.calls:
        if call.method in ("chat.postMessage", "chat.update") and call.args.get("text"):
            if call.method == "chat.postMessage" and call.args.get("thread_ts"):
                continue
            if call.method == "chat.update" and call.args.get("ts") != ts:
                continue
            sent.append(call.args["text"])
    return sent


async def test_the_card_counts_thirteen_steps_from_the_first_poll(world: World) -> None:
    await world.d.command(REQUESTER, CHANNEL, "/migrate", "app-42 eu-west-1")
    first = (await wait_for(lambda: world.cards(), message="the status card"))[0]
    await wait_for(
        lambda: any("Summary" in t for t in world.thread_texts(first.ts)),
        message="the summary in the thread",
    )
    counted = [t for t in _card_texts(world, first.ts) if "(step " in t]
    assert counted and all(" of 13)" in t for t in counted), counted
    thread = world.thread_texts(first.ts)
    told = [t for t in thread if "(step " in t]
    assert told and all(" of 13)" in t for t in told), told
    # the cutover is told once routing has flipped: after the flipping step was done
    cutover = next((i for i, t in enumerate(thread) if "Cutover: " in t), None)
    completed = next(i for i, t in enumerate(thread) if "Completed: app-42" in t)
    if cutover is not None:
        flipped = next(
            i for i, t in enumerate(thread) if "Flipping routing (cutover)" in t and " done" in t
        )
        assert flipped < cutover < completed


async def test_a_fast_reverse_is_told_as_what_happened_not_as_steps(world: World) -> None:
    move = await completed_move(world)
    a = await request(world, "reverse", move)
    await click(world, APPROVER1, a)
    done = await status_of(world, a.approval_id, "executed")
    assert done.result["path"] == "fast"
    new_id = done.result["migration_id"]
    reverse = await wait_for(
        lambda: (m := migration(world, new_id)).current_step == "completed" and m.card_ts and m,
        message="the reverse completed",
    )
    await wait_for(
        lambda: any("Reverse started by" in t for t in world.thread_texts(move.card_ts)),
        message="the reverse's summary",
    )
    thread = world.thread_texts(move.card_ts)
    mine = thread[next(i for i, t in enumerate(thread) if "approved by <@U_APP1>" in t) :]
    joined = "\n".join(mine)
    assert "Traffic switched back to us-east-1 at " in joined
    assert "was promoted" in joined and "eu-west-1 no longer serves the app" in joined
    assert "Requested, Reserving the destination" not in joined and " done" not in joined
    assert "Cutover" not in joined
    rev_card = await wait_for(
        lambda: world.ws.find_message(CHANNEL, str(reverse.card_ts)), message="the reverse card"
    )
    body = str(rev_card.blocks)
    assert "Reversed fast" in rev_card.text or "Reversed fast" in body
    assert ":white_check_mark: Reserving the destination" not in body
    assert ids.REQUEST_REVERSE not in str(rev_card.blocks)
    # never shown, even for a moment, as a move about to run ("Requested", with Abort)
    for version in rev_card.versions:
        assert "Requested" not in version.text, version.text
        assert ids.ABORT not in str(version.blocks)
