"""The bot killed (SIGKILL) in the middle of a move and started again: it resumes from
its store, reports the steps passed while it was down once, in one reply, and posts
nothing twice: one card, every step exactly once, the card ending "Completed"."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from bot import steps
from sandbox.server import free_port
from sandbox.slack import SlackDriver
from tests.e2e.harness import (
    BOT_TOKEN,
    CHANNEL,
    REQUESTER,
    SIGNING_SECRET,
    World,
    close_world,
    make_world,
    wait_for,
)
from tests.e2e.private import done_steps

PYTHON = Path(sys.executable)


def bot_env(world: World, port: int) -> dict[str, str]:
    env = {
        k: v for k, v in os.environ.items() if not k.startswith(("SLACK_", "BOT_", "BUTTERBASE_"))
    }
    env.update(
        SLACK_BOT_TOKEN=BOT_TOKEN,
        SLACK_SIGNING_SECRET=SIGNING_SECRET,
        SLACK_API_URL=world.slack.api_url,
        BUTTERBASE_API_URL=world.sim_server.url,
        BUTTERBASE_API_KEY="bb_sk_test_bot",
        BOT_DB_PATH=str(world.db),
        BOT_PORT=str(port),
        BOT_POLL_SECONDS="0.1",
        BOT_ONCALL_GROUP="S_ONCALL",
        NO_PROXY="127.0.0.1,localhost",
        no_proxy="127.0.0.1,localhost",
    )
    return env


@contextmanager
def bot_process(world: World, port: int, log: Path) -> Iterator[subprocess.Popen[bytes]]:
    """`python -m bot` in a scratch directory (no `.env`), killed at the end whatever happens."""
    with log.open("ab") as out:
        process = subprocess.Popen(
            [str(PYTHON), "-m", "bot"],
            cwd=log.parent,
            env=bot_env(world, port),
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    try:
        yield process
    finally:
        if process.poll() is None:
            process.kill()
        process.wait(timeout=10)


async def healthy(port: int) -> dict[str, object]:
    async with httpx.AsyncClient(trust_env=False) as http:

        async def get() -> dict[str, object] | None:
            try:
                response = await http.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
            except httpx.HTTPError:
                return None
            return response.json() if response.status_code == 200 else None

        deadline = asyncio.get_running_loop().time() + 20
        while (body := await get()) is None:
            if asyncio.get_running_loop().time() > deadline:
                raise AssertionError("the bot never answered /healthz")
            await asyncio.sleep(0.05)
        return body


async def outbox_empty(port: int) -> None:
    """Until the bot has sent everything it queued."""
    for _ in range(400):
        if (await healthy(port))["outbox_depth"] == 0:
            return
        await asyncio.sleep(0.05)
    raise AssertionError("the bot's outbox never emptied")


async def test_a_killed_bot_resumes_and_reports_every_step_once(tmp_path: Path) -> None:
    world = make_world(tmp_path, start=False)
    log = tmp_path / "bot.log"
    port = free_port()
    world.sim.stall_step("app-42", "reserving_dest")
    try:
        with bot_process(world, port, log) as first:
            await healthy(port)
            async with SlackDriver(
                world.ws,
                bot_url=f"http://127.0.0.1:{port}",
                signing_secret=SIGNING_SECRET,
                api_base_url=world.slack.url,
            ) as driver:
                result = await driver.command(REQUESTER, CHANNEL, "/migrate", "app-42 eu-west-1")
                assert result.status == 200
            card = (await wait_for(world.cards, message="the card"))[0]
            mid = next(iter(world.sim.migrations))
            await wait_for(
                lambda: "now Reserving the destination" in "\n".join(world.thread_texts(card.ts)),
                message="the first step in the thread",
            )
            await outbox_empty(port)
            first.send_signal(signal.SIGKILL)  # no shutdown: whatever was in flight is lost
            first.wait(timeout=10)

        # while the bot is down the move goes on (quickly), up to its last step
        world.sim.config.time_scale = 0.0005
        world.sim.unstall("app-42")
        world.sim.stall_step("app-42", "unblocking_writes")
        await wait_for(
            lambda: world.sim.migrations[mid].current_step == "unblocking_writes",
            message="the move to go on while the bot is down",
        )
        before_restart = list(world.thread_texts(card.ts))

        with bot_process(world, port, log):
            await healthy(port)
            offline = await wait_for(
                lambda: [
                    t for t in world.thread_texts(card.ts) if "While the bot was offline" in t
                ],
                message="the offline reply",
            )
            world.sim.unstall("app-42")
            await wait_for(
                lambda: any("Summary · " in t for t in world.thread_texts(card.ts)),
                message="the summary",
            )
            await outbox_empty(port)
        thread = world.thread_texts(card.ts)
    finally:
        await close_world(world)

    assert thread[: len(before_restart)] == before_restart  # nothing was posted again
    assert len(offline) == 1
    assert offline[0].splitlines()[0] == (  # the cutover, a thread reply, may follow it
        ":white_check_mark: app-42 · While the bot was offline: Reserving the destination, "
        "Blocking writes, Dumping data, Restoring data, Dumping key-value data, Restoring "
        "key-value data, Copying blobs, Copying the runtime, "
        "Flipping routing (cutover), Setting up reverse replication done · now Unblocking "
        "writes (step 12 of 13)"
    )
    assert done_steps(thread) == list(steps.HAPPY_PATH[:-1])  # every step exactly once
    assert sum("Cutover: " in t for t in thread) == 1
    assert sum("Summary · " in t for t in thread) == 1
    assert [c.ts for c in world.cards()] == [card.ts]  # exactly one card
    final = world.ws.find_message(CHANNEL, card.ts)
    assert final is not None and final.text == "app-42 · us-east-1 → eu-west-1 · Completed"
    assert [c.method for c in world.ws.calls].count("chat.postMessage") == len(thread) + 1
