"""Fixtures: a fake clock and stores in memory or in a temporary file."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

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


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "bot.db"


@pytest.fixture
def file_store(db_path: Path, clock: FakeClock) -> Iterator[Store]:
    with Store(db_path, clock=clock) as s:
        yield s
