"""A version number that long-polling readers can wait on, from any thread or event loop."""

from __future__ import annotations

import asyncio
import contextlib
import threading


def _wake(future: asyncio.Future[None]) -> None:
    if not future.done():
        future.set_result(None)


class ChangeFeed:
    """Counts changes; `wait_for_change` returns as soon as the count passes a known value.

    The stand-in's server runs in its own thread and event loop while tests and the
    sandbox page wait in theirs, so waiters are woken with `call_soon_threadsafe`.
    """

    def __init__(self) -> None:
        self._version = 0
        self._lock = threading.Lock()
        self._waiters: list[tuple[asyncio.AbstractEventLoop, asyncio.Future[None]]] = []

    @property
    def version(self) -> int:
        """How many changes there have been so far."""
        return self._version

    def bump(self) -> int:
        """Record one change and wake everyone waiting; returns the new version."""
        with self._lock:
            self._version += 1
            version = self._version
            waiters, self._waiters = self._waiters, []
        for loop, future in waiters:
            with contextlib.suppress(RuntimeError):  # that loop is closed: nobody to wake
                loop.call_soon_threadsafe(_wake, future)
        return version

    async def wait_for_change(self, since_version: int, timeout: float) -> int:  # noqa: ASYNC109 (a long poll returns on timeout)
        """Wait until the version exceeds `since_version` (or `timeout` seconds pass).

        Returns the version at that moment, which equals `since_version` on a timeout.
        """
        loop = asyncio.get_running_loop()
        with self._lock:
            if self._version > since_version:
                return self._version
            future: asyncio.Future[None] = loop.create_future()
            entry = (loop, future)
            self._waiters.append(entry)
        try:
            await asyncio.wait_for(future, timeout)
        except TimeoutError:
            pass
        finally:
            with self._lock, contextlib.suppress(ValueError):
                self._waiters.remove(entry)
        return self._version
