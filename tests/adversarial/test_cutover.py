"""the cutover is told when routing has flipped, not when flipping starts; a failure
inside flipping_routing says where the app is served as GET /apps says it."""

from __future__ import annotations

from tests.e2e.harness import CHANNEL, World, wait_for
from tests.e2e.private import start_move, tracked


def said(world: World, card_ts: str) -> list[str]:
    top = [m.text for m in world.ws.channel_messages(CHANNEL) if m.ts != card_ts]
    card = world.ws.find_message(CHANNEL, card_ts)
    return top + world.thread_texts(card_ts) + ([card.text, str(card.blocks)] if card else [])


async def test_no_cutover_told_while_held_at_flipping_routing(world: World) -> None:
    card_ts, mid = await start_move(world, "app-42", "eu-west-1", hold_at="flipping_routing")
    # let a few poll rounds and the outbox run
    await wait_for(lambda: len(world.thread_texts(card_ts)) >= 1, message="some thread")
    app = next(a for a in world.sim.apps.values() if a.id == "app-42")
    texts = said(world, card_ts)
    cut = [t for t in texts if "utover" in t and "traffic" in t.lower()]
    assert cut == [] or app.region == "eu-west-1", cut


async def test_failure_inside_flipping_routing(world: World) -> None:
    world.sim.fail_step("app-42", "flipping_routing", 5, error="dns update failed")
    card_ts, mid = await start_move(world, "app-42", "eu-west-1")
    await wait_for(lambda: tracked(world, mid).current_step == "failed", message="failed")
    await wait_for(
        lambda: any("Summary" in t for t in world.thread_texts(card_ts)), message="summary"
    )
    app = world.sim.apps["app-42"]
    texts = said(world, card_ts)
    assert app.region == "us-east-1"  # routing never flipped: GET /apps says so
    wrong = [t for t in texts if "served from eu-west-1" in t or "past cutover" in t]
    # today the "Looks stuck" broadcast (with pings) says "Abort is no longer possible
    # (past cutover)" while the failure broadcast says "routing did not flip"
    assert wrong == [], wrong
