"""`/migrate`'s refusals, end to end: each private reply word for word, and no move
sent to Butterbase for any bad input."""

from __future__ import annotations

from bot import ids
from bot.parsing import usage
from sandbox.butterbase.config import DEFAULT_REGIONS
from tests.e2e.harness import BYSTANDER, CHANNEL, REQUESTER, World, wait_for
from tests.e2e.private import buttons, click_private, private_reply, start_move

VALID = ", ".join(f"`{r}`" for r in DEFAULT_REGIONS)


async def test_unknown_region_lists_the_valid_ones_and_starts_nothing(world: World) -> None:
    reply = await private_reply(world, REQUESTER, "/migrate", "app-42 mars-1")
    assert (
        reply.text
        == f"`mars-1` is not a Butterbase region. Valid regions: {VALID}. Nothing was started."
    )
    reply = await private_reply(world, REQUESTER, "/migrate", "app-42 eu-west-9")
    assert reply.text == (
        f"`eu-west-9` is not a Butterbase region. Did you mean `eu-west-1`? Valid regions: {VALID}."
        " Nothing was started."
    )
    assert world.mutating_requests() == []
    assert world.cards() == []


async def test_the_region_first_suggests_the_swap_and_starts_nothing(world: World) -> None:
    """Issue 15 point 13: `/migrate eu-west-1 app-42` says which way round it goes."""
    reply = await private_reply(world, REQUESTER, "/migrate", "eu-west-1 app-42")
    assert reply.text == (
        "eu-west-1 is a region, not an app: the app comes first. Did you mean "
        "/migrate app-42 eu-west-1? Nothing was started."
    )
    assert world.mutating_requests() == []
    assert world.cards() == []


async def test_unknown_region_is_refused_even_when_the_server_would_take_it(world: World) -> None:
    world.sim.config.lenient_regions = True  # the published server's behaviour: 202 for mars-1
    reply = await private_reply(world, REQUESTER, "/migrate", "app-42 mars-1")
    assert reply.text.startswith("`mars-1` is not a Butterbase region.")
    reply = await private_reply(world, REQUESTER, "/migrate", "app-42 EU-WEST-1")
    assert reply.text == (
        "`EU-WEST-1` is not a region name (like `eu-west-1`).\n" + usage("/migrate")
    )
    assert world.mutating_requests() == []
    assert world.sim.migrations == {}


async def test_missing_arguments_show_the_usage(world: World) -> None:
    reply = await private_reply(world, REQUESTER, "/migrate", "")
    assert reply.text == "Which app should move?\n" + usage("/migrate")
    reply = await private_reply(world, REQUESTER, "/migrate", "help")
    assert reply.text == usage("/migrate")
    reply = await private_reply(world, REQUESTER, "/migrate", "app-42 eu-west-1 now")
    assert reply.text == "Too many arguments.\n" + usage("/migrate")
    assert world.mutating_requests() == []
    assert world.sim.requests == []  # refused before anything was asked


async def test_unknown_app_is_refused(world: World) -> None:
    reply = await private_reply(world, REQUESTER, "/migrate", "no-such-app eu-west-1")
    assert reply.text == (
        "Butterbase has no app `no-such-app` that the bot can see. Check the id. Nothing was started."
    )
    assert world.mutating_requests() == []


async def test_a_second_move_links_the_card_and_offers_abort(world: World) -> None:
    card_ts, mid = await start_move(world, "app-42", "eu-west-1", hold_at="dumping_data")
    reply = await private_reply(world, BYSTANDER, "/migrate", "app-42 eu-central-1")
    link = world.ws.permalink(CHANNEL, card_ts)
    assert reply.text == (
        f"A move of app-42 is already in flight (`{mid[:8]}`, Dumping data): "
        f"see <{link}|its card>. Nothing was started."
    )
    abort = buttons(reply.blocks)[ids.ABORT]
    assert abort["value"] == mid and abort["style"] == "danger" and "confirm" in abort
    # the bot knew the move was in flight: the second one was never sent
    assert [(r["path"], r["status"]) for r in world.mutating_requests()] == [
        ("/v1/apps/app-42/move", 202),
    ]
    assert len(world.sim.migrations) == 1 and len(world.cards()) == 1

    answered = await click_private(world, BYSTANDER, reply, ids.ABORT)
    assert answered.text.startswith(f"Aborted the move of app-42 (`{mid[:8]}`) at ")
    await wait_for(lambda: "Aborted" in (world.ws.find_message(CHANNEL, card_ts) or reply).text)
    assert world.sim.migrations[mid].current_step == "aborted"


async def test_a_move_started_outside_the_bot_is_explained(world: World) -> None:
    world.sim.start_move_as("user-dashboard", "app-42", "eu-west-1")
    reply = await private_reply(world, REQUESTER, "/migrate", "app-42 eu-central-1")
    assert reply.text == (
        "A move of app-42 is already running, started outside the bot (from the dashboard or by "
        "another key): Butterbase doesn't show it to the bot. It can't be followed or aborted "
        "from Slack; check the Butterbase dashboard. Nothing was started."
    )
    assert [(r["path"], r["status"]) for r in world.mutating_requests()] == [
        ("/v1/apps/app-42/move", 409)
    ]
    assert world.cards() == []
