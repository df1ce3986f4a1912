"""Hole 9: a card Slack refused with `not_in_channel` holds nothing else (another channel
keeps flowing, the requester is told how to invite the bot) and appears as soon as the
bot is invited (`member_joined_channel`), not at the refusal's next back-off."""

from __future__ import annotations

from tests.e2e.harness import CHANNEL, REQUESTER, World, wait_for

OPS = "C_OPS"


def _done(world: World, app: str) -> bool:
    return any(
        m.app_id == app and m.current_step == "completed" for m in world.sim.migrations.values()
    )


async def test_the_cards_appear_once_the_bot_is_invited(world: World) -> None:
    world.ws.remove_bot(OPS)
    await world.d.command(REQUESTER, OPS, "/migrate", "app-42 eu-west-1")
    await wait_for(lambda: _done(world, "app-42"), message="app-42 moved")
    told = await wait_for(
        lambda: [
            m.text for m in world.ws.channel_messages(f"D_{REQUESTER}") if "/invite" in m.text
        ],
        message="the requester told to invite the bot",
    )
    assert "it will appear once I am in" in told[0]
    await world.d.command(REQUESTER, CHANNEL, "/migrate", "shop-eu us-east-1")
    await wait_for(lambda: world.cards(CHANNEL), message="a card in the other channel (held)")
    await world.d.command(REQUESTER, OPS, "/migrate", "blog eu-west-1")
    await wait_for(lambda: _done(world, "blog"), message="blog moved")

    # the requester invites the bot as Slack does it: `member_joined_channel` reaches the bot
    result = await world.d.invite_bot(OPS)
    assert result.status == 200
    # the two cards the channel missed appear now (the back-off is 30 s and more)
    await wait_for(
        lambda: len([m for m in world.cards(OPS) if "Completed" in m.text]) >= 2,
        timeout=20,
        message="both cards in C_OPS after the invite",
    )
