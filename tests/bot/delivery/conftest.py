from __future__ import annotations

from collections.abc import Iterator

import pytest

from bot.clock import FakeClock
from storage.store import Store
from tests.storage.factories import T0


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(T0)


@pytest.fixture
def store(clock: FakeClock) -> Iterator[Store]:
    with Store.in_memory(clock=clock) as s:
        yield s
