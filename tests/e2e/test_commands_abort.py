"""`/abort` end to end: confirm then abort before cutover; refuse after cutover and on a
failed move without ever calling abort; writes left paused reported once with on-call."""

from __future__ import annotations

import asyncio
import re
from datetime import datetime

from bot import ids
from bot.parsing import usage
from bot.render.text import hhmm
from tests.e2e.harness import BYSTANDER, CHANNEL, REQUESTER, World, wait_for
from tests.e2e.private import (
    buttons,
    click_card,
    click_private,
    private_reply,
    start_move,
    tracked,
    wait_at,
)

ABORTED = re.compile(
    r"Aborted the move of app-42 \(`[0-9a-f]{8}`\) at \d\d:\d\d UTC\. "
    r"The card and its thread show what follows\."
)


def abort_calls(world: World) -> list[str]:
    return [r["path"] for r in world.mutating_requests() if r["path"].endswith("/abort")]


def card_text(world: World, card_ts: str) -> str:
    card = world.ws.find_message(CHANNEL, card_ts)
    assert card is not None
    return card.text


async def test_abort_before_cutover_asks_then_aborts(world: World) -> None:
    card_ts, mid = await start_move(world, "app-42", "eu-west-1", hold_at="reserving_dest")
    short = mid[:8]

    ask = await private_reply(world, BYSTANDER, "/abort", "app-42")
    said = (
        "Stops the move to eu-west-1 now. app-42 stays in us-east-1. If writes are paused by "
        "then, Butterbase will not unpause them: they stay paused (503) until someone fixes it."
    )
    assert ask.text == f"Abort the move of app-42 ({short}, now Reserving the destination)? {said}"
    button = buttons(ask.blocks)[ids.ABORT]
    assert button["value"] == mid and button["style"] == "danger"
    assert button["confirm"]["confirm"]["text"] == "Abort the move"
    assert button["confirm"]["text"]["text"] == said  # the card's Abort asks the same
    card_abort = buttons(world.ws.find_message(CHANNEL, card_ts).blocks)[ids.ABORT]  # type: ignore[union-attr]
    assert card_abort["confirm"]["text"]["text"] == said
    assert abort_calls(world) == []  # asking is not aborting

    done = await click_private(world, BYSTANDER, ask, ids.ABORT)
    assert ABORTED.fullmatch(done.text), done.text
    assert buttons(done.blocks) == {}  # the confirmation is replaced: no second click
    assert abort_calls(world) == [f"/v1/apps/app-42/migrations/{mid}/abort"]

    await wait_for(lambda: card_text(world, card_ts).endswith("Aborted"), message="card aborted")
    thread = await wait_for(
        lambda: (
            [t for t in world.thread_texts(card_ts) if "Summary" in t]
            and world.thread_texts(card_ts)
        ),
        message="the summary",
    )
    joined = "\n".join(thread)
    assert "<@U_OTHER> aborted the move at" in joined
    assert "Aborted on request by <@U_OTHER>." in joined
    assert "Final state: Aborted at " in joined
    assert "STILL PAUSED" not in joined  # writes were never paused
    card = world.ws.find_message(CHANNEL, card_ts)
    assert card is not None and ids.ABORT not in buttons(card.blocks)
    actions = [e.action for e in world.runtime.store.audit_log(migration_id=mid)]  # type: ignore[union-attr]
    assert "abort.done" in actions

    # the app only: nothing runs now, so the last move the bot knows
    status = await private_reply(world, REQUESTER, "/migration-status", "app-42")
    assert status.text.startswith("No move of app-42 is running. The last one the bot knows:\n")
    again = await private_reply(world, REQUESTER, "/abort", f"app-42 {short}")
    assert again.text == f"The move of app-42 (`{short}`) is already aborted. Nothing was done."
    assert len(abort_calls(world)) == 1


async def test_abort_after_cutover_is_refused_with_the_way_back(world: World) -> None:
    card_ts, mid = await start_move(
        world, "app-42", "eu-west-1", hold_at="setting_up_reverse_replication"
    )
    short = mid[:8]
    flipped = datetime.fromisoformat(world.sim.migrations[mid].progress["flipped_at"])
    expected = (
        f"The move of app-42 (`{short}`) is past cutover (now Setting up reverse replication), "
        f"so abort is not possible. Cutover happened at {hhmm(flipped)}; `/reverse app-42 {short}` "
        "is the way back once it completes. Nothing was done."
    )
    reply = await private_reply(world, REQUESTER, "/abort", "app-42")
    assert reply.text == expected
    # a stale Abort button (from before cutover) gets the same reason, privately
    stale = await click_card(world, BYSTANDER, card_ts, ids.ABORT, value=mid, force=True)
    assert stale.text == expected
    assert abort_calls(world) == []
    assert world.sim.migrations[mid].current_step == "setting_up_reverse_replication"


