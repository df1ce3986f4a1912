"""Review R2 of issue 15: each test fails on a defect a person reading the bot would meet.

Run the flows end to end (simulator + Slack stand-in) and assert what is read."""

from __future__ import annotations

import re
from collections import Counter

from tests.e2e.harness import CHANNEL, REQUESTER, World
from tests.e2e.private import private_reply
from tests.e2e.test_operate_home import open_home
from tests.review_r2 import flows
from tests.review_r2.checks import channel_visible, pings, words
from tests.review_r2.dump import all_messages, blocks_text, first_line, write


async def test_failed_after_cutover_says_writes_are_still_paused(world: World) -> None:
    """Point 1. `doomed` fails at setting_up_reverse_replication: unblocking_writes never ran,
    so writes answer 503 (API contract: paused from blocking_writes until unblocking_writes)."""
    card_ts, _ = await flows.doomed(world)
    write("defect_doomed", world)
    (alert,) = [m for m in channel_visible(world) if m.text.startswith("FAILED")]
    assert "writes still paused" in first_line(alert.text).lower(), alert.text
    card = world.ws.find_message(CHANNEL, card_ts)
    assert card is not None
    assert "writes still paused" in "\n".join(blocks_text(card.blocks)).lower(), card.blocks


async def test_home_says_a_reversed_move_was_reversed(world: World) -> None:
    """Point 2, on the App Home: the forward move still reads 'Completed · reverse started'."""
    await flows.reverse(world)
    shown = await open_home(world, REQUESTER, "Your recent")
    (row,) = [line for line in shown.splitlines() if "us-east-1 → eu-central-1" in line]
    assert "Reversed" in row and "back in us-east-1" in row, row
    assert "Completed" not in row, row


async def test_the_reverse_end_broadcast_is_not_the_summary(world: World) -> None:
    """Point 11: the channel gets the end of the reverse, not its 5-line summary (with two
    more pings), and not the same sentence twice."""
    await flows.reverse(world)
    write("defect_reverse", world)
    (ended,) = [m for m in channel_visible(world) if m.text.startswith("Reversed:")]
    assert "Summary" not in ended.text, ended.text
    repeated = [
        s for s, n in Counter(words(ended.text.replace("A fast reverse: ", ""))).items() if n > 1
    ]
    assert repeated == [], repeated
    assert len(pings(ended.text)) <= 1, pings(ended.text)


async def test_one_ping_per_incident_when_an_abort_leaves_writes_paused(world: World) -> None:
    """Point 11: the abort broadcast and the writes-paused broadcast both mention the
    requester, a fraction of a second apart: two notifications for one incident."""
    card_ts, _ = await flows.abort_with_writes_paused(world)
    write("defect_abort", world)
    after = [m for m in channel_visible(world) if m.ts != card_ts]
    pinged = [m.text for m in after if f"<@{REQUESTER}>" in m.text]
    assert len(pinged) == 1, pinged


BANNED = re.compile(
    r"source replica|retained|\bmigrations?\b(?!-status)|migration's", re.IGNORECASE
)


def said(world: World) -> list[str]:
    ws = world.ws
    texts = [v.text for m in all_messages(world) for v in m.versions]
    texts += ["\n".join(blocks_text(v.blocks)) for m in all_messages(world) for v in m.versions]
    with ws.lock:
        texts += [v.text for e in ws._ephemerals for v in e.versions]
        texts += ["\n".join(blocks_text(v.blocks)) for v in ws.views.values()]
    return texts


async def test_one_word_for_one_thing(world: World) -> None:
    """Point 13: 'move' and 'replica' everywhere a person reads (not 'migration', 'source
    replica', 'retained replica'). Slash command names and the bot's name are fine."""
    await flows.teardown(world)
    await open_home(world, REQUESTER, "Your recent")
    found = sorted(
        {
            line.strip()[:160]
            for t in said(world)
            for line in t.replace("Butterbase migrations", "").splitlines()
            if BANNED.search(line.replace("/migration-status", ""))
        }
    )
    assert found == [], "\n".join(found)


async def test_no_backticks_or_stars_in_what_a_notification_shows(world: World) -> None:
    """Point 9: a thread reply with no blocks is shown by its text; a notification shows
    backticks raw ('started reverse migration `e7a1f4f2`')."""
    await flows.reverse(world)
    bad = [
        first_line(v.text)
        for m in all_messages(world)
        for v in m.versions
        if re.search(r"[`*]", first_line(v.text))
    ]
    assert bad == [], bad


async def test_status_of_one_app_is_compact_like_the_card(world: World) -> None:
    """Point 12: `/migration-status app-42` answers with the full 13-line checklist
    (':white_check_mark: Requested — 0s' …) instead of the compact card."""
    await flows.normal_move(world)
    reply = await private_reply(world, REQUESTER, "/migration-status", "app-42")
    sections = [line for line in blocks_text(reply.blocks) if "section|" in line]
    assert len(sections) <= 6, "\n".join(sections)
