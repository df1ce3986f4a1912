"""Migration ids that are not UUIDs (issue 10, hole 8): the client refuses to send
them, and a 500 answered for one is an input error: never retried, never called an
outage, never "probably torn down". Over httpx.MockTransport, counting requests."""

from __future__ import annotations

import random
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime

import httpx
import pytest

from bot.butterbase import ButterbaseClient
from bot.clock import FakeClock
from bot.errors import InvalidId, Unavailable, is_uuid
from bot.explain import explain
from bot.models import MigrationStatus
from bot.retry import Call, RetryPolicy, Sender

KEY = "bb_sk_live_ids_test"
APP = "app-1"
MIG = "7a0c1a5e-0000-4000-8000-000000000001"
BAD_IDS = ["not-a-uuid", "7a0c1a5e", "../../apps", f"{MIG}\n", f" {MIG}", "", MIG + "0"]


class Counting:
    """Answers every request as the published server answers a non-UUID id: 500."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def handle(self, request: httpx.Request) -> httpx.Response:
        self.requests.append(request)
        return httpx.Response(500, json={"error": "internal error"})


@pytest.fixture
def server() -> Counting:
    return Counting()


@pytest.fixture
def sleeps() -> list[float]:
    return []


@pytest.fixture
async def client(server: Counting, sleeps: list[float]) -> AsyncIterator[ButterbaseClient]:
    async def sleep(delay: float) -> None:
        sleeps.append(delay)

    async with ButterbaseClient(
        base_url="https://api.butterbase.test",
        api_key=KEY,
        transport=httpx.MockTransport(server.handle),
        sleep=sleep,
        rng=random.Random(3),
        clock=FakeClock(datetime(2026, 11, 30, 10, 0, tzinfo=UTC)),
    ) as bb:
        yield bb


Route = Callable[[ButterbaseClient, str], Awaitable[object]]
ROUTES: dict[str, Route] = {
    "status": lambda bb, mid: bb.status(APP, mid),
    "abort": lambda bb, mid: bb.abort(APP, mid),
    "reverse": lambda bb, mid: bb.reverse(APP, mid),
    "teardown": lambda bb, mid: bb.teardown(mid),
    "teardown-with-app": lambda bb, mid: bb.teardown(mid, app_id=APP),
}


def assert_input_error(exc: InvalidId) -> None:
    text = str(exc)
    assert not isinstance(exc, Unavailable)
    assert "unavailable" not in text.lower() and "torn down" not in text
    assert "not a Butterbase migration id (a UUID)" in text
    assert exc.error == "invalid_id"


@pytest.mark.parametrize("route", sorted(ROUTES))
@pytest.mark.parametrize("bad", BAD_IDS)
async def test_a_non_uuid_id_is_never_sent(
    client: ButterbaseClient, server: Counting, sleeps: list[float], route: str, bad: str
) -> None:
    with pytest.raises(InvalidId) as caught:
        await ROUTES[route](client, bad)
    assert server.requests == [] and sleeps == []
    assert_input_error(caught.value)
    assert "nothing was sent to Butterbase" in str(caught.value)


async def test_what_a_person_is_told_is_not_an_outage(client: ButterbaseClient) -> None:
    with pytest.raises(InvalidId) as caught:
        await client.abort(APP, "1234")
    text = explain(caught.value, doing="abort the move of app-1")
    assert text == (
        "I couldn't abort the move of app-1: The migration id given is not a Butterbase "
        "migration id (a UUID), so the bot could not abort the move; nothing was sent "
        "to Butterbase. Check the id."
    )


@pytest.mark.parametrize("route", ["status", "abort", "teardown"])
async def test_a_500_for_a_non_uuid_id_is_an_input_error_not_retried(
    server: Counting, route: str
) -> None:
    """Should a non-UUID id ever reach the server, its 500 is bad input, asked once."""
    sleeps: list[float] = []

    async def sleep(delay: float) -> None:
        sleeps.append(delay)

    attempted = None if route == "status" else f"{route} migration 1234"
    call = Call(route, "POST", "/v1/whatever/1234", attempted=attempted, ids=("1234",))
    async with httpx.AsyncClient(
        base_url="https://api.butterbase.test", transport=httpx.MockTransport(server.handle)
    ) as http:
        sender = Sender(
            http=http,
            api_key=KEY,
            policy=RetryPolicy(),
            sleep=sleep,
            rng=random.Random(1),
            clock=FakeClock(datetime(2026, 11, 30, 10, 0, tzinfo=UTC)),
            on_request=None,
        )
        with pytest.raises(InvalidId) as caught:
            await sender.once(call, MigrationStatus)
    assert len(server.requests) == 1 and sleeps == []
    assert_input_error(caught.value)
    assert caught.value.status == 500 and "Butterbase refused it" in str(caught.value)
    assert not RetryPolicy().should_retry(caught.value, mutating=attempted is not None)


async def test_a_500_for_a_real_uuid_is_still_an_outage(
    client: ButterbaseClient, server: Counting
) -> None:
    with pytest.raises(Unavailable) as caught:
        await client.status(APP, MIG)
    assert len(server.requests) == 4  # a read: retried as before
    assert not isinstance(caught.value, InvalidId)


def test_uuid_forms() -> None:
    assert is_uuid(MIG) and is_uuid(MIG.upper())
    assert not any(is_uuid(b) for b in BAD_IDS)
    assert not is_uuid(None) and not is_uuid(7)