async def test_abort_of_a_failed_move_is_refused_without_asking_butterbase(world: World) -> None:
    world.sim.fail_step("app-42", "setting_up_reverse_replication", 5)
    card_ts, mid = await start_move(world, "app-42", "eu-west-1")
    await wait_for(lambda: tracked(world, mid).current_step == "failed", message="failed")
    short = mid[:8]
    expected = (
        f"The move of app-42 (`{short}`) failed and needs manual review; abort is not possible. "
        "Nothing was done."
    )
    reply = await private_reply(world, REQUESTER, "/abort", f"app-42 {short}")
    assert reply.text == expected
    reply = await private_reply(world, REQUESTER, "/abort", f"app-42 {mid}")
    assert reply.text == expected
    stale = await click_card(world, REQUESTER, card_ts, ids.ABORT, value=mid, force=True)
    assert stale.text == expected
    # with no id, its last move is the one meant: refused for the same reason
    reply = await private_reply(world, REQUESTER, "/abort", "app-42")
    assert reply.text == expected
    assert abort_calls(world) == []  # the server would have answered 200


async def test_abort_of_an_app_the_bot_never_moved_says_nothing_runs(world: World) -> None:
    reply = await private_reply(world, REQUESTER, "/abort", "shop-eu")
    assert reply.text == (
        "No move of shop-eu is running that the bot can see, so there is nothing to abort. "
        "A move started from the Butterbase dashboard can only be aborted there."
    )
    assert abort_calls(world) == []


async def test_abort_past_blocking_writes_reports_paused_writes_once(world: World) -> None:
    card_ts, mid = await start_move(world, "app-42", "eu-west-1", hold_at="copying_blobs")
    ask = await private_reply(world, REQUESTER, "/abort", "app-42")
    assert ask.text.endswith(
        "Writes are paused now and Butterbase will not unpause them: they stay paused (503) "
        "until someone fixes it."
    )
    done = await click_private(world, REQUESTER, ask, ids.ABORT)
    assert ABORTED.fullmatch(done.text), done.text

    def paused() -> list[str]:  # the abort's own message says it: one message, one page
        return [t for t in world.thread_texts(card_ts) if "writes still paused" in t.lower()]

    await wait_for(paused, message="the writes-paused report")
    await wait_at(world, mid, "aborted")
    checks = sum(1 for r in world.sim.requests if r["path"] == "/apps")
    await wait_for(  # several more polls: the tracker keeps checking the app
        lambda: sum(1 for r in world.sim.requests if r["path"] == "/apps") >= checks + 4,
        message="the bot to keep checking the app",
    )
    assert len(paused()) == 1
    assert paused()[0].startswith("Aborted on request by <@U_REQ>: app-42 stays in us-east-1, ")
    assert paused()[0].endswith("<@U_REQ> <!subteam^S_ONCALL>")  # the mentions last, once
    assert world.sim.apps["app-42"].provisioning_status == "migrating"
    assert "Writes still paused on app-42" in card_text(world, card_ts)
    assert abort_calls(world) == [f"/v1/apps/app-42/migrations/{mid}/abort"]


async def test_abort_help_and_bad_input(world: World) -> None:
    reply = await private_reply(world, REQUESTER, "/abort", "help")
    assert reply.text == usage("/abort")
    assert reply.text == (
        "Usage: `/abort <app_id> [<migration_id>]` — stops a move before cutover (asks you to confirm)."
    )
    reply = await private_reply(world, REQUESTER, "/abort", "")
    assert reply.text == "Which app?\n" + usage("/abort")
    reply = await private_reply(world, REQUESTER, "/abort", "app-42 ../../v1/regions")
    assert reply.text.startswith("`../../v1/regions` is not a migration id")
    reply = await private_reply(world, REQUESTER, "/abort", "app-42 deadbeef")
    assert reply.text == (
        "The bot knows no migration starting with `deadbeef`. Give the whole migration id, or "
        "see `/migration-status app-42`."
    )
    assert world.sim.requests == [] and world.mutating_requests() == []


async def test_the_three_abort_buttons_clicked_together_abort_once(world: World) -> None:
    """The card's Abort, `/abort`'s confirmation and the in-flight answer's Abort share
    one claim per migration (not per minute): one abort call, whoever clicks first."""
    card_ts, mid = await start_move(world, "app-42", "eu-west-1", hold_at="dumping_data")
    await wait_at(world, mid, "dumping_data")
    confirm = await private_reply(world, BYSTANDER, "/abort", "app-42")
    in_flight = await private_reply(world, REQUESTER, "/migrate", "app-42 eu-central-1")
    assert ids.ABORT in buttons(confirm.blocks) and ids.ABORT in buttons(in_flight.blocks)
    answers = await asyncio.gather(
        click_card(world, REQUESTER, card_ts, ids.ABORT),
        click_private(world, BYSTANDER, confirm, ids.ABORT),
        click_private(world, REQUESTER, in_flight, ids.ABORT),
    )
    texts = [a.text for a in answers]
    assert sum(1 for t in texts if ABORTED.fullmatch(t)) == 1, texts
    assert all(
        ABORTED.fullmatch(t)
        or t.startswith(f"An abort of `{mid[:8]}` was asked for moments ago")
        or t == f"The move of app-42 (`{mid[:8]}`) is already aborted. Nothing was done."
        for t in texts
    ), texts
    assert abort_calls(world) == [f"/v1/apps/app-42/migrations/{mid}/abort"]
