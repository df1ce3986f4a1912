"""`/migration-status` in its three forms, Share and Follow, and the ids people type."""

from __future__ import annotations

from datetime import UTC, datetime

from bot import ids
from bot.parsing import usage
from storage.records import TrackedMigration
from tests.e2e.harness import BYSTANDER, CHANNEL, REQUESTER, World, wait_for
from tests.e2e.private import buttons, click_private, private_reply, start_move, tracked


def reads_of(world: World, fragment: str) -> list[str]:
    return [r["path"] for r in world.sim.requests if fragment in r["path"]]


async def test_nothing_shows_the_channel_and_the_retained_replicas(world: World) -> None:
    done = world.sim.start_move_as("user-bot", "blog", "eu-west-1")  # the bot's key, not tracked
    await start_move(world, "app-42", "eu-west-1", hold_at="dumping_data")
    await wait_for(lambda: done.current_step == "completed", message="blog's move to complete")

    reply = await private_reply(world, BYSTANDER, "/migration-status")
    assert reply.text == "1 move running in this channel · 1 replica"
    shown = "\n".join(str(b) for b in reply.blocks)
    assert "*app-42* · us-east-1 → eu-west-1 · Dumping data" in shown
    assert "*blog* · us-east-1 → eu-west-1 · kept for" in shown
    assert "est. unknown" in shown and "$0" not in shown  # the server's cost 0: unknown
    share = buttons(reply.blocks)[ids.SHARE_STATUS]

    before = len(world.cards())
    answered = await click_private(world, BYSTANDER, reply, ids.SHARE_STATUS)
    assert answered.text == f"Shared in <#{CHANNEL}>."
    posted = await wait_for(lambda: world.cards()[before:], message="the shared overview")
    assert posted[0].text == "1 move running in this channel · 1 replica"
    assert "Shared by <@U_OTHER>" in str(posted[0].blocks)
    assert ids.SHARE_STATUS not in buttons(posted[0].blocks) and share["value"] == "overview"
    assert world.mutating_requests() == [
        r for r in world.mutating_requests() if "/move" in r["path"]
    ]


async def test_an_app_shows_its_active_move_privately_and_shares_it(world: World) -> None:
    card_ts, mid = await start_move(world, "app-42", "eu-west-1", hold_at="restoring_data")
    reply = await private_reply(world, REQUESTER, "/migration-status", "app-42")
    assert reply.text == "app-42 · us-east-1 → eu-west-1 · Restoring data (step 5 of 13)"
    assert set(buttons(reply.blocks)) == {ids.SHARE_STATUS}
    assert "<@U_REQ>" in str(reply.blocks) and f"`{mid[:8]}`" in str(reply.blocks)
    private_text = reply.text

    answered = await click_private(world, REQUESTER, reply, ids.SHARE_STATUS)
    assert answered.text == f"Shared in <#{CHANNEL}>."
    shared = await wait_for(lambda: world.cards()[1:], message="the shared status")
    assert shared[0].text == private_text
    link = world.ws.permalink(CHANNEL, card_ts)
    assert f"<{link}|The live card>" in str(shared[0].blocks)
    assert len([c for c in world.cards() if c.ts == card_ts]) == 1


async def test_an_app_with_a_move_started_outside_slack_can_be_followed(world: World) -> None:
    world.sim.stall_step("shop-eu", "restoring_data")
    outside = world.sim.start_move_as("user-bot", "shop-eu", "us-east-1")  # e.g. a script
    await wait_for(lambda: outside.current_step == "restoring_data", message="restoring")

    reply = await private_reply(world, REQUESTER, "/migration-status", "shop-eu")
    other = await private_reply(world, BYSTANDER, "/migration-status", "shop-eu")
    assert reply.text == "shop-eu · eu-west-1 → us-east-1 · Restoring data (step 5 of 13)"
    shown = buttons(reply.blocks)
    assert set(shown) == {ids.ABORT, ids.REFRESH, ids.FOLLOW, ids.SHARE_STATUS}
    assert shown[ids.FOLLOW]["value"] == f"shop-eu|{outside.id}"
    assert "started outside Slack" in str(reply.blocks)
    assert world.cards() == []

    answered = await click_private(world, REQUESTER, reply, ids.FOLLOW)
    assert answered.text == (
        f"Following the move of shop-eu (`{outside.id[:8]}`) in <#{CHANNEL}>: its card is being "
        "posted there."
    )
    card = await wait_for(lambda: world.cards(), message="the adopted card")
    assert card[0].text.startswith("shop-eu · eu-west-1 → us-east-1 · Restoring data")
    m = tracked(world, outside.id)
    assert m.adopted and m.requester is None and m.channel_id == CHANNEL
    await wait_for(lambda: tracked(world, outside.id).card_ts, message="card ts")

    again = await click_private(world, BYSTANDER, other, ids.FOLLOW)
    link = world.ws.permalink(CHANNEL, card[0].ts)
    assert again.text == (
        f"The move of shop-eu (`{outside.id[:8]}`) is already followed: see <{link}|its card>."
    )
    assert len(world.cards()) == 1
    world.sim.unstall("shop-eu")
    await wait_for(lambda: world.cards()[0].text.endswith("Completed"), message="completed")
    assert world.mutating_requests() == []


async def test_an_app_with_nothing_running_and_nothing_known(world: World) -> None:
    reply = await private_reply(world, REQUESTER, "/migration-status", "blog")
    assert reply.text == "No move of blog is running and the bot knows of none."
    assert reply.blocks == []


