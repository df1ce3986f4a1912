"""`/migrate` end to end: the card, every step in its thread, the summary."""

from __future__ import annotations

from tests.e2e.harness import CHANNEL, REQUESTER, World, wait_for


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
    assert "Cutover" in joined and "Completed" in joined
    final = world.ws.find_message(CHANNEL, first.ts)
    assert final is not None and "Completed" in final.text
