"""A move's trouble in its thread: retries said once (and their recovery), five failures
before cutover end aborted, after cutover end failed with the requester and on-call pinged."""

from __future__ import annotations

import re

from bot import steps
from tests.e2e.harness import CHANNEL, World, wait_for
from tests.e2e.private import done_steps, start_move, tracked


def summary_reached(world: World, card_ts: str) -> list[str]:
    texts = world.thread_texts(card_ts)
    return texts if any("Summary · " in t for t in texts) else []


def broadcasts(world: World, card_ts: str) -> list[str]:
    return [m.text for m in world.ws.thread(CHANNEL, card_ts) if m.reply_broadcast]


async def test_a_step_failing_twice_is_told_once_and_so_is_its_recovery(world: World) -> None:
    world.sim.config.retry_delay = 150  # 0.3 s between attempts: several polls see each
    world.sim.fail_step("app-42", "copying_blobs", 2, error="blob store timed out")
    card_ts, mid = await start_move(world, "app-42", "eu-west-1")
    thread = await wait_for(lambda: summary_reached(world, card_ts), message="the summary")
    lines = "\n".join(thread).splitlines()
    retrying = [line for line in lines if "is failing and being retried" in line]
    recovered = [line for line in lines if "recovered after retrying" in line]
    assert retrying == [
        ":warning: app-42 · Copying blobs is failing and being retried (attempt 1 of 5): "
        "blob store timed out"
    ]
    assert recovered == [":ok_hand: Copying blobs recovered after retrying."]
    assert done_steps(thread) == list(steps.HAPPY_PATH[:-1])  # every step once, in order
    # the card is refreshed to its newest state within the budget's pace, not at once
    await wait_for(lambda: world.cards()[0].text.endswith("Completed"), message="final card")


async def test_five_failures_before_cutover_end_aborted(world: World) -> None:
    world.sim.config.retry_delay = 60  # 0.12 s between attempts: the polls see it retry
    world.sim.fail_step("app-42", "copying_blobs", 5, error="blob store is gone")
    card_ts, mid = await start_move(world, "app-42", "eu-west-1")
    thread = await wait_for(lambda: summary_reached(world, card_ts), message="the summary")
    assert tracked(world, mid).current_step == "aborted"
    aborted = [t for t in broadcasts(world, card_ts) if "Aborted" in t]
    assert len(aborted) == 1
    assert aborted[0].startswith("Aborted: app-42 stays in us-east-1.")  # the state first
    # one ping per incident: the "stuck" notice or the abort, mentions last
    pings = [t for t in broadcasts(world, card_ts) if "<!subteam^S_ONCALL>" in t]
    assert len(pings) == 1 and pings[0].endswith("<@U_REQ> <!subteam^S_ONCALL>")
    assert "rolled back (blob store is gone)" in aborted[0]
    assert sum("is failing and being retried" in t for t in thread) == 1
    stopped = r"app-42 · Copying blobs (\(\S+\) )?stopped · (now Aborting|Aborted)"
    assert re.search(stopped, "\n".join(thread))
    await wait_for(
        lambda: world.cards()[0].text.startswith("app-42 · us-east-1 → eu-west-1 · Aborted"),
        message="final card",
    )
    assert world.mutating_requests()[1:] == []  # the bot itself aborted nothing


async def test_five_failures_after_cutover_end_failed_and_ping(world: World) -> None:
    world.sim.config.retry_delay = 60  # 0.12 s between attempts: the polls see it retry
    world.sim.fail_step("app-42", "setting_up_reverse_replication", 5, error="replica refused")
    card_ts, mid = await start_move(world, "app-42", "eu-west-1")
    thread = await wait_for(lambda: summary_reached(world, card_ts), message="the summary")
    assert tracked(world, mid).current_step == "failed"
    failed = [t for t in broadcasts(world, card_ts) if "FAILED" in t]
    assert len(failed) == 1
    assert failed[0].startswith("FAILED after cutover: app-42 — ")  # the state first
    # one ping per incident: the "stuck" notice or the failure, mentions last
    pings = [t for t in broadcasts(world, card_ts) if "<!subteam^S_ONCALL>" in t]
    assert len(pings) == 1 and pings[0].endswith("<@U_REQ> <!subteam^S_ONCALL>")
    assert "it needs manual review" in failed[0] and "Abort is not possible" in failed[0]
    stopped = r"app-42 · Setting up reverse replication (\(\S+\) )?stopped · Failed"
    assert re.search(stopped, "\n".join(thread))
    assert sum("is failing and being retried" in t for t in thread) == 1
    await wait_for(
        lambda: world.cards()[0].text.startswith(
            "app-42 · us-east-1 → eu-west-1 · Failed — needs manual review"
        ),
        message="final card",
    )