async def test_an_app_and_an_id(world: World) -> None:
    _, mid = await start_move(world, "app-42", "eu-west-1", hold_at="copying_blobs")
    by_short = await private_reply(world, REQUESTER, "/migration-status", f"app-42 {mid[:8]}")
    by_whole = await private_reply(world, REQUESTER, "/migration-status", f"app-42 {mid.upper()}")
    assert (
        by_short.text
        == by_whole.text
        == ("app-42 · us-east-1 → eu-west-1 · Copying blobs (step 8 of 13)")
    )
    wrong_app = await private_reply(world, REQUESTER, "/migration-status", f"blog {mid[:8]}")
    assert wrong_app.text == (f"Move `{mid[:8]}` belongs to app-42, not blog. Nothing was done.")

    # a whole id the bot doesn't know is read from Butterbase: one started outside Slack
    world.sim.stall_step("shop-eu", "reserving_dest")
    outside = world.sim.start_move_as("user-dashboard", "shop-eu", "us-east-1")
    reply = await private_reply(world, REQUESTER, "/migration-status", f"shop-eu {outside.id}")
    assert reply.text.startswith("shop-eu · eu-west-1 → us-east-1 · ")
    assert ids.FOLLOW in buttons(reply.blocks)
    unknown = "0badc0de-0000-4000-8000-000000000000"
    reply = await private_reply(world, REQUESTER, "/migration-status", f"shop-eu {unknown}")
    assert reply.text == f"Butterbase knows no migration `{unknown}` of shop-eu."
    assert world.mutating_requests() == [
        r for r in world.mutating_requests() if "/move" in r["path"]
    ]


async def test_ids_that_are_not_known_never_reach_the_api(world: World) -> None:
    reply = await private_reply(world, REQUESTER, "/migration-status", "app-42 zzz")
    assert reply.text == (
        "`zzz` is not a migration id: give the whole id or the 8-character short id the bot "
        "shows.\n" + usage("/migration-status")
    )
    reply = await private_reply(world, REQUESTER, "/migration-status", "app-42 deadbeef")
    assert reply.text == (
        "The bot knows no migration starting with `deadbeef`. Give the whole migration id, or "
        "see `/migration-status app-42`."
    )
    # two migrations the bot knows share a short id: it asks for the whole one
    assert world.runtime is not None
    now = datetime.now(UTC)
    twins = [f"abcd1234-0000-4000-8000-00000000000{i}" for i in (1, 2)]
    for twin in twins:
        world.runtime.store.add_migration(
            TrackedMigration(
                migration_id=twin,
                app_id="app-42",
                channel_id=CHANNEL,
                created_at=now,
                updated_at=now,
                current_step="completed",
                polling=False,
            )
        )
    reply = await private_reply(world, REQUESTER, "/migration-status", "app-42 abcd1234")
    listed = ", ".join(f"`{t}` (app-42)" for t in reversed(twins))
    assert reply.text == f"`abcd1234` matches 2 migrations: {listed}. Give the whole id."
    reply = await private_reply(world, REQUESTER, "/abort", "app-42 abcd1234")
    assert reply.text == f"`abcd1234` matches 2 migrations: {listed}. Give the whole id."
    assert reads_of(world, "zzz") == reads_of(world, "deadbeef") == reads_of(world, "abcd") == []
    assert world.sim.requests == []


async def test_status_help(world: World) -> None:
    reply = await private_reply(world, REQUESTER, "/migration-status", "help")
    assert reply.text == (
        "Usage: `/migration-status [<app_id> [<migration_id>]]` — nothing: what runs in this "
        "channel; an app: its current move; both: that migration."
    )
    reply = await private_reply(world, REQUESTER, "/migration-status", "a b c")
    assert reply.text == "Too many arguments.\n" + usage("/migration-status")
    assert world.sim.requests == []


async def test_refresh_polls_and_re_renders_the_card(world: World) -> None:
    card_ts, mid = await start_move(world, "app-42", "eu-west-1", hold_at="dumping_data")
    await wait_for(lambda: not world.runtime.store.pending_outbox_for(mid), message="quiet")  # type: ignore[union-attr]

    def version() -> int:
        card = world.ws.find_message(CHANNEL, card_ts)
        assert card is not None
        block_id = next(b["block_id"] for b in card.blocks if b.get("type") == "actions")
        return int(block_id.rsplit(":", 1)[1])

    before, reads = version(), len(reads_of(world, mid))
    result = await world.d.click(BYSTANDER, CHANNEL, card_ts, ids.REFRESH)
    assert result.status == 200
    await wait_for(lambda: version() > before, message="the card re-rendered")
    assert len(reads_of(world, mid)) > reads
    assert world.ws.ephemerals(BYSTANDER) == []  # the card itself is the answer

    # a stale or forged value gets a private answer, never an API call
    forged = await world.d.click(BYSTANDER, CHANNEL, card_ts, ids.REFRESH, value="../../apps")
    assert forged.status == 200
    answer = await wait_for(lambda: world.ws.ephemerals(BYSTANDER), message="the refusal")
    assert answer[0].text == (
        "That button no longer names a migration the bot can act on. Nothing was done."
    )
    assert not [r for r in world.sim.requests if ".." in r["path"]]


async def test_an_app_moved_outside_the_bot_is_said_to_be_moving(world: World) -> None:
    # the active route hides another key's move; GET /apps shows the app `migrating`
    world.sim.stall_step("app-42", "dumping_data")
    outside = world.sim.start_move_as("user-dashboard", "app-42", "eu-west-1")
    await wait_for(lambda: outside.current_step == "dumping_data", message="the outside move")
    reply = await private_reply(world, REQUESTER, "/migration-status", "app-42")
    assert reply.text.startswith(
        "A move of app-42 (from us-east-1) is running, started outside the bot"
    )
    assert "No migration of app-42 is running" not in reply.text
    assert "migrating" in reply.text and "writes paused" in reply.text
    assert world.mutating_requests() == []
