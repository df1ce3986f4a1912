"""The model-based test: random interleavings against the real bot, invariants after
every step. `MODEL_STEPS=20000 make fuzz` runs a long search (see the Makefile)."""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.model.machine import BotMachine
from tests.model.world import Servers

STEPS_PER_EXAMPLE = 30
_total = int(os.environ.get("MODEL_STEPS", "0"))

settings.register_profile(
    "model",
    max_examples=int(os.environ.get("MODEL_EXAMPLES", "50")),  # ~1,000 steps, ~30 s
    stateful_step_count=STEPS_PER_EXAMPLE,
    deadline=None,
    database=None,  # no failure database in CI; `make fuzz` keeps one in .hypothesis/
    derandomize=True,  # `make test` plays the same examples every time: never flaky
    suppress_health_check=list(HealthCheck),
)
settings.register_profile(
    "fuzz",
    max_examples=max(1, _total // STEPS_PER_EXAMPLE),
    stateful_step_count=STEPS_PER_EXAMPLE,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    phases=[Phase.explicit, Phase.reuse, Phase.generate, Phase.target, Phase.shrink],
)


@pytest.fixture(scope="module")
def servers() -> Iterator[Servers]:
    started = Servers.start()
    try:
        yield started
    finally:
        started.stop()


@pytest.mark.timeout(0 if _total else 600)  # 0: the long run has no limit
def test_the_bot_keeps_its_rules_whatever_happens(servers: Servers) -> None:
    BotMachine.servers = servers
    profile = settings.get_profile("fuzz" if _total else "model")
    try:
        run_state_machine_as_test(BotMachine, settings=profile)
    finally:
        print(f"\nmodel-based test: {BotMachine.total_steps} steps checked")


def _replay(servers: Servers, steps: list[tuple[str, dict[str, object]]]) -> None:
    """Run one fixed sequence of the machine's rules, checking after each as Hypothesis does."""
    BotMachine.servers = servers
    machine = BotMachine()
    try:
        for name, kwargs in steps:
            getattr(machine, name)(**kwargs)
            machine.safe()
    finally:
        machine.teardown()


def test_a_superseded_move_is_never_reversed(servers: Servers) -> None:
    """Hole 1 as the machine plays it: a reverse of M1 is requested, then M2 takes the app
    away, then the request is approved; the invariant refuses any reverse call for M1."""
    t = {"seconds": 600}
    _replay(
        servers,
        [
            ("migrate", {"user": "U_REQ", "app": "app-42", "region": "eu-west-1", "evil": False}),
            *[("tick", t)] * 3,
            ("request_command", {"user": "U_REQ", "which": 0, "kind": "reverse"}),
            (
                "migrate",
                {"user": "U_REQ", "app": "app-42", "region": "ap-southeast-1", "evil": False},
            ),
            *[("tick", t)] * 3,
            ("decide", {"users": ["U_APP1"], "which": 0, "deny": False}),
        ],
    )


def test_a_move_that_ends_unseen_during_an_outage_is_told_where_it_was_last_seen(
    servers: Servers,
) -> None:
    """Found by the long run (`MODEL_STEPS=20000`): Butterbase answers 503 while a step
    fails for good; when it answers again the move is `aborted`. The thread must tell every
    step the move passed, and never claim that the step it was last seen at "stopped"."""
    _replay(
        servers,
        [
            ("migrate", {"app": "shop-eu", "evil": False, "region": "us-east-1", "user": "U_REQ"}),
            ("butterbase_outage", {"mode": "503", "seconds": 60}),
            ("tick", {"seconds": 5}),
            ("fail_step", {"app": "shop-eu", "evil": False}),
        ],
    )


def test_a_move_failing_at_its_first_step_is_never_told_done_there(servers: Servers) -> None:
    """Found by the second long run: the very first step fails for good before the bot
    reads again; "Requested" must not be told as passed (it stopped there)."""
    _replay(
        servers,
        [
            ("migrate", {"app": "app-42", "evil": False, "region": "eu-west-1", "user": "U_REQ"}),
            ("fail_step", {"app": "app-42", "evil": False}),
            ("tick", {"seconds": 200}),
        ],
    )


def test_a_move_failing_unseen_after_an_outage_is_told_from_where_it_was_seen(
    servers: Servers,
) -> None:
    """Found by the second long run: the move went further while Butterbase answered 503,
    then a step failed for good; the thread says where it was last seen, claims nothing
    after it."""
    _replay(
        servers,
        [
            ("migrate", {"app": "app-42", "evil": False, "region": "eu-west-1", "user": "U_REQ"}),
            ("tick", {"seconds": 20}),
            ("butterbase_outage", {"mode": "503", "seconds": 60}),
            ("tick", {"seconds": 20}),
            ("fail_step", {"app": "app-42", "evil": False}),
        ],
    )
